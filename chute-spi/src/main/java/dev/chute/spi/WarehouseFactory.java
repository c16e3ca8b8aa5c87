package dev.chute.spi;

/**
 * Creates a {@link Warehouse}; found with {@link java.util.ServiceLoader} and chosen by
 * {@code warehouse.type} in {@code chute.yaml}.
 */
public interface WarehouseFactory {
    /** The name used in configuration: {@code duckdb}, {@code postgres}, {@code bigquery}. */
    String name();

    /**
     * The keys its {@code warehouse:} section may hold besides {@code type}: what
     * {@link ConnectorContext#requireKnown} accepts, and what the docs are checked to describe.
     */
    default java.util.Set<String> keys() {
        return java.util.Set.of();
    }

    Warehouse create(ConnectorContext context);
}
