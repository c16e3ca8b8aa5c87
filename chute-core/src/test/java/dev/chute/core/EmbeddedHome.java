package dev.chute.core;

import dev.chute.duckdb.DuckDbWarehouse;
import dev.chute.duckdb.DuckDbWarehouseFactory;
import dev.chute.local.LocalObjectStore;
import dev.chute.local.LocalWatchEventSource;
import dev.chute.spi.QueryResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/** A real embedded setup in a temporary home: local directories, a watch, a DuckDB file. */
final class EmbeddedHome implements AutoCloseable {
    final Path home;
    final LocalObjectStore store;
    final DuckDbWarehouse warehouse;
    final Pipeline pipeline;

    EmbeddedHome(Path home, ChuteConfig config) {
        this.home = home;
        this.store = LocalObjectStore.inHome(home);
        this.warehouse = DuckDbWarehouse.open(home.resolve("warehouse.duckdb"), DuckDbWarehouseFactory.stageRoot(home));
        this.pipeline = new Pipeline(store, warehouse, List.of(new LocalWatchEventSource(home.resolve("landing"))), config,
                home.resolve(".chute"), PipelineListener.NONE);
        pipeline.start();
    }

    EmbeddedHome(Path home) {
        this(home, ChuteConfig.defaults());
    }

    /** Writes a file elsewhere and renames it into landing, as a producer should. */
    Path drop(String key, String content) throws IOException {
        return drop(key, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Path drop(String key, byte[] content) throws IOException {
        Path target = home.resolve("landing").resolve(key);
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(home, "drop", ".tmp");
        Files.write(temp, content);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    Path landing(String key) {
        return home.resolve("landing").resolve(key);
    }

    Path archive(String key) {
        return home.resolve("archive").resolve(key);
    }

    Path failed(String key) {
        return home.resolve("failed").resolve(key);
    }

    QueryResult query(String sql) {
        return warehouse.query(sql, 100_000, Duration.ofSeconds(30));
    }

    long count(String table) {
        return ((Number) query("SELECT count(*) FROM " + table).rows().get(0).get(0)).longValue();
    }

    Object scalar(String sql) {
        return query(sql).rows().get(0).get(0);
    }

    boolean tableExists(String dataset, String table) {
        return ((Number) scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + dataset + "' AND table_name = '" + table + "'")).longValue() > 0;
    }

    @Override
    public void close() {
        pipeline.close();
        warehouse.close();
        store.close();
    }
}
