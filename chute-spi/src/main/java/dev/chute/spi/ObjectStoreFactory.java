package dev.chute.spi;

/**
 * Creates an {@link ObjectStore} and, optionally, the {@link EventSource} native to it; found with
 * {@link java.util.ServiceLoader} and chosen by {@code store.type} in {@code chute.yaml}.
 */
public interface ObjectStoreFactory {
    /** The name used in configuration: {@code local}, {@code s3}, {@code gcs}. */
    String name();

    /**
     * The keys its {@code store:} section may hold besides {@code type}: what
     * {@link ConnectorContext#requireKnown} accepts, and what the docs are checked to describe.
     */
    default java.util.Set<String> keys() {
        return java.util.Set.of();
    }

    ObjectStore create(ConnectorContext context);

    /** The store's own change feed (a filesystem watch), if it has one. */
    default java.util.Optional<EventSource> nativeEvents(ObjectStore store, ConnectorContext context) {
        return java.util.Optional.empty();
    }
}
