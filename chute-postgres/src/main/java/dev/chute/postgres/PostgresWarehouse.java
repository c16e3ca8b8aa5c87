package dev.chute.postgres;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
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
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PostgreSQL database as the warehouse. Rows go in through {@code COPY ... FROM STDIN}, streamed
 * from the staged file; the ledger lives in the schema {@code _chute} and its entries commit in the
 * same transaction as the rows. Its unique (object, version) key is what keeps several workers from
 * loading one version twice: see {@link PostgresLoad}.
 *
 * <p>Loads and status use a small pool of connections as the configured user. Console SQL runs on
 * separate connections that log in as a reader role with SELECT on the warehouse schemas only, see
 * {@link PostgresConsole}.
 */
public final class PostgresWarehouse implements Warehouse {
    /**
     * Advisory lock key (first half) of the setup lock on the very first start only, before
     * {@code _chute.locks} exists; every other lock is a row lock there (see {@link PostgresLocks}).
     */
    static final int LOCK_SPACE = 0x43687574;
    /** Bytes of a console answer read through {@link #read(ResultSet, int)}: the default of {@code query.max_bytes}. */
    static final long CONSOLE_MAX_BYTES = 16L << 20;

    private final PostgresSettings settings;
    private final Path stageRoot;
    private final HikariDataSource pool;
    private final PostgresConsole console;

    private PostgresWarehouse(PostgresSettings settings, Path stageRoot) {
        this.settings = requireNonNull(settings, "settings is null");
        this.stageRoot = requireNonNull(stageRoot, "stageRoot is null").toAbsolutePath();
        this.pool = pool(settings.url(), settings.user(), settings.password(), settings.poolSize(), "chute-postgres");
        try {
            setUp();
            this.console = new PostgresConsole(settings, pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** Connects, creates the {@code _chute} schema if needed and sets up (or checks) the console's reader role. */
    public static PostgresWarehouse open(PostgresSettings settings, Path stageRoot) {
        return new PostgresWarehouse(settings, stageRoot);
    }

    static HikariDataSource pool(String url, String user, Optional<String> password, int size, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        password.ifPresent(config::setPassword);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setPoolName(name);
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("ApplicationName", "chute");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        // A worker whose machine is lost (not just its process killed) must not hold its transaction,
        // and with it its claims and table locks, until TCP gives up after hours: the server probes an
        // idle connection after a minute and drops it after six unanswered probes; a transaction left
        // idle for ten minutes is ended.
        config.setConnectionInitSql("SET TIME ZONE 'UTC'; SET tcp_keepalives_idle = 60; SET tcp_keepalives_interval = 10;"
                + " SET tcp_keepalives_count = 6; SET idle_in_transaction_session_timeout = '10min'");
        return new HikariDataSource(config);
    }

    Path stageRoot() {
        return stageRoot;
    }

    PostgresConsole console() {
        return console;
    }

    Connection connection() throws SQLException {
        return pool.getConnection();
    }

    private void setUp() {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            // CREATE ... IF NOT EXISTS alone races on the catalogs when several workers start at once
            PostgresLocks.setup(c, PostgresLocks.SETUP_SLOT);
            s.execute("CREATE SCHEMA IF NOT EXISTS _chute");
            // The lineage columns' defaults. Declared IMMUTABLE on purpose: COPY plans its column
            // defaults once per statement, and an immutable call with a constant argument is then
            // evaluated once, to the value the load set for this file, instead of once per row (a
            // per-row current_setting() cost a quarter of COPY's time on narrow rows).
            s.execute("CREATE OR REPLACE FUNCTION _chute.lineage(setting text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE"
                    + " AS $$ SELECT current_setting(setting, true) $$");
            for (String table : LedgerSql.CREATE_TABLES) {
                s.execute(table);
            }
            s.execute("CREATE INDEX IF NOT EXISTS ledger_load_id ON _chute.ledger (load_id)");
            s.execute("CREATE INDEX IF NOT EXISTS ledger_committed_at ON _chute.ledger (committed_at)");
            PostgresLocks.create(c);
            c.commit();
        } catch (SQLException e) {
            throw PostgresErrors.unavailable("cannot prepare the schema _chute in " + settings.url(), e);
        }
    }

    @Override
    public String describe() {
        return "postgres:" + settings.url().replaceFirst("\\?.*$", "");
    }

    @Override
    public Map<ObjectVersion, LedgerEntry> committed(Collection<ObjectVersion> versions) {
        if (versions.isEmpty()) {
            return Map.of();
        }
        Map<String, List<ObjectVersion>> byKey = LedgerSql.byKey(versions);
        Map<ObjectVersion, LedgerEntry> found = new HashMap<>();
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + LedgerSql.LEDGER_COLUMNS + " FROM _chute.ledger WHERE object_key = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", byKey.keySet().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                LedgerSql.collectCommitted(rs, byKey, found);
            }
            return found;
        } catch (SQLException e) {
            throw PostgresErrors.unavailable("cannot read the ledger", e);
        }
    }

