package dev.chute.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.spi.ColumnProfile;
import dev.chute.spi.TableId;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 3: a profile's distinct count is exact, or marked as an estimate. DuckDB's
 * {@code approx_count_distinct} said 809,343 for 1,000,000 unique ids, and the console showed it as
 * a count.
 */
class DuckDbProfileDistinctTest {
    private static final Duration LIMIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void aMillionUniqueIdsAreCountedExactly() throws Exception {
        Path file = dir.resolve("w.duckdb");
        create(file, "CREATE TABLE s.ids AS SELECT range AS id, 'x' || (range % 1000) AS code FROM range(1000000)");
        try (DuckDbWarehouse w = DuckDbWarehouse.open(file, dir.resolve("stage"))) {
            List<ColumnProfile> profile = w.profile(TableId.parse("s.ids"), LIMIT);
            assertThat(profile).extracting(ColumnProfile::name, ColumnProfile::distinct, ColumnProfile::distinctExact)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("id", 1_000_000L, true), org.assertj.core.groups.Tuple.tuple("code", 1_000L, true));
        }
    }

    /** Beyond what is counted exactly, the count is an estimate and says so. */
    @Test
    void aTableTooLargeToCountExactlyIsMarkedAsAnEstimate() throws Exception {
        int columns = (int) (DuckDbWarehouse.EXACT_DISTINCT_MAX_VALUES / 1_000_000) + 1;
        String select = IntStream.range(0, columns).mapToObj(i -> "range AS c" + i).collect(Collectors.joining(", "));
        Path file = dir.resolve("w.duckdb");
        create(file, "CREATE TABLE s.wide AS SELECT " + select + " FROM range(1000000)");
        try (DuckDbWarehouse w = DuckDbWarehouse.open(file, dir.resolve("stage"))) {
            List<ColumnProfile> profile = w.profile(TableId.parse("s.wide"), LIMIT);
            assertThat(profile).hasSize(columns).allSatisfy(p -> {
                assertThat(p.distinctExact()).as(p.name()).isFalse();
                // the label's error bound holds: within three standard errors of the truth
                double error = p.distinctError().orElseThrow();
                assertThat(error).isEqualTo(DuckDbWarehouse.APPROX_DISTINCT_ERROR);
                assertThat((double) p.distinct()).as(p.name()).isBetween(1_000_000 * (1 - 3 * error), 1_000_000 * (1 + 3 * error));
            });
        }
    }

    private static void create(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA s");
            s.execute(sql);
        }
    }
}
