package dev.chute.sql;

import dev.chute.spi.QueryResult;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

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

    private QueryResults() {
    }

    /** The columns and at most {@code maxRows} rows of {@code rs}; truncated when more rows were left. */
    public static QueryResult read(ResultSet rs, int maxRows, ValueReader values) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<QueryResult.Column> columns = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            columns.add(new QueryResult.Column(md.getColumnLabel(i), md.getColumnTypeName(i)));
        }
        List<List<Object>> rows = new ArrayList<>();
        boolean truncated = false;
        while (rs.next()) {
            if (rows.size() >= maxRows) {
                truncated = true;
                break;
            }
            List<Object> row = new ArrayList<>(n);
            for (int i = 1; i <= n; i++) {
                row.add(values.read(rs, i, md));
            }
            rows.add(row);
        }
        return new QueryResult(columns, rows, truncated);
    }
}
