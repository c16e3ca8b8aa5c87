package dev.chute.nats;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ConnectorKey;
import dev.chute.spi.ErrorCode;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The keys of an {@code events:} entry of type {@code nats}, validated.
 *
 * @param url server URL, may carry {@code user:password@} or a token; default {@code nats://127.0.0.1:4222}
 * @param stream the JetStream stream holding the notifications (required)
 * @param subject the subject the notifications are published on: the consumer's filter, and the
 *     stream's subject when Chute creates it; optional otherwise (the whole stream)
 * @param durable the durable consumer's name; every worker uses the same one, so the stream is
 *     consumed as a work queue (default {@code chute})
 * @param createStream create a work-queue stream on {@code subject} if the stream does not exist
 *     (for development and tests; default false)
 * @param ackWait how long the server waits for an acknowledgement before it redelivers; Chute
 *     renews the lease of messages whose objects are loading (default 5m)
 * @param maxAckPending unacknowledged messages at most, across all workers of the durable
 *     (default 1000)
 * @param maxHold how long a message is held unacknowledged, its lease renewed, waiting for its
 *     objects; after that it goes back to the server for redelivery (default 1h)
 */
public record NatsSettings(String url, String stream, Optional<String> subject, String durable, boolean createStream,
                           Duration ackWait, int maxAckPending, Duration maxHold) {
    static final String SECTION = "events.nats";
    static final ConnectorKey<String> URL = ConnectorKey.text("url", "a URL such as nats://127.0.0.1:4222", Optional.of("nats://127.0.0.1:4222"),
            "server URL; may carry user:password@ or a token");
    static final ConnectorKey<String> STREAM = ConnectorKey.text("stream", "the name of the JetStream stream holding the notifications", Optional.empty(),
            "the JetStream stream holding the notifications (required)");
    static final ConnectorKey<String> SUBJECT_KEY = ConnectorKey.text("subject", "a NATS subject without spaces, such as minio.events", Optional.empty(),
            "the subject the notifications are published on: the consumer's filter, and the stream's subject when Chute creates it");
    static final ConnectorKey<String> DURABLE = ConnectorKey.string("durable", "chute", "the durable consumer's name, shared by every worker");
    static final ConnectorKey<Boolean> CREATE_STREAM = ConnectorKey.bool("create_stream", false,
            "create a work-queue stream on subject if the stream does not exist (for development and tests)");
    static final ConnectorKey<Duration> ACK_WAIT = ConnectorKey.duration("ack_wait", "5m", Duration.ofSeconds(1), Duration.ofHours(12),
            "how long the server waits for an acknowledgement before it redelivers");
    static final ConnectorKey<Integer> MAX_ACK_PENDING = ConnectorKey.integer("max_ack_pending", 1000, 1, 1_000_000,
            "unacknowledged messages at most, across all workers of the durable");
    static final ConnectorKey<Duration> MAX_HOLD = ConnectorKey.duration("max_hold", "1h", Duration.ofSeconds(1), Duration.ofDays(7),
            "how long a message is held unacknowledged, waiting for its objects, before it goes back for redelivery");
    /** Every key of the entry besides {@code type}, declared once. */
    static final List<ConnectorKey<?>> DECLARED = List.of(URL, STREAM, SUBJECT_KEY, DURABLE, CREATE_STREAM, ACK_WAIT, MAX_ACK_PENDING, MAX_HOLD);
    static final Set<String> KEYS = ConnectorKey.names(DECLARED);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,255}");
    private static final Pattern SUBJECT = Pattern.compile("[^\\s]{1,1024}");

    public NatsSettings {
        requireNonNull(url, "url is null");
        requireNonNull(stream, "stream is null");
        requireNonNull(subject, "subject is null");
        requireNonNull(durable, "durable is null");
        requireNonNull(ackWait, "ackWait is null");
        requireNonNull(maxHold, "maxHold is null");
    }

    /** Reads and validates the settings; a bad one fails with {@link ErrorCode#CONFIGURATION} naming the key. */
    public static NatsSettings from(ConnectorContext context) {
        context.requireKnown(SECTION, KEYS);
        String url = context.require(SECTION, URL);
        try {
            String scheme = URI.create(url).getScheme();
            if (scheme == null || !Set.of("nats", "tls", "ws", "wss").contains(scheme.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("no nats, tls, ws or wss scheme");
            }
        } catch (IllegalArgumentException e) {
            throw invalid("url", redact(url), "a URL such as nats://127.0.0.1:4222");
        }
        String stream = context.value(SECTION, STREAM)
                .orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + SECTION + ".stream' is missing; expected the name of the JetStream stream holding the notifications"));
        requireName("stream", stream);
        Optional<String> subject = context.value(SECTION, SUBJECT_KEY);
        subject.ifPresent(s -> {
            if (!SUBJECT.matcher(s).matches()) {
                throw invalid("subject", s, "a NATS subject without spaces, such as minio.events");
            }
        });
        String durable = context.require(SECTION, DURABLE);
        requireName("durable", durable);
        boolean create = context.require(SECTION, CREATE_STREAM);
        if (create && subject.isEmpty()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + SECTION + ".subject' is missing; create_stream: true needs the subject the stream captures");
        }
        Duration ackWait = context.require(SECTION, ACK_WAIT);
        int maxAckPending = context.require(SECTION, MAX_ACK_PENDING);
        Duration maxHold = context.require(SECTION, MAX_HOLD);
        return new NatsSettings(url, stream, subject, durable, create, ackWait, maxAckPending, maxHold);
    }

    /** The URL without credentials, for logs and messages. */
    String safeUrl() {
        return redact(url);
    }

    static String redact(String url) {
        return url.replaceFirst("//[^/@]*@", "//***@");
    }

    private static void requireName(String key, String value) {
        if (!NAME.matcher(value).matches()) {
            throw invalid(key, value, "letters, digits, '_' and '-' only");
        }
    }

    private static ChuteException invalid(String key, String value, String expected) {
        return ConnectorContext.invalid(SECTION, key, value, expected);
    }
}
