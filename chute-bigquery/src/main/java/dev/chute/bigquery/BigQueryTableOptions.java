package dev.chute.bigquery;

import dev.chute.spi.TableSpec;
import dev.chute.spi.UnsupportedOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Which table options the BigQuery warehouse honours (issue 14 item 5, "parity, never silence"). Each
 * {@link TableSpec} field, and what BigQuery does with it:
 * <ul>
 *   <li>{@code columns}: the load job's schema; checked by {@link BigQueryTypes#problem}</li>
 *   <li>{@code format}, {@code delimiter}, {@code quote}, {@code header}, {@code lineage}: honoured</li>
 *   <li>{@code escape}: BigQuery's CSV reader has none (a quote inside a quoted value is doubled), so only
 *       {@code auto}, {@code none} or the quote itself</li>
 *   <li>{@code encoding}: utf-8 and latin-1 (ISO-8859-1); BigQuery reads UTF-16 only with a fixed byte order,
 *       while Chute's utf-16 takes it from the file's byte order mark</li>
 *   <li>{@code on_overwrite}: append only; replacing a previous version's rows is not implemented on BigQuery</li>
 *   <li>{@code on_type_conflict}: fail only; widening a column is not implemented on BigQuery</li>
 *   <li>{@code max_bad_rows}: 0 only; a load job with bad records allowed skips them without saying which,
 *       so nothing could go to the rejects table</li>
 * </ul>
 */
final class BigQueryTableOptions {
    private static final String ELSEWHERE = "load this table with warehouse duckdb or postgres";

    private BigQueryTableOptions() {
    }

    static List<UnsupportedOption> unsupported(TableSpec spec) {
        List<UnsupportedOption> options = new ArrayList<>();
        String quote = spec.quote().orElse("\"");
        if (spec.escape().filter(e -> !e.isEmpty() && !e.equals(quote)).isPresent()) {
            List<String> supported = quote.isEmpty() ? List.of("auto", "none") : List.of("auto", "none", quote);
            options.add(new UnsupportedOption("escape", spec.escape().get(), supported, "BigQuery's CSV reader has no escape character (a quote"
                    + " inside a quoted value is written twice); remove the key or " + ELSEWHERE));
        }
        if (spec.encoding() == TableSpec.Encoding.UTF_16) {
            options.add(new UnsupportedOption("encoding", spec.encoding().configName(), List.of("utf-8", "latin-1"), "BigQuery reads UTF-16 only"
                    + " with a fixed byte order (UTF-16BE or UTF-16LE), not from the file's byte order mark; write the files as UTF-8 or " + ELSEWHERE));
        }
        if (spec.onOverwrite() != TableSpec.OnOverwrite.APPEND) {
            options.add(new UnsupportedOption("on_overwrite", name(spec.onOverwrite()), List.of("append"), "replacing the rows of a key's previous"
                    + " version is not implemented on BigQuery (its rows would stay next to the new version's); remove the key or " + ELSEWHERE));
        }
        if (spec.onTypeConflict() != TableSpec.OnTypeConflict.FAIL) {
            options.add(new UnsupportedOption("on_type_conflict", name(spec.onTypeConflict()), List.of("fail"), "widening a column is not"
                    + " implemented on BigQuery (a value that does not fit its column fails the file); remove the key or " + ELSEWHERE));
        }
        if (spec.maxBadRows() > 0) {
            options.add(new UnsupportedOption("max_bad_rows", String.valueOf(spec.maxBadRows()), List.of("0"), "a BigQuery load job that allows"
                    + " bad records skips them without saying which, so they could not be kept in the rejects table; remove the key or " + ELSEWHERE));
        }
        return List.copyOf(options);
    }

    private static String name(Enum<?> value) {
        return value.name().toLowerCase(java.util.Locale.ROOT);
    }
}
