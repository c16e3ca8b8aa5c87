package dev.chute.server;

import static dev.chute.server.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.Json;
import dev.chute.core.PipelineListeners;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13 (items 5, 10 and 11): what the API says can be trusted at a glance. Failed files make the
 * overview and the status say "attention" with their count; timestamps keep their zone, or have
 * none; structs and lists are JSON; lineage comes a page at a time with a total; a failed file says
 * whether its table exists; a query the warehouse finds wrong is not called refused. A real server,
 * a running pipeline and real files, on DuckDB and on the real PostgreSQL on loopback.
 */
class ConsoleTrustApiTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/";

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    TestApi api;
    String database;
    String reader;

    /** Starts Chute on {@code warehouse} (duckdb or postgres; a PostgreSQL database of its own) with {@code tables} config. */
    private void start(String warehouse, String tables) throws Exception {
        String yaml = "intake:\n  reconcile_interval: 500ms\n" + tables;
        if (warehouse.equals("postgres")) {
            String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            database = "chute_trust_" + suffix;
            reader = "chute_reader_" + suffix;
            try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + database);
            }
            yaml += "warehouse:\n  type: postgres\n  url: " + PG + database + "\n  user: postgres\n  reader_role: " + reader + "\n";
        }
        PipelineListeners listeners = new PipelineListeners();
        chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, listeners);
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0));
        listeners.add(server.listener());
        chute.start();
        api = new TestApi(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (chute != null) {
            chute.close();
        }
        if (database != null) {
            try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
                s.execute("DROP ROLE IF EXISTS " + reader);
            }
        }
    }

    private void drop(String key, String content) throws Exception {
        Path file = home.resolve("landing").resolve(key);
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, file);
    }

    private String state(String key) throws Exception {
        return json(api.get("/api/files/status?key=" + key)).path("state").asText();
    }

    private JsonNode query(String sql) throws Exception {
        HttpResponse<String> answer = api.post("/api/query", Json.mapper().writeValueAsString(Map.of("sql", sql)));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return json(answer);
    }

    /**
     * Item 5: every health card was green while a file sat in failed/. The overview and the status now
     * say "attention" with the count of unresolved failures, until the fixed file is replayed and loads.
     * Item 11: the failed file's table was never created, and the failure says so (no link to a missing page).
     */
    @Test
    void failedFilesMakeTheOverviewAndStatusSayAttentionUntilTheyLoad() throws Exception {
        start("duckdb", "tables:\n  shop.typed:\n    columns:\n      n: BIGINT\n");
        drop("shop/typed/bad.csv", "n\n1\nlots\n");
        drop("shop/fine/a.csv", "id\n1\n");
        await().atMost(WAIT).until(() -> state("shop/typed/bad.csv").equals("failed") && state("shop/fine/a.csv").equals("loaded"));

        JsonNode overview = json(api.get("/api/overview"));
        assertThat(overview.path("health").path("status").asText()).isEqualTo("ok");
        assertThat(overview.path("failedFiles").asLong()).isEqualTo(1);
        assertThat(overview.path("state").asText()).isEqualTo("attention");
        JsonNode failure = overview.path("failures").get(0);
        assertThat(failure.path("table").asText()).isEqualTo("shop.typed");
        assertThat(failure.path("tableExists").asBoolean(true)).isFalse();
        assertThat(json(api.get("/api/failures")).path("failures").get(0).path("tableExists").asBoolean(true)).isFalse();
        JsonNode status = json(api.get("/api/status"));
        assertThat(status.path("failedFiles").asLong()).isEqualTo(1);
        assertThat(status.path("state").asText()).isEqualTo("attention");

        Files.writeString(home.resolve("failed/shop/typed/bad.csv"), "n\n1\n2\n");
        assertThat(api.post("/api/replay", "{\"keys\": [\"shop/typed/bad.csv\"]}").statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> state("shop/typed/bad.csv").equals("loaded"));
        JsonNode after = json(api.get("/api/overview"));
        assertThat(after.path("failedFiles").asLong()).isZero();
        assertThat(after.path("state").asText()).isEqualTo("ok");
        assertThat(json(api.get("/api/status")).path("state").asText()).isEqualTo("ok");
        // the archive card said "0 committed file(s) waiting to be archived", cut on the card to "0 committed file(s…"
        await().atMost(WAIT).until(() -> json(api.get("/api/overview")).path("health").path("parts").path("archive").path("detail").asText(),
                detail -> detail.equals("every committed file archived"));
    }

    /**
     * Item 10 on DuckDB: a TIMESTAMP (without time zone) came back as "2024-05-01T10:00:00Z", an offset
     * it does not have; a struct as the text "{k=1, ...}" and a list as the text "[1, 2]". Now the
     * timestamp has no offset, the one with time zone is UTC with its Z, structs and maps are JSON
     * objects and lists JSON arrays, in the API and in its CSV export.
     */
    @Test
    void duckDbTimestampsKeepTheirZoneOrHaveNoneAndStructsAndListsAreJson() throws Exception {
        start("duckdb", "");
        JsonNode answer = query("SELECT TIMESTAMP '2024-05-01 10:00:00' AS local, TIMESTAMPTZ '2024-05-01 10:00:00+02' AS zoned,"
                + " {'k': 1, 'l': [1, 2], 'at': TIMESTAMP '2024-05-01 10:00:00.5'} AS st, [1, 2] AS l, MAP {'a': 1} AS m, [[1], [2, 3]] AS nested");
        JsonNode row = answer.path("rows").get(0);
        assertThat(row.get(0).asText()).isEqualTo("2024-05-01T10:00:00");
        assertThat(row.get(1).asText()).isEqualTo("2024-05-01T08:00:00Z");
        assertThat(row.get(2).toString()).isEqualTo("{\"k\":1,\"l\":[1,2],\"at\":\"2024-05-01T10:00:00.500\"}");
        assertThat(row.get(3).toString()).isEqualTo("[1,2]");
        assertThat(row.get(4).toString()).isEqualTo("{\"a\":1}");
        assertThat(row.get(5).toString()).isEqualTo("[[1],[2,3]]");

        HttpResponse<String> csv = api.post("/api/query/export", "{\"sql\": \"SELECT TIMESTAMP '2024-05-01 10:00:00' AS local, {'k': 1} AS st, [1, 2] AS l\", \"format\": \"csv\"}");
        assertThat(csv.body()).isEqualTo("local,st,l\r\n2024-05-01T10:00:00,\"{\"\"k\"\":1}\",\"[1,2]\"\r\n");
    }

    /**
     * Item 10 on PostgreSQL: a timestamp without time zone came back with a Z; an array as the text
     * "{1,2}". Now timestamp and timestamptz differ as they do in the database, and arrays are JSON
     * arrays (a json value stays its JSON text, as its column type says).
     */
    @Test
    void postgresTimestampsKeepTheirZoneOrHaveNoneAndArraysAreJson() throws Exception {
        start("postgres", "");
        JsonNode answer = query("SELECT TIMESTAMP '2024-05-01 10:00:00' AS local, TIMESTAMPTZ '2024-05-01 10:00:00+02' AS zoned,"
                + " ARRAY[1, 2] AS l, ARRAY[ARRAY[1, 2], ARRAY[3, 4]] AS nested, ARRAY[TIMESTAMP '2024-05-01 10:00:00'] AS locals,"
                + " ARRAY[TIMESTAMPTZ '2024-05-01 10:00:00+02'] AS zoneds, '{\"k\": 1}'::json AS j");
        JsonNode row = answer.path("rows").get(0);
        assertThat(row.get(0).asText()).isEqualTo("2024-05-01T10:00:00");
        assertThat(row.get(1).asText()).isEqualTo("2024-05-01T08:00:00Z");
        assertThat(row.get(2).toString()).isEqualTo("[1,2]");
        assertThat(row.get(3).toString()).isEqualTo("[[1,2],[3,4]]");
        assertThat(row.get(4).toString()).isEqualTo("[\"2024-05-01T10:00:00\"]");
        assertThat(row.get(5).toString()).isEqualTo("[\"2024-05-01T08:00:00Z\"]");
        assertThat(row.get(6).asText()).isEqualTo("{\"k\": 1}");
        assertThat(answer.path("columns").get(6).path("type").asText()).isEqualTo("json");
    }

    /**
     * Item 11: the lineage of a table came as its first 100 sources, with no way to the others and no
     * total. Now it comes a page at a time (offset, limit) with the total, on DuckDB and PostgreSQL.
     */
    @ParameterizedTest
    @ValueSource(strings = {"duckdb", "postgres"})
    void lineageComesAPageAtATimeWithTheTotal(String warehouse) throws Exception {
        start(warehouse, "");
        for (int i = 1; i <= 5; i++) {
            drop("shop/items/f" + i + ".csv", "id\n" + i + "\n");
        }
        await().atMost(WAIT).until(() -> json(api.get("/api/tables/shop.items")).path("rowCount").asLong() == 5);

        List<String> keys = new ArrayList<>();
        for (int offset = 0; offset < 6; offset += 2) {
            JsonNode page = json(api.get("/api/tables/shop.items/lineage?offset=" + offset + "&limit=2"));
            assertThat(page.path("total").asLong()).isEqualTo(5);
            assertThat(page.path("offset").asLong()).isEqualTo(offset);
            assertThat(page.path("sources").size()).isEqualTo(offset < 4 ? 2 : 1);
            page.path("sources").forEach(s -> keys.add(s.path("key").asText()));
        }
        assertThat(keys).containsExactlyInAnyOrder("shop/items/f1.csv", "shop/items/f2.csv", "shop/items/f3.csv", "shop/items/f4.csv", "shop/items/f5.csv");
        HttpResponse<String> bad = api.get("/api/tables/shop.items/lineage?offset=-1");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).path("error").asText()).contains("offset").contains("-1");
    }

    /**
     * Item 11: "SELECT * FROM nope" was answered as refused, like a write the read-only guard stops.
     * A table that does not exist is an error in the query (QUERY_FAILED); the guard's verdict is
     * QUERY_REFUSED. On DuckDB and PostgreSQL.
     */
    @ParameterizedTest
    @ValueSource(strings = {"duckdb", "postgres"})
    void aQueryOfAMissingTableIsAnErrorNotARefusal(String warehouse) throws Exception {
        start(warehouse, "");
        HttpResponse<String> missing = api.post("/api/query", "{\"sql\": \"SELECT * FROM nope\"}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(json(missing).path("code").asText()).isEqualTo("QUERY_FAILED");
        assertThat(json(missing).path("error").asText()).contains("nope");
        HttpResponse<String> write = api.post("/api/query", "{\"sql\": \"CREATE TABLE t (x int)\"}");
        assertThat(write.statusCode()).isEqualTo(400);
        assertThat(json(write).path("code").asText()).isEqualTo("QUERY_REFUSED");
    }
}
