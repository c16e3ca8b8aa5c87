package dev.chute.gcs;

import static dev.chute.testkit.gcs.GcsJsonApiServer.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.testkit.gcs.GcsJsonApiServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GcsObjectStore} through the official client against {@link GcsJsonApiServer}, a contract
 * server on 127.0.0.1 written from the Cloud Storage JSON API reference. Google Cloud Storage
 * itself cannot be reached from where these tests run; the server's request and response shapes,
 * generations, checksums and precondition answers (412, 404) follow the documented API.
 */
class GcsObjectStoreTest {
    private static final String BUCKET = "chute-data";

    @TempDir
    Path home;

    private GcsJsonApiServer server;
    private Storage client;
    private GcsObjectStore store;

    @BeforeEach
    void start() {
        server = GcsJsonApiServer.start().createBucket(BUCKET).createBucket("chute-archive");
        client = server.client();
        store = open(Map.of("landing", "gs://" + BUCKET + "/landing/"));
    }

    private GcsObjectStore open(Map<String, String> settings) {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("type", "gcs");
        all.put("endpoint", server.endpoint());
        return (GcsObjectStore) new GcsObjectStoreFactory().create(new ConnectorContext(home, all));
    }

    @AfterEach
    void stop() throws Exception {
        store.close();
        client.close();
        assertThat(server.unsupported()).as("requests the contract server does not implement").isEmpty();
        server.close();
    }

