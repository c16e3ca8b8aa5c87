package dev.chute.sqs;

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
 * The keys of an {@code events:} entry of type {@code sqs}, validated. Credentials come from the
 * AWS SDK's default chain (environment, system properties, profile, container or instance role).
 *
 * @param queueUrl the queue's URL, {@code https://sqs.<region>.amazonaws.com/<account>/<name>} (required)
 * @param endpoint the SQS endpoint, for SQS-compatible servers and VPC endpoints (optional)
 * @param region the AWS region (optional: the SDK's default chain)
 * @param waitTime long-polling wait of one receive, 0 to 20 seconds (default 20s)
 * @param visibilityTimeout how long a received message stays invisible to other workers; Chute
 *     extends it for messages whose objects are loading (default 5m)
 * @param maxInFlight received and not yet deleted messages at most on this worker (default 100)
 * @param maxHold how long a message is held, its visibility extended, waiting for its objects;
 *     after that it is made visible again for redelivery (default 1h; SQS allows 12h at most)
 */
public record SqsSettings(URI queueUrl, Optional<URI> endpoint, Optional<String> region, Duration waitTime, Duration visibilityTimeout,
                          int maxInFlight, Duration maxHold) {
    static final String SECTION = "events.sqs";
    static final ConnectorKey<String> QUEUE_URL = ConnectorKey.text("queue_url", "an http:// or https:// URL without credentials", Optional.empty(),
            "the queue's URL, https://sqs.<region>.amazonaws.com/<account>/<name> (required)");
    static final ConnectorKey<String> ENDPOINT = ConnectorKey.text("endpoint", "an http:// or https:// URL without credentials", Optional.empty(),
            "the SQS endpoint, for SQS-compatible servers and VPC endpoints");
    static final ConnectorKey<String> REGION_KEY = ConnectorKey.text("region", "an AWS region such as eu-west-1", Optional.empty(),
            "the AWS region (by default the SDK's default chain)");
    static final ConnectorKey<Duration> WAIT_TIME = ConnectorKey.duration("wait_time", "20s", Duration.ZERO, Duration.ofSeconds(20),
            "long-polling wait of one receive");
    static final ConnectorKey<Duration> VISIBILITY_TIMEOUT = ConnectorKey.duration("visibility_timeout", "5m", Duration.ofSeconds(1), Duration.ofHours(12),
            "how long a received message stays invisible to other workers; extended for messages whose objects are loading");
    static final ConnectorKey<Integer> MAX_IN_FLIGHT = ConnectorKey.integer("max_in_flight", 100, 1, 100_000,
            "received and not yet deleted messages at most on this worker");
    static final ConnectorKey<Duration> MAX_HOLD = ConnectorKey.duration("max_hold", "1h", Duration.ofSeconds(1), Duration.ofHours(11),
            "how long a message is held, its visibility extended, waiting for its objects, before it is made visible again");
    /** Every key of the entry besides {@code type}, declared once. */
    static final List<ConnectorKey<?>> DECLARED = List.of(QUEUE_URL, ENDPOINT, REGION_KEY, WAIT_TIME, VISIBILITY_TIMEOUT, MAX_IN_FLIGHT, MAX_HOLD);
    static final Set<String> KEYS = ConnectorKey.names(DECLARED);
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,64}");

    public SqsSettings {
        requireNonNull(queueUrl, "queueUrl is null");
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(region, "region is null");
        requireNonNull(waitTime, "waitTime is null");
        requireNonNull(visibilityTimeout, "visibilityTimeout is null");
        requireNonNull(maxHold, "maxHold is null");
    }

    /** Reads and validates the settings; a bad one fails with {@link ErrorCode#CONFIGURATION} naming the key. */
    public static SqsSettings from(ConnectorContext context) {
        context.requireKnown(SECTION, KEYS);
        String queueUrl = context.value(SECTION, QUEUE_URL)
                .orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + SECTION + ".queue_url' is missing; expected the queue's URL, such as https://sqs.eu-west-1.amazonaws.com/123456789012/landing-events"));
        URI queue = httpUri("queue_url", queueUrl);
        Optional<URI> endpoint = context.value(SECTION, ENDPOINT).map(e -> httpUri("endpoint", e));
        Optional<String> region = context.value(SECTION, REGION_KEY).map(r -> r.toLowerCase(Locale.ROOT));
        region.ifPresent(r -> {
            if (!REGION.matcher(r).matches()) {
                throw invalid("region", r, "an AWS region such as eu-west-1");
            }
        });
        Duration waitTime = context.require(SECTION, WAIT_TIME);
        Duration visibility = context.require(SECTION, VISIBILITY_TIMEOUT);
        int maxInFlight = context.require(SECTION, MAX_IN_FLIGHT);
        Duration maxHold = context.require(SECTION, MAX_HOLD);
        return new SqsSettings(queue, endpoint, region, waitTime, visibility, maxInFlight, maxHold);
    }

    private static URI httpUri(String key, String text) {
        try {
            URI uri = URI.create(text);
            if (uri.getScheme() != null && Set.of("http", "https").contains(uri.getScheme().toLowerCase(Locale.ROOT)) && uri.getHost() != null
                    && uri.getUserInfo() == null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw invalid(key, text.replaceFirst("//[^/@]*@", "//***@"), "an http:// or https:// URL without credentials");
    }

    private static ChuteException invalid(String key, String value, String expected) {
        return ConnectorContext.invalid(SECTION, key, value, expected);
    }
}
