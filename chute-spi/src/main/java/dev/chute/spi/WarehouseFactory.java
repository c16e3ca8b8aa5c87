package dev.chute.spi;

/**
 * Creates a {@link Warehouse}; found with {@link java.util.ServiceLoader} and chosen by
 * {@code warehouse.type} in {@code chute.yaml}.
 */
public interface WarehouseFactory {
    /** The name used in configuration: {@code duckdb}, {@code postgres}, {@code bigquery}. */
    String name();

    Warehouse create(ConnectorContext context);
}
