package dev.chute.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chute.spi.FileFormat;
import dev.chute.spi.LoadFile;
import dev.chute.spi.TableSpec;
import dev.chute.sql.CsvEscapes;
import dev.chute.sql.CsvLine;
import dev.chute.sql.CsvQuoting;
import dev.chute.sql.DuckDbReading;
import dev.chute.sql.HeaderGuess;
import dev.chute.sql.JsonTypes;
import dev.chute.sql.TextHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * DuckDB in-process, as the reader of staged files: its sniffer infers a CSV file's dialect and
 * column types, {@code read_json} and {@code read_parquet} read the formats PostgreSQL's COPY cannot,
 * and their rows stream out as CSV text, a buffer at a time (results are streamed, never
 * materialized). The in-memory database may read files only under the stage directory.
 */
final class PostgresFileReader implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BUFFER = 1 << 16;

    private final Connection duck;

    /** A column as the file has it: name and DuckDB type. */
    record Column(String name, String duckType) {
    }

    /**
     * How a CSV file is laid out; {@code quote} and {@code escape} are {@link CsvQuoting#NONE} for a file without quoting. {@code isoDates} is false when the sniffer found a date or
     * timestamp format PostgreSQL would read differently: such files are read by DuckDB.
     */
    record CsvDialect(char delimiter, char quote, char escape, boolean header, boolean isoDates, String duckOptions) {
    }

    /** The reader's view of a file: its columns, and for CSV its dialect. */
    record Shape(List<Column> columns, Optional<CsvDialect> csv) {
    }

    /** Receives CSV text for COPY. */
    interface Sink {
        void write(byte[] bytes, int length) throws SQLException;
    }

    PostgresFileReader(Path stageRoot) throws SQLException {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("jdbc_stream_results", "true");
        this.duck = DriverManager.getConnection("jdbc:duckdb:", props);
        try (Statement s = duck.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            s.execute("SET allowed_directories = [" + Pg.literal(stageRoot.toAbsolutePath() + "/") + "]");
            s.execute("SET enable_external_access = false");
            s.execute("SET autoinstall_known_extensions = false");
            s.execute("SET autoload_known_extensions = false");
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    /** The file's columns (and dialect); {@code full} infers types from every row instead of a sample. */
    Shape shape(LoadFile f, TableSpec spec, boolean full, TextHead head) throws SQLException {
        String path = Pg.literal(f.path().toAbsolutePath().toString());
        return switch (f.format().kind()) {
            case CSV, TSV -> sniffCsv(f, spec, full, head, path);
            case JSON -> {
                String relation = "read_json(" + path + ", " + jsonOptions(f, full) + ")";
                yield new Shape(unreadable(() -> likeCsv(relation, describe(relation), full)), Optional.empty());
            }
            case PARQUET -> new Shape(unreadable(() -> describe("read_parquet(" + path + ")")), Optional.empty());
            case AVRO -> throw new IllegalStateException("Avro files are refused before reading: " + f.version().key());
        };
    }

    /** DuckDB could not read a file: bad input, reported for that file; {@code line} when DuckDB says. */
    static final class Unreadable extends RuntimeException {
        private static final java.util.regex.Pattern LINE = java.util.regex.Pattern.compile("(?:Line|line):? (\\d+)");

        Unreadable(SQLException cause) {
            super(PostgresErrors.firstLine(String.valueOf(cause.getMessage())), cause);
        }

        java.util.OptionalLong line() {
            java.util.regex.Matcher m = LINE.matcher(String.valueOf(getCause().getMessage()));
            return m.find() ? java.util.OptionalLong.of(Long.parseLong(m.group(1))) : java.util.OptionalLong.empty();
        }
    }

    /**
     * A value holding a NUL byte, which PostgreSQL text cannot store (issue 11 item 3): the 1-based
     * row in file order, the 0-based column of the shape, and the value.
     */
    static final class NulValue extends RuntimeException {
        private final long row;
        private final int column;
        private final String value;

        NulValue(long row, int column, String value) {
            super("row " + row + ", column " + (column + 1) + ": a value holds the byte 0x00", null, false, false);
            this.row = row;
            this.column = column;
            this.value = value;
        }

        long row() {
            return row;
        }

        int column() {
            return column;
        }

        String value() {
            return value;
        }
    }

    private interface DuckCall<T> {
        T call() throws SQLException;
    }

    private static <T> T unreadable(DuckCall<T> call) {
        try {
            return call.call();
        } catch (SQLException e) {
            throw new Unreadable(e);
        }
    }

    private static String jsonOptions(LoadFile f, boolean full) {
        // read_json names "no compression" differently from read_csv
        String compression = f.format().compression() == FileFormat.Compression.NONE ? ", compression = 'uncompressed'" : compression(f);
        return "format = 'auto'" + (full ? ", sample_size = -1" : "") + compression;
    }

    private static String compression(LoadFile f) {
        return DuckDbReading.compressionOption(f.format().compression());
    }

    /** A JSON file's columns typed as the same values in a CSV file would be (issue 14 item 1). */
    private List<Column> likeCsv(String relation, List<Column> described, boolean full) throws SQLException {
        List<String> types = JsonTypes.likeCsv(duck, relation, described.stream().map(Column::name).toList(),
                described.stream().map(Column::duckType).toList(), full);
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < described.size(); i++) {
            columns.add(new Column(described.get(i).name(), types.get(i)));
        }
        return columns;
    }

    private List<Column> describe(String relation) throws SQLException {
        List<Column> columns = new ArrayList<>();
        try (Statement s = duck.createStatement(); ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + relation)) {
            while (rs.next()) {
                columns.add(new Column(rs.getString(1), rs.getString(2)));
            }
        }
        return columns;
    }

    /**
     * CSV dialect and columns from DuckDB's sniffer; the delimiter, quote, escape and header come from
     * the table's configuration when it sets them. The quote and the header are decided as the DuckDB
     * warehouse decides them: {@link CsvQuoting} (the sniffer is asked only for a single-quoted file,
     * {@link CsvQuoting#askSnifferForQuote}) and {@link HeaderGuess}, so that a file is split into the
     * same rows on both. When the sniffer cannot make sense of the file, or its columns disagree with
     * the first line, the first line's fields become text columns, so that COPY reports the real
     * problem (line, expected vs found) instead of a guess.
     */
    private Shape sniffCsv(LoadFile f, TableSpec spec, boolean full, TextHead head, String path) throws SQLException {
        char defaultQuote = CsvQuoting.quote(spec, f.format().kind(), head);
        Optional<Character> delimiter = f.format().kind() == FileFormat.Kind.TSV ? Optional.of('\t') : spec.delimiter().map(d -> d.charAt(0));
        String encoding = DuckDbReading.encoding(spec.encoding());
        char guessed = delimiter.orElseGet(() -> CsvLine.guessDelimiter(head.firstLine(), defaultQuote));
        // issue 11: single-quoted files ('text\'2\'text') lost a row here while DuckDB's warehouse loaded them whole
        char quote = CsvQuoting.askSnifferForQuote(spec, f.format().kind(), head, guessed) ? sniffedQuote(f, path, guessed, encoding) : defaultQuote;
        Optional<Boolean> header = HeaderGuess.header(spec, head, guessed, quote);
        Optional<Character> escape = CsvEscapes.quotedEscape(spec, quote);
        StringBuilder given = new StringBuilder();
        given.append(", quote = ").append(Pg.literal(CsvQuoting.text(quote)));
        escape.ifPresent(e -> given.append(", escape = ").append(Pg.literal(String.valueOf(e))));
        delimiter.ifPresent(d -> given.append(", delim = ").append(Pg.literal(String.valueOf(d))));
        header.ifPresent(h -> given.append(", header = ").append(h));
        given.append(", encoding = ").append(Pg.literal(encoding)).append(compression(f));
        char delim = delimiter.orElseGet(() -> CsvLine.guessDelimiter(head.firstLine(), quote));
        List<String> fields = CsvLine.split(head.firstLine(), delim, quote);
        try (Statement s = duck.createStatement(); ResultSet rs = sniff(s, path, given, full)) {
            rs.next();
            String sniffed = rs.getString(1);
            if (delimiter.isEmpty() && sniffed != null && sniffed.length() == 1
                    && CsvLine.split(head.firstLine(), sniffed.charAt(0), quote).size() < fields.size()) {
                // a ragged file can make the sniffer settle on a delimiter the header does not use (one column of
                // whole lines); the header's own delimiter wins, so that COPY names the ragged line (issue 11 item 6)
                rs.close();
                given.append(", delim = ").append(Pg.literal(String.valueOf(delim)));
                try (ResultSet again = sniff(s, path, given, full)) {
                    again.next();
                    return sniffed(again, spec, head.firstLine(), delim, quote, escape, header, encoding, f, Optional.of(delim));
                }
            }
            return sniffed(rs, spec, head.firstLine(), delim, quote, escape, header, encoding, f, delimiter);
        } catch (SQLException e) {
            return textShape(fields, delim, quote, escape.orElse(quote), header, encoding, f);
        }
    }

    /** The quote the sniffer finds for a file whose fields start with single quotes: {@code '} if it finds that, else {@code "}. */
    private char sniffedQuote(LoadFile f, String path, char delimiter, String encoding) {
        String sql = "SELECT Quote FROM sniff_csv(" + path + ", delim = " + Pg.literal(String.valueOf(delimiter)) + ", encoding = "
                + Pg.literal(encoding) + compression(f) + ", allow_quoted_nulls = false)";
        try (Statement s = duck.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() && "'".equals(rs.getString(1)) ? '\'' : '"';
        } catch (SQLException e) {
            return '"';
        }
    }

    private ResultSet sniff(Statement s, String path, CharSequence given, boolean full) throws SQLException {
        return s.executeQuery("SELECT Delimiter, Quote, Escape, HasHeader, to_json(Columns), DateFormat, TimestampFormat FROM sniff_csv(" + path
                + given + ", allow_quoted_nulls = false" + (full ? ", sample_size = -1" : "") + ")");
    }

    /** The shape from one {@code sniff_csv} row; {@code delimiter} is the delimiter given to the sniffer, if any. */
    private static Shape sniffed(ResultSet rs, TableSpec spec, String firstLine, char guessed, char quote, Optional<Character> givenEscape,
            Optional<Boolean> guessedHeader, String encoding, LoadFile f, Optional<Character> delimiter) throws SQLException {
        char delim = guessed;
        List<String> fields = CsvLine.split(firstLine, delim, quote);
        List<Column> columns = new ArrayList<>();
        try {
            for (JsonNode col : JSON.readTree(rs.getString(5))) {
                columns.add(new Column(col.get("name").asText(), col.get("type").asText()));
            }
        } catch (IOException e) {
            throw new SQLException("cannot read the sniffed columns: " + e.getMessage(), e);
        }
        String sniffedDelimiter = rs.getString(1);
        if (delimiter.isEmpty() && sniffedDelimiter != null && sniffedDelimiter.length() == 1) {
            delim = sniffedDelimiter.charAt(0);
            fields = CsvLine.split(firstLine, delim, quote);
        }
        if (columns.size() != fields.size()) {
            return textShape(fields, delim, quote, givenEscape.orElse(quote), guessedHeader, encoding, f);
        }
        String escapeText = rs.getString(3);
        char escape = givenEscape.orElseGet(() -> quote == CsvQuoting.NONE || escapeText == null || escapeText.isEmpty()
                || escapeText.equals("(empty)") ? quote : escapeText.charAt(0));
        boolean header = rs.getBoolean(4);
        String dateFormat = rs.getString(6);
        String timestampFormat = rs.getString(7);
        boolean isoDates = isEmpty(dateFormat) && isEmpty(timestampFormat);
        StringBuilder options = new StringBuilder();
        options.append("delim = ").append(Pg.literal(String.valueOf(delim)));
        options.append(", quote = ").append(Pg.literal(CsvQuoting.text(quote)));
        options.append(", escape = ").append(Pg.literal(CsvQuoting.text(escape)));
        options.append(", header = ").append(header);
        if (!isEmpty(dateFormat)) {
            options.append(", dateformat = ").append(Pg.literal(dateFormat));
        }
        if (!isEmpty(timestampFormat)) {
            options.append(", timestampformat = ").append(Pg.literal(timestampFormat));
        }
        options.append(", encoding = ").append(Pg.literal(encoding)).append(", allow_quoted_nulls = false, auto_detect = false").append(compression(f));
        return new Shape(columns, Optional.of(new CsvDialect(delim, quote, escape, header, isoDates, options.toString())));
    }

    private static boolean isEmpty(String format) {
        return format == null || format.isEmpty() || format.equals("(empty)");
    }

    /** Text columns named by the first line (when it is the header, by {@link HeaderGuess} or else taken to be). */
    private static Shape textShape(List<String> fields, char delimiter, char quote, char escape, Optional<Boolean> guessedHeader, String encoding,
            LoadFile f) {
        boolean header = guessedHeader.orElse(true);
        List<Column> columns = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < fields.size(); i++) {
            String name = header ? fields.get(i).strip() : "";
            if (name.isEmpty() || !seen.add(name.toLowerCase(Locale.ROOT))) {
                name = "column" + i;
                seen.add(name);
            }
            columns.add(new Column(name, "VARCHAR"));
        }
        String options = "delim = " + Pg.literal(String.valueOf(delimiter)) + ", quote = " + Pg.literal(CsvQuoting.text(quote)) + ", escape = "
                + Pg.literal(CsvQuoting.text(escape)) + ", header = " + header + ", encoding = " + Pg.literal(encoding)
                + ", allow_quoted_nulls = false, auto_detect = false" + compression(f);
        return new Shape(columns, Optional.of(new CsvDialect(delimiter, quote, escape, header, true, options)));
    }

    /**
     * Streams the file's rows as CSV (every value quoted, NULL as an empty unquoted field) to
     * {@code sink}, in the order of {@code shape}'s columns, each converted for its PostgreSQL type
     * in {@code targetTypes}. Rows whose 1-based index is in {@code skip} are left out, and their
     * text is put in {@code skippedText}. Returns the rows written.
     */
    long stream(LoadFile f, Shape shape, List<String> targetTypes, NavigableSet<Long> skip, Map<Long, String> skippedText, Sink sink)
            throws SQLException {
        String path = Pg.literal(f.path().toAbsolutePath().toString());
        List<String> selects = new ArrayList<>();
        List<String> readTypes = new ArrayList<>();
        for (int i = 0; i < shape.columns().size(); i++) {
            Column col = shape.columns().get(i);
            String target = targetTypes.get(i);
            String ref = "r." + Pg.ident(col.name());
            String readType = col.duckType();
            if (shape.csv().isPresent()) {
                // DuckDB parses only what PostgreSQL would read differently (dates in a local format); the rest goes as text
                boolean parse = !shape.csv().get().isoDates() && !PostgresTypes.isText(target) && isDateLike(col.duckType());
                readType = parse ? col.duckType() : "VARCHAR";
            } else if (f.format().kind() == FileFormat.Kind.JSON && !PostgresTypes.nested(readType)) {
                // scalars as their JSON text: PostgreSQL checks them against the column's type and names the row
                readType = "VARCHAR";
            }
            readTypes.add(Pg.literal(col.name()) + ": " + Pg.literal(readType));
            if (target.equals(PostgresTypes.JSONB) && PostgresTypes.nested(readType)) {
                selects.add("CAST(to_json(" + ref + ") AS VARCHAR)");
            } else if (target.equals("bytea") && readType.equalsIgnoreCase("BLOB")) {
                selects.add("'\\x' || hex(" + ref + ")");
            } else {
                selects.add("CAST(" + ref + " AS VARCHAR)");
            }
        }
        String relation = switch (f.format().kind()) {
            case CSV, TSV -> "read_csv(" + path + ", " + shape.csv().orElseThrow().duckOptions() + ", columns = {" + String.join(", ", readTypes) + "})";
            case JSON -> "read_json(" + path + ", " + jsonOptions(f, false) + ", columns = {" + String.join(", ", readTypes) + "})";
            case PARQUET -> "read_parquet(" + path + ")";
            case AVRO -> throw new IllegalStateException("Avro files are refused before reading: " + f.version().key());
        };
        String sql = "SELECT " + String.join(", ", selects) + " FROM " + relation + " r";
        int n = selects.size();
        long index = 0;
        long written = 0;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(BUFFER + 4096);
        try (Statement s = duck.createStatement(); ResultSet rs = unreadable(() -> s.executeQuery(sql))) {
            StringBuilder row = new StringBuilder();
            while (unreadable(rs::next)) {
                index++;
                row.setLength(0);
                for (int i = 1; i <= n; i++) {
                    if (i > 1) {
                        row.append(',');
                    }
                    int column = i;
                    String v = unreadable(() -> rs.getString(column));
                    if (v != null && v.indexOf('\0') >= 0) {
                        throw new NulValue(index, column - 1, v);
                    }
                    if (v != null) {
                        row.append('"').append(v.replace("\"", "\"\"")).append('"');
                    }
                }
                if (skip.contains(index)) {
                    skippedText.put(index, row.toString());
                    continue;
                }
                row.append('\n');
                byte[] bytes = row.toString().getBytes(StandardCharsets.UTF_8);
                buffer.write(bytes, 0, bytes.length);
                written++;
                if (buffer.size() >= BUFFER) {
                    sink.write(buffer.toByteArray(), buffer.size());
                    buffer.reset();
                }
            }
        }
        if (buffer.size() > 0) {
            sink.write(buffer.toByteArray(), buffer.size());
        }
        return written;
    }

    /** A Parquet decimal column wider than DuckDB's DECIMAL (38 digits), which DuckDB reads only as an approximate DOUBLE. */
    record WideDecimal(String column, int precision, int scale) {
    }

    /** The first Parquet column DuckDB cannot read with every digit (issue 11 item 5), if any. */
    Optional<WideDecimal> wideDecimal(LoadFile f) {
        String sql = "SELECT name, precision, scale FROM parquet_schema(" + Pg.literal(f.path().toAbsolutePath().toString())
                + ") WHERE precision > 38 AND (converted_type = 'DECIMAL' OR logical_type LIKE 'DecimalType%') LIMIT 1";
        return unreadable(() -> {
            try (Statement s = duck.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                return rs.next() ? Optional.of(new WideDecimal(rs.getString(1), rs.getInt(2), rs.getInt(3))) : Optional.<WideDecimal>empty();
            }
        });
    }

    /** A value of a text file that its column's type would keep only rounded: {@code row} is its 1-based row in file order. */
    record Imprecise(long row, int column, String value) {
    }

    private static final java.util.regex.Pattern NUMERIC = java.util.regex.Pattern.compile("numeric\\((\\d+),(\\d+)\\)");

    /**
     * The first value of a CSV or JSON file that would lose digits in its column: a number with more
     * significant digits than a {@code double precision} (or {@code real}) keeps, or with more decimal
     * places than a {@code numeric(p,s)}'s scale (PostgreSQL rounds both without a word). DuckDB picks
     * out the few candidates by their digit count; each is then checked exactly here: a double is
     * kept when it reads back as the same decimal number.
     */
    Optional<Imprecise> firstImprecise(LoadFile f, Shape shape, List<String> targetTypes, Set<Long> skip) throws SQLException {
        if (f.format().kind() != FileFormat.Kind.CSV && f.format().kind() != FileFormat.Kind.TSV && f.format().kind() != FileFormat.Kind.JSON) {
            return Optional.empty();
        }
        String path = Pg.literal(f.path().toAbsolutePath().toString());
        List<String> readTypes = new ArrayList<>();
        List<String> values = new ArrayList<>();
        List<String> candidates = new ArrayList<>();
        List<Integer> checked = new ArrayList<>();
        for (int i = 0; i < shape.columns().size(); i++) {
            Column col = shape.columns().get(i);
            boolean nested = f.format().kind() == FileFormat.Kind.JSON && PostgresTypes.nested(col.duckType());
            readTypes.add(Pg.literal(col.name()) + ": " + Pg.literal(nested ? col.duckType() : "VARCHAR"));
            String target = targetTypes.get(i);
            String v = "trim(CAST(r." + Pg.ident(col.name()) + " AS VARCHAR))";
            String candidate = null;
            java.util.regex.Matcher m = NUMERIC.matcher(target);
            if (target.equals("double precision") || target.equals("real")) {
                int digits = target.equals("real") ? 6 : 15;
                // the length test first: it is cheap, and a value of at most `digits` characters cannot have more digits
                candidate = "length(" + v + ") > " + digits + " AND length(ltrim(regexp_replace(regexp_replace(" + v
                        + ", '[eE].*$', ''), '[^0-9]', '', 'g'), '0')) > " + digits;
            } else if (m.matches()) {
                candidate = "regexp_matches(" + v + ", '[eE]') OR length(rtrim(regexp_extract(" + v + ", '\\.([0-9]*)', 1), '0')) > " + m.group(2);
            }
            if (candidate != null && !nested) {
                values.add(v + " AS c" + checked.size());
                candidates.add("(" + candidate + ")");
                checked.add(i);
            }
        }
        if (checked.isEmpty()) {
            return Optional.empty();
        }
        String relation = f.format().kind() == FileFormat.Kind.JSON
                ? "read_json(" + path + ", " + jsonOptions(f, false) + ", columns = {" + String.join(", ", readTypes) + "})"
                : "read_csv(" + path + ", " + shape.csv().orElseThrow().duckOptions() + ", columns = {" + String.join(", ", readTypes) + "})";
        // first whether any value is a candidate at all, in one parallel scan without row numbers (the common
        // answer is no); only then the ordered scan that numbers the rows to find the first one
        String any = "SELECT 1 FROM " + relation + " r WHERE " + String.join(" OR ", candidates) + " LIMIT 1";
        try (Statement s = duck.createStatement(); ResultSet rs = unreadable(() -> s.executeQuery(any))) {
            if (!unreadable(rs::next)) {
                return Optional.empty();
            }
        }
        List<String> flags = new ArrayList<>();
        for (int k = 0; k < candidates.size(); k++) {
            flags.add(candidates.get(k) + " AS k" + k);
        }
        String query = "SELECT * FROM (SELECT row_number() OVER () AS n, " + String.join(", ", values) + ", " + String.join(", ", flags) + " FROM "
                + relation + " r) WHERE " + String.join(" OR ", java.util.stream.IntStream.range(0, candidates.size()).mapToObj(k -> "k" + k).toList())
                + " ORDER BY n";
        try (Statement s = duck.createStatement(); ResultSet rs = unreadable(() -> s.executeQuery(query))) {
            while (unreadable(rs::next)) {
                for (int k = 0; k < checked.size(); k++) {
                    int column = k + 2;
                    String value = unreadable(() -> rs.getString(column));
                    if (value != null && !skip.contains(rs.getLong(1)) && losesDigits(value, targetTypes.get(checked.get(k)))) {
                        return Optional.of(new Imprecise(rs.getLong(1), checked.get(k), value));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Whether PostgreSQL would store {@code text} in a column of {@code pgType} with fewer digits than it has. */
    static boolean losesDigits(String text, String pgType) {
        String t = text.strip();
        java.math.BigDecimal exact;
        try {
            exact = new java.math.BigDecimal(t.startsWith("+") ? t.substring(1) : t);
        } catch (NumberFormatException e) {
            // not a plain number (NaN, Infinity, text): PostgreSQL takes or refuses it as it is
            return false;
        }
        java.util.regex.Matcher m = NUMERIC.matcher(pgType);
        if (m.matches()) {
            return exact.stripTrailingZeros().scale() > Integer.parseInt(m.group(2));
        }
        if (pgType.equals("real")) {
            float x = Float.parseFloat(t);
            return Float.isFinite(x) && new java.math.BigDecimal(Float.toString(x)).compareTo(exact) != 0;
        }
        double x = Double.parseDouble(t);
        // Double.toString gives the shortest decimal that reads back as the same double
        return Double.isFinite(x) && new java.math.BigDecimal(Double.toString(x)).compareTo(exact) != 0;
    }

    private static boolean isDateLike(String duckType) {
        String t = duckType.toUpperCase(Locale.ROOT);
        return t.equals("DATE") || t.startsWith("TIMESTAMP") || t.equals("TIME");
    }

    /** The column names of a shape, for messages. */
    static String names(Shape shape) {
        return shape.columns().stream().map(Column::name).collect(Collectors.joining(", "));
    }

    @Override
    public void close() {
        try {
            if (duck != null) {
                duck.close();
            }
        } catch (SQLException e) {
            // an in-memory database: nothing to keep
        }
    }
}
