package dev.chute.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.testkit.gcs.GcsJsonApiServer;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * One function instance as Cloud Functions runs it: the jar out of the packaged
 * {@code chute-gcp-function-function.zip}, started in a child JVM by the Functions Framework's own
 * invoker ({@code java-function-invoker}) on a free loopback port, configured only by environment
 * variables. Several may run at once, as several instances of one function do.
 */
final class InvokerProcess implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final Path log;

    private InvokerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts an instance and waits until it accepts connections.
     *
     * @param work a directory of its own (the unpacked jar, the log)
     * @param extraClasspath test class path entries named like these are added (connectors outside the uber jar)
     */
    static InvokerProcess start(Path work, Map<String, String> environment, List<String> extraClasspath) throws Exception {
        Files.createDirectories(work);
        List<String> classpath = new ArrayList<>(List.of(unzipFunction(work).toString()));
        for (String name : extraClasspath) {
            classpath.addAll(testClasspath(name));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = work.resolve("function.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-jar", testClasspath("java-function-invoker").get(0),
                "--classpath", String.join(File.pathSeparator, classpath), "--target", "dev.chute.gcp.ChuteFunction", "--port", Integer.toString(port));
        pb.environment().putAll(environment);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        InvokerProcess started = new InvokerProcess(pb.start(), port, log);
        await().atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(started.process.isAlive()).as("the invoker exited; its output:%n%s", started.output()).isTrue();
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return started;
    }

    int port() {
        return port;
    }

    /**
     * The recorded structured-mode CloudEvent ({@code application/cloudevents+json}), aimed at
     * {@code object} and carrying the event id {@code id}, as a request to this instance.
     */
    HttpRequest structured(GcsJsonApiServer.StoredObject object, String id) throws Exception {
        ObjectNode event = (ObjectNode) JSON.readTree(FunctionHandlerTest.resource("functions-framework-conformance/storage-cloudevent-input.json"));
        event.put("subject", "objects/" + object.name());
        event.put("id", id);
        ObjectNode data = (ObjectNode) event.get("data");
        data.put("name", object.name());
        data.put("generation", Long.toString(object.generation()));
        data.put("size", Integer.toString(object.content().length));
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).header("Content-Type", "application/cloudevents+json")
                .timeout(Duration.ofSeconds(180)).POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(event))).build();
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /** Ends the instance at once, as a function instance cut off at its timeout or recycled would be. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    private static Path unzipFunction(Path work) throws IOException {
        Path zip = Path.of(System.getProperty("chute.function.zip"));
        List<String> names = new ArrayList<>();
        Path jar = null;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
                if (e.getName().equals("chute-gcp-function.jar")) {
                    jar = work.resolve(e.getName());
                    Files.copy(in, jar);
                }
            }
        }
        assertThat(names).as("the function zip holds one jar at its root").containsExactly("chute-gcp-function.jar");
        return jar;
    }

    private static List<String> testClasspath(String containing) {
        List<String> found = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> Path.of(p).getFileName().toString().contains(containing)).toList();
        assertThat(found).as("test class path entries named like %s", containing).isNotEmpty();
        return found;
    }
}
