package dev.chute.postgres;

import static dev.chute.postgres.PgTestDatabase.batch;
import static dev.chute.postgres.PgTestDatabase.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresConsoleTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ALWAYS)
    static Path stage;
    PgTestDatabase db;
    PostgresWarehouse warehouse;

    @BeforeAll
    void open() throws Exception {
        db = new PgTestDatabase();
        warehouse = db.open(stage);
        warehouse.load(batch("shop.items", TableSpec.defaults(), stage(stage, "shop/items/a.csv", "id,name\n1,a\n2,b\n")), f -> true);
    }

    @AfterAll
    void drop() throws Exception {
        try {
            if (warehouse != null) {
                warehouse.close();
            }
        } finally {
            db.close();
        }
    }

    private QueryResult query(String sql) {
        return warehouse.query(sql, 100, Duration.ofSeconds(10));
    }

    @Test
    void readerReadsWarehouseTablesAndTheLedger() {
        assertThat(query("SELECT count(*) FROM shop.items").rows().get(0).get(0)).isEqualTo(2L);
        assertThat((Long) query("SELECT count(*) FROM _chute.ledger;").rows().get(0).get(0)).isPositive();
        assertThat(query("SELECT current_user").rows().get(0).get(0)).isEqualTo(db.reader);
        assertThat(query("WITH x AS (SELECT 1 AS a) SELECT a FROM x -- ; DROP TABLE shop.items").rows()).hasSize(1);
        assertThat(query("SELECT generate_series(1, 500)").truncated()).isTrue();
    }

    /**
     * Issue 12 item 1 on PostgreSQL: the console read every row of an answer (up to max_rows) in
     * one round trip, capped at a fixed 16 MB whatever query.max_bytes said. Now query.max_bytes
     * cuts the answer, rows arrive a few at a time, and the answer says which limit cut it.
     */
    @Test
    void consoleAnswersAreCappedByQueryMaxBytes() {
        QueryResult wide = warehouse.query("SELECT g, repeat('x', 100000) AS s FROM generate_series(1, 1000) g", 10_000, 1L << 20, Duration.ofSeconds(30));
        assertThat(wide.truncatedBy()).contains(QueryResult.Limit.BYTES);
        assertThat(wide.rows()).hasSizeBetween(1, 11);
        assertThat(wide.rows().get(0).get(0)).isEqualTo(1L);
        QueryResult narrow = warehouse.query("SELECT g FROM generate_series(1, 1000) g", 10_000, 1L << 20, Duration.ofSeconds(30));
        assertThat(narrow.truncated()).isFalse();
        assertThat(narrow.rows()).hasSize(1000).last().isEqualTo(java.util.List.of(1000L));
    }

    @Test
    void tableCreatedAfterStartIsReadableToo() throws Exception {
        warehouse.load(batch("late.t", TableSpec.defaults(), stage(stage, "late/t/a.csv", "id\n7\n")), f -> true);
        assertThat(query("SELECT id FROM late.t").rows().get(0).get(0)).isEqualTo(7L);
    }

    @Test
    void writesFilesAndRoleChangesAreRefused() {
        assertThatThrownBy(() -> query("DELETE FROM shop.items")).isInstanceOf(ChuteException.class).hasMessageContaining("expected a SELECT");
        assertThatThrownBy(() -> query("SELECT 1; DELETE FROM shop.items")).hasMessageContaining("several");
        assertThatThrownBy(() -> query("COPY shop.items TO '/tmp/x.csv'")).hasMessageContaining("expected a SELECT");
        assertThatThrownBy(() -> query("SELECT pg_read_file('/etc/hostname')")).isInstanceOf(ChuteException.class)
                .hasMessageContaining("permission denied");
        assertThatThrownBy(() -> query("SELECT set_config('role', 'postgres', false)")).hasMessageContaining("set_config() acts outside the query");
        assertThatThrownBy(() -> query("WITH d AS (DELETE FROM shop.items RETURNING *) SELECT * FROM d")).hasMessageMatching(".*(read-only|permission denied).*");
        assertThatThrownBy(() -> query("SELECT * FROM dblink('dbname=postgres', 'select 1') AS t(a int)")).isInstanceOf(ChuteException.class);
        assertThat(query("SELECT count(*) FROM shop.items").rows().get(0).get(0)).isEqualTo(2L);
    }

    @Test
    void theReaderRoleItselfCannotReadFilesOrWrite() throws Exception {
        // bypassing Chute's guard: the role's own rights are the second lock
        try (Connection c = DriverManager.getConnection(db.url, db.reader, ""); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT pg_read_file('/etc/hostname')")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.execute("COPY shop.items TO '/tmp/chute-x.csv'")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("pg_write_server_files");
            // Chute set the role's transactions read-only by default (a backstop); switched back, its rights still refuse
            assertThatThrownBy(() -> s.execute("INSERT INTO shop.items (id) VALUES (3)")).hasMessageContaining("read-only transaction");
            s.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE");
            assertThatThrownBy(() -> s.execute("INSERT INTO shop.items (id) VALUES (3)")).hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.execute("INSERT INTO _chute.ledger (object_key) VALUES ('x')")).hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.execute("SET ROLE postgres")).hasMessageContaining("permission denied");
        }
    }

    @Test
    void statementTimeoutCancelsALongQuery() {
        assertThatThrownBy(() -> warehouse.query("SELECT pg_sleep(5)", 10, Duration.ofMillis(300))).isInstanceOf(ChuteException.class)
                .hasMessageContaining("longer than the limit of 300 ms");
    }

    @Test
    void superuserReaderIsRefusedWhileLoadingGoesOn() throws Exception {
        PostgresSettings s = db.settings();
        PostgresSettings superReader = new PostgresSettings(s.url(), s.user(), s.password(), 2, Optional.of("postgres"), Optional.empty(), s.queryTimeout());
        try (PostgresWarehouse w = PostgresWarehouse.open(superReader, stage)) {
            assertThatThrownBy(() -> w.query("SELECT 1", 10, Duration.ofSeconds(5))).isInstanceOf(ChuteException.class)
                    .hasMessageContaining("superuser");
            assertThat(w.load(batch("shop.more", TableSpec.defaults(), stage(stage, "shop/more/a.csv", "id\n1\n")), f -> true).get(0).rows())
                    .isEqualTo(1);
        }
    }

    @Test
    void guardAdmitsOneStatementAndSkipsQuotedSemicolons() {
        assertThat(PostgresQueryGuard.check("SELECT ';' AS a, $$;$$ AS b, \"x;\" FROM t;")).isEqualTo("SELECT ';' AS a, $$;$$ AS b, \"x;\" FROM t");
        assertThatThrownBy(() -> PostgresQueryGuard.check("SELECT 1; SELECT 2")).hasMessageContaining("several");
        assertThatThrownBy(() -> PostgresQueryGuard.check("/* x */ UPDATE t SET a = 1")).hasMessageContaining("found 'update'");
        assertThatThrownBy(() -> PostgresQueryGuard.check("SELECT 'open")).hasMessageContaining("closing");
    }
}
