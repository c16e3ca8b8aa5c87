package dev.chute.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.ApiToken;
import dev.chute.core.Json;
import dev.chute.core.PushEventSource;
import dev.chute.server.ChuteServer.ApiException;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectStore;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bucket notifications pushed over HTTP, turned into events for the pipeline. Each endpoint
 * unwraps its transport and hands the provider's payload to the store, which knows its format and
 * which objects are in its landing area ({@link ObjectStore#decodeNotification}):
 * <ul>
 *   <li>{@code /api/intake/cloudevents}: CloudEvents over HTTP, binary mode ({@code ce-*} headers,
 *       the body is the data) and structured mode ({@code application/cloudevents+json}), as
 *       Eventarc delivers {@code google.cloud.storage.object.v1.finalized} to Cloud Run;</li>
 *   <li>{@code /api/intake/pubsub}: Pub/Sub push envelopes of GCS notifications;</li>
 *   <li>{@code /api/intake/s3}: S3 event notifications as MinIO webhooks send them;</li>
 *   <li>{@code /api/intake/sns}: Amazon SNS HTTP(S) subscriptions, with the subscription handshake
 *       and signature check.</li>
 * </ul>
 * A delivery needs an admin token of the server, or (CloudEvents, Pub/Sub) a Google OIDC token
 * when {@code oidc_audience} is configured, or (SNS) a valid SNS signature on an accepted topic.
 * It is answered 200 once its events are handed to the pipeline: the object stays in landing until
 * committed, and the reconciling listing finds it should Chute stop first.
 */
final class HttpIntake implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpIntake.class);

    private final ObjectStore store;
    private final Optional<PushEventSource> push;
    private final ServerAuth auth;
    private final Optional<GoogleOidcVerifier> oidc;
    private final Optional<SnsVerifier> sns;
    private final MeterRegistry registry;

    HttpIntake(ObjectStore store, Optional<PushEventSource> push, ServerAuth auth, Path home, MeterRegistry registry) {
        this.store = requireNonNull(store, "store is null");
        this.push = requireNonNull(push, "push is null");
        this.auth = requireNonNull(auth, "auth is null");
        this.registry = requireNonNull(registry, "registry is null");
        Map<String, String> settings = push.map(PushEventSource::settings).orElse(Map.of());
        Optional<String> audience = Optional.ofNullable(settings.get("oidc_audience")).filter(a -> !a.isBlank());
        Optional<String> email = Optional.ofNullable(settings.get("oidc_email")).filter(e -> !e.isBlank());
        if (audience.isPresent() && email.isEmpty()) {
            // any Google account can mint an identity token for any audience: only the e-mail says it is the trigger's
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'events[].oidc_email' is missing; with oidc_audience it is required:"
                    + " the service account of the Eventarc trigger or Pub/Sub push subscription (any Google account can obtain a token for any audience)");
        }
        this.oidc = audience.map(a -> new GoogleOidcVerifier(a, settings.getOrDefault("oidc_issuer", GoogleOidcVerifier.GOOGLE_ISSUER),
                GoogleOidcVerifier.keys(settings.getOrDefault("oidc_jwks", GoogleOidcVerifier.GOOGLE_JWKS), home), email));
        Set<String> topics = list(settings.get("sns_topics"));
        this.sns = topics.isEmpty() ? Optional.empty() : Optional.of(new SnsVerifier(topics,
                Optional.ofNullable(settings.get("sns_certificates")).filter(f -> !f.isBlank()).map(f -> SnsVerifier.readPem(home.resolve(f))).orElse(List.of()),
                list(settings.get("sns_hosts"))));
    }

    private static Set<String> list(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }

    private PushEventSource requirePush() {
        return push.orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                "event intake over HTTP is off; add an entry of type http to events: in chute.yaml (docs/sources.md)"));
    }

    /** An admin token of the server, or a Google OIDC token when configured. */
    private void authorize(Context ctx, boolean googlePush) {
        Optional<ApiToken.Role> role = auth.roleOf(ctx);
        if (role.isPresent() && role.get().allows(ApiToken.Role.ADMIN)) {
            return;
        }
        if (role.isPresent()) {
            throw new ApiException(HttpStatus.FORBIDDEN, "event intake needs the admin role; your token has " + role.get().id());
        }
        String header = Optional.ofNullable(ctx.header("Authorization")).orElse("");
        if (googlePush && oidc.isPresent() && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            try {
                oidc.get().verify(header.substring(7).trim());
                return;
            } catch (IllegalArgumentException e) {
                count(ctx, "unauthorized");
                throw new ApiException(HttpStatus.UNAUTHORIZED, e.getMessage());
            }
        }
        count(ctx, "unauthorized");
        ctx.header("WWW-Authenticate", "Bearer");
        throw new ApiException(HttpStatus.UNAUTHORIZED, "event intake needs an admin token" + (googlePush ? " or a Google OIDC token (events[].oidc_audience)" : ""));
    }

    void cloudEvent(Context ctx) {
        authorize(ctx, true);
        requirePush();
        Map<String, String> attributes = new LinkedHashMap<>();
        byte[] data;
        String type = Optional.ofNullable(ctx.contentType()).orElse("").toLowerCase(Locale.ROOT);
        if (type.startsWith("application/cloudevents+json")) {
            JsonNode event = json(ctx.bodyAsBytes(), "a structured-mode CloudEvent");
            event.fields().forEachRemaining(f -> {
                if (!f.getKey().equals("data") && !f.getKey().equals("data_base64") && f.getValue().isValueNode()) {
                    attributes.put("ce-" + f.getKey().toLowerCase(Locale.ROOT), f.getValue().asText());
                }
            });
            if (event.hasNonNull("data_base64")) {
                data = Base64.getDecoder().decode(event.get("data_base64").asText());
            } else if (event.hasNonNull("data")) {
                data = event.get("data").toString().getBytes(StandardCharsets.UTF_8);
            } else {
                throw new IllegalArgumentException("the structured-mode CloudEvent has no data");
            }
        } else {
            ctx.headerMap().forEach((name, value) -> {
                String n = name.toLowerCase(Locale.ROOT);
                if (n.startsWith("ce-")) {
                    attributes.put(n, value);
                }
            });
            if (!attributes.containsKey("ce-type")) {
                throw new IllegalArgumentException("expected a CloudEvent: ce-type and the other ce-* headers (binary mode) or Content-Type: application/cloudevents+json (structured mode); found neither");
            }
            data = ctx.bodyAsBytes();
        }
        deliver(ctx, data, attributes);
    }

    void pubsub(Context ctx) {
        authorize(ctx, true);
        requirePush();
        JsonNode envelope = json(ctx.bodyAsBytes(), "a Pub/Sub push envelope {\"message\": {\"data\", \"attributes\", \"messageId\"}, \"subscription\"}");
        JsonNode message = envelope.path("message");
        if (!message.isObject()) {
            throw new IllegalArgumentException("expected a Pub/Sub push envelope {\"message\": {...}, \"subscription\": ...}; found no message");
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        message.path("attributes").fields().forEachRemaining(f -> attributes.put(f.getKey(), f.getValue().asText()));
        byte[] data;
        try {
            data = Base64.getDecoder().decode(message.path("data").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the Pub/Sub message data is not base64");
        }
        deliver(ctx, data, attributes);
    }

    void s3(Context ctx) {
        authorize(ctx, false);
        requirePush();
        deliver(ctx, ctx.bodyAsBytes(), Map.of());
    }

    void sns(Context ctx) {
        requirePush();
        JsonNode message = json(ctx.bodyAsBytes(), "an SNS message");
        SnsVerifier verifier = sns.orElseThrow(() -> new ApiException(HttpStatus.FORBIDDEN,
                "SNS deliveries are refused: no topic is accepted; set events[].sns_topics to the topic ARNs"));
        try {
            verifier.verify(message);
        } catch (IllegalArgumentException e) {
            count(ctx, "unauthorized");
            throw new ApiException(HttpStatus.FORBIDDEN, e.getMessage());
        }
        switch (message.path("Type").asText()) {
            case "SubscriptionConfirmation" -> {
                verifier.confirm(message);
                log.info("confirmed the SNS subscription to {}", message.path("TopicArn").asText());
                count(ctx, "subscribed");
                ctx.json(ApiJson.object().put("confirmed", message.path("TopicArn").asText()));
            }
            case "UnsubscribeConfirmation" -> {
                log.warn("SNS says the subscription to {} was removed", message.path("TopicArn").asText());
                count(ctx, "unsubscribed");
                ctx.json(ApiJson.object().put("unsubscribed", message.path("TopicArn").asText()));
            }
            default -> deliver(ctx, message.path("Message").asText("").getBytes(StandardCharsets.UTF_8), Map.of());
        }
    }

    private void deliver(Context ctx, byte[] payload, Map<String, String> attributes) {
        List<ObjectEvent> events;
        try {
            events = store.decodeNotification(payload, attributes);
        } catch (RuntimeException e) {
            count(ctx, "rejected");
            throw e;
        }
        if (!requirePush().offer(events)) {
            count(ctx, "unavailable");
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "the pipeline is not running yet; deliver again later");
        }
        count(ctx, events.isEmpty() ? "ignored" : "accepted");
        ctx.json(ApiJson.object().put("events", events.size()));
    }

    @Override
    public void close() {
        oidc.ifPresent(GoogleOidcVerifier::close);
        sns.ifPresent(SnsVerifier::close);
    }

    private void count(Context ctx, String outcome) {
        String kind = ctx.path().substring(ctx.path().lastIndexOf('/') + 1);
        Counter.builder("chute_intake_deliveries").description("Notifications delivered to the HTTP intake, by endpoint and outcome")
                .tag("endpoint", kind).tag("outcome", outcome).register(registry).increment();
    }

    private static JsonNode json(byte[] body, String expected) {
        try {
            JsonNode node = Json.mapper().readTree(body);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("expected " + expected + "; found " + (node == null ? "an empty body" : node.getNodeType()));
            }
            return node;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("expected " + expected + "; the body is not JSON: " + e.getMessage());
        }
    }
}
