package dev.chute.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Entry point of {@code ./chute bench}: runs the benchmarks of the issues (bulk, small files,
 * latency into DuckDB; bulk and small files with one and two workers into PostgreSQL), each against a baseline measured in the same run on the same data, and prints one table.
 * Exit code 0 when every target was met, 1 when one was missed, 2 on a usage error or a failed run.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) {
        System.exit(run(System.out, args));
    }

    /** Runs the benchmarks chosen by {@code args}, printing to {@code out}; returns the exit code. Also called by {@code chute bench} of chute-app. */
    public static int run(PrintStream out, String... args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("chute bench: " + e.getMessage());
            System.err.println(BenchOptions.USAGE);
            return 2;
        }
        if (options.help()) {
            out.println(BenchOptions.USAGE);
            return 0;
        }
        out.println("Chute benchmarks, " + ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        out.println(environment());
        out.println();
        Report report = new Report();
        long started = System.nanoTime();
        try (Workspace workspace = Workspace.create()) {
            for (String bench : BenchOptions.BENCHES) {
                if (!options.only().contains(bench)) {
                    continue;
                }
                if (bench.startsWith("pg-")) {
                    Optional<String> unavailable = options.postgres().unavailable();
                    if (unavailable.isPresent()) {
                        out.println("skipping " + bench + ": " + unavailable.get());
                        report.note(bench, "skipped: " + unavailable.get());
                        continue;
                    }
                }
                out.println("running " + bench + "...");
                out.flush();
                long benchStarted = System.nanoTime();
                switch (bench) {
                    case BulkBench.NAME -> new BulkBench(workspace.dir(bench), options.rows()).run(report);
                    case SmallFilesBench.NAME -> new SmallFilesBench(workspace.dir(bench), options.files()).run(report);
                    case LatencyBench.NAME -> new LatencyBench(workspace.dir(bench), options.drops()).run(report);
                    case PgBulkBench.NAME -> new PgBulkBench(workspace.dir(bench), options.rows(), options.postgres()).run(report);
                    case PgSmallFilesBench.NAME -> new PgSmallFilesBench(workspace.dir(bench), options.files(), options.postgres()).run(report);
                    default -> throw new IllegalStateException("no benchmark named " + bench);
                }
                // each benchmark's files are deleted before the next one runs: less page cache and disk in play
                Workspace.deleteTree(workspace.root().resolve(bench));
                out.println("  done in " + Format.seconds(System.nanoTime() - benchStarted));
            }
        } catch (RuntimeException e) {
            out.flush();
            System.err.println("chute bench: the run failed: " + e.getMessage());
            e.printStackTrace(System.err);
            return 2;
        }
        out.println();
        report.print(out);
        out.println();
        out.println("total run time " + Format.seconds(System.nanoTime() - started));
        return report.allMet() ? 0 : 1;
    }

    /** JVM, cores, OS, CPU and DuckDB version: what a reader needs to compare two runs. */
    static String environment() {
        Runtime.Version version = Runtime.version();
        String jvm = "JVM " + version + " (" + System.getProperty("java.vm.name") + ", " + System.getProperty("java.vendor") + ")";
        String machine = Runtime.getRuntime().availableProcessors() + " cores" + cpuModel().map(m -> " (" + m + ")").orElse("")
                + ", " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB";
        return jvm + "\n" + machine + "\nDuckDB " + duckDbVersion();
    }

    private static Optional<String> cpuModel() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String duckDbVersion() {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "(version unknown: " + e.getMessage() + ")";
        }
    }
}
