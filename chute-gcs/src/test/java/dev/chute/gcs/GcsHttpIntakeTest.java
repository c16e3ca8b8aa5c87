package dev.chute.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListeners;
import dev.chute.server.ChuteServer;
import dev.chute.testkit.gcs.GcsJsonApiServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Google's deliveries through Chute's HTTP intake, end to end: the CloudEvent fixtures (Eventarc's
 * binary and structured modes, byte for byte as recorded) and Pub/Sub push envelopes go to the real
 * server, the GCS store decodes them, and a notified object is loaded and archived. The bucket is
 * {@link GcsJsonApiServer}, a contract server written from the JSON API reference, because Google
 * Cloud Storage cannot be reached from where these tests run. The listing is slowed to an hour, so
 * only the deliveries can start loads.
 */
class GcsHttpIntakeTest {
    private static final String BUCKET = "some-bucket";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    GcsJsonApiServer gcs;
    Storage producer;
    Chute chute;
    ChuteServer server;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        gcs = GcsJsonApiServer.start().createBucket(BUCKET).createBucket("archive-bucket");
        producer = gcs.client();
        String yaml = """
                store:
                  type: gcs
                  endpoint: %s
                  landing: gs://%s/
                  archive: gs://archive-bucket/archive/
                  failed: gs://archive-bucket/failed/
                intake:
                  reconcile_interval: 1h
                events:
                  - type: http
                """.formatted(gcs.endpoint(), BUCKET);
        PipelineListeners listeners = new PipelineListeners();
        chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, listeners);
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0));
        listeners.add(server.listener());
        chute.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        chute.close();
        producer.close();
        gcs.close();
    }

    private static byte[] fixture(String path) throws Exception {
        try (InputStream in = GcsHttpIntakeTest.class.getResourceAsStream("/fixtures/" + path)) {
            return in.readAllBytes();
        }
    }

    private long rows(String table) {
        try {
            return ((Number) chute.query("SELECT count(*) FROM " + table).rows().get(0).get(0)).longValue();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Sends a recorded raw HTTP request to the intake as it is, only aimed at this server's path and port. */
    private String sendRaw(byte[] recorded, String path) throws Exception {
        String text = new String(recorded, StandardCharsets.UTF_8);
        String aimed = text.replaceFirst("^POST / HTTP/1.1", "POST " + path + " HTTP/1.1")
                .replaceFirst("(?m)^Host: localhost:8080", "Host: 127.0.0.1:" + server.port());
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(aimed.replaceFirst("(?m)^Content-Type", "Connection: close\r\nContent-Type").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<String> post(String path, String contentType, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", contentType);
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void recordedEventarcDeliveriesAreAcceptedAndAnAbsentObjectLoadsNothing() throws Exception {
        String binary = sendRaw(fixture("binary-mode-derived/storage-finalized-conformance.http"), "/api/intake/cloudevents");
        assertThat(binary).startsWith("HTTP/1.1 200").contains("{\"events\":1}");
        HttpResponse<String> structured = post("/api/intake/cloudevents", "application/cloudevents+json",
                fixture("functions-framework-conformance/storage-cloudevent-input.json"), Map.of());
        assertThat(structured.statusCode()).as(structured.body()).isEqualTo(200);
        assertThat(JSON.readTree(structured.body()).path("events").asInt()).isEqualTo(1);
        // folder/Test.cs is not in the bucket: the events are settled without a load
        await().atMost(WAIT).until(() -> chute.pipeline().orElseThrow().eventsWithoutObject() >= 1);
        assertThat(chute.warehouse().tables()).isEmpty();
    }

    @Test
    void aFinalizedEventInBinaryModeLoadsTheSeedFileAndArchivesIt() throws Exception {
        String name = "ecommerce/order_events/order_events_001.csv";
        producer.create(BlobInfo.newBuilder(BlobId.of(BUCKET, name)).setContentType("text/csv").build(),
                Files.readAllBytes(Path.of("..", "samples", "order_events_001.csv")));
        JsonNode headers = JSON.readTree(fixture("binary-mode-derived/storage-finalized-conformance.headers.json"));
        ObjectNode body = (ObjectNode) JSON.readTree(fixture("binary-mode-derived/storage-finalized-conformance.body.json"));
        body.put("bucket", BUCKET).put("name", name).put("id", BUCKET + "/" + name);
        java.util.Map<String, String> ce = new java.util.LinkedHashMap<>();
        headers.fields().forEachRemaining(h -> {
            if (h.getKey().startsWith("ce-")) {
                ce.put(h.getKey(), h.getValue().asText());
            }
        });
        ce.put("ce-subject", "objects/" + name);
        HttpResponse<String> r = post("/api/intake/cloudevents", "application/json", JSON.writeValueAsBytes(body), ce);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        // the move is a copy and then a delete of the source: wait for both
        await().atMost(WAIT).until(() -> rows("ecommerce.order_events") == 10 && gcs.object("archive-bucket", "archive/" + name).isPresent()
                && gcs.object(BUCKET, name).isEmpty());
        // Eventarc delivers at least once: the same event again loads nothing more
        assertThat(post("/api/intake/cloudevents", "application/json", JSON.writeValueAsBytes(body), ce).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> chute.pipeline().orElseThrow().eventsWithoutObject() >= 1);
        assertThat(rows("ecommerce.order_events")).isEqualTo(10);
    }

    @Test
    void aPubSubPushOfAGcsNotificationLoadsTheObject() throws Exception {
        String name = "shop/orders/a.csv";
        producer.create(BlobInfo.newBuilder(BlobId.of(BUCKET, name)).build(), "id,amount\n1,2.5\n2,3.5\n".getBytes(StandardCharsets.UTF_8));
        ObjectNode resource = (ObjectNode) JSON.readTree(fixture("binary-mode-derived/storage-finalized-conformance.body.json"));
        resource.put("bucket", BUCKET).put("name", name);
        ObjectNode envelope = JSON.createObjectNode();
        ObjectNode message = envelope.putObject("message");
        message.put("data", Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(resource))).put("messageId", "1").put("publishTime", "2026-11-24T07:00:00Z");
        message.putObject("attributes").put("eventType", "OBJECT_FINALIZE").put("bucketId", BUCKET).put("objectId", name)
                .put("payloadFormat", "JSON_API_V1").put("notificationConfig", "projects/_/buckets/" + BUCKET + "/notificationConfigs/1");
        envelope.put("subscription", "projects/p/subscriptions/chute-push");
        HttpResponse<String> r = post("/api/intake/pubsub", "application/json", JSON.writeValueAsBytes(envelope), Map.of());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await().atMost(WAIT).until(() -> rows("shop.orders") == 2);
    }
}
