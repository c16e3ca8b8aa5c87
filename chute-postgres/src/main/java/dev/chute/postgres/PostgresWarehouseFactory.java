package dev.chute.postgres;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.Warehouse;
import dev.chute.spi.WarehouseFactory;

/** {@code warehouse.type: postgres}; the settings are described in {@code docs/postgres.md}. */
public final class PostgresWarehouseFactory implements WarehouseFactory {
    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public java.util.Set<String> keys() {
        return PostgresSettings.KEYS;
    }

    @Override
    public Warehouse create(ConnectorContext context) {
        PostgresSettings settings = PostgresSettings.from(context);
        // the engine stages files under <home>/.chute/stage; DuckDB (the JSON/Parquet reader) may read only there
        return PostgresWarehouse.open(settings, context.home().resolve(".chute").resolve("stage"));
    }
}
