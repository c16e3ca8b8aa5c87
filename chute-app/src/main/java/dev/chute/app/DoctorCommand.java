package dev.chute.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(name = "doctor", description = {"Check the JDK, the home directory, disk space, the configuration and the warehouse; say what to fix.",
        "Exit code 0 when every check passed, 1 when one did not (each is listed with what to fix), 2 when the configuration is invalid."})
final class DoctorCommand implements Callable<Integer> {
    private static final long LOW_DISK = 1L << 30;

    @Mixin
    HomeOptions options;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private int problems;
    private boolean configurationProblem;

    @Override
    public Integer call() {
        options.configureLogging();
        PrintWriter out = spec.commandLine().getOut();
        Path home = options.home();
        int feature = Runtime.version().feature();
        check(out, feature >= 21, "JDK " + Runtime.version(), "Chute needs a JDK 21 or newer: install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME");
        try {
            Files.createDirectories(home);
            Path probe = Files.createTempFile(home, ".doctor", ".tmp");
            Files.delete(probe);
            check(out, true, "home " + home + " is writable", "");
        } catch (IOException e) {
            check(out, false, "home " + home, "cannot write to it (" + e.getMessage() + "): fix its permissions or choose another with --home");
        }
        try {
            FileStore fs = Files.getFileStore(Files.exists(home) ? home : home.getParent());
            long free = fs.getUsableSpace();
            check(out, free >= LOW_DISK, String.format("%.1f GB free on the home's disk", free / 1e9),
                    "less than 1 GB free: loads and archives need room; free some space");
        } catch (IOException e) {
            check(out, false, "disk space", "cannot read free space: " + e.getMessage());
        }
        ChuteConfig config = null;
        try {
            config = options.loadConfig();
            check(out, true, "configuration keys and values are valid", "");
        } catch (RuntimeException e) {
            configurationProblem = true;
            check(out, false, "configuration", e.getMessage());
        }
        Optional<HomeLock.RunningInstance> running = HomeLock.running(home);
        if (running.isPresent()) {
            try {
                JsonNode health = new Remote(running.get()).get("/api/health");
                health.path("parts").fields().forEachRemaining(e -> check(out, e.getValue().path("ok").asBoolean(),
                        e.getKey() + ": " + e.getValue().path("detail").asText(), "see the log of the running chute up (pid " + running.get().pid() + ")"));
            } catch (RuntimeException e) {
                check(out, false, "running instance at " + running.get().url(), e.getMessage());
            }
        } else if (config != null) {
            Optional<HomeLock> lock = HomeLock.tryAcquire(home);
            if (lock.isEmpty()) {
                check(out, false, "warehouse", "another Chute command is using the home right now; run doctor again when it has finished");
            } else {
                try (HomeLock held = lock.get(); Chute chute = Chute.open(home, config, false, PipelineListener.NONE)) {
                    for (Map.Entry<String, Chute.Health> e : chute.health().entrySet()) {
                        check(out, e.getValue().ok(), e.getKey() + ": " + e.getValue().detail(), "fix the " + e.getKey() + " settings in chute.yaml");
                    }
                    for (dev.chute.spi.Warehouse.Check c : chute.warehouseChecks()) {
                        check(out, c.ok(), "warehouse: " + c.what(), c.fix());
                    }
                } catch (dev.chute.spi.ChuteException e) {
                    // opening checks the tables with the warehouse (column types, options): a bad one is the configuration's fault
                    boolean configuration = e.code() == dev.chute.spi.ErrorCode.CONFIGURATION;
                    configurationProblem |= configuration;
                    check(out, false, configuration ? "configuration" : "warehouse", e.getMessage());
                } catch (RuntimeException e) {
                    check(out, false, "warehouse", e.getMessage());
                }
            }
        }
        out.println(problems == 0 ? "All checks passed." : problems + " problem(s) found.");
        out.flush();
        return problems == 0 ? Main.OK : configurationProblem ? Main.USAGE : Main.FILES_FAILED;
    }

    private void check(PrintWriter out, boolean ok, String what, String fix) {
        if (ok) {
            out.println("ok    " + what);
        } else {
            problems++;
            out.println("FIX   " + what + (fix.isEmpty() ? "" : ": " + fix));
        }
    }
}
