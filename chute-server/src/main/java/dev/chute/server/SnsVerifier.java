package dev.chute.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Checks Amazon SNS HTTP(S) deliveries the way SNS documents it: the message's signature
 * ({@code SignatureVersion} 1: SHA1withRSA, 2: SHA256withRSA) over the canonical
 * "name\nvalue\n" string of its fields, made with the certificate at {@code SigningCertURL}, which
 * must be an https URL on an SNS host ({@code sns.<region>.amazonaws.com}); and the topic must be
 * one Chute was told to accept. Certificates may instead be pinned from a PEM file, which is also
 * how the tests sign their own messages (SNS itself cannot be reached from the test machine).
 */
final class SnsVerifier implements AutoCloseable {
    private static final Pattern SNS_HOST = Pattern.compile("sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?");
    /** The path SNS signing certificates are published under. */
    private static final Pattern SNS_CERT_PATH = Pattern.compile("/SimpleNotificationService-[0-9a-f]+\\.pem");
    /** Messages older than this are refused: a captured message cannot be replayed later. */
    static final Duration MAX_AGE = Duration.ofHours(1);
    /**
     * How far ahead of this server's clock a message's {@code Timestamp} may be: clocks drift a little,
     * but a message dated later than that would stay replayable for longer than {@link #MAX_AGE}.
     */
    static final Duration MAX_SKEW = Duration.ofMinutes(5);
    private static final Duration FAILURE_MEMORY = Duration.ofMinutes(5);
    private static final List<String> NOTIFICATION_FIELDS = List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type");
    private static final List<String> SUBSCRIPTION_FIELDS = List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type");

    private final Set<String> topics;
    private final List<X509Certificate> pinned;
    private final Set<String> extraHosts;
    private final Map<String, X509Certificate> fetched = new ConcurrentHashMap<>();
    /** Certificate URLs that could not be read, and when: not fetched again for a while. */
    private final Map<String, java.time.Instant> failed = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();

    /**
     * @param topics the topic ARNs whose messages are accepted
     * @param pinned certificates to trust instead of fetching {@code SigningCertURL}
     * @param extraHosts hosts besides {@code sns.<region>.amazonaws.com} that may serve certificates
     *     and subscription confirmations (plain http is allowed only for loopback ones)
     */
    SnsVerifier(Set<String> topics, List<X509Certificate> pinned, Set<String> extraHosts) {
        this.topics = Set.copyOf(requireNonNull(topics, "topics is null"));
        this.pinned = List.copyOf(requireNonNull(pinned, "pinned is null"));
        this.extraHosts = Set.copyOf(requireNonNull(extraHosts, "extraHosts is null"));
    }

