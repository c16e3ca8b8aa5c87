package dev.chute.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmarks run end to end at a tiny scale: every file is loaded and counted, and the table
 * is printed. Times are never asserted here; whether a target is met is for {@code ./chute bench}.
 */
class BenchMainTest {
    @Test
    void tinyRunLoadsEveryFileAndPrintsTheTable() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int exit = BenchMain.run(new PrintStream(buffer, true, StandardCharsets.UTF_8), "--rows", "2000", "--files", "20", "--drops", "5");

        String out = buffer.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isIn(0, 1);
        assertThat(out).contains("cores", "JVM ", "DuckDB ")
                .contains("rename -> committed, 2,000 rows")
                .contains("first rename -> last commit, 20 x 100 rows")
                .contains("p50 rename -> committed, 5 x 20 rows")
                // PostgreSQL on this machine: both loaders counted every row (a miscount fails the run with exit 2)
                .contains("rename -> committed, 2,000 rows")
                .contains("throughput vs psql \\copy")
                .contains("backlog -> last commit, 20 x 100 rows")
                .contains("files/s, 2 workers vs 1");
    }

    @Test
    void badOptionNamesTheOptionAndTheAllowedValues() {
        assertThatThrownBy(() -> BenchOptions.parse("--only", "huge"))
                .hasMessageMatching("option --only: expected one of bulk, small, latency, pg-bulk, pg-small, found 'huge'");
        assertThatThrownBy(() -> BenchOptions.parse("--postgres", "postgres://x"))
                .hasMessageStartingWith("option --postgres: expected jdbc:postgresql://");
        assertThatThrownBy(() -> BenchOptions.parse("--files", "0"))
                .hasMessageMatching("option --files: expected a whole number from 1 to \\d+, found '0'");
        assertThat(BenchOptions.parse("--only", "small,latency").only()).containsExactlyInAnyOrder("small", "latency");
    }

    @Test
    void percentilesUseTheNearestRank() {
        Stats stats = new Stats(new long[] {5, 1, 4, 2, 3, 6, 7, 8, 9, 10});
        assertThat(stats.percentile(50)).isEqualTo(5);
        assertThat(stats.percentile(99)).isEqualTo(10);
        assertThat(stats.percentile(10)).isEqualTo(1);
    }

    @Test
    void generatedOrdersKeepLeadingZerosAndIsoTimestamps(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("orders.csv");
        OrdersCsv.write(file, 1, 3, 7);

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo(OrdersCsv.HEADER);
        assertThat(lines.get(1)).matches("1,[a-z]+\\.[a-z]+\\d+@[a-z.]+,[a-z]+,2025-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ,\\d+\\.\\d\\d,\\d{10}");
    }
}
