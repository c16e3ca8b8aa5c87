package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.Json;
import dev.chute.core.PipelineListener;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API against a real server and a real DuckDB. */
class ChuteServerTest {
    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;

    private void start(String bind, Optional<String> token) {
        chute = Chute.open(home, ChuteConfig.defaults(), false, PipelineListener.NONE);
        ServerAuth auth = token.isPresent() ? new ServerAuth(true, List.of(), token) : ServerAuth.open();
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0).withBind(bind).withAuth(auth));
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

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        return new TestApi(server.port()).post(path, body, headers);
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return new TestApi(server.port()).get(path, headers);
    }

    @Test
    void queryAnswersColumnsRowsAndKeepsEveryDigit() throws Exception {
        start("127.0.0.1", Optional.empty());
        HttpResponse<String> r = post("/api/query", "{\"sql\": \"SELECT 9007199254740993 AS big, 42 AS small, 1.10::DECIMAL(4,2) AS d,"
                + " TIMESTAMPTZ '2022-08-19 18:52:48Z' AS ts, NULL AS n\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = Json.mapper().readTree(r.body());
        assertThat(body.get("columns").get(0).get("name").asText()).isEqualTo("big");
        JsonNode row = body.get("rows").get(0);
        assertThat(row.get(0).isTextual()).isTrue();
        assertThat(row.get(0).asText()).isEqualTo("9007199254740993");
        assertThat(row.get(1).isNumber()).isTrue();
        assertThat(row.get(2).asText()).isEqualTo("1.10");
        assertThat(row.get(3).asText()).isEqualTo("2022-08-19T18:52:48Z");
        assertThat(row.get(4).isNull()).isTrue();
        assertThat(body.get("truncated").asBoolean()).isFalse();
    }

    @Test
    void refusedAndInvalidQueriesAreClientErrorsWithAMessage() throws Exception {
        start("127.0.0.1", Optional.empty());
        HttpResponse<String> write = post("/api/query", "{\"sql\": \"DROP TABLE _chute.ledger\"}");
        assertThat(write.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(write.body()).get("error").asText()).contains("only read-only queries");
        assertThat(post("/api/query", "not json").statusCode()).isEqualTo(400);
        assertThat(post("/api/query", "{\"sql\": \"SELECT * FROM no_such_table\"}").statusCode()).isEqualTo(400);
        assertThat(get("/api/nothing").statusCode()).isEqualTo(404);
    }

    @Test
    void healthAndStatusAnswer() throws Exception {
        start("127.0.0.1", Optional.empty());
        JsonNode health = Json.mapper().readTree(get("/api/health").body());
        assertThat(health.get("status").asText()).isEqualTo("ok");
        assertThat(health.get("parts").get("warehouse").get("ok").asBoolean()).isTrue();
        JsonNode status = Json.mapper().readTree(get("/api/status").body());
        assertThat(status.get("tables").isArray()).isTrue();
        assertThat(status.get("running").asBoolean()).isFalse();
    }

    @Test
    void loadThroughTheApiLoadsFilesInPlace() throws Exception {
        start("127.0.0.1", Optional.empty());
        Path file = home.resolve("outside.csv");
        Files.writeString(file, "id\n1\n2\n");
        HttpResponse<String> r = post("/api/load", "{\"paths\": [\"" + file + "\"], \"table\": \"api.t\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Json.mapper().readTree(r.body()).get("results").get(0).get("status").asText()).isEqualTo("COMMITTED");
        assertThat(file).exists();
        assertThat(chute.query("SELECT count(*) FROM api.t").rows().get(0).get(0)).isEqualTo(2L);
    }

    /** Issue 13: {@code chute load} through a running server showed no progress; asked for it, the load streams its events. */
    @Test
    void loadThroughTheApiStreamsProgressEventsThenTheResults() throws Exception {
        start("127.0.0.1", Optional.empty());
        Path good = Files.writeString(home.resolve("good.csv"), "id\n1\n2\n");
        Path nowhere = Files.writeString(home.resolve("nowhere.csv"), "id\n3\n");
        HttpResponse<String> r = post("/api/load", "{\"paths\": [\"" + good + "\"], \"table\": \"api.t\", \"progress\": true}");
        HttpResponse<String> unroutable = post("/api/load", "{\"paths\": [\"" + nowhere + "\"], \"progress\": true}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/x-ndjson"));
        List<JsonNode> events = r.body().lines().map(line -> {
            try {
                return Json.mapper().readTree(line);
            } catch (java.io.IOException e) {
                throw new AssertionError(line, e);
            }
        }).toList();
        assertThat(events).as(r.body()).hasSize(3);
        assertThat(events.get(0).path("planned").path("files").asLong()).isEqualTo(1);
        assertThat(events.get(0).path("planned").path("bytes").asLong()).isEqualTo(Files.size(good));
        assertThat(events.get(1).path("loaded").path("file").asText()).isEqualTo(good.toString());
        assertThat(events.get(1).path("loaded").path("table").asText()).isEqualTo("api.t");
        assertThat(events.get(1).path("loaded").path("rows").asLong()).isEqualTo(2);
        assertThat(events.get(2).path("results").get(0).path("status").asText()).isEqualTo("COMMITTED");
        assertThat(unroutable.body().lines().toList()).as(unroutable.body()).hasSize(3)
                .anySatisfy(line -> assertThat(line).contains("\"failed\"").contains("UNROUTABLE").contains("nowhere.csv"));
    }

    @Test
    void exposedServerNeedsTheBearerToken() throws Exception {
        start("0.0.0.0", Optional.of("s3cret"));
        assertThat(get("/api/health").statusCode()).isEqualTo(401);
        assertThat(get("/api/health", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(get("/api/health", "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
    }

    @Test
    void exposedServerWithoutTokenDoesNotStart() {
        chute = Chute.open(home, ChuteConfig.defaults(), false, PipelineListener.NONE);
        assertThatThrownBy(() -> new ChuteServer(chute, ChuteServer.Settings.local(home, 0).withBind("0.0.0.0")))
                .hasMessageContaining("needs authentication");
    }
}
