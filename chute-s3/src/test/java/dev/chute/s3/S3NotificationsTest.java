package dev.chute.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectEvent.Kind;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectStoreFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Every fixture in {@code src/test/resources/fixtures}, plus the envelopes and the failures. */
class S3NotificationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] fixture(String path) throws IOException {
        try (InputStream in = S3NotificationsTest.class.getResourceAsStream("/fixtures/" + path)) {
            assertThat(in).as("fixture %s", path).isNotNull();
            return in.readAllBytes();
        }
    }

    private static List<ObjectEvent> decode(String landing, byte[] body) {
        return new S3Notifications(S3Location.parse("store.landing", landing)).decode(body, Map.of());
    }

    private static List<ObjectEvent> decode(String landing, String body) {
        return decode(landing, body.getBytes(StandardCharsets.UTF_8));
    }

    private static String sns(byte[] message) throws IOException {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.put("Type", "Notification");
        envelope.put("MessageId", "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324");
        envelope.put("TopicArn", "arn:aws:sns:us-east-1:123456789012:chute-landing");
        envelope.put("Subject", "Amazon S3 Notification");
        envelope.put("Message", new String(message, StandardCharsets.UTF_8));
        envelope.put("Timestamp", "2026-11-24T06:00:00.000Z");
        envelope.put("SignatureVersion", "1");
        return JSON.writeValueAsString(envelope);
    }

    @Test
    void awsPutWithAUrlEncodedKeyIsAnUpsertOfTheDecodedKey() throws IOException {
        List<ObjectEvent> events = decode("s3://sourcebucket/", fixture("s3/aws-lambda-go/s3-event.json"));
        assertThat(events).containsExactly(new ObjectEvent("Happy Face.jpg", Kind.UPSERTED, Instant.parse("1970-01-01T00:00:00.123Z"), "aws:s3"));
    }

    @Test
    void objectsOutsideTheLandingPrefixOrInAnotherBucketAreLeftOut() throws IOException {
        assertThat(decode("s3://sourcebucket/landing/", fixture("s3/aws-lambda-go/s3-event.json"))).isEmpty();
        assertThat(decode("s3://otherbucket/", fixture("s3/aws-lambda-go/s3-event.json"))).isEmpty();
        String archived = new String(fixture("s3/aws-lambda-go/s3-event.json"), StandardCharsets.UTF_8)
                .replace("\"Happy%20Face.jpg\"", "\"archive/ds/t/a.csv\"");
        assertThat(decode("s3://sourcebucket/landing/", archived)).isEmpty();
        String folder = archived.replace("\"archive/ds/t/a.csv\"", "\"landing/ds/t/\"");
        assertThat(decode("s3://sourcebucket/landing/", folder)).isEmpty();
    }

    @Test
    void twoRecordsInOneMessageGiveTwoEventsAndPlusDecodesToASpace() throws IOException {
        List<ObjectEvent> events = decode("s3://sourcebucket/", fixture("s3/aws-lambda-dotnet/s3-event.json"));
        assertThat(events).extracting(ObjectEvent::key).containsExactly("HappyFace.jpg", "New File.jpg");
        assertThat(events).extracting(ObjectEvent::kind).containsOnly(Kind.UPSERTED);
    }

    @Test
    void theLandingPrefixIsStrippedFromTheKey() throws IOException {
        assertThat(decode("s3://example-bucket/test/", fixture("s3/aws-lambda-java-libs/s3_event.json")))
                .containsExactly(new ObjectEvent("key", Kind.UPSERTED, Instant.EPOCH, "aws:s3"));
        assertThat(decode("s3://example-bucket/", fixture("s3/aws-lambda-java-libs/s3_event.json")))
                .extracting(ObjectEvent::key).containsExactly("test/key");
    }

    @Test
    void lifecycleTransitionsAreNotChangesOfContentAndAreIgnored() throws IOException {
        assertThat(decode("s3://example-bucket/", fixture("s3/aws-lambda-go/s3-lifecycle-event.json"))).isEmpty();
    }

    @Test
    void objectRemovedIsADelete() throws IOException {
        String removed = new String(fixture("s3/aws-lambda-go/s3-event.json"), StandardCharsets.UTF_8)
                .replace("ObjectCreated:Put", "ObjectRemoved:DeleteMarkerCreated");
        assertThat(decode("s3://sourcebucket/", removed)).extracting(ObjectEvent::kind).containsExactly(Kind.DELETED);
    }

    @Test
    void eventBridgeObjectCreatedAndDeleted() throws IOException {
        assertThat(decode("s3://DOC-EXAMPLE-BUCKET1/", fixture("s3/aws-lambda-dotnet/cloudwatchevents-s3objectcreated.json")))
                .containsExactly(new ObjectEvent("example-key", Kind.UPSERTED, Instant.parse("2021-11-12T00:00:00Z"), "eventbridge:aws.s3"));
        assertThat(decode("s3://DOC-EXAMPLE-BUCKET1/", fixture("s3/aws-lambda-dotnet/cloudwatchevents-s3objectdeleted.json")))
                .containsExactly(new ObjectEvent("example-key", Kind.DELETED, Instant.parse("2021-11-12T00:00:00Z"), "eventbridge:aws.s3"));
        assertThat(decode("s3://another-bucket/", fixture("s3/aws-lambda-dotnet/cloudwatchevents-s3objectcreated.json"))).isEmpty();
    }

    @Test
    void minioEnvelopeWithPrefixedEventNames() throws IOException {
        assertThat(decode("s3://test-bucket/", fixture("minio/minio-docs/bucket-notification-ObjectCreated-Put.json")))
                .containsExactly(new ObjectEvent("image.jpg", Kind.UPSERTED, Instant.parse("2025-02-06T01:04:31.998Z"), "minio:s3"));
    }

    @Test
    void snsEnvelopeCarriesTheS3NotificationAsAString() throws IOException {
        assertThat(decode("s3://sourcebucket/", sns(fixture("s3/aws-lambda-dotnet/s3-event.json"))))
                .isEqualTo(decode("s3://sourcebucket/", fixture("s3/aws-lambda-dotnet/s3-event.json")))
                .hasSize(2);
        assertThat(decode("s3://test-bucket/", sns(fixture("minio/minio-docs/bucket-notification-ObjectCreated-Put.json"))))
                .extracting(ObjectEvent::key).containsExactly("image.jpg");
    }

    @Test
    void subscriptionConfirmationsAndTestEventsCarryNoObjects() throws IOException {
        String confirmation = "{\"Type\":\"SubscriptionConfirmation\",\"MessageId\":\"165545c9\",\"Token\":\"2336412f37\","
                + "\"TopicArn\":\"arn:aws:sns:us-west-2:123456789012:MyTopic\",\"Message\":\"You have chosen to subscribe to the topic.\","
                + "\"SubscribeURL\":\"https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription\"}";
        assertThat(decode("s3://sourcebucket/", confirmation)).isEmpty();
        String testEvent = "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-24T06:00:00.000Z\","
                + "\"Bucket\":\"sourcebucket\",\"RequestId\":\"5582815E1AEA5ADF\",\"HostId\":\"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3e\"}";
        assertThat(decode("s3://sourcebucket/", testEvent)).isEmpty();
        assertThat(decode("s3://sourcebucket/", sns(testEvent.getBytes(StandardCharsets.UTF_8)))).isEmpty();
    }

    @Test
    void keysAreFormDecoded() throws IOException {
        String body = new String(fixture("s3/aws-lambda-go/s3-event.json"), StandardCharsets.UTF_8)
                .replace("\"Happy%20Face.jpg\"", "\"landing/sales/orders/a%2Bb+c%C3%A9%3A1.csv\"");
        assertThat(decode("s3://sourcebucket/landing/", body)).extracting(ObjectEvent::key).containsExactly("sales/orders/a+b cé:1.csv");
    }

    @Test
    void unparseablePayloadsAreUnsupportedFormatNamingWhatWasExpectedAndFound() throws IOException {
        assertThatThrownBy(() -> decode("s3://b/", "not json at all"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT))
                .hasMessageContaining("expected an S3 event notification").hasMessageContaining("not JSON").hasMessageContaining("not json at all");
        assertThatThrownBy(() -> decode("s3://b/", "[1, 2]")).hasMessageContaining("found a JSON array");
        assertThatThrownBy(() -> decode("s3://b/", "")).hasMessageContaining("found an empty notification body");
        assertThatThrownBy(() -> decode("s3://b/", "{\"kind\":\"storage#object\",\"bucket\":\"b\",\"name\":\"x\"}"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT))
                .hasMessageContaining("found a JSON object with the fields kind, bucket, name");
        assertThatThrownBy(() -> decode("s3://b/", "{\"Records\": {}}")).hasMessageContaining("\"Records\" that is not an array");
        assertThatThrownBy(() -> decode("s3://b/", "{\"Records\": [{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"}}}]}"))
                .hasMessageContaining("expected a string at Records[0].s3.object.key, found nothing");
        assertThatThrownBy(() -> decode("s3://b/", "{\"Records\": [{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"a%zz\"}}}]}"))
                .hasMessageContaining("expected a URL-encoded key, found 'a%zz'");
        assertThatThrownBy(() -> decode("s3://b/", "{\"Type\":\"Notification\",\"Message\":\"<xml/>\"}"))
                .hasMessageContaining("SNS Message that is not JSON");
    }

    @Test
    void theStoreFoundByItsFactoryDecodesWithItsOwnLandingArea() throws IOException {
        ObjectStoreFactory factory = ServiceLoader.load(ObjectStoreFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("s3")).findFirst().orElseThrow();
        try (ObjectStore store = factory.create(new ConnectorContext(Path.of("."), Map.of("type", "s3", "landing", "s3://test-bucket/",
                "archive", "s3://test-archive/archive/", "failed", "s3://test-archive/failed/", "endpoint", "http://127.0.0.1:9", "path_style", "true")))) {
            assertThat(store.decodeNotification(fixture("minio/minio-docs/bucket-notification-ObjectCreated-Put.json"), Map.of("content-type", "application/json")))
                    .extracting(ObjectEvent::key).containsExactly("image.jpg");
            assertThat(store.describe()).isEqualTo("s3://test-bucket/ at http://127.0.0.1:9");
        }
    }
}
