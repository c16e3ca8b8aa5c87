package dev.chute.testkit;

import dev.chute.core.ChuteConfig;
import dev.chute.core.Pipeline;
import dev.chute.core.PipelineListener;
import dev.chute.duckdb.DuckDbWarehouse;
import dev.chute.duckdb.DuckDbWarehouseFactory;
import dev.chute.local.LocalObjectStore;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.EventSource;
import dev.chute.spi.EventSourceFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/**
 * One Chute worker in a temporary home: the notifying local store, DuckDB, and the engine's real
 * {@link Pipeline} with the event source built by its factory from the {@code events:} entry of
 * {@code chute.yaml} (the pipeline is built directly, as {@code Chute.open} cannot take a store
 * instance, so that the test can make archiving fail and read the source's counts).
 *
 * @param <S> the type of the event source under test
 */
public class BrokerWorker<S extends EventSource> implements AutoCloseable {
    public final Path home;
    public final NotifyingLocalStore store;
    public final DuckDbWarehouse warehouse;
    public final S source;
    public final Pipeline pipeline;

    @SuppressWarnings("unchecked")
    protected BrokerWorker(Path home, String yaml, boolean archiveWorks, EventSourceFactory factory) {
        this.home = home;
        ChuteConfig config = ChuteConfig.parse(yaml, "test");
        this.store = new NotifyingLocalStore(LocalObjectStore.inHome(home));
        store.archiveWorks.set(archiveWorks);
        this.warehouse = DuckDbWarehouse.open(home.resolve("warehouse.duckdb"), DuckDbWarehouseFactory.stageRoot(home));
        this.source = (S) factory.create(new ConnectorContext(home, config.events().get(0)), store);
        this.pipeline = new Pipeline(store, warehouse, List.of(source), config, home.resolve(".chute"), PipelineListener.NONE);
        pipeline.start();
    }

    /** Intake driven by events only: the listing runs at start and then once an hour. */
    public static String yaml(String eventsEntry) {
        return """
                intake:
                  reconcile_interval: 1h
                retry:
                  initial_backoff: 50ms
                  max_backoff: 200ms
                events:
                  - %s
                """.formatted(eventsEntry);
    }

    /** Writes a file elsewhere and renames it into landing, as a producer should. */
    public Path drop(String key, String content) throws IOException {
        Path target = landing(key);
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(home, "drop", ".tmp");
        Files.writeString(temp, content, StandardCharsets.UTF_8);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    public Path landing(String key) {
        return home.resolve("landing").resolve(key);
    }

    public Path archive(String key) {
        return home.resolve("archive").resolve(key);
    }

    public long scalar(String sql) {
        return ((Number) warehouse.query(sql, 10, Duration.ofSeconds(30)).rows().get(0).get(0)).longValue();
    }

    public long ledger() {
        return scalar("SELECT count(*) FROM _chute.ledger");
    }

    public long rows(String table) {
        return scalar("SELECT count(*) FROM " + table);
    }

    public boolean tableExists(String dataset, String table) {
        return scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + dataset + "' AND table_name = '" + table + "'") > 0;
    }

    @Override
    public void close() {
        pipeline.close();
        warehouse.close();
        store.close();
    }
}
