package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.core.Pipeline;
import dev.chute.spi.QueryResult;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Type inference ends, and takes what shortest-repr printers write as DOUBLE: a load never retries
 * without bound, never recurses, and one file that inference cannot settle never stops the other
 * files of a {@code chute load} (issue 11 item 8).
 */
public abstract class InferenceBoundContract extends WarehouseContract {
    private static final int ROWS = 50;
    private static final int COLUMNS = 16;

    /** Doubles as Python's repr, pandas and R print them: the shortest text that reads back as the same double, 16-17 digits. */
    static String shortestRepr(double d) {
        return new BigDecimal(Double.toString(d)).toPlainString();
    }

    static double[][] randomDoubles(long seed) {
        Random random = new Random(seed);
        double[][] values = new double[ROWS][COLUMNS];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < COLUMNS; c++) {
                double v = random.nextDouble();
                // a few columns with other magnitudes and signs, as measurements have
                values[r][c] = c % 4 == 1 ? v * 1e6 : c % 4 == 2 ? -v * 1e-3 : c % 4 == 3 ? v * 12345.0 : v;
            }
        }
        return values;
    }

    static String csv(double[][] values) {
        StringBuilder b = new StringBuilder("id");
        for (int c = 0; c < COLUMNS; c++) {
            b.append(",x").append(c);
        }
        b.append('\n');
        for (int r = 0; r < values.length; r++) {
            b.append(r);
            for (double v : values[r]) {
                b.append(',').append(shortestRepr(v));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Issue 11 item 8: 16-17 significant digits that read back exactly are DOUBLE, stored exactly; the old guard turned them to text one column per attempt. */
    @Test
    void shortestReprDoublesLoadAsExactDoubles() {
        double[][] values = randomDoubles(20261124L);
        ChuteHome h = start();
        h.drop("infdbl/t/a.csv", csv(values));
        h.awaitArchived("infdbl/t/a.csv");
        assertThat(h.ledgerRows("infdbl/t/a.csv")).isEqualTo(ROWS);
        StringBuilder select = new StringBuilder("SELECT id");
        for (int c = 0; c < COLUMNS; c++) {
            select.append(", x").append(c);
        }
        QueryResult result = h.query(select + " FROM infdbl.t ORDER BY id");
        assertThat(result.rows()).hasSize(ROWS);
        for (int r = 0; r < ROWS; r++) {
            List<Object> row = result.rows().get(r);
            for (int c = 0; c < COLUMNS; c++) {
                Object v = row.get(c + 1);
                assertThat(v).as("row %d column x%d", r, c).isInstanceOf(Double.class);
                assertThat((Double) v).as("row %d column x%d", r, c).isEqualTo(values[r][c]);
            }
        }
    }

    /**
     * Issue 11 item 8: a file whose every column inference has to give up on (a too-precise value at
     * the end of each of 40 numeric columns) loads or fails on its own, with a reason, and the files
     * of the same {@code chute load} before and after it are loaded. The old code ran out of its
     * attempts, started over on the file alone and recursed until StackOverflowError.
     */
    @Test
    void fileThatDefeatsInferenceDoesNotStopTheOtherFiles() throws IOException {
        Path dir = tmp.resolve("infload");
        Files.createDirectories(dir.resolve("infbound/a"));
        Files.createDirectories(dir.resolve("infbound/b"));
        Files.createDirectories(dir.resolve("infbound/c"));
        Files.writeString(dir.resolve("infbound/a/1.csv"), "id,v\n1,x\n2,y\n");
        int columns = 40;
        StringBuilder hard = new StringBuilder("id");
        for (int c = 0; c < columns; c++) {
            hard.append(",x").append(c);
        }
        hard.append('\n');
        for (int r = 0; r < 30; r++) {
            hard.append(r);
            for (int c = 0; c < columns; c++) {
                hard.append(',').append(r == 29 ? "0.1234567890123456789" + c : "0." + (r + c));
            }
            hard.append('\n');
        }
        Files.writeString(dir.resolve("infbound/b/1.csv"), hard.toString());
        Files.writeString(dir.resolve("infbound/c/1.csv"), "id,v\n3,z\n");
        ChuteHome h = openForLoads("");
        List<Pipeline.OneShotResult> results = h.load(List.of(dir), Optional.empty());
        assertThat(results).hasSize(3);
        for (Pipeline.OneShotResult r : results) {
            if (r.file().contains("/b/")) {
                if (r.status() == Pipeline.ResultStatus.COMMITTED) {
                    assertThat(r.rows()).isEqualTo(30);
                    assertThat(h.count("infbound.b")).isEqualTo(30);
                } else {
                    assertThat(r.status()).isEqualTo(Pipeline.ResultStatus.FAILED);
                    assertThat(r.error().orElseThrow().reason()).contains("infbound/b/1.csv");
                }
            } else {
                assertThat(r.status()).as(r.file()).isEqualTo(Pipeline.ResultStatus.COMMITTED);
            }
        }
        assertThat(h.count("infbound.a")).isEqualTo(2);
        assertThat(h.count("infbound.c")).isEqualTo(1);
    }
}
