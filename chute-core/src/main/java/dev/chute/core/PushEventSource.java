package dev.chute.core;

import dev.chute.spi.ConnectorKey;
import dev.chute.spi.EventSource;
import dev.chute.spi.ObjectEvent;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Events pushed to Chute over HTTP (CloudEvents from Eventarc, Pub/Sub push, S3/MinIO webhooks,
 * SNS): the server decodes each delivery with the store and offers its events here. A delivery is
 * acknowledged (answered 2xx) as soon as its events are handed to the pipeline: the object is
 * still in landing, and the reconciling listing finds it even if Chute stops before loading it.
 */
public final class PushEventSource implements EventSource {
    /** The keys of an {@code events:} entry of type {@code http}, declared once; the HTTP server reads them. */
    public static final java.util.List<ConnectorKey<?>> DECLARED = java.util.List.of(
            ConnectorKey.text("oidc_audience", "a URL", java.util.Optional.empty(), "the audience Google OIDC tokens must name: the URL Eventarc or Pub/Sub push calls"),
            ConnectorKey.text("oidc_issuer", "a URL", java.util.Optional.empty(), "the issuer the tokens must name; Google's by default"),
            ConnectorKey.text("oidc_jwks", "a URL or a JWKS file in the home", java.util.Optional.empty(),
                    "where the token signing keys come from; Google's by default"),
            ConnectorKey.text("oidc_email", "an e-mail address", java.util.Optional.empty(), "the service account the tokens must be for (required with oidc_audience)"),
            ConnectorKey.text("sns_topics", "comma-separated topic ARNs", java.util.Optional.empty(), "the SNS topics whose messages are accepted"),
            ConnectorKey.text("sns_certificates", "a PEM file in the home", java.util.Optional.empty(), "pinned SNS signing certificates instead of fetched ones"),
            ConnectorKey.text("sns_hosts", "comma-separated host names", java.util.Optional.empty(),
                    "hosts besides sns.<region>.amazonaws.com that may serve SNS certificates"));
    public static final java.util.Set<String> KEYS = ConnectorKey.names(DECLARED);

    private final java.util.Map<String, String> settings;
    private volatile Consumer<ObjectEvent> sink;
    private final AtomicLong received = new AtomicLong();

    public PushEventSource(java.util.Map<String, String> settings) {
        this.settings = java.util.Map.copyOf(settings);
    }

    /** The entry's settings (without {@code type}), for the HTTP server's verifiers. */
    public java.util.Map<String, String> settings() {
        return settings;
    }

    @Override
    public String describe() {
        return "http intake";
    }

    @Override
    public void start(Consumer<ObjectEvent> sink) {
        this.sink = sink;
    }

    /** Hands events to the pipeline; returns false when the pipeline is not running yet (the caller answers 503). */
    public boolean offer(List<ObjectEvent> events) {
        Consumer<ObjectEvent> s = sink;
        if (s == null) {
            return false;
        }
        events.forEach(s);
        received.addAndGet(events.size());
        return true;
    }

    /** Events offered since start; each is acknowledged (answered) as it is taken. */
    @Override
    public dev.chute.spi.EventCounts counts() {
        return new dev.chute.spi.EventCounts(received.get(), received.get(), 0, 0, 0, 0);
    }

    @Override
    public void close() {
        sink = null;
    }
}
