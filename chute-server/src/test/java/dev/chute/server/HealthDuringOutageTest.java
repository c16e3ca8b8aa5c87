package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.Json;
import dev.chute.core.PipelineListeners;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 3: {@code /api/health} answers from what the server already knows while the
 * warehouse does not answer, instead of asking it on each request (a PostgreSQL outage made each
 * request wait out the pool's 10 s connection timeout). The HTTP calls have a read timeout that
 * bounds a failing test; no assertion is about time: they count the warehouse's pings.
 */
class HealthDuringOutageTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/";

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    LoopbackProxy proxy;
    String database;
    String reader;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(BOUND).build();

    private void start(String warehouseYaml) {
        String yaml = "warehouse:\n  type: stalling\n" + warehouseYaml + "server:\n  health_interval: 300ms\n";
        PipelineListeners listeners = new PipelineListeners();
        chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, listeners);
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0));
        listeners.add(server.listener());
        chute.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (chute != null) {
            StallingWarehouseFactory.control(chute.warehouse()).release();
        }
        if (server != null) {
            server.close();
        }
        if (chute != null) {
            chute.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (database != null) {
            try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
                s.execute("DROP ROLE IF EXISTS " + reader);
            }
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(BOUND).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode warehousePart() throws Exception {
        return Json.mapper().readTree(get("/api/health").body()).path("parts").path("warehouse");
    }

    /** Ten requests answered degraded, from the last probe: the warehouse is not asked by any of them. */
    private void healthAnswersWithoutAskingTheWarehouse(StallingWarehouseFactory.Control warehouse, int allowedProbes) throws Exception {
        int pings = warehouse.pings();
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> health = get("/api/health");
            assertThat(health.statusCode()).isEqualTo(503);
            JsonNode body = Json.mapper().readTree(health.body());
            assertThat(body.path("status").asText()).isEqualTo("degraded");
            assertThat(body.path("parts").path("warehouse").path("ok").asBoolean()).isFalse();
            assertThat(body.path("parts").path("warehouse").path("detail").asText()).contains("last answered at");
            assertThat(body.path("parts").path("intake").path("ok").asBoolean()).isTrue();
        }
        assertThat(warehouse.pings() - pings).isLessThanOrEqualTo(allowedProbes);
    }

    @Test
    void healthAnswersWhileTheWarehouseDoesNot() throws Exception {
        start("");
        StallingWarehouseFactory.Control warehouse = StallingWarehouseFactory.control(chute.warehouse());
        assertThat(get("/api/health").statusCode()).isEqualTo(200);
        warehouse.stall();
        // the next background probe blocks for good; health says so instead of waiting with it
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode part = warehousePart();
            return !part.path("ok").asBoolean() && part.path("detail").asText().contains("no answer");
        });
        // the one probe is still blocked: no request asked again
        healthAnswersWithoutAskingTheWarehouse(warehouse, 0);
        assertThat(get("/api/overview").statusCode()).isEqualTo(200);
    }

    @Test
    void healthAnswersDuringAPostgresOutage() throws Exception {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        database = "chute_health_" + suffix;
        reader = "chute_reader_" + suffix;
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        proxy = new LoopbackProxy(5432);
        start("  delegate: postgres\n  url: jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database + "\n  user: postgres\n"
                + "  reader_role: " + reader + "\n");
        StallingWarehouseFactory.Control warehouse = StallingWarehouseFactory.control(chute.warehouse());
        assertThat(get("/api/health").statusCode()).isEqualTo(200);

        proxy.down();
        await().atMost(Duration.ofSeconds(30)).until(() -> !warehousePart().path("ok").asBoolean());
        // each probe waits out the pool's connection timeout (10 s): at most one more can have started meanwhile
        healthAnswersWithoutAskingTheWarehouse(warehouse, 1);

        proxy.up();
        await().atMost(Duration.ofSeconds(60)).until(() -> warehousePart().path("ok").asBoolean());
        assertThat(get("/api/health").statusCode()).isEqualTo(200);
    }
}
