package dev.chute.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Pipeline;
import dev.chute.core.PipelineListener;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "load", description = "Load files or directories once, in place (they are not moved), through the same pipeline and ledger.")
final class LoadCommand implements Callable<Integer> {
    @Mixin
    HomeOptions options;

    @Option(names = "--table", paramLabel = "DATASET.TABLE", description = "Load every file into this table; without it, paths inside a directory are routed like landing keys (<dataset>/<table>/<file>).")
    String table;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or directories.")
    List<Path> paths;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        options.configureLogging();
        Path home = options.home();
        Optional<TableId> target = Optional.ofNullable(table).map(TableId::parse);
        List<Path> absolute = paths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(out, System.console() != null);
        List<Row> results = new ArrayList<>();
        Optional<HomeLock.RunningInstance> running = HomeLock.running(home);
        if (running.isPresent()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("paths", absolute.stream().map(Path::toString).toList());
            target.ifPresent(t -> body.put("table", t.toString()));
            JsonNode answer = new Remote(running.get()).post("/api/load", body);
            for (JsonNode r : answer.path("results")) {
                Row row = new Row(r.path("file").asText(), r.path("table").isObject()
                        ? r.path("table").path("dataset").asText() + "." + r.path("table").path("table").asText() : "",
                        r.path("status").asText(), r.path("rows").asLong(), r.path("error").path("reason").asText(""));
                results.add(row);
                progress.line(row);
            }
        } else {
            for (Pipeline.OneShotResult r : options.direct(chute -> chute.load(absolute, target, progress))) {
                results.add(new Row(r.file(), r.table().map(TableId::toString).orElse(""), r.status().name(), r.rows(),
                        r.error().map(LoadError::reason).orElse("")));
            }
            progress.finish();
        }
        long committed = results.stream().filter(r -> r.status.equals("COMMITTED")).count();
        long duplicates = results.stream().filter(r -> r.status.equals("DUPLICATE")).count();
        List<Row> failed = results.stream().filter(r -> r.status.equals("FAILED")).toList();
        long rows = results.stream().mapToLong(r -> r.rows).sum();
        out.printf("%d file(s) loaded (%d rows), %d duplicate(s), %d failed%n", committed, rows, duplicates, failed.size());
        for (Row r : failed) {
            out.printf("failed: %s: %s%n", r.file, r.reason);
        }
        out.flush();
        return failed.isEmpty() ? Main.OK : Main.FILES_FAILED;
    }

    private record Row(String file, String table, String status, long rows, String reason) {
    }

    /** A progress bar on a terminal (files, rows, MB/s); plain lines otherwise. */
    private static final class Progress implements PipelineListener {
        private final PrintWriter out;
        private final boolean terminal;
        private final long started = System.nanoTime();
        private long files;
        private long rows;
        private long bytes;

        Progress(PrintWriter out, boolean terminal) {
            this.out = out;
            this.terminal = terminal;
        }

        @Override
        public synchronized void loaded(String key, TableId table, long rowCount, long byteCount, long millis) {
            files++;
            rows += rowCount;
            bytes += byteCount;
            if (terminal) {
                double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
                out.printf("\r[%s] %d files, %d rows, %.1f MB/s   ", "#".repeat((int) Math.min(30, files)), files, rows, bytes / 1e6 / seconds);
            } else {
                out.printf("loaded %s -> %s (%d rows)%n", key, table, rowCount);
            }
            out.flush();
        }

        @Override
        public synchronized void duplicate(String key) {
            if (!terminal) {
                out.printf("duplicate %s (already loaded)%n", key);
            }
        }

        @Override
        public synchronized void failed(String key, LoadError error, boolean permanent) {
            if (!terminal) {
                out.printf("failed %s: %s%n", key, error.reason());
            }
        }

        void line(Row row) {
            out.printf("%s %s%s (%d rows)%n", row.status.toLowerCase(java.util.Locale.ROOT), row.file, row.table.isEmpty() ? "" : " -> " + row.table, row.rows);
        }

        void finish() {
            if (terminal && files > 0) {
                out.println();
            }
        }
    }
}
