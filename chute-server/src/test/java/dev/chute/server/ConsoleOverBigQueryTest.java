package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListeners;
import dev.chute.testkit.bigquery.BigQueryContractServer;
import dev.chute.testkit.bigquery.BigQueryContractServer.QueryAnswer;
import dev.chute.testkit.bigquery.BigQueryContractServer.QueryRule;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's SQL and dashboards with the BigQuery warehouse. BigQuery cannot be reached here:
 * {@link BigQueryContractServer} answers the REST calls as the API reference documents them and
 * runs no SQL, so the rows are the ones the test gives per query; what is checked is what the
 * console sends (the dashboard's SQL as written, rendered time range, bytes-billed limit, dry run)
 * and that what comes back reaches the HTTP API.
 */
class ConsoleOverBigQueryTest {
    private static final String PROJECT = "chute-console-test";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    BigQueryContractServer bigquery;
    Chute chute;
    ChuteServer server;
    TestApi api;

    @BeforeEach
    void start() throws Exception {
        bigquery = BigQueryContractServer.start(PROJECT);
        ChuteConfig config = ChuteConfig.parse("""
                warehouse:
                  type: bigquery
                  project: %s
                  endpoint: %s
                  max_bytes_billed: 1GB
                """.formatted(PROJECT, bigquery.endpoint()), "test");
        chute = Chute.open(home, config, false, new PipelineListeners());
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0));
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
        bigquery.close();
    }

    private static String sql(JsonNode job) {
        return job.path("configuration").path("query").path("query").asText();
    }

    private List<JsonNode> consoleJobs() {
        return bigquery.insertedJobs().stream()
                .filter(j -> j.path("configuration").path("labels").path("chute_op").asText().equals("console")).toList();
    }

    @Test
    void seedDashboardTilesRunOnBigQueryWithTheBytesLimit() throws Exception {
        // any other tile: one row, so that each tile's round trip is checked (a rule added later is tried first)
        bigquery.answer(new QueryRule(job -> true, job -> QueryAnswer.rows(List.of("a", "b:INTEGER"), List.of(List.of("x", "1")))));
        bigquery.answer(new QueryRule(job -> sql(job).contains("count(*) AS events") && !sql(job).contains("GROUP BY"),
                job -> QueryAnswer.rows(List.of("events:INTEGER"), List.of(List.of("10")))));
        bigquery.answer(new QueryRule(job -> sql(job).contains("WITH stages AS"),
                job -> QueryAnswer.rows(List.of("stage", "orders:INTEGER"),
                        List.of(List.of("created", "4"), List.of("paid", "3"), List.of("shipped", "2"), List.of("delivered", "1")))));

        JsonNode dashboard = JSON.readTree(api.get("/api/dashboards/ecommerce").body());
        JsonNode tiles = dashboard.path("tiles");
        assertThat(tiles.size()).isGreaterThanOrEqualTo(7);
        for (int i = 0; i < tiles.size(); i++) {
            HttpResponse<String> tile = api.get("/api/dashboards/ecommerce/tiles/" + i);
            assertThat(tile.statusCode()).as(tiles.get(i).path("title").asText() + ": " + tile.body()).isEqualTo(200);
            String title = tiles.get(i).path("title").asText();
            JsonNode rows = JSON.readTree(tile.body()).path("rows");
            if (title.equals("Events")) {
                assertThat(rows.get(0).get(0).asLong()).isEqualTo(10);
            } else if (title.startsWith("Funnel")) {
                assertThat(rows).hasSize(4);
                assertThat(rows.get(3).get(0).asText()).isEqualTo("delivered");
                assertThat(rows.get(3).get(1).asLong()).isEqualTo(1);
            }
        }

        List<JsonNode> jobs = consoleJobs();
        assertThat(jobs).hasSize(tiles.size()).allSatisfy(job -> {
            assertThat(job.path("configuration").path("query").path("maximumBytesBilled").asText()).isEqualTo(Long.toString(1L << 30));
            assertThat(job.path("configuration").path("query").path("useLegacySql").asBoolean(true)).isFalse();
            String sql = sql(job);
            // portable SQL: the time range rendered, nothing BigQuery's GoogleSQL does not have
            assertThat(sql).doesNotContain("{{").contains("TIMESTAMP '");
            assertThat(sql.toUpperCase(Locale.ROOT)).doesNotContain("VALUES").doesNotContain("VARCHAR").doesNotContain(" AS ROWS");
        });
        // each console query was dry-run first, so that a statement that is not a SELECT never runs
        assertThat(bigquery.requests()).filteredOn(r -> r.body().path("configuration").path("dryRun").asBoolean()).hasSizeGreaterThanOrEqualTo(tiles.size());
    }

    @Test
    void consoleSqlReturnsRowsAndRefusesWhatIsNotASelectWithTheWarehousesMessage() throws Exception {
        bigquery.answer(new QueryRule(job -> sql(job).startsWith("SELECT action"),
                job -> QueryAnswer.rows(List.of("action", "n:INTEGER"), List.of(List.of("created", "7"), List.of("paid", "3")))));

        HttpResponse<String> ok = api.post("/api/query", "{\"sql\": \"SELECT action, count(*) AS n FROM ecommerce.order_events GROUP BY action\"}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(ok.body());
        assertThat(body.path("rows").toString()).isEqualTo("[[\"created\",7],[\"paid\",3]]");
        assertThat(consoleJobs()).singleElement().satisfies(job ->
                assertThat(job.path("configuration").path("query").path("maximumBytesBilled").asText()).isEqualTo(Long.toString(1L << 30)));

        HttpResponse<String> refused = api.post("/api/query", "{\"sql\": \"DELETE FROM ecommerce.order_events WHERE true\"}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).path("error").asText()).contains("only a read-only SELECT").contains("DELETE");
        HttpResponse<String> script = api.post("/api/query", "{\"sql\": \"SELECT 1; DROP TABLE ecommerce.order_events\"}");
        assertThat(script.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(script.body()).path("error").asText()).contains("SCRIPT");
        // neither ran: only the first query became a job
        assertThat(consoleJobs()).hasSize(1);
    }
}
