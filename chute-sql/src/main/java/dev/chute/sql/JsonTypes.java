package dev.chute.sql;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Column types of a JSON file that agree with those of the same values in a CSV file (issue 14
 * item 1), for the warehouses that read files with DuckDB in-process. DuckDB's {@code read_json}
 * infers text values differently from its CSV sniffer: it reads {@code 2022-08-19T18:52:48Z} as a
 * TIMESTAMP without zone (the {@code Z} dropped), a time with a numeric offset as VARCHAR, and a
 * UUID-shaped string as UUID. This class types such columns from their text as the CSV reader
 * does: a date and time with {@code Z} or an offset is TIMESTAMP WITH TIME ZONE, without one
 * TIMESTAMP, a date DATE, and anything else (UUIDs included) VARCHAR, which keeps every byte.
 */
public final class JsonTypes {
    /** DuckDB's default sample of {@code read_json}: rows looked at unless every row is. */
    public static final int SAMPLE_ROWS = 20_480;

    private static final String DATE = "\\d{4}-\\d{2}-\\d{2}";
    private static final String TIMESTAMP = DATE + "[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?";
    private static final String TIMESTAMP_TZ = TIMESTAMP + " ?(Z|z|[+-]\\d{2}(:?\\d{2})?)";
    private static final Set<String> FROM_TEXT = Set.of("VARCHAR", "UUID", "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE");

    private JsonTypes() {
    }

    /**
     * The types of {@code names} (as {@code DESCRIBE} of {@code read_json} gave them, in
     * {@code types}) with the columns whose values are text typed as a CSV file's would be.
     * {@code relation} is {@code read_json(...)} of the file without a {@code columns} option,
     * {@code full} whether every row is looked at instead of the first {@link #SAMPLE_ROWS}.
     */
    public static List<String> likeCsv(Connection duck, String relation, List<String> names, List<String> types, boolean full) throws SQLException {
        if (names.size() != types.size()) {
            throw new IllegalArgumentException("expected one type per column, found " + names.size() + " names and " + types.size() + " types");
        }
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            if (FROM_TEXT.contains(types.get(i).toUpperCase(Locale.ROOT))) {
                candidates.add(i);
            }
        }
        List<String> result = new ArrayList<>(types);
        if (candidates.isEmpty()) {
            return result;
        }
        List<String> read = new ArrayList<>();
        List<String> counts = new ArrayList<>();
        for (int i : candidates) {
            String name = names.get(i);
            read.add(literal(name) + ": 'VARCHAR'");
            String c = "\"" + name.replace("\"", "\"\"") + "\"";
            counts.add("count(" + c + ")");
            counts.add("count(*) FILTER (WHERE regexp_full_match(" + c + ", " + literal(TIMESTAMP_TZ) + ") AND TRY_CAST(" + c
                    + " AS TIMESTAMPTZ) IS NOT NULL)");
            counts.add("count(*) FILTER (WHERE regexp_full_match(" + c + ", " + literal(TIMESTAMP) + ") AND TRY_CAST(" + c
                    + " AS TIMESTAMP) IS NOT NULL)");
            counts.add("count(*) FILTER (WHERE regexp_full_match(" + c + ", " + literal(DATE) + ") AND TRY_CAST(" + c + " AS DATE) IS NOT NULL)");
        }
        if (!relation.endsWith(")")) {
            throw new IllegalArgumentException("expected a read_json(...) call, found " + relation);
        }
        String texts = relation.substring(0, relation.length() - 1) + ", columns = {" + String.join(", ", read) + "})";
        String sql = "SELECT " + String.join(", ", counts) + " FROM (SELECT * FROM " + texts + (full ? "" : " LIMIT " + SAMPLE_ROWS) + ")";
        try (Statement s = duck.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            for (int k = 0; k < candidates.size(); k++) {
                long values = rs.getLong(4 * k + 1);
                if (values == 0) {
                    continue;
                }
                String type = rs.getLong(4 * k + 2) == values ? "TIMESTAMP WITH TIME ZONE"
                        : rs.getLong(4 * k + 3) == values ? "TIMESTAMP"
                        : rs.getLong(4 * k + 4) == values ? "DATE"
                        : "VARCHAR";
                result.set(candidates.get(k), type);
            }
        }
        return result;
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
