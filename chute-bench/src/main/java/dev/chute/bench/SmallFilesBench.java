package dev.chute.bench;

import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark 2, small files: many small CSV files written outside landing and renamed in all at
 * once, from the first rename until the last file's rows are committed, against a per-file loader
 * (one transaction per file) on copies of the same files.
 */
final class SmallFilesBench {
    static final String NAME = "small";
    static final int ROWS_PER_FILE = 100;
    static final double TARGET_FILES_PER_SECOND = 2_000;
    static final double TARGET_RATIO = 30;
    private static final TableId SMALL = new TableId("bench", "small");

    private final Path dir;
    private final int files;

    SmallFilesBench(Path dir, int files) {
        this.dir = dir;
        this.files = files;
    }

    void run(Report report) {
        List<Path> sources = new ArrayList<>();
        List<Path> copies = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < files; i++) {
            Path file = dir.resolve(String.format(Locale.ROOT, "src/orders-%05d.csv", i));
            bytes += OrdersCsv.write(file, 1 + (long) i * ROWS_PER_FILE, ROWS_PER_FILE, 1000 + i);
            sources.add(file);
            copies.add(BulkBench.copy(file, dir.resolve("baseline/" + file.getFileName())));
        }

        List<Path> warmups = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Path file = dir.resolve("baseline/warmup-" + i + ".csv");
            OrdersCsv.write(file, 1 + i * 1000L, ROWS_PER_FILE, 100 + i);
            warmups.add(file);
        }
        long baselineNanos = java.util.Arrays.stream(perFileLoad(dir.resolve("baseline/per-file.duckdb"), warmups, copies, "baseline.small",
                ROWS_PER_FILE)).sum();

        long chuteNanos;
        long renameNanos;
        String batches;
        int retried;
        try (ChuteHarness chute = ChuteHarness.start(dir.resolve("chute"), List.of(BulkBench.WARMUP, SMALL))) {
            BulkBench.warmUp(chute, dir.resolve("warmup"));
            List<String> keys = new ArrayList<>(files);
            long started = System.nanoTime();
            for (Path file : sources) {
                keys.add(chute.drop(file, SMALL));
            }
            renameNanos = System.nanoTime() - started;
            Map<String, ChuteHarness.Commit> commits = chute.awaitCommitted(keys, Duration.ofMinutes(2));
            long last = commits.values().stream().mapToLong(ChuteHarness.Commit::nanos).max().orElseThrow();
            chuteNanos = last - started;
            long count = chute.queryLong("SELECT count(*) FROM bench.small");
            BulkBench.check(count == (long) files * ROWS_PER_FILE, "bench.small holds " + count + " rows, expected " + (long) files * ROWS_PER_FILE);
            batches = describeLoads(chute, commits, started);
            retried = chute.failures().size();
        }

        double chuteRate = files / (chuteNanos / 1e9);
        double baselineRate = files / (baselineNanos / 1e9);
        double ratio = chuteRate / baselineRate;
        String what = Format.count(files) + " x " + ROWS_PER_FILE + " rows, " + Format.megabytes(bytes);
        report.row(NAME, "first rename -> last commit, " + what, Format.seconds(chuteNanos), Format.seconds(baselineNanos));
        report.row(NAME, "files/s", Format.rate(chuteRate, "files"), "", "", ">= " + Format.count((long) TARGET_FILES_PER_SECOND) + " files/s",
                chuteRate >= TARGET_FILES_PER_SECOND);
        report.row(NAME, "files/s vs per-file loader", Format.rate(chuteRate, "files"), Format.rate(baselineRate, "files"), Format.ratio(ratio),
                ">= " + Format.ratio(TARGET_RATIO), ratio >= TARGET_RATIO);
        if (retried > 0) {
            report.note(NAME, retried + " file(s) failed once and were retried during the measurement.");
        }
        report.note(NAME, "renaming the files into landing took " + Format.millis(renameNanos) + "; Chute committed them in " + batches + ".");
    }

    /**
     * Chute's loads of the measured files, in commit order: files per load, when the load committed
     * (after the first rename) and how long the warehouse took for it, from the ledger and the listener.
     */
    private static String describeLoads(ChuteHarness chute, Map<String, ChuteHarness.Commit> commits, long started) {
        QueryResult ledger = chute.query("SELECT object_key, load_id FROM _chute.ledger WHERE table_name = 'bench.small'");
        if (ledger.truncated()) {
            return "(more loads than a query returns)";
        }
        Map<String, List<ChuteHarness.Commit>> byLoad = new java.util.HashMap<>();
        for (List<Object> row : ledger.rows()) {
            ChuteHarness.Commit commit = commits.get((String) row.get(0));
            if (commit != null) {
                byLoad.computeIfAbsent((String) row.get(1), k -> new ArrayList<>()).add(commit);
            }
        }
        List<String> loads = byLoad.values().stream()
                .sorted(java.util.Comparator.comparingLong(l -> l.stream().mapToLong(ChuteHarness.Commit::nanos).max().orElseThrow()))
                .map(l -> l.size() + " files committed at +" + Format.millis(l.stream().mapToLong(ChuteHarness.Commit::nanos).max().orElseThrow() - started)
                        + " (warehouse " + l.get(0).loadMillis() + " ms)")
                .toList();
        return loads.size() + (loads.size() == 1 ? " load: " : " loads: ") + String.join(", ", loads);
    }

    /**
     * The per-file baseline on a fresh database: loads the warm-up files, then each measured file in
     * its own transaction; returns the time of each measured file.
     */
    static long[] perFileLoad(Path database, List<Path> warmups, List<Path> files, String table, int rowsPerFile) {
        try (DuckDbBaseline baseline = DuckDbBaseline.open(database)) {
            for (Path file : warmups) {
                baseline.loadOne(table, file, "warmup/" + file.getFileName());
            }
            long before = baseline.count(table);
            long[] nanos = new long[files.size()];
            for (int i = 0; i < files.size(); i++) {
                Path file = files.get(i);
                long started = System.nanoTime();
                baseline.loadOne(table, file, file.getFileName().toString());
                nanos[i] = System.nanoTime() - started;
            }
            long count = baseline.count(table) - before;
            BulkBench.check(count == (long) files.size() * rowsPerFile, "the per-file baseline loaded " + count + " rows, expected "
                    + (long) files.size() * rowsPerFile);
            return nanos;
        }
    }
}
