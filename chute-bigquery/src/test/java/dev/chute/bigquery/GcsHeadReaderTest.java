package dev.chute.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FileFormat;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadFile;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import dev.chute.spi.Warehouse;
import dev.chute.testkit.bigquery.BigQueryContractServer;
import dev.chute.testkit.bigquery.ChuteLedgerModel;
import dev.chute.testkit.gcs.GcsJsonApiServer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Header detection through the Cloud Storage client: the warehouse made by its factory with
 * {@code storage_endpoint} reads the first line of each CSV object from {@link GcsJsonApiServer} (a
 * contract server written from the Cloud Storage JSON API reference) and sets the load job's
 * {@code skipLeadingRows}, which {@link BigQueryContractServer} (written from the BigQuery REST
 * reference) records. Neither Google service can be reached from where these tests run.
 */
class GcsHeadReaderTest {
    private static final String PROJECT = "chute-head-test";
    private static final String BUCKET = "landing-bucket";
    private static final TableId ORDERS = new TableId("ecommerce", "order_events");

    @TempDir
    Path home;
    BigQueryContractServer bigquery;
    GcsJsonApiServer gcs;

    @BeforeEach
    void start() {
        bigquery = BigQueryContractServer.start(PROJECT);
        ChuteLedgerModel.install(bigquery, BigQueryWarehouse.PARTLY_COMMITTED);
        gcs = GcsJsonApiServer.start().createBucket(BUCKET);
    }

    @AfterEach
    void stop() {
        bigquery.close();
        gcs.close();
    }

    private Warehouse warehouse() {
        return new BigQueryWarehouseFactory().create(new ConnectorContext(home, Map.of("project", PROJECT, "endpoint", bigquery.endpoint(),
                "storage_endpoint", gcs.endpoint())));
    }

    private LoadFile object(String key, byte[] content) {
        GcsJsonApiServer.StoredObject stored = gcs.put(BUCKET, key, content);
        URI uri = URI.create("gs://" + BUCKET + "/" + key);
        bigquery.detectedSchema(uri.toString(), List.of("order_id:STRING", "amount:INTEGER"));
        return new LoadFile(new ObjectVersion(key, "md5:" + stored.md5().orElseThrow(), content.length), Optional.empty(), Optional.of(uri),
                FileFormat.fromFileName(key).orElseThrow());
    }

    private static TableSpec autodetected() {
        return new TableSpec(Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), TableSpec.Encoding.UTF_8, TableSpec.OnOverwrite.APPEND,
                TableSpec.OnTypeConflict.FAIL, 0, true);
    }

    private int skipLeadingRowsOfLoad(String uri) {
        return bigquery.insertedJobs().stream().map(j -> j.path("configuration").path("load"))
                .filter(l -> l.path("sourceUris").valueStream().anyMatch(u -> u.asText().equals(uri)))
                .map(l -> l.path("skipLeadingRows").asInt(0)).findFirst().orElseThrow(() -> new AssertionError("no load job read " + uri));
    }

    @Test
    void firstLineDecidesSkipLeadingRowsWhenReadFromTheStorageEndpoint() throws Exception {
        LoadFile headed = object("ecommerce/order_events/headed.csv", "order_id,amount\nA-1,10\n".getBytes(StandardCharsets.UTF_8));
        LoadFile bare = object("ecommerce/order_events/bare.csv", "A-2,20\nA-3,30\n".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(zipped)) {
            out.write("\uFEFForder_id,amount\r\nA-4,40\r\n".getBytes(StandardCharsets.UTF_8));
        }
        LoadFile gzipped = object("ecommerce/order_events/zipped.csv.gz", zipped.toByteArray());

        try (Warehouse w = warehouse()) {
            List<FileOutcome> outcomes = w.load(new LoadBatch("L1", ORDERS, autodetected(), List.of(headed, bare, gzipped)), f -> true);
            assertThat(outcomes).extracting(FileOutcome::status).containsOnly(FileOutcome.Status.COMMITTED);
        }

        assertThat(skipLeadingRowsOfLoad("gs://landing-bucket/ecommerce/order_events/headed.csv")).isEqualTo(1);
        assertThat(skipLeadingRowsOfLoad("gs://landing-bucket/ecommerce/order_events/bare.csv")).isEqualTo(0);
        assertThat(skipLeadingRowsOfLoad("gs://landing-bucket/ecommerce/order_events/zipped.csv.gz")).isEqualTo(1);
        // each head came from a media download of the object on the storage endpoint, never a listing
        for (String name : List.of("ecommerce/order_events/headed.csv", "ecommerce/order_events/bare.csv", "ecommerce/order_events/zipped.csv.gz")) {
            assertThat(gcs.requests()).anySatisfy(r -> {
                assertThat(r.operation()).isEqualTo("media");
                assertThat(r.bucket()).isEqualTo(BUCKET);
                assertThat(r.object()).isEqualTo(name);
            });
        }
        assertThat(gcs.requests()).noneSatisfy(r -> assertThat(r.operation()).isEqualTo("list"));
        assertThat(gcs.unsupported()).isEmpty();
    }

    @Test
    void unreadableObjectIsAFailureThatMayPassNamingTheUri() {
        GcsHeadReader reader = new GcsHeadReader(gcs.client());
        URI missing = URI.create("gs://" + BUCKET + "/ecommerce/order_events/gone.csv");
        gcs.put(BUCKET, "ecommerce/order_events/present.csv", "order_id\n1\n".getBytes(StandardCharsets.UTF_8));

        assertThat(reader.firstLine(URI.create("gs://" + BUCKET + "/ecommerce/order_events/present.csv"), FileFormat.fromFileName("x.csv").orElseThrow()))
                .contains("order_id");
        assertThatThrownBy(() -> reader.firstLine(missing, FileFormat.fromFileName("x.csv").orElseThrow()))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
                .hasMessageContaining(missing.toString());
    }

    @Test
    void storageEndpointIsValidatedLikeTheOtherEndpoint() {
        assertThatThrownBy(() -> BigQuerySettings.from(new ConnectorContext(home, Map.of("storage_endpoint", "gs://not-a-root/path"))))
                .hasMessageContaining("warehouse.storage_endpoint").hasMessageContaining("gs://not-a-root/path");
        assertThat(BigQuerySettings.from(new ConnectorContext(home, Map.of("storage_endpoint", gcs.endpoint()))).storageAnonymous()).isTrue();
    }
}
