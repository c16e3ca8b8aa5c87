package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.Json;
import dev.chute.core.PipelineListener;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, item 1: console queries run a bounded number at a time, and answers are bounded in bytes. */
class QueryBoundsTest {
    /** Runs until the query timeout cancels it: no wall clock is asserted, only that it holds its slot meanwhile. */
    private static final String ENDLESS = "SELECT sum(range % 7) FROM range(1000000000000)";

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    ExecutorService clients = Executors.newFixedThreadPool(2);

    private void start(String yaml) {
        chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), false, PipelineListener.NONE);
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0));
    }

    @AfterEach
    void stop() throws InterruptedException {
        clients.shutdownNow();
        clients.awaitTermination(60, TimeUnit.SECONDS);
        if (server != null) {
            server.close();
        }
        if (chute != null) {
            chute.close();
        }
    }

    private HttpResponse<String> query(String sql) throws Exception {
        return new TestApi(server.port()).post("/api/query", Json.mapper().writeValueAsString(java.util.Map.of("sql", sql)));
    }

    @Test
    void aQueryBeyondMaxConcurrentIsRefusedAsBusyWhileTheOthersFinish() throws Exception {
        start("query:\n  max_concurrent: 2\n  max_wait: 500ms\n  timeout: 5s\n");
        List<Future<HttpResponse<String>>> running = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            running.add(clients.submit(() -> query(ENDLESS)));
        }
        await("both queries holding a slot").atMost(Duration.ofSeconds(30)).until(() -> chute.querySlots().running() == 2);

        HttpResponse<String> third = query("SELECT 1");
        assertThat(third.statusCode()).as(third::body).isEqualTo(503);
        assertThat(Json.mapper().readTree(third.body()).path("error").asText()).contains("busy").contains("query.max_concurrent");

        for (Future<HttpResponse<String>> f : running) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            assertThat(r.body()).as("a query that held a slot finishes (here: cancelled at query.timeout)").contains("took longer than the limit");
        }
        assertThat(chute.querySlots().running()).isZero();
        HttpResponse<String> after = query("SELECT 1 AS one");
        assertThat(after.statusCode()).as(after::body).isEqualTo(200);
    }

    @Test
    void dashboardTilesAndTheCliGoThroughTheSameSlots() {
        start("query:\n  max_concurrent: 1\n  max_wait: 0\n");
        // a slot held by one query (as a long tile or CLI query would) leaves none for the next
        String answer = chute.querySlots().run(() -> {
            try {
                chute.query("SELECT 1");
                return "ran";
            } catch (dev.chute.spi.ChuteException e) {
                return e.getMessage();
            }
        });
        assertThat(answer).contains("busy").contains("1 query is already running");
    }

    @Test
    void anAnswerCutAtQueryMaxBytesSaysSoAndTheExportToo() throws Exception {
        start("query:\n  max_bytes: 1MB\n");
        HttpResponse<String> r = query("SELECT repeat('x', 100000) AS s FROM range(1000)");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = Json.mapper().readTree(r.body());
        assertThat(body.path("truncated").asBoolean()).isTrue();
        assertThat(body.path("truncatedBy").asText()).isEqualTo("bytes");
        assertThat(body.path("rows").size()).isBetween(1, 10);

        HttpResponse<String> export = new TestApi(server.port()).post("/api/query/export",
                "{\"sql\": \"SELECT repeat('x', 100000) AS s FROM range(1000)\", \"format\": \"csv\"}");
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.headers().firstValue("X-Chute-Truncated")).contains("true");
        assertThat(export.headers().firstValue("X-Chute-Truncated-By")).contains("bytes");
        assertThat(export.body().length()).isLessThan(1 << 20);

        HttpResponse<String> rows = query("SELECT range FROM range(20000)");
        assertThat(Json.mapper().readTree(rows.body()).path("truncatedBy").asText()).isEqualTo("rows");
    }
}
