package dev.chute.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.spi.ErrorCode;
import dev.chute.spi.FailureRecord;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.LoadError;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSummary;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared statements and mappers against a real, in-memory DuckDB (PostgreSQL runs them in chute-postgres's tests). */
class LedgerSqlTest {
    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    private Connection c;

    @BeforeEach
    void open() throws SQLException {
        c = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            s.execute("CREATE SCHEMA _chute");
            for (String table : LedgerSql.CREATE_TABLES) {
                s.execute(table);
            }
        }
    }

    @AfterEach
    void close() throws SQLException {
        c.close();
    }

    @Test
    void aFailureRecordedTwiceCountsTwoAttemptsAndReadsBackWhole() throws SQLException {
        LoadError error = new LoadError(ErrorCode.MALFORMED, "expected 4 columns, found 5", OptionalLong.of(17), Optional.of("price"),
                Optional.of("x\0y"), Optional.of("DOUBLE"));
        Optional<TableId> table = Optional.of(TableId.parse("sales.orders"));
        record(new FailureRecord("sales/orders/a.csv", "c1", table, error, 1, T0, T0), text -> text.replace('\0', '?'));
        record(new FailureRecord("sales/orders/a.csv", "c1", table, error, 1, T0, T0.plusSeconds(60)), text -> text.replace('\0', '?'));
        record(new FailureRecord("bad-key.csv", "c2", Optional.empty(), LoadError.of(ErrorCode.UNROUTABLE, "no table"), 1, T0, T0), text -> text);

        List<FailureRecord> failures = list(LedgerSql.failures("true") + 10, LedgerSql::failureRecord);

        assertThat(failures).extracting(FailureRecord::key).containsExactly("sales/orders/a.csv", "bad-key.csv");
        FailureRecord read = failures.get(0);
        assertThat(read.attempts()).isEqualTo(2);
        assertThat(read.firstFailedAt()).isEqualTo(T0);
        assertThat(read.lastFailedAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(read.table()).isEqualTo(table);
        assertThat(read.error().line()).hasValue(17);
        assertThat(read.error().column()).contains("price");
        assertThat(read.error().value()).contains("x?y");
        assertThat(failures.get(1).error().line()).isEmpty();
        assertThat(failures.get(1).table()).isEmpty();
    }

    @Test
    void committedFindsOnlyTheAskedChecksumsOfAKey() throws SQLException {
        ledger("a.csv", "md5:01", "L1", 3);
        ledger("a.csv", "md5:02", "L2", 4);
        ledger("b.csv", "md5:03", "L2", 5);
        ObjectVersion asked = new ObjectVersion("a.csv", "md5:02", 10);
        ObjectVersion missing = new ObjectVersion("b.csv", "md5:04", 10);
        Map<String, List<ObjectVersion>> byKey = LedgerSql.byKey(List.of(asked, missing));
        Map<ObjectVersion, LedgerEntry> found = new HashMap<>();

        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + LedgerSql.LEDGER_COLUMNS
                + " FROM _chute.ledger WHERE object_key IN ('a.csv', 'b.csv')")) {
            LedgerSql.collectCommitted(rs, byKey, found);
        }

        assertThat(found).containsOnlyKeys(asked);
        assertThat(found.get(asked).loadId()).isEqualTo("L2");
        assertThat(found.get(asked).rows()).isEqualTo(4);
        assertThat(found.get(asked).committedAt()).isEqualTo(T0);
    }

    @Test
    void loadsAndTablesSumTheLedger() throws SQLException {
        ledger("a.csv", "a1", "L1", 3);
        ledger("b.csv", "b1", "L1", 5);

        List<LoadSummary> loads = list("SELECT * FROM (" + LedgerSql.LOADS + ") l", LedgerSql::loadSummary);
        List<TableSummary> tables = list(LedgerSql.TABLES, LedgerSql::tableSummary);

        assertThat(loads).singleElement().satisfies(l -> {
            assertThat(l.loadId()).isEqualTo("L1");
            assertThat(l.rows()).isEqualTo(8);
            assertThat(l.undone()).isFalse();
        });
        assertThat(tables).singleElement().satisfies(t -> {
            assertThat(t.files()).isEqualTo(2);
            assertThat(t.rows()).isEqualTo(8);
            assertThat(t.lastLoad()).contains(T0);
        });
    }

    private void record(FailureRecord f, UnaryOperator<String> text) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LedgerSql.RECORD_FAILURE)) {
            LedgerSql.bindFailure(ps, f, text);
            ps.executeUpdate();
        }
    }

    private void ledger(String key, String checksum, String loadId, long rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO _chute.ledger (" + LedgerSql.LEDGER_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, key);
            ps.setString(2, checksum);
            ps.setString(3, "sales.orders");
            ps.setString(4, loadId);
            ps.setLong(5, rows);
            ps.setLong(6, 100);
            ps.setObject(7, T0.atOffset(ZoneOffset.UTC));
            ps.setLong(8, 12);
            ps.executeUpdate();
        }
    }

    private <T> List<T> list(String sql, QueryResults.RowReader<T> reader) throws SQLException {
        List<T> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(reader.read(rs));
            }
        }
        return out;
    }
}
