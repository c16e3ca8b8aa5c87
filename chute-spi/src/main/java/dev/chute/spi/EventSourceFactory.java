package dev.chute.spi;

/**
 * Creates an {@link EventSource} from an entry of the {@code events:} list in {@code chute.yaml}
 * (a broker subscription, a queue consumer); found with {@link java.util.ServiceLoader} and chosen
 * by the entry's {@code type}. Payloads the source receives are decoded by the store
 * ({@link ObjectStore#decodeNotification}), so one broker source serves every store whose
 * notifications it carries.
 */
public interface EventSourceFactory {
    /** The name used in configuration: {@code nats}, {@code amqp}, {@code sqs}. */
    String name();

    /**
     * The keys its {@code events:} section may hold besides {@code type}: what
     * {@link ConnectorContext#requireKnown} accepts, and what the docs are checked to describe.
     */
    default java.util.Set<String> keys() {
        return java.util.Set.of();
    }

    /**
     * Creates the source (not started yet). {@code context.settings()} holds the entry's keys
     * other than {@code type}; an unknown key or a bad value fails with
     * {@link ErrorCode#CONFIGURATION} naming it ({@link ConnectorContext#requireKnown}).
     */
    EventSource create(ConnectorContext context, ObjectStore store);
}
