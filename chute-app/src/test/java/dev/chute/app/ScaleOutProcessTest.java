package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chute.testkit.S3ProxyServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Issue 5, scale-out: three {@code chute up} processes share one S3 bucket (S3Proxy in this JVM,
 * in memory),
 * one NATS JetStream work queue and one PostgreSQL database (the servers on this machine). Thousands
 * of small objects are uploaded, every notification is published twice (some three times), and one
 * worker is killed with SIGKILL while loading. The proof is in the shared state, read without Chute:
 * every row is in its table exactly once, the ledger has one entry per object, every object is in
 * the archive and none in landing or failed, and the queue is drained.
 */
class ScaleOutProcessTest {
    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/";
    private static final String NATS = "nats://127.0.0.1:4222";
    private static final String BUCKET = "lake";
    private static final List<String> TABLES = List.of("fleet/pings", "fleet/trips", "shop/orders");
    private static final int OBJECTS = 2_000;
    private static final int WORKERS = 3;

    @TempDir
    Path dir;

    private ChuteProcesses chute;
    private final String id = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final String database = "chute_scale_" + id;
    private final String readerRole = "chute_reader_" + id;
    private final String stream = "chute_scale_" + id;
    private final String subject = "chute.scale." + id;

    @BeforeEach
    void setUp(TestInfo test) throws SQLException {
        chute = ChuteProcesses.forTest(test);
        try (var c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
    }

    @AfterEach
    void tearDown() throws SQLException {
        chute.close();
        try (var c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + readerRole + "'")) {
                if (!rs.next()) {
                    return;
                }
            }
            s.execute("DROP ROLE " + readerRole);
        }
    }

    @Test
    void threeWorkersLoadEveryObjectExactlyOnceWhileOneIsKilled() throws Exception {
        long seed = Long.getLong("chute.scale.seed", System.nanoTime());
        System.out.println("ScaleOutProcessTest seed " + seed + " (rerun with -Dchute.scale.seed=" + seed + ")");
        Random random = new Random(seed);
        try (S3ProxyServer s3 = S3ProxyServer.inMemory(BUCKET);
             Connection nats = Nats.connect(NATS);
             S3Client producer = producer(s3)) {
            nats.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(subject)
                    .retentionPolicy(RetentionPolicy.WorkQueue).storageType(StorageType.Memory).build());
            try {
                Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY,
                        "AWS_REGION", "us-east-1");
                List<ChuteProcess> workers = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    Path home = Files.createDirectories(dir.resolve("worker-" + w));
                    Files.writeString(home.resolve("chute.yaml"), config(s3));
                    workers.add(chute.up(home, env));
                }

                Map<String, Integer> expected = new TreeMap<>();
                ExecutorService uploads = Executors.newSingleThreadExecutor();
                Future<?> uploading = uploads.submit(() -> {
                    upload(producer, nats, random, expected);
                    return null;
                });

                // kill a worker once loading is well under way, while uploads still come
                ChuteProcess victim = workers.get(1);
                await("a third of the objects committed").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100))
                        .until(() -> ledgerEntries() >= OBJECTS / 3);
                victim.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                System.out.printf("killed worker pid %d after %d ledger entries%n", victim.process().pid(), ledgerEntries());
                uploading.get(5, TimeUnit.MINUTES);
                uploads.shutdown();

                await("every object archived").atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    assertThat(keys(producer, "failed/")).as("failed objects").isEmpty();
                    assertThat(ledgerEntries()).as("ledger entries").isEqualTo(OBJECTS);
                    assertThat(keys(producer, "landing/")).as("landing").isEmpty();
                    assertThat(keys(producer, "archive/")).as("archive").hasSize(OBJECTS);
                });
                assertThat(keys(producer, "archive/")).containsExactlyElementsOf(expected.keySet().stream().map(k -> "archive/" + k).toList());

                for (String table : TABLES) {
                    String sqlTable = "\"" + table.replace("/", "\".\"") + "\"";
                    Map<String, Integer> perFile = new TreeMap<>();
                    expected.forEach((key, rows) -> {
                        if (key.startsWith(table + "/")) {
                            perFile.put(key, rows);
                        }
                    });
                    assertThat(pairs("SELECT _chute_source, count(*) FROM " + sqlTable + " GROUP BY 1"))
                            .as("rows per object in " + table).isEqualTo(perFile);
                    assertThat(scalar("SELECT count(*) - count(DISTINCT id) FROM " + sqlTable)).as("ids loaded twice in " + table).isZero();
                    assertThat(pairs("SELECT object_key, rows FROM _chute.ledger WHERE table_name = '" + table.replace('/', '.') + "'"))
                            .as("ledger of " + table).isEqualTo(perFile);
                }
                long expectedRows = expected.values().stream().mapToLong(Integer::longValue).sum();
                assertThat(TABLES.stream().mapToLong(t -> scalar("SELECT count(*) FROM \"" + t.replace("/", "\".\"") + "\"")).sum())
                        .as("rows in all tables").isEqualTo(expectedRows);

                // every notification, duplicates and the killed worker's unacknowledged ones included, is acknowledged
                await("queue drained").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> nats.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount() == 0);

                // the queue spread the work: both surviving workers committed files
                for (ChuteProcess w : List.of(workers.get(0), workers.get(2))) {
                    assertThat(filesLoaded(w)).as("files loaded by worker pid " + w.process().pid() + "\n" + w.output()).isPositive();
                }
                for (ChuteProcess w : List.of(workers.get(0), workers.get(2))) {
                    assertThat(w.terminate()).isIn(0, 143);
                }
            } finally {
                try {
                    nats.jetStreamManagement().deleteStream(stream);
                } catch (JetStreamApiException | IOException e) {
                    System.out.println("stream " + stream + " not deleted: " + e);
                }
            }
        }
    }

    private String config(S3ProxyServer s3) {
        return """
                store:
                  type: s3
                  endpoint: %s
                  path_style: true
                  checksums: when_required
                  landing: s3://%s/landing/
                  archive: s3://%s/archive/
                  failed: s3://%s/failed/
                warehouse:
                  type: postgres
                  url: %s
                  user: postgres
                  reader_role: %s
                  reader_password: scale-out-test-reader
                intake:
                  reconcile_interval: 2s
                  listing_grace: 20s
                batch:
                  max_files: 200
                events:
                  - {type: nats, url: '%s', stream: %s, subject: %s, durable: workers, ack_wait: 10s}
                """.formatted(s3.endpoint(), BUCKET, BUCKET, BUCKET, PG + database, readerRole, NATS, stream, subject);
    }

    /** Uploads every object and publishes its notification twice, a tenth of them a third time much later. */
    private void upload(S3Client producer, Connection nats, Random random, Map<String, Integer> expected) throws Exception {
        List<String> late = new ArrayList<>();
        for (int n = 0; n < OBJECTS; n++) {
            String table = TABLES.get(n % TABLES.size());
            String key = "%s/part-%05d.csv".formatted(table, n);
            int rows = 1 + random.nextInt(5);
            StringBuilder csv = new StringBuilder("id,worker_seq,amount\n");
            for (int r = 0; r < rows; r++) {
                csv.append(n).append('-').append(r).append(',').append(r).append(',').append(random.nextInt(10_000)).append('\n');
            }
            producer.putObject(b -> b.bucket(BUCKET).key("landing/" + key), RequestBody.fromString(csv.toString()));
            synchronized (expected) {
                expected.put(key, rows);
            }
            byte[] event = notification("landing/" + key);
            nats.jetStream().publish(subject, event);
            nats.jetStream().publish(subject, event);
            if (random.nextInt(10) == 0) {
                late.add(key);
            }
        }
        for (String key : late) {
            nats.jetStream().publish(subject, notification("landing/" + key));
        }
    }

    /** An S3 event notification as S3 (or MinIO) would publish it for an upload. */
    private static byte[] notification(String objectKey) {
        String json = """
                {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
                "s3":{"bucket":{"name":"%s"},"object":{"key":"%s"}}}]}""".formatted(BUCKET, objectKey);
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static S3Client producer(S3ProxyServer s3) {
        return S3Client.builder()
                .endpointOverride(s3.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    private static List<String> keys(S3Client s3, String prefix) {
        List<String> keys = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents()) {
            if (!o.key().endsWith("/")) {
                keys.add(o.key());
            }
        }
        keys.sort(null);
        return keys;
    }

    private long ledgerEntries() {
        try {
            return scalar("SELECT count(*) FROM _chute.ledger");
        } catch (IllegalStateException e) {
            return 0; // not created yet
        }
    }

    private long scalar(String sql) {
        try (var c = DriverManager.getConnection(PG + database, "postgres", ""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Integer> pairs(String sql) {
        Map<String, Integer> result = new TreeMap<>();
        try (var c = DriverManager.getConnection(PG + database, "postgres", ""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                result.put(rs.getString(1), rs.getInt(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
        return result;
    }

    /** Files this worker committed, summed over tables, from its own /metrics. */
    private static long filesLoaded(ChuteProcess worker) {
        String metrics = worker.get("/metrics").raw();
        long sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("chute_files_loaded_total{")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
