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

        // Chute runs twice, each into a fresh database with a fresh copy of the file; the faster run counts
        long chuteNanos = Long.MAX_VALUE;
        ChuteHarness.Commit commit = null;
        List<String> columns = null;
        int retried = 0;
        for (int run = 0; run < 2; run++) {
            String database = pg.createDatabase("bulk");
            try {
                Path home = dir.resolve("chute-" + run);
                Path file = run == 0 ? source : BulkBench.copy(copy, dir.resolve("src-" + run + "/orders.csv"));
                ChuteConfig config = ChuteConfig.parse(pg.warehouseYaml(database), "pg-bulk benchmark");
                try (ChuteHarness chute = ChuteHarness.start(home, List.of(BulkBench.WARMUP, ORDERS), config)) {
                    BulkBench.warmUp(chute, dir.resolve("warmup-" + run));
                    long started = System.nanoTime();
                    String key = chute.drop(file, ORDERS);
                    ChuteHarness.Commit c = chute.awaitCommitted(key, Duration.ofMinutes(5));
                    long count = pg.queryLong(database, "SELECT count(*) FROM bench.orders");
                    BulkBench.check(c.rows() == rows && count == rows, "Chute committed " + c.rows() + " rows and the table holds " + count + ", expected " + rows);
                    if (c.nanos() - started < chuteNanos) {
                        chuteNanos = c.nanos() - started;
                        commit = c;
                    }
                    retried += chute.failures().size();
                }
                if (columns == null) {
                    columns = pg.columnDefinitions(database, "bench", "orders");
                }
                Workspace.deleteTree(home);
            } finally {
                pg.dropDatabase(database);
            }
        }

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

        double ratio = (double) copyNanos / chuteNanos;
        String what = Format.count(rows) + " rows, " + Format.megabytes(bytes);
        report.row(NAME, "rename -> committed, " + what, Format.seconds(chuteNanos), Format.seconds(copyNanos));
        report.row(NAME, "throughput vs psql \\copy", Format.rate(rows / (chuteNanos / 1e9), "rows"), Format.rate(rows / (copyNanos / 1e9), "rows"),
                Format.ratio(ratio), ">= " + TARGET_RATIO + "x", ratio >= TARGET_RATIO);
        long warehouseNanos = Duration.ofMillis(commit.loadMillis()).toNanos();
        report.note(NAME, "in Chute's faster run the warehouse load (type inference, COPY FROM STDIN, ledger, commit) took " + Format.seconds(warehouseNanos)
                + ", intake before it " + Format.seconds(chuteNanos - warehouseNanos) + "; psql's time includes starting psql. Columns: "
                + String.join(", ", columns) + ".");
        if (retried > 0) {
            report.note(NAME, retried + " file(s) failed once and were retried during the measurement.");
        }
    }
}
