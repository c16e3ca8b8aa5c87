package dev.chute.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where rows and the ledger live. The ledger (Chute's load history: one entry per committed object
 * version) is kept in the warehouse itself, in the reserved dataset {@code _chute}, so that rows and
 * ledger entries commit in one transaction: that, not any in-memory state, is what makes loading
 * exactly-once across restarts and workers.
 *
 * <p>Threads: {@link #load} is called by one engine thread at a time per table; the engine may call
 * the read methods ({@link #committed}, {@link #query}, the status methods) from other threads
 * concurrently, so implementations are thread-safe. Every method may throw {@link ChuteException}
 * with {@link ErrorCode#WAREHOUSE_UNAVAILABLE} when the warehouse cannot be reached; the engine then
 * retries with backoff and leaves the objects in landing.
 */
public interface Warehouse extends AutoCloseable {
    String describe();

    /**
     * Whether the warehouse reads objects from the store itself (BigQuery from {@code gs://} URIs).
     * Then the engine does not stage files and each {@link LoadFile} carries the object's URI.
     */
    default boolean readsStoreDirectly() {
        return false;
    }

    /** The ledger entries of those of {@code versions} that are committed. */
    Map<ObjectVersion, LedgerEntry> committed(Collection<ObjectVersion> versions);

    /**
     * The options of a table this warehouse cannot honour, each with the values it does honour; empty
     * when it honours them all (the default). Every table option either works on a warehouse or is
     * listed here: the engine calls it once per configured table and route whenever it opens the
     * warehouse (as it calls {@link #rejectsType}), from the opening thread and before any load, and
     * does not start when any is listed, naming option, table and warehouse. A warehouse may also
     * fail a file whose spec it would list, for specs that reach a load some other way. Must not
     * call the warehouse.
     */
    default List<UnsupportedOption> unsupported(TableSpec spec) {
        return List.of();
    }

    /**
     * Every ledger entry of these keys (each version ever committed), by key; keys without one are
     * left out. The engine calls it instead of {@link #committed} for warehouses that load staged
     * bytes, to find out whether a file grew: whether an earlier committed version of its key is a
     * prefix of the new one. This default asks {@link #history} once per key; JDBC warehouses
     * answer in one query.
     */
    default Map<String, List<LedgerEntry>> ledger(Collection<String> keys) {
        Map<String, List<LedgerEntry>> found = new java.util.HashMap<>();
        for (String key : keys) {
            List<LedgerEntry> entries = history(key);
            if (!entries.isEmpty()) {
                found.put(key, entries);
            }
        }
        return found;
    }

    /**
     * Loads the batch's files into its table in one transaction that also creates or evolves the
     * table and writes one ledger entry per committed file. A file whose version is already in the
     * ledger is a {@link FileOutcome.Status#DUPLICATE}. A file that cannot be loaded is split out
     * and reported {@link FileOutcome.Status#FAILED} with a {@link LoadError}; the other files still
     * commit. Before committing, {@code stillValid} is asked whether each file is unchanged; a file
     * that changed is left out with {@link ErrorCode#CHANGED_WHILE_LOADING}.
     *
     * @return one outcome per file of the batch, in the batch's order
     * @throws ChuteException retryable, when the warehouse failed as a whole (nothing committed)
     */
    List<FileOutcome> load(LoadBatch batch, FileCheck stillValid);

    /** Records a failed attempt (replacing the previous record of the same version). */
    void recordFailure(FailureRecord failure);

    /**
     * Runs one read-only query. Anything that would write, or read outside the warehouse, is refused.
     * The answer holds at most {@code maxRows} rows and about {@code maxBytes} bytes of values (as
     * text); rows are read one at a time and reading stops at either bound, so that the memory a query
     * takes in this process is bounded by them, not by the result's size.
     */
    QueryResult query(String sql, int maxRows, long maxBytes, Duration timeout);

    /** {@link #query(String, int, long, Duration)} bounded in rows only: for Chute's own reads and tests. */
    default QueryResult query(String sql, int maxRows, Duration timeout) {
        return query(sql, maxRows, Long.MAX_VALUE, timeout);
    }

    /** Per-table totals. */
    List<TableSummary> tables();

    /** The most recent ledger entries, newest first. */
    List<LedgerEntry> recentLoads(int limit);

    /** The most recent unresolved failures, newest first. */
    List<FailureRecord> recentFailures(int limit);

    /**
     * How many failures are unresolved: files in {@code failed/} (or retrying) whose version has not
     * committed since. This default counts {@link #recentFailures}; SQL warehouses count in one query.
     */
    default long unresolvedFailureCount() {
        return recentFailures(Integer.MAX_VALUE).size();
    }

    /** The ledger entries of one object key (every committed version), newest first. */
    List<LedgerEntry> history(String key);

    /** The unresolved failure of an object key's newest failed version, if any. */
    Optional<FailureRecord> failure(String key);

    /** Loads (one per transaction), newest first, as the filter selects; undone loads included unless filtered out. */
    List<LoadSummary> loads(LoadSummary.Filter filter);

    /** One load, committed or undone. */
    Optional<LoadSummary> load(String loadId);

    /** The ledger entries of one load (of an undone load: the entries it had). */
    List<LedgerEntry> loadEntries(String loadId);

    /**
     * Undoes a committed load in one transaction: deletes its rows (found through the lineage
     * column {@code _chute_load_id}) and takes its ledger entries back, so that the same object
     * versions load again when they land again. Throws {@link ErrorCode#CONFIGURATION} when the
     * load does not exist, is already undone, or its table has no lineage columns.
     */
    UndoResult undo(String loadId);

    /** Records that an undone load's files were moved back to landing (they load again as a new load). */
    void markRestored(String loadId);

    /** Minutes with commits since {@code since}, oldest first. */
    List<ThroughputBucket> throughput(Instant since);

    /** A table's columns and row count, or empty if it does not exist. */
    Optional<TableDetail> describe(TableId table);

    /** Up to {@code limit} rows of a table (lineage columns included). */
    QueryResult sample(TableId table, int limit, Duration timeout);

    /**
     * Nulls, distinct count, min and max per column. The distinct count is exact where the warehouse
     * can afford it, and otherwise an estimate marked as one ({@link ColumnProfile#distinctExact}).
     */
    List<ColumnProfile> profile(TableId table, Duration timeout);

    /** Source objects of a table's rows, newest first; empty when the table has no lineage columns. */
    default List<LineageSource> lineage(TableId table, int limit) {
        return lineage(table, 0, limit).sources();
    }

    /**
     * One page of a table's source objects (one per source object and load), newest first, skipping
     * the first {@code offset}; with the number of them in all. Empty, with a total of 0, when the table
     * has no lineage columns.
     */
    LineagePage lineage(TableId table, long offset, int limit);

    /**
     * A name quoted for this warehouse's SQL, as generated queries (dashboards) need it. Every name
     * is quoted, keyword or not, so that no list of reserved words is needed (issue 13); the answer
     * is computed locally, without asking the warehouse. Standard SQL's double quotes by default;
     * BigQuery's dialect uses backticks.
     */
    default String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** Checks that the warehouse answers; throws {@link ErrorCode#WAREHOUSE_UNAVAILABLE} if not. */
    void ping();

    /**
     * The warehouse's own findings for {@code chute doctor}: settings an administrator should
     * change that Chute cannot change itself. Called from the doctor command's thread, never while
     * loading; may query the warehouse. None by default.
     */
    default List<Check> checks() {
        return List.of();
    }

    /**
     * Why this warehouse does not know {@code type} (a column type written in a table's
     * {@code columns}, as a load would use it), in the warehouse's own words cleaned of statement
     * text; empty when it knows it. SQL warehouses ask their engine (never a hand-written grammar);
     * others check their documented type names. The engine calls it once per configured column
     * whenever it opens the warehouse: before {@code chute up} starts loading, for every other
     * command, and in {@code chute doctor}; a configuration with such a column does not start. Called
     * from the opening thread, before any load; may query the warehouse; throws
     * {@link ErrorCode#WAREHOUSE_UNAVAILABLE} when it cannot be asked. Accepts every type by default.
     */
    default Optional<String> rejectsType(String type) {
        return Optional.empty();
    }

    /** One finding: what was checked, whether it is fine, and if not, what to do. */
    record Check(boolean ok, String what, String fix) {
        public Check {
            java.util.Objects.requireNonNull(what, "what is null");
            java.util.Objects.requireNonNull(fix, "fix is null");
        }
    }

    @Override
    void close();

    /** Asked just before commit whether a staged file still is the object that was read. */
    @FunctionalInterface
    interface FileCheck {
        boolean unchanged(LoadFile file);
    }
}
