package dev.chute.postgres;

import static dev.chute.postgres.PgTestDatabase.batch;
import static dev.chute.postgres.PgTestDatabase.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ErrorCode;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadFile;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.TableSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Regression tests for the review of issue 5 (the PostgreSQL warehouse): one test per finding. */
class PostgresReviewTest {
    @TempDir
    Path stage;
    PgTestDatabase db;
    PostgresWarehouse warehouse;

    @BeforeEach
    void open() throws Exception {
        db = new PgTestDatabase();
        warehouse = db.open(stage);
        warehouse.load(batch("shop.items", TableSpec.defaults(), stage(stage, "shop/items/a.csv", "id,name\n1,a\n2,b\n")), f -> true);
    }

    @AfterEach
    void drop() throws Exception {
        try {
            warehouse.close();
        } finally {
            db.close();
        }
    }

    /** Review 1: the guard took name'...' for an escape string and let a second statement through to the driver. */
    @Test
    void quoteAfterAnIdentifierEndingInEDoesNotHideASecondStatement() throws Exception {
        assertThatThrownBy(() -> warehouse.query("SELECT name'\\'; COMMIT; CREATE TEMP TABLE escaped AS SELECT 1 AS x; SELECT 1 --'", 10, Duration.ofSeconds(10)))
                .hasMessageContaining("several");
        // a real escape string still counts as one statement
        assertThat(warehouse.query("SELECT E'a\\'; b' AS v", 10, Duration.ofSeconds(10)).rows().get(0).get(0)).isEqualTo("a'; b");
        assertThat(db.count("SELECT count(*) FROM pg_class WHERE relname = 'escaped'")).isZero();
    }

    /** Review 2: a CSV with CR-only line endings was taken for "header only" and committed with 0 rows. */
    @Test
    void csvWithCarriageReturnLineEndsLoadsEveryRow() throws Exception {
        LoadFile f = stage(stage, "shop/cr/a.csv", "id,name\r1,a\r2,b\r");
        assertThat(warehouse.load(batch("shop.cr", TableSpec.defaults(), f), x -> true)).singleElement()
                .satisfies(o -> assertThat(o.rows()).isEqualTo(2));
        assertThat(db.count("SELECT count(*) FROM shop.cr")).isEqualTo(2);
        assertThat(db.count("SELECT rows FROM _chute.ledger WHERE object_key = 'shop/cr/a.csv'")).isEqualTo(2);
    }

    /**
     * Review 3: a session advisory lock taken through console SQL outlived the query and blocked the
     * version's claim. Since issue 12 item 6 the guard refuses advisory locks, and loads no longer use them.
     */
    @Test
    void advisoryLockTakenThroughConsoleSqlDoesNotOutliveTheQuery() throws Exception {
        LoadFile f = stage(stage, "shop/lock/a.csv", "id\n1\n");
        for (int i = 0; i < 4; i++) {
            // on every pooled reader connection
            assertThatThrownBy(() -> warehouse.query("SELECT pg_advisory_lock(" + (PostgresWarehouse.LOCK_SPACE + 1)
                    + ", hashtext('shop/lock/a.csv' || chr(10) || '" + f.version().checksum() + "'))", 10, Duration.ofSeconds(10)))
                    .hasMessageContaining("pg_advisory_lock() acts outside the query");
        }
        assertThat(warehouse.load(batch("shop.lock", TableSpec.defaults(), f), x -> true)).extracting(FileOutcome::status)
                .containsExactly(FileOutcome.Status.COMMITTED);
    }

    /**
     * Review 4: set_config('statement_timeout', '0') inside the query switched the timer off for later
     * round trips. Since issue 12 item 6 the guard refuses set_config (it would also lift work_mem).
     */
    @Test
    void queryCannotSwitchOffItsOwnTimeout() {
        String sql = "SELECT g, set_config('statement_timeout', '0', true), CASE WHEN g > 1000 THEN pg_sleep(0.01) END"
                + " FROM generate_series(1, 3000) g";
        assertThatThrownBy(() -> warehouse.query(sql, 5000, Duration.ofSeconds(1))).hasMessageContaining("set_config() acts outside the query");
    }

    /** Review 5: a reader that is a member of a superuser role could become it. */
    @Test
    void readerThatIsAMemberOfASuperuserRoleIsRefused() throws Exception {
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String boss = "chute_rv_super_" + id;
        String reader = "chute_rv_reader_" + id;
        try (Connection c = DriverManager.getConnection(PgTestDatabase.SERVER + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + boss + " SUPERUSER NOLOGIN");
            s.execute("CREATE ROLE " + reader + " LOGIN NOINHERIT PASSWORD 'x'");
            s.execute("GRANT " + boss + " TO " + reader);
        }
        try {
            PostgresSettings settings = new PostgresSettings(db.url, "postgres", Optional.empty(), 2, Optional.of(reader), Optional.of("x"), Duration.ofSeconds(60));
            try (PostgresWarehouse w = PostgresWarehouse.open(settings, stage)) {
                assertThatThrownBy(() -> w.query("SELECT 1", 10, Duration.ofSeconds(10)))
                        .hasMessageContaining("member of the superuser role(s) " + boss);
            }
        } finally {
            try (Connection c = DriverManager.getConnection(PgTestDatabase.SERVER + "postgres", "postgres", ""); Statement s = c.createStatement()) {
                s.execute("DROP ROLE IF EXISTS " + reader);
                s.execute("DROP ROLE IF EXISTS " + boss);
            }
        }
    }

    /** Review 6: names longer than PostgreSQL's 63 bytes were cut on CREATE and then never found again. */
    @Test
    void tableNameLongerThanPostgresAllowsFailsWithTheLimit() throws Exception {
        String table = "t".repeat(70);
        LoadFile f = stage(stage, "shop/" + table + "/a.csv", "id\n1\n");
        assertThat(warehouse.load(batch("shop." + table, TableSpec.defaults(), f), x -> true)).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(FileOutcome.Status.FAILED);
            assertThat(o.error().orElseThrow().code()).isEqualTo(ErrorCode.SCHEMA_CONFLICT);
            assertThat(o.error().orElseThrow().reason()).contains("70 bytes", "at most PostgreSQL's 63 bytes");
        });
    }

    /** Review 10: undo took the ledger entries back although the table's rows did not carry the load's id. */
    @Test
    void undoIsRefusedWhenTheRowsDoNotMatchTheLedger() throws Exception {
        LoadFile f = stage(stage, "shop/undo/a.csv", "id\n1\n2\n");
        LoadBatch b = batch("shop.undo", TableSpec.defaults(), f);
        warehouse.load(b, x -> true);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("UPDATE shop.undo SET _chute_load_id = NULL WHERE id = 2");
        }
        assertThatThrownBy(() -> warehouse.undo(b.loadId())).hasMessageContaining("the ledger counts 2 rows, but 1 rows");
        assertThat(warehouse.load(b.loadId()).map(LoadSummary::undone)).contains(false);
        assertThat(db.count("SELECT count(*) FROM shop.undo")).isEqualTo(2);
        assertThat(warehouse.committed(List.of(f.version()))).containsKey(f.version());
    }
}
