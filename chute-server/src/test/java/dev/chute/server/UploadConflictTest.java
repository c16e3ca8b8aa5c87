package dev.chute.server;

import static dev.chute.server.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListeners;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads against a real server, a running pipeline, real files and a real DuckDB: an upload is
 * either its own version, loaded, or refused; a broken body is the client's error.
 */
class UploadConflictTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    TestApi api;

    private void start(String yaml) {
        PipelineListeners listeners = new PipelineListeners();
        chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, listeners);
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0).withMaxUpload(1 << 20));
        listeners.add(server.listener());
        chute.start();
        api = new TestApi(server.port());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (chute != null) {
            chute.close();
        }
    }

    private Set<Long> ids(String table) {
        try {
            Set<Long> out = new HashSet<>();
            chute.query("SELECT id FROM " + table).rows().forEach(r -> out.add(((Number) r.get(0)).longValue()));
            return out;
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    /**
     * Issue 12 item 9: ten concurrent uploads to five shared names all answered 200 while only five
     * versions were loaded. Now every 200 is a version that loads, and every other answer is a 409
     * naming the file. The quiet period keeps the first of each pair in landing while the second arrives.
     */
    @Test
    void concurrentUploadsToOneNameNeverSilentlyReplaceEachOther() throws Exception {
        // all ten at once: server.max_concurrent_uploads (4 by default) would answer some of them 503
        start("intake:\n  reconcile_interval: 500ms\n  quiet_period: 2s\nserver:\n  max_concurrent_uploads: 10\n");
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < 10; i++) {
                int id = i;
                answers.add(pool.submit(() -> {
                    go.await();
                    return api.upload(Map.of("dataset", "race", "table", "t"),
                            Map.of("f" + (id % 5) + ".csv", ("id\n" + id + "\n").getBytes(StandardCharsets.UTF_8)));
                }));
            }
            go.countDown();
            Set<Long> accepted = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    accepted.add((long) i);
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
                    assertThat(json(r).path("error").asText()).contains("race/t/f" + (i % 5) + ".csv");
                }
            }
            assertThat(accepted.stream().map(i -> i % 5).distinct().count()).as("every name was taken by one upload").isEqualTo(5);
            await().atMost(WAIT).until(() -> ids("race.t").equals(accepted));
        } finally {
            pool.shutdownNow();
        }
        // once loaded (and archived), the name takes a new version
        await().atMost(WAIT).until(() -> !Files.exists(home.resolve("landing/race/t/f0.csv")));
        HttpResponse<String> again = api.upload(Map.of("dataset", "race", "table", "t"), Map.of("f0.csv", "id\n100\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        await().atMost(WAIT).until(() -> ids("race.t").contains(100L));
    }

    /** Issue 12 item 9: an upload under a name still waiting in landing is refused, and the waiting file is untouched. */
    @Test
    void anUploadUnderANameStillInLandingIsRefused() throws Exception {
        start("intake:\n  reconcile_interval: 1h\n  quiet_period: 1h\n");
        Path waiting = home.resolve("landing/wait/t/a.csv");
        Files.createDirectories(waiting.getParent());
        Files.writeString(waiting, "id\n1\n");
        HttpResponse<String> r = api.upload(Map.of("dataset", "wait", "table", "t"), Map.of("a.csv", "id\n2\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(json(r).path("error").asText()).contains("an upload of wait/t/a.csv is already in landing and not yet loaded");
        assertThat(Files.readString(waiting)).isEqualTo("id\n1\n");
        try (Stream<Path> left = Files.list(waiting.getParent())) {
            assertThat(left.toList()).as("no temporary file left behind").containsExactly(waiting);
        }
    }

    /** Issue 12 item 10: a multipart body cut short answered 500 ("Incomplete Multipart"). */
    @Test
    void aTruncatedMultipartUploadIsABadRequest() throws Exception {
        start("intake:\n  reconcile_interval: 500ms\n");
        String boundary = "chute-truncated";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (var f : Map.of("dataset", "cut", "table", "t").entrySet()) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n" + f.getValue() + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\nid\n1\n2\n3").getBytes(StandardCharsets.UTF_8));
        // the body ends here: no line break, no closing boundary
        HttpResponse<String> r = api.send(HttpRequest.newBuilder(api.uri("/api/upload")).POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).header(ChuteServer.CSRF_HEADER, "1"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json(r).path("error").asText()).contains("incomplete");
        assertThat(home.resolve("landing/cut/t/a.csv")).doesNotExist();
        assertThat(api.get("/api/health").statusCode()).isEqualTo(200);
    }
}
