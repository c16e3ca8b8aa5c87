package dev.chute.app;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInfo;

/**
 * Starts Chute the way a user does: {@code java ... dev.chute.app.Main} in a JVM of its own, with
 * this test's class path. Keeps every process it started so that {@link #close()} (called from
 * {@code @AfterEach}) can end the ones still running. Output goes to files under
 * {@code target/process-logs/<test>/}, kept after the test for diagnosis.
 */
final class ChuteProcesses implements AutoCloseable {
    /** A CLI command (one JVM start plus DuckDB) normally takes a few seconds; this bounds a hung one. */
    static final Duration CLI_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path logDir;
    private final List<ChuteProcess> started = new ArrayList<>();
    private final AtomicInteger sequence = new AtomicInteger();

    ChuteProcesses(Path logDir) {
        this.logDir = requireNonNull(logDir, "logDir is null");
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + logDir, e);
        }
    }

    /** {@code target/process-logs/<class>/<method>}: survives the test's {@code @TempDir}. */
    static ChuteProcesses forTest(TestInfo test) {
        String method = test.getTestMethod().map(Method::getName).orElse("unknown");
        // a parameterized test's display name tells its invocations apart
        String invocation = test.getDisplayName().startsWith(method + "(") ? "" : "-" + test.getDisplayName().replaceAll("[^A-Za-z0-9]+", "_");
        String name = test.getTestClass().map(Class::getSimpleName).orElse("test") + "/" + method + invocation;
        Path dir = Path.of("target", "process-logs").resolve(name).toAbsolutePath();
        deleteTree(dir);
        return new ChuteProcesses(dir);
    }

    /** Logs of an earlier run of the same test would be mistaken for this run's. */
    private static void deleteTree(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot clear " + dir, e);
        }
    }

    /** {@code chute up --home HOME --port 0 ARGS...}, returned once it advertises its URL. */
    ChuteProcess up(Path home, String... args) {
        return up(home, Map.of(), args);
    }

    ChuteProcess up(Path home, Map<String, String> env, String... args) {
        ChuteProcess process = startUp(home, env, args);
        process.awaitAdvertised();
        return process;
    }

    private ChuteProcess startUp(Path home, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of("up", "--home", home.toString(), "--port", "0"));
        command.addAll(List.of(args));
        String name = "up-" + sequence.incrementAndGet();
        Process process = launch(command, env, name);
        ChuteProcess up = new ChuteProcess(process, home, logDir.resolve(name + ".stdout.log"), logDir.resolve(name + ".stderr.log"));
        synchronized (started) {
            started.add(up);
        }
        return up;
    }

    /** Runs one CLI command to its end: {@code chute --home HOME ARGS...}. */
    CliResult run(Path home, String command, String... args) {
        List<String> full = new ArrayList<>(List.of(command, "--home", home.toString()));
        full.addAll(List.of(args));
        return runRaw(full);
    }

    /** Runs {@code chute ARGS...} exactly as given. */
    private CliResult runRaw(List<String> args) {
        String name = "cli-" + sequence.incrementAndGet() + "-" + args.get(0);
        Process process = launch(args, Map.of(), name);
        try {
            if (!process.waitFor(CLI_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                throw new AssertionError("chute " + String.join(" ", args) + " did not finish within " + CLI_TIMEOUT + "; output in " + logDir);
            }
            return new CliResult(args, process.exitValue(), Files.readString(logDir.resolve(name + ".stdout.log")),
                    Files.readString(logDir.resolve(name + ".stderr.log")));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running chute " + args, e);
        } catch (IOException e) {
            throw new AssertionError("cannot read the output of chute " + args, e);
        }
    }

    private Process launch(List<String> args, Map<String, String> env, String name) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("cannot tell which java runs this test")));
        command.add("--enable-native-access=ALL-UNNAMED");
        // as the chute launcher does: an OutOfMemoryError ends the process; CHUTE_JAVA_OPTS adds JVM options (-Xmx256m)
        command.add("-XX:+ExitOnOutOfMemoryError");
        String javaOptions = env.getOrDefault("CHUTE_JAVA_OPTS", "").trim();
        if (!javaOptions.isEmpty()) {
            command.addAll(List.of(javaOptions.split("\\s+")));
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(logDir.resolve(name + ".stdout.log").toFile())
                .redirectError(logDir.resolve(name + ".stderr.log").toFile());
        // the child must not pick up a home or token from whoever runs the build
        builder.environment().remove("CHUTE_HOME");
        builder.environment().remove("CHUTE_TOKEN");
        builder.environment().putAll(env);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
        }
    }

    /** Ends every process still running (SIGKILL), each bounded in time. */
    @Override
    public void close() {
        List<ChuteProcess> all;
        synchronized (started) {
            all = List.copyOf(started);
        }
        for (ChuteProcess p : all) {
            p.kill();
        }
    }

    /** What a CLI command did. */
    record CliResult(List<String> args, int exitCode, String stdout, String stderr) {
        CliResult {
            args = List.copyOf(args);
        }

        @Override
        public String toString() {
            return "chute " + String.join(" ", args) + "\nexit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }
}
