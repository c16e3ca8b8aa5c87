package dev.chute.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.StorageOptions;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link GcsNotifications} and {@link GcsObjectStore#decodeNotification} on every fixture in
 * {@code fixtures/} (real CloudEvents, Cloud Functions events and object resources published by
 * Google; see its README) and on Pub/Sub notifications built from the documented attribute list.
 */
class GcsNotificationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] fixture(String path) {
        try (InputStream in = GcsNotificationsTest.class.getResourceAsStream("/fixtures/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Header names lower-cased into attributes, as the HTTP intake hands them over. */
    private static Map<String, String> headers(String path) throws IOException {
        Map<String, String> attributes = new LinkedHashMap<>();
        JSON.readTree(fixture(path)).fields().forEachRemaining(f -> attributes.put(f.getKey().toLowerCase(Locale.ROOT), f.getValue().asText()));
        return attributes;
    }

    private record Delivery(byte[] body, Map<String, String> attributes) {
    }

    /** A raw HTTP request: header names lower-cased into attributes, the body after the blank line. */
    private static Delivery rawHttp(String path) {
        byte[] raw = fixture(path);
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        Map<String, String> attributes = new LinkedHashMap<>();
        List<String> lines = Arrays.asList(text.substring(0, end).split("\r\n"));
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            attributes.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
        assertThat(body).hasSize(Integer.parseInt(attributes.get("content-length")));
        return new Delivery(body, attributes);
    }

    /** What an HTTP intake does with a structured-mode CloudEvent: context attributes as ce-*, the data as the body. */
    private static Delivery unwrapStructured(byte[] event) throws IOException {
        JsonNode root = JSON.readTree(event);
        Map<String, String> attributes = new HashMap<>();
        root.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("data") && f.getValue().isValueNode()) {
                attributes.put("ce-" + f.getKey(), f.getValue().asText());
            }
        });
        return new Delivery(JSON.writeValueAsBytes(root.get("data")), attributes);
    }

    private static GcsNotification decode(byte[] body, Map<String, String> attributes) {
        return GcsNotifications.decode(body, attributes).orElseThrow();
    }

    private static void assertConformanceObject(GcsNotification n, String format, Instant time) {
        assertThat(n.bucket()).isEqualTo("some-bucket");
        assertThat(n.name()).isEqualTo("folder/Test.cs");
        assertThat(n.kind()).isEqualTo(ObjectEvent.Kind.UPSERTED);
        assertThat(n.format()).isEqualTo(format);
        assertThat(n.generation()).hasValue(1587627537231057L);
        assertThat(n.size()).hasValue(352);
        assertThat(n.time()).isEqualTo(time);
    }

    @Test
    void binaryModeConformanceEventIsAFinalizedObject() throws IOException {
        GcsNotification n = decode(fixture("binary-mode-derived/storage-finalized-conformance.body.json"),
                headers("binary-mode-derived/storage-finalized-conformance.headers.json"));

        assertConformanceObject(n, "cloudevent", Instant.parse("2020-09-29T11:32:00.123Z"));
    }

    @Test
    void binaryModeRawRequestsDecodeLikeTheirParts() throws IOException {
        Delivery conformance = rawHttp("binary-mode-derived/storage-finalized-conformance.http");
        assertThat(conformance.body()).isEqualTo(fixture("binary-mode-derived/storage-finalized-conformance.body.json"));
        assertThat(decode(conformance.body(), conformance.attributes()))
                .isEqualTo(decode(fixture("binary-mode-derived/storage-finalized-conformance.body.json"),
                        headers("binary-mode-derived/storage-finalized-conformance.headers.json")));

        Delivery extension = rawHttp("binary-mode-derived/storage-finalized-with-bucket-extension.http");
        assertThat(decode(extension.body(), extension.attributes()))
                .isEqualTo(decode(fixture("binary-mode-derived/storage-finalized-with-bucket-extension.body.json"),
                        headers("binary-mode-derived/storage-finalized-with-bucket-extension.headers.json")));
    }

    @Test
    void binaryModeWithTheBucketExtensionReadsNumericGenerationAndSize() throws IOException {
        GcsNotification n = decode(fixture("binary-mode-derived/storage-finalized-with-bucket-extension.body.json"),
                headers("binary-mode-derived/storage-finalized-with-bucket-extension.headers.json"));

        assertThat(n).isEqualTo(new GcsNotification("sample-bucket", "MyFile", ObjectEvent.Kind.UPSERTED, Instant.parse("2021-11-25T21:04:32.279744Z"),
                "cloudevent", OptionalLong.of(96883251), OptionalLong.of(0)));
    }

    @Test
    void structuredConformanceEventDecodesWholeAndAsTheIntakeUnwrapsIt() throws IOException {
        byte[] event = fixture("functions-framework-conformance/storage-cloudevent-input.json");
        Delivery unwrapped = unwrapStructured(event);

        assertConformanceObject(decode(event, Map.of()), "cloudevent", Instant.parse("2020-09-29T11:32:00.123Z"));
        assertConformanceObject(decode(unwrapped.body(), unwrapped.attributes()), "cloudevent", Instant.parse("2020-09-29T11:32:00.123Z"));
    }

    @Test
    void structuredWorkflowsEventNamesItsBucketInTheExtensionAttribute() throws IOException {
        byte[] event = fixture("google-cloudevents/examples/structured/storage/StorageObjectDataWorkflows.json");
        Delivery unwrapped = unwrapStructured(event);
        assertThat(unwrapped.attributes()).containsEntry("ce-bucket", "sample-bucket");

        for (GcsNotification n : List.of(decode(event, Map.of()), decode(unwrapped.body(), unwrapped.attributes()))) {
            assertThat(n.bucket()).isEqualTo("sample-bucket");
            assertThat(n.name()).isEqualTo("MyFile");
            assertThat(n.kind()).isEqualTo(ObjectEvent.Kind.UPSERTED);
            assertThat(n.generation()).hasValue(96883251);
        }
    }

    @Test
    void legacyCloudFunctionsFinalizeEventsAreUpserts() {
        assertConformanceObject(decode(fixture("functions-framework-conformance/storage-legacy-input.json"), Map.of()), "gcf-legacy",
                Instant.parse("2020-09-29T11:32:00.123Z"));
        assertConformanceObject(decode(fixture("functions-framework-java/storage.json"), Map.of()), "gcf-legacy",
                Instant.parse("2020-04-23T07:38:57.772Z"));
    }

    @Test
    void oldestObjectChangeEventWithResourceStateNotExistsIsADelete() {
        GcsNotification n = decode(fixture("functions-framework-java/legacy_storage_change.json"), Map.of());

        assertThat(n).isEqualTo(new GcsNotification("sample-bucket", "MyFile", ObjectEvent.Kind.DELETED, Instant.parse("2020-05-18T09:07:51.799Z"),
                "gcf-legacy", OptionalLong.of(1588778055917163L), OptionalLong.of(0)));
    }

    @ParameterizedTest
    @CsvSource({
        "google-cloudevents/testdata/google/events/cloud/storage/v1/StorageObjectData-simple.json, some-bucket, folder/Test.cs, 1587627537231057, 352",
        "google-cloudevents/testdata/google/events/cloud/storage/v1/StorageObjectData-complex.json, sample-bucket, MyFile, 96883251, 0",
        "google-cloudevents/examples/binary/storage/StorageObjectData-simple.json, sample-bucket, folder/Test.cs, 1587627537231057, 352",
        "google-cloudevents/examples/binary/storage/StorageObjectData-complex.json, sample-bucket, MyFile, 96883251, 0",
    })
    void objectResourcesDecodeWithIntegersAsStringsOrNumbers(String path, String bucket, String name, long generation, long size) {
        byte[] resource = fixture(path);

        // as CloudEvent data whose attributes name only the type: bucket and name come from the data
        GcsNotification cloudEvent = decode(resource, Map.of("ce-type", GcsNotifications.FINALIZED));
        // as the data of a Pub/Sub notification (payload format JSON_API_V1)
        GcsNotification pubsub = decode(resource, Map.of("eventType", "OBJECT_FINALIZE", "payloadFormat", "JSON_API_V1",
                "bucketId", bucket, "objectId", name, "eventTime", "2024-01-02T03:04:05.678Z"));

        for (GcsNotification n : List.of(cloudEvent, pubsub)) {
            assertThat(n.bucket()).isEqualTo(bucket);
            assertThat(n.name()).isEqualTo(name);
            assertThat(n.kind()).isEqualTo(ObjectEvent.Kind.UPSERTED);
            assertThat(n.generation()).hasValue(generation);
            assertThat(n.size()).hasValue(size);
        }
        assertThat(pubsub.format()).isEqualTo("pubsub");
        assertThat(pubsub.time()).isEqualTo(Instant.parse("2024-01-02T03:04:05.678Z"));
    }

    @Test
    void everyStorageCloudEventTypeOfTheSchemaIsUnderstood() throws IOException {
        JsonNode schema = JSON.readTree(fixture("google-cloudevents/jsonschema/google/events/cloud/storage/v1/StorageObjectData.json"));
        byte[] data = fixture("google-cloudevents/examples/binary/storage/StorageObjectData-simple.json");
        Map<String, Optional<ObjectEvent.Kind>> kinds = new LinkedHashMap<>();

        schema.get("cloudeventTypes").forEach(type -> kinds.put(type.asText(),
                GcsNotifications.decode(data, Map.of("ce-type", type.asText(), "ce-subject", "objects/folder/Test.cs")).map(GcsNotification::kind)));

        assertThat(kinds).containsExactly(
                Map.entry("google.cloud.storage.object.v1.finalized", Optional.of(ObjectEvent.Kind.UPSERTED)),
                Map.entry("google.cloud.storage.object.v1.archived", Optional.of(ObjectEvent.Kind.DELETED)),
                Map.entry("google.cloud.storage.object.v1.deleted", Optional.of(ObjectEvent.Kind.DELETED)),
                Map.entry("google.cloud.storage.object.v1.metadataUpdated", Optional.empty()));
    }

    @Test
    void pubSubNotificationWithoutPayloadIsReadFromItsAttributes() {
        GcsNotification n = decode(new byte[0], Map.of("eventType", "OBJECT_FINALIZE", "payloadFormat", "NONE", "bucketId", "chute-landing",
                "objectId", "sales/orders/2024/a.csv", "objectGeneration", "1700000000000001", "eventTime", "2024-01-02T03:04:05.678901Z",
                "notificationConfig", "projects/_/buckets/chute-landing/notificationConfigs/1"));

        assertThat(n).isEqualTo(new GcsNotification("chute-landing", "sales/orders/2024/a.csv", ObjectEvent.Kind.UPSERTED,
                Instant.parse("2024-01-02T03:04:05.678901Z"), "pubsub", OptionalLong.of(1700000000000001L), OptionalLong.empty()));
    }

    @Test
    void pubSubDeletesAndArchivesAreDeletesUnlessAnOverwriteCausedThem() {
        Map<String, String> attributes = new HashMap<>(Map.of("bucketId", "b1b", "objectId", "k/a.csv", "payloadFormat", "NONE"));
        attributes.put("eventType", "OBJECT_DELETE");
        assertThat(decode(new byte[0], attributes).kind()).isEqualTo(ObjectEvent.Kind.DELETED);
        attributes.put("eventType", "OBJECT_ARCHIVE");
        assertThat(decode(new byte[0], attributes).kind()).isEqualTo(ObjectEvent.Kind.DELETED);
        // the old generation of an overwritten object: the key still holds the new one
        attributes.put("overwrittenByGeneration", "1700000000000002");
        assertThat(decode(new byte[0], attributes).kind()).isEqualTo(ObjectEvent.Kind.UPSERTED);
    }

    @Test
    void pubSubPushEnvelopeAsTheBodyIsUnwrapped() throws IOException {
        byte[] resource = fixture("google-cloudevents/testdata/google/events/cloud/storage/v1/StorageObjectData-simple.json");
        String envelope = JSON.writeValueAsString(Map.of("subscription", "projects/p/subscriptions/chute", "message", Map.of(
                "messageId", "1", "data", Base64.getEncoder().encodeToString(resource),
                "attributes", Map.of("eventType", "OBJECT_FINALIZE", "payloadFormat", "JSON_API_V1", "bucketId", "some-bucket", "objectId", "folder/Test.cs"))));

        GcsNotification n = decode(envelope.getBytes(StandardCharsets.UTF_8), Map.of());

        assertThat(n.name()).isEqualTo("folder/Test.cs");
        assertThat(n.generation()).hasValue(1587627537231057L);
    }

    @Test
    void metadataUpdatesAnnounceNoChangeOfContent() {
        byte[] data = fixture("google-cloudevents/examples/binary/storage/StorageObjectData-simple.json");
        assertThat(GcsNotifications.decode(data, Map.of("ce-type", "google.cloud.storage.object.v1.metadataUpdated"))).isEmpty();
        assertThat(GcsNotifications.decode(data, Map.of("eventType", "OBJECT_METADATA_UPDATE", "bucketId", "sample-bucket", "objectId", "x"))).isEmpty();
    }

    @Test
    void unparseableDeliveriesNameWhatWasExpectedAndWhatWasFound() {
        assertUnsupported("not json".getBytes(StandardCharsets.UTF_8), Map.of(), "not JSON");
        assertUnsupported("[1,2]".getBytes(StandardCharsets.UTF_8), Map.of(), "a JSON array");
        assertUnsupported("{\"Records\":[]}".getBytes(StandardCharsets.UTF_8), Map.of(), "fields [Records]");
        assertUnsupported(new byte[0], Map.of(), "empty body");
        assertUnsupported(new byte[0], Map.of("ce-type", "google.cloud.pubsub.topic.v1.messagePublished"), "google.cloud.pubsub.topic.v1.messagePublished");
        assertUnsupported("{\"name\":\"a\",\"generation\":\"abc\"}".getBytes(StandardCharsets.UTF_8), Map.of("ce-type", GcsNotifications.FINALIZED,
                "ce-bucket", "b1b"), "generation 'abc'");
        assertUnsupported("{\"name\":\"a\"}".getBytes(StandardCharsets.UTF_8), Map.of("ce-type", GcsNotifications.FINALIZED), "without a bucket");
        assertUnsupported(new byte[0], Map.of("eventType", "OBJECT_FINALIZE", "bucketId", "b1b"), "without objectId");
        assertUnsupported(new byte[0], Map.of("eventType", "OBJECT_CREATED"), "OBJECT_CREATED");
    }

    private static void assertUnsupported(byte[] body, Map<String, String> attributes, String found) {
        assertThatThrownBy(() -> GcsNotifications.decode(body, attributes))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT))
                .hasMessageContaining("expected a Cloud Storage notification")
                .hasMessageContaining(found);
    }

    private static GcsObjectStore storeWithLanding(String landing, String archive) {
        // decoding makes no request: the client points at a closed port
        return new GcsObjectStore(StorageOptions.newBuilder().setHost("http://127.0.0.1:9").setProjectId("test").setCredentials(NoCredentials.getInstance())
                .build().getService(), GcsLocation.parse("landing", landing), GcsLocation.parse("archive", archive), GcsLocation.parse("failed", "gs://failed-bucket/"));
    }

    @Test
    void theStoreTurnsNotificationsForItsLandingAreaIntoEventsWithLandingKeys() throws IOException {
        byte[] body = fixture("binary-mode-derived/storage-finalized-conformance.body.json");
        Map<String, String> attributes = headers("binary-mode-derived/storage-finalized-conformance.headers.json");

        try (GcsObjectStore bucketRoot = storeWithLanding("gs://some-bucket", "gs://archive-bucket/");
             GcsObjectStore folder = storeWithLanding("gs://some-bucket/folder/", "gs://some-bucket/archive/");
             GcsObjectStore similarPrefix = storeWithLanding("gs://some-bucket/fold/", "gs://some-bucket/archive/");
             GcsObjectStore otherBucket = storeWithLanding("gs://other-bucket/folder/", "gs://other-bucket/archive/")) {
            assertThat(bucketRoot.decodeNotification(body, attributes)).singleElement().satisfies(e -> {
                assertThat(e.key()).isEqualTo("folder/Test.cs");
                assertThat(e.kind()).isEqualTo(ObjectEvent.Kind.UPSERTED);
                assertThat(e.source()).isEqualTo("gcs cloudevent");
            });
            assertThat(folder.decodeNotification(body, attributes)).extracting(ObjectEvent::key).containsExactly("Test.cs");
            assertThat(similarPrefix.decodeNotification(body, attributes)).isEmpty();
            assertThat(otherBucket.decodeNotification(body, attributes)).isEmpty();
            // an object the store itself archived, and a folder placeholder, are not landing objects
            assertThat(folder.decodeNotification(new byte[0], Map.of("eventType", "OBJECT_FINALIZE", "bucketId", "some-bucket",
                    "objectId", "archive/Test.cs"))).isEmpty();
            assertThat(folder.decodeNotification(new byte[0], Map.of("eventType", "OBJECT_FINALIZE", "bucketId", "some-bucket",
                    "objectId", "folder/sub/"))).isEmpty();
        }
    }
}
