package dev.chute.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Pipeline;
import dev.chute.spi.ConfigValues;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

@Command(name = "load", description = {"Load files or directories once, in place (they are not moved), through the same pipeline and ledger.",
        "Shows files done of the total, rows, MB/s and an ETA: on a terminal in one updating line, otherwise as a line every --progress-every.",
        "Exit code 1 when a file failed (each is listed with the reason), 2 on a usage or configuration error."})
final class LoadCommand implements Callable<Integer> {
    @Mixin
    HomeOptions options;

    @Option(names = "--table", paramLabel = "DATASET.TABLE", description = "Load every file into this table; without it, paths inside a directory are routed like landing keys (<dataset>/<table>/<file>).")
    String table;

    @Option(names = "--progress-every", paramLabel = "DURATION", defaultValue = "5s",
            description = "How often a progress line is printed when the output is not a terminal, e.g. 500ms, 5s, 1m (default: ${DEFAULT-VALUE}).")
    String progressEvery;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or directories.")
    List<Path> paths;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Duration interval = interval();
        options.configureLogging();
        Path home = options.home();
        Optional<TableId> target = Optional.ofNullable(table).map(TableId::parse);
        List<Path> absolute = paths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = onTerminal();
        List<Row> results = new ArrayList<>();
        Optional<HomeLock.RunningInstance> running = HomeLock.running(home);
        try (LoadProgress progress = new LoadProgress(out, terminal, terminal ? Duration.ofMillis(250) : interval)) {
            if (running.isPresent()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("paths", absolute.stream().map(Path::toString).toList());
                target.ifPresent(t -> body.put("table", t.toString()));
                body.put("progress", true);
                JsonNode answer = new Remote(running.get()).postStreaming("/api/load", body, event -> RemoteProgress.apply(event, progress));
                for (JsonNode r : answer.path("results")) {
                    results.add(new Row(r.path("file").asText(), r.path("status").asText(), r.path("rows").asLong(),
                            r.path("error").path("code").asText(""), r.path("error").path("reason").asText("")));
                }
            } else {
                for (Pipeline.OneShotResult r : options.direct(chute -> chute.load(absolute, target, progress))) {
                    results.add(new Row(r.file(), r.status().name(), r.rows(), r.error().map(e -> e.code().name()).orElse(""),
                            r.error().map(LoadError::reason).orElse("")));
                }
            }
        }
        long committed = results.stream().filter(r -> r.status.equals("COMMITTED")).count();
        long duplicates = results.stream().filter(r -> r.status.equals("DUPLICATE")).count();
        List<Row> failed = results.stream().filter(r -> r.status.equals("FAILED")).toList();
        long rows = results.stream().mapToLong(r -> r.rows).sum();
        out.printf("%d file(s) loaded (%d rows), %d duplicate(s), %d failed%n", committed, rows, duplicates, failed.size());
        for (Row r : failed) {
            out.printf("failed: %s: %s%n", r.file, r.reason);
        }
        if (target.isEmpty() && failed.stream().anyMatch(r -> r.code.equals(ErrorCode.UNROUTABLE.name()))) {
            out.println(hint(absolute));
        }
        out.flush();
        return failed.isEmpty() ? Main.OK : Main.FILES_FAILED;
    }

    /** Issue 13: a file that is not under a <dataset>/<table>/ folder needs --table; say so with the command to type. */
    private static String hint(List<Path> absolute) {
        boolean oneFile = absolute.size() == 1 && Files.isRegularFile(absolute.get(0));
        return "hint: a file is routed by its path (<dataset>/<table>/<file>, or a route in chute.yaml); to load "
                + (oneFile ? "it" : "files") + " into one table name it with --table, e.g. chute load --table DATASET.TABLE "
                + (oneFile ? absolute.get(0).toString() : "PATH...");
    }

    /**
     * Whether standard output is a terminal: {@code System.console()} is null when it is not (Java 21);
     * from Java 22 on it may be a console all the same, and {@code Console.isTerminal()} tells.
     */
    static boolean onTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    private Duration interval() {
        return ConfigValues.duration(progressEvery).filter(d -> d.isPositive()).orElseThrow(() -> new picocli.CommandLine.ParameterException(
                spec.commandLine(), "--progress-every has value '" + progressEvery + "'; expected a duration such as 500ms, 5s or 1m"));
    }

    private record Row(String file, String status, long rows, String code, String reason) {
    }
}
