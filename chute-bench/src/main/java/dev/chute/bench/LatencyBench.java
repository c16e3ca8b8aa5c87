package dev.chute.bench;

import dev.chute.spi.TableId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark 3, latency: single small files renamed into landing one at a time, each waited for
 * before the next; from the rename until the listener reports the rows committed, and until a
 * query sees them. The baseline is the per-file loader's time for each of the same files.
 */
final class LatencyBench {
    static final String NAME = "latency";
    static final int ROWS_PER_FILE = 20;
    static final int WARMUP_DROPS = 5;
    static final long TARGET_P50_MILLIS = 100;
    static final long TARGET_P99_MILLIS = 300;
    private static final TableId LATENCY = new TableId("bench", "latency");

    private final Path dir;
    private final int drops;

    LatencyBench(Path dir, int drops) {
        this.dir = dir;
        this.drops = drops;
    }

    void run(Report report) {
        List<Path> warmups = new ArrayList<>();
        List<Path> sources = new ArrayList<>();
        List<Path> warmupCopies = new ArrayList<>();
        List<Path> copies = new ArrayList<>();
        for (int i = 0; i < WARMUP_DROPS + drops; i++) {
            boolean warmup = i < WARMUP_DROPS;
            Path file = dir.resolve(String.format(Locale.ROOT, "src/%s-%04d.csv", warmup ? "warmup" : "drop", i));
            OrdersCsv.write(file, 1 + (long) i * ROWS_PER_FILE, ROWS_PER_FILE, 5000 + i);
            Path copy = BulkBench.copy(file, dir.resolve("baseline/" + file.getFileName()));
            (warmup ? warmups : sources).add(file);
            (warmup ? warmupCopies : copies).add(copy);
        }

        Stats baseline = new Stats(SmallFilesBench.perFileLoad(dir.resolve("baseline/per-file.duckdb"), warmupCopies, copies,
                "baseline.latency", ROWS_PER_FILE));

        long[] committed = new long[drops];
        long[] visible = new long[drops];
        long[] warehouse = new long[drops];
        int retried;
        try (ChuteHarness chute = ChuteHarness.start(dir.resolve("chute"), List.of(LATENCY))) {
            // the warm-up drops also create the table, so the measured drops see the steady state
            for (Path file : warmups) {
                chute.awaitCommitted(chute.drop(file, LATENCY), Duration.ofSeconds(60));
            }
            for (int i = 0; i < drops; i++) {
                long started = System.nanoTime();
                String key = chute.drop(sources.get(i), LATENCY);
                ChuteHarness.Commit commit = chute.awaitCommitted(key, Duration.ofSeconds(30));
                committed[i] = commit.nanos() - started;
                warehouse[i] = Duration.ofMillis(commit.loadMillis()).toNanos();
                long rows = chute.queryLong("SELECT count(*) FROM bench.latency WHERE _chute_source = '" + key.replace("'", "''") + "'");
                visible[i] = System.nanoTime() - started;
                BulkBench.check(rows == ROWS_PER_FILE, "a query found " + rows + " rows of " + key + " after its commit, expected " + ROWS_PER_FILE);
            }
            retried = chute.failures().size();
        }

        Stats commit = new Stats(committed);
        Stats query = new Stats(visible);
        Stats load = new Stats(warehouse);
        String what = ", " + drops + " x " + ROWS_PER_FILE + " rows";
        long p50 = commit.percentile(50);
        long p99 = commit.percentile(99);
        report.row(NAME, "p50 rename -> committed" + what, Format.millis(p50), Format.millis(baseline.percentile(50)),
                Format.ratio((double) p50 / baseline.percentile(50)), "<= " + TARGET_P50_MILLIS + " ms", p50 <= TARGET_P50_MILLIS * 1_000_000);
        report.row(NAME, "p99 rename -> committed" + what, Format.millis(p99), Format.millis(baseline.percentile(99)),
                Format.ratio((double) p99 / baseline.percentile(99)), "<= " + TARGET_P99_MILLIS + " ms", p99 <= TARGET_P99_MILLIS * 1_000_000);
        report.row(NAME, "max rename -> committed", Format.millis(commit.max()), Format.millis(baseline.max()));
        report.row(NAME, "p50 / p99 rename -> query sees rows", Format.millis(query.percentile(50)) + " / " + Format.millis(query.percentile(99)), "");
        if (retried > 0) {
            report.note(NAME, retried + " file(s) failed once and were retried during the measurement.");
        }
        report.note(NAME, "latency ratio is Chute / per-file loader time (lower is better); the per-file loader starts with the file in hand,"
                + " Chute's time includes noticing the file.");
        report.note(NAME, "of Chute's time, the warehouse load (sniff + insert + ledger + commit) took p50 " + Format.millis(load.percentile(50))
                + ", p99 " + Format.millis(load.percentile(99)) + "; the rest is intake (watch event, stat, SHA-256, dedup query, batch wait, staging).");
    }
}
