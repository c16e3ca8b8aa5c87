package dev.chute.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.bigquery.BigQueryWarehouse;
import dev.chute.testkit.bigquery.BigQueryContractServer;
import dev.chute.testkit.bigquery.BigQueryContractServer.Answered;
import dev.chute.testkit.bigquery.BigQueryContractServer.JobError;
import dev.chute.testkit.bigquery.ChuteLedgerModel;
import dev.chute.testkit.gcs.GcsJsonApiServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged function with its default warehouse, BigQuery, run by the Functions Framework's
 * invoker ({@link InvokerProcess}), one or two instances at once. Google Cloud cannot be reached
 * from where these tests run: BigQuery is {@link BigQueryContractServer} (request/response pairs
 * written from the BigQuery REST reference; it runs no SQL, so Chute's ledger is the model in
 * {@link ChuteLedgerModel}) and Cloud Storage is {@link GcsJsonApiServer} (written from the JSON
 * API reference). The recorded CloudEvent deliveries (binary mode from the recorded HTTP request,
 * structured mode from the conformance event), aimed at the seed file, are posted to the invoker,
 * and the calls the function made to both APIs are checked.
 */
class FunctionBigQueryInvokerIT {
    private static final String PROJECT = "chute-fn-test";
    private static final String UPLOAD = "some-bucket";
    private static final String ARCHIVE = "archive-bucket";
    private static final String FAILED = "failed-bucket";
    private static final String SEED = "ecommerce/order_events/order_events_001.csv";
    private static final String SEED_URI = "gs://" + UPLOAD + "/" + SEED;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLES = """
            tables:
              ecommerce.order_events:
                columns: {order_id: VARCHAR, customer_email: VARCHAR, action: VARCHAR, action_time: TIMESTAMP}
            """;

    @TempDir
    Path work;
    BigQueryContractServer bigquery;
    ChuteLedgerModel ledger;
    GcsJsonApiServer gcs;
    final List<InvokerProcess> instances = new ArrayList<>();
    final AtomicInteger ids = new AtomicInteger();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    byte[] seed;

    @BeforeEach
    void start() throws Exception {
        bigquery = BigQueryContractServer.start(PROJECT);
        ledger = ChuteLedgerModel.install(bigquery, BigQueryWarehouse.PARTLY_COMMITTED);
        gcs = GcsJsonApiServer.start().createBucket(UPLOAD).createBucket(ARCHIVE).createBucket(FAILED);
        // the seed's file, as the repository keeps it (samples/), uploaded where the seed's convention routes it
        seed = Files.readAllBytes(Path.of("../samples/order_events_001.csv"));
        bigquery.rows(SEED_URI, 10);
    }

    @AfterEach
    void stop() throws Exception {
        for (InvokerProcess p : instances) {
            p.close();
        }
        bigquery.close();
        gcs.close();
    }

