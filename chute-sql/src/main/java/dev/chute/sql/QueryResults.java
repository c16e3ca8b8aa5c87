package dev.chute.sql;

import dev.chute.spi.QueryResult;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a JDBC result into a {@link QueryResult}, each engine converting its values its own way. */
public final class QueryResults {
    /** One column's value of the current row as a plain Java value, or null; the engine knows its types. */
    public interface ValueReader {
        Object read(ResultSet rs, int column, ResultSetMetaData md) throws SQLException;
    }

    /** Reads one row of a result; used for the ledger's statements. */
    public interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** What each row adds to an answer's size besides its values: brackets and separators. */
    public static final int ROW_OVERHEAD_BYTES = 3;

    private QueryResults() {
    }

    /** The columns and at most {@code maxRows} rows of {@code rs}; truncated when more rows were left. */
    public static QueryResult read(ResultSet rs, int maxRows, ValueReader values) throws SQLException {
        return read(rs, maxRows, Long.MAX_VALUE, values);
    }

    /**
     * The columns and the first rows of {@code rs}: at most {@code maxRows} of them, and no more than
     * fit in {@code maxBytes} as {@link #size measured} here. Rows are read one at a time and reading
     * stops at the first row that does not fit, so the answer, not the result, is what is held in
     * memory. The answer says which bound cut it short.
     */
    public static QueryResult read(ResultSet rs, int maxRows, long maxBytes, ValueReader values) throws SQLException {
        return read(rs, maxRows, maxBytes, values, false);
    }

    /**
     * {@link #read(ResultSet, int, long, ValueReader)} of a result whose first column is the engine's
     * own verdict (a boolean) on whether the row still fits in the answer: the engine measured the
     * rows before handing them over, so a batch of rows fetched at once (DuckDB's driver converts
     * 2,048 at a time) holds no more than the cap either. The first row that does not fit ends the
     * answer, truncated by bytes; the verdict column is not part of the answer.
     */
    public static QueryResult readMeasured(ResultSet rs, int maxRows, long maxBytes, ValueReader values) throws SQLException {
        return read(rs, maxRows, maxBytes, values, true);
    }

    private static QueryResult read(ResultSet rs, int maxRows, long maxBytes, ValueReader values, boolean verdict) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        int first = verdict ? 2 : 1;
        List<QueryResult.Column> columns = new ArrayList<>();
        for (int i = first; i <= n; i++) {
            columns.add(new QueryResult.Column(md.getColumnLabel(i), md.getColumnTypeName(i)));
        }
        List<List<Object>> rows = new ArrayList<>();
        Optional<QueryResult.Limit> truncatedBy = Optional.empty();
        long bytes = 0;
        while (rs.next()) {
            if (rows.size() >= maxRows) {
                truncatedBy = Optional.of(QueryResult.Limit.ROWS);
                break;
            }
            if (verdict && !rs.getBoolean(1)) {
                truncatedBy = Optional.of(QueryResult.Limit.BYTES);
                break;
            }
            List<Object> row = new ArrayList<>(n);
            long rowBytes = ROW_OVERHEAD_BYTES;
            for (int i = first; i <= n; i++) {
                Object value = values.read(rs, i, md);
                rowBytes += size(value);
                row.add(value);
            }
            if (rowBytes > maxBytes - bytes) {
                truncatedBy = Optional.of(QueryResult.Limit.BYTES);
                break;
            }
            bytes += rowBytes;
            rows.add(row);
        }
        return new QueryResult(columns, rows, truncatedBy);
    }

    /**
     * About how many bytes a value takes in an answer written as text (JSON or CSV), with its
     * separator: a string's characters, a number's digits, a fixed width for times and booleans. An
     * estimate that costs no formatting, made to bound an answer, not to predict it to the byte.
     */
    public static long size(Object value) {
        return switch (value) {
            case null -> 5;
            case String s -> s.length() + 3L;
            case Boolean b -> 6;
            case Long l -> 21;
            case Double d -> 25;
            case BigInteger b -> b.bitLength() / 3 + 4L;
            case BigDecimal d -> d.precision() + 5L;
            case java.time.temporal.TemporalAccessor t -> 32;
            default -> String.valueOf(value).length() + 3L;
        };
    }
}
