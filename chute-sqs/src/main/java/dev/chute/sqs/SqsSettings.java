package dev.chute.sqs;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import java.net.URI;
import java.time.Duration;
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
    static final Set<String> KEYS = Set.of("queue_url", "endpoint", "region", "wait_time", "visibility_timeout", "max_in_flight", "max_hold");
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
        String queueUrl = context.setting("queue_url").map(String::trim)
                .orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + SECTION + ".queue_url' is missing; expected the queue's URL, such as https://sqs.eu-west-1.amazonaws.com/123456789012/landing-events"));
        URI queue = httpUri("queue_url", queueUrl);
        Optional<URI> endpoint = context.setting("endpoint").map(String::trim).map(e -> httpUri("endpoint", e));
        Optional<String> region = context.setting("region").map(String::trim).map(r -> r.toLowerCase(Locale.ROOT));
        region.ifPresent(r -> {
            if (!REGION.matcher(r).matches()) {
                throw invalid("region", r, "an AWS region such as eu-west-1");
            }
        });
        Duration waitTime = context.duration(SECTION, "wait_time", Duration.ofSeconds(20), Duration.ZERO, Duration.ofSeconds(20));
        Duration visibility = context.duration(SECTION, "visibility_timeout", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofHours(12));
        int maxInFlight = context.integer(SECTION, "max_in_flight", 100, 1, 100_000);
        Duration maxHold = context.duration(SECTION, "max_hold", Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofHours(11));
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