    /** A new instance of the function with the seed's variables, the contract servers' endpoints and {@code waitLimit}. */
    private InvokerProcess instance(String waitLimit) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DW_PROJECT_ID", PROJECT);
        env.put("GCS_ARCHIVE_BUCKET", ARCHIVE);
        env.put("GCS_FAILED_BUCKET", FAILED);
        env.put("CHUTE_GCS_ENDPOINT", gcs.endpoint());
        env.put("CHUTE_BQ_ENDPOINT", bigquery.endpoint());
        env.put("CHUTE_WAIT_LIMIT", waitLimit);
        env.put("CHUTE_CONFIG_YAML", TABLES);
        Path dir = work.resolve("instance-" + ids.incrementAndGet());
        env.put("CHUTE_HOME", dir.resolve("home").toString());
        InvokerProcess p = InvokerProcess.start(dir, env, List.of());
        instances.add(p);
        return p;
    }

    /** The recorded binary-mode request (its ce-* headers and body), aimed at {@code object}: subject, name, generation, size, id. */
    private HttpRequest binary(InvokerProcess to, GcsJsonApiServer.StoredObject object) throws Exception {
        String raw = new String(FunctionHandlerTest.resource("binary-mode-derived/storage-finalized-conformance.http"), StandardCharsets.UTF_8);
        int split = raw.indexOf("\r\n\r\n");
        ObjectNode body = (ObjectNode) JSON.readTree(raw.substring(split + 4));
        body.put("bucket", object.bucket());
        body.put("name", object.name());
        body.put("generation", Long.toString(object.generation()));
        body.put("size", Integer.toString(object.content().length));
        body.put("id", object.bucket() + "/" + object.name() + "/" + object.generation());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port() + "/")).timeout(Duration.ofSeconds(180))
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        for (String line : raw.substring(0, split).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("ce-subject")) {
                value = "objects/" + object.name();
            }
            if (name.startsWith("ce-") || name.equalsIgnoreCase("Content-Type")) {
                request.header(name, value);
            }
        }
        return request.build();
    }

    private int send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private List<JsonNode> accepted(String jobIdPrefix) {
        return bigquery.insertedJobs().stream().filter(j -> j.path("jobReference").path("jobId").asText().startsWith(jobIdPrefix)).toList();
    }

    /** The {@code jobs.insert} calls for jobs whose id starts with {@code prefix}, with their answers. */
    private List<Answered> inserts(String prefix) {
        return bigquery.answered().stream().filter(a -> a.insertedJobId().filter(id -> id.startsWith(prefix)).isPresent()).toList();
    }

    private static boolean isLoad(JsonNode job) {
        return job.path("configuration").has("load");
    }

    private void assertArchivedOnceWithPreconditions(GcsJsonApiServer.StoredObject object) {
        assertThat(gcs.names(UPLOAD)).isEmpty();
        assertThat(gcs.names(ARCHIVE)).containsExactly(SEED);
        assertThat(gcs.object(ARCHIVE, SEED).orElseThrow().content()).isEqualTo(object.content());
        String generation = Long.toString(object.generation());
        assertThat(gcs.requests()).anySatisfy(r -> {
            assertThat(r.operation()).isIn("rewrite", "copy");
            assertThat(r.bucket()).isEqualTo(UPLOAD);
            assertThat(r.param("ifSourceGenerationMatch")).contains(generation);
            assertThat(r.param("ifGenerationMatch")).contains("0");
        });
        assertThat(gcs.requests()).anySatisfy(r -> {
            assertThat(r.operation()).isEqualTo("delete");
            assertThat(r.bucket()).isEqualTo(UPLOAD);
            assertThat(r.object()).isEqualTo(SEED);
            assertThat(r.param("ifGenerationMatch")).contains(generation);
        });
        assertThat(ledger.rows()).filteredOn(r -> r.key().equals(SEED)).hasSize(1);
        assertThat(ledger.inserts()).isEqualTo(1);
        assertThat(accepted("chute_commit_")).hasSize(1);
        assertThat(bigquery.unknownRequests()).isEmpty();
        assertThat(gcs.unsupported()).isEmpty();
    }

    @Test
    void binaryModeDeliveryLoadsTheSeedFromItsGsUriCommitsThenArchivesAndRedeliveryLoadsNothing() throws Exception {
        InvokerProcess function = instance("60s");
        GcsJsonApiServer.StoredObject object = gcs.put(UPLOAD, SEED, seed);
        // what the ledger held when the archive copy began: nothing may leave landing before its rows are committed
        List<Integer> committedAtArchive = new ArrayList<>();
        gcs.onceBefore(r -> r.bucket().equals(UPLOAD) && Set.of("rewrite", "copy").contains(r.operation()), () -> committedAtArchive.add(ledger.inserts()));

        assertThat(send(binary(function, object))).as(function.output()).isEqualTo(200);

        List<JsonNode> loads = accepted("chute_load_");
        assertThat(loads).singleElement().satisfies(job -> {
            assertThat(job.path("jobReference").path("jobId").asText()).matches("chute_load_ecommerce_order_events_[0-9a-f]{24}_1");
            JsonNode load = job.path("configuration").path("load");
            assertThat(load.path("sourceUris").get(0).asText()).isEqualTo(SEED_URI);
            assertThat(load.path("sourceUris")).hasSize(1);
            assertThat(load.path("sourceFormat").asText()).isEqualTo("CSV");
            // the seed's first line is its header: read from the object through the Cloud Storage endpoint
            assertThat(load.path("skipLeadingRows").asInt()).isEqualTo(1);
            assertThat(load.path("schema").path("fields").findValuesAsText("name")).containsExactly("order_id", "customer_email", "action", "action_time");
            assertThat(load.path("schema").path("fields").get(3).path("type").asText()).isEqualTo("TIMESTAMP");
        });
        assertThat(gcs.requests()).anySatisfy(r -> {
            assertThat(r.operation()).isEqualTo("media");
            assertThat(r.object()).isEqualTo(SEED);
        });
        // then the commit: one query job, the transaction with the ledger, after the load
        JsonNode commit = accepted("chute_commit_").getFirst();
        assertThat(commit.path("configuration").path("query").path("query").asText()).contains("BEGIN TRANSACTION").contains("COMMIT TRANSACTION");
        assertThat(bigquery.insertedJobs().indexOf(commit)).isGreaterThan(bigquery.insertedJobs().indexOf(loads.getFirst()));
        assertThat(committedAtArchive).containsExactly(1);
        assertArchivedOnceWithPreconditions(object);
        assertThat(gcs.requests()).noneSatisfy(r -> {
            assertThat(r.operation()).isEqualTo("list");
            assertThat(r.bucket()).isEqualTo(UPLOAD);
        });

        // Eventarc delivers at least once: the same delivery again is acknowledged and starts no job
        int jobsBefore = bigquery.answered().size();
        assertThat(send(binary(function, object))).as(function.output()).isEqualTo(200);
        assertThat(inserts("chute_load_")).hasSize(1);
        assertThat(bigquery.answered().subList(jobsBefore, bigquery.answered().size())).noneSatisfy(a -> assertThat(a.insertedJobId()).isPresent());
        assertArchivedOnceWithPreconditions(object);
    }

    @Test
    void twoInstancesGivenTheSameObjectRunOneLoadJobAndOneCommit() throws Exception {
        InvokerProcess first = instance("120s");
        InvokerProcess second = instance("120s");
        GcsJsonApiServer.StoredObject object = gcs.put(UPLOAD, SEED, seed);
        // the load stays RUNNING until both instances have asked for it, so that they overlap for sure
        bigquery.hold(FunctionBigQueryInvokerIT::isLoad);

        CompletableFuture<HttpResponse<String>> a = http.sendAsync(first.structured(object, "event-1"), HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> b = http.sendAsync(binary(second, object), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(inserts("chute_load_")).hasSize(2));
        bigquery.release();

        assertThat(a.get().statusCode()).as(first.output()).isEqualTo(200);
        assertThat(b.get().statusCode()).as(second.output()).isEqualTo(200);
        List<Answered> loadInserts = inserts("chute_load_");
        // the same deterministic id from both: BigQuery accepts one and answers 409 ALREADY_EXISTS to the other, which waits for it
        assertThat(loadInserts).extracting(x -> x.insertedJobId().orElseThrow()).containsOnly(loadInserts.getFirst().insertedJobId().orElseThrow());
        assertThat(loadInserts).extracting(Answered::status).containsExactlyInAnyOrder(200, 409);
        assertThat(accepted("chute_load_")).hasSize(1);
        assertArchivedOnceWithPreconditions(object);
    }

    @Test
    void loadOutlivingTheWaitLimitIsPickedUpByTheRedeliveryThroughItsJobId() throws Exception {
        InvokerProcess cutOff = instance("3s");
        GcsJsonApiServer.StoredObject object = gcs.put(UPLOAD, SEED, seed);
        bigquery.hold(FunctionBigQueryInvokerIT::isLoad);

        // the load job is still RUNNING at the wait limit: the invocation fails so that Eventarc delivers again; nothing moved
        assertThat(send(cutOff.structured(object, "event-1"))).as(cutOff.output()).isEqualTo(500);
        assertThat(cutOff.output()).contains("was not handled within");
        assertThat(gcs.names(UPLOAD)).containsExactly(SEED);
        assertThat(gcs.names(ARCHIVE)).isEmpty();
        assertThat(accepted("chute_commit_")).isEmpty();
        String jobId = inserts("chute_load_").getFirst().insertedJobId().orElseThrow();
        assertThat(bigquery.job(jobId).orElseThrow().path("status").path("state").asText()).isEqualTo("RUNNING");
        // the instance is gone (cut off at the function's timeout, or recycled); its load job goes on running in BigQuery
        cutOff.kill();

        InvokerProcess retry = instance("120s");
        CompletableFuture<HttpResponse<String>> redelivery = http.sendAsync(retry.structured(object, "event-1"), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(inserts("chute_load_")).hasSize(2));
        assertThat(inserts("chute_load_").get(1)).satisfies(again -> {
            assertThat(again.insertedJobId()).contains(jobId);
            assertThat(again.status()).isEqualTo(409);
        });
        bigquery.release();

        assertThat(redelivery.get().statusCode()).as(retry.output()).isEqualTo(200);
        assertThat(accepted("chute_load_")).hasSize(1);
        assertArchivedOnceWithPreconditions(object);
        assertThat(ledger.rows()).filteredOn(r -> r.key().equals(SEED)).singleElement()
                .satisfies(r -> assertThat(r.commitJob()).isEqualTo(accepted("chute_commit_").getFirst().path("jobReference").path("jobId").asText()));
    }

    @Test
    void loadErrorNamingTheFileMovesItToFailedWithLineAndColumnAndIsAcknowledged() throws Exception {
        InvokerProcess function = instance("60s");
        String key = "ecommerce/order_events/bad_times.csv";
        String uri = "gs://" + UPLOAD + "/" + key;
        String csv = "order_id,customer_email,action,action_time\n1,a@example.com,created,2022-08-19T18:52:48Z\n2,b@example.com,paid,not-a-time\n";
        GcsJsonApiServer.StoredObject object = gcs.put(UPLOAD, key, csv.getBytes(StandardCharsets.UTF_8));
        // the shapes of a CSV load error as the BigQuery reference documents them: a summary errorResult, then one entry per bad row
        bigquery.failLoads(uri, List.of(
                new JobError("invalid", "", "Error while reading data, error message: CSV processing encountered too many errors, giving up. Rows: 2; errors: 1;"
                        + " max bad: 0; error percent: 0"),
                new JobError("invalid", uri, "Error while reading data, error message: Could not parse 'not-a-time' as TIMESTAMP for field action_time"
                        + " (position 3) starting at location 89 with message 'Invalid time zone: not-a-time'; line_number: 3 byte_offset_to_start_of_line: 89"
                        + " column_index: 3 column_name: \"action_time\" column_type: TIMESTAMP value: \"not-a-time\"")));

        assertThat(send(function.structured(object, "event-bad"))).as(function.output()).isEqualTo(200);

        assertThat(gcs.names(UPLOAD)).isEmpty();
        assertThat(gcs.names(ARCHIVE)).isEmpty();
        assertThat(gcs.names(FAILED)).containsExactlyInAnyOrder(key, key + ".error.json");
        assertThat(gcs.object(FAILED, key).orElseThrow().content()).isEqualTo(object.content());
        JsonNode reason = JSON.readTree(gcs.object(FAILED, key + ".error.json").orElseThrow().content());
        assertThat(reason.path("line").asLong()).isEqualTo(3);
        assertThat(reason.path("column").asText()).isEqualTo("action_time");
        assertThat(reason.path("reason").asText()).contains(key);
        // failed for good: no commit, and the one load job is not retried
        assertThat(accepted("chute_commit_")).isEmpty();
        assertThat(inserts("chute_load_")).hasSize(1);
        assertThat(ledger.rows()).isEmpty();
    }
}
