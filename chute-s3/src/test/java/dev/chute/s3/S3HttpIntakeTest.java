package dev.chute.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListeners;
import dev.chute.server.ChuteServer;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * MinIO's webhook deliveries through Chute's HTTP intake into the S3 store on an S3 protocol server
 * running in-process: MinIO's documented payload as it is, and the same shape naming a real upload,
 * which is loaded and archived. The listing is slowed to an hour, so only deliveries start loads.
 */
class S3HttpIntakeTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    S3TestServer s3;
    S3Client producer;
    Chute chute;
    ChuteServer server;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        s3 = new S3TestServer(dir.resolve("s3"), "test-bucket", "cold");
        producer = s3.client();
        String yaml = "store:\n  type: s3\n  endpoint: " + s3.endpoint() + "\n  path_style: true\n  checksums: when_required\n"
                + "  landing: s3://test-bucket/\n  archive: s3://cold/archive/\n  failed: s3://cold/failed/\n"
                + "intake:\n  reconcile_interval: 1h\nevents:\n  - type: http\n";
        Path home = dir.resolve("home");
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
        s3.close();
    }

    private static byte[] minioFixture() throws Exception {
        try (InputStream in = S3HttpIntakeTest.class.getResourceAsStream("/fixtures/minio/minio-docs/bucket-notification-ObjectCreated-Put.json")) {
            return in.readAllBytes();
        }
    }

    private HttpResponse<String> webhook(byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/intake/s3"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private long rows(String table) {
        try {
            return ((Number) chute.query("SELECT count(*) FROM " + table).rows().get(0).get(0)).longValue();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Test
    void minioDocumentedPayloadIsAcceptedAndItsAbsentObjectLoadsNothing() throws Exception {
        HttpResponse<String> r = webhook(minioFixture());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("events").asInt()).isEqualTo(1);
        await().atMost(WAIT).until(() -> chute.pipeline().orElseThrow().eventsWithoutObject() >= 1);
        assertThat(chute.warehouse().tables()).isEmpty();
    }

    @Test
    void aMinioNotificationOfAnUploadLoadsItOnceAndArchivesIt() throws Exception {
        String key = "ecommerce/order_events/order events 001.csv";
        producer.putObject(b -> b.bucket("test-bucket").key(key), RequestBody.fromBytes(Files.readAllBytes(Path.of("..", "samples", "order_events_001.csv"))));
        ObjectNode notification = (ObjectNode) JSON.readTree(minioFixture());
        notification.put("Key", "test-bucket/" + key);
        ((ObjectNode) notification.withArray("Records").get(0).path("s3").path("object")).put("key", URLEncoder.encode(key, StandardCharsets.UTF_8));
        byte[] body = JSON.writeValueAsBytes(notification);
        assertThat(webhook(body).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> rows("ecommerce.order_events") == 10
                && producer.listObjectsV2(b -> b.bucket("cold").prefix("archive/")).contents().stream().anyMatch(o -> o.key().equals("archive/" + key)));
        // MinIO retries a webhook it thinks failed: the second delivery loads nothing more
        assertThat(webhook(body).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> chute.pipeline().orElseThrow().eventsWithoutObject() >= 1);
        assertThat(rows("ecommerce.order_events")).isEqualTo(10);
    }
}
