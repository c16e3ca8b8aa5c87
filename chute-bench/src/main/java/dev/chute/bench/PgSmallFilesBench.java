package dev.chute.bench;

import dev.chute.core.ChuteConfig;
import dev.chute.spi.TableId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark 5, small files into PostgreSQL with the ledger on, one worker against two: a backlog of
 * small CSV files appears in a landing directory that every worker shares (as on a shared file
 * system), and the time from its appearance until the last file is committed is measured with one
 * Chute worker, then with two (each its own home, in this JVM, against the same database). The
 * workers split the backlog through their shuffled listings and the ledger's claims; the ratio is
 * the speed-up of the second worker.
 */
final class PgSmallFilesBench {
    static final String NAME = "pg-small";
    private static final TableId SMALL = new TableId("bench", "small");
    private static final long TIMEOUT_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(5);

    private final Path dir;
    private final int files;
    private final PostgresTarget pg;

    PgSmallFilesBench(Path dir, int files, PostgresTarget pg) {
        this.dir = dir;
        this.files = files;
        this.pg = pg;
    }

    void run(Report report) {
        Path sources = dir.resolve("src");
        long bytes = 0;
        for (int i = 0; i < files; i++) {
            bytes += OrdersCsv.write(sources.resolve(String.format(Locale.ROOT, "orders-%05d.csv", i)), 1 + (long) i * SmallFilesBench.ROWS_PER_FILE,
                    SmallFilesBench.ROWS_PER_FILE, 1000 + i);
        }
        Round one = round(1, sources);
        Round two = round(2, sources);
        double ratio = (double) one.nanos / two.nanos;
        String what = Format.count(files) + " x " + SmallFilesBench.ROWS_PER_FILE + " rows, " + Format.megabytes(bytes);
        report.row(NAME, "backlog -> last commit, " + what + ", 2 workers vs 1", Format.seconds(two.nanos), Format.seconds(one.nanos));
        report.row(NAME, "files/s, 2 workers vs 1", Format.rate(files / (two.nanos / 1e9), "files"), Format.rate(files / (one.nanos / 1e9), "files"),
                Format.ratio(ratio));
        report.note(NAME, "files committed per worker with two workers: " + two.split + "; files left to the other worker because it held the claim: "
                + two.elsewhere + ". The workers share one machine with PostgreSQL (" + Runtime.getRuntime().availableProcessors() + " cores here).");
    }

    private record Round(long nanos, String split, long elsewhere) {
    }

    /** One measured drain of the backlog by {@code workers} workers into a fresh database. */
    private Round round(int workers, Path sources) {
        String database = pg.createDatabase("small" + workers);
        Path base = dir.resolve("workers-" + workers);
        try {
            Path landing = Files.createDirectories(base.resolve("landing"));
            Path staged = Files.createDirectories(base.resolve("staged/bench/small"));
            try (var list = Files.list(sources)) {
                for (Path file : list.toList()) {
                    Files.copy(file, staged.resolve(file.getFileName()));
                }
            }
            ChuteConfig config = ChuteConfig.parse("""
                    store:
                      landing: %s
                      archive: %s
                      failed: %s
                      watch: false
                    intake:
                      listing_grace: 1ms
                      reconcile_interval: 1s
                    batch:
                      max_files: 100
                    %s""".formatted(landing, base.resolve("archive"), base.resolve("failed"), pg.warehouseYaml(database)), "pg-small benchmark");
            List<ChuteHarness> harnesses = new ArrayList<>();
            try {
                for (int w = 0; w < workers; w++) {
                    harnesses.add(ChuteHarness.start(base.resolve("home-" + w), List.of(SMALL), config));
                }
                Files.createDirectories(landing.resolve("bench"));
                long started = System.nanoTime();
                // the whole backlog appears at once
                Files.move(staged, landing.resolve("bench/small"), StandardCopyOption.ATOMIC_MOVE);
                harnesses.forEach(ChuteHarness::listNow);
                long committed = 0;
                while (committed < files) {
                    if (System.nanoTime() - started > TIMEOUT_NANOS) {
                        throw new IllegalStateException(workers + " worker(s) committed " + committed + " of " + files + " files within 5 minutes");
                    }
                    Thread.sleep(2);
                    // every file these workers load is a measured one: no scan of the keys while measuring
                    committed = harnesses.stream().mapToLong(ChuteHarness::committedCount).sum();
                }
                long nanos = System.nanoTime() - started;
                long rows = pg.queryLong(database, "SELECT count(*) FROM bench.small");
                long ledger = pg.queryLong(database, "SELECT count(*) FROM _chute.ledger WHERE table_name = 'bench.small'");
                BulkBench.check(rows == (long) files * SmallFilesBench.ROWS_PER_FILE && ledger == files,
                        "bench.small holds " + rows + " rows and " + ledger + " ledger entries, expected " + (long) files * SmallFilesBench.ROWS_PER_FILE + " and " + files);
                List<String> split = harnesses.stream().map(h -> Long.toString(h.committedCount("bench/small/"))).toList();
                long elsewhere = harnesses.stream().mapToLong(ChuteHarness::loadingElsewhere).sum();
                return new Round(nanos, String.join(" + ", split), elsewhere);
            } finally {
                harnesses.forEach(ChuteHarness::close);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the pg-small backlog under " + base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            pg.dropDatabase(database);
            Workspace.deleteTree(base);
        }
    }
}
