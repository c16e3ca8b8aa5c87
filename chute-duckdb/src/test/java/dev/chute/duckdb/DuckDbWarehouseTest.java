package dev.chute.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
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
        Path file = stage.resolve(key.replace('/', '_') + ".csv");
        Files.writeString(file, content);
        LoadFile f = new LoadFile(new ObjectVersion(key, "sha256:" + Integer.toHexString(content.hashCode()), content.length()), file,
                new FileFormat(FileFormat.Kind.CSV, FileFormat.Compression.NONE));
        return warehouse.load(new LoadBatch("L" + System.nanoTime(), TableId.parse(table), TableSpec.defaults(), List.of(f)), x -> true);
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
        assertThat(row.get(3)).isEqualTo(Instant.parse("2022-08-19T18:52:48Z"));
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
