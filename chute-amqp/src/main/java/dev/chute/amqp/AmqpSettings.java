package dev.chute.amqp;

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
 * The keys of an {@code events:} entry of type {@code amqp}, validated.
 *
 * @param uri broker URI with credentials and virtual host; default
 *     {@code amqp://guest:guest@127.0.0.1:5672/%2F}; {@code amqps://} verifies the server's
 *     certificate against the JVM's trust store and its host name
 * @param queue the queue holding the notifications (required)
 * @param declare declare the queue (durable) if it does not exist (default false: it must exist)
 * @param exchange bind the queue to this existing exchange, e.g. the one MinIO's AMQP target
 *     publishes to (optional)
 * @param routingKey the binding's routing key (default empty)
 * @param prefetch unacknowledged deliveries at most on this worker's channel (default 100)
 * @param maxHold how long a delivery is held unacknowledged waiting for its objects; after that it
 *     is requeued (default 15m, below RabbitMQ's default {@code consumer_timeout} of 30 minutes,
 *     past which the broker closes the channel)
 */
public record AmqpSettings(String uri, String queue, boolean declare, Optional<String> exchange, String routingKey, int prefetch,
                           Duration maxHold) {
    static final String SECTION = "events.amqp";
    static final ConnectorKey<String> URI_KEY = ConnectorKey.text("uri", "a URI such as amqp://user:password@127.0.0.1:5672/%2F",
            Optional.of("amqp://guest:guest@127.0.0.1:5672/%2F"), "broker URI with credentials and virtual host");
    static final ConnectorKey<String> QUEUE = ConnectorKey.text("queue", "the name of the queue holding the notifications", Optional.empty(),
            "the queue holding the notifications (required)");
    static final ConnectorKey<Boolean> DECLARE = ConnectorKey.bool("declare", false, "declare the queue (durable) if it does not exist");
    static final ConnectorKey<String> EXCHANGE = ConnectorKey.text("exchange", "an exchange name without spaces", Optional.empty(),
            "bind the queue to this existing exchange");
    static final ConnectorKey<String> ROUTING_KEY = ConnectorKey.string("routing_key", "", "the binding's routing key");
    static final ConnectorKey<Integer> PREFETCH = ConnectorKey.integer("prefetch", 100, 1, 65_535,
            "unacknowledged deliveries at most on this worker's channel");
    static final ConnectorKey<Duration> MAX_HOLD = ConnectorKey.duration("max_hold", "15m", Duration.ofSeconds(1), Duration.ofDays(7),
            "how long a delivery is held unacknowledged waiting for its objects before it is requeued");
    /** Every key of the entry besides {@code type}, declared once. */
    static final List<ConnectorKey<?>> DECLARED = List.of(URI_KEY, QUEUE, DECLARE, EXCHANGE, ROUTING_KEY, PREFETCH, MAX_HOLD);
    static final Set<String> KEYS = ConnectorKey.names(DECLARED);
    private static final Pattern NAME = Pattern.compile("[^\\s]{1,255}");

    public AmqpSettings {
        requireNonNull(uri, "uri is null");
        requireNonNull(queue, "queue is null");
        requireNonNull(exchange, "exchange is null");
        requireNonNull(routingKey, "routingKey is null");
        requireNonNull(maxHold, "maxHold is null");
    }

    /** Reads and validates the settings; a bad one fails with {@link ErrorCode#CONFIGURATION} naming the key. */
    public static AmqpSettings from(ConnectorContext context) {
        context.requireKnown(SECTION, KEYS);
        String uri = context.require(SECTION, URI_KEY);
        try {
            String scheme = URI.create(uri).getScheme();
            if (scheme == null || !Set.of("amqp", "amqps").contains(scheme.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("no amqp or amqps scheme");
            }
        } catch (IllegalArgumentException e) {
            throw invalid("uri", redact(uri), "a URI such as amqp://user:password@127.0.0.1:5672/%2F");
        }
        String queue = context.value(SECTION, QUEUE)
                .orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + SECTION + ".queue' is missing; expected the name of the queue holding the notifications"));
        requireName("queue", queue);
        boolean declare = context.require(SECTION, DECLARE);
        Optional<String> exchange = context.value(SECTION, EXCHANGE);
        exchange.ifPresent(e -> requireName("exchange", e));
        String routingKey = context.require(SECTION, ROUTING_KEY);
        if (routingKey.length() > 255) {
            throw invalid("routing_key", routingKey, "at most 255 characters");
        }
        if (!routingKey.isEmpty() && exchange.isEmpty()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + SECTION + ".routing_key' needs '" + SECTION + ".exchange', the exchange to bind the queue to");
        }
        int prefetch = context.require(SECTION, PREFETCH);
        Duration maxHold = context.require(SECTION, MAX_HOLD);
        return new AmqpSettings(uri, queue, declare, exchange, routingKey, prefetch, maxHold);
    }

    /** The URI without credentials, for logs and messages. */
    String safeUri() {
        return redact(uri);
    }

    static String redact(String uri) {
        return uri.replaceFirst("//[^/@]*@", "//***@");
    }

    private static void requireName(String key, String value) {
        if (!NAME.matcher(value).matches()) {
            throw invalid(key, value, "a name of 1 to 255 characters without spaces");
        }
    }

    private static ChuteException invalid(String key, String value, String expected) {
        return ConnectorContext.invalid(SECTION, key, value, expected);
    }
}
