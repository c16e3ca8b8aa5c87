package dev.chute.app;

import dev.chute.core.Chute;
import dev.chute.core.Json;
import dev.chute.core.StatusReport;
import dev.chute.spi.FailureRecord;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.TableSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", description = "Show tables, recent loads, backlog and recent failures.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    HomeOptions options;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--recent", paramLabel = "N", defaultValue = "10", description = "How many recent loads and failures to show (default: ${DEFAULT-VALUE}).")
    int recent;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        options.configureLogging();
        Path home = options.home();
        StatusReport report;
        Optional<HomeLock.RunningInstance> running = HomeLock.running(home);
        if (running.isPresent()) {
            report = Json.mapper().treeToValue(new Remote(running.get()).get("/api/status?recent=" + recent), StatusReport.class);
        } else {
            report = options.direct(chute -> chute.status(recent));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } else {
            print(report, home, out);
        }
        out.flush();
        return Main.OK;
    }

    private static void print(StatusReport r, Path home, PrintWriter out) {
        out.printf("Chute on %s: %s%n", home, r.running() ? "running" : "not running");
        out.printf("store %s, warehouse %s%n", r.store(), r.warehouse());
        // the first thing to read: whether anything needs a person (failed files stay failed until replayed and loaded)
        out.printf("State: %s%n%n", r.failedFiles() > 0
                ? "attention: " + r.failedFiles() + " failed file" + (r.failedFiles() == 1 ? "" : "s") + " not loaded (fix the cause, then chute replay)"
                : "ok");
        out.println("Tables");
        TextTable tables = new TextTable(List.of("table", "files", "rows", "last load"));
        for (TableSummary t : r.tables()) {
            tables.add(List.of(t.table().toString(), Long.toString(t.files()), Long.toString(t.rows()), t.lastLoad().map(Json::text).orElse("")));
        }
        tables.print(out);
        out.println();
        out.println("Recent loads");
        TextTable loads = new TextTable(List.of("when", "table", "file", "rows", "duration ms"));
        for (LedgerEntry e : r.recentLoads()) {
            loads.add(List.of(Json.text(e.committedAt()), e.table().toString(), e.key(), Long.toString(e.rows()), Long.toString(e.durationMillis())));
        }
        loads.print(out);
        out.println();
        out.printf("Backlog: %d file(s) in landing%s%n", r.landingFiles(), r.running() ? ", " + r.backlog() + " being processed" : "");
        r.retrying().forEach((key, reason) -> out.printf("  retrying %s: %s%n", key, reason));
        if (r.ignoredCount() > 0) {
            out.printf("Ignored in landing: %d entr%s never loaded (rename or remove them)%n", r.ignoredCount(), r.ignoredCount() == 1 ? "y" : "ies");
            r.ignored().forEach(e -> out.printf("  %s: %s%n", e.key(), e.reason()));
            if (r.ignoredCount() > r.ignored().size()) {
                out.printf("  and %d more%n", r.ignoredCount() - r.ignored().size());
            }
        }
        out.println();
        out.println("Recent failures");
        if (r.recentFailures().isEmpty()) {
            out.println("  none");
        }
        for (FailureRecord f : r.recentFailures()) {
            out.printf("  %s  %s  [%s, %d attempt(s)] %s%n", Json.text(f.lastFailedAt()), f.key(), f.error().code(), f.attempts(), f.error().reason());
        }
    }
}
