package dev.chute.duckdb;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ColumnProfile;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FailureRecord;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.LineagePage;
import dev.chute.spi.LineageSource;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableDetail;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import dev.chute.spi.TableSummary;
import dev.chute.spi.ThroughputBucket;
import dev.chute.spi.UndoResult;
import dev.chute.spi.Warehouse;
import dev.chute.sql.LedgerSql;
import dev.chute.sql.QueryResults;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBConnection;

/**
 * The embedded warehouse: one DuckDB file ({@code <home>/warehouse.duckdb}). DuckDB reads the
 * staged files itself ({@code read_csv}, {@code read_json}, {@code read_parquet}); rows, table
 * changes and ledger entries commit in one transaction.
 *
 * <p>Once open, the database is locked down: it can read files only under the stage directory,
 * and no statement can switch that back. Read-only queries run on their own connections, after a
 * parse check that admits one SELECT and no file-reading functions.
 */
public final class DuckDbWarehouse implements Warehouse {
    private final Path file;
    private final Path stageRoot;
    private final boolean readOnly;
    private static final ObjectMapper TYPE_PROBE_JSON = new ObjectMapper();
    private final DuckDBConnection connection;
    private final Object writeLock = new Object();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chute-duckdb-timeout");
        t.setDaemon(true);
        return t;
    });
    private final DuckDbQueryGuard guard = new DuckDbQueryGuard();
    private final DuckDbLimits limits;
    /** Whether {@code _chute.failures} may hold unresolved rows; loads skip resolving them when not. */
    private volatile boolean unresolvedFailures = true;

    private DuckDbWarehouse(Path file, Path stageRoot, boolean readOnly, DuckDbLimits limits) {
        this.file = requireNonNull(file, "file is null").toAbsolutePath();
        this.stageRoot = requireNonNull(stageRoot, "stageRoot is null").toAbsolutePath();
        this.readOnly = readOnly;
        this.limits = requireNonNull(limits, "limits is null");
        try {
            Files.createDirectories(this.stageRoot);
            Files.createDirectories(limits.tempDirectory());
            Files.createDirectories(this.file.getParent());
            Properties props = new Properties();
            if (readOnly) {
                props.setProperty("duckdb.read_only", "true");
            }
            this.connection = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + this.file, props);
        } catch (SQLException e) {
            throw unavailable("cannot open DuckDB file " + this.file, e);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "cannot create " + this.stageRoot + ": " + e, e);
        }
        try (Statement s = connection.createStatement()) {
            s.execute("SET GLOBAL TimeZone = 'UTC'");
            // checkpoint in larger steps: with the default 16 MB, busy loads pay a checkpoint in many commits
            s.execute("SET checkpoint_threshold = '256MB'");
            // global to the database: loads and console queries share them (DuckDbLimits says how they are chosen)
            s.execute("SET memory_limit = " + Sql.literal(DuckDbLimits.duckDbSize(limits.memoryLimit())));
            s.execute("SET threads = " + limits.threads());
            s.execute("SET temp_directory = " + Sql.literal(limits.tempDirectory().toAbsolutePath().toString()));
            s.execute("SET max_temp_directory_size = " + Sql.literal(DuckDbLimits.duckDbSize(limits.maxTempSize())));
            if (!readOnly) {
                s.execute("CREATE SCHEMA IF NOT EXISTS _chute");
                for (String table : LedgerSql.CREATE_TABLES) {
                    s.execute(table);
                }
                // files made before restored_at was part of the table
                s.execute("ALTER TABLE _chute.undone ADD COLUMN IF NOT EXISTS restored_at TIMESTAMPTZ");
                s.execute("CREATE TEMP TABLE chute_staged_files (load_id VARCHAR, path VARCHAR, object_key VARCHAR, checksum VARCHAR, bytes BIGINT)");
            }
            if (!readOnly) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM _chute.failures WHERE NOT resolved")) {
                    rs.next();
                    unresolvedFailures = rs.getLong(1) > 0;
                }
            }
            s.execute("SET allowed_directories = [" + Sql.literal(this.stageRoot + "/") + "]");
            s.execute("SET enable_external_access = false");
            s.execute("SET autoinstall_known_extensions = false");
            s.execute("SET autoload_known_extensions = false");
        } catch (SQLException e) {
            closeQuietly();
            throw unavailable("cannot prepare DuckDB file " + this.file, e);
        }
    }

    /** Opens (creating if needed) the database for loading, with the default {@link DuckDbLimits}. */
    public static DuckDbWarehouse open(Path file, Path stageRoot) {
        return open(file, stageRoot, DuckDbLimits.defaults(defaultTempDirectory(stageRoot)));
    }

    /** Opens (creating if needed) the database for loading. */
    public static DuckDbWarehouse open(Path file, Path stageRoot, DuckDbLimits limits) {
        return new DuckDbWarehouse(file, stageRoot, false, limits);
    }

    /** Opens an existing database for queries and status only, with the default {@link DuckDbLimits}. */
    public static DuckDbWarehouse openReadOnly(Path file, Path stageRoot) {
        return openReadOnly(file, stageRoot, DuckDbLimits.defaults(defaultTempDirectory(stageRoot)));
    }

    /** Opens an existing database for queries and status only. */
    public static DuckDbWarehouse openReadOnly(Path file, Path stageRoot, DuckDbLimits limits) {
        return new DuckDbWarehouse(file, stageRoot, true, limits);
    }

    /** {@code <home>/.chute/duckdb-temp}, beside the stage directory: where DuckDB spills. */
    static Path defaultTempDirectory(Path stageRoot) {
        return stageRoot.toAbsolutePath().resolveSibling("duckdb-temp");
    }

    public DuckDbLimits limits() {
        return limits;
    }

    static ChuteException unavailable(String what, SQLException e) {
        return new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, what + ": " + DuckDbErrors.firstLine(String.valueOf(e.getMessage())), e);
    }

    @Override
    public String describe() {
        return "duckdb:" + file;
    }

    boolean unresolvedFailures() {
        return unresolvedFailures;
    }

    DuckDBConnection connection() {
        return connection;
    }

    @Override
    public Map<ObjectVersion, LedgerEntry> committed(Collection<ObjectVersion> versions) {
        if (versions.isEmpty()) {
            return Map.of();
        }
        try (DuckDBConnection c = (DuckDBConnection) connection.duplicate()) {
            return committed(c, versions);
        } catch (SQLException e) {
            throw unavailable("cannot read the ledger", e);
        }
    }

    @Override
    public Map<String, List<LedgerEntry>> ledger(Collection<String> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        try (DuckDBConnection c = (DuckDBConnection) connection.duplicate()) {
            return ledger(c, keys);
        } catch (SQLException e) {
            throw unavailable("cannot read the ledger", e);
        }
    }

    /** Every ledger entry of these keys, by key, in chunks of 500 keys a query. */
    static Map<String, List<LedgerEntry>> ledger(Connection c, Collection<String> keys) throws SQLException {
        Map<String, List<LedgerEntry>> found = new HashMap<>();
        List<String> all = new ArrayList<>(new java.util.LinkedHashSet<>(keys));
        for (int from = 0; from < all.size(); from += 500) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + 500));
            String sql = "SELECT " + LedgerSql.LEDGER_COLUMNS + " FROM _chute.ledger WHERE object_key IN ("
                    + String.join(", ", java.util.Collections.nCopies(chunk.size(), "?")) + ")";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        LedgerEntry e = LedgerSql.ledgerEntry(rs);
                        found.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
                    }
                }
            }
        }
        return found;
    }

    static Map<ObjectVersion, LedgerEntry> committed(Connection c, Collection<ObjectVersion> versions) throws SQLException {
        Map<String, List<ObjectVersion>> byKey = LedgerSql.byKey(versions);
        Map<ObjectVersion, LedgerEntry> found = new HashMap<>();
        ledger(c, byKey.keySet()).forEach((key, entries) -> {
            for (LedgerEntry entry : entries) {
                for (ObjectVersion v : byKey.get(key)) {
                    if (v.checksum().equals(entry.checksum())) {
                        found.put(v, entry);
                    }
                }
            }
        });
        return found;
    }

    @Override
    public List<FileOutcome> load(LoadBatch batch, FileCheck stillValid) {
        requireNonNull(batch, "batch is null");
        requireNonNull(stillValid, "stillValid is null");
        if (readOnly) {
            throw new IllegalStateException("the warehouse " + file + " was opened read-only; loads need a writable one");
        }
        synchronized (writeLock) {
            List<FileOutcome> outcomes = new DuckDbLoad(this, batch, stillValid).run();
            if (unresolvedFailures) {
                unresolvedFailures = !recentFailures(1).isEmpty();
            }
            return outcomes;
        }
    }

    @Override
    public void recordFailure(FailureRecord f) {
        if (readOnly) {
            return;
        }
        synchronized (writeLock) {
            try (PreparedStatement ps = connection.prepareStatement(LedgerSql.RECORD_FAILURE)) {
                LedgerSql.bindFailure(ps, f, text -> text);
                ps.executeUpdate();
                unresolvedFailures = true;
            } catch (SQLException e) {
                throw unavailable("cannot record the failure of " + f.key(), e);
            }
        }
    }

    @Override
    public QueryResult query(String sql, int maxRows, long maxBytes, Duration timeout) {
        guard.check(connection, sql);
        return timed(sql, maxRows, maxBytes, timeout, "cannot run query", e -> {
            String message = String.valueOf(e.getMessage());
            if (message.contains("INTERRUPT") || message.contains("nterrupted")) {
                return new ChuteException(ErrorCode.CONFIGURATION, "query took longer than the limit of " + timeout.toMillis() + " ms and was cancelled");
            }
            if (message.contains("Out of Memory")) {
                return new ChuteException(ErrorCode.CONFIGURATION, "query needs more memory than DuckDB may use: memory_limit is "
                        + DuckDbLimits.human(limits.memoryLimit()) + " (warehouse.memory_limit), spilling at most " + DuckDbLimits.human(limits.maxTempSize())
                        + " to " + limits.tempDirectory() + " (warehouse.max_temp_directory_size); " + DuckDbErrors.firstLine(message));
            }
            return DuckDbQueryGuard.queryFailed(DuckDbErrors.firstLine(message));
        });
    }

    /**
     * Runs one query on its own connection, cancelled after {@code timeout}. A failure of the
     * statement itself becomes {@code statementError}'s exception; not getting a connection or
     * statement is the warehouse being unavailable ({@code what} says for what).
     */
    private QueryResult timed(String sql, int maxRows, long maxBytes, Duration timeout, String what,
                              java.util.function.Function<SQLException, RuntimeException> statementError) {
        try (DuckDBConnection c = (DuckDBConnection) connection.duplicate(); Statement s = c.createStatement()) {
            ScheduledFuture<?> cancel = timer.schedule(() -> {
                try {
                    s.cancel();
                } catch (SQLException e) {
                    // the statement finished meanwhile
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            Optional<String> measured = maxBytes == Long.MAX_VALUE ? Optional.empty() : measured(c, sql, maxBytes);
            try (ResultSet rs = s.executeQuery(measured.orElse(sql))) {
                QueryResults.ValueReader values = (r, i, md) -> value(r, i, md.getColumnTypeName(i));
                return measured.isPresent() ? QueryResults.readMeasured(rs, maxRows, maxBytes, values) : QueryResults.read(rs, maxRows, maxBytes, values);
            } catch (SQLException e) {
                throw statementError.apply(e);
            } finally {
                cancel.cancel(false);
            }
        } catch (SQLException e) {
            throw unavailable(what, e);
        }
    }

    /**
     * {@code sql} wrapped so that DuckDB itself measures the answer: a first column says whether the
     * rows so far (a running sum of each value's length as text, in the query's own order: a streaming
     * window) fit in {@code maxBytes}, and the values of rows that do not are NULL. DuckDB's driver
     * converts rows to Java objects 2,048 at a time; without this, 2,048 wide rows would all be on the
     * heap before the first of them could be measured. The columns keep the query's names. Empty when
     * the query cannot be wrapped (it is then run as it is, bounded by the rows read).
     */
    static Optional<String> measured(Connection c, String sql, long maxBytes) {
        String body = sql.strip();
        while (body.endsWith(";")) {
            body = body.substring(0, body.length() - 1).stripTrailing();
        }
        // a line comment at the end of the query must not swallow the closing parenthesis
        String inner = "(" + body + "\n) chute_q";
        List<String> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (PreparedStatement plain = c.prepareStatement(body); PreparedStatement star = c.prepareStatement("SELECT * FROM " + inner)) {
            java.sql.ResultSetMetaData md = plain.getMetaData();
            java.sql.ResultSetMetaData starMd = star.getMetaData();
            if (md == null || starMd == null || md.getColumnCount() != starMd.getColumnCount()) {
                return Optional.empty();
            }
            for (int i = 1; i <= md.getColumnCount(); i++) {
                labels.add(md.getColumnLabel(i));
                names.add(starMd.getColumnLabel(i));
            }
        } catch (SQLException e) {
            return Optional.empty();
        }
        StringBuilder size = new StringBuilder().append(QueryResults.ROW_OVERHEAD_BYTES);
        StringBuilder select = new StringBuilder("SELECT chute_answer_bytes <= ").append(maxBytes).append(" AS chute_fits");
        for (int i = 0; i < names.size(); i++) {
            String column = "chute_q." + Sql.ident(names.get(i));
            size.append(" + coalesce(strlen(CAST(").append(column).append(" AS VARCHAR)) + 3, 5)");
            select.append(", CASE WHEN chute_answer_bytes <= ").append(maxBytes).append(" THEN chute_sized.").append(Sql.ident(names.get(i)))
                    .append(" END AS ").append(Sql.ident(labels.get(i)));
        }
        return Optional.of(select + " FROM (SELECT chute_q.*, sum(" + size + ") OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
                + " AS chute_answer_bytes FROM " + inner + ") chute_sized");
    }

    static QueryResult read(ResultSet rs, int maxRows) throws SQLException {
        return QueryResults.read(rs, maxRows, (r, i, md) -> value(r, i, md.getColumnTypeName(i)));
    }

    private static Object value(ResultSet rs, int i, String type) throws SQLException {
        Object raw = rs.getObject(i);
        if (raw == null) {
            return null;
        }
        if (type.startsWith("TIMESTAMP WITH TIME ZONE") || type.equals("TIMESTAMPTZ")) {
            return rs.getObject(i, OffsetDateTime.class).toInstant();
        }
        return plain(raw);
    }

    /**
     * A value of DuckDB's driver as one of {@link QueryResult}'s plain values. A TIMESTAMP without time
     * zone stays a local date-time: it has no offset, and UTC is not assumed for it. Structs, maps and
     * lists become maps and lists of plain values, so that they are written as JSON objects and arrays.
     */
    static Object plain(Object raw) throws SQLException {
        return switch (raw) {
            case null -> null;
            case Timestamp t -> t.toLocalDateTime();
            case LocalDateTime t -> t;
            case OffsetDateTime t -> t.toInstant();
            case java.sql.Date d -> d.toLocalDate();
            case java.sql.Time t -> t.toLocalTime();
            case LocalDate d -> d;
            case LocalTime t -> t;
            case Boolean b -> b;
            case Byte b -> b.longValue();
            case Short s -> s.longValue();
            case Integer v -> v.longValue();
            case Long v -> v;
            case BigInteger v -> v;
            case BigDecimal v -> v;
            case Float f -> f.doubleValue();
            case Double d -> d;
            case String s -> s;
            case java.util.UUID u -> u.toString();
            case org.duckdb.DuckDBStruct struct -> {
                Map<String, Object> fields = new java.util.LinkedHashMap<>();
                for (Map.Entry<String, Object> e : struct.getMap().entrySet()) {
                    fields.put(e.getKey(), plain(e.getValue()));
                }
                yield fields;
            }
            case Map<?, ?> map -> {
                // a MAP's keys may be of any type: as JSON object keys they are text
                Map<String, Object> entries = new java.util.LinkedHashMap<>();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    entries.put(String.valueOf(plain(e.getKey())), plain(e.getValue()));
                }
                yield entries;
            }
            case java.sql.Array array -> {
                List<Object> items = new ArrayList<>();
                for (Object item : (Object[]) array.getArray()) {
                    items.add(plain(item));
                }
                yield java.util.Collections.unmodifiableList(items);
            }
            default -> raw.toString();
        };
    }

    @Override
    public List<TableSummary> tables() {
        return readList(LedgerSql.TABLES, LedgerSql::tableSummary);
    }

    @Override
    public List<LedgerEntry> recentLoads(int limit) {
        return readList("SELECT " + LedgerSql.LEDGER_COLUMNS + " FROM _chute.ledger"
                + " ORDER BY committed_at DESC, object_key LIMIT " + Math.max(0, limit), LedgerSql::ledgerEntry);
    }

    @Override
    public List<LedgerEntry> history(String key) {
        return readList("SELECT " + LedgerSql.LEDGER_COLUMNS + " FROM _chute.ledger WHERE object_key = "
                + Sql.literal(requireNonNull(key, "key is null")) + " ORDER BY committed_at DESC", LedgerSql::ledgerEntry);
    }

    @Override
    public Optional<FailureRecord> failure(String key) {
        return failures("object_key = " + Sql.literal(requireNonNull(key, "key is null")), 1).stream().findFirst();
    }

    @Override
    public long unresolvedFailureCount() {
        return readList(LedgerSql.UNRESOLVED_FAILURE_COUNT, rs -> rs.getLong(1)).stream().findFirst().orElse(0L);
    }

    @Override
    public List<FailureRecord> recentFailures(int limit) {
        return failures("true", limit);
    }

    private List<FailureRecord> failures(String condition, int limit) {
        return readList(LedgerSql.failures(condition) + Math.max(0, limit), LedgerSql::failureRecord);
    }

    @Override
    public List<LoadSummary> loads(LoadSummary.Filter filter) {
        List<String> where = new ArrayList<>();
        filter.table().ifPresent(t -> where.add("table_name = " + Sql.literal(t.toString())));
        filter.undone().ifPresent(u -> where.add(u ? "undone_at IS NOT NULL" : "undone_at IS NULL"));
        filter.since().ifPresent(t -> where.add("committed_at >= " + timestamp(t)));
        filter.until().ifPresent(t -> where.add("committed_at < " + timestamp(t)));
        String sql = "SELECT * FROM (" + LedgerSql.LOADS + ")" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY committed_at DESC, load_id LIMIT " + filter.limit();
        return readList(sql, LedgerSql::loadSummary);
    }

    @Override
    public Optional<LoadSummary> load(String loadId) {
        requireNonNull(loadId, "loadId is null");
        return readList("SELECT * FROM (" + LedgerSql.LOADS + ") WHERE load_id = " + Sql.literal(loadId), LedgerSql::loadSummary)
                .stream().findFirst();
    }

    private static String timestamp(Instant t) {
        return "TIMESTAMPTZ " + Sql.literal(t.toString());
    }

    @Override
    public List<LedgerEntry> loadEntries(String loadId) {
        String columns = LedgerSql.LEDGER_COLUMNS;
        String id = Sql.literal(requireNonNull(loadId, "loadId is null"));
        return readList("SELECT " + columns + " FROM _chute.ledger WHERE load_id = " + id + " UNION ALL SELECT " + columns
                + " FROM _chute.undone WHERE load_id = " + id + " ORDER BY object_key", LedgerSql::ledgerEntry);
    }

    @Override
    public UndoResult undo(String loadId) {
        requireNonNull(loadId, "loadId is null");
        if (readOnly) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "the warehouse " + file + " was opened read-only; undo needs a writable one");
        }
        synchronized (writeLock) {
            LoadSummary load = load(loadId).orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "no load with id '" + loadId + "'"));
            if (load.undone()) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "load " + loadId + " was already undone at " + load.undoneAt().get());
            }
            TableId table = load.table();
            boolean lineage = describe(table).map(TableDetail::lineage).orElse(false);
            if (!lineage) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "load " + loadId + " into " + table
                        + " cannot be undone: the table has no lineage column " + TableSpec.LOAD_ID_COLUMN + " (tables.<name>.lineage is false or the table is gone)");
            }
            List<LedgerEntry> entries = loadEntries(loadId);
            String id = Sql.literal(loadId);
            try (Statement s = connection.createStatement()) {
                connection.setAutoCommit(false);
                try {
                    long deleted = s.executeUpdate("DELETE FROM " + Sql.ident(table.dataset()) + "." + Sql.ident(table.table())
                            + " WHERE " + Sql.ident(TableSpec.LOAD_ID_COLUMN) + " = " + id);
                    s.execute("INSERT INTO _chute.undone (object_key, checksum, table_name, load_id, rows, bytes, committed_at, duration_ms, undone_at)"
                            + " SELECT object_key, checksum, table_name, load_id, rows, bytes, committed_at, duration_ms, now()"
                            + " FROM _chute.ledger WHERE load_id = " + id);
                    s.execute("DELETE FROM _chute.ledger WHERE load_id = " + id);
                    connection.commit();
                    return new UndoResult(loadId, table, deleted, entries);
                } catch (SQLException e) {
                    connection.rollback();
                    throw unavailable("cannot undo load " + loadId, e);
                } finally {
                    connection.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw unavailable("cannot undo load " + loadId, e);
            }
        }
    }

    @Override
    public void markRestored(String loadId) {
        requireNonNull(loadId, "loadId is null");
        synchronized (writeLock) {
            try (Statement s = connection.createStatement()) {
                s.executeUpdate("UPDATE _chute.undone SET restored_at = now() WHERE load_id = " + Sql.literal(loadId));
            } catch (SQLException e) {
                throw unavailable("cannot record that load " + loadId + " was restored", e);
            }
        }
    }

    @Override
    public List<ThroughputBucket> throughput(Instant since) {
        return readList(LedgerSql.throughput(timestamp(since)), LedgerSql::throughputBucket);
    }

    @Override
    public Optional<TableDetail> describe(TableId table) {
        requireNonNull(table, "table is null");
        List<QueryResult.Column> columns = readList("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
                + Sql.literal(table.dataset()) + " AND table_name = " + Sql.literal(table.table()) + " ORDER BY ordinal_position",
                rs -> new QueryResult.Column(rs.getString(1), rs.getString(2)));
        if (columns.isEmpty()) {
            return Optional.empty();
        }
        long rows = readList("SELECT count(*) FROM " + qualified(table), rs -> rs.getLong(1)).getFirst();
        boolean lineage = columns.stream().anyMatch(c -> c.name().equals(TableSpec.LOAD_ID_COLUMN))
                && columns.stream().anyMatch(c -> c.name().equals(TableSpec.SOURCE_COLUMN));
        return Optional.of(new TableDetail(table, columns, rows, lineage));
    }

    @Override
    public QueryResult sample(TableId table, int limit, Duration timeout) {
        requireTable(table);
        // a table of wide values would otherwise put limit x width on the heap: cut as console answers are by default
        String sql = "SELECT * FROM " + qualified(table) + " LIMIT " + Math.max(0, limit);
        return timed(sql, limit, SAMPLE_MAX_BYTES, timeout, "cannot read " + sql, e -> unavailable("cannot read " + sql, e));
    }

    @Override
    public List<ColumnProfile> profile(TableId table, Duration timeout) {
        TableDetail detail = requireTable(table);
        if (detail.columns().isEmpty()) {
            return List.of();
        }
        List<String> parts = new ArrayList<>();
        for (QueryResult.Column c : detail.columns()) {
            String col = Sql.ident(c.name());
            parts.add("count(*) - count(" + col + ")");
            parts.add("approx_count_distinct(" + col + ")");
            parts.add("CAST(min(" + col + ") AS VARCHAR)");
            parts.add("CAST(max(" + col + ") AS VARCHAR)");
        }
        QueryResult r = trustedQuery("SELECT " + String.join(", ", parts) + " FROM " + qualified(table), 1, timeout);
        List<Object> row = r.rows().getFirst();
        List<ColumnProfile> out = new ArrayList<>();
        for (int i = 0; i < detail.columns().size(); i++) {
            QueryResult.Column c = detail.columns().get(i);
            out.add(new ColumnProfile(c.name(), c.type(), ((Number) row.get(4 * i)).longValue(), ((Number) row.get(4 * i + 1)).longValue(),
                    Optional.ofNullable((String) row.get(4 * i + 2)), Optional.ofNullable((String) row.get(4 * i + 3))));
        }
        return out;
    }

    @Override
    public LineagePage lineage(TableId table, long offset, int limit) {
        if (!requireTable(table).lineage()) {
            return new LineagePage(List.of(), offset, 0);
        }
        String groups = "SELECT " + Sql.ident(TableSpec.SOURCE_COLUMN) + ", " + Sql.ident(TableSpec.LOAD_ID_COLUMN) + ", count(*), max("
                + Sql.ident(TableSpec.LOADED_AT_COLUMN) + ") AS loaded_at FROM " + qualified(table) + " GROUP BY ALL";
        List<LineageSource> sources = readList(groups + " ORDER BY loaded_at DESC, 1, 2 LIMIT " + Math.max(0, limit) + " OFFSET " + Math.max(0, offset),
                rs -> new LineageSource(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getObject(4, OffsetDateTime.class).toInstant()));
        long total = readList("SELECT count(*) FROM (" + groups + ")", rs -> rs.getLong(1)).stream().findFirst().orElse(0L);
        return new LineagePage(sources, offset, total);
    }

    private TableDetail requireTable(TableId table) {
        return describe(table).orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "table " + table + " does not exist"));
    }

    private static String qualified(TableId table) {
        return Sql.ident(table.dataset()) + "." + Sql.ident(table.table());
    }

    /** A query Chute builds itself from quoted names: it skips the guard for user SQL but keeps the time limit. */
    /** Bytes of a table sample: the default of {@code query.max_bytes}. */
    static final long SAMPLE_MAX_BYTES = 16L << 20;

    private QueryResult trustedQuery(String sql, int maxRows, Duration timeout) {
        return timed(sql, maxRows, Long.MAX_VALUE, timeout, "cannot read " + sql, e -> unavailable("cannot read " + sql, e));
    }

    private <T> List<T> readList(String sql, QueryResults.RowReader<T> reader) {
        try (DuckDBConnection c = (DuckDBConnection) connection.duplicate(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<T> out = new ArrayList<>();
            while (rs.next()) {
                out.add(reader.read(rs));
            }
            return out;
        } catch (SQLException e) {
            if (String.valueOf(e.getMessage()).contains("does not exist")) {
                return List.of();
            }
            throw unavailable("cannot read the ledger", e);
        }
    }

    /**
     * Asks DuckDB's own parser and binder about {@code CAST(NULL AS type)}. The statement is parsed
     * first, without running anything ({@code json_serialize_sql} takes it as a value), and must be
     * exactly that cast and nothing else; only then is it bound ({@code DESCRIBE}, which resolves the
     * type's name without reading any row).
     */
    @Override
    public Optional<String> rejectsType(String type) {
        String probe = "SELECT CAST(NULL AS " + type + ")";
        try (DuckDBConnection c = (DuckDBConnection) connection.duplicate()) {
            JsonNode parsed = parse(c, probe);
            if (parsed.path("error").asBoolean()) {
                return Optional.of(parsed.path("error_message").asText("not a type"));
            }
            if (!withoutCastType(parsed).equals(withoutCastType(parse(c, "SELECT CAST(NULL AS INTEGER)")))) {
                return Optional.of("it is more than one type name");
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("DESCRIBE " + probe)) {
                rs.next();
                return Optional.empty();
            } catch (SQLException e) {
                if (DuckDbErrors.warehouseTrouble(e)) {
                    throw unavailable("cannot check column type '" + type + "'", e);
                }
                return Optional.of(engineMessage(e));
            }
        } catch (SQLException | IOException e) {
            throw unavailable("cannot check column type '" + type + "'", e instanceof SQLException q ? q : new SQLException(e));
        }
    }

    private static JsonNode parse(Connection c, String sql) throws SQLException, IOException {
        try (PreparedStatement ps = c.prepareStatement("SELECT json_serialize_sql(CAST(? AS VARCHAR))")) {
            ps.setString(1, sql);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return TYPE_PROBE_JSON.readTree(rs.getString(1));
            }
        }
    }

    private static JsonNode withoutCastType(JsonNode parsed) {
        JsonNode copy = parsed.deepCopy();
        for (JsonNode statement : copy.path("statements")) {
            for (JsonNode item : statement.path("node").path("select_list")) {
                if (item instanceof ObjectNode cast) {
                    cast.remove("cast_type");
                }
            }
        }
        return copy;
    }

    /** DuckDB's message without its kind prefix and without the statement it quotes ({@code LINE 1: ...}). */
    static String engineMessage(SQLException e) {
        String message = String.valueOf(e.getMessage());
        int statement = message.indexOf("\nLINE ");
        if (statement >= 0) {
            message = message.substring(0, statement);
        }
        return message.replaceFirst("^[A-Z][A-Za-z ]* Error: ", "").strip().replaceAll("\\s*\\n\\s*", " ");
    }

    @Override
    public void ping() {
        try (DuckDBConnection c = (DuckDBConnection) connection.duplicate(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        } catch (SQLException e) {
            throw unavailable("DuckDB does not answer", e);
        }
    }

    @Override
    public void close() {
        synchronized (writeLock) {
            timer.shutdownNow();
            closeQuietly();
        }
    }

    private void closeQuietly() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException e) {
            // closing: nothing left to do with the error
        }
    }
}
