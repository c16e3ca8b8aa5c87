package dev.chute.core;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.EventSource;
import dev.chute.spi.FailureRecord;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadError;
import dev.chute.spi.LoadFile;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.TableId;
import dev.chute.spi.Warehouse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine: intake (events + reconciling listing), quiet-period check, routing, dedup against the
 * ledger, per-table batching, loading, and archiving after commit.
 *
 * <p>Threads: one named pipeline thread ({@code chute-pipeline}) runs intake and loads; event
 * sources call {@link #offer} from their own threads; {@link #loadFiles} (one-shot loads) runs on
 * the caller's thread. Loads never run concurrently: the warehouse sees one writer.
 *
 * <p>Order of the guarantees: an object is moved out of landing only after its version is in the
 * ledger (committed), or after it failed permanently (then to failed/ with a sidecar). A crash at
 * any point leaves it in landing, where the next listing finds it; if it was committed, only its
 * archive step runs again.
 */
public final class Pipeline implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectStore store;
    private final Warehouse warehouse;
    private final List<EventSource> sources;
    private final ChuteConfig config;
    private final Router router;
    private final Path stageRoot;
    private final PipelineListener listener;

    private final Duration quietPeriod;
    private final Duration settleTime;
    /** Whether landing is a file system, where writers can add to a file after it appeared. */
    private final boolean writableInPlace;
    private final Duration reconcileInterval;
    private final Duration listingGrace;
    private final int batchMaxFiles;
    private final long batchMaxBytes;
    private final Duration batchMaxWait;
    private final Duration retryInitial;
    private final Duration retryMax;
    private final Duration archiveRetention;

    private final LinkedBlockingQueue<ObjectEvent> events = new LinkedBlockingQueue<>();
    private final Map<String, Candidate> pending = new LinkedHashMap<>();
    private final Map<TableId, Accumulator> batches = new LinkedHashMap<>();
    private final Set<String> inFlight = new HashSet<>();
    /** Keys whose archive move is queued or running on the archive thread. */
    private final Set<String> archiving = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong eventsWithoutObject = new java.util.concurrent.atomic.AtomicLong();
    /** Files left to another worker that was loading the same version at the same moment. */
    private final AtomicLong loadingElsewhere = new AtomicLong();
    /** The last archive move that failed, until one succeeds again; for health. */
    private volatile Optional<String> archiveProblem = Optional.empty();
    /** Archive moves that did not work, handed back to the pipeline thread. */
    private final java.util.concurrent.ConcurrentLinkedQueue<ArchiveRetry> archiveRetries = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private java.util.concurrent.ExecutorService archiver;
    private final java.util.concurrent.ExecutorService hasher = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "chute-hash");
        t.setDaemon(true);
        return t;
    });
    /** Loads run here, so intake of the next batch overlaps the load of this one. */
    private java.util.concurrent.ExecutorService loader;
    private final java.util.concurrent.Semaphore loadSlots = new java.util.concurrent.Semaphore(2);
    private final java.util.concurrent.ConcurrentLinkedQueue<Completed> completed = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Wakes the pipeline thread when a load finished; carries no object. */
    private static final ObjectEvent WAKE = new ObjectEvent("", ObjectEvent.Kind.UPSERTED, Instant.EPOCH, "wake");
    private final Map<String, LoadError> retrying = new ConcurrentHashMap<>();
    private final ReentrantLock loadLock = new ReentrantLock();
    private final AtomicLong loadCounter = new AtomicLong();
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong lastReconcileMillis = new AtomicLong();

    private volatile boolean running;
    private volatile boolean reconcileRequested = true;
    /** Events taken since the last listing, and when the last one came: bursts trigger a listing. */
    private long eventsSinceListing;
    private long lastEventNanos;
    private static final int BURST_EVENTS = 256;
    /** How long a version claimed by another worker waits before it is looked at again (plus up to as much jitter). */
    private static final Duration LOADING_ELSEWHERE_WAIT = Duration.ofSeconds(1);
    private static final long BURST_CALM_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private Thread thread;
    private long nextReconcileNanos;
    private long nextRetentionNanos;

    public Pipeline(ObjectStore store, Warehouse warehouse, List<EventSource> sources, ChuteConfig config, Path stateDir,
                    PipelineListener listener) {
        this.store = requireNonNull(store, "store is null");
        this.warehouse = requireNonNull(warehouse, "warehouse is null");
        this.sources = List.copyOf(requireNonNull(sources, "sources is null"));
        this.config = requireNonNull(config, "config is null");
        this.router = new Router(config);
        this.stageRoot = requireNonNull(stateDir, "stateDir is null").resolve("stage");
        this.listener = requireNonNull(listener, "listener is null");
        this.quietPeriod = config.get(ChuteConfig.QUIET_PERIOD);
        this.settleTime = config.get(ChuteConfig.SETTLE_TIME);
        this.writableInPlace = store.localRoot(ObjectRef.Area.LANDING).isPresent();
        this.reconcileInterval = config.get(ChuteConfig.RECONCILE_INTERVAL);
        this.listingGrace = config.get(ChuteConfig.LISTING_GRACE);
        this.batchMaxFiles = config.get(ChuteConfig.BATCH_MAX_FILES);
        this.batchMaxBytes = config.get(ChuteConfig.BATCH_MAX_BYTES);
        this.batchMaxWait = config.get(ChuteConfig.BATCH_MAX_WAIT);
        this.retryInitial = config.get(ChuteConfig.RETRY_INITIAL);
        this.retryMax = config.get(ChuteConfig.RETRY_MAX);
        this.archiveRetention = config.get(ChuteConfig.ARCHIVE_RETENTION);
    }

    /** Starts the event sources and the pipeline thread; the first thing it does is list landing. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("pipeline already started");
        }
        clearStage();
        running = true;
        // archiving runs beside loading: the next batch loads while the last one's files move
        archiver = java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "chute-archive"));
        loader = java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "chute-load"));
        thread = new Thread(this::run, "chute-pipeline");
        thread.start();
        for (EventSource source : sources) {
            source.start(this::offer);
            log.info("listening to {}", source.describe());
        }
    }

    /** Takes an event from any thread. */
    public void offer(ObjectEvent event) {
        events.add(event);
    }

    /** Asks for a listing of landing as soon as possible. */
    public void reconcileNow() {
        reconcileRequested = true;
        events.add(WAKE);
    }

    /** The event sources feeding this pipeline, for status and metrics. */
    public List<EventSource> sources() {
        return sources;
    }

    /** Objects seen in landing and not yet committed, archived or failed. */
    public long backlog() {
        return backlog.get();
    }

    /** Objects waiting for a retry after a transient failure, with the last error. */
    public Map<String, LoadError> retrying() {
        return Map.copyOf(retrying);
    }

    public Optional<Instant> lastReconcile() {
        long millis = lastReconcileMillis.get();
        return millis == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
    }

    /** Committed objects queued for or in their archive move. */
    public int archiving() {
        return archiving.size();
    }

    /** Why the last archive move failed, while no later one has succeeded. */
    public Optional<String> archiveProblem() {
        return archiveProblem;
    }

    public boolean running() {
        return running && thread != null && thread.isAlive();
    }

    private void run() {
        while (running) {
            try {
                step();
            } catch (RuntimeException e) {
                log.error("pipeline step failed; retrying", e);
                sleep(retryInitial);
            }
        }
    }

    /** One turn of the loop: take events, list if due, check candidates, flush due batches. */
    private void step() {
        long now = System.nanoTime();
        if (eventsSinceListing >= BURST_EVENTS && now - lastEventNanos >= BURST_CALM_NANOS) {
            // a burst this large may have overflowed a watch queue without a word: list once it calms down
            reconcileRequested = true;
        }
        if (reconcileRequested || now >= nextReconcileNanos) {
            reconcileRequested = false;
            eventsSinceListing = 0;
            reconcile();
            nextReconcileNanos = System.nanoTime() + reconcileInterval.toNanos();
        }
        if (!archiveRetention.isZero() && now >= nextRetentionNanos) {
            applyRetention();
            // a tenth of the retention, between 100 ms and an hour: often enough to be on time, rarely enough to be cheap
            long every = Math.min(Duration.ofHours(1).toNanos(), Math.max(Duration.ofMillis(100).toNanos(), archiveRetention.toNanos() / 10));
            nextRetentionNanos = System.nanoTime() + every;
        }
        drainEvents();
        drainCompleted();
        drainArchiveRetries();
        List<Candidate> ready = checkCandidates();
        if (!ready.isEmpty()) {
            admit(ready);
        }
        // nothing else on its way: flush now rather than wait out batch.max_wait
        flushDue(pending.isEmpty() && events.isEmpty());
        backlog.set(pending.size() + inFlight.size() + archiving.size());
        long waitNanos = nextWakeNanos() - System.nanoTime();
        if (waitNanos > 0) {
            try {
                ObjectEvent first = events.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (first != null) {
                    accept(first);
                    coalesce();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private long nextWakeNanos() {
        long next = eventsSinceListing >= BURST_EVENTS ? lastEventNanos + BURST_CALM_NANOS : nextReconcileNanos;
        long now = System.nanoTime();
        for (Candidate c : pending.values()) {
            if (inFlight.contains(c.key) || archiving.contains(c.key)) {
                // waits for its load or move: the load thread wakes us, the one-second cap covers the move
                continue;
            }
            long due = Math.max(c.notBeforeNanos, c.seenAtNanos + quietPeriod.toNanos());
            next = Math.min(next, due);
            if (next <= now) {
                return now;
            }
        }
        for (Accumulator acc : batches.values()) {
            next = Math.min(next, acc.openedNanos + batchMaxWait.toNanos());
        }
        return Math.min(next, now + TimeUnit.SECONDS.toNanos(1));
    }

    /**
     * Takes the events of a burst together (up to 2 ms, while they keep coming within 0.2 ms of each
     * other), so that a thousand renames cost a few turns of the loop instead of a thousand.
     */
    private void coalesce() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
        ObjectEvent next;
        while (System.nanoTime() < until && (next = events.poll(200, TimeUnit.MICROSECONDS)) != null) {
            accept(next);
            if (next == WAKE) {
                return;
            }
        }
    }

    private void drainEvents() {
        ObjectEvent event;
        while ((event = events.poll()) != null) {
            accept(event);
        }
    }

    private void accept(ObjectEvent event) {
        if (event != WAKE) {
            eventsSinceListing++;
            lastEventNanos = System.nanoTime();
        }
        if (event.kind() == ObjectEvent.Kind.EVENTS_LOST) {
            reconcileRequested = true;
            return;
        }
        if (event == WAKE) {
            return;
        }
        if (Router.ignored(event.key())) {
            settled(event.key());
            return;
        }
        Candidate c = pending.computeIfAbsent(event.key(), Candidate::new);
        c.dirty = true;
        if (event.kind() == ObjectEvent.Kind.WRITTEN) {
            c.writtenInPlace = true;
        } else if (event.kind() == ObjectEvent.Kind.UPSERTED) {
            c.arrivedWhole = true;
        } else if (event.kind() == ObjectEvent.Kind.APPEARED) {
            c.arrivedWhole = true;
            c.unwatchedArrival = true;
        }
        if (c.waitingToSettle) {
            // more was written (or it was replaced): look at it as soon as it is quiet again
            c.waitingToSettle = false;
            c.notBeforeNanos = 0;
        }
    }

    private void reconcile() {
        List<ObjectInfo> found = new ArrayList<>();
        try {
            store.list(ObjectRef.Area.LANDING, "", found::add);
        } catch (ChuteException e) {
            log.warn("listing landing failed, trying again later: {}", e.getMessage());
            return;
        }
        long now = System.nanoTime();
        if (!listingGrace.isZero()) {
            // several workers list the same landing: each takes the stragglers in its own order, so that
            // they split them instead of all reaching for the same first batch
            java.util.Collections.shuffle(found);
        }
        Instant adoptBefore = Instant.now().minus(listingGrace);
        for (ObjectInfo info : found) {
            String key = info.ref().key();
            if (Router.ignored(key) || pending.containsKey(key) || inFlight.contains(key) || archiving.contains(key)) {
                continue;
            }
            if (!listingGrace.isZero() && info.lastModified().isAfter(adoptBefore)) {
                // young enough that its event is still on its way through the shared queue
                continue;
            }
            Candidate c = new Candidate(key);
            c.info = info;
            c.seenAtNanos = now;
            c.dirty = false;
            pending.put(key, c);
        }
        lastReconcileMillis.set(System.currentTimeMillis());
    }

    /** Stats dirty candidates and returns those that have been quiet long enough. */
    private List<Candidate> checkCandidates() {
        List<Candidate> ready = new ArrayList<>();
        long now = System.nanoTime();
        Instant wallNow = Instant.now();
        for (Iterator<Candidate> it = pending.values().iterator(); it.hasNext(); ) {
            Candidate c = it.next();
            if (now < c.notBeforeNanos || inFlight.contains(c.key) || archiving.contains(c.key)) {
                continue;
            }
            if (c.dirty || c.info == null) {
                Optional<ObjectInfo> info = statQuietly(c.key);
                if (info.isEmpty()) {
                    it.remove();
                    retrying.remove(c.key);
                    settled(c.key);
                    continue;
                }
                if (c.info == null || !c.info.fingerprint().equals(info.get().fingerprint())) {
                    c.info = info.get();
                    c.seenAtNanos = now;
                }
                c.dirty = false;
            }
            boolean quietByAge = Duration.between(c.info.lastModified(), wallNow).compareTo(quietPeriod) >= 0;
            boolean quietByWatch = now - c.seenAtNanos >= quietPeriod.toNanos();
            if (!quietByAge && !quietByWatch) {
                continue;
            }
            if (!quietByAge) {
                // seen unchanged for a quiet period by our own clock; confirm with a fresh stat
                Optional<ObjectInfo> again = statQuietly(c.key);
                if (again.isEmpty()) {
                    it.remove();
                    settled(c.key);
                    continue;
                }
                if (!again.get().fingerprint().equals(c.info.fingerprint())) {
                    c.info = again.get();
                    c.seenAtNanos = now;
                    continue;
                }
            }
            ready.add(c);
        }
        if (ready.isEmpty() || !writableInPlace) {
            return ready;
        }
        // files that appeared whole by the watch's account, unless a process still holds them open for writing
        List<String> appeared = ready.stream().filter(c -> c.unwatchedArrival && appearedWhole(c, wallNow)).map(c -> c.key).toList();
        Set<String> open = appeared.isEmpty() ? Set.of() : store.beingWritten(ObjectRef.Area.LANDING, appeared);
        List<Candidate> admitted = new ArrayList<>();
        for (Candidate c : ready) {
            c.settled = settledByAge(c, wallNow) || (appearedWhole(c, wallNow) && !open.contains(c.key));
            if (!c.settled && !appendable(c.key)) {
                // a compressed or columnar file cannot be read in parts: it waits until its writer is done
                waitToSettle(c, wallNow);
                continue;
            }
            admitted.add(c);
        }
        return admitted;
    }

    /**
     * Whether a writer is done with a file (on a local file system; objects of a remote store appear
     * whole, an upload being atomic): it has not been modified for {@code intake.settle_time}, or
     * the watch saw it appear (as a rename into landing does) and no write into it since and it is not
     * empty; where the watch could not see it being made (in a directory just created), also no
     * process may hold it open for writing. A file written in place is judged by the settle time
     * alone, since a writer may open it again to append.
     */
    private boolean settledByAge(Candidate c, Instant wallNow) {
        return !c.info.lastModified().isAfter(wallNow.minus(settleTime));
    }

    private static boolean appearedWhole(Candidate c, Instant wallNow) {
        return c.arrivedWhole && !c.writtenInPlace && c.info.size() > 0;
    }

    /** Formats whose complete lines can be loaded while a writer still appends: plain CSV, TSV and JSON lines. */
    private boolean appendable(String key) {
        try {
            return appendable(router.route(key).format());
        } catch (ChuteException e) {
            // unroutable: admitted at once, to fail with its reason
            return true;
        }
    }

    /** Puts a candidate aside until its writer has been quiet for the settle time (or writes again). */
    private void waitToSettle(Candidate c, Instant wallNow) {
        long lastWrite = c.info == null ? 0 : Duration.between(c.info.lastModified(), wallNow).toNanos();
        long remaining = Math.max(quietPeriod.toNanos(), settleTime.toNanos() - Math.max(0, lastWrite));
        c.notBeforeNanos = System.nanoTime() + remaining;
        c.waitingToSettle = true;
        c.dirty = true;
    }

    /**
     * An event's object is not (or no longer) in landing: it was archived already (a redelivered or
     * duplicate event), deleted, or is hidden. Its events are acknowledged so a broker does not
     * deliver them again. Pipeline thread.
     */
    private void settled(String key) {
        eventsWithoutObject.incrementAndGet();
        sources.forEach(s -> s.handled(key));
    }

    /** Files this worker left to another worker that was loading the same version at the same moment. */
    public long loadingElsewhere() {
        return loadingElsewhere.get();
    }

    /** Events whose object was not in landing when looked at (duplicates after archiving, deletes, hidden names). */
    public long eventsWithoutObject() {
        return eventsWithoutObject.get();
    }

    private Optional<ObjectInfo> statQuietly(String key) {
        try {
            return store.stat(ObjectRef.landing(key));
        } catch (ChuteException e) {
            if (e.code() == ErrorCode.UNROUTABLE) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Routes, checksums and dedups ready candidates, then adds them to their table's batch. */
    private void admit(List<Candidate> ready) {
        // warehouses that load staged bytes get the ledger of the keys first: a file that grew in place is
        // recognised while it is hashed (an earlier committed version is a prefix of it), in the same read
        Map<String, List<LedgerEntry>> ledger = null;
        if (!warehouse.readsStoreDirectly()) {
            try {
                ledger = warehouse.ledger(ready.stream().map(c -> c.key).toList());
            } catch (ChuteException e) {
                for (Candidate c : ready) {
                    backoff(c, LoadError.of(e));
                }
                return;
            }
        }
        Map<String, List<LedgerEntry>> earlier = ledger == null ? Map.of() : ledger;
        // checksums are the costly part of intake (reading every file): computed on two threads
        List<java.util.concurrent.Future<Object>> prepared = new ArrayList<>();
        for (Candidate c : ready) {
            prepared.add(hasher.submit(() -> prepare(c, earlier.getOrDefault(c.key, List.of()))));
        }
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < ready.size(); i++) {
            if (items.size() >= batchMaxFiles) {
                // a full batch's worth is hashed: let it start loading while the rest is hashed
                enqueue(items, ledger);
                items = new ArrayList<>();
            }
            Candidate c = ready.get(i);
            Object outcome;
            try {
                outcome = prepared.get(i).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                outcome = new ChuteException(ErrorCode.INTERNAL, "preparing " + c.key + " failed: " + e.getCause(), e.getCause());
            }
            if (outcome == NO_COMPLETE_LINE) {
                waitToSettle(c, Instant.now());
                continue;
            }
            if (outcome instanceof Item item) {
                items.add(item);
                continue;
            }
            ChuteException e = (ChuteException) outcome;
            pending.remove(c.key);
            if (e.code() == ErrorCode.OBJECT_GONE) {
                settled(c.key);
                continue;
            }
            Item item = new Item(c.key, new ObjectVersion(c.key, "unknown:0", c.info.size()), Optional.of(c.info), Optional.empty(), null);
            handleFailure(item, LoadError.of(e), c);
        }
        enqueue(items, ledger);
    }

    /** What {@link #prepare} returns for a file being written that holds no complete line yet. */
    private static final Object NO_COMPLETE_LINE = new Object();

    /**
     * Routes a candidate and reads it once for its version: the whole object when its writer is done
     * (or the store gives a checksum), else its complete lines only. An earlier committed version of
     * the key that is a prefix of this one makes the item a continuation: only the bytes after it
     * are loaded. Runs on a hashing thread; returns an {@link Item}, a {@link ChuteException} or
     * {@link #NO_COMPLETE_LINE}.
     */
    private Object prepare(Candidate c, List<LedgerEntry> earlier) {
        try {
            Router.Route route = router.route(c.key);
            ObjectInfo info = c.info;
            if (info.checksum().isPresent()) {
                return new Item(c.key, new ObjectVersion(c.key, info.checksum().get(), info.size()), Optional.of(info), Optional.empty(), route);
            }
            boolean appendable = appendable(route.format());
            List<Long> offsets = !appendable ? List.of() : earlier.stream()
                    .filter(e -> e.checksum().startsWith(Checksums.ALGORITHM + ":") && e.bytes() > 0 && e.bytes() <= info.size())
                    .map(LedgerEntry::bytes).distinct().toList();
            Checksums.Scan scan;
            try {
                scan = Checksums.scan(store.open(info.ref()), info.ref().toString(), offsets);
            } catch (ChuteException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot read " + info.ref() + ": " + e, e);
            }
            // grown since it was looked at: its writer is not done after all
            boolean done = c.settled && scan.size() == info.size();
            long end = done || !appendable ? scan.size() : scan.lineEnd();
            String checksum = done || !appendable ? scan.checksum() : scan.lineEndChecksum();
            if (end == 0 && !done) {
                return NO_COMPLETE_LINE;
            }
            Item item = new Item(c.key, new ObjectVersion(c.key, checksum, end), Optional.of(info), Optional.empty(), route);
            item.settled = done;
            item.wholeFile = end == scan.size();
            long from = 0;
            for (LedgerEntry e : earlier) {
                long bytes = e.bytes();
                if (bytes > from && bytes < end && scan.checksumAt(bytes).filter(e.checksum()::equals).isPresent()) {
                    from = bytes;
                }
            }
            if (from > 0) {
                item.from = from;
                item.prefixDigest = Checksums.copy(scan.at().get(from));
            }
            item.copyStaged = from > 0 || end < scan.size();
            return item;
        } catch (ChuteException e) {
            return e;
        }
    }

    private static boolean appendable(dev.chute.spi.FileFormat format) {
        return format.compression() == dev.chute.spi.FileFormat.Compression.NONE
                && (format.kind() == dev.chute.spi.FileFormat.Kind.CSV || format.kind() == dev.chute.spi.FileFormat.Kind.TSV
                || format.kind() == dev.chute.spi.FileFormat.Kind.JSON);
    }

    /** Dedups hashed items against the ledger and adds them to their table's batch, flushing full batches. */
    private void enqueue(List<Item> items, Map<String, List<LedgerEntry>> ledger) {
        if (items.isEmpty()) {
            return;
        }
        Map<ObjectVersion, LedgerEntry> committed = new java.util.HashMap<>();
        if (ledger != null) {
            for (Item item : items) {
                for (LedgerEntry e : ledger.getOrDefault(item.key, List.of())) {
                    if (e.checksum().equals(item.version.checksum())) {
                        committed.put(item.version, e);
                    }
                }
            }
        } else {
            try {
                committed = warehouse.committed(items.stream().map(Item::version).toList());
            } catch (ChuteException e) {
                for (Item item : items) {
                    backoff(pending.get(item.key), LoadError.of(e));
                }
                return;
            }
        }
        for (Item item : items) {
            Candidate c = pending.remove(item.key);
            if (committed.containsKey(item.version)) {
                listener.duplicate(item.key);
                finishCommitted(item, c);
                continue;
            }
            inFlight.add(item.key);
            Accumulator acc = batches.computeIfAbsent(item.route.table(), t -> new Accumulator(t, System.nanoTime()));
            acc.items.add(new Pending(item, c));
            acc.bytes += item.version.size();
            if (acc.items.size() >= batchMaxFiles || acc.bytes >= batchMaxBytes) {
                flush(acc);
                batches.remove(acc.table);
            }
        }
    }

    private void flushDue(boolean all) {
        long now = System.nanoTime();
        for (Iterator<Accumulator> it = batches.values().iterator(); it.hasNext(); ) {
            Accumulator acc = it.next();
            if (all || now - acc.openedNanos >= batchMaxWait.toNanos()) {
                it.remove();
                flush(acc);
            }
        }
    }

    /**
     * Stages a batch on the pipeline thread and hands it to the load thread, so the next batch's
     * intake (hashing, staging) runs while this one loads. At most two batches are outstanding.
     */
    private void flush(Accumulator acc) {
        List<Item> items = acc.items.stream().map(p -> p.item).toList();
        Map<String, Candidate> candidates = new LinkedHashMap<>();
        acc.items.forEach(p -> candidates.put(p.item.key, p.candidate));
        Staged staged = stage(acc.table, items);
        try {
            loadSlots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteTree(staged.dir);
            items.forEach(i -> inFlight.remove(i.key));
            return;
        }
        loader.execute(() -> {
            List<Result> results;
            try {
                results = loadStaged(staged);
            } catch (RuntimeException e) {
                log.error("loading a batch into {} failed; its files are retried", acc.table, e);
                LoadError error = LoadError.of(ErrorCode.INTERNAL, "loading into " + acc.table + " failed: " + e);
                results = items.stream().map(i -> Result.failed(i, error)).toList();
            } finally {
                loadSlots.release();
            }
            completed.add(new Completed(results, candidates));
            events.add(WAKE);
        });
    }

    /** Takes the results of finished loads: archive what committed, fail or retry the rest. Pipeline thread. */
    private void drainCompleted() {
        Completed done;
        while ((done = completed.poll()) != null) {
            for (Result r : done.results) {
                Candidate c = done.candidates.get(r.item.key);
                try {
                    switch (r.status) {
                        case COMMITTED, DUPLICATE -> finishCommitted(r.item, c);
                        case FAILED -> handleFailure(r.item, r.error.orElseThrow(), c);
                        case GONE -> settled(r.item.key);
                    }
                } finally {
                    inFlight.remove(r.item.key);
                }
            }
            done.candidates.keySet().forEach(inFlight::remove);
        }
    }

    private record Completed(List<Result> results, Map<String, Candidate> candidates) {
    }

    /** Stages and loads a batch on the calling thread: one-shot loads. */
    private List<Result> loadItems(TableId table, List<Item> items) {
        return loadStaged(stage(table, items));
    }

    /** A batch whose files are staged (linked or copied under generated names), ready to load. */
    private record Staged(String loadId, TableId table, Path dir, List<LoadFile> files, Map<LoadFile, Item> byFile, List<Result> early) {
    }

    private Staged stage(TableId table, List<Item> items) {
        String loadId = newLoadId();
        Path dir = stageRoot.resolve(loadId);
        List<LoadFile> files = new ArrayList<>();
        Map<LoadFile, Item> byFile = new LinkedHashMap<>();
        List<Result> early = new ArrayList<>();
        int n = 0;
        for (Item item : items) {
            Path staged = dir.resolve((n++) + item.route.format().extension());
            Optional<java.net.URI> direct = warehouse.readsStoreDirectly() && item.info.isPresent()
                    ? store.uri(item.info.get().ref()) : Optional.empty();
            if (direct.isPresent()) {
                LoadFile file = new LoadFile(item.version, Optional.empty(), direct, item.route.format());
                files.add(file);
                byFile.put(file, item);
                continue;
            }
            try {
                if (item.copyStaged) {
                    Files.createDirectories(dir);
                    copyVersion(item, staged);
                } else if (item.external.isPresent()) {
                    Files.createDirectories(dir);
                    linkOrCopy(item.external.get(), staged);
                } else {
                    store.materialize(item.info.orElseThrow().ref(), staged);
                }
            } catch (ChuteException e) {
                early.add(e.code() == ErrorCode.OBJECT_GONE ? Result.gone(item) : Result.failed(item, LoadError.of(e)));
                continue;
            } catch (IOException e) {
                early.add(Result.failed(item, LoadError.of(ErrorCode.STORE_UNAVAILABLE, "cannot stage " + item.key + ": " + e)));
                continue;
            }
            LoadFile file = new LoadFile(item.version, Optional.of(staged), Optional.empty(), item.route.format(), item.from > 0);
            files.add(file);
            byFile.put(file, item);
        }
        return new Staged(loadId, table, dir, files, byFile, early);
    }

    /** Loads a staged batch and reports each file; one load at a time, whoever calls. */
    private List<Result> loadStaged(Staged staged) {
        loadLock.lock();
        try {
            List<Result> results = new ArrayList<>(staged.early);
            if (staged.files.isEmpty()) {
                return results;
            }
            long started = System.nanoTime();
            TableId table = staged.table;
            LoadBatch batch = new LoadBatch(staged.loadId, table, staged.byFile.values().iterator().next().route.spec(), staged.files);
            List<FileOutcome> outcomes;
            try {
                outcomes = warehouse.load(batch, file -> unchanged(staged.byFile.get(file)));
            } catch (ChuteException e) {
                LoadError error = e.retryable() ? LoadError.of(e) : LoadError.of(ErrorCode.INTERNAL, e.getMessage());
                for (LoadFile f : staged.files) {
                    results.add(Result.failed(staged.byFile.get(f), error));
                }
                return results;
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            for (FileOutcome outcome : outcomes) {
                Item item = staged.byFile.get(outcome.file());
                switch (outcome.status()) {
                    case COMMITTED -> {
                        listener.loaded(item.key, table, outcome.rows(), item.version.size(), millis);
                        results.add(new Result(item, ResultStatus.COMMITTED, outcome.rows(), Optional.empty(), millis));
                    }
                    case DUPLICATE -> {
                        listener.duplicate(item.key);
                        results.add(new Result(item, ResultStatus.DUPLICATE, 0, Optional.empty(), millis));
                    }
                    case FAILED -> results.add(Result.failed(item, outcome.error().orElseThrow()));
                }
            }
            return results;
        } finally {
            deleteTree(staged.dir);
            loadLock.unlock();
        }
    }

    private boolean unchanged(Item item) {
        if (item.copyStaged) {
            // the staged bytes were checked against the version's checksum while they were copied
            return true;
        }
        try {
            if (item.external.isPresent()) {
                return item.externalFingerprint.equals(fingerprint(item.external.get()));
            }
            Optional<ObjectInfo> now = store.stat(item.info.orElseThrow().ref());
            return now.isPresent() && now.get().fingerprint().equals(item.info.get().fingerprint());
        } catch (ChuteException | IOException e) {
            return false;
        }
    }

    /**
     * Stages exactly the bytes of the item's version: from {@code item.from} (after a committed
     * prefix, with a copy of the header line for CSV and TSV) to the version's end, checking on the
     * way that they hash to the version's checksum, so a file rewritten since it was read is not
     * loaded under this version.
     */
    private void copyVersion(Item item, Path target) throws IOException {
        ObjectRef ref = item.info.orElseThrow().ref();
        java.security.MessageDigest digest = item.from > 0 ? Checksums.copy(item.prefixDigest) : Checksums.newDigest();
        try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(target, java.nio.file.StandardOpenOption.CREATE_NEW))) {
            if (item.from > 0 && headed(item)) {
                out.write(firstLine(ref));
            }
            try (InputStream in = store.open(ref)) {
                in.skipNBytes(item.from);
                byte[] buffer = new byte[1 << 16];
                long left = item.version.size() - item.from;
                while (left > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        throw changedWhileStaging(item);
                    }
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    left -= n;
                }
            } catch (java.io.EOFException e) {
                throw changedWhileStaging(item);
            }
        }
        if (!Checksums.finish(digest).equals(item.version.checksum())) {
            throw changedWhileStaging(item);
        }
    }

    private static ChuteException changedWhileStaging(Item item) {
        return new ChuteException(ErrorCode.CHANGED_WHILE_LOADING, item.key + " changed while it was being read; it is loaded again once it is quiet");
    }

    /** CSV and TSV files whose first line is a header (unless the table says there is none). */
    private static boolean headed(Item item) {
        dev.chute.spi.FileFormat.Kind kind = item.route.format().kind();
        return (kind == dev.chute.spi.FileFormat.Kind.CSV || kind == dev.chute.spi.FileFormat.Kind.TSV)
                && !item.route.spec().header().equals(Optional.of(false));
    }

    /** The object's first line, with its line feed. */
    private byte[] firstLine(ObjectRef ref) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        try (InputStream in = new java.io.BufferedInputStream(store.open(ref))) {
            int b;
            while ((b = in.read()) >= 0) {
                line.write(b);
                if (b == '\n' || line.size() > (64 << 20)) {
                    break;
                }
            }
        }
        return line.toByteArray();
    }

    private String newLoadId() {
        return "L" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(java.time.ZoneOffset.UTC).format(Instant.now())
                + "-" + Long.toString(ProcessHandle.current().pid(), 36) + "-" + loadCounter.incrementAndGet();
    }

    /** Puts an item's object back among the candidates until its writer is done. Pipeline thread. */
    private void waitForWriter(Item item, Candidate c) {
        Candidate later = c == null ? new Candidate(item.key) : c;
        if (later.info == null) {
            later.info = item.info.orElseThrow();
        }
        waitToSettle(later, Instant.now());
        pending.put(item.key, later);
    }

    /** Hands a committed object to the archive thread. */
    private void finishCommitted(Item item, Candidate c) {
        retrying.remove(item.key);
        if (item.info.isEmpty() || archiver == null) {
            return;
        }
        if (!item.wholeFile || !item.settled) {
            // its writer may not be done: what it adds is loaded as it comes, and the file is archived
            // only once it has settled and all of it is committed
            waitForWriter(item, c);
            return;
        }
        archiving.add(item.key);
        archiver.execute(() -> {
            try {
                archive(item, c);
            } finally {
                archiving.remove(item.key);
            }
        });
    }

    /** Moves a committed object to the archive: same key, or beside it with a version suffix. Runs on the archive thread. */
    private void archive(Item item, Candidate c) {
        ObjectInfo info = item.info.orElseThrow();
        try {
            String archivedAt = item.key;
            if (!store.move(info, ObjectRef.Area.ARCHIVE, item.key)) {
                archivedAt = versionedKey(item.key, item.version.shortId());
                if (sameContent(new ObjectRef(ObjectRef.Area.ARCHIVE, item.key), item.version)
                        || !store.move(info, ObjectRef.Area.ARCHIVE, archivedAt)) {
                    archivedAt = null;
                    // this very version is already archived: the landing copy is a redelivery and redundant,
                    // unless a newer upload took its place meanwhile (that one stays and loads as a new version)
                    if (!store.deleteIf(info)) {
                        log.info("{} changed after it was read; the new upload stays in landing", item.key);
                    }
                }
            }
            if (archivedAt != null && writableInPlace && returnedIfStillWritten(item, archivedAt)) {
                return;
            }
            removeSidecar(item.key);
            sources.forEach(s -> s.handled(item.key));
            archiveProblem = Optional.empty();
        } catch (ChuteException e) {
            if (e.code() == ErrorCode.OBJECT_GONE) {
                // another worker archived it meanwhile: its events are settled all the same
                sources.forEach(s -> s.handled(item.key));
                return;
            }
            if (e.code() == ErrorCode.CHANGED_WHILE_LOADING) {
                // a new version arrived under the same key after commit; it is picked up as a new candidate
                archiveRetries.add(new ArchiveRetry(item.key, null, Optional.empty()));
                return;
            }
            log.warn("archiving {} failed, trying again later (its rows are committed): {}", item.key, e.getMessage());
            archiveProblem = Optional.of(e.getMessage());
            archiveRetries.add(new ArchiveRetry(item.key, c, Optional.of(LoadError.of(e))));
        } catch (RuntimeException e) {
            log.error("archiving {} failed, trying again later (its rows are committed)", item.key, e);
            archiveProblem = Optional.of("archiving " + item.key + " failed: " + e);
            archiveRetries.add(new ArchiveRetry(item.key, c, Optional.of(LoadError.of(ErrorCode.INTERNAL, "archiving " + item.key + " failed: " + e))));
        }
    }

    /**
     * A file's archived bytes must be exactly its committed version. A writer that kept the file open
     * past the settle time may have written on after the move (the move keeps the file, and the
     * writer's handle, as they are): then the file goes back to landing, where what was added is
     * loaded as the rest of a file that grew. Archive thread.
     */
    private boolean returnedIfStillWritten(Item item, String archivedAt) {
        ObjectRef archived = new ObjectRef(ObjectRef.Area.ARCHIVE, archivedAt);
        Optional<ObjectInfo> now = store.stat(archived);
        if (now.isEmpty() || now.get().size() == item.version.size()) {
            return false;
        }
        if (store.move(now.get(), ObjectRef.Area.LANDING, item.key)) {
            log.warn("{} was written to after it was archived (a writer paused for longer than intake.settle_time); it is back in landing"
                    + " and what was added is loaded", item.key);
            archiveRetries.add(new ArchiveRetry(item.key, null, Optional.empty()));
            return true;
        }
        log.warn("{} was written to after it was archived, and a new file of that name is in landing; archive/{} holds {} bytes more than were committed",
                item.key, archivedAt, now.get().size() - item.version.size());
        return false;
    }

    private record ArchiveRetry(String key, Candidate candidate, Optional<LoadError> error) {
    }

    private void drainArchiveRetries() {
        ArchiveRetry r;
        while ((r = archiveRetries.poll()) != null) {
            if (r.error.isEmpty()) {
                requeue(r.key);
                continue;
            }
            Candidate retry = r.candidate == null ? new Candidate(r.key) : r.candidate;
            backoff(retry, r.error.get());
            pending.put(r.key, retry);
        }
    }

    /** Whether an object holds exactly the content of {@code version} (read only when the sizes match). */
    private boolean sameContent(ObjectRef ref, ObjectVersion version) {
        return sameContent(store, ref, version);
    }

    /** Whether the object at {@code ref} holds exactly {@code version}'s content (its checksum, read if the store has none). */
    static boolean sameContent(ObjectStore store, ObjectRef ref, ObjectVersion version) {
        Optional<ObjectInfo> info = store.stat(ref);
        if (info.isEmpty() || info.get().size() != version.size()) {
            return false;
        }
        if (info.get().checksum().isPresent()) {
            return info.get().checksum().get().equals(version.checksum());
        }
        try (InputStream in = store.open(ref)) {
            return Checksums.of(in, ref.toString()).equals(version.checksum());
        } catch (IOException e) {
            return false;
        }
    }

    private void removeSidecar(String key) {
        try {
            store.delete(new ObjectRef(ObjectRef.Area.FAILED, key + ".error.json"));
        } catch (ChuteException e) {
            log.debug("no sidecar removed for {}: {}", key, e.getMessage());
        }
    }

    private void requeue(String key) {
        Candidate c = pending.computeIfAbsent(key, Candidate::new);
        c.dirty = true;
    }

    private void handleFailure(Item item, LoadError error, Candidate c) {
        if (error.code() == ErrorCode.LOADING_ELSEWHERE) {
            // not a failure: another worker holds the version's claim; look again once it is likely done
            Candidate retry = c == null ? new Candidate(item.key) : c;
            retry.dirty = true;
            retry.notBeforeNanos = System.nanoTime() + LOADING_ELSEWHERE_WAIT.toNanos()
                    + java.util.concurrent.ThreadLocalRandom.current().nextLong(LOADING_ELSEWHERE_WAIT.toNanos());
            pending.put(item.key, retry);
            loadingElsewhere.incrementAndGet();
            return;
        }
        boolean permanent = !error.code().retryable();
        if (permanent && !item.settled && item.info.isPresent()) {
            // what a writer has put into the file so far is not the file: it is judged once the writer is done
            log.info("{} cannot be loaded yet ({}); looked at again once its writer is done", item.key, error.reason());
            waitForWriter(item, c);
            return;
        }
        listener.failed(item.key, error, permanent);
        if (!permanent) {
            Candidate retry = c == null ? new Candidate(item.key) : c;
            if (error.code() == ErrorCode.CHANGED_WHILE_LOADING) {
                retry.dirty = true;
                retry.notBeforeNanos = System.nanoTime() + quietPeriod.toNanos();
            } else {
                backoff(retry, error);
            }
            pending.put(item.key, retry);
            recordFailure(item, error, retry.attempts, permanent);
            return;
        }
        retrying.remove(item.key);
        if (item.info.isEmpty()) {
            recordFailure(item, error, 1, true);
            return;
        }
        ObjectInfo info = item.info.get();
        try {
            Sidecar previous = readSidecar(item.key);
            int attempts = previous.attempts + 1;
            Instant first = previous.first.orElse(Instant.now());
            String target = item.key;
            if (store.stat(new ObjectRef(ObjectRef.Area.FAILED, target)).isPresent()) {
                target = versionedKey(item.key, item.version.checksum().startsWith("unknown") ? Long.toString(System.currentTimeMillis(), 36) : item.version.shortId());
            }
            // the reason is written before the file moves: failed/ never holds a file without its reason,
            // and a reason that cannot be written leaves the file in landing, to be tried again
            writeSidecar(target, item, error, attempts, first);
            boolean moved;
            try {
                moved = store.move(info, ObjectRef.Area.FAILED, target);
            } catch (ChuteException e) {
                removeSidecarAt(target, previous);
                throw e;
            }
            if (!moved && !store.deleteIf(info)) {
                // a file of that name was already in failed/ and the landing copy changed: the new upload stays
                removeSidecarAt(target, previous);
                log.info("{} changed after it was read; the new upload stays in landing", item.key);
                return;
            }
            recordFailure(item, error, attempts, true);
            sources.forEach(s -> s.handled(item.key));
            log.warn("{} failed and was moved to failed/{}: {}", item.key, target, error.reason());
        } catch (ChuteException e) {
            if (e.code() == ErrorCode.OBJECT_GONE) {
                settled(item.key);
                return;
            }
            log.warn("moving {} to failed/ did not work, trying again later: {}", item.key, e.getMessage());
            Candidate retry = c == null ? new Candidate(item.key) : c;
            backoff(retry, error);
            pending.put(item.key, retry);
        }
    }

    /** Takes back a sidecar written for a move to failed/ that did not happen (one of an earlier failure stays). */
    private void removeSidecarAt(String failedKey, Sidecar previous) {
        if (failedKey.equals(previous.key) && previous.attempts > 0) {
            return;
        }
        try {
            store.delete(new ObjectRef(ObjectRef.Area.FAILED, failedKey + ".error.json"));
        } catch (ChuteException e) {
            log.debug("cannot take back the sidecar of {}: {}", failedKey, e.getMessage());
        }
    }

    private void recordFailure(Item item, LoadError error, int attempts, boolean permanent) {
        try {
            Instant now = Instant.now();
            warehouse.recordFailure(new FailureRecord(item.key, item.version.checksum(),
                    Optional.ofNullable(item.route).map(Router.Route::table), error, Math.max(1, attempts), now, now));
        } catch (ChuteException e) {
            log.debug("could not record the failure of {}: {}", item.key, e.getMessage());
        }
    }

    private record Sidecar(String key, int attempts, Optional<Instant> first) {
    }

    private Sidecar readSidecar(String key) {
        ObjectRef ref = new ObjectRef(ObjectRef.Area.FAILED, key + ".error.json");
        try {
            if (store.stat(ref).isEmpty()) {
                return new Sidecar(key, 0, Optional.empty());
            }
            try (InputStream in = store.open(ref)) {
                var node = JSON.readTree(in);
                return new Sidecar(key, node.path("attempts").asInt(0),
                        node.hasNonNull("first_failure") ? Optional.of(Instant.parse(node.get("first_failure").asText())) : Optional.empty());
            }
        } catch (IOException | RuntimeException e) {
            return new Sidecar(key, 0, Optional.empty());
        }
    }

    private void writeSidecar(String failedKey, Item item, LoadError error, int attempts, Instant first) {
        ObjectNode node = JSON.createObjectNode();
        node.put("key", item.key);
        node.put("failed_key", failedKey);
        node.put("checksum", item.version.checksum());
        node.put("table", item.route == null ? null : item.route.table().toString());
        node.put("kind", error.code().name());
        node.put("reason", error.reason());
        if (error.line().isPresent()) {
            node.put("line", error.line().getAsLong());
        } else {
            node.putNull("line");
        }
        node.put("column", error.column().orElse(null));
        node.put("value", error.value().orElse(null));
        node.put("expected", error.expected().orElse(null));
        node.put("attempts", attempts);
        node.put("first_failure", first.toString());
        node.put("last_failure", Instant.now().toString());
        try {
            store.put(new ObjectRef(ObjectRef.Area.FAILED, failedKey + ".error.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot write the error sidecar of " + failedKey + ": " + e, e);
        }
    }

    private void backoff(Candidate c, LoadError error) {
        if (c == null) {
            return;
        }
        c.attempts++;
        long delay = Math.min(retryMax.toNanos(), retryInitial.toNanos() << Math.min(20, c.attempts - 1));
        c.notBeforeNanos = System.nanoTime() + delay;
        c.dirty = true;
        retrying.put(c.key, error);
        log.warn("{} will be retried in {} ms (attempt {}): {}", c.key, TimeUnit.NANOSECONDS.toMillis(delay), c.attempts, error.reason());
    }

    /** {@code a/b/name.csv.gz} with suffix {@code x} becomes {@code a/b/name~x.csv.gz}. */
    static String versionedKey(String key, String suffix) {
        int slash = key.lastIndexOf('/');
        String dir = key.substring(0, slash + 1);
        String name = key.substring(slash + 1);
        int dot = name.indexOf('.', 1);
        return dot < 0 ? dir + name + "~" + suffix : dir + name.substring(0, dot) + "~" + suffix + name.substring(dot);
    }

    private void applyRetention() {
        Instant cutoff = Instant.now().minus(archiveRetention);
        List<ObjectRef> old = new ArrayList<>();
        try {
            store.list(ObjectRef.Area.ARCHIVE, "", info -> {
                if (info.lastModified().isBefore(cutoff)) {
                    old.add(info.ref());
                }
            });
            old.forEach(store::delete);
            if (!old.isEmpty()) {
                log.info("archive retention deleted {} file(s) older than {}", old.size(), archiveRetention);
            }
        } catch (ChuteException e) {
            log.warn("archive retention failed, trying again later: {}", e.getMessage());
        }
    }

    private static final int ONE_SHOT_STEPS = 20;
    private static final int ONE_SHOT_MIN_BATCH = 20;

    /**
     * Loads files in place (they are not moved), through the same routing, ledger and batching as
     * the pipeline: {@code chute load}. With a table, every file goes to it under the key
     * {@code dataset/table/<file name>}; without, a directory argument is routed by each file's path
     * relative to it, like landing. Files commit in batches (at most {@code batch.max_files} each, and
     * about {@value #ONE_SHOT_STEPS} of them for a load of many files), each reported to {@code progress} as its batch ends.
     */
    public List<OneShotResult> loadFiles(List<Path> paths, Optional<TableId> table, PipelineListener progress) {
        List<Item> items = new ArrayList<>();
        List<OneShotResult> results = new ArrayList<>();
        // first what there is to do, so that progress can say "n of total"; then each file is reported once
        record Found(Path file, Path base, long size) {
        }
        List<Found> found = new ArrayList<>();
        List<Path> missing = new ArrayList<>();
        for (Path path : paths) {
            Path absolute = path.toAbsolutePath().normalize();
            List<Path> files = new ArrayList<>();
            Path base;
            if (Files.isDirectory(absolute)) {
                base = absolute;
                try (Stream<Path> walk = Files.walk(absolute)) {
                    walk.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).forEach(files::add);
                } catch (IOException e) {
                    throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot list " + absolute + ": " + e, e);
                }
            } else if (Files.isRegularFile(absolute)) {
                base = absolute.getParent();
                files.add(absolute);
            } else {
                missing.add(absolute);
                continue;
            }
            for (Path file : files) {
                if (!Router.ignored(base.relativize(file).toString().replace(java.io.File.separatorChar, '/'))) {
                    long size;
                    try {
                        size = Files.size(file);
                    } catch (IOException e) {
                        size = 0;
                    }
                    found.add(new Found(file, base, size));
                }
            }
        }
        progress.planned(found.size() + missing.size(), found.stream().mapToLong(Found::size).sum());
        for (Path absolute : missing) {
            LoadError error = LoadError.of(ErrorCode.OBJECT_GONE, absolute + " does not exist or is not a regular file or directory");
            results.add(new OneShotResult(absolute.toString(), Optional.empty(), ResultStatus.FAILED, 0, Optional.of(error)));
            progress.failed(absolute.toString(), error, true);
        }
        for (Found f : found) {
            Path file = f.file();
            String relative = f.base().relativize(file).toString().replace(java.io.File.separatorChar, '/');
            try {
                Router.Route route;
                String key;
                if (table.isPresent()) {
                    key = table.get().dataset() + "/" + table.get().table() + "/" + file.getFileName();
                    route = router.routeTo(table.get(), file.getFileName().toString());
                } else {
                    key = relative;
                    route = router.route(relative);
                }
                String fingerprint = fingerprint(file);
                String checksum = Checksums.of(Files.newInputStream(file), file.toString());
                Item item = new Item(key, new ObjectVersion(key, checksum, Files.size(file)), Optional.empty(), Optional.of(file), route);
                item.externalFingerprint = fingerprint;
                items.add(item);
            } catch (ChuteException e) {
                results.add(new OneShotResult(file.toString(), Optional.empty(), ResultStatus.FAILED, 0, Optional.of(LoadError.of(e))));
                progress.failed(file.toString(), LoadError.of(e), true);
            } catch (IOException e) {
                LoadError error = LoadError.of(ErrorCode.STORE_UNAVAILABLE, "cannot read " + file + ": " + e);
                results.add(new OneShotResult(file.toString(), Optional.empty(), ResultStatus.FAILED, 0, Optional.of(error)));
                progress.failed(file.toString(), error, false);
            }
        }
        Map<ObjectVersion, LedgerEntry> committed = warehouse.committed(items.stream().map(Item::version).toList());
        Map<TableId, List<Item>> byTable = new LinkedHashMap<>();
        for (Item item : items) {
            if (committed.containsKey(item.version)) {
                results.add(new OneShotResult(item.external.orElseThrow().toString(), Optional.of(item.route.table()), ResultStatus.DUPLICATE, 0, Optional.empty()));
                progress.duplicate(item.external.orElseThrow().toString());
                continue;
            }
            byTable.computeIfAbsent(item.route.table(), t -> new ArrayList<>()).add(item);
        }
        // a batch commits as a whole, so progress moves batch by batch: a load of many files goes in about
        // ONE_SHOT_STEPS batches (of ONE_SHOT_MIN_BATCH files at least), not in one that shows nothing until the end
        long toLoad = byTable.values().stream().mapToLong(List::size).sum();
        int perBatch = (int) Math.min(batchMaxFiles, Math.max(ONE_SHOT_MIN_BATCH, (toLoad + ONE_SHOT_STEPS - 1) / ONE_SHOT_STEPS));
        for (Map.Entry<TableId, List<Item>> entry : byTable.entrySet()) {
            List<Item> tableItems = entry.getValue();
            for (int from = 0; from < tableItems.size(); ) {
                int to = from;
                long bytes = 0;
                while (to < tableItems.size() && to - from < perBatch && (to == from || bytes < batchMaxBytes)) {
                    bytes += tableItems.get(to).version.size();
                    to++;
                }
                for (Result r : loadItems(entry.getKey(), tableItems.subList(from, to))) {
                    String shown = r.item.external.orElseThrow().toString();
                    results.add(new OneShotResult(shown, Optional.of(entry.getKey()), r.status, r.rows, r.error));
                    switch (r.status) {
                        case COMMITTED -> progress.loaded(shown, entry.getKey(), r.rows, r.item.version.size(), r.millis);
                        case FAILED -> {
                            progress.failed(shown, r.error.orElseThrow(), !r.error.get().code().retryable());
                            recordFailure(r.item, r.error.get(), 1, !r.error.get().code().retryable());
                        }
                        case DUPLICATE -> progress.duplicate(shown);
                        default -> {
                        }
                    }
                }
                from = to;
            }
        }
        return results;
    }

    private static String fingerprint(Path file) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return attrs.size() + "/" + attrs.lastModifiedTime().toInstant() + "/" + attrs.fileKey();
    }

    private static void linkOrCopy(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(source, target);
        }
    }

    private void clearStage() {
        deleteTree(stageRoot);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    log.debug("cannot delete {}", p, e);
                }
            });
        } catch (IOException e) {
            log.debug("cannot clean {}", root, e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops gracefully: event sources first, then the pipeline thread finishes the batch it is
     * loading (commit or rollback, never half) and exits; batches not yet started stay in landing.
     */
    @Override
    public void close() {
        for (EventSource source : sources) {
            try {
                source.close();
            } catch (RuntimeException e) {
                log.debug("closing {}", source.describe(), e);
            }
        }
        running = false;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(TimeUnit.MINUTES.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (loader != null) {
            // the batches handed to the load thread commit or roll back; then their files are archived
            loader.shutdown();
            try {
                loader.awaitTermination(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            drainCompleted();
        }
        hasher.shutdownNow();
        if (archiver != null) {
            // moves already handed over finish; anything left is in landing and healed at the next start
            archiver.shutdown();
            try {
                archiver.awaitTermination(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        clearStage();
    }

    /** The outcome of one file of a one-shot load. */
    public record OneShotResult(String file, Optional<TableId> table, ResultStatus status, long rows, Optional<LoadError> error) {
    }

    public enum ResultStatus { COMMITTED, DUPLICATE, FAILED, GONE }

    private static final class Candidate {
        final String key;
        ObjectInfo info;
        long seenAtNanos = System.nanoTime();
        long notBeforeNanos;
        int attempts;
        boolean dirty = true;
        /** A watch saw it appear whole (a create, as for a rename into landing). */
        boolean arrivedWhole;
        /** A watch saw bytes written into it in place. */
        boolean writtenInPlace;
        /** It appeared where the watch could not see it being made: whole only if no process holds it open for writing. */
        boolean unwatchedArrival;
        /** Whether its writer was done when it was last found quiet; see {@link Pipeline#settledByAge}. */
        boolean settled = true;
        /** Put aside until its writer is done; an event ends the wait. */
        boolean waitingToSettle;

        Candidate(String key) {
            this.key = key;
        }
    }

    private static final class Item {
        final String key;
        final ObjectVersion version;
        final Optional<ObjectInfo> info;
        final Optional<Path> external;
        final Router.Route route;
        String externalFingerprint = "";
        /** Whether its writer was done when it was read; a version of an unfinished file is neither failed nor archived. */
        boolean settled = true;
        /** Whether the version covers the whole object as it was read. */
        boolean wholeFile = true;
        /** The end of an earlier committed version that is a prefix of this one: only the bytes after it are loaded. */
        long from;
        /** The digest state after the first {@link #from} bytes, to check the staged bytes against the version. */
        java.security.MessageDigest prefixDigest;
        /** Staged by copying the version's bytes (checked while copied) rather than linking the file. */
        boolean copyStaged;

        Item(String key, ObjectVersion version, Optional<ObjectInfo> info, Optional<Path> external, Router.Route route) {
            this.key = key;
            this.version = version;
            this.info = info;
            this.external = external;
            this.route = route;
        }

        ObjectVersion version() {
            return version;
        }
    }

    private record Pending(Item item, Candidate candidate) {
    }

    private static final class Accumulator {
        final TableId table;
        final long openedNanos;
        final List<Pending> items = new ArrayList<>();
        long bytes;

        Accumulator(TableId table, long openedNanos) {
            this.table = table;
            this.openedNanos = openedNanos;
        }
    }

    private record Result(Item item, ResultStatus status, long rows, Optional<LoadError> error, long millis) {
        static Result failed(Item item, LoadError error) {
            return new Result(item, ResultStatus.FAILED, 0, Optional.of(error), 0);
        }

        static Result gone(Item item) {
            return new Result(item, ResultStatus.GONE, 0, Optional.empty(), 0);
        }
    }
}
