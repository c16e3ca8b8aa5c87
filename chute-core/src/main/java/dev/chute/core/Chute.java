package dev.chute.core;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.EventSource;
import dev.chute.spi.EventSourceFactory;
import dev.chute.spi.FailureRecord;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectStoreFactory;
import dev.chute.spi.QueryResult;
import dev.chute.spi.SkippedEntry;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import dev.chute.spi.ThroughputBucket;
import dev.chute.spi.UndoResult;
import dev.chute.spi.UnsupportedOption;
import dev.chute.spi.Warehouse;
import dev.chute.spi.WarehouseFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * One Chute instance on one home: the store, the warehouse and (for {@code chute up}) the running
 * pipeline, with the operations the CLI and the HTTP API offer. Connectors are found with
 * {@link ServiceLoader} and chosen by {@code store.type} and {@code warehouse.type}.
 */
public final class Chute implements AutoCloseable {
    private final Path home;
    private final ChuteConfig config;
    private final ObjectStore store;
    private final Warehouse warehouse;
    private final Optional<Pipeline> pipeline;
    private final Optional<PushEventSource> push;
    private final QuerySlots querySlots;

    private Chute(Path home, ChuteConfig config, ObjectStore store, Warehouse warehouse, Optional<Pipeline> pipeline, Optional<PushEventSource> push) {
        this.home = home;
        this.config = config;
        this.querySlots = QuerySlots.of(config);
        this.store = store;
        this.warehouse = warehouse;
        this.pipeline = pipeline;
        this.push = push;
    }

