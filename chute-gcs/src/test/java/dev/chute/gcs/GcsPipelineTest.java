package dev.chute.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListener;
import dev.chute.testkit.gcs.GcsJsonApiServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole engine ({@link Chute} with DuckDB) on {@code store.type: gcs}, configured in YAML as a
 * user would, against {@link GcsJsonApiServer}: a contract server on 127.0.0.1 written from the Cloud
 * Storage JSON API reference, because Google Cloud Storage cannot be reached from where these tests
 * run. Files are uploaded with the official client, as a producer would.
 */
class GcsPipelineTest {
    private static final String BUCKET = "acme-drop";
    private static final String ORDERS = "order_id,amount\n1,9.50\n2,12.00\n3,4.25\n";

    @TempDir
    Path home;

    private GcsJsonApiServer server;
    private Storage producer;

    @BeforeEach
    void start() {
        server = GcsJsonApiServer.start().createBucket(BUCKET);
        producer = server.client();
    }

    @AfterEach
    void stop() throws Exception {
        producer.close();
        assertThat(server.unsupported()).as("requests the contract server does not implement").isEmpty();
        server.close();
    }

    private Chute open(String reconcileInterval) {
        String yaml = """
                store:
                  type: gcs
                  endpoint: %s
                  landing: gs://%s/landing/
                intake:
                  reconcile_interval: %s
                events:
                  - type: http
                """.formatted(server.endpoint(), BUCKET, reconcileInterval);
        Chute chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, PipelineListener.NONE);
        chute.start();
        return chute;
    }

    private Blob upload(String name, String content) {
        return producer.create(BlobInfo.newBuilder(BlobId.of(BUCKET, name)).setContentType("text/csv").build(), content.getBytes(StandardCharsets.UTF_8));
    }

    private static long rows(Chute chute, String table) {
        try {
            return ((Number) chute.query("SELECT count(*) FROM " + table).rows().get(0).get(0)).longValue();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Test
    void anUploadedFileIsLoadedOnceAndMovedToTheArchivePrefix() {
        try (Chute chute = open("200ms")) {
            upload("landing/sales/orders/2024/01.csv", ORDERS);

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(rows(chute, "sales.orders")).isEqualTo(3);
                assertThat(server.names(BUCKET)).containsExactly("archive/sales/orders/2024/01.csv");
            });
            assertThat(server.object(BUCKET, "archive/sales/orders/2024/01.csv").orElseThrow().text()).isEqualTo(ORDERS);
            assertThat(((Number) chute.query("SELECT sum(amount) FROM sales.orders").rows().get(0).get(0)).doubleValue()).isEqualTo(25.75);

            // the same bytes uploaded again are a duplicate version: no rows, and the redundant landing copy goes away
            upload("landing/sales/orders/2024/01.csv", ORDERS);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(server.names(BUCKET)).containsExactly("archive/sales/orders/2024/01.csv"));
            assertThat(rows(chute, "sales.orders")).isEqualTo(3);

            // new bytes under the same key are a new version, archived beside the first
            upload("landing/sales/orders/2024/01.csv", ORDERS + "4,1.00\n");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(rows(chute, "sales.orders")).isEqualTo(7);
                assertThat(server.names(BUCKET)).hasSize(2).allSatisfy(name -> assertThat(name).startsWith("archive/sales/orders/2024/01"));
            });
        }
    }

    @Test
    void aCloudEventDrivesTheLoadWithoutWaitingForTheListing() {
        try (Chute chute = open("1h")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> chute.pipeline().orElseThrow().lastReconcile().isPresent());
            Blob blob = upload("landing/sales/orders/2024/02.csv", ORDERS);
            String data = """
                    {"bucket": "%s", "name": "%s", "generation": "%d", "metageneration": "1", "size": "%d", "kind": "storage#object"}
                    """.formatted(BUCKET, blob.getName(), blob.getGeneration(), blob.getSize());
            Map<String, String> attributes = Map.of(
                    "ce-specversion", "1.0",
                    "ce-type", "google.cloud.storage.object.v1.finalized",
                    "ce-source", "//storage.googleapis.com/projects/_/buckets/" + BUCKET,
                    "ce-subject", "objects/" + blob.getName(),
                    "ce-id", "1");

            var events = chute.store().decodeNotification(data.getBytes(StandardCharsets.UTF_8), attributes);
            assertThat(events).extracting(e -> e.key()).containsExactly("sales/orders/2024/02.csv");
            assertThat(chute.pushEvents().orElseThrow().offer(events)).isTrue();

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(rows(chute, "sales.orders")).isEqualTo(3);
                assertThat(server.names(BUCKET)).isEqualTo(List.of("archive/sales/orders/2024/02.csv"));
            });
        }
    }
}
