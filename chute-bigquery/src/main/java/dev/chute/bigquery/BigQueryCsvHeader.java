package dev.chute.bigquery;

import dev.chute.spi.TableSpec;
import dev.chute.sql.CsvLine;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides a CSV load's {@code skipLeadingRows} from the file's first line, so that no data row is
 * dropped and no header is loaded as data. BigQuery's autodetect treats the first row as a header
 * only when its values are strings and later rows hold other types, so an all-text file's header
 * would become a row; and {@code skipLeadingRows: 1} on a file without header drops a row.
 */
final class BigQueryCsvHeader {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_ .-]{0,299}");
    private static final Pattern NOT_A_NAME = Pattern.compile("(?i)true|false|null|[-+]?[0-9].*");

    private BigQueryCsvHeader() {
    }

    /**
     * 1 when the file has a header line, else 0: the table's {@code header} setting when given;
     * with declared columns, whether the first line names exactly those columns; otherwise whether
     * every field of the first line looks like a column name (non-empty, distinct, not a number,
     * boolean or date).
     */
    static int skipLeadingRows(TableSpec spec, Optional<String> firstLine, char delimiter) {
        if (spec.header().isPresent()) {
            return spec.header().get() ? 1 : 0;
        }
        if (firstLine.isEmpty() || firstLine.get().isBlank()) {
            return 0;
        }
        List<String> fields = CsvLine.split(firstLine.get(), delimiter, '"');
        if (!spec.columnTypes().isEmpty()) {
            Set<String> declared = new HashSet<>();
            spec.columnTypes().keySet().forEach(c -> declared.add(c.toLowerCase(Locale.ROOT)));
            Set<String> found = new HashSet<>();
            fields.forEach(f -> found.add(f.trim().toLowerCase(Locale.ROOT)));
            return found.equals(declared) && fields.size() == declared.size() ? 1 : 0;
        }
        Set<String> seen = new HashSet<>();
        for (String f : fields) {
            String name = f.trim();
            if (!NAME.matcher(name).matches() || NOT_A_NAME.matcher(name).matches() || !seen.add(name.toLowerCase(Locale.ROOT))) {
                return 0;
            }
        }
        return 1;
    }
}
