package dev.chute.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.testkit.gcs.GcsJsonApiServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The function's handling of deliveries, in process: the recorded binary-mode CloudEvent (headers
 * and body) goes to {@link FunctionHandler} as the Functions Framework hands it over, and the
 * engine works against {@link GcsJsonApiServer}, a contract server written from the Cloud Storage
 * JSON API reference, because Google Cloud Storage cannot be reached from where these tests run.
 * The requests it received show what the function asked of Cloud Storage.
 */
class FunctionHandlerTest {
    private static final String UPLOAD = "some-bucket";
    private static final String ARCHIVE = "archive-bucket";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    GcsJsonApiServer gcs;
    FunctionHandler handler;

    @BeforeEach
    void start() {
        gcs = GcsJsonApiServer.start().createBucket(UPLOAD).createBucket(ARCHIVE).createBucket("other-bucket");
        FunctionSettings settings = new FunctionSettings(Optional.of("chute-test"), ARCHIVE, Optional.empty(), "US",
                Optional.of("warehouse:\n  type: duckdb\n"), Duration.ofSeconds(60), home, Optional.of(gcs.endpoint()), Optional.empty());
        handler = new FunctionHandler(settings);
    }

    @AfterEach
    void stop() {
        handler.close();
        gcs.close();
    }

    static byte[] resource(String path) throws Exception {
        try (InputStream in = FunctionHandlerTest.class.getResourceAsStream("/fixtures/" + path)) {
            return in.readAllBytes();
        }
    }