    private Blob upload(String name, String content) {
        return client.create(BlobInfo.newBuilder(BlobId.of(BUCKET, name)).build(), content.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String md5Hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }

    private List<String> keys(ObjectRef.Area area, String prefix) {
        List<String> keys = new ArrayList<>();
        store.list(area, prefix, info -> keys.add(info.ref().key()));
        return keys;
    }

    @Test
    void listsOnlyItsAreaAcrossPagesAndSkipsFolderPlaceholders() {
        server.pageSize(2);
        upload("landing/sales/orders/a.csv", "a");
        upload("landing/sales/orders/b.csv", "b");
        upload("landing/sales/orders/c.csv", "c");
        upload("landing/sales/orders/", "");
        upload("landing2/sales/orders/x.csv", "x");
        upload("archive/sales/orders/a.csv", "a");

        assertThat(keys(ObjectRef.Area.LANDING, "")).containsExactly("sales/orders/a.csv", "sales/orders/b.csv", "sales/orders/c.csv");
        assertThat(keys(ObjectRef.Area.LANDING, "sales/orders/b")).containsExactly("sales/orders/b.csv");
        assertThat(keys(ObjectRef.Area.ARCHIVE, "")).containsExactly("sales/orders/a.csv");
        assertThat(keys(ObjectRef.Area.FAILED, "")).isEmpty();
        assertThat(server.requests()).filteredOn(r -> r.operation().equals("list") && r.param("pageToken").isPresent()).isNotEmpty();
        assertThat(server.requests()).filteredOn(r -> r.operation().equals("list")).allSatisfy(r -> assertThat(r.param("prefix")).isPresent());
    }

    @Test
    void statReportsSizeUpdateTimeGenerationFingerprintAndMd5Checksum() throws Exception {
        Blob blob = upload("landing/sales/orders/a.csv", "id,amount\n1,9.5\n");

        ObjectInfo info = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();

        assertThat(info.size()).isEqualTo(16);
        assertThat(info.fingerprint()).isEqualTo("g" + blob.getGeneration() + "/m1/s16");
        assertThat(info.checksum()).contains("md5:" + md5Hex("id,amount\n1,9.5\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(info.lastModified()).isEqualTo(blob.getUpdateTimeOffsetDateTime().toInstant());
        assertThat(GcsObjectStore.generationOf(info)).isEqualTo(blob.getGeneration());
        assertThat(store.stat(ObjectRef.landing("sales/orders/missing.csv"))).isEmpty();
    }

    @Test
    void reuploadingTheSameBytesKeepsTheChecksumSoTheVersionIsADuplicate() {
        upload("landing/sales/orders/a.csv", "same bytes\n");
        ObjectInfo first = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();
        upload("landing/sales/orders/a.csv", "same bytes\n");
        ObjectInfo second = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();
        upload("landing/sales/orders/a.csv", "other bytes\n");
        ObjectInfo third = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();

        assertThat(second.checksum()).isEqualTo(first.checksum());
        assertThat(second.fingerprint()).isNotEqualTo(first.fingerprint());
        assertThat(third.checksum()).isNotEqualTo(first.checksum());
    }

    @Test
    void metadataUpdateChangesTheFingerprintButNotTheChecksum() {
        Blob blob = upload("landing/sales/orders/a.csv", "x\n");
        ObjectInfo before = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();

        client.update(blob.toBuilder().setMetadata(Map.of("owner", "sales")).build());
        ObjectInfo after = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();

        assertThat(after.fingerprint()).isEqualTo("g" + blob.getGeneration() + "/m2/s2");
        assertThat(after.checksum()).isEqualTo(before.checksum());
    }

    @Test
    void composedObjectsHaveNoMd5SoTheirChecksumIsCrc32c() {
        upload("landing/parts/1", "id,amount\n");
        upload("landing/parts/2", "1,9.5\n");
        client.compose(Storage.ComposeRequest.newBuilder().addSource("landing/parts/1", "landing/parts/2")
                .setTarget(BlobInfo.newBuilder(BUCKET, "landing/sales/orders/joined.csv").build()).build());

        ObjectInfo info = store.stat(ObjectRef.landing("sales/orders/joined.csv")).orElseThrow();

        CRC32C crc = new CRC32C();
        crc.update("id,amount\n1,9.5\n".getBytes(StandardCharsets.UTF_8));
        assertThat(info.checksum()).contains("crc32c:" + String.format("%08x", crc.getValue()));
    }

    @Test
    void openStreamsTheContent() throws Exception {
        byte[] content = random(5 * 1024 * 1024 + 17, 1);
        server.put(BUCKET, "landing/big/blob.bin", content);

        try (InputStream in = store.open(ObjectRef.landing("big/blob.bin"))) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void aDownloadCutShortResumesWithARangeRequestAtTheSameGeneration() throws Exception {
        byte[] content = random(3 * 1024 * 1024, 6);
        long generation = server.put(BUCKET, "landing/big/blob.bin", content).generation();
        server.truncateOnce(request("media", BUCKET, "landing/big/blob.bin"), 1024 * 1024);

        try (InputStream in = store.open(ObjectRef.landing("big/blob.bin"))) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }

        List<GcsJsonApiServer.Request> reads = server.requests().stream().filter(r -> r.operation().equals("media")).toList();
        assertThat(reads).hasSizeGreaterThanOrEqualTo(2);
        GcsJsonApiServer.Request resumed = reads.get(reads.size() - 1);
        assertThat(resumed.range()).hasValueSatisfying(range -> assertThat(range).startsWith("bytes=").doesNotStartWith("bytes=0-"));
        assertThat(resumed.param("generation")).contains(Long.toString(generation));
    }

    @Test
    void readingAMissingObjectIsObjectGone() {
        assertThatThrownBy(() -> {
            try (InputStream in = store.open(ObjectRef.landing("sales/orders/missing.csv"))) {
                in.read();
            }
        }).isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OBJECT_GONE))
                .hasMessageContaining("gs://" + BUCKET + "/landing/sales/orders/missing.csv");
    }

    @Test
    void materializeDownloadsToALocalFile() throws Exception {
        byte[] content = random(3 * 1024 * 1024, 2);
        server.put(BUCKET, "landing/big/blob.bin", content);
        Path target = home.resolve("stage/L1/0.bin");

        store.materialize(ObjectRef.landing("big/blob.bin"), target);

        assertThat(Files.readAllBytes(target)).isEqualTo(content);
    }

    @Test
    void materializingAMissingObjectIsObjectGoneAndLeavesNoFile() {
        Path target = home.resolve("stage/L1/0.csv");

        assertThatThrownBy(() -> store.materialize(ObjectRef.landing("sales/orders/missing.csv"), target))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OBJECT_GONE));
        assertThat(target).doesNotExist();
    }

    @Test
    void writeStreamsAResumableUploadThatReadersSeeOnlyWhenComplete() throws Exception {
        byte[] content = random(20 * 1024 * 1024 + 5, 3);
        ObjectRef ref = new ObjectRef(ObjectRef.Area.LANDING, "uploads/big.bin");
        List<Optional<ObjectInfo>> seenMidway = new ArrayList<>();
        InputStream source = new ByteArrayInputStream(content) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                // once more than one upload chunk has gone out, the object must still be invisible
                if (seenMidway.isEmpty() && pos > 17 * 1024 * 1024) {
                    seenMidway.add(store.stat(ref));
                }
                return super.read(b, off, len);
            }
        };

        long written = store.write(ref, source, Long.MAX_VALUE);

        assertThat(written).isEqualTo(content.length);
        assertThat(seenMidway).containsExactly(Optional.empty());
        assertThat(server.object(BUCKET, "landing/uploads/big.bin").orElseThrow().content()).isEqualTo(content);
        assertThat(store.stat(ref).orElseThrow().checksum()).contains("md5:" + md5Hex(content));
        assertThat(server.requests()).filteredOn(r -> r.operation().equals("resumable") && r.param("upload_id").isPresent()).hasSizeGreaterThan(2);
    }

    @Test
    void writeReplacesAnExistingObject() {
        upload("failed/sales/orders/a.csv", "old");

        store.write(new ObjectRef(ObjectRef.Area.FAILED, "sales/orders/a.csv"), new ByteArrayInputStream("new".getBytes(StandardCharsets.UTF_8)), 100);

        assertThat(server.object(BUCKET, "failed/sales/orders/a.csv").orElseThrow().text()).isEqualTo("new");
    }

    /** Issue 12 item 9: an upload creates its object only where none is (generation 0), never replacing one, even one that appears meanwhile. */
    @Test
    void createWritesOnlyWhereNoObjectIsEvenAgainstOneThatAppearsMeanwhile() {
        ObjectRef ref = ObjectRef.landing("uploads/a.csv");
        assertThat(store.create(ref, new ByteArrayInputStream("one".getBytes(StandardCharsets.UTF_8)), 100)).hasValue(3);
        assertThat(store.create(ref, new ByteArrayInputStream("two".getBytes(StandardCharsets.UTF_8)), 100)).isEmpty();
        assertThat(server.object(BUCKET, "landing/uploads/a.csv").orElseThrow().text()).isEqualTo("one");

        ObjectRef raced = ObjectRef.landing("uploads/b.csv");
        server.onceBefore(r -> r.operation().equals("resumable"), () -> upload("landing/uploads/b.csv", "theirs"));
        assertThat(store.create(raced, new ByteArrayInputStream("mine".getBytes(StandardCharsets.UTF_8)), 100)).isEmpty();
        assertThat(server.object(BUCKET, "landing/uploads/b.csv").orElseThrow().text()).isEqualTo("theirs");
    }

    @Test
    void writeOverTheLimitFailsAndLeavesTheOldObjectUntouched() {
        upload("landing/uploads/a.bin", "old");
        byte[] content = random(3 * 1024 * 1024, 4);

        assertThatThrownBy(() -> store.write(ObjectRef.landing("uploads/a.bin"), new ByteArrayInputStream(content), 1024 * 1024))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("landing/uploads/a.bin").hasMessageContaining("1048576 bytes");
        assertThat(server.object(BUCKET, "landing/uploads/a.bin").orElseThrow().text()).isEqualTo("old");
        assertThatThrownBy(() -> store.write(ObjectRef.landing("uploads/b.bin"), new ByteArrayInputStream(content), 1024 * 1024))
                .isInstanceOf(ChuteException.class);
        assertThat(server.object(BUCKET, "landing/uploads/b.bin")).isEmpty();
    }

    @Test
    void writeOfAnEmptyStreamCreatesAnEmptyObject() {
        assertThat(store.write(ObjectRef.landing("uploads/empty.csv"), new ByteArrayInputStream(new byte[0]), 100)).isZero();

        assertThat(store.stat(ObjectRef.landing("uploads/empty.csv")).orElseThrow().size()).isZero();
    }

    @Test
    void keysWithSpacesAndNonAsciiCharactersRoundTrip() throws Exception {
        String key = "sales/orders/M\u00e4rz 2024 #1+x.csv";
        upload("landing/" + key, "x\n");

        assertThat(keys(ObjectRef.Area.LANDING, "sales/")).containsExactly(key);
        ObjectInfo info = store.stat(ObjectRef.landing(key)).orElseThrow();
        try (InputStream in = store.open(ObjectRef.landing(key))) {
            assertThat(in.readAllBytes()).isEqualTo("x\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, key)).isTrue();
        assertThat(server.names(BUCKET)).containsExactly("archive/" + key);
    }

    @Test
    void aMissingBucketIsReportedByName() {
        store.close();
        store = open(Map.of("landing", "gs://no-such-bucket/landing/"));

        assertThatThrownBy(() -> keys(ObjectRef.Area.LANDING, ""))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
                .hasMessageContaining("gs://no-such-bucket/landing/").hasMessageContaining("does the bucket exist?");
    }

    @Test
    void putWritesASidecarAndDeleteRemovesItOrDoesNothing() {
        ObjectRef sidecar = new ObjectRef(ObjectRef.Area.FAILED, "sales/orders/a.csv.error.json");

        store.put(sidecar, "{\"reason\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(server.object(BUCKET, "failed/sales/orders/a.csv.error.json").orElseThrow().contentType()).isEqualTo("application/json");
        store.delete(sidecar);
        store.delete(sidecar);

        assertThat(server.names(BUCKET)).isEmpty();
    }

    @Test
    void moveRewritesOnlyTheExpectedGenerationToAFreeTargetThenDeletesThatGeneration() {
        Blob blob = upload("landing/sales/orders/a.csv", "id\n1\n");
        ObjectInfo info = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();

        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "sales/orders/a.csv")).isTrue();

        assertThat(server.names(BUCKET)).containsExactly("archive/sales/orders/a.csv");
        assertThat(server.object(BUCKET, "archive/sales/orders/a.csv").orElseThrow().text()).isEqualTo("id\n1\n");
        GcsJsonApiServer.Request rewrite = server.requests().stream().filter(r -> r.operation().equals("rewrite")).findFirst().orElseThrow();
        assertThat(rewrite.param("ifSourceGenerationMatch")).contains(Long.toString(blob.getGeneration()));
        assertThat(rewrite.param("ifGenerationMatch")).contains("0");
        GcsJsonApiServer.Request delete = server.requests().stream().filter(r -> r.operation().equals("delete")).findFirst().orElseThrow();
        assertThat(delete.param("ifGenerationMatch")).contains(Long.toString(blob.getGeneration()));
    }

    @Test
    void moveNeverReplacesAnExistingTarget() {
        upload("landing/sales/orders/a.csv", "new\n");
        upload("archive/sales/orders/a.csv", "archived earlier\n");
        ObjectInfo info = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();

        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "sales/orders/a.csv")).isFalse();

        assertThat(server.object(BUCKET, "landing/sales/orders/a.csv").orElseThrow().text()).isEqualTo("new\n");
        assertThat(server.object(BUCKET, "archive/sales/orders/a.csv").orElseThrow().text()).isEqualTo("archived earlier\n");
    }

    @Test
    void moveOfASourceRewrittenSinceItWasReadIsChangedWhileLoading() {
        upload("landing/sales/orders/a.csv", "v1\n");
        ObjectInfo read = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();
        Blob newer = upload("landing/sales/orders/a.csv", "v2\n");

        assertThatThrownBy(() -> store.move(read, ObjectRef.Area.ARCHIVE, "sales/orders/a.csv"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHANGED_WHILE_LOADING))
                .hasMessageContaining("expected generation " + GcsObjectStore.generationOf(read))
                .hasMessageContaining("found " + newer.getGeneration());
        assertThat(server.names(BUCKET)).containsExactly("landing/sales/orders/a.csv");
    }

    @Test
    void moveOfAGoneSourceIsObjectGone() {
        upload("landing/sales/orders/a.csv", "v1\n");
        ObjectInfo read = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();
        client.delete(BlobId.of(BUCKET, "landing/sales/orders/a.csv"));

        assertThatThrownBy(() -> store.move(read, ObjectRef.Area.ARCHIVE, "sales/orders/a.csv"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OBJECT_GONE));
        assertThat(server.names(BUCKET)).isEmpty();
    }

    @Test
    void aNewerUploadBetweenCopyAndDeleteIsNotDeleted() {
        upload("landing/sales/orders/a.csv", "v1\n");
        ObjectInfo read = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();
        server.onceBefore(request("delete", BUCKET, "landing/sales/orders/a.csv"),
                () -> server.put(BUCKET, "landing/sales/orders/a.csv", "v2\n".getBytes(StandardCharsets.UTF_8)));

        assertThat(store.move(read, ObjectRef.Area.ARCHIVE, "sales/orders/a.csv")).isTrue();

        assertThat(server.object(BUCKET, "archive/sales/orders/a.csv").orElseThrow().text()).isEqualTo("v1\n");
        assertThat(server.object(BUCKET, "landing/sales/orders/a.csv").orElseThrow().text()).isEqualTo("v2\n");
    }

    @Test
    void aMoveThatCopiedButDidNotDeleteIsFinishedByMovingAgain() {
        upload("landing/sales/orders/a.csv", "v1\n");
        ObjectInfo read = store.stat(ObjectRef.landing("sales/orders/a.csv")).orElseThrow();
        server.failOnce(request("delete", BUCKET, "landing/sales/orders/a.csv"), 403, 1);

        assertThatThrownBy(() -> store.move(read, ObjectRef.Area.ARCHIVE, "sales/orders/a.csv"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
        assertThat(server.names(BUCKET)).containsExactly("archive/sales/orders/a.csv", "landing/sales/orders/a.csv");

        assertThat(store.move(read, ObjectRef.Area.ARCHIVE, "sales/orders/a.csv")).isTrue();
        assertThat(server.names(BUCKET)).containsExactly("archive/sales/orders/a.csv");
    }

    @Test
    void moveToAnotherBucketFollowsTheRewriteTokenOfALargeObject() {
        store.close();
        store = open(Map.of("landing", "gs://" + BUCKET + "/landing/", "archive", "gs://chute-archive/", "failed", "gs://chute-archive-failed/"));
        server.createBucket("chute-archive-failed").maxBytesPerRewriteCall(1024 * 1024);
        byte[] content = random(3 * 1024 * 1024 + 1, 5);
        server.put(BUCKET, "landing/big/blob.bin", content);
        ObjectInfo read = store.stat(ObjectRef.landing("big/blob.bin")).orElseThrow();

        assertThat(store.move(read, ObjectRef.Area.ARCHIVE, "big/blob.bin")).isTrue();

        assertThat(server.object("chute-archive", "big/blob.bin").orElseThrow().content()).isEqualTo(content);
        assertThat(server.names(BUCKET)).isEmpty();
        assertThat(server.requests()).filteredOn(r -> r.operation().equals("rewrite") && r.param("rewriteToken").isPresent()).hasSize(3);
    }

    @Test
    void permissionDeniedIsRetryableAndNamesTheRoleTheStoreNeeds() {
        server.failOnce(r -> r.operation().equals("get"), 403, 1);

        assertThatThrownBy(() -> store.stat(ObjectRef.landing("sales/orders/a.csv")))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("gs://" + BUCKET + "/landing/sales/orders/a.csv")
                .hasMessageContaining("roles/storage.objectUser");
    }

    @Test
    void uriIsTheGsUrlOfTheObject() {
        assertThat(store.uri(new ObjectRef(ObjectRef.Area.ARCHIVE, "sales/orders/a b.csv")).orElseThrow().getPath())
                .isEqualTo("/archive/sales/orders/a b.csv");
        assertThat(store.uri(ObjectRef.landing("sales/orders/a.csv")).orElseThrow()).hasToString("gs://" + BUCKET + "/landing/sales/orders/a.csv");
        assertThat(store.describe()).isEqualTo("gs://" + BUCKET + "/landing/");
    }

}