    /**
     * Opens the connectors. With {@code run}, also builds the pipeline (not started yet: call
     * {@link #start}); without, the instance serves one-shot loads, queries and status.
     */
    public static Chute open(Path home, ChuteConfig config, boolean run, PipelineListener listener) {
        requireNonNull(home, "home is null");
        requireNonNull(config, "config is null");
        Path stateDir = home.resolve(".chute");
        ConnectorContext storeContext = new ConnectorContext(home, config.storeSettings());
        ConnectorContext warehouseContext = new ConnectorContext(home, config.warehouseSettings());
        ObjectStoreFactory storeFactory = find(ObjectStoreFactory.class, config.get(ChuteConfig.STORE_TYPE), ObjectStoreFactory::name, "store.type");
        WarehouseFactory warehouseFactory = find(WarehouseFactory.class, config.get(ChuteConfig.WAREHOUSE_TYPE), WarehouseFactory::name, "warehouse.type");
        ObjectStore store = storeFactory.create(storeContext);
        Warehouse warehouse;
        try {
            warehouse = warehouseFactory.create(warehouseContext);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            checkTables(config, warehouse, config.get(ChuteConfig.WAREHOUSE_TYPE));
        } catch (RuntimeException e) {
            warehouse.close();
            store.close();
            throw e;
        }
        Optional<Pipeline> pipeline = Optional.empty();
        Optional<PushEventSource> push = Optional.empty();
        if (run) {
            List<EventSource> sources = new ArrayList<>();
            try {
                storeFactory.nativeEvents(store, storeContext).ifPresent(sources::add);
                int i = 0;
                for (Map<String, String> entry : config.events()) {
                    String where = "events[" + i++ + "]";
                    String type = entry.get("type");
                    if (type.equals("http")) {
                        new ConnectorContext(home, entry).requireKnown(where, PushEventSource.KEYS);
                        if (push.isPresent()) {
                            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".type': only one events entry may be of type http");
                        }
                        Map<String, String> settings = new java.util.HashMap<>(entry);
                        settings.remove("type");
                        push = Optional.of(new PushEventSource(settings));
                        sources.add(push.get());
                        continue;
                    }
                    EventSourceFactory factory = find(EventSourceFactory.class, type, EventSourceFactory::name, where + ".type");
                    sources.add(factory.create(new ConnectorContext(home, entry), store));
                }
            } catch (RuntimeException e) {
                sources.forEach(EventSource::close);
                warehouse.close();
                store.close();
                throw e;
            }
            pipeline = Optional.of(new Pipeline(store, warehouse, sources, config, stateDir, listener));
        }
        return new Chute(home, config, store, warehouse, pipeline, push);
    }

    /**
     * Checks the configured tables and routes with the warehouse before anything loads: a table option
     * it cannot honour ({@link Warehouse#unsupported}), or a column type it does not know
     * ({@link Warehouse#rejectsType}, asked of the warehouse itself), stops the start with a {@link ErrorCode#CONFIGURATION} error naming the key
     * path of each, rather than failing every file at load time. {@link #open} calls it for every
     * command (and so for {@code chute doctor}); other hosts of a {@link Pipeline} call it before
     * starting one. {@code warehouseName} is the {@code warehouse.type} the messages name.
     */
    public static void checkTables(ChuteConfig config, Warehouse warehouse, String warehouseName) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<TableId, TableSpec> e : config.tables().entrySet()) {
            problems.addAll(tableProblems("tables." + e.getKey(), e.getValue(), warehouse, warehouseName));
        }
        List<ChuteConfig.Route> routes = config.routes();
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i).spec().isPresent()) {
                problems.addAll(tableProblems("routes[" + i + "]", routes.get(i).spec().get(), warehouse, warehouseName));
            }
        }
        if (!problems.isEmpty()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, String.join("\n", problems));
        }
    }

    private static List<String> tableProblems(String where, TableSpec spec, Warehouse warehouse, String warehouseName) {
        List<String> problems = new ArrayList<>();
        // parity, never silence: an option the warehouse cannot honour is named, never loaded without it
        for (UnsupportedOption option : warehouse.unsupported(spec)) {
            problems.add("configuration key '" + where + "." + option.key() + "': '" + option.value() + "' is not supported on warehouse "
                    + warehouseName + " (supported: " + String.join(", ", option.supported()) + "): " + option.why());
        }
        spec.columnTypes().forEach((column, type) -> warehouse.rejectsType(type).ifPresent(why -> problems.add("configuration key '" + where
                + ".columns." + column + "' has value '" + type + "', which is not a type the " + warehouseName + " warehouse knows: " + why)));
        return problems;
    }

    /** The HTTP event intake, when {@code events:} has an entry of type {@code http}. */
    public Optional<PushEventSource> pushEvents() {
        return push;
    }

    private static <F> F find(Class<F> type, String name, java.util.function.Function<F, String> nameOf, String key) {
        List<String> known = new ArrayList<>();
        for (F factory : ServiceLoader.load(type)) {
            if (nameOf.apply(factory).equals(name)) {
                return factory;
            }
            known.add(nameOf.apply(factory));
        }
        throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + key + "' has value '" + name + "'; expected one of the installed connectors: " + String.join(", ", known));
    }

    public void start() {
        pipeline.orElseThrow(() -> new IllegalStateException("this instance was opened without a pipeline")).start();
    }

    public Path home() {
        return home;
    }

    public ChuteConfig config() {
        return config;
    }

    public ObjectStore store() {
        return store;
    }

    public Warehouse warehouse() {
        return warehouse;
    }

    public Optional<Pipeline> pipeline() {
        return pipeline;
    }

    /** A console query, bounded by {@code query.max_rows}, {@code query.max_bytes}, {@code query.timeout} and the {@link #querySlots()}. */
    public QueryResult query(String sql) {
        return query(sql, config.get(ChuteConfig.QUERY_MAX_ROWS));
    }

    /** {@link #query(String)} with at most {@code maxRows} rows (no more than {@code query.max_rows}). */
    public QueryResult query(String sql, int maxRows) {
        int rows = Math.max(1, Math.min(maxRows, config.get(ChuteConfig.QUERY_MAX_ROWS)));
        return querySlots.run(() -> warehouse.query(sql, rows, config.get(ChuteConfig.QUERY_MAX_BYTES), config.get(ChuteConfig.QUERY_TIMEOUT)));
    }

    /** The bound on console queries; other reads a viewer starts (samples, profiles) run in it too. */
    public QuerySlots querySlots() {
        return querySlots;
    }

    public StatusReport status(int recent) {
        Landing landing = landing();
        return StatusReport.of(warehouse, store.describe(), landing.files(), landing.ignored(), pipeline, recent);
    }

    /** At most this many ignored entries of landing are named (status, overview); {@link Ignored#count} counts them all. */
    public static final int MAX_IGNORED_LISTED = 100;

    /**
     * What sits in landing and is never loaded: symbolic links, FIFOs and devices (which the store's
     * listing leaves out), temporary and hidden names ({@link Router#ignored}); the first
     * {@link #MAX_IGNORED_LISTED} with their reasons, and how many in all.
     */
    public record Ignored(List<SkippedEntry> entries, long count) {
        public Ignored {
            entries = List.copyOf(entries);
        }
    }

    private record Landing(long files, Ignored ignored) {
    }

    /** One listing of landing: the files waiting there (-1 when the store cannot be listed) and the ignored entries. */
    private Landing landing() {
        AtomicLong files = new AtomicLong();
        List<SkippedEntry> listed = new ArrayList<>();
        AtomicLong ignored = new AtomicLong();
        java.util.function.Consumer<SkippedEntry> skip = e -> {
            if (ignored.getAndIncrement() < MAX_IGNORED_LISTED) {
                listed.add(e);
            }
        };
        try {
            store.list(ObjectRef.Area.LANDING, "", info -> {
                Optional<String> why = Router.whyIgnored(info.ref().key());
                if (why.isPresent()) {
                    skip.accept(new SkippedEntry(info.ref().key(), why.get()));
                } else {
                    files.incrementAndGet();
                }
            }, skip);
        } catch (ChuteException e) {
            return new Landing(-1, new Ignored(List.of(), 0));
        }
        listed.sort(java.util.Comparator.comparing(SkippedEntry::key));
        return new Landing(files.get(), new Ignored(listed, ignored.get()));
    }

    /** The entries of landing that are never loaded, with the reason; see {@link Ignored}. */
    public Ignored ignored() {
        return landing().ignored();
    }

    /** One-shot load of files in place; see {@link Pipeline#loadFiles}. */
    public List<Pipeline.OneShotResult> load(List<Path> paths, Optional<TableId> table, PipelineListener progress) {
        Pipeline p = pipeline.orElseGet(() -> new Pipeline(store, warehouse, List.of(), config, home.resolve(".chute"), PipelineListener.NONE));
        return p.loadFiles(paths, table, progress);
    }

    /**
     * Health of each part, probed now, for {@code chute doctor}: waits for the warehouse and the
     * store to answer. The server answers {@code /api/health} from background probes instead.
     */
    public Map<String, Health> health() {
        Map<String, Health> parts = new LinkedHashMap<>();
        parts.put("warehouse", probeWarehouse());
        parts.put("store", probeStore());
        parts.putAll(pipelineHealth());
        return parts;
    }

    /** Asks the warehouse whether it answers; blocks as long as the warehouse takes to say. */
    public Health probeWarehouse() {
        try {
            warehouse.ping();
            return new Health(true, warehouse.describe());
        } catch (ChuteException e) {
            return new Health(false, e.getMessage());
        }
    }

    /** Lists landing to see that the store answers; blocks as long as the listing takes. */
    public Health probeStore() {
        try {
            store.list(ObjectRef.Area.LANDING, "", info -> {
            });
            return new Health(true, store.describe());
        } catch (ChuteException e) {
            return new Health(false, e.getMessage());
        }
    }

    /** Health of the parts the pipeline knows about without asking anyone (archive, intake with its backlog); at once. */
    public Map<String, Health> pipelineHealth() {
        Map<String, Health> parts = new LinkedHashMap<>();
        pipeline.ifPresent(p -> parts.put("archive", p.archiveProblem()
                .map(problem -> new Health(false, p.archiving() + " committed file(s) waiting to be archived; last error: " + problem))
                // "0 committed file(s)…" cut short on a card read as "no file committed"
                .orElseGet(() -> new Health(true, p.archiving() == 0 ? "every committed file archived"
                        : p.archiving() + " committed file(s) waiting to be archived"))));
        pipeline.ifPresent(p -> parts.put("intake", p.running()
                ? new Health(true, "running; last listing " + p.lastReconcile().map(Instant::toString).orElse("pending") + "; backlog " + p.backlog())
                : new Health(false, "pipeline thread is not running")));
        return parts;
    }

    public record Health(boolean ok, String detail) {
    }

    /** The warehouse's own findings for {@code chute doctor} (see {@link Warehouse#checks}). */
    public List<Warehouse.Check> warehouseChecks() {
        return warehouse.checks();
    }

    /**
     * Moves failed files (not their {@code .error.json} sidecars) back to landing for another try.
     * With no keys, every failed file; otherwise the given keys (relative to failed/).
     */
    public List<String> replay(List<String> keys) {
        List<ObjectInfo> candidates = new ArrayList<>();
        store.list(ObjectRef.Area.FAILED, "", info -> {
            String key = info.ref().key();
            if (!key.endsWith(".error.json") && (keys.isEmpty() || keys.stream().anyMatch(k -> key.equals(k) || key.startsWith(k.endsWith("/") ? k : k + "/")))) {
                candidates.add(info);
            }
        });
        List<String> moved = new ArrayList<>();
        for (ObjectInfo info : candidates) {
            if (store.move(info, ObjectRef.Area.LANDING, info.ref().key())) {
                moved.add(info.ref().key());
            }
        }
        return moved;
    }

    /**
     * Undoes a committed load: see {@link Warehouse#undo}. Its files stay in the archive until
     * {@link #restore}d. Refused while one of its files is still in landing waiting for its archive
     * move: without its ledger entry, that file would simply load again.
     */
    public UndoResult undo(String loadId) {
        for (LedgerEntry entry : warehouse.loadEntries(loadId)) {
            ObjectRef landing = new ObjectRef(ObjectRef.Area.LANDING, entry.key());
            if (Pipeline.sameContent(store, landing, entry.version())) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "load " + loadId + " cannot be undone yet: its file " + entry.key()
                        + " is still in landing, waiting for its archive move (see the archive part of health); try again once it is archived");
            }
        }
        return warehouse.undo(loadId);
    }

    /** What {@link #restore} did: keys moved back to landing, and keys whose archived object was not found. */
    public record Restored(List<String> restored, List<String> missing) {
        public Restored {
            restored = List.copyOf(restored);
            missing = List.copyOf(missing);
        }
    }

    /**
     * Moves the archived objects of an undone load back to landing, where they load again. The
     * archive keeps a key's later versions beside the first under a versioned name, so each entry's
     * version is looked for under both names and taken only if its content checksum is the one the
     * ledger recorded; a key that is in landing already is left alone and reported missing.
     */
    public Restored restore(String loadId) {
        LoadSummary load = warehouse.load(loadId).orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "no load with id '" + loadId + "'"));
        if (!load.undone()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "load " + loadId + " is committed; undo it before restoring its files");
        }
        if (load.restoredAt().isPresent()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "the files of load " + loadId + " were restored at " + load.restoredAt().get()
                    + "; they loaded again as a new load");
        }
        List<String> restored = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (LedgerEntry entry : warehouse.loadEntries(loadId)) {
            Optional<ObjectInfo> archived = Stream.of(Pipeline.versionedKey(entry.key(), entry.version().shortId()), entry.key())
                    .map(k -> new ObjectRef(ObjectRef.Area.ARCHIVE, k))
                    .filter(ref -> Pipeline.sameContent(store, ref, entry.version()))
                    .map(store::stat)
                    .flatMap(Optional::stream)
                    .findFirst();
            if (archived.isPresent() && store.move(archived.get(), ObjectRef.Area.LANDING, entry.key())) {
                restored.add(entry.key());
            } else {
                missing.add(entry.key());
            }
        }
        if (!restored.isEmpty()) {
            warehouse.markRestored(loadId);
        }
        return new Restored(restored, missing);
    }

    /** Where one landing key is in its life: waiting in landing, loaded, failed, or unknown. */
    public record FileStatus(String key, String state, Optional<LedgerEntry> load, Optional<FailureRecord> failure) {
        public FileStatus {
            requireNonNull(key, "key is null");
            requireNonNull(state, "state is null");
            requireNonNull(load, "load is null");
            requireNonNull(failure, "failure is null");
        }
    }

    public FileStatus fileStatus(String key) {
        Optional<LedgerEntry> loaded = warehouse.history(key).stream().findFirst();
        Optional<FailureRecord> failure = warehouse.failure(key);
        Optional<ObjectInfo> landing = store.stat(new ObjectRef(ObjectRef.Area.LANDING, key));
        Optional<ObjectInfo> failed = store.stat(new ObjectRef(ObjectRef.Area.FAILED, key));
        String state;
        if (landing.isPresent()) {
            // loaded and waiting for its archive step, or a newer version still to load
            boolean committedAfterWrite = loaded.isPresent() && !loaded.get().committedAt().isBefore(landing.get().lastModified());
            state = committedAfterWrite ? "loaded" : "landing";
        } else if (failed.isPresent() && failure.isPresent()) {
            state = "failed";
        } else if (loaded.isPresent()) {
            state = "loaded";
        } else {
            state = "unknown";
        }
        return new FileStatus(key, state, loaded, failure);
    }

    /** Per minute files, rows and bytes committed since {@code since}. */
    public List<ThroughputBucket> throughput(Instant since) {
        return warehouse.throughput(since);
    }

    @Override
    public void close() {
        pipeline.ifPresent(Pipeline::close);
        warehouse.close();
        store.close();
    }
}
