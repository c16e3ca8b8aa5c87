package dev.chute.duckdb;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ConnectorKey;
import dev.chute.spi.Warehouse;
import dev.chute.spi.WarehouseFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code warehouse.type: duckdb}. Setting {@code path}: the database file, relative to the home
 * directory (default {@code warehouse.duckdb}); {@code read_only: true} opens it for queries only;
 * {@code memory_limit}, {@code threads} and {@code max_temp_directory_size} bound what the database
 * takes of the machine ({@link DuckDbLimits}).
 */
public final class DuckDbWarehouseFactory implements WarehouseFactory {
    static final ConnectorKey<String> PATH = ConnectorKey.string("path", "warehouse.duckdb", "the database file, relative to the home");
    static final ConnectorKey<Boolean> READ_ONLY = ConnectorKey.bool("read_only", false, "open the database read-only (loads are refused)");
    static final ConnectorKey<String> MEMORY_LIMIT = ConnectorKey.text("memory_limit", "a size such as 512MB or 2GB, or a percentage from 1% to 100%",
            Optional.empty(), "DuckDB's memory limit; by default a quarter of the machine's memory, at least 128MB");
    static final ConnectorKey<Integer> THREADS = ConnectorKey.integer("threads", Runtime.getRuntime().availableProcessors(), 1, 1024,
            "DuckDB's worker threads; by default one per processor");
    static final ConnectorKey<String> MAX_TEMP_DIRECTORY_SIZE = ConnectorKey.text("max_temp_directory_size",
            "a size such as 512MB or 2GB, or a percentage from 1% to 100%", Optional.empty(),
            "how much disk spilled data may take; by default a quarter of the free space");
    /** Every key of the section besides {@code type}, declared once. */
    static final List<ConnectorKey<?>> DECLARED = List.of(PATH, READ_ONLY, MEMORY_LIMIT, THREADS, MAX_TEMP_DIRECTORY_SIZE);
    static final java.util.Set<String> KEYS = ConnectorKey.names(DECLARED);

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
        Path file = context.home().resolve(context.require("warehouse", PATH));
        // "yes" or "1" is refused, never read as false
        boolean readOnly = context.require("warehouse", READ_ONLY);
        Path stage = stageRoot(context.home());
        DuckDbLimits limits = DuckDbLimits.of(context, DuckDbWarehouse.defaultTempDirectory(stage));
        return readOnly ? DuckDbWarehouse.openReadOnly(file, stage, limits) : DuckDbWarehouse.open(file, stage, limits);
    }
}
