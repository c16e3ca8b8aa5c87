package dev.chute.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.spi.QueryResult;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 12, item 1: an answer is bounded in bytes as well as rows, and says which bound cut it. */
class QueryResultsTest {
    private static final QueryResults.ValueReader OBJECTS = (rs, i, md) -> rs.getObject(i);

    private Connection c;

    @BeforeEach
    void open() throws SQLException {
        c = DriverManager.getConnection("jdbc:duckdb:");
    }

    @AfterEach
    void close() throws SQLException {
        c.close();
    }

    private QueryResult read(String sql, int maxRows, long maxBytes) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return QueryResults.read(rs, maxRows, maxBytes, OBJECTS);
        }
    }

    @Test
    void aWideAnswerIsCutAtTheByteCapBeforeTheRowCap() throws SQLException {
        // the query: 1,000 rows of 100,000 characters (about 100 MB), under a 10,000-row cap
        QueryResult r = read("SELECT repeat('x', 100000) AS s FROM range(1000)", 10_000, 1 << 20);

        assertThat(r.truncatedBy()).contains(QueryResult.Limit.BYTES);
        assertThat(r.truncated()).isTrue();
        assertThat(r.rows()).hasSize(10);
        long held = r.rows().stream().mapToLong(row -> ((String) row.get(0)).length()).sum();
        assertThat(held).isLessThanOrEqualTo(1 << 20);
    }

    @Test
    void readingStopsAtTheCapSoTheRestOfTheResultIsNeverRead() throws SQLException {
        // 100,000 rows of 10 KB (1 GB); a row is 10,003 bytes as counted here, so 100 fit in 1 MiB
        QueryResult r = read("SELECT repeat('y', 10000) AS s FROM range(100000)", 10_000, 1 << 20);

        assertThat(r.truncatedBy()).contains(QueryResult.Limit.BYTES);
        assertThat(r.rows()).hasSize(104);
    }

    @Test
    void aLongAnswerOfSmallRowsIsCutAtTheRowCap() throws SQLException {
        QueryResult r = read("SELECT range AS n, 'a' AS s FROM range(100)", 10, 1 << 20);

        assertThat(r.truncatedBy()).contains(QueryResult.Limit.ROWS);
        assertThat(r.rows()).hasSize(10);
    }

    @Test
    void anAnswerWithinBothCapsIsWhole() throws SQLException {
        QueryResult r = read("SELECT range AS n, repeat('z', 10) AS s, NULL AS nothing FROM range(10)", 10, 10 * (QueryResults.ROW_OVERHEAD_BYTES + 21 + 13 + 5));

        assertThat(r.truncatedBy()).isEqualTo(Optional.empty());
        assertThat(r.truncated()).isFalse();
        assertThat(r.rows()).hasSize(10);
    }

    @Test
    void aSingleRowLargerThanTheCapGivesNoRowsAndSaysWhy() throws SQLException {
        QueryResult r = read("SELECT repeat('x', 2000) AS s", 10, 1000);

        assertThat(r.rows()).isEmpty();
        assertThat(r.columns()).extracting(QueryResult.Column::name).containsExactly("s");
        assertThat(r.truncatedBy()).contains(QueryResult.Limit.BYTES);
    }
}
