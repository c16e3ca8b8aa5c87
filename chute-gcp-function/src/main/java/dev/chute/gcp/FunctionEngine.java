package dev.chute.gcp;

import static java.util.Objects.requireNonNull;

import dev.chute.core.ChuteConfig;
import dev.chute.core.Pipeline;
import dev.chute.core.PipelineListener;
import dev.chute.core.Router;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectStoreFactory;
import dev.chute.spi.TableId;
import dev.chute.spi.Warehouse;
import dev.chute.spi.WarehouseFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running engine of {@code chute-core} for one upload bucket: the store (through
 * {@link EventOnlyStore}), the warehouse and the {@link Pipeline}, fed by {@link FunctionEvents}.
 * An invocation hands its object's event to the pipeline and waits until the pipeline says the
 * object is handled (loaded and archived, a duplicate whose archive step ran, moved to failed with
 * its reason, or not in landing) or that it failed in a way that may pass, which the invocation
 * turns into an {@link EventRetryException}. Several invocations may wait at once (gen2 functions
 * may take concurrent requests); their objects then share the pipeline's batches.
 */
final class FunctionEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FunctionEngine.class);
    private static final long POLL_MILLIS = 50;

    private final String bucket;
    private final ObjectStore store;
    private final Warehouse warehouse;
    private final FunctionEvents events;
    private final Pipeline pipeline;
    private final Duration waitLimit;

    private FunctionEngine(String bucket, ObjectStore store, Warehouse warehouse, FunctionEvents events, Pipeline pipeline, Duration waitLimit) {
        this.bucket = bucket;
        this.store = store;
        this.warehouse = warehouse;
        this.events = events;
        this.pipeline = pipeline;
        this.waitLimit = waitLimit;
    }

    /** Opens the connectors named by the configuration and starts the pipeline. */
    static FunctionEngine open(FunctionSettings settings, String bucket) {
        requireNonNull(settings, "settings is null");
        requireNonNull(bucket, "bucket is null");
        ChuteConfig config = settings.config(bucket);
        Path home = settings.home();
        ObjectStoreFactory storeFactory = find(ObjectStoreFactory.class, config.get(ChuteConfig.STORE_TYPE), ObjectStoreFactory::name, "store.type");
        WarehouseFactory warehouseFactory = find(WarehouseFactory.class, config.get(ChuteConfig.WAREHOUSE_TYPE), WarehouseFactory::name, "warehouse.type");
        ObjectStore store = new EventOnlyStore(storeFactory.create(new ConnectorContext(home, config.storeSettings())));
        Warehouse warehouse;
        try {
            warehouse = warehouseFactory.create(new ConnectorContext(home, config.warehouseSettings()));
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            dev.chute.core.Chute.checkTables(config, warehouse, config.get(ChuteConfig.WAREHOUSE_TYPE));
        } catch (RuntimeException e) {
            warehouse.close();
            store.close();
            throw e;
        }
        FunctionEvents events = new FunctionEvents();
        Pipeline pipeline = new Pipeline(store, warehouse, List.of(events), config, home.resolve(".chute"), new LoggingListener());
        pipeline.start();
        log.info("Chute engine up: store {}, warehouse {}", store.describe(), warehouse.describe());
        return new FunctionEngine(bucket, store, warehouse, events, pipeline, settings.waitLimit());
    }

    private static <F> F find(Class<F> type, String name, Function<F, String> nameOf, String key) {
        List<String> known = new ArrayList<>();
        for (F factory : ServiceLoader.load(type, FunctionEngine.class.getClassLoader())) {
            if (nameOf.apply(factory).equals(name)) {
                return factory;
            }
            known.add(nameOf.apply(factory));
        }
        throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + key + "' has value '" + name
                + "'; expected one of the connectors in the function: " + String.join(", ", known));
    }

    /** The upload bucket this engine loads from. */
    String bucket() {
        return bucket;
    }

    Warehouse warehouse() {
        return warehouse;
    }

    /**
     * Runs the engine for the objects a notification names and returns when each is handled.
     * Returns the landing keys it handled; empty when the notification names nothing in landing
     * (another prefix, the archive).
     *
     * @throws EventRetryException when an object failed in a way that may pass, or was not handled
     *     within the wait limit
     */
    List<String> process(byte[] body, Map<String, String> attributes, OptionalLong generation) {
        List<ObjectEvent> found = store.decodeNotification(body, attributes);
        List<String> keys = new ArrayList<>();
        for (ObjectEvent event : found) {
            if (event.kind() != ObjectEvent.Kind.UPSERTED) {
                continue;
            }
            if (Router.ignored(event.key())) {
                log.info("{} is a hidden or temporary name; not loaded", event.key());
                continue;
            }
            await(event, generation);
            keys.add(event.key());
        }
        return keys;
    }

    private void await(ObjectEvent event, OptionalLong generation) {
        String key = event.key();
        long deadline = System.nanoTime() + waitLimit.toNanos();
        // a failure recorded before this invocation (an earlier delivery's) is not this one's answer
        LoadError earlier = pipeline.retrying().get(key);
        while (true) {
            CompletableFuture<Void> done = events.whenHandled(key);
            try {
                events.offer(event);
                while (!done.isDone()) {
                    try {
                        done.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        LoadError now = pipeline.retrying().get(key);
                        if (now != null && now != earlier) {
                            throw new EventRetryException(key + " was not loaded and stays in landing (" + now.code() + "): " + now.reason());
                        }
                        if (System.nanoTime() - deadline > 0) {
                            throw new EventRetryException(key + " was not handled within " + waitLimit + " (CHUTE_WAIT_LIMIT); it stays in landing"
                                    + (pipeline.archiveProblem().map(p -> "; last archive problem: " + p).orElse("")));
                        }
                    } catch (ExecutionException e) {
                        throw new IllegalStateException("waiting for " + key + " failed", e.getCause());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EventRetryException("interrupted while waiting for " + key, e);
            } finally {
                events.forget(key, done);
            }
            if (generation.isEmpty() || !inLanding(key, generation.getAsLong())) {
                return;
            }
            // what was handled was another delivery's version of the key; this event's generation is still waiting
            log.debug("{} generation {} is still in landing; waiting for it too", key, generation.getAsLong());
        }
    }

    /** Whether landing still holds exactly this generation of the key (the GCS store's fingerprint starts {@code g<generation>/}). */
    private boolean inLanding(String key, long generation) {
        Optional<ObjectInfo> info = store.stat(ObjectRef.landing(key));
        return info.isPresent() && info.get().fingerprint().startsWith("g" + generation + "/");
    }

    @Override
    public void close() {
        pipeline.close();
        warehouse.close();
        store.close();
    }

    /** One log line per load, duplicate and failure. */
    private static final class LoggingListener implements PipelineListener {
        @Override
        public void loaded(String key, TableId table, long rows, long bytes, long millis) {
            log.info("loaded {} -> {} ({} rows, {} bytes, {} ms)", key, table, rows, bytes, millis);
        }

        @Override
        public void duplicate(String key) {
            log.info("skipped {}: this version is already loaded; archiving it", key);
        }

        @Override
        public void failed(String key, LoadError error, boolean permanent) {
            if (permanent) {
                log.warn("failed {} ({}): {}; moved to failed/ with {}.error.json", key, error.code(), error.reason(), key);
            } else {
                log.warn("{} not loaded yet ({}): {}", key, error.code(), error.reason());
            }
        }
    }
}
