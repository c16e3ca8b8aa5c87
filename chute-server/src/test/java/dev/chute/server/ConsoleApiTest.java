package dev.chute.server;

import static dev.chute.server.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListeners;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's API against a real server, a running pipeline, real files and a real DuckDB. */
class ConsoleApiTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    TestApi api;

    private void start(String yaml, long maxUpload) throws Exception {
        ChuteConfig config = ChuteConfig.parse(yaml, "test");
        PipelineListeners listeners = new PipelineListeners();
        chute = Chute.open(home, config, true, listeners);
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0).withMaxUpload(maxUpload));
        listeners.add(server.listener());
        chute.start();
        api = new TestApi(server.port());
    }

    private void start() throws Exception {
        start("intake:\n  reconcile_interval: 500ms\n", 1 << 20);
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

    private Path drop(String key, String content) throws Exception {
        Path file = home.resolve("landing").resolve(key);
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, file);
        return file;
    }

    private long count(String table) {
        try {
            return (Long) chute.query("SELECT count(*) FROM " + table).rows().get(0).get(0);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private JsonNode fileStatus(String key) throws Exception {
        return json(api.get("/api/files/status?key=" + key));
    }

    @Test
    void aCommittedLoadCanBeUndoneAndItsFilesRestoredFromTheArchive() throws Exception {
        start();
        drop("shop/orders/a.csv", "id,item\n1,pen\n2,ink\n3,cap\n");
        await().atMost(WAIT).until(() -> fileStatus("shop/orders/a.csv").path("state").asText().equals("loaded")
                && Files.exists(home.resolve("archive/shop/orders/a.csv")));
        drop("shop/orders/b.csv", "id,item\n4,pad\n");
        await().atMost(WAIT).until(() -> count("shop.orders") == 4 && Files.exists(home.resolve("archive/shop/orders/b.csv")));

        JsonNode status = fileStatus("shop/orders/a.csv");
        String loadId = status.path("load").path("loadId").asText();
        assertThat(status.path("load").path("rows").asLong()).isEqualTo(3);
        JsonNode loads = json(api.get("/api/loads?table=shop.orders"));
        assertThat(loads.path("loads")).hasSize(2);
        JsonNode detail = json(api.get("/api/loads/" + loadId));
        assertThat(detail.path("entries").get(0).path("key").asText()).isEqualTo("shop/orders/a.csv");
        assertThat(detail.path("status").asText()).isEqualTo("committed");

        JsonNode undone = json(api.post("/api/loads/" + loadId + "/undo", "{}"));
        assertThat(undone.path("rowsDeleted").asLong()).isEqualTo(3);
        assertThat(count("shop.orders")).isEqualTo(1);
        assertThat(json(api.get("/api/loads?status=undone")).path("loads").get(0).path("loadId").asText()).isEqualTo(loadId);
        assertThat(api.post("/api/loads/" + loadId + "/undo", "{}").statusCode()).isEqualTo(400);

        JsonNode restored = json(api.post("/api/loads/" + loadId + "/restore", "{}"));
        assertThat(restored.path("restored").get(0).asText()).isEqualTo("shop/orders/a.csv");
        await().atMost(WAIT).until(() -> count("shop.orders") == 4 && Files.exists(home.resolve("archive/shop/orders/a.csv")));
        assertThat(json(api.get("/api/loads?table=shop.orders&status=committed")).path("loads")).hasSize(2);
        assertThat(json(api.get("/api/loads/" + loadId)).path("restoredAt").isTextual()).isTrue();
        HttpResponse<String> again = api.post("/api/loads/" + loadId + "/restore", "{}");
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(json(again).path("error").asText()).contains("were restored at");
    }

    @Test
    void aFailedFileShowsWhereItFailedAndLoadsOnceFixedAndReplayed() throws Exception {
        start("tables:\n  shop.typed:\n    columns:\n      n: BIGINT\n", 1 << 20);
        drop("shop/typed/bad.csv", "n\n1\n2\nnot-a-number\n");
        await().atMost(WAIT).until(() -> Files.exists(home.resolve("failed/shop/typed/bad.csv")));
        // the failure is recorded right after the move to failed/ (and its sidecar)
        await().atMost(WAIT).until(() -> json(api.get("/api/failures?table=shop.typed")).path("failures").size() == 1);
        JsonNode failure = json(api.get("/api/failures?table=shop.typed")).path("failures").get(0);
        assertThat(failure.path("key").asText()).isEqualTo("shop/typed/bad.csv");
        assertThat(failure.path("line").asLong()).isEqualTo(4);
        assertThat(failure.path("column").asText()).isEqualTo("n");
        assertThat(failure.path("value").asText()).isEqualTo("not-a-number");
        assertThat(failure.path("retryable").asBoolean()).isFalse();
        assertThat(fileStatus("shop/typed/bad.csv").path("state").asText()).isEqualTo("failed");

        Files.writeString(home.resolve("failed/shop/typed/bad.csv"), "n\n1\n2\n3\n");
        JsonNode replayed = json(api.post("/api/replay", "{\"keys\": [\"shop/typed/bad.csv\"]}"));
        assertThat(replayed.path("replayed").get(0).asText()).isEqualTo("shop/typed/bad.csv");
        await().atMost(WAIT).until(() -> count("shop.typed") == 3);
        await().atMost(WAIT).until(() -> fileStatus("shop/typed/bad.csv").path("state").asText().equals("loaded"));
        assertThat(json(api.get("/api/failures")).path("failures")).isEmpty();
    }

    @Test
    void tablesShowTheirSchemaSampleProfileAndLineage() throws Exception {
        start();
        drop("shop/items/a.csv", "sku,price\nA,1.5\nB,\n");
        drop("shop/items/b.csv", "sku,price\nC,3.25\n");
        await().atMost(WAIT).until(() -> count("shop.items") == 3);
        JsonNode table = json(api.get("/api/tables/shop.items"));
        assertThat(table.path("rowCount").asLong()).isEqualTo(3);
        assertThat(table.path("lineage").asBoolean()).isTrue();
        // issue 13: the console's queries name the table as the warehouse quotes it
        assertThat(table.path("sqlName").asText()).isEqualTo("\"shop\".\"items\"");
        assertThat(json(api.get("/api/tables")).path("tables").get(0).path("sqlName").asText()).isEqualTo("\"shop\".\"items\"");
        assertThat(table.path("columns").get(0).path("name").asText()).isEqualTo("sku");
        assertThat(json(api.get("/api/tables/shop.items/sample?limit=2")).path("rows")).hasSize(2);
        JsonNode price = null;
        for (JsonNode c : json(api.get("/api/tables/shop.items/profile")).path("columns")) {
            if (c.path("name").asText().equals("price")) {
                price = c;
            }
        }
        assertThat(price).isNotNull();
        assertThat(price.path("nulls").asLong()).isEqualTo(1);
        assertThat(price.path("distinctExact").isBoolean()).isTrue();
        assertThat(price.path("min").asText()).isEqualTo("1.5");
        assertThat(price.path("max").asText()).isEqualTo("3.25");
        List<String> sources = new ArrayList<>();
        json(api.get("/api/tables/shop.items/lineage")).path("sources").forEach(s -> sources.add(s.path("key").asText() + "=" + s.path("rows").asLong()));
        assertThat(sources).containsExactlyInAnyOrder("shop/items/a.csv=2", "shop/items/b.csv=1");
        assertThat(api.get("/api/tables/shop.nothing").statusCode()).isEqualTo(404);
        assertThat(api.get("/api/tables/bad-name").statusCode()).isEqualTo(400);
    }

    @Test
    void overviewShowsThroughputBacklogAndStaleTables() throws Exception {
        start("tables:\n  shop.fresh:\n    freshness: 1s\n", 1 << 20);
        drop("shop/fresh/a.csv", "x\n1\n2\n");
        drop("shop/other/a.csv", "x\n1\n");
        await().atMost(WAIT).until(() -> count("shop.fresh") == 2 && count("shop.other") == 1);
        JsonNode overview = json(api.get("/api/overview"));
        assertThat(overview.path("health").path("status").asText()).isEqualTo("ok");
        long files = 0;
        for (JsonNode b : overview.path("throughput")) {
            files += b.path("files").asLong();
        }
        assertThat(files).isEqualTo(2);
        assertThat(overview.path("backlog").asLong()).isGreaterThanOrEqualTo(0);
        await().atMost(WAIT).until(() -> {
            for (JsonNode t : json(api.get("/api/overview")).path("tables")) {
                if (t.path("table").asText().equals("shop.fresh")) {
                    return t.path("stale").asBoolean() && t.path("freshness").asText().equals("PT1S");
                }
            }
            return false;
        });
        for (JsonNode t : json(api.get("/api/tables")).path("tables")) {
            if (t.path("table").asText().equals("shop.other")) {
                assertThat(t.path("stale").asBoolean()).as("no freshness configured: never stale").isFalse();
            }
        }
    }

    @Test
    void uploadedFilesLandWholeAndLoad() throws Exception {
        start();
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("one.csv", "id,v\n1,a\n2,b\n".getBytes(StandardCharsets.UTF_8));
        files.put("two.csv", "id,v\n3,c\n".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = api.upload(Map.of("dataset", "up", "table", "files"), files);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> keys = new ArrayList<>();
        json(r).path("uploaded").forEach(u -> keys.add(u.path("key").asText()));
        assertThat(keys).containsExactly("up/files/one.csv", "up/files/two.csv");
        await().atMost(WAIT).until(() -> keys.stream().allMatch(k -> {
            try {
                return fileStatus(k).path("state").asText().equals("loaded");
            } catch (Exception e) {
                return false;
            }
        }));
        assertThat(count("up.files")).isEqualTo(3);
    }

    @Test
    void uploadsWithBadNamesOrTooLargeAreRefusedAndLeaveNothing() throws Exception {
        start("intake:\n  reconcile_interval: 500ms\n", 1024);
        for (String name : List.of("../escape.csv", ".hidden.csv", "a/b.csv", "x.csv.part")) {
            HttpResponse<String> r = api.upload(Map.of("dataset", "up", "table", "t"), Map.of(name, "id\n1\n".getBytes(StandardCharsets.UTF_8)));
            assertThat(r.statusCode()).as(name + ": " + r.body()).isEqualTo(400);
        }
        HttpResponse<String> badTable = api.upload(Map.of("dataset", "up", "table", "../t"), Map.of("a.csv", "id\n1\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(badTable.statusCode()).isEqualTo(400);
        HttpResponse<String> big = api.upload(Map.of("dataset", "up", "table", "t"), Map.of("big.csv", new byte[4096]));
        assertThat(big.statusCode()).as(big.body()).isEqualTo(413);
        try (Stream<Path> left = Files.walk(home.resolve("landing"))) {
            assertThat(left.filter(Files::isRegularFile).toList()).isEmpty();
        }
        assertThat(home.resolve("escape.csv")).doesNotExist();
    }

    @Test
    void queryResultsExportAsCsvAndJson() throws Exception {
        start();
        HttpResponse<String> csv = api.post("/api/query/export", "{\"sql\": \"SELECT 1 AS a, 'x,y' AS b, NULL AS c\", \"format\": \"csv\"}");
        assertThat(csv.headers().firstValue("Content-Disposition").orElse("")).contains("attachment");
        assertThat(csv.body()).isEqualTo("a,b,c\r\n1,\"x,y\",\r\n");
        JsonNode rows = json(api.post("/api/query/export", "{\"sql\": \"SELECT 1 AS a, 'x' AS b\", \"format\": \"json\"}"));
        assertThat(rows.get(0).path("a").asLong()).isEqualTo(1);
        assertThat(rows.get(0).path("b").asText()).isEqualTo("x");
        assertThat(api.post("/api/query/export", "{\"sql\": \"SELECT 1\", \"format\": \"xml\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void liveEventsAnnounceEachLoad() throws Exception {
        start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        HttpClient client = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<Stream<String>>> stream = client.sendAsync(
                HttpRequest.newBuilder(api.uri("/api/events")).header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> response = stream.get();
        assertThat(response.headers().firstValue("Content-Type").orElse("")).as("status " + response.statusCode() + " " + response.headers().map()).startsWith("text/event-stream");
        Thread reader = new Thread(() -> {
            try {
                response.body().forEach(lines::add);
            } catch (java.io.UncheckedIOException closedByTheTest) {
                // the test closes the stream when it has seen enough
            }
        }, "sse-reader");
        reader.setDaemon(true);
        reader.start();
        await().atMost(WAIT).until(() -> lines.stream().anyMatch(l -> l.contains("hello")));
        drop("live/t/a.csv", "x\n1\n2\n");
        await().atMost(WAIT).until(() -> lines.stream().anyMatch(l -> l.startsWith("data") && l.contains("\"key\":\"live/t/a.csv\"") && l.contains("\"rows\":2")));
        assertThat(lines).anyMatch(l -> l.equals("event: load") || l.equals("event:load"));
        response.body().close();
    }

    @Test
    void dashboardsAreListedDrawnEditedAndDeleted() throws Exception {
        start();
        assertThat(json(api.get("/api/dashboards")).path("dashboards").get(0).path("id").asText()).isEqualTo("ecommerce");
        drop("ecommerce/order_events/order_events_001.csv", Files.readString(Path.of("..", "samples", "order_events_001.csv")));
        await().atMost(WAIT).until(() -> count("ecommerce.order_events") == 10);
        JsonNode dashboard = json(api.get("/api/dashboards/ecommerce"));
        assertThat(dashboard.path("timeRange").asText()).isEqualTo("all");
        int events = -1;
        for (int i = 0; i < dashboard.path("tiles").size(); i++) {
            if (dashboard.path("tiles").get(i).path("title").asText().equals("Events")) {
                events = i;
            }
        }
        assertThat(json(api.get("/api/dashboards/ecommerce/tiles/" + events)).path("rows").get(0).get(0).asLong()).isEqualTo(10);
        assertThat(json(api.get("/api/dashboards/ecommerce/tiles/" + events + "?range=1h")).path("rows").get(0).get(0).asLong())
                .as("the sample is from 2022: nothing in the last hour").isZero();
        assertThat(api.get("/api/dashboards/ecommerce/tiles/99").statusCode()).isEqualTo(404);
        assertThat(api.get("/api/dashboards/ecommerce/tiles/0?range=forever").statusCode()).isEqualTo(400);

        HttpResponse<String> bad = api.put("/api/dashboards/mine", "{\"yaml\": \"title: Mine\\ntiles:\\n  - title: T\\n    chart: donut\\n    sql: SELECT 1\\n\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).path("error").asText()).contains("donut");
        HttpResponse<String> saved = api.put("/api/dashboards/mine", "{\"yaml\": \"title: Mine\\ntiles:\\n  - title: One\\n    chart: number\\n    sql: SELECT 1\\n\"}");
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(Files.readString(home.resolve("dashboards/mine.yaml"))).contains("title: Mine");
        assertThat(json(api.get("/api/dashboards/mine/tiles/0")).path("rows").get(0).get(0).asLong()).isEqualTo(1);
        assertThat(json(api.delete("/api/dashboards/mine")).path("deleted").asText()).isEqualTo("mine");
        assertThat(api.get("/api/dashboards/mine").statusCode()).isEqualTo(404);
        assertThat(api.put("/api/dashboards/..%2Fescape", "{\"yaml\": \"title: x\\ntiles: []\\n\"}").statusCode()).isIn(400, 404);
    }

    @Test
    void aTableChuteCreatesGetsAnOverviewDashboard() throws Exception {
        start();
        drop("shop/things/a.csv", "name,made_at\nx,2026-01-01T00:00:00Z\n");
        await().atMost(WAIT).until(() -> Files.exists(home.resolve("dashboards/shop-things.yaml")));
        JsonNode d = json(api.get("/api/dashboards/shop-things"));
        assertThat(d.path("tiles").size()).isGreaterThan(1);
        for (int i = 0; i < d.path("tiles").size(); i++) {
            HttpResponse<String> tile = api.get("/api/dashboards/shop-things/tiles/" + i);
            assertThat(tile.statusCode()).as(d.path("tiles").get(i).path("title").asText() + ": " + tile.body()).isEqualTo(200);
        }
    }

    @Test
    void metricsCountFilesRowsAndFailuresPerTable() throws Exception {
        start();
        drop("m/t/a.csv", "x\n1\n2\n");
        await().atMost(WAIT).until(() -> count("m.t") == 2);
        HttpResponse<String> r = api.get("/metrics");
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(r.body()).contains("chute_files_loaded_total{table=\"m.t\"} 1.0").contains("chute_rows_loaded_total{table=\"m.t\"} 2.0")
                .contains("chute_load_duration_seconds_bucket").contains("chute_backlog_files");
    }
}
