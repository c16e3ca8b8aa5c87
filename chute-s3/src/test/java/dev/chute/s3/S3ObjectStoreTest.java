package dev.chute.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** The store's contract against a real S3 protocol server. */
class S3ObjectStoreTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    S3TestServer server;
    S3Client producer;
    S3Recorder recorder;
    S3ObjectStore store;

    @BeforeEach
    void start() throws Exception {
        server = new S3TestServer(dir.resolve("s3"), "lake", "cold");
        producer = server.client();
        store = store(Map.of(), S3ObjectStore.MAX_SINGLE_COPY, 1L << 30, 8 * MIB);
    }

    /** A store on the shared landing/archive/failed layout, its requests watched by {@link #recorder}. */
    private S3ObjectStore store(Map<String, String> extra, long copyThreshold, long copyPart, int writePart) {
        Map<String, String> settings = new java.util.HashMap<>(server.settings("s3://lake/landing/", "s3://cold/archive/", "s3://lake/failed/"));
        settings.putAll(extra);
        S3Settings parsed = S3Settings.from(new ConnectorContext(dir, settings));
        recorder = new S3Recorder();
        S3Client client = S3ObjectStore.clientBuilder(parsed).overrideConfiguration(o -> o.addExecutionInterceptor(recorder)).build();
        return new S3ObjectStore(client, parsed, copyThreshold, copyPart, writePart);
    }

    @AfterEach
    void stop() throws Exception {
        store.close();
        producer.close();
        server.close();
    }

    private void upload(String bucket, String key, String content) {
        producer.putObject(b -> b.bucket(bucket).key(key).contentType("text/csv"), RequestBody.fromString(content));
    }

    private String read(ObjectRef ref) throws IOException {
        try (InputStream in = store.open(ref)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String md5(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content));
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (in) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Uploads as a producer's multipart upload of 5 MiB parts: its ETag is {@code <hex>-<parts>}. */
    private void uploadMultipart(String bucket, String key, byte[] content) {
        String uploadId = producer.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        for (int start = 0, n = 1; start < content.length; start += 5 * MIB, n++) {
            int end = Math.min(content.length, start + 5 * MIB);
            int number = n;
            String etag = producer.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number),
                    RequestBody.fromBytes(java.util.Arrays.copyOfRange(content, start, end))).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        }
        producer.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
    }

    @Test
    void listingIsScopedToTheAreaPagedAndSkipsFolderPlaceholders() {
        for (int i = 0; i < 1005; i++) {
            upload("lake", String.format("landing/ds/t/f%04d.csv", i), "id\n" + i + "\n");
        }
        upload("lake", "landing/ds/t/", "");
        upload("lake", "landing/other/u/x.csv", "id\n1\n");
        upload("lake", "failed/ds/t/bad.csv", "x");
        upload("lake", "landingzone/ds/t/not-mine.csv", "x");
        upload("cold", "archive/ds/t/old.csv", "x");

        List<ObjectInfo> landing = new ArrayList<>();
        store.list(ObjectRef.Area.LANDING, "", landing::add);
        assertThat(landing).hasSize(1006);
        assertThat(landing).allSatisfy(info -> {
            assertThat(info.ref().area()).isEqualTo(ObjectRef.Area.LANDING);
            assertThat(info.ref().key()).doesNotEndWith("/").matches("(ds/t/f\\d{4}|other/u/x)\\.csv");
        });
        assertThat(recorder.sent("ListObjectsV2")).hasSizeGreaterThan(1);

        List<String> scoped = new ArrayList<>();
        store.list(ObjectRef.Area.LANDING, "other", info -> scoped.add(info.ref().key()));
        assertThat(scoped).containsExactly("other/u/x.csv");
        List<String> archive = new ArrayList<>();
        store.list(ObjectRef.Area.ARCHIVE, "", info -> archive.add(info.ref().key()));
        assertThat(archive).containsExactly("ds/t/old.csv");
        List<String> failed = new ArrayList<>();
        store.list(ObjectRef.Area.FAILED, "", info -> failed.add(info.ref().key()));
        assertThat(failed).containsExactly("ds/t/bad.csv");
    }

    @Test
    void statOfSinglePartUploadHasItsMd5AndAgreesWithTheListing() throws Exception {
        String content = "id,name\n1,a\n2,b\n";
        upload("lake", "landing/ds/t/a.csv", content);
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();
        assertThat(info.size()).isEqualTo(content.length());
        assertThat(info.checksum()).contains("md5:" + md5(content.getBytes(StandardCharsets.UTF_8)));
        assertThat(info.lastModified()).isBetween(java.time.Instant.now().minusSeconds(120), java.time.Instant.now().plusSeconds(120));
        List<ObjectInfo> listed = new ArrayList<>();
        store.list(ObjectRef.Area.LANDING, "", listed::add);
        assertThat(listed).singleElement().isEqualTo(info);
        assertThat(store.stat(ObjectRef.landing("ds/t/missing.csv"))).isEmpty();
    }

    @Test
    void multipartUploadOffersNoEtagChecksumSoTheEngineComputesOne() {
        uploadMultipart("lake", "landing/ds/t/big.bin", random(11 * MIB, 1));
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/big.bin")).orElseThrow();
        assertThat(info.fingerprint()).matches("[0-9a-f]{32}-3/" + 11 * MIB + "/.*");
        assertThat(info.checksum()).isEmpty();
        List<ObjectInfo> listed = new ArrayList<>();
        store.list(ObjectRef.Area.LANDING, "", listed::add);
        assertThat(listed).singleElement().isEqualTo(info);
    }

    @Test
    void etagChecksumsCanBeSwitchedOffForEncryptedBuckets() {
        store.close();
        store = store(Map.of("etag_checksums", "false"), S3ObjectStore.MAX_SINGLE_COPY, 1L << 30, 8 * MIB);
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        assertThat(store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow().checksum()).isEmpty();
    }

    @Test
    void openStreamsTheContentAndAMissingObjectIsGone() throws Exception {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        assertThat(read(ObjectRef.landing("ds/t/a.csv"))).isEqualTo("id\n1\n");
        assertThatThrownBy(() -> store.open(ObjectRef.landing("ds/t/missing.csv")))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OBJECT_GONE))
                .hasMessageContaining("landing/ds/t/missing.csv");
    }

    @Test
    void materializeDownloadsIntoANewFileAndLeavesNothingWhenTheObjectIsGone() throws Exception {
        byte[] content = random(3 * MIB + 17, 2);
        producer.putObject(b -> b.bucket("lake").key("landing/ds/t/a.bin"), RequestBody.fromBytes(content));
        Path target = dir.resolve("stage/L1/0.bin");
        store.materialize(ObjectRef.landing("ds/t/a.bin"), target);
        assertThat(Files.readAllBytes(target)).isEqualTo(content);

        Path missing = dir.resolve("stage/L1/1.bin");
        assertThatThrownBy(() -> store.materialize(ObjectRef.landing("ds/t/missing.csv"), missing))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OBJECT_GONE));
        assertThat(missing).doesNotExist();
    }

    @Test
    void writeSendsSmallObjectsInOnePutAndLongStreamsInPartsWithBoundedMemory() throws Exception {
        store.close();
        store = store(Map.of(), S3ObjectStore.MAX_SINGLE_COPY, 1L << 30, 5 * MIB);
        assertThat(store.write(ObjectRef.landing("ds/t/small.csv"), new ByteArrayInputStream("id\n1\n".getBytes(StandardCharsets.UTF_8)), 1000)).isEqualTo(5);
        assertThat(read(ObjectRef.landing("ds/t/small.csv"))).isEqualTo("id\n1\n");
        assertThat(recorder.sent("PutObject")).hasSize(1);
        assertThat(store.write(ObjectRef.landing("ds/t/unbounded.csv"), new ByteArrayInputStream("id\n1\n".getBytes(StandardCharsets.UTF_8)), Long.MAX_VALUE)).isEqualTo(5);

        byte[] content = random(12 * MIB + 5, 3);
        assertThat(store.write(ObjectRef.landing("ds/t/big.bin"), new ByteArrayInputStream(content), 100L * MIB)).isEqualTo(content.length);
        assertThat(recorder.sent("UploadPart")).hasSize(3);
        assertThat(sha256(store.open(ObjectRef.landing("ds/t/big.bin")))).isEqualTo(sha256(new ByteArrayInputStream(content)));

        // exactly one part long: a multipart upload of one part
        byte[] onePart = random(5 * MIB, 4);
        store.write(ObjectRef.landing("ds/t/one.bin"), new ByteArrayInputStream(onePart), 5 * MIB);
        assertThat(sha256(store.open(ObjectRef.landing("ds/t/one.bin")))).isEqualTo(sha256(new ByteArrayInputStream(onePart)));

        // replacing an object is one atomic step for readers
        store.put(ObjectRef.landing("ds/t/small.csv"), "id\n2\n".getBytes(StandardCharsets.UTF_8));
        assertThat(read(ObjectRef.landing("ds/t/small.csv"))).isEqualTo("id\n2\n");
    }

    @Test
    void writeOfAStreamLongerThanTheLimitFailsAndLeavesNothing() {
        store.close();
        store = store(Map.of(), S3ObjectStore.MAX_SINGLE_COPY, 1L << 30, 5 * MIB);
        assertThatThrownBy(() -> store.write(ObjectRef.landing("ds/t/small.csv"), new ByteArrayInputStream(new byte[101]), 100))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("landing/ds/t/small.csv").hasMessageContaining("100 bytes");
        assertThatThrownBy(() -> store.write(ObjectRef.landing("ds/t/big.bin"), new ByteArrayInputStream(random(11 * MIB, 5)), 10L * MIB))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION));
        assertThat(store.stat(ObjectRef.landing("ds/t/small.csv"))).isEmpty();
        assertThat(store.stat(ObjectRef.landing("ds/t/big.bin"))).isEmpty();
        assertThat(recorder.sent("AbortMultipartUpload")).hasSize(1);
        assertThat(producer.listMultipartUploads(b -> b.bucket("lake")).uploads()).isEmpty();
    }

    /** Issue 12 item 9: an upload creates its object only where none is, with a conditional put, never replacing one. */
    @Test
    void createPutsOnlyWhereNoObjectIsAndNeverReplacesOne() throws Exception {
        ObjectRef ref = ObjectRef.landing("ds/t/up.csv");
        assertThat(store.create(ref, new ByteArrayInputStream("id\n1\n".getBytes(StandardCharsets.UTF_8)), 100)).hasValue(5);
        assertThat(recorder.sent("PutObject")).singleElement()
                .satisfies(sent -> assertThat(sent.http().firstMatchingHeader("If-None-Match")).contains("*"));
        assertThat(store.create(ref, new ByteArrayInputStream("id\n2\n".getBytes(StandardCharsets.UTF_8)), 100)).isEmpty();
        assertThat(read(ref)).isEqualTo("id\n1\n");
        assertThat(recorder.sent("PutObject")).as("a known conflict sends no body").hasSize(1);
        store.write(ref, new ByteArrayInputStream("id\n3\n".getBytes(StandardCharsets.UTF_8)), 100);
        assertThat(recorder.sent("PutObject").get(1).http().firstMatchingHeader("If-None-Match")).as("write still replaces").isEmpty();
        assertThat(read(ref)).isEqualTo("id\n3\n");
    }

    @Test
    void moveCopiesOnTheServerConditionedOnTheEtagThenDeletesTheSource() throws Exception {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        producer.copyObject(b -> b.sourceBucket("lake").sourceKey("landing/ds/t/a.csv").destinationBucket("lake").destinationKey("landing/ds/t/a.csv")
                .metadataDirective("REPLACE").contentType("text/csv").metadata(Map.of("producer", "etl-7")));
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();

        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv")).isTrue();

        assertThat(store.stat(ObjectRef.landing("ds/t/a.csv"))).isEmpty();
        assertThat(read(new ObjectRef(ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))).isEqualTo("id\n1\n");
        HeadObjectResponse archived = producer.headObject(b -> b.bucket("cold").key("archive/ds/t/a.csv"));
        assertThat(archived.contentType()).isEqualTo("text/csv");
        assertThat(archived.metadata()).containsEntry("producer", "etl-7").containsEntry(S3ObjectStore.SOURCE_ETAG, S3ObjectStore.etag(info.fingerprint().split("/")[0]));
        assertThat(recorder.sent("CopyObject")).singleElement()
                .satisfies(s -> assertThat(s.http().firstMatchingHeader("x-amz-copy-source-if-match")).contains("\"" + info.fingerprint().split("/")[0] + "\""));
        assertThat(recorder.sent("DeleteObject")).isNotEmpty();
        assertThat(recorder.sent("DeleteObject").get(0).http().rawQueryParameters()).doesNotContainKey("versionId");
    }

    @Test
    void moveRefusesToOverwriteAnExistingTarget() throws Exception {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        upload("cold", "archive/ds/t/a.csv", "id\n0\n");
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();
        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv")).isFalse();
        assertThat(read(ObjectRef.landing("ds/t/a.csv"))).isEqualTo("id\n1\n");
        assertThat(read(new ObjectRef(ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))).isEqualTo("id\n0\n");
        assertThat(recorder.sent("CopyObject")).isEmpty();
    }

    @Test
    void moveOfASourceRewrittenSinceItWasReadIsChangedWhileLoading() throws Exception {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();
        upload("lake", "landing/ds/t/a.csv", "id\n1\n2\n");
        assertThatThrownBy(() -> store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHANGED_WHILE_LOADING))
                .hasMessageContaining("landing/ds/t/a.csv").hasMessageContaining("expected " + info.fingerprint());
        assertThat(store.stat(new ObjectRef(ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))).isEmpty();
        assertThat(read(ObjectRef.landing("ds/t/a.csv"))).isEqualTo("id\n1\n2\n");
    }

    @Test
    void copyRefusedBecauseTheSourceChangedAfterTheCheckIsChangedWhileLoading() throws Exception {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();
        // the producer overwrites the object between the store's check and its copy
        recorder.failing = request -> {
            if (request instanceof software.amazon.awssdk.services.s3.model.CopyObjectRequest && recorder.failuresLeft.getAndDecrement() > 0) {
                upload("lake", "landing/ds/t/a.csv", "id\n9\n");
            }
            return false;
        };
        recorder.failuresLeft.set(1);
        assertThatThrownBy(() -> store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHANGED_WHILE_LOADING));
        assertThat(store.stat(new ObjectRef(ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))).isEmpty();
        assertThat(read(ObjectRef.landing("ds/t/a.csv"))).isEqualTo("id\n9\n");
    }

    @Test
    void moveOfAVanishedSourceIsObjectGone() {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();
        store.delete(ObjectRef.landing("ds/t/a.csv"));
        assertThatThrownBy(() -> store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OBJECT_GONE))
                .hasMessageContaining("landing/ds/t/a.csv");
    }

    @Test
    void moveInterruptedBetweenCopyAndDeleteIsFinishedByTheNextCall() throws Exception {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();
        recorder.failNext(r -> r instanceof DeleteObjectRequest, 1);
        assertThatThrownBy(() -> store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
        assertThat(store.stat(ObjectRef.landing("ds/t/a.csv"))).isPresent();
        assertThat(store.stat(new ObjectRef(ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))).isPresent();

        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv")).isTrue();
        assertThat(store.stat(ObjectRef.landing("ds/t/a.csv"))).isEmpty();
        assertThat(read(new ObjectRef(ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))).isEqualTo("id\n1\n");
        assertThat(recorder.sent("CopyObject")).hasSize(1);
    }

    @Test
    void interruptedMoveOfAMultipartUploadIsRecognisedByTheSourceEtagItCarries() throws Exception {
        byte[] content = random(11 * MIB, 6);
        uploadMultipart("lake", "landing/ds/t/big.bin", content);
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/big.bin")).orElseThrow();
        recorder.failNext(r -> r instanceof DeleteObjectRequest, 1);
        assertThatThrownBy(() -> store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/big.bin")).isInstanceOf(ChuteException.class);
        // the copy is a single-part object: its own ETag is an MD5, not the source's
        ObjectInfo copy = store.stat(new ObjectRef(ObjectRef.Area.ARCHIVE, "ds/t/big.bin")).orElseThrow();
        assertThat(copy.fingerprint()).isNotEqualTo(info.fingerprint());

        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/big.bin")).isTrue();
        assertThat(store.stat(ObjectRef.landing("ds/t/big.bin"))).isEmpty();
        assertThat(sha256(store.open(new ObjectRef(ObjectRef.Area.ARCHIVE, "ds/t/big.bin")))).isEqualTo(sha256(new ByteArrayInputStream(content)));
    }

    @Test
    void interruptedMoveWhoseSourceWasThenReplacedKeepsTheNewUpload() throws Exception {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();
        recorder.failNext(r -> r instanceof DeleteObjectRequest, 1);
        assertThatThrownBy(() -> store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv")).isInstanceOf(ChuteException.class);
        upload("lake", "landing/ds/t/a.csv", "id\n2\n");

        assertThatThrownBy(() -> store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHANGED_WHILE_LOADING));
        assertThat(read(ObjectRef.landing("ds/t/a.csv"))).isEqualTo("id\n2\n");
        assertThat(read(new ObjectRef(ObjectRef.Area.ARCHIVE, "ds/t/a.csv"))).isEqualTo("id\n1\n");
    }

    @Test
    void objectsAboveTheCopyLimitAreCopiedInPartsEachConditionedOnTheEtag() throws Exception {
        store.close();
        store = store(Map.of(), 6L * MIB, 5L * MIB, 8 * MIB);
        byte[] content = random(12 * MIB + 3, 7);
        producer.putObject(b -> b.bucket("lake").key("landing/ds/t/big.bin").contentType("application/x-ndjson"), RequestBody.fromBytes(content));
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/big.bin")).orElseThrow();

        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/big.bin")).isTrue();

        assertThat(recorder.sent("CopyObject")).isEmpty();
        List<S3Recorder.Sent> parts = recorder.sent("UploadPartCopy");
        assertThat(parts).hasSize(3);
        assertThat(parts).allSatisfy(p -> assertThat(p.http().firstMatchingHeader("x-amz-copy-source-if-match")).contains("\"" + info.fingerprint().split("/")[0] + "\""));
        assertThat(parts.get(2).http().firstMatchingHeader("x-amz-copy-source-range")).contains("bytes=" + 10 * MIB + "-" + (12 * MIB + 2));
        assertThat(store.stat(ObjectRef.landing("ds/t/big.bin"))).isEmpty();
        assertThat(sha256(store.open(new ObjectRef(ObjectRef.Area.ARCHIVE, "ds/t/big.bin")))).isEqualTo(sha256(new ByteArrayInputStream(content)));
        HeadObjectResponse archived = producer.headObject(b -> b.bucket("cold").key("archive/ds/t/big.bin"));
        assertThat(archived.contentType()).isEqualTo("application/x-ndjson");
        assertThat(archived.metadata()).containsKey(S3ObjectStore.SOURCE_ETAG);
    }

    @Test
    void onAVersionedBucketTheCopyReadsAndTheDeleteRemovesExactlyTheExpectedVersion() throws Exception {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();
        recorder.versionId = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY";

        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv")).isTrue();

        assertThat(recorder.sent("CopyObject")).singleElement()
                .satisfies(s -> assertThat(s.http().firstMatchingHeader("x-amz-copy-source")).hasValueSatisfying(v -> assertThat(v).endsWith("?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")));
        assertThat(recorder.sent("DeleteObject")).singleElement()
                .satisfies(s -> {
                    assertThat(s.http().rawQueryParameters()).containsEntry("versionId", List.of("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"));
                    assertThat(s.http().firstMatchingHeader("If-Match")).isEmpty();
                });
        assertThat(store.stat(ObjectRef.landing("ds/t/a.csv"))).isEmpty();
    }

    @Test
    void onAnUnversionedBucketTheDeleteIsConditionedOnTheEtagWhereTheStoreSupportsIt() throws Exception {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();
        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "ds/t/a.csv")).isTrue();
        assertThat(recorder.sent("DeleteObject").get(0).http().firstMatchingHeader("If-Match")).contains("\"" + info.fingerprint().split("/")[0] + "\"");
        assertThat(store.stat(ObjectRef.landing("ds/t/a.csv"))).isEmpty();
    }

    @Test
    void movesBetweenAllAreasWork() throws Exception {
        upload("lake", "landing/ds/t/a.csv", "id\n1\n");
        ObjectInfo info = store.stat(ObjectRef.landing("ds/t/a.csv")).orElseThrow();
        assertThat(store.move(info, ObjectRef.Area.FAILED, "ds/t/a.csv")).isTrue();
        ObjectInfo failed = store.stat(new ObjectRef(ObjectRef.Area.FAILED, "ds/t/a.csv")).orElseThrow();
        assertThat(store.move(failed, ObjectRef.Area.LANDING, "ds/t/a.csv")).isTrue();
        assertThat(read(ObjectRef.landing("ds/t/a.csv"))).isEqualTo("id\n1\n");
        assertThat(store.stat(new ObjectRef(ObjectRef.Area.FAILED, "ds/t/a.csv"))).isEmpty();
    }

    @Test
    void deleteIsIdempotentAndUriNamesTheBucketAndKey() {
        upload("lake", "failed/ds/t/a.csv.error.json", "{}");
        store.delete(new ObjectRef(ObjectRef.Area.FAILED, "ds/t/a.csv.error.json"));
        store.delete(new ObjectRef(ObjectRef.Area.FAILED, "ds/t/a.csv.error.json"));
        assertThat(store.stat(new ObjectRef(ObjectRef.Area.FAILED, "ds/t/a.csv.error.json"))).isEmpty();
        assertThat(store.uri(ObjectRef.landing("ds/t/a b.csv"))).contains(URI.create("s3://lake/landing/ds/t/a%20b.csv"));
        assertThat(store.describe()).startsWith("s3://lake/landing/");
        assertThat(store.localRoot(ObjectRef.Area.LANDING)).isEqualTo(Optional.empty());
    }

    @Test
    void unreachableStoreIsRetryableAndNamesWhatFailed() throws Exception {
        server.close();
        assertThatThrownBy(() -> store.stat(ObjectRef.landing("ds/t/a.csv")))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("landing/ds/t/a.csv");
        assertThatThrownBy(() -> store.list(ObjectRef.Area.LANDING, "", info -> { }))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
                .hasMessageContaining("s3://lake/landing/");
        server = new S3TestServer(dir.resolve("s3"));
    }
}