    @Override
    public Map<String, List<LedgerEntry>> ledger(Collection<String> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        Map<String, List<LedgerEntry>> found = new HashMap<>();
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + LedgerSql.LEDGER_COLUMNS + " FROM _chute.ledger WHERE object_key = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", new java.util.LinkedHashSet<>(keys).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    LedgerEntry e = LedgerSql.ledgerEntry(rs);
                    found.computeIfAbsent(e.key(), k -> new java.util.ArrayList<>()).add(e);
                }
            }
            return found;
        } catch (SQLException e) {
            throw PostgresErrors.unavailable("cannot read the ledger", e);
        }
    }

    @Override
    public List<FileOutcome> load(LoadBatch batch, FileCheck stillValid) {
        requireNonNull(batch, "batch is null");
        requireNonNull(stillValid, "stillValid is null");
        return new PostgresLoad(this, batch, stillValid).run();
    }

    @Override
    public void recordFailure(FailureRecord f) {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(LedgerSql.RECORD_FAILURE)) {
            LedgerSql.bindFailure(ps, f, PostgresWarehouse::noNul);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw PostgresErrors.unavailable("cannot record the failure of " + f.key(), e);
        }
    }

    /** PostgreSQL text cannot hold NUL; a value quoted from a broken file might. */
    static String noNul(String s) {
        return s.replace('\0', '\uFFFD');
    }

    @Override
    public QueryResult query(String sql, int maxRows, long maxBytes, Duration timeout) {
        return console.query(sql, maxRows, maxBytes, timeout);
    }

    /** The console's answer, bounded by {@link #CONSOLE_MAX_BYTES} as well as {@code maxRows}. */
    static QueryResult read(ResultSet rs, int maxRows) throws SQLException {
        return read(rs, maxRows, CONSOLE_MAX_BYTES);
    }

    static QueryResult read(ResultSet rs, int maxRows, long maxBytes) throws SQLException {
        return QueryResults.read(rs, maxRows, maxBytes, (r, i, md) -> value(r, i, md.getColumnType(i), md.getColumnTypeName(i)));
    }

    private static Object value(ResultSet rs, int i, int sqlType, String typeName) throws SQLException {
        if (rs.getObject(i) == null) {
            return null;
        }
        return switch (typeName) {
            case "timestamptz" -> rs.getObject(i, OffsetDateTime.class).toInstant();
            // without time zone: no offset is assumed for it, it stays a local date-time
            case "timestamp" -> rs.getObject(i, LocalDateTime.class);
            case "date" -> rs.getObject(i, java.time.LocalDate.class);
            case "time" -> rs.getObject(i, java.time.LocalTime.class);
            case "bool" -> rs.getBoolean(i);
            case "int2", "int4", "int8", "oid" -> rs.getLong(i);
            case "float4", "float8" -> rs.getDouble(i);
            case "numeric" -> numeric(rs.getBigDecimal(i));
            default -> switch (sqlType) {
                case Types.BIGINT, Types.INTEGER, Types.SMALLINT -> rs.getLong(i);
                case Types.DOUBLE, Types.REAL, Types.FLOAT -> rs.getDouble(i);
                case Types.ARRAY -> arrayItems(rs.getArray(i).getArray(), typeName);
                default -> rs.getString(i);
            };
        };
    }

    private static Object numeric(BigDecimal d) {
        return d.scale() <= 0 && d.precision() > 18 ? d.toBigInteger() : d;
    }

    /**
     * An array's elements (arrays of arrays nested) as a list of plain values, so that it is written
     * as a JSON array. {@code arrayType} is PostgreSQL's name of the array type ({@code _timestamptz}):
     * the driver hands both kinds of timestamps over as {@code java.sql.Timestamp}, and only the type
     * tells a point in time from a local date-time.
     */
    private static List<Object> arrayItems(Object array, String arrayType) {
        List<Object> items = new ArrayList<>();
        for (int k = 0; k < java.lang.reflect.Array.getLength(array); k++) {
            Object item = java.lang.reflect.Array.get(array, k);
            items.add(switch (item) {
                case null -> null;
                case Object[] nested -> arrayItems(nested, arrayType);
                case java.sql.Timestamp t -> arrayType.equals("_timestamptz") ? t.toInstant() : t.toLocalDateTime();
                case java.sql.Date d -> d.toLocalDate();
                case java.sql.Time t -> t.toLocalTime();
                case Short v -> v.longValue();
                case Integer v -> v.longValue();
                case Long v -> v;
                case Float v -> v.doubleValue();
                case Double v -> v;
                case Boolean v -> v;
                case BigDecimal v -> numeric(v);
                default -> item.toString();
            });
        }
        return java.util.Collections.unmodifiableList(items);
    }

    @Override
    public List<TableSummary> tables() {
        return readList(LedgerSql.TABLES, List.of(), LedgerSql::tableSummary);
    }

    @Override
    public List<LedgerEntry> recentLoads(int limit) {
        return readList("SELECT " + LedgerSql.LEDGER_COLUMNS + " FROM _chute.ledger ORDER BY committed_at DESC, object_key LIMIT ?",
                List.of(Math.max(0, limit)), LedgerSql::ledgerEntry);
    }

    @Override
    public List<LedgerEntry> history(String key) {
        return readList("SELECT " + LedgerSql.LEDGER_COLUMNS + " FROM _chute.ledger WHERE object_key = ? ORDER BY committed_at DESC",
                List.of(requireNonNull(key, "key is null")), LedgerSql::ledgerEntry);
    }

    @Override
    public Optional<FailureRecord> failure(String key) {
        return failures("object_key = ?", List.of(requireNonNull(key, "key is null"), 1)).stream().findFirst();
    }

    @Override
    public long unresolvedFailureCount() {
        return readList(LedgerSql.UNRESOLVED_FAILURE_COUNT, List.of(), rs -> rs.getLong(1)).stream().findFirst().orElse(0L);
    }

    @Override
    public List<FailureRecord> recentFailures(int limit) {
        return failures("true", List.of(Math.max(0, limit)));
    }

    private List<FailureRecord> failures(String condition, List<Object> params) {
        return readList(LedgerSql.failures(condition) + "?", params, LedgerSql::failureRecord);
    }

    @Override
    public List<LoadSummary> loads(LoadSummary.Filter filter) {
        List<String> where = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        filter.table().ifPresent(t -> {
            where.add("table_name = ?");
            params.add(t.toString());
        });
        filter.undone().ifPresent(u -> where.add(u ? "undone_at IS NOT NULL" : "undone_at IS NULL"));
        filter.since().ifPresent(t -> {
            where.add("committed_at >= ?");
            params.add(t.atOffset(ZoneOffset.UTC));
        });
        filter.until().ifPresent(t -> {
            where.add("committed_at < ?");
            params.add(t.atOffset(ZoneOffset.UTC));
        });
        params.add(filter.limit());
        String sql = "SELECT * FROM (" + LedgerSql.LOADS + ") l" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY committed_at DESC, load_id LIMIT ?";
        return readList(sql, params, LedgerSql::loadSummary);
    }

    @Override
    public Optional<LoadSummary> load(String loadId) {
        requireNonNull(loadId, "loadId is null");
        return readList("SELECT * FROM (" + LedgerSql.LOADS + ") l WHERE load_id = ?", List.of(loadId), LedgerSql::loadSummary).stream().findFirst();
    }

    @Override
    public List<LedgerEntry> loadEntries(String loadId) {
        requireNonNull(loadId, "loadId is null");
        return readList("SELECT " + LedgerSql.LEDGER_COLUMNS + " FROM _chute.ledger WHERE load_id = ? UNION ALL SELECT " + LedgerSql.LEDGER_COLUMNS
                + " FROM _chute.undone WHERE load_id = ? ORDER BY object_key", List.of(loadId, loadId), LedgerSql::ledgerEntry);
    }

    @Override
    public UndoResult undo(String loadId) {
        requireNonNull(loadId, "loadId is null");
        LoadSummary load = load(loadId).orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "no load with id '" + loadId + "'"));
        if (load.undone()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "load " + loadId + " was already undone at " + load.undoneAt().get());
        }
        TableId table = load.table();
        boolean lineage = describe(table).map(TableDetail::lineage).orElse(false);
        if (!lineage) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "load " + loadId + " into " + table + " cannot be undone: the table has no lineage column "
                    + TableSpec.LOAD_ID_COLUMN + " (tables.<name>.lineage is false or the table is gone)");
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<LedgerEntry> entries = new ArrayList<>();
                long expected;
                // the ledger rows are locked first: a second undo of the same load waits here and then finds none
                try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(rows) FILTER (WHERE NOT superseded), 0) FROM"
                        + " (SELECT rows, superseded FROM _chute.ledger WHERE load_id = ? FOR UPDATE) l")) {
                    ps.setString(1, loadId);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        expected = rs.getLong(1);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM _chute.ledger WHERE load_id = ? RETURNING " + LedgerSql.LEDGER_COLUMNS)) {
                    ps.setString(1, loadId);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            entries.add(LedgerSql.ledgerEntry(rs));
                        }
                    }
                }
                if (entries.isEmpty()) {
                    c.rollback();
                    throw new ChuteException(ErrorCode.CONFIGURATION, "load " + loadId + " was already undone");
                }
                long deleted;
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + Pg.qualified(table.dataset(), table.table()) + " WHERE "
                        + Pg.ident(TableSpec.LOAD_ID_COLUMN) + " = ?")) {
                    ps.setString(1, loadId);
                    deleted = ps.executeUpdate();
                }
                if (deleted != expected) {
                    // rows without the load's id (written by hand, or into lineage columns without their
                    // defaults) would stay while the ledger forgot the load: restoring would load them twice
                    c.rollback();
                    throw new ChuteException(ErrorCode.CONFIGURATION, "load " + loadId + " into " + table + " cannot be undone: the ledger counts "
                            + expected + " rows, but " + deleted + " rows of the table carry its " + TableSpec.LOAD_ID_COLUMN + "; nothing was changed");
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO _chute.undone (" + LedgerSql.LEDGER_COLUMNS + ", undone_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())")) {
                    for (LedgerEntry e : entries) {
                        ps.setString(1, e.key());
                        ps.setString(2, e.checksum());
                        ps.setString(3, e.table().toString());
                        ps.setString(4, e.loadId());
                        ps.setLong(5, e.rows());
                        ps.setLong(6, e.bytes());
                        ps.setObject(7, e.committedAt().atOffset(ZoneOffset.UTC));
                        ps.setLong(8, e.durationMillis());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                c.commit();
                entries.sort(java.util.Comparator.comparing(LedgerEntry::key));
                return new UndoResult(loadId, table, deleted, entries);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw PostgresErrors.unavailable("cannot undo load " + loadId, e);
        }
    }

    @Override
    public void markRestored(String loadId) {
        requireNonNull(loadId, "loadId is null");
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE _chute.undone SET restored_at = now() WHERE load_id = ?")) {
            ps.setString(1, loadId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw PostgresErrors.unavailable("cannot record that load " + loadId + " was restored", e);
        }
    }

    @Override
    public List<ThroughputBucket> throughput(Instant since) {
        return readList(LedgerSql.throughput("?"), List.of(since.atOffset(ZoneOffset.UTC)), LedgerSql::throughputBucket);
    }

    @Override
    public Optional<TableDetail> describe(TableId table) {
        requireNonNull(table, "table is null");
        List<QueryResult.Column> columns = readList("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""",
                List.of(table.dataset(), table.table()), rs -> new QueryResult.Column(rs.getString(1), rs.getString(2)));
        if (columns.isEmpty()) {
            return Optional.empty();
        }
        long rows = readList("SELECT count(*) FROM " + Pg.qualified(table.dataset(), table.table()), List.of(), rs -> rs.getLong(1)).getFirst();
        boolean lineage = columns.stream().anyMatch(c -> c.name().equals(TableSpec.LOAD_ID_COLUMN))
                && columns.stream().anyMatch(c -> c.name().equals(TableSpec.SOURCE_COLUMN));
        return Optional.of(new TableDetail(table, columns, rows, lineage));
    }

    @Override
    public QueryResult sample(TableId table, int limit, Duration timeout) {
        requireTable(table);
        return trustedQuery("SELECT * FROM " + Pg.qualified(table.dataset(), table.table()) + " LIMIT " + Math.max(0, limit), limit, timeout);
    }

    @Override
    public List<ColumnProfile> profile(TableId table, Duration timeout) {
        TableDetail detail = requireTable(table);
        List<String> parts = new ArrayList<>();
        for (QueryResult.Column c : detail.columns()) {
            String col = Pg.ident(c.name());
            // json, xml and the like have no ordering: their min and max stay empty
            boolean ordered = !c.type().startsWith("json") && !c.type().equals("xml") && !c.type().equals("point");
            parts.add("count(*) - count(" + col + ")");
            parts.add(ordered ? "count(DISTINCT " + col + ")" : "count(DISTINCT CAST(" + col + " AS text))");
            parts.add(ordered ? "CAST(min(" + col + ") AS text)" : "CAST(NULL AS text)");
            parts.add(ordered ? "CAST(max(" + col + ") AS text)" : "CAST(NULL AS text)");
        }
        if (parts.isEmpty()) {
            return List.of();
        }
        QueryResult r = trustedQuery("SELECT " + String.join(", ", parts) + " FROM " + Pg.qualified(table.dataset(), table.table()), 1, timeout);
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
        String groups = "SELECT " + Pg.ident(TableSpec.SOURCE_COLUMN) + ", " + Pg.ident(TableSpec.LOAD_ID_COLUMN) + ", count(*), max("
                + Pg.ident(TableSpec.LOADED_AT_COLUMN) + ") AS loaded_at FROM " + Pg.qualified(table.dataset(), table.table()) + " GROUP BY 1, 2";
        List<LineageSource> sources = readList(groups + " ORDER BY loaded_at DESC, 1, 2 LIMIT ? OFFSET ?", List.of(Math.max(0, limit), Math.max(0, offset)),
                rs -> new LineageSource(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getObject(4, OffsetDateTime.class).toInstant()));
        long total = readList("SELECT count(*) FROM (" + groups + ") g", List.of(), rs -> rs.getLong(1)).stream().findFirst().orElse(0L);
        return new LineagePage(sources, offset, total);
    }

    private TableDetail requireTable(TableId table) {
        return describe(table).orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "table " + table + " does not exist"));
    }

    /** A query Chute builds itself from quoted names: no guard for user SQL, but read-only and with the time limit. */
    private QueryResult trustedQuery(String sql, int maxRows, Duration timeout) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET TRANSACTION READ ONLY");
                s.execute("SET LOCAL statement_timeout = " + Math.max(1, timeout.toMillis()));
                try (ResultSet rs = s.executeQuery(sql)) {
                    return read(rs, maxRows);
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            if (PostgresErrors.state(e).equals("57014")) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "query took longer than the limit of " + timeout.toMillis() + " ms and was cancelled");
            }
            throw PostgresErrors.unavailable("cannot read " + sql, e);
        }
    }

    private <T> List<T> readList(String sql, List<?> params, QueryResults.RowReader<T> reader) {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(reader.read(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            if (PostgresErrors.state(e).equals("42P01")) {
                return List.of();
            }
            throw PostgresErrors.unavailable("cannot read the ledger", e);
        }
    }

    /**
     * Asks PostgreSQL to read the type as a load would write it ({@link PostgresTypes#configured}):
     * the name goes in as a value cast to {@code regtype}, whose input is PostgreSQL's own type-name
     * parser (typmods such as a numeric's precision included), so nothing of it runs as SQL.
     */
    @Override
    public Optional<String> rejectsType(String type) {
        String pgType = PostgresTypes.configured(type);
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT CAST(CAST(? AS text) AS regtype)")) {
            ps.setString(1, pgType);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Optional.empty();
            }
        } catch (SQLException e) {
            if (PostgresErrors.warehouseTrouble(e)) {
                throw PostgresErrors.unavailable("cannot check column type '" + type + "'", e);
            }
            String message = e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
                    ? p.getServerErrorMessage().getMessage() : String.valueOf(e.getMessage());
            return Optional.of(pgType.equals(type.strip().toLowerCase(java.util.Locale.ROOT)) ? message : message + " (as PostgreSQL type '" + pgType + "')");
        }
    }

    @Override
    public void ping() {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        } catch (SQLException e) {
            throw PostgresErrors.unavailable("PostgreSQL at " + describe() + " does not answer", e);
        }
    }

    /**
     * What the reader role can still do that only an administrator can take away: execute the
     * functions the console guard refuses (granted to PUBLIC by default), and write temporary files
     * without limit ({@code temp_file_limit} needs a superuser).
     */
    @Override
    public List<Check> checks() {
        if (console.disabled().isPresent() || settings.readerRole().isEmpty()) {
            return List.of();
        }
        String role = settings.readerRole().get();
        List<Check> found = new ArrayList<>();
        try (Connection c = pool.getConnection()) {
            List<String> functions = console.readerMayExecute(c);
            found.add(new Check(functions.isEmpty(), functions.isEmpty()
                    ? "the reader role " + role + " may execute none of the functions console queries must not call"
                    : "the reader role " + role + " may still execute " + functions.size() + " function(s) that act outside a query"
                            + " (the console guard refuses them; the role should not have them): " + String.join(", ", functions),
                    "as a superuser, run the REVOKE statements of docs/postgres.md (section 'What the reader role can still call')"));
        } catch (SQLException e) {
            found.add(new Check(false, "the reader role's functions", "cannot check them: " + PostgresErrors.firstLine(String.valueOf(e.getMessage()))));
        }
        console.readerSettings().ifPresent(values -> {
            String limit = values.get("temp_file_limit");
            found.add(new Check(!limit.equals("-1"), "the reader role " + role + " has temp_file_limit " + limit + " and work_mem " + values.get("work_mem"),
                    "a console query may fill the database's disk with temporary files: as a superuser, ALTER ROLE " + role
                            + " SET temp_file_limit = '" + settings.queryTempFileLimit() + "'"));
        });
        return found;
    }

    @Override
    public void close() {
        console.close();
        pool.close();
    }
}
