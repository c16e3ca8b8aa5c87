package dev.chute.app;

import static java.util.Objects.requireNonNull;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One {@code chute up} running as its own process, with a small HTTP client for its API. Created by
 * {@link ChuteProcesses}, which ends it after the test if the test did not.
 */
final class ChuteProcess {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path home;
    private final Path stdout;
    private final Path stderr;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private volatile String url;
    private volatile Optional<String> ownerToken = Optional.empty();

    ChuteProcess(Process process, Path home, Path stdout, Path stderr) {
        this.process = requireNonNull(process, "process is null");
        this.home = requireNonNull(home, "home is null");
        this.stdout = requireNonNull(stdout, "stdout is null");
        this.stderr = requireNonNull(stderr, "stderr is null");
    }

    /**
     * Waits until {@code <home>/.chute/server.json} names this process: a file left by an earlier
     * process that was killed names another pid and does not count.
     */
    void awaitAdvertised() {
        Path file = home.resolve(".chute").resolve("server.json");
        await("chute up (pid " + process.pid() + ") advertising its URL in " + file)
                .atMost(START_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("chute up exited with " + process.exitValue() + " before it was up\n" + output());
                    }
                    if (!Files.exists(file)) {
                        return false;
                    }
                    JsonNode node;
                    try {
                        node = JSON.readTree(file.toFile());
                    } catch (IOException e) {
                        return false;
                    }
                    if (node == null || node.path("pid").asLong() != process.pid()) {
                        return false;
                    }
                    url = node.path("url").asText();
                    ownerToken = node.hasNonNull("token") ? Optional.of(node.get("token").asText()) : Optional.empty();
                    return true;
                });
    }

    Process process() {
        return process;
    }

    Path home() {
        return home;
    }

    String url() {
        if (url == null) {
            throw new IllegalStateException("chute up (pid " + process.pid() + ") has not advertised its URL yet");
        }
        return url;
    }

    /**
     * The admin secret in {@code <home>/.chute/server.json}: what the owner's CLI sends. {@link #get(String)}
     * and {@link #query(String)} send it; the methods that take a token send exactly the one given.
     */
    Optional<String> token() {
        url();
        return ownerToken;
    }

    /** The one-time sign-in link {@code chute up} printed on stdout ({@code Console: http://.../signin/<code>}). */
    String signInLink() {
        java.util.regex.Pattern link = java.util.regex.Pattern.compile("(?m)^Console: (http://\\S+/signin/[0-9a-f]+)$");
        String[] found = new String[1];
        await("chute up printing its sign-in link").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            java.util.regex.Matcher m = link.matcher(stdout());
            if (m.find()) {
                found[0] = m.group(1);
                return true;
            }
            return false;
        });
        return found[0];
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String stdout() {
        return read(stdout);
    }

    String stderr() {
        return read(stderr);
    }

    /** Both streams, for assertion messages. */
    String output() {
        return "--- stdout of chute up (" + stdout + ")\n" + stdout() + "--- stderr (" + stderr + ")\n" + stderr();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** SIGKILL: the process gets no chance to clean up. Returns once it is gone. */
    void kill() {
        process.destroyForcibly();
        waitForExit();
    }

    /** SIGTERM, then waits for the graceful shutdown; returns the exit code. */
    int terminate() {
        process.destroy();
        return waitForExit();
    }

    private int waitForExit() {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("pid " + process.pid() + " did not end even after SIGKILL");
                }
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted while waiting for pid " + process.pid(), e);
        }
    }

    HttpAnswer get(String path, Optional<String> token) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).GET(), token);
    }

    HttpAnswer post(String path, String body, Optional<String> token) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)), token);
    }

    /** A GET as the home's owner: with the secret from server.json. */
    HttpAnswer get(String path) {
        return get(path, token());
    }

    /** POST /api/query {"sql": ...} as the home's owner. */
    HttpAnswer query(String sql) {
        try {
            return post("/api/query", JSON.writeValueAsString(Map.of("sql", sql)), token());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rows of a query that must succeed. */
    JsonNode rows(String sql) {
        HttpAnswer answer = query(sql);
        if (answer.status() != 200) {
            throw new AssertionError("query failed: " + sql + "\n" + answer);
        }
        return answer.body().path("rows");
    }

    /** The single number a {@code SELECT count(*) ...} answers. */
    long count(String sql) {
        return rows(sql).get(0).get(0).asLong();
    }

    private HttpAnswer send(HttpRequest.Builder request, Optional<String> token) {
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            boolean json = response.headers().firstValue("Content-Type").orElse("").contains("json");
            JsonNode body = response.body().isBlank() || !json ? JSON.createObjectNode() : JSON.readTree(response.body());
            return new HttpAnswer(response.statusCode(), body, response.headers().firstValue("WWW-Authenticate"), response.body());
        } catch (IOException e) {
            throw new AssertionError("HTTP request to chute up failed: " + e + "\n" + output(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    record HttpAnswer(int status, JsonNode body, Optional<String> wwwAuthenticate, String raw) {
        @Override
        public String toString() {
            return "HTTP " + status + " " + raw;
        }
    }
}
