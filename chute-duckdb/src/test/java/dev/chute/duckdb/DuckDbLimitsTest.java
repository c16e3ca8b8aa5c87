package dev.chute.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.FileFormat;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadFile;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 7: a console query's memory is bounded by DuckDB's memory_limit, chosen for loads
 * and queries together; a query that needs more fails naming the limit, and loading goes on.
 */
class DuckDbLimitsTest {
    private static final String DISTINCT = "SELECT count(DISTINCT x) FROM range(150000000) t(x)";

    @TempDir
    Path dir;
    DuckDbWarehouse warehouse;

    @AfterEach
    void close() {
        if (warehouse != null) {
            warehouse.close();
        }
    }

    private static long peakRssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) << 10;
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }

    private List<FileOutcome> load(String table, String key, String content) throws IOException {
        Path stage = dir.resolve("stage");
        Path file = stage.resolve(key.replace('/', '_'));
        Files.writeString(file, content);
        LoadFile f = new LoadFile(new ObjectVersion(key, "sha256:" + Integer.toHexString(content.hashCode()), content.length()), file,
                new FileFormat(FileFormat.Kind.CSV, FileFormat.Compression.NONE));
        return warehouse.load(new LoadBatch("L" + System.nanoTime(), TableId.parse(table), TableSpec.defaults(), List.of(f)), x -> true);
    }

    @Test
    void aCountDistinctOverManyRowsStaysWithinTheMemoryLimitAndLoadingGoesOn() throws IOException {
        long limit = 256L << 20;
        // no room to spill: the query must either fit in the limit or fail, saying which limit
        warehouse = DuckDbWarehouse.open(dir.resolve("w.duckdb"), dir.resolve("stage"), new DuckDbLimits(limit, 2, dir.resolve("temp"), 0));
        // the peak resident size from here on (Linux: writing 5 to clear_refs resets VmHWM)
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        long before = peakRssBytes();

        try {
            QueryResult r = warehouse.query(DISTINCT, 10, 16L << 20, Duration.ofMinutes(5));
            assertThat(r.rows().get(0).get(0)).isEqualTo(150_000_000L);
        } catch (ChuteException e) {
            assertThat(e.getMessage()).contains("needs more memory than DuckDB may use").contains("memory_limit is 256 MB")
                    .contains("warehouse.memory_limit");
        }
        // DuckDB's buffers stay within the limit; the JVM and DuckDB's own bookkeeping get some room beside it
        assertThat(peakRssBytes() - before).isLessThan(limit + (384L << 20));

        List<FileOutcome> loaded = load("after.distinct", "after/distinct/a.csv", "id,name\n1,one\n2,two\n");
        assertThat(loaded).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMMITTED);
        assertThat(warehouse.query("SELECT count(*) FROM after.distinct", 10, Duration.ofSeconds(30)).rows().get(0).get(0)).isEqualTo(2L);
    }

    @Test
    void theLimitsAreSetOnTheDatabaseAndSpillUnderTheHome() throws SQLException {
        Path temp = dir.resolve("temp");
        warehouse = DuckDbWarehouse.open(dir.resolve("w.duckdb"), dir.resolve("stage"), new DuckDbLimits(300L << 20, 1, temp, 1L << 30));

        // read on Chute's own connection: the console guard refuses current_setting()
        try (Statement s = warehouse.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')")) {
            rs.next();
            assertThat(rs.getString(1)).startsWith("300.0 MiB");
            assertThat(rs.getLong(2)).isEqualTo(1L);
            assertThat(rs.getString(3)).isEqualTo(temp.toAbsolutePath().toString());
        }
    }

    @Test
    void theDefaultsTakeAQuarterOfTheMemoryAndSpillBesideTheStage() {
        DuckDbLimits limits = DuckDbLimits.of(new ConnectorContext(dir, Map.of()), DuckDbWarehouse.defaultTempDirectory(dir.resolve(".chute/stage")));
        assertThat(limits.memoryLimit()).isEqualTo(DuckDbLimits.percentOfMemory(25));
        assertThat(limits.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(limits.tempDirectory()).isEqualTo(dir.resolve(".chute/duckdb-temp").toAbsolutePath());

        DuckDbLimits set = DuckDbLimits.of(new ConnectorContext(dir, Map.of("memory_limit", "1GB", "threads", "3", "max_temp_directory_size", "2GB")),
                dir.resolve("t"));
        assertThat(set.memoryLimit()).isEqualTo(1L << 30);
        assertThat(set.threads()).isEqualTo(3);
        assertThat(set.maxTempSize()).isEqualTo(2L << 30);
        assertThatThrownBy(() -> DuckDbLimits.of(new ConnectorContext(dir, Map.of("memory_limit", "lots")), dir.resolve("t")))
                .hasMessageContaining("warehouse.memory_limit").hasMessageContaining("'lots'");
    }
}
