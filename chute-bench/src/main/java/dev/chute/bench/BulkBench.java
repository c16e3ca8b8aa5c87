package dev.chute.bench;

import dev.chute.core.Checksums;
import dev.chute.spi.TableId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Benchmark 1, bulk: one large CSV file renamed into landing, from the rename until its rows are
 * committed, against DuckDB's own {@code CREATE TABLE AS SELECT * FROM read_csv(...)} of a copy of
 * the same file into a fresh database.
 */
final class BulkBench {
    static final String NAME = "bulk";
    static final double TARGET_RATIO = 0.9;
    static final TableId WARMUP = new TableId("bench", "warmup");
    private static final TableId ORDERS = new TableId("bench", "orders");

    private final Path dir;
    private final int rows;

    BulkBench(Path dir, int rows) {
        this.dir = dir;
        this.rows = rows;
    }

    void run(Report report) {
        Path source = dir.resolve("src/orders.csv");
        long bytes = OrdersCsv.write(source, 1, rows, 1);
        Path copy = copy(source, dir.resolve("baseline/orders.csv"));

        // the raw load runs twice, each into a fresh database, and the faster run counts: a conservative baseline
        long rawNanos = Long.MAX_VALUE;
        long sniffNanos;
        try (DuckDbBaseline warm = DuckDbBaseline.open(dir.resolve("baseline/warmup.duckdb"))) {
            Path small = dir.resolve("baseline/warmup.csv");
            OrdersCsv.write(small, 1, 1000, 99);
            warm.createTableAs("warmup", small);
            sniffNanos = warm.time("SELECT * FROM sniff_csv(" + DuckDbBaseline.literal(copy) + ")");
        }
        for (int run = 0; run < 2; run++) {
            Path database = dir.resolve("baseline/raw-" + run + ".duckdb");
            try (DuckDbBaseline raw = DuckDbBaseline.open(database)) {
                long started = System.nanoTime();
                long loaded = raw.createTableAs("t", copy);
                rawNanos = Math.min(rawNanos, System.nanoTime() - started);
                check(loaded == rows, "baseline loaded " + loaded + " rows, expected " + rows);
            }
            Workspace.deleteTree(database);
        }

        // Chute also runs twice, each on a fresh home with a fresh copy of the file, and the faster run counts
        long chuteNanos = Long.MAX_VALUE;
        ChuteHarness.Commit commit = null;
        int retried = 0;
        for (int run = 0; run < 2; run++) {
            Path home = dir.resolve("chute-" + run);
            Path file = run == 0 ? source : copy(copy, dir.resolve("src-" + run + "/orders.csv"));
            try (ChuteHarness chute = ChuteHarness.start(home, List.of(WARMUP, ORDERS))) {
                warmUp(chute, dir.resolve("warmup-" + run));
                long started = System.nanoTime();
                String key = chute.drop(file, ORDERS);
                ChuteHarness.Commit c = chute.awaitCommitted(key, Duration.ofMinutes(3));
                long count = chute.queryLong("SELECT count(*) FROM bench.orders");
                check(c.rows() == rows && count == rows, "Chute committed " + c.rows() + " rows and the table holds " + count + ", expected " + rows);
                if (c.nanos() - started < chuteNanos) {
                    chuteNanos = c.nanos() - started;
                    commit = c;
                }
                retried += chute.failures().size();
            }
            Workspace.deleteTree(home);
        }
        // hashed after the loads, so that the JIT has compiled the digest loop as it had for Chute
        long hashNanos = System.nanoTime();
        Checksums.of(newInputStream(copy), copy.toString());
        hashNanos = System.nanoTime() - hashNanos;

        double ratio = (double) rawNanos / chuteNanos;
        String what = Format.count(rows) + " rows, " + Format.megabytes(bytes);
        report.row(NAME, "rename -> committed, " + what, Format.seconds(chuteNanos), Format.seconds(rawNanos));
        report.row(NAME, "throughput", Format.rate(rows / (chuteNanos / 1e9), "rows") + ", " + Format.rate(bytes / (chuteNanos / 1e3), "MB"),
                Format.rate(rows / (rawNanos / 1e9), "rows") + ", " + Format.rate(bytes / (rawNanos / 1e3), "MB"),
                Format.ratio(ratio), ">= " + TARGET_RATIO + "x", ratio >= TARGET_RATIO);
        long warehouseNanos = Duration.ofMillis(commit.loadMillis()).toNanos();
        report.note(NAME, "in Chute's faster run, the warehouse load (sniff + insert + ledger + commit, from the listener) took " + Format.seconds(warehouseNanos)
                + "; intake before it (event, stat, SHA-256, dedup, batch wait, staging link) " + Format.seconds(chuteNanos - warehouseNanos) + ".");
        if (retried > 0) {
            report.note(NAME, retried + " file(s) failed once and were retried during the measurement.");
        }
        report.note(NAME, "both sides are the faster of two runs; for scale, measured apart on the same file: SHA-256 " + Format.millis(hashNanos) + ", DuckDB sniff_csv "
                + Format.millis(sniffNanos) + ".");
    }

    /** A few small files through a separate table, so that the measured drop meets a warm JVM. */
    static void warmUp(ChuteHarness chute, Path dir) {
        for (int i = 0; i < 3; i++) {
            Path file = dir.resolve("warmup-" + i + ".csv");
            OrdersCsv.write(file, 1 + i * 1000L, 1000, 100 + i);
            chute.awaitCommitted(chute.drop(file, WARMUP), Duration.ofSeconds(60));
        }
    }

    static Path copy(Path source, Path target) {
        try {
            Files.createDirectories(target.getParent());
            return Files.copy(source, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + source + " to " + target, e);
        }
    }

    private static java.io.InputStream newInputStream(Path file) {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