    static List<X509Certificate> readPem(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            factory.generateCertificates(in).forEach(c -> out.add((X509Certificate) c));
            if (out.isEmpty()) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'events[].sns_certificates': " + file + " holds no certificate");
            }
            return out;
        } catch (IOException | GeneralSecurityException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'events[].sns_certificates': cannot read PEM certificates from " + file + ": " + e.getMessage(), e);
        }
    }

    /** Checks topic and signature; throws {@link IllegalArgumentException} saying what is wrong. */
    void verify(JsonNode message) {
        String type = text(message, "Type");
        String topic = text(message, "TopicArn");
        if (!topics.contains(topic)) {
            throw new IllegalArgumentException("SNS topic '" + topic + "' is not accepted; expected one of events[].sns_topics " + topics);
        }
        try {
            java.time.Instant sent = java.time.Instant.parse(text(message, "Timestamp"));
            java.time.Instant now = java.time.Instant.now();
            if (sent.isBefore(now.minus(MAX_AGE))) {
                throw new IllegalArgumentException("SNS message " + message.path("MessageId").asText() + " was sent at " + sent
                        + ", more than " + MAX_AGE.toMinutes() + " minutes ago; refused as a possible replay");
            }
            if (sent.isAfter(now.plus(MAX_SKEW))) {
                throw new IllegalArgumentException("SNS message " + message.path("MessageId").asText() + " is dated " + sent
                        + ", more than " + MAX_SKEW.toMinutes() + " minutes in the future (this server's clock: " + now + "); refused");
            }
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("SNS Timestamp is not an ISO-8601 time");
        }
        List<String> fields = switch (type) {
            case "Notification" -> NOTIFICATION_FIELDS;
            case "SubscriptionConfirmation", "UnsubscribeConfirmation" -> SUBSCRIPTION_FIELDS;
            default -> throw new IllegalArgumentException("SNS message Type is '" + type + "'; expected Notification, SubscriptionConfirmation or UnsubscribeConfirmation");
        };
        StringBuilder canonical = new StringBuilder();
        for (String f : fields) {
            JsonNode v = message.get(f);
            if (v != null && !v.isNull()) {
                canonical.append(f).append('\n').append(v.asText()).append('\n');
            }
        }
        String algorithm = switch (message.path("SignatureVersion").asText("1")) {
            case "1" -> "SHA1withRSA";
            case "2" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("SNS SignatureVersion is '" + message.path("SignatureVersion").asText() + "'; expected 1 or 2");
        };
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(text(message, "Signature"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SNS Signature is not base64");
        }
        for (X509Certificate cert : certificates(text(message, "SigningCertURL"))) {
            try {
                Signature s = Signature.getInstance(algorithm);
                s.initVerify(cert.getPublicKey());
                s.update(canonical.toString().getBytes(StandardCharsets.UTF_8));
                if (s.verify(signature)) {
                    return;
                }
            } catch (GeneralSecurityException e) {
                // try the next certificate
            }
        }
        throw new IllegalArgumentException("SNS message " + message.path("MessageId").asText() + " has no valid signature");
    }

    private List<X509Certificate> certificates(String url) {
        if (!pinned.isEmpty()) {
            return pinned;
        }
        URI uri = trusted(url, "SigningCertURL");
        if (SNS_HOST.matcher(Optional.ofNullable(uri.getHost()).orElse("")).matches() && !SNS_CERT_PATH.matcher(uri.getPath()).matches()) {
            throw new IllegalArgumentException("SNS SigningCertURL path " + uri.getPath() + " is not an SNS certificate (/SimpleNotificationService-<id>.pem)");
        }
        java.time.Instant failedAt = failed.get(uri.toString());
        if (failedAt != null && failedAt.isAfter(java.time.Instant.now().minus(FAILURE_MEMORY))) {
            throw new IllegalArgumentException("the SNS signing certificate at " + uri + " could not be read recently; not trying again before "
                    + failedAt.plus(FAILURE_MEMORY));
        }
        try {
            return List.of(fetched.computeIfAbsent(uri.toString(), u -> download(uri)));
        } catch (IllegalArgumentException e) {
            if (failed.size() < 1000) {
                failed.put(uri.toString(), java.time.Instant.now());
            }
            throw e;
        }
    }

    private X509Certificate download(URI uri) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalArgumentException("SigningCertURL " + uri + " answered HTTP " + r.statusCode());
            }
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(r.body()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the SNS signing certificate from " + uri + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("interrupted while reading " + uri);
        }
    }

    @Override
    public void close() {
        http.close();
    }

    /** Confirms a verified subscription by calling its SubscribeURL (on an SNS host only). */
    void confirm(JsonNode message) {
        URI uri = trusted(text(message, "SubscribeURL"), "SubscribeURL");
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "confirming the SNS subscription at " + uri.getHost() + " answered HTTP " + r.statusCode());
            }
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot confirm the SNS subscription at " + uri.getHost() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChuteException(ErrorCode.INTERNAL, "interrupted while confirming the SNS subscription");
        }
    }

    private URI trusted(String url, String field) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SNS " + field + " is not a URL");
        }
        String host = Optional.ofNullable(uri.getHost()).orElse("").toLowerCase(Locale.ROOT);
        boolean snsHost = SNS_HOST.matcher(host).matches() && "https".equals(uri.getScheme());
        boolean extra = extraHosts.contains(host) && ("https".equals(uri.getScheme())
                || "http".equals(uri.getScheme()) && ChuteServer.isLoopback(host));
        if (!snsHost && !extra) {
            throw new IllegalArgumentException("SNS " + field + " " + uri.getScheme() + "://" + host + " is not an SNS host (https://sns.<region>.amazonaws.com)");
        }
        return uri;
    }

    private static String text(JsonNode message, String field) {
        JsonNode v = message.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("SNS message has no " + field);
        }
        return v.asText();
    }
}
