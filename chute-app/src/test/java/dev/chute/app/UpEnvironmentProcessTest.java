package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chute up} configured the way Cloud Run configures its container: the port in {@code $PORT}
 * and the whole {@code chute.yaml} in {@code CHUTE_CONFIG_YAML}; and the command-line flags
 * ({@code --port}, {@code --config}) still win over both. Each case is a real {@code chute up}
 * process; which configuration took effect shows in the DuckDB file it opened (the warehouse
 * {@code path} differs between the YAML given in the environment and the file).
 */
class UpEnvironmentProcessTest {
    @TempDir
    Path home;
    private final List<ChuteProcess> started = new ArrayList<>();
    private Path logs;

    @BeforeEach
    void logs() throws IOException {
        logs = Path.of("target", "process-logs", getClass().getSimpleName()).toAbsolutePath();
        Files.createDirectories(logs);
    }

    @AfterEach
    void stop() {
        started.forEach(ChuteProcess::kill);
    }

    /** {@code chute up --home HOME ARGS...} with {@code env} added to its environment, once it advertises its URL. */
    private ChuteProcess up(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "up", "--home", home.toString()));
        command.addAll(List.of(args));
        String name = "up-" + (started.size() + 1) + "-" + ProcessHandle.current().pid();
        Path stdout = logs.resolve(name + ".stdout.log");
        Path stderr = logs.resolve(name + ".stderr.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        // nothing from whoever runs the build: only what this test sets
        builder.environment().keySet().removeAll(List.of("CHUTE_HOME", "CHUTE_TOKEN", "PORT", "CHUTE_CONFIG_YAML"));
        builder.environment().putAll(env);
        ChuteProcess process = new ChuteProcess(builder.start(), home, stdout, stderr);
        started.add(process);
        process.awaitAdvertised();
        return process;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean listening(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String yaml(String duckdbFile) {
        return "warehouse:\n  type: duckdb\n  path: " + duckdbFile + "\n";
    }

    @Test
    void portAndWholeConfigurationComeFromTheEnvironment() throws Exception {
        int port = freePort();

        ChuteProcess up = up(Map.of("PORT", Integer.toString(port), "CHUTE_CONFIG_YAML", yaml("from-env.duckdb")));

        assertThat(URI.create(up.url()).getPort()).as(up.output()).isEqualTo(port);
        assertThat(up.get("/api/health").status()).isEqualTo(200);
        assertThat(home.resolve("from-env.duckdb")).exists();
        assertThat(home.resolve("warehouse.duckdb")).doesNotExist();
    }

    @Test
    void portAndConfigFlagsWinOverTheEnvironment() throws Exception {
        int envPort = freePort();
        int flagPort = freePort();
        Path file = home.resolve("elsewhere.yaml");
        Files.writeString(file, yaml("from-file.duckdb"));

        ChuteProcess up = up(Map.of("PORT", Integer.toString(envPort), "CHUTE_CONFIG_YAML", yaml("from-env.duckdb")),
                "--port", Integer.toString(flagPort), "--config", file.toString());

        assertThat(URI.create(up.url()).getPort()).as(up.output()).isEqualTo(flagPort);
        assertThat(up.get("/api/health").status()).isEqualTo(200);
        assertThat(listening(envPort)).as("nothing listens on $PORT when --port is given").isFalse();
        assertThat(home.resolve("from-file.duckdb")).exists();
        assertThat(home.resolve("from-env.duckdb")).doesNotExist();
    }

    @Test
    void badPortInTheEnvironmentIsNamed() throws Exception {
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "up", "--home", home.toString());
        Path err = logs.resolve("bad-port-" + ProcessHandle.current().pid() + ".stderr.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile());
        builder.environment().keySet().removeAll(List.of("CHUTE_HOME", "CHUTE_TOKEN", "CHUTE_CONFIG_YAML"));
        builder.environment().put("PORT", "eighty");
        Process process = builder.start();
        assertThat(process.waitFor(ChuteProcesses.CLI_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).isNotZero();
        assertThat(Files.readString(err)).contains("PORT").contains("eighty");
    }
}
