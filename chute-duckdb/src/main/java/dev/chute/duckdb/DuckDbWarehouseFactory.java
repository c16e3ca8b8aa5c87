package dev.chute.duckdb;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.Warehouse;
import dev.chute.spi.WarehouseFactory;
import java.nio.file.Path;

/**
 * {@code warehouse.type: duckdb}. Setting {@code path}: the database file, relative to the home
 * directory (default {@code warehouse.duckdb}); {@code read_only: true} opens it for queries only;
 * {@code memory_limit}, {@code threads} and {@code max_temp_directory_size} bound what the database
 * takes of the machine ({@link DuckDbLimits}).
 */
public final class DuckDbWarehouseFactory implements WarehouseFactory {
    /** The keys of the section besides {@code type}. */
    static final java.util.Set<String> KEYS = java.util.Set.of("path", "read_only", "memory_limit", "threads", "max_temp_directory_size");

    /** Where staged copies of objects live while they load; the only directory DuckDB may read. */
    public static Path stageRoot(Path home) {
        return home.resolve(".chute").resolve("stage");
    }

    @Override
    public String name() {
        return "duckdb";
    }

    @Override
    public java.util.Set<String> keys() {
        return KEYS;
    }

    @Override
    public Warehouse create(ConnectorContext context) {
        context.requireKnown("warehouse", KEYS);
        Path file = context.home().resolve(context.setting("path").orElse("warehouse.duckdb"));
        // "yes" or "1" is refused, never read as false
        boolean readOnly = context.bool("warehouse", "read_only", false);
        Path stage = stageRoot(context.home());
        DuckDbLimits limits = DuckDbLimits.of(context, DuckDbWarehouse.defaultTempDirectory(stage));
        return readOnly ? DuckDbWarehouse.openReadOnly(file, stage, limits) : DuckDbWarehouse.open(file, stage, limits);
    }
}
