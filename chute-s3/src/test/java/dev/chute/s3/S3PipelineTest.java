package dev.chute.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.Pipeline;
import dev.chute.core.PipelineListener;
import dev.chute.duckdb.DuckDbWarehouse;
import dev.chute.duckdb.DuckDbWarehouseFactory;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ObjectEvent;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The real engine and the real DuckDB warehouse on an S3 protocol server: upload, load once, archive. */
class S3PipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    Path home;
    S3TestServer server;
    S3Client producer;

    @BeforeEach
    void start() throws Exception {
        home = dir.resolve("home");
        server = new S3TestServer(dir.resolve("s3"), "lake", "cold");
        producer = server.client();
    }

    @AfterEach
    void stop() throws Exception {
        producer.close();
        server.close();
    }

    private String yaml(String reconcile, String extra) {
        return "store:\n"
                + "  type: s3\n"
                + "  endpoint: " + server.endpoint() + "\n"
                + "  path_style: true\n"
                + "  checksums: when_required\n"
                + "  landing: s3://lake/landing/\n"
                + "  archive: s3://cold/archive/\n"
                + "  failed: s3://lake/failed/\n"
                + "intake:\n"
                + "  reconcile_interval: " + reconcile + "\n"
                + "retry:\n"
                + "  initial_backoff: 50ms\n"
                + "  max_backoff: 200ms\n"
                + extra;
    }

    private Chute open(String yaml) {
        Chute chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, PipelineListener.NONE);
        chute.start();
        return chute;
    }

    private static long scalar(Chute chute, String sql) {
        return ((Number) chute.query(sql).rows().get(0).get(0)).longValue();
    }

    private static long tableRows(Chute chute, String table) {
        try {
            return scalar(chute, "SELECT count(*) FROM " + table);
        } catch (RuntimeException e) {
            return -1; // not created yet
        }
    }

    private void upload(String bucket, String key, String content) {
        producer.putObject(b -> b.bucket(bucket).key(key).contentType("text/csv"), RequestBody.fromString(content));
    }

    private List<String> keys(String bucket, String prefix) {
        List<String> keys = new ArrayList<>();
        for (S3Object o : producer.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            if (!o.key().endsWith("/")) {
                keys.add(o.key());
            }
        }
        return keys;
    }

    private String read(String bucket, String key) throws IOException {
        try (InputStream in = producer.getObject(b -> b.bucket(bucket).key(key))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void uploadFoundByTheListingIsLoadedOnceAndArchivedAndAReuploadDoesNotDuplicate() throws Exception {
        String orders = "order_id,customer_email,action\n1,a@example.com,created\n2,b@example.com,paid\n3,c@example.com,shipped\n";
        try (Chute chute = open(yaml("200ms", ""))) {
            upload("lake", "landing/sales/orders/2026/11/orders-1.csv", orders);

            await().atMost(WAIT).until(() -> keys("cold", "archive/").contains("archive/sales/orders/2026/11/orders-1.csv"));
            assertThat(tableRows(chute, "sales.orders")).isEqualTo(3);
            assertThat(keys("lake", "landing/")).isEmpty();
            assertThat(read("cold", "archive/sales/orders/2026/11/orders-1.csv")).isEqualTo(orders);
            assertThat(scalar(chute, "SELECT count(*) FROM _chute.ledger")).isEqualTo(1);

            // the producer sends the same file again: a duplicate version, archived away without rows
            upload("lake", "landing/sales/orders/2026/11/orders-1.csv", orders);
            await().atMost(WAIT).until(() -> keys("lake", "landing/").isEmpty());
            assertThat(tableRows(chute, "sales.orders")).isEqualTo(3);
            assertThat(keys("cold", "archive/")).containsExactly("archive/sales/orders/2026/11/orders-1.csv");

            // new content under the same key is a new version, archived beside the first one
            upload("lake", "landing/sales/orders/2026/11/orders-1.csv", orders + "4,d@example.com,returned\n");
            await().atMost(WAIT).until(() -> tableRows(chute, "sales.orders") == 7 && keys("lake", "landing/").isEmpty());
            await().atMost(WAIT).until(() -> keys("cold", "archive/").size() == 2);
            assertThat(keys("cold", "archive/")).contains("archive/sales/orders/2026/11/orders-1.csv")
                    .anySatisfy(k -> assertThat(k).matches("archive/sales/orders/2026/11/orders-1~[0-9a-f]+\\.csv"));
        }
    }

    @Test
    void notificationInTheFixturesShapeDrivesTheLoadWithoutAListing() throws Exception {
        String http = "events:\n  - type: http\n";
        try (Chute chute = open(yaml("1h", http))) {
            // the first listing ran at start, before the upload; from here on only the event announces it
            await().atMost(WAIT).until(() -> chute.pipeline().orElseThrow().lastReconcile().isPresent());
            String key = "landing/web/clicks/day 1/clicks+1.csv";
            upload("lake", key, "id,page\n1,/home\n2,/cart\n");
            upload("lake", "failed/web/clicks/old.csv", "id,page\n9,/x\n");

            String template = new String(S3PipelineTest.class.getResourceAsStream("/fixtures/s3/aws-lambda-dotnet/s3-event.json").readAllBytes(), StandardCharsets.UTF_8);
            String notification = template.replace("\"sourcebucket\"", "\"lake\"")
                    .replace("\"HappyFace.jpg\"", "\"" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/") + "\"")
                    .replace("\"New+File.jpg\"", "\"failed/web/clicks/old.csv\"");
            List<ObjectEvent> events = chute.store().decodeNotification(notification.getBytes(StandardCharsets.UTF_8), Map.of("content-type", "application/json"));
            assertThat(events).extracting(ObjectEvent::key).containsExactly("web/clicks/day 1/clicks+1.csv");
            assertThat(chute.pushEvents().orElseThrow().offer(events)).isTrue();

            await().atMost(WAIT).until(() -> tableRows(chute, "web.clicks") == 2);
            await().atMost(WAIT).until(() -> keys("cold", "archive/").equals(List.of("archive/web/clicks/day 1/clicks+1.csv")));
            assertThat(keys("lake", "landing/")).isEmpty();
            assertThat(keys("lake", "failed/")).containsExactly("failed/web/clicks/old.csv");

            // the same notification again (at-least-once delivery): acknowledged, nothing loaded twice
            long before = chute.pipeline().orElseThrow().eventsWithoutObject();
            chute.pushEvents().orElseThrow().offer(events);
            await().atMost(WAIT).until(() -> chute.pipeline().orElseThrow().eventsWithoutObject() > before);
            assertThat(tableRows(chute, "web.clicks")).isEqualTo(2);
        }
    }

    @Test
    void crashBetweenCommitAndArchiveIsHealedWithoutReloading() throws Exception {
        String yaml = yaml("200ms", "");
        S3Settings settings = S3Settings.from(new ConnectorContext(home, ChuteConfig.parse(yaml, "test").storeSettings()));
        S3Recorder recorder = new S3Recorder();
        // every delete of a landing object fails: the copy to the archive happens, the source stays
        recorder.failNext(r -> r instanceof DeleteObjectRequest d && d.key().startsWith("landing/"), Integer.MAX_VALUE);
        S3ObjectStore crashing = new S3ObjectStore(S3ObjectStore.clientBuilder(settings).overrideConfiguration(o -> o.addExecutionInterceptor(recorder)).build(),
                settings, S3ObjectStore.MAX_SINGLE_COPY, 1L << 30, 8 << 20);
        ChuteConfig config = ChuteConfig.parse(yaml, "test");
        try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(home.resolve("warehouse.duckdb"), DuckDbWarehouseFactory.stageRoot(home));
             Pipeline pipeline = new Pipeline(crashing, warehouse, List.of(), config, home.resolve(".chute"), PipelineListener.NONE)) {
            pipeline.start();
            upload("lake", "landing/heal/t/a.csv", "id\n1\n2\n");
            await().atMost(WAIT).until(() -> pipeline.archiveProblem().isPresent());
            assertThat(((Number) warehouse.query("SELECT count(*) FROM _chute.ledger", 1, WAIT).rows().get(0).get(0)).longValue()).isEqualTo(1);
            // half moved: the archive has the copy, landing still has the source
            assertThat(keys("cold", "archive/")).containsExactly("archive/heal/t/a.csv");
            assertThat(keys("lake", "landing/")).containsExactly("landing/heal/t/a.csv");
        } finally {
            crashing.close();
        }
        // the process is gone; a new one with a working store finishes the move, loads nothing again
        try (Chute chute = open(yaml)) {
            await().atMost(WAIT).until(() -> keys("lake", "landing/").isEmpty());
            assertThat(keys("cold", "archive/")).containsExactly("archive/heal/t/a.csv");
            assertThat(tableRows(chute, "heal.t")).isEqualTo(2);
            assertThat(scalar(chute, "SELECT count(*) FROM _chute.ledger")).isEqualTo(1);
            await().atMost(WAIT).until(() -> chute.pipeline().orElseThrow().archiveProblem().isEmpty());
        }
    }

    @Test
    void crashBeforeTheArchiveCopyIsHealedWithoutReloading() throws Exception {
        String yaml = yaml("200ms", "");
        S3Settings settings = S3Settings.from(new ConnectorContext(home, ChuteConfig.parse(yaml, "test").storeSettings()));
        S3Recorder recorder = new S3Recorder();
        recorder.failNext(r -> r instanceof software.amazon.awssdk.services.s3.model.CopyObjectRequest, Integer.MAX_VALUE);
        S3ObjectStore crashing = new S3ObjectStore(S3ObjectStore.clientBuilder(settings).overrideConfiguration(o -> o.addExecutionInterceptor(recorder)).build(),
                settings, S3ObjectStore.MAX_SINGLE_COPY, 1L << 30, 8 << 20);
        try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(home.resolve("warehouse.duckdb"), DuckDbWarehouseFactory.stageRoot(home));
             Pipeline pipeline = new Pipeline(crashing, warehouse, List.of(), ChuteConfig.parse(yaml, "test"), home.resolve(".chute"), PipelineListener.NONE)) {
            pipeline.start();
            upload("lake", "landing/heal/t/b.csv", "id\n1\n2\n3\n");
            await().atMost(WAIT).until(() -> pipeline.archiveProblem().isPresent());
            assertThat(keys("cold", "archive/")).isEmpty();
        } finally {
            crashing.close();
        }
        try (Chute chute = open(yaml)) {
            await().atMost(WAIT).until(() -> keys("lake", "landing/").isEmpty());
            assertThat(keys("cold", "archive/")).containsExactly("archive/heal/t/b.csv");
            assertThat(tableRows(chute, "heal.t")).isEqualTo(3);
            assertThat(scalar(chute, "SELECT count(*) FROM _chute.ledger")).isEqualTo(1);
        }
    }
}
