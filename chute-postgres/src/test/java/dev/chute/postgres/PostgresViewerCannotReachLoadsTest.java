package dev.chute.postgres;

import static dev.chute.postgres.PgTestDatabase.batch;
import static dev.chute.postgres.PgTestDatabase.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadFile;
import dev.chute.spi.TableSpec;
import dev.chute.spi.Warehouse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12 item 6 (and the PostgreSQL part of item 1): what a viewer's query can reach beyond the
 * rows it reads. Loads take no lock the reader role can take; the console refuses functions with
 * effects outside the query; console queries have their own memory limit; {@code chute doctor}
 * says what the role can still call.
 */
class PostgresViewerCannotReachLoadsTest {
    /** The advisory key space Chute's loads used before issue 12 (setup, schemas, tables; claims at +1; keys at +2). */
    private static final long OLD_SPACE = 0x43687574;

    @TempDir
    Path stage;
    PgTestDatabase db;
    PostgresWarehouse warehouse;

    @BeforeEach
    void open() throws Exception {
        db = new PgTestDatabase();
        warehouse = db.open(stage);
    }

    @AfterEach
    void drop() throws Exception {
        try {
            if (warehouse != null) {
                warehouse.close();
            }
        } finally {
            db.close();
        }
    }

    @Test
    void aViewerHoldingAdvisoryLocksCannotDelayALoadOrAWorkersStart() throws Exception {
        LoadFile f = stage(stage, "viewer/t/a.csv", "id\n1\n2\n");
        LoadFile g = stage(stage, "viewer/r/a.csv", "id\n3\n");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        // the reader role itself (past any guard) holds every advisory key loads used, inside a sleeping query
        try (Connection viewer = DriverManager.getConnection(db.url, db.reader, "")) {
            long viewerPid = pid(viewer);
            String locks = String.join(", ",
                    key(OLD_SPACE, "0"), key(OLD_SPACE, "1"),
                    key(OLD_SPACE, "hashtext('schema:viewer')"), key(OLD_SPACE, "hashtext('table:viewer.t')"), key(OLD_SPACE, "hashtext('table:viewer.r')"),
                    key(OLD_SPACE + 1, "hashtext('viewer/t/a.csv' || chr(10) || '" + f.version().checksum() + "')"),
                    key(OLD_SPACE + 1, "hashtext('viewer/r/a.csv' || chr(10) || '" + g.version().checksum() + "')"),
                    key(OLD_SPACE + 2, "hashtext('viewer/r/a.csv')"));
            Future<?> holding = pool.submit(() -> {
                try (Statement s = viewer.createStatement()) {
                    s.execute("SET statement_timeout = 0");
                    s.execute("SELECT " + locks + ", pg_sleep(120)");
                } catch (SQLException e) {
                    // cancelled at the end of the test
                }
                return null;
            });
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> advisoryLocksHeldBy(viewerPid) == 8);

            Future<List<FileOutcome>> load = pool.submit(() -> warehouse.load(batch("viewer.t", TableSpec.defaults(), f), x -> true));
            assertThat(load.get(60, TimeUnit.SECONDS)).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMMITTED);
            TableSpec replace = new TableSpec(java.util.Map.of(), java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
                    java.util.Optional.empty(), TableSpec.Encoding.UTF_8, TableSpec.OnOverwrite.REPLACE, TableSpec.OnTypeConflict.FAIL, 0, true);
            assertThat(warehouse.load(batch("viewer.r", replace, g), x -> true)).extracting(FileOutcome::status)
                    .containsExactly(FileOutcome.Status.COMMITTED);
            // a second worker starts (setup of _chute and of the reader role) while the viewer still holds everything
            Future<PostgresWarehouse> second = Executors.newSingleThreadExecutor().submit(() -> db.open(stage));
            second.get(60, TimeUnit.SECONDS).close();
            // order of events: the loads committed while the viewer's query was still holding its locks
            assertThat(advisoryLocksHeldBy(viewerPid)).isEqualTo(8);
            assertThat(holding).isNotDone();
            try (Connection admin = db.connect(); Statement s = admin.createStatement()) {
                s.execute("SELECT pg_cancel_backend(" + viewerPid + ")");
            }
            holding.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.count("SELECT count(*) FROM viewer.t")).isEqualTo(2);
    }

    @Test
    void theReaderRoleCannotTakeTheLocksLoadsUse() throws Exception {
        try (Connection viewer = DriverManager.getConnection(db.url, db.reader, ""); Statement s = viewer.createStatement()) {
            assertThat(count(s, "SELECT count(*) FROM _chute.locks")).isPositive();
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM _chute.locks FOR UPDATE SKIP LOCKED")).hasMessageContaining("read-only transaction");
            s.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE");
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM _chute.locks FOR UPDATE")).hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM _chute.locks FOR KEY SHARE")).hasMessageContaining("permission denied");
            viewer.setAutoCommit(false);
            assertThatThrownBy(() -> s.execute("LOCK TABLE _chute.locks IN EXCLUSIVE MODE")).hasMessageContaining("permission denied");
            viewer.rollback();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT pg_logical_emit_message(false, 'x', repeat('x', 1000))",
            "SELECT txid_current()",
            "SELECT pg_current_xact_id()",
            "SELECT pg_notify('c', 'x')",
            "SELECT lo_create(0)",
            "SELECT * FROM lo_import('/etc/hostname')",
            "SELECT pg_advisory_lock(1)",
            "SELECT pg_try_advisory_xact_lock(1, 2)",
            "SELECT pg_advisory_unlock_all()",
            "SELECT \"pg_notify\"('c', 'x')",
            "SELECT pg_catalog.pg_notify ('c', 'x')",
            "SELECT PG_NOTIFY/* */('c', 'x')",
            "SELECT set_config('work_mem', '4GB', true)",
            "SELECT query_to_xml('SELECT 1', true, true, '')",
            "EXPLAIN ANALYZE SELECT txid_current()",
            "WITH x AS (SELECT 1) SELECT pg_terminate_backend(pg_backend_pid()) FROM x",
    })
    void functionsThatActOutsideTheQueryAreRefusedThroughTheConsole(String sql) throws Exception {
        assertThatThrownBy(() -> warehouse.query(sql, 10, Duration.ofSeconds(10))).isInstanceOf(ChuteException.class)
                .hasMessageContaining("acts outside the query").hasMessageContaining("console queries may only read");
    }

    @Test
    void unicodeEscapedNamesAreRefused() {
        assertThatThrownBy(() -> warehouse.query("SELECT U&\"pg\\005fnotify\"('c', 'x')", 10, Duration.ofSeconds(10)))
                .hasMessageContaining("Unicode-escaped names");
        assertThat(warehouse.query("SELECT 'pg_notify(' AS s, 1 AS \"txid_current\"", 10, Duration.ofSeconds(10)).rows()).hasSize(1);
    }

    @Test
    void consoleQueriesRunWithTheirOwnMemoryAndTemporaryFileLimits() throws Exception {
        assertThat(warehouse.query("SELECT current_setting('work_mem')", 10, Duration.ofSeconds(10)).rows().get(0).get(0))
                .isEqualTo(PostgresSettings.DEFAULT_WORK_MEM);
        // the loading user is a superuser here, so the role's temp_file_limit could be set too
        assertThat(warehouse.query("SELECT current_setting('temp_file_limit')", 10, Duration.ofSeconds(10)).rows().get(0).get(0))
                .isEqualTo(PostgresSettings.DEFAULT_TEMP_FILE_LIMIT);
        try (Connection viewer = DriverManager.getConnection(db.url, db.reader, ""); Statement s = viewer.createStatement();
             ResultSet rs = s.executeQuery("SHOW work_mem")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(PostgresSettings.DEFAULT_WORK_MEM);
        }
    }

    @Test
    void doctorListsTheFunctionsTheReaderCanStillExecuteUntilAnAdministratorRevokesThem() throws Exception {
        Warehouse.Check functions = warehouse.checks().get(0);
        assertThat(functions.ok()).isFalse();
        assertThat(functions.what()).contains("pg_advisory_lock(bigint)", "pg_logical_emit_message(boolean,text,text)", "txid_current()",
                "pg_notify(text,text)", "lo_create(oid)");
        assertThat(functions.fix()).contains("docs/postgres.md");
        // the administrator's SQL from docs/postgres.md, run as a superuser in this test's own database
        String sql = java.nio.file.Files.readString(Path.of("..", "docs", "postgres.md"));
        String revoke = sql.substring(sql.indexOf("-- revoke-reader-functions"), sql.indexOf("-- end-revoke-reader-functions"));
        try (Connection admin = db.connect(); Statement s = admin.createStatement()) {
            s.execute(revoke.replace("chute_loader", "postgres"));
        }
        assertThat(warehouse.checks().get(0).ok()).as(warehouse.checks().get(0).what()).isTrue();
        // and the loads still run (the loading user is a superuser here; the SQL grants back what a loader needs)
        assertThat(warehouse.load(batch("after.t", TableSpec.defaults(), stage(stage, "after/t/a.csv", "id\n1\n")), x -> true))
                .extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMMITTED);
    }

    @Test
    void aDatabaseSetUpBeforeTheLockTableGetsItAtTheNextStart() throws Exception {
        warehouse.close();
        try (Connection admin = db.connect(); Statement s = admin.createStatement()) {
            s.execute("DROP TABLE _chute.locks");
        }
        warehouse = db.open(stage);
        assertThat(db.count("SELECT count(*) FROM _chute.locks")).isEqualTo(65_536 + 4_096 + 1_024 + 4_096 + 2);
        assertThat(warehouse.load(batch("upgraded.t", TableSpec.defaults(), stage(stage, "upgraded/t/a.csv", "id\n1\n")), x -> true))
                .extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMMITTED);
        assertThat(warehouse.query("SELECT count(*) FROM upgraded.t", 10, Duration.ofSeconds(10)).rows().get(0).get(0)).isEqualTo(1L);
    }

    private static String key(long space, String second) {
        return "pg_advisory_xact_lock(" + space + "::int, " + second + ")";
    }

    private long advisoryLocksHeldBy(long pid) throws SQLException {
        return db.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = " + pid);
    }

    private static long pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            return count(s, "SELECT pg_backend_pid()");
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
