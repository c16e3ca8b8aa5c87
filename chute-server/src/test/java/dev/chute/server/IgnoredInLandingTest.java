package dev.chute.server;

import static dev.chute.server.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListeners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 11: symbolic links, FIFOs and temporary or hidden names stayed in landing forever
 * without showing anywhere. Real files in a real landing directory, a real server and pipeline.
 */
class IgnoredInLandingTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    TestApi api;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (chute != null) {
            chute.close();
        }
    }

    private static Map<String, String> reasons(JsonNode ignored) {
        Map<String, String> out = new HashMap<>();
        ignored.forEach(e -> out.put(e.path("key").asText(), e.path("reason").asText()));
        return out;
    }

    @Test
    void linksFifosAndTemporaryNamesInLandingAreListedAsIgnoredWithTheReason() throws Exception {
        PipelineListeners listeners = new PipelineListeners();
        chute = Chute.open(home, ChuteConfig.parse("intake:\n  reconcile_interval: 200ms\n", "test"), true, listeners);
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0));
        listeners.add(server.listener());
        chute.start();
        api = new TestApi(server.port());
        Path dir = Files.createDirectories(home.resolve("landing/ign/t"));
        Path secret = Files.writeString(Files.createDirectories(home.resolve("outside")).resolve("secret.csv"), "id\n1\n");
        Files.createSymbolicLink(dir.resolve("x.csv"), secret);
        Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("pipe.csv").toString()).redirectErrorStream(true).start();
        assertThat(mkfifo.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(mkfifo.exitValue()).as(new String(mkfifo.getInputStream().readAllBytes())).isZero();
        Files.writeString(dir.resolve("y.csv.part"), "id\n2\n");
        Files.writeString(dir.resolve(".z.csv"), "id\n3\n");
        Files.writeString(dir.resolve("ok.csv"), "id\n4\n");
        await().atMost(WAIT).until(() -> !Files.exists(dir.resolve("ok.csv")));

        JsonNode status = json(api.get("/api/status"));
        assertThat(status.path("ignoredCount").asLong()).as(status.toString()).isEqualTo(4);
        Map<String, String> listed = reasons(status.path("ignored"));
        assertThat(listed).containsEntry("ign/t/x.csv", "symbolic link: not followed")
                .containsKeys("ign/t/pipe.csv", "ign/t/y.csv.part", "ign/t/.z.csv").hasSize(4);
        assertThat(listed.get("ign/t/pipe.csv")).contains("FIFO");
        assertThat(listed.get("ign/t/y.csv.part")).contains("temporary name");
        assertThat(listed.get("ign/t/.z.csv")).contains("hidden name");
        JsonNode overview = json(api.get("/api/overview"));
        assertThat(reasons(overview.path("ignored"))).isEqualTo(listed);
        assertThat(overview.path("ignoredCount").asLong()).isEqualTo(4);
        assertThat(status.path("landingFiles").asLong()).as("ignored entries are not counted as waiting files").isZero();

        // bounded: a landing full of temporary names is counted, but only the first hundred are named
        for (int i = 0; i < Chute.MAX_IGNORED_LISTED + 20; i++) {
            Files.writeString(dir.resolve("many-" + i + ".tmp"), "");
        }
        JsonNode many = json(api.get("/api/status"));
        assertThat(many.path("ignoredCount").asLong()).isEqualTo(Chute.MAX_IGNORED_LISTED + 24);
        assertThat(many.path("ignored").size()).isEqualTo(Chute.MAX_IGNORED_LISTED);
        assertThat(json(api.get("/api/overview")).path("ignored").size()).isEqualTo(Chute.MAX_IGNORED_LISTED);
        assertThat(chute.query("SELECT count(*) FROM ign.t").rows().get(0).get(0)).as("only ok.csv loaded").isEqualTo(1L);
    }
}
