package dev.chute.spi;

/**
 * Creates an {@link ObjectStore} and, optionally, the {@link EventSource} native to it; found with
 * {@link java.util.ServiceLoader} and chosen by {@code store.type} in {@code chute.yaml}.
 */
public interface ObjectStoreFactory {
    /** The name used in configuration: {@code local}, {@code s3}, {@code gcs}. */
    String name();

    ObjectStore create(ConnectorContext context);

    /** The store's own change feed (a filesystem watch), if it has one. */
    default java.util.Optional<EventSource> nativeEvents(ObjectStore store, ConnectorContext context) {
        return java.util.Optional.empty();
    }
}