    /** The recorded binary-mode headers, as the CloudEvent's attributes (ce-* only). */
    static Map<String, String> headers(String fixture) throws Exception {
        Map<String, String> attributes = new HashMap<>();
        JSON.readTree(resource("binary-mode-derived/" + fixture + ".headers.json")).fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("ce-")) {
                attributes.put(e.getKey(), e.getValue().asText());
            }
        });
        return attributes;
    }

    /** The recorded event, aimed at another object: subject, name, id, generation and size replaced. */
    record Delivery(Map<String, String> attributes, byte[] body) {
    }

    static Delivery finalized(GcsJsonApiServer.StoredObject object) throws Exception {
        Map<String, String> attributes = headers("storage-finalized-conformance");
        attributes.put("ce-subject", "objects/" + object.name());
        attributes.put("ce-source", "//storage.googleapis.com/projects/_/buckets/" + object.bucket());
        ObjectNode body = (ObjectNode) JSON.readTree(resource("binary-mode-derived/storage-finalized-conformance.body.json"));
        body.put("bucket", object.bucket());
        body.put("name", object.name());
        body.put("generation", Long.toString(object.generation()));
        body.put("size", Integer.toString(object.content().length));
        body.put("id", object.bucket() + "/" + object.name() + "/" + object.generation());
        return new Delivery(attributes, JSON.writeValueAsBytes(body));
    }

    private long rows(String table) {
        return ((Number) handler.engine().orElseThrow().warehouse().query("SELECT count(*) FROM " + table, 10, Duration.ofSeconds(30))
                .rows().get(0).get(0)).longValue();
    }

    @Test
    void recordedEventOfAnUnroutableObjectMovesItToFailedWithItsReason() throws Exception {
        gcs.put(UPLOAD, "folder/Test.cs", "class Test {}\n".getBytes());

        FunctionHandler.Outcome outcome = handler.handle(resource("binary-mode-derived/storage-finalized-conformance.body.json"),
                headers("storage-finalized-conformance"));

        assertThat(outcome).isEqualTo(FunctionHandler.Outcome.HANDLED);
        assertThat(gcs.names(UPLOAD)).isEmpty();
        assertThat(gcs.names(ARCHIVE)).containsExactlyInAnyOrder("failed/folder/Test.cs", "failed/folder/Test.cs.error.json");
        JsonNode reason = JSON.readTree(gcs.object(ARCHIVE, "failed/folder/Test.cs.error.json").orElseThrow().content());
        assertThat(reason.path("kind").asText()).isEqualTo("UNROUTABLE");
        assertThat(reason.path("reason").asText()).contains("folder/Test.cs");
    }

    @Test
    void seedFileIsLoadedAndArchivedWithGenerationPreconditions() throws Exception {
        GcsJsonApiServer.StoredObject seed = gcs.put(UPLOAD, "ecommerce/order_events/order_events_001.csv",
                Files.readAllBytes(Path.of("../samples/order_events_001.csv")));
        Delivery delivery = finalized(seed);

        assertThat(handler.handle(delivery.body(), delivery.attributes())).isEqualTo(FunctionHandler.Outcome.HANDLED);

        assertThat(rows("ecommerce.order_events")).isEqualTo(10);
        assertThat(gcs.names(UPLOAD)).isEmpty();
        assertThat(gcs.object(ARCHIVE, "archive/ecommerce/order_events/order_events_001.csv").orElseThrow().content()).isEqualTo(seed.content());
        String generation = Long.toString(seed.generation());
        List<GcsJsonApiServer.Request> requests = gcs.requests();
        assertThat(requests).anySatisfy(r -> {
            assertThat(r.operation()).isIn("rewrite", "copy");
            assertThat(r.bucket()).isEqualTo(UPLOAD);
            assertThat(r.param("ifSourceGenerationMatch")).contains(generation);
            assertThat(r.param("ifGenerationMatch")).contains("0");
        });
        assertThat(requests).anySatisfy(r -> {
            assertThat(r.operation()).isEqualTo("delete");
            assertThat(r.object()).isEqualTo("ecommerce/order_events/order_events_001.csv");
            assertThat(r.param("ifGenerationMatch")).contains(generation);
        });
        // the function never lists the upload bucket: it works only on the objects its events name
        assertThat(requests).noneSatisfy(r -> {
            assertThat(r.operation()).isEqualTo("list");
            assertThat(r.bucket()).isEqualTo(UPLOAD);
        });
    }

    @Test
    void redeliveredEventAndReuploadedSameContentMakeNoSecondLoad() throws Exception {
        byte[] csv = Files.readAllBytes(Path.of("../samples/order_events_001.csv"));
        GcsJsonApiServer.StoredObject first = gcs.put(UPLOAD, "ecommerce/order_events/order_events_001.csv", csv);
        Delivery delivery = finalized(first);
        handler.handle(delivery.body(), delivery.attributes());

        // Eventarc delivers at least once: the same event again finds the object archived
        assertThat(handler.handle(delivery.body(), delivery.attributes())).isEqualTo(FunctionHandler.Outcome.HANDLED);
        // the same bytes uploaded again (a new generation) are a duplicate: only the archive step runs
        GcsJsonApiServer.StoredObject again = gcs.put(UPLOAD, "ecommerce/order_events/order_events_001.csv", csv);
        Delivery second = finalized(again);
        assertThat(handler.handle(second.body(), second.attributes())).isEqualTo(FunctionHandler.Outcome.HANDLED);

        assertThat(rows("ecommerce.order_events")).isEqualTo(10);
        assertThat(gcs.names(UPLOAD)).isEmpty();
        assertThat(handler.engine().orElseThrow().warehouse().history("ecommerce/order_events/order_events_001.csv")).hasSize(1);
    }

    @Test
    void otherTypesBucketsAndPayloadsAreAcknowledgedWithoutLoading() throws Exception {
        GcsJsonApiServer.StoredObject seed = gcs.put(UPLOAD, "ecommerce/order_events/a.csv", "order_id\n1\n".getBytes());
        Delivery delivery = finalized(seed);
        Map<String, String> deleted = new HashMap<>(delivery.attributes());
        deleted.put("ce-type", "google.cloud.storage.object.v1.deleted");
        Map<String, String> metadata = new HashMap<>(delivery.attributes());
        metadata.put("ce-type", "google.cloud.storage.object.v1.metadataUpdated");
        Map<String, String> pubsubType = new HashMap<>(delivery.attributes());
        pubsubType.put("ce-type", "google.cloud.pubsub.topic.v1.messagePublished");

        assertThat(handler.handle(delivery.body(), deleted)).isEqualTo(FunctionHandler.Outcome.NO_CONTENT_CHANGE);
        assertThat(handler.handle(delivery.body(), metadata)).isEqualTo(FunctionHandler.Outcome.NO_CONTENT_CHANGE);
        assertThat(handler.handle(delivery.body(), pubsubType)).isEqualTo(FunctionHandler.Outcome.NOT_A_STORAGE_EVENT);
        assertThat(handler.handle("not json".getBytes(), Map.of())).isEqualTo(FunctionHandler.Outcome.NOT_A_STORAGE_EVENT);
        assertThat(gcs.names(UPLOAD)).containsExactly("ecommerce/order_events/a.csv");

        // the first finalized event fixes the instance's upload bucket; another bucket's events are acknowledged, not loaded
        assertThat(handler.handle(delivery.body(), delivery.attributes())).isEqualTo(FunctionHandler.Outcome.HANDLED);
        GcsJsonApiServer.StoredObject elsewhere = gcs.put("other-bucket", "ecommerce/order_events/b.csv", "order_id\n2\n".getBytes());
        Delivery other = finalized(elsewhere);
        assertThat(handler.handle(other.body(), other.attributes())).isEqualTo(FunctionHandler.Outcome.NOT_IN_LANDING);
        assertThat(gcs.names("other-bucket")).containsExactly("ecommerce/order_events/b.csv");
        assertThat(rows("ecommerce.order_events")).isEqualTo(1);
    }

    @Test
    void unavailableBucketFailsTheInvocationSoEventarcRetriesAndTheRetryLoads() throws Exception {
        GcsJsonApiServer.StoredObject seed = gcs.put(UPLOAD, "ecommerce/order_events/order_events_001.csv",
                Files.readAllBytes(Path.of("../samples/order_events_001.csv")));
        Delivery delivery = finalized(seed);
        // the download is refused once (a missing role, say): the client does not retry a 403, Chute counts it as passing
        gcs.failOnce(GcsJsonApiServer.request("media", UPLOAD, seed.name()), 403, 1);

        assertThatThrownBy(() -> handler.handle(delivery.body(), delivery.attributes()))
                .isInstanceOf(EventRetryException.class)
                .hasMessageContaining("ecommerce/order_events/order_events_001.csv")
                .hasMessageContaining("stays in landing");
        assertThat(gcs.names(UPLOAD)).containsExactly("ecommerce/order_events/order_events_001.csv");
        assertThat(gcs.names(ARCHIVE)).isEmpty();

        // Eventarc's next delivery of the same event
        assertThat(handler.handle(delivery.body(), delivery.attributes())).isEqualTo(FunctionHandler.Outcome.HANDLED);
        assertThat(rows("ecommerce.order_events")).isEqualTo(10);
        assertThat(gcs.names(UPLOAD)).isEmpty();
    }
}
