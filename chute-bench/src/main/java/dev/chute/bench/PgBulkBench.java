package dev.chute.bench;

import dev.chute.core.ChuteConfig;
import dev.chute.spi.TableId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Benchmark 4, bulk into PostgreSQL: one large CSV file renamed into landing, from the rename until
 * its rows are committed in PostgreSQL, against {@code psql -c "\copy ..."} of the same file into a
 * table with the same columns, in the same run on the same server.
 */
final class PgBulkBench {
    static final String NAME = "pg-bulk";
    static final double TARGET_RATIO = 0.8;
    private static final TableId ORDERS = new TableId("bench", "orders");

    private final Path dir;
    private final int rows;
    private final PostgresTarget pg;

    PgBulkBench(Path dir, int rows, PostgresTarget pg) {
        this.dir = dir;
        this.rows = rows;
        this.pg = pg;
    }

    void run(Report report) {
        Path source = dir.resolve("src/orders.csv");
        long bytes = OrdersCsv.write(source, 1, rows, 1);
        Path copy = BulkBench.copy(source, dir.resolve("baseline/orders.csv"));

        // Chute runs twice per configuration (lineage columns on, the default, and off), each run into
        // a fresh database with a fresh copy of the file; the faster run of each counts
        Run withLineage = chute(source, copy, true);
        Run withoutLineage = chute(copy, copy, false);
        List<String> columns = withLineage.columns;

        // psql \copy of the same file into a table of the same columns (Chute's, without its lineage
        // columns), each run into a fresh database; the faster run counts
        Path psql = PostgresTarget.psql().orElseThrow(() -> new IllegalStateException("psql is not on PATH; the pg-bulk baseline needs it (Debian: postgresql-client)"));
        long copyNanos = Long.MAX_VALUE;
        for (int run = 0; run < 2; run++) {
            String database = pg.createDatabase("copy");
            try {
                pg.execute(database, "CREATE TABLE orders (" + String.join(", ", columns) + ")");
                String path = copy.toAbsolutePath().toString().replace("'", "''");
                long nanos = pg.psql(psql, database, "\\copy orders FROM '" + path + "' WITH (FORMAT csv, HEADER true)");
                long count = pg.queryLong(database, "SELECT count(*) FROM orders");
                BulkBench.check(count == rows, "psql \\copy loaded " + count + " rows, expected " + rows);
                copyNanos = Math.min(copyNanos, nanos);
            } finally {
                pg.dropDatabase(database);
            }
        }

        String what = Format.count(rows) + " rows, " + Format.megabytes(bytes);
        report.row(NAME, "rename -> committed, " + what, Format.seconds(withLineage.nanos), Format.seconds(copyNanos));
        double ratio = (double) copyNanos / withLineage.nanos;
        report.row(NAME, "throughput vs psql \\copy (lineage on)", Format.rate(rows / (withLineage.nanos / 1e9), "rows"),
                Format.rate(rows / (copyNanos / 1e9), "rows"), Format.ratio(ratio), ">= " + TARGET_RATIO + "x", ratio >= TARGET_RATIO);
        double plain = (double) copyNanos / withoutLineage.nanos;
        report.row(NAME, "throughput vs psql \\copy (lineage off)", Format.rate(rows / (withoutLineage.nanos / 1e9), "rows"),
                Format.rate(rows / (copyNanos / 1e9), "rows"), Format.ratio(plain), ">= " + TARGET_RATIO + "x", plain >= TARGET_RATIO);
        report.note(NAME, "in Chute's faster run with lineage the warehouse load (type inference, COPY FROM STDIN, ledger, commit) took "
                + Format.seconds(withLineage.loadNanos) + ", intake before it " + Format.seconds(withLineage.nanos - withLineage.loadNanos)
                + "; without lineage " + Format.seconds(withoutLineage.loadNanos) + " and " + Format.seconds(withoutLineage.nanos - withoutLineage.loadNanos)
                + ". psql's time includes starting psql. Columns of both tables: " + String.join(", ", columns)
                + " (Chute's also has its lineage columns, filled by column defaults).");
        if (withLineage.retried + withoutLineage.retried > 0) {
            report.note(NAME, (withLineage.retried + withoutLineage.retried) + " file(s) failed once and were retried during the measurement.");
        }
    }

    /** The faster of two Chute runs of one configuration: rename -> commit, and the warehouse's part of it. */
    private record Run(long nanos, long loadNanos, int retried, List<String> columns) {
    }

    private Run chute(Path first, Path copy, boolean lineage) {
        long best = Long.MAX_VALUE;
        long load = 0;
        int retried = 0;
        List<String> columns = List.of();
        for (int run = 0; run < 2; run++) {
            String database = pg.createDatabase("bulk");
            String name = (lineage ? "lineage-" : "plain-") + run;
            try {
                Path home = dir.resolve("chute-" + name);
                Path file = run == 0 && first != copy ? first : BulkBench.copy(copy, dir.resolve("src-" + name + "/orders.csv"));
                ChuteConfig config = ChuteConfig.parse(pg.warehouseYaml(database) + (lineage ? "" : "tables:\n  bench.orders:\n    lineage: false\n"),
                        "pg-bulk benchmark");
                try (ChuteHarness chute = ChuteHarness.start(home, List.of(BulkBench.WARMUP, ORDERS), config)) {
                    BulkBench.warmUp(chute, dir.resolve("warmup-" + name));
                    long started = System.nanoTime();
                    String key = chute.drop(file, ORDERS);
                    ChuteHarness.Commit c = chute.awaitCommitted(key, Duration.ofMinutes(5));
                    long count = pg.queryLong(database, "SELECT count(*) FROM bench.orders");
                    BulkBench.check(c.rows() == rows && count == rows, "Chute committed " + c.rows() + " rows and the table holds " + count + ", expected " + rows);
                    if (c.nanos() - started < best) {
                        best = c.nanos() - started;
                        load = Duration.ofMillis(c.loadMillis()).toNanos();
                    }
                    retried += chute.failures().size();
                }
                columns = pg.columnDefinitions(database, "bench", "orders");
                Workspace.deleteTree(home);
            } finally {
                pg.dropDatabase(database);
            }
        }
        return new Run(best, load, retried, columns);
    }
}
