package dev.chute.server;

import static dev.chute.server.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.chute.core.ApiToken;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.Json;
import dev.chute.core.PipelineListeners;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP intake against a real server and pipeline: each transport is unwrapped and its payload
 * handed to the store, deliveries are authenticated, and a notified file is loaded. The landing
 * listing is slowed to an hour, so only the notification can have started each load.
 */
class HttpIntakeTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ADMIN = "admin-secret";
    private static final String AUDIENCE = "https://chute.example/api/intake";
    private static final String TOPIC = "arn:aws:sns:eu-west-1:123456789012:uploads";

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    TestApi api;
    RSAKey google;
    TestSigner sns;

    private void start(boolean authRequired, String intake) throws Exception {
        google = new RSAKeyGenerator(2048).keyID("g1").generate();
        Files.writeString(home.resolve("google-jwks.json"), new JWKSet(google.toPublicJWK()).toString());
        sns = TestSigner.create(home, "sns");
        String yaml = "store:\n  type: recording\nintake:\n  reconcile_interval: 1h\n" + intake;
        PipelineListeners listeners = new PipelineListeners();
        chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, listeners);
        ServerAuth auth = authRequired
                ? new ServerAuth(true, List.of(new ApiToken("v", ApiToken.Role.VIEWER, ApiToken.hash("viewer"))), Optional.of(ADMIN))
                : ServerAuth.open();
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0).withAuth(auth));
        listeners.add(server.listener());
        chute.start();
        api = new TestApi(server.port());
    }

    private static final String TRIGGER = "eventarc-trigger@proj.iam.gserviceaccount.com";
    private static final String INTAKE = "events:\n  - type: http\n    oidc_audience: " + AUDIENCE + "\n    oidc_jwks: google-jwks.json\n"
            + "    oidc_email: " + TRIGGER + "\n"
            + "    sns_topics: " + TOPIC + "\n    sns_certificates: sns.pem\n";

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (chute != null) {
            chute.close();
        }
    }

    private RecordingStoreFactory.RecordingStore store() {
        return (RecordingStoreFactory.RecordingStore) chute.store();
    }

    private void landFile(String key, String content) throws Exception {
        Path file = home.resolve("landing").resolve(key);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private long count(String table) {
        try {
            return (Long) chute.query("SELECT count(*) FROM " + table).rows().get(0).get(0);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private String googleToken(String audience) throws Exception {
        return googleToken(audience, TRIGGER);
    }

    private String googleToken(String audience, String email) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("g1").build(), new JWTClaimsSet.Builder()
                .issuer("https://accounts.google.com").audience(audience).subject("eventarc").claim("email", email).claim("email_verified", true)
                .issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
        jwt.sign(new RSASSASigner(google));
        return jwt.serialize();
    }

    @Test
    void aBinaryModeCloudEventLoadsTheFileItNames() throws Exception {
        start(false, INTAKE);
        landFile("shop/orders/a.csv", "id\n1\n2\n");
        HttpResponse<String> r = api.send(HttpRequest.newBuilder(api.uri("/api/intake/cloudevents"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"bucket\": \"b\", \"name\": \"shop/orders/a.csv\"}")),
                "Content-Type", "application/json", "ce-specversion", "1.0", "ce-type", "google.cloud.storage.object.v1.finalized",
                "ce-source", "//storage.googleapis.com/projects/_/buckets/b", "ce-subject", "objects/shop/orders/a.csv", "ce-id", "1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("events").asInt()).isEqualTo(1);
        assertThat(store().attributes.getLast()).containsEntry("ce-type", "google.cloud.storage.object.v1.finalized")
                .containsEntry("ce-subject", "objects/shop/orders/a.csv");
        await().atMost(WAIT).until(() -> count("shop.orders") == 2 && Files.exists(home.resolve("archive/shop/orders/a.csv")));
    }

    @Test
    void aStructuredModeCloudEventAndAPubSubPushAreUnwrapped() throws Exception {
        start(false, INTAKE);
        landFile("shop/a/x.csv", "id\n1\n");
        landFile("shop/b/y.csv", "id\n1\n");
        ObjectNode event = Json.mapper().createObjectNode().put("specversion", "1.0").put("type", "google.cloud.storage.object.v1.finalized")
                .put("source", "//storage.googleapis.com/projects/_/buckets/b").put("subject", "objects/shop/a/x.csv").put("id", "2");
        event.putObject("data").put("bucket", "b").put("name", "shop/a/x.csv");
        HttpResponse<String> structured = api.send(HttpRequest.newBuilder(api.uri("/api/intake/cloudevents"))
                .POST(HttpRequest.BodyPublishers.ofString(event.toString())), "Content-Type", "application/cloudevents+json; charset=utf-8");
        assertThat(structured.statusCode()).as(structured.body()).isEqualTo(200);
        assertThat(store().attributes.getLast()).containsEntry("ce-type", "google.cloud.storage.object.v1.finalized").containsEntry("ce-id", "2");

        String data = Base64.getEncoder().encodeToString("{\"bucket\": \"b\", \"name\": \"shop/b/y.csv\"}".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> push = api.post("/api/intake/pubsub", "{\"message\": {\"data\": \"" + data + "\", \"attributes\": {\"eventType\": \"OBJECT_FINALIZE\","
                + " \"bucketId\": \"b\", \"objectId\": \"shop/b/y.csv\"}, \"messageId\": \"9\"}, \"subscription\": \"projects/p/subscriptions/s\"}");
        assertThat(push.statusCode()).as(push.body()).isEqualTo(200);
        assertThat(store().attributes.getLast()).containsEntry("eventType", "OBJECT_FINALIZE").containsEntry("objectId", "shop/b/y.csv");
        await().atMost(WAIT).until(() -> count("shop.a") == 1 && count("shop.b") == 1);
    }

    @Test
    void exposedIntakeTakesAnAdminTokenOrAGoogleTokenForItsAudience() throws Exception {
        start(true, INTAKE);
        landFile("sec/t/a.csv", "id\n1\n");
        String body = "{\"name\": \"sec/t/a.csv\"}";
        String[] ce = {"ce-specversion", "1.0", "ce-type", "google.cloud.storage.object.v1.finalized", "ce-id", "3", "ce-source", "s"};
        assertThat(api.post("/api/intake/cloudevents", body, ce).statusCode()).isEqualTo(401);
        assertThat(api.post("/api/intake/cloudevents", body, concat(ce, "Authorization", "Bearer viewer")).statusCode()).isEqualTo(403);
        assertThat(api.post("/api/intake/cloudevents", body, concat(ce, "Authorization", "Bearer " + googleToken("https://other.example"))).statusCode())
                .isEqualTo(401);
        assertThat(api.post("/api/intake/cloudevents", body, concat(ce, "Authorization", "Bearer " + googleToken(AUDIENCE, "anyone@gmail.com"))).statusCode())
                .as("a token for our audience from another Google account").isEqualTo(401);
        assertThat(api.post("/api/intake/s3", body, "Authorization", "Bearer " + googleToken(AUDIENCE)).statusCode())
                .as("Google tokens are for Google's push deliveries only").isEqualTo(401);
        HttpResponse<String> google = api.post("/api/intake/cloudevents", body, concat(ce, "Authorization", "Bearer " + googleToken(AUDIENCE)));
        assertThat(google.statusCode()).as(google.body()).isEqualTo(200);
        assertThat(api.post("/api/intake/s3", body, "Authorization", "Bearer " + ADMIN).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> count("sec.t") == 1);
    }

    @Test
    void snsDeliveriesAreCheckedBySignatureAndLoad() throws Exception {
        start(true, INTAKE);
        landFile("sns/t/a.csv", "id\n1\n2\n3\n");
        ObjectNode notification = sns.snsMessage("Notification", TOPIC, "{\"name\": \"sns/t/a.csv\"}", "https://sns.eu-west-1.amazonaws.com/c.pem", null);
        HttpResponse<String> r = api.post("/api/intake/sns", notification.toString(), "x-amz-sns-message-type", "Notification");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await().atMost(WAIT).until(() -> count("sns.t") == 3);
        ObjectNode forged = notification.deepCopy().put("Message", "{\"name\": \"sns/t/other.csv\"}");
        assertThat(api.post("/api/intake/sns", forged.toString()).statusCode()).isEqualTo(403);
        ObjectNode otherTopic = sns.snsMessage("Notification", "arn:aws:sns:eu-west-1:1:x", "{\"name\": \"sns/t/a.csv\"}", "https://sns.eu-west-1.amazonaws.com/c.pem", null);
        assertThat(api.post("/api/intake/sns", otherTopic.toString()).statusCode()).isEqualTo(403);
    }

    /** Issue 12 item 8: a validly signed SNS message dated in the future was accepted (only its age was checked). */
    @Test
    void anSnsMessageFromTheFutureIsRefused() throws Exception {
        start(true, INTAKE);
        landFile("sns/f/a.csv", "id\n1\n");
        String cert = "https://sns.eu-west-1.amazonaws.com/c.pem";
        ObjectNode future = sns.snsMessage("Notification", TOPIC, "{\"name\": \"sns/f/a.csv\"}", cert, null,
                Instant.now().plus(SnsVerifier.MAX_SKEW).plusSeconds(120));
        HttpResponse<String> refused = api.post("/api/intake/sns", future.toString(), "x-amz-sns-message-type", "Notification");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(json(refused).path("error").asText()).contains("in the future");
        // a clock a little ahead is tolerated, within the documented skew
        ObjectNode skewed = sns.snsMessage("Notification", TOPIC, "{\"name\": \"sns/f/a.csv\"}", cert, null, Instant.now().plusSeconds(30));
        HttpResponse<String> accepted = api.post("/api/intake/sns", skewed.toString(), "x-amz-sns-message-type", "Notification");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        await().atMost(WAIT).until(() -> count("sns.f") == 1);
    }

    @Test
    void badPayloadsAreClientErrorsAndIntakeKeepsGoing() throws Exception {
        start(false, INTAKE);
        HttpResponse<String> notJson = api.post("/api/intake/pubsub", "nonsense");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).path("error").asText()).contains("Pub/Sub push envelope");
        HttpResponse<String> noCe = api.post("/api/intake/cloudevents", "{\"name\": \"x\"}");
        assertThat(noCe.statusCode()).isEqualTo(400);
        assertThat(json(noCe).path("error").asText()).contains("ce-type");
        HttpResponse<String> unknown = api.post("/api/intake/s3", "{\"Records\": []}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json(unknown).path("error").asText()).contains("expected a JSON object with a name");
        HttpResponse<String> gone = api.post("/api/intake/s3", "{\"name\": \"no/such/file.csv\"}");
        assertThat(gone.statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> chute.pipeline().orElseThrow().eventsWithoutObject() >= 1);
        assertThat(api.get("/metrics").body()).contains("chute_intake_deliveries_total{endpoint=\"s3\",outcome=\"rejected\"} 1.0")
                .containsPattern("chute_events_without_object_total [1-9]")
                .containsPattern("chute_events_received_total\\{source=\"http intake\"} [1-9]");
    }

    @Test
    void anAudienceWithoutTheServiceAccountIsRefusedAtStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(false, "events:\n  - type: http\n    oidc_audience: " + AUDIENCE + "\n"))
                .hasMessageContaining("oidc_email");
    }

    @Test
    void intakeIsOffUnlessConfigured() throws Exception {
        start(false, "");
        HttpResponse<String> r = api.post("/api/intake/s3", "{\"name\": \"a/b/c.csv\"}");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).path("error").asText()).contains("type http");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
