package dev.chute.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ColumnProfile;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.LineageSource;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.TableDetail;
import dev.chute.spi.ThroughputBucket;
import dev.chute.spi.UndoResult;
import dev.chute.spi.FileFormat;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadFile;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuckDbWarehouseTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    DuckDbWarehouse warehouse;
    Path stage;

    @BeforeEach
    void open() {
        stage = dir.resolve("stage");
        warehouse = DuckDbWarehouse.open(dir.resolve("w.duckdb"), stage);
    }

    @AfterEach
    void close() {
        warehouse.close();
    }

    private List<FileOutcome> load(String table, String key, String content) throws Exception {
        return loadAs("L" + System.nanoTime(), table, key, content);
    }

    private List<FileOutcome> loadAs(String loadId, String table, String key, String content) throws Exception {
        Path file = stage.resolve(key.replace('/', '_') + ".csv");
        Files.writeString(file, content);
        LoadFile f = new LoadFile(new ObjectVersion(key, "sha256:" + Integer.toHexString(content.hashCode()), content.length()), file,
                new FileFormat(FileFormat.Kind.CSV, FileFormat.Compression.NONE));
        return warehouse.load(new LoadBatch(loadId, TableId.parse(table), TableSpec.defaults(), List.of(f)), x -> true);
    }

    @Test
    void undoDeletesTheLoadsRowsAndLetsTheSameVersionLoadAgain() throws Exception {
        loadAs("L1", "s.t", "s/t/a.csv", "id,name\n1,a\n2,b\n");
        loadAs("L2", "s.t", "s/t/b.csv", "id,name\n3,c\n");
        UndoResult undone = warehouse.undo("L1");
        assertThat(undone.rowsDeleted()).isEqualTo(2);
        assertThat(undone.entries()).extracting(LedgerEntry::key).containsExactly("s/t/a.csv");
        assertThat(warehouse.query("SELECT list(id ORDER BY id) FROM s.t", 1, LIMIT).rows().get(0).get(0)).isEqualTo(List.of(3L));
        assertThat(warehouse.load("L1").orElseThrow().undone()).isTrue();
        assertThat(warehouse.loads(new LoadSummary.Filter(Optional.empty(), Optional.of(false), Optional.empty(), Optional.empty(), 10)))
                .extracting(LoadSummary::loadId).containsExactly("L2");
        assertThat(warehouse.loadEntries("L1")).extracting(LedgerEntry::rows).containsExactly(2L);
        assertThatThrownBy(() -> warehouse.undo("L1")).isInstanceOf(ChuteException.class).hasMessageContaining("already undone");
        assertThatThrownBy(() -> warehouse.undo("nope")).isInstanceOf(ChuteException.class).hasMessageContaining("no load with id 'nope'");

        List<FileOutcome> again = loadAs("L3", "s.t", "s/t/a.csv", "id,name\n1,a\n2,b\n");
        assertThat(again).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMMITTED);
        assertThat(warehouse.query("SELECT count(*) FROM s.t", 1, LIMIT).rows().get(0).get(0)).isEqualTo(3L);
        assertThat(warehouse.loads(LoadSummary.Filter.recent(10))).extracting(LoadSummary::loadId).containsExactlyInAnyOrder("L1", "L2", "L3");
    }

    @Test
    void loadsAreFilteredByTableAndTime() throws Exception {
        loadAs("A", "s.one", "s/one/a.csv", "x\n1\n");
        loadAs("B", "s.two", "s/two/b.csv", "x\n1\n2\n");
        assertThat(warehouse.loads(new LoadSummary.Filter(Optional.of(TableId.parse("s.two")), Optional.empty(), Optional.empty(), Optional.empty(), 10)))
                .singleElement().satisfies(l -> {
                    assertThat(l.loadId()).isEqualTo("B");
                    assertThat(l.rows()).isEqualTo(2);
                    assertThat(l.files()).isEqualTo(1);
                });
        Instant future = Instant.now().plusSeconds(3600);
        assertThat(warehouse.loads(new LoadSummary.Filter(Optional.empty(), Optional.empty(), Optional.of(future), Optional.empty(), 10))).isEmpty();
        assertThat(warehouse.throughput(Instant.now().minusSeconds(3600))).extracting(ThroughputBucket::files).containsExactly(2L);
    }

    @Test
    void tablesAreDescribedProfiledAndTracedToTheirSources() throws Exception {
        loadAs("L1", "s.t", "s/t/a.csv", "id,name\n1,a\n2,\n");
        loadAs("L2", "s.t", "s/t/b.csv", "id,name\n3,c\n");
        TableDetail detail = warehouse.describe(TableId.parse("s.t")).orElseThrow();
        assertThat(detail.rowCount()).isEqualTo(3);
        assertThat(detail.lineage()).isTrue();
        assertThat(detail.columns()).extracting(QueryResult.Column::name).startsWith("id", "name").contains(TableSpec.SOURCE_COLUMN);
        assertThat(warehouse.describe(TableId.parse("s.none"))).isEmpty();
        assertThat(warehouse.sample(TableId.parse("s.t"), 2, LIMIT).rows()).hasSize(2);
        ColumnProfile name = warehouse.profile(TableId.parse("s.t"), LIMIT).stream().filter(p -> p.name().equals("name")).findFirst().orElseThrow();
        assertThat(name.nulls()).isEqualTo(1);
        assertThat(name.distinct()).isEqualTo(2);
        assertThat(name.min()).contains("a");
        assertThat(name.max()).contains("c");
        assertThat(warehouse.lineage(TableId.parse("s.t"), 10)).extracting(LineageSource::key, LineageSource::rows)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("s/t/a.csv", 2L), org.assertj.core.groups.Tuple.tuple("s/t/b.csv", 1L));
    }

    /** Issue 12 item 1: a sample of a table of wide values put limit x width on the heap; it is cut by bytes as console answers are. */
    @Test
    void aSampleOfWideRowsIsCutByBytes() throws Exception {
        String wide = "x".repeat(1 << 20);
        StringBuilder csv = new StringBuilder("id,s\n");
        for (int i = 1; i <= 24; i++) {
            csv.append(i).append(',').append(wide).append('\n');
        }
        load("s.wide", "s/wide/a.csv", csv.toString());
        QueryResult sample = warehouse.sample(TableId.parse("s.wide"), 50, LIMIT);
        assertThat(sample.truncatedBy()).contains(QueryResult.Limit.BYTES);
        assertThat(sample.rows()).hasSizeLessThan(24);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "DELETE FROM s.t",
            "DROP TABLE s.t",
            "CREATE TABLE x AS SELECT 1",
            "INSERT INTO s.t VALUES (1)",
            "UPDATE s.t SET a = 1",
            "ATTACH '/tmp/other.duckdb' AS o",
            "COPY s.t TO '/tmp/out.csv'",
            "INSTALL httpfs",
            "SET enable_external_access = true",
            "PRAGMA database_list",
            "SELECT * FROM read_csv('/etc/passwd')",
            "SELECT * FROM read_text('/etc/hostname')",
            "SELECT * FROM '/etc/passwd'",
            "SELECT * FROM glob('/*')",
            "SELECT getenv('HOME')",
            "SELECT 1; SELECT 2",
            "SELECT * FROM s.t; DROP TABLE s.t",
    })
    void queriesThatWriteOrReadFilesAreRefused(String sql) throws Exception {
        load("s.t", "s/t/a.csv", "a\n1\n");
        assertThatThrownBy(() -> warehouse.query(sql, 10, LIMIT)).isInstanceOf(ChuteException.class);
        assertThat(warehouse.query("SELECT count(*) FROM s.t", 10, LIMIT).rows().get(0).get(0)).isEqualTo(1L);
    }

    @Test
    void avroIsRefusedByNameWithTheWarehouseThatLoadsItAndTheRestOfTheBatchCommits() throws Exception {
        // the avro extension is not built into the DuckDB JDBC driver (read_avro is absent) and cannot be downloaded here
        try (Statement s = warehouse.connection().createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'read_avro'")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
        Path avro = stage.resolve("part-0001.avro");
        Files.write(avro, new byte[] {'O', 'b', 'j', 1});
        LoadFile a = new LoadFile(new ObjectVersion("s/t/part-0001.avro", "sha256:a", 4), avro, FileFormat.fromFileName("part-0001.avro").orElseThrow());
        Path csv = stage.resolve("ok.csv");
        Files.writeString(csv, "id\n1\n");
        LoadFile c = new LoadFile(new ObjectVersion("s/t/ok.csv", "sha256:c", 5), csv, new FileFormat(FileFormat.Kind.CSV, FileFormat.Compression.NONE));
        List<FileOutcome> out = warehouse.load(new LoadBatch("LA", TableId.parse("s.t"), TableSpec.defaults(), List.of(a, c)), x -> true);
        assertThat(out.get(0).status()).isEqualTo(FileOutcome.Status.FAILED);
        assertThat(out.get(0).error().orElseThrow().code()).isEqualTo(dev.chute.spi.ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(out.get(0).error().orElseThrow().reason()).startsWith("s/t/part-0001.avro: warehouse duckdb cannot load Avro")
                .contains("found an .avro file").contains("Warehouse bigquery loads Avro");
        assertThat(out.get(1).status()).isEqualTo(FileOutcome.Status.COMMITTED);
        assertThat(warehouse.query("SELECT count(*) FROM s.t", 1, LIMIT).rows().get(0).get(0)).isEqualTo(1L);
    }

    /**
     * Issue 12 item 5: a replacement scan (a quoted path in the schema part of a name) passed the
     * guard and read the files being staged. The guard itself refuses every file read, whatever
     * the database would allow: the message is the guard's, not DuckDB's permission error.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM \"STAGE/*\".csv",
            "SELECT * FROM \"STAGE/staged\".csv",
            "SELECT * FROM \"/any/path/*\".csv",
            "SELECT * FROM \"/etc/passwd\".csv",
            "SELECT * FROM \"x\".parquet",
            "SELECT * FROM \"STAGE/staged\".json",
            "SELECT * FROM '/etc/passwd'",
            "SELECT * FROM 'STAGE/staged.csv'",
            "FROM 'STAGE/staged.csv'",
            "FROM \"STAGE/staged\".csv",
            "SELECT * FROM s.t, \"STAGE/staged\".csv",
            "WITH x AS (SELECT * FROM \"STAGE/staged\".csv) SELECT * FROM x",
            "SELECT (SELECT count(*) FROM 'STAGE/staged.csv') AS n",
            "SELECT * FROM s.t WHERE a IN (SELECT a FROM \"STAGE/staged\".csv)",
            "SELECT * FROM glob('STAGE/*')",
            "SELECT * FROM read_text('STAGE/staged.csv')",
            "SELECT * FROM read_blob('STAGE/staged.csv')",
            "SELECT * FROM read_csv('STAGE/staged.csv')",
            "SELECT * FROM read_csv_auto('STAGE/*.csv')",
            "SELECT * FROM read_json('STAGE/staged.json')",
            "SELECT * FROM read_parquet('STAGE/*.parquet')",
            "SELECT * FROM sniff_csv('STAGE/staged.csv')",
            "SELECT * FROM query('SELECT * FROM read_text(''STAGE/staged.csv'')')",
            "SELECT * FROM query_table('STAGE/staged.csv')",
            "SELECT * FROM stage.csv",
            "SELECT * FROM pg_catalog.pg_settings",
    })
    void theGuardItselfRefusesEveryFileReadIncludingReplacementScans(String template) throws Exception {
        load("s.t", "s/t/a.csv", "a\n1\n");
        Files.writeString(stage.resolve("staged.csv"), "a\nsecret\n");
        Files.writeString(stage.resolve("staged.json"), "{\"a\":\"secret\"}\n");
        String sql = template.replace("STAGE", stage.toAbsolutePath().toString());
        assertThatThrownBy(() -> warehouse.query(sql, 10, LIMIT)).isInstanceOf(ChuteException.class)
                .hasMessageContaining("queries may read warehouse tables only, not files or URLs")
                .hasMessageNotContaining("secret");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM s.t",
            "SELECT t.a, u.a FROM s.t t JOIN s.u u ON t.a = u.a",
            "WITH x AS (SELECT a FROM s.t), y AS MATERIALIZED (SELECT a FROM s.u) SELECT * FROM x LEFT JOIN y USING (a)",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
            "SELECT a, count(*) OVER (PARTITION BY a) FROM s.t WHERE a IN (SELECT a FROM s.u) ORDER BY a LIMIT 5",
            "SELECT * FROM s.t WHERE EXISTS (SELECT 1 FROM s.u WHERE s.u.a = s.t.a)",
            "SELECT * FROM (VALUES (1), (2)) v(x), range(2) r",
            "SELECT unnest([1, 2]) AS x",
            "SELECT * FROM s.t, unnest([1, 2]) u(x)",
            "SELECT count(*) AS tables FROM information_schema.tables WHERE table_schema <> '_chute'",
            "SELECT table_name FROM duckdb_tables() ORDER BY 1",
            "SELECT count(*) FROM _chute.ledger",
            "SELECT * FROM s.t LIMIT 0",
            "FROM s.t SELECT a",
            "SELECT a FROM s.t UNION ALL SELECT a FROM s.u EXCEPT SELECT 7",
            "SELECT * FROM s.t POSITIONAL JOIN s.u",
            "SELECT * FROM s.t ASOF JOIN s.u ON s.t.a >= s.u.a",
    })
    void ordinaryQueriesOverWarehouseTablesStillPass(String sql) throws Exception {
        load("s.t", "s/t/a.csv", "a\n1\n");
        load("s.u", "s/u/a.csv", "a\n1\n");
        assertThat(warehouse.query(sql, 10, LIMIT).columns()).isNotEmpty();
    }

    @Test
    void refusalSaysWhatIsAllowed() {
        assertThatThrownBy(() -> warehouse.query("DELETE FROM x", 10, LIMIT)).hasMessageContaining("only read-only queries are allowed");
        assertThatThrownBy(() -> warehouse.query("SELECT * FROM read_csv('/etc/passwd')", 10, LIMIT))
                .hasMessageContaining("read_csv() is not allowed");
    }

    @Test
    void theDatabaseItselfCannotReadOutsideTheStageEvenWithoutTheGuard() {
        assertThatThrownBy(() -> {
            try (Statement s = warehouse.connection().createStatement()) {
                s.executeQuery("SELECT * FROM read_text('/etc/hostname')");
            }
        }).isInstanceOf(SQLException.class).hasMessageContaining("Permission Error");
        assertThatThrownBy(() -> {
            try (Statement s = warehouse.connection().createStatement()) {
                s.execute("SET enable_external_access = true");
            }
        }).isInstanceOf(SQLException.class);
    }

    @Test
    void valuesComeBackAsPlainJavaValuesInUtc() throws Exception {
        QueryResult r = warehouse.query("SELECT 170141183460469231731687303715884105727::HUGEINT AS big, 1.50::DECIMAL(5,2) AS d,"
                + " TIMESTAMPTZ '2022-08-19 18:52:48+02' AS ts, TIMESTAMP '2022-08-19 18:52:48' AS naive, NULL AS n", 10, LIMIT);
        List<Object> row = r.rows().get(0);
        assertThat(row.get(0)).isEqualTo(new BigInteger("170141183460469231731687303715884105727"));
        assertThat(row.get(1)).hasToString("1.50");
        assertThat(row.get(2)).isEqualTo(Instant.parse("2022-08-19T16:52:48Z"));
        // issue 13: a TIMESTAMP without time zone has no offset, and none is assumed for it
        assertThat(row.get(3)).isEqualTo(java.time.LocalDateTime.parse("2022-08-19T18:52:48"));
        assertThat(row.get(4)).isNull();
    }

    @Test
    void rowLimitTruncates() {
        QueryResult r = warehouse.query("SELECT * FROM range(100)", 10, LIMIT);
        assertThat(r.rows()).hasSize(10);
        assertThat(r.truncated()).isTrue();
    }

    @Test
    void sameVersionTwiceIsADuplicate() throws Exception {
        assertThat(load("s.t", "s/t/a.csv", "a\n1\n").get(0).status()).isEqualTo(FileOutcome.Status.COMMITTED);
        assertThat(load("s.t", "s/t/a.csv", "a\n1\n").get(0).status()).isEqualTo(FileOutcome.Status.DUPLICATE);
        assertThat(warehouse.recentLoads(10)).hasSize(1);
        assertThat(warehouse.tables()).singleElement().satisfies(t -> assertThat(t.rows()).isEqualTo(1));
    }

    @Test
    void fileThatChangedBeforeCommitIsLeftOut() throws Exception {
        Path file = stage.resolve("x.csv");
        Files.writeString(file, "a\n1\n");
        LoadFile f = new LoadFile(new ObjectVersion("s/t/x.csv", "sha256:01", 4), file, new FileFormat(FileFormat.Kind.CSV, FileFormat.Compression.NONE));
        List<FileOutcome> outcomes = warehouse.load(new LoadBatch("L1", TableId.parse("s.t"), TableSpec.defaults(), List.of(f)), x -> false);
        assertThat(outcomes.get(0).status()).isEqualTo(FileOutcome.Status.FAILED);
        assertThat(outcomes.get(0).error().orElseThrow().code().retryable()).isTrue();
        assertThat(warehouse.recentLoads(10)).isEmpty();
    }
}
