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
import dev.chute.spi.LineageSource;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadError;
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
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
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
import java.util.OptionalLong;

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
    /** Advisory lock key (first half) of Chute's locks: setup, schemas, tables. */
    static final int LOCK_SPACE = 0x43687574;
    /** Advisory locks on object versions being loaded (the first key of the two-key form); apart from {@link #LOCK_SPACE}. */
    static final int CLAIM_LOCK_SPACE = LOCK_SPACE + 1;
    /** Advisory locks on object keys of tables with on_overwrite: replace. */
    static final int KEY_LOCK_SPACE = LOCK_SPACE + 2;

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
            s.execute("SELECT pg_advisory_xact_lock(" + LOCK_SPACE + ", 0)");
            s.execute("CREATE SCHEMA IF NOT EXISTS _chute");
            // The lineage columns' defaults. Declared IMMUTABLE on purpose: COPY plans its column
            // defaults once per statement, and an immutable call with a constant argument is then
            // evaluated once, to the value the load set for this file, instead of once per row (a
            // per-row current_setting() cost a quarter of COPY's time on narrow rows).
            s.execute("CREATE OR REPLACE FUNCTION _chute.lineage(setting text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE"
                    + " AS $$ SELECT current_setting(setting, true) $$");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS _chute.ledger (
                      object_key text NOT NULL, checksum text NOT NULL, table_name text NOT NULL,
                      load_id text NOT NULL, rows bigint NOT NULL, bytes bigint NOT NULL,
                      committed_at timestamptz NOT NULL, duration_ms bigint NOT NULL, superseded boolean NOT NULL DEFAULT false,
                      PRIMARY KEY (object_key, checksum))""");
            s.execute("CREATE INDEX IF NOT EXISTS ledger_load_id ON _chute.ledger (load_id)");
            s.execute("CREATE INDEX IF NOT EXISTS ledger_committed_at ON _chute.ledger (committed_at)");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS _chute.failures (
                      object_key text NOT NULL, checksum text NOT NULL, table_name text, kind text NOT NULL,
                      reason text NOT NULL, line bigint, column_name text, value text, expected text,
                      attempts integer NOT NULL, first_failed_at timestamptz NOT NULL, last_failed_at timestamptz NOT NULL,
                      resolved boolean NOT NULL DEFAULT false,
                      PRIMARY KEY (object_key, checksum))""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS _chute.undone (
                      object_key text NOT NULL, checksum text NOT NULL, table_name text NOT NULL,
                      load_id text NOT NULL, rows bigint NOT NULL, bytes bigint NOT NULL,
                      committed_at timestamptz NOT NULL, duration_ms bigint NOT NULL, undone_at timestamptz NOT NULL,
                      restored_at timestamptz)""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS _chute.rejects (
                      table_name text NOT NULL, object_key text NOT NULL, load_id text NOT NULL, line bigint,
                      column_name text, error text, csv_line text, rejected_at timestamptz NOT NULL)""");
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
        Map<String, List<ObjectVersion>> byKey = new HashMap<>();
        versions.forEach(v -> byKey.computeIfAbsent(v.key(), k -> new ArrayList<>()).add(v));
        Map<ObjectVersion, LedgerEntry> found = new HashMap<>();
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + LEDGER_COLUMNS + " FROM _chute.ledger WHERE object_key = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", byKey.keySet().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    LedgerEntry entry = ledgerEntry(rs);
                    for (ObjectVersion v : byKey.get(entry.key())) {
                        if (v.checksum().equals(entry.checksum())) {
                            found.put(v, entry);
                        }
                    }
                }
            }
            return found;
        } catch (SQLException e) {
            throw PostgresErrors.unavailable("cannot read the ledger", e);
        }
    }

    static final String LEDGER_COLUMNS = "object_key, checksum, table_name, load_id, rows, bytes, committed_at, duration_ms";

    private static LedgerEntry ledgerEntry(ResultSet rs) throws SQLException {
        return new LedgerEntry(rs.getString(1), rs.getString(2), TableId.parse(rs.getString(3)), rs.getString(4), rs.getLong(5),
                rs.getLong(6), rs.getObject(7, OffsetDateTime.class).toInstant(), rs.getLong(8));
    }

    @Override
    public List<FileOutcome> load(LoadBatch batch, FileCheck stillValid) {
        requireNonNull(batch, "batch is null");
        requireNonNull(stillValid, "stillValid is null");
        return new PostgresLoad(this, batch, stillValid).run();
    }

    @Override
    public void recordFailure(FailureRecord f) {
        String sql = """
                INSERT INTO _chute.failures (object_key, checksum, table_name, kind, reason, line, column_name, value, expected,
                                             attempts, first_failed_at, last_failed_at, resolved)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, false)
                ON CONFLICT (object_key, checksum) DO UPDATE SET
                  table_name = excluded.table_name, kind = excluded.kind, reason = excluded.reason, line = excluded.line,
                  column_name = excluded.column_name, value = excluded.value, expected = excluded.expected,
                  attempts = _chute.failures.attempts + 1, last_failed_at = excluded.last_failed_at, resolved = false""";
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            LoadError e = f.error();
            ps.setString(1, f.key());
            ps.setString(2, f.checksum());
            ps.setString(3, f.table().map(TableId::toString).orElse(null));
            ps.setString(4, e.code().name());
            ps.setString(5, noNul(e.reason()));
            if (e.line().isPresent()) {
                ps.setLong(6, e.line().getAsLong());
            } else {
                ps.setNull(6, Types.BIGINT);
            }
            ps.setString(7, e.column().map(PostgresWarehouse::noNul).orElse(null));
            ps.setString(8, e.value().map(PostgresWarehouse::noNul).orElse(null));
            ps.setString(9, e.expected().map(PostgresWarehouse::noNul).orElse(null));
            ps.setObject(10, f.firstFailedAt().atOffset(ZoneOffset.UTC));
            ps.setObject(11, f.lastFailedAt().atOffset(ZoneOffset.UTC));
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
    public QueryResult query(String sql, int maxRows, Duration timeout) {
        return console.query(sql, maxRows, timeout);
    }

    static QueryResult read(ResultSet rs, int maxRows) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<QueryResult.Column> columns = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            columns.add(new QueryResult.Column(md.getColumnLabel(i), md.getColumnTypeName(i)));
        }
        List<List<Object>> rows = new ArrayList<>();
        boolean truncated = false;
        while (rs.next()) {
            if (rows.size() >= maxRows) {
                truncated = true;
                break;
            }
            List<Object> row = new ArrayList<>(n);
            for (int i = 1; i <= n; i++) {
                row.add(value(rs, i, md.getColumnType(i), md.getColumnTypeName(i)));
            }
            rows.add(row);
        }
        return new QueryResult(columns, rows, truncated);
    }

    private static Object value(ResultSet rs, int i, int sqlType, String typeName) throws SQLException {
        if (rs.getObject(i) == null) {
            return null;
        }
        return switch (typeName) {
            case "timestamptz" -> rs.getObject(i, OffsetDateTime.class).toInstant();
            case "timestamp" -> rs.getObject(i, LocalDateTime.class).toInstant(ZoneOffset.UTC);
            case "date" -> rs.getObject(i, java.time.LocalDate.class);
            case "time" -> rs.getObject(i, java.time.LocalTime.class);
            case "bool" -> rs.getBoolean(i);
            case "int2", "int4", "int8", "oid" -> rs.getLong(i);
            case "float4", "float8" -> rs.getDouble(i);
            case "numeric" -> {
                BigDecimal d = rs.getBigDecimal(i);
                yield d.scale() <= 0 && d.precision() > 18 ? d.toBigInteger() : d;
            }
            default -> switch (sqlType) {
                case Types.BIGINT, Types.INTEGER, Types.SMALLINT -> rs.getLong(i);
                case Types.DOUBLE, Types.REAL, Types.FLOAT -> rs.getDouble(i);
                default -> rs.getString(i);
            };
        };
    }

    @Override
    public List<TableSummary> tables() {
        return readList("SELECT table_name, count(*), sum(rows), sum(bytes), max(committed_at) FROM _chute.ledger WHERE NOT superseded"
                + " GROUP BY table_name ORDER BY table_name", List.of(), rs -> new TableSummary(TableId.parse(rs.getString(1)), rs.getLong(2),
                        rs.getLong(3), rs.getLong(4), Optional.ofNullable(rs.getObject(5, OffsetDateTime.class)).map(OffsetDateTime::toInstant)));
    }

    @Override
    public List<LedgerEntry> recentLoads(int limit) {
        return readList("SELECT " + LEDGER_COLUMNS + " FROM _chute.ledger ORDER BY committed_at DESC, object_key LIMIT ?",
                List.of(Math.max(0, limit)), PostgresWarehouse::ledgerEntry);
    }

    @Override
    public List<LedgerEntry> history(String key) {
        return readList("SELECT " + LEDGER_COLUMNS + " FROM _chute.ledger WHERE object_key = ? ORDER BY committed_at DESC",
                List.of(requireNonNull(key, "key is null")), PostgresWarehouse::ledgerEntry);
    }

    @Override
    public Optional<FailureRecord> failure(String key) {
        return failures("object_key = ?", List.of(requireNonNull(key, "key is null"), 1)).stream().findFirst();
    }

    @Override
    public List<FailureRecord> recentFailures(int limit) {
        return failures("true", List.of(Math.max(0, limit)));
    }

    private List<FailureRecord> failures(String condition, List<Object> params) {
        String sql = "SELECT object_key, checksum, table_name, kind, reason, line, column_name, value, expected, attempts, first_failed_at,"
                + " last_failed_at FROM _chute.failures WHERE NOT resolved AND " + condition + " ORDER BY last_failed_at DESC LIMIT ?";
        return readList(sql, params, rs -> {
            long line = rs.getLong(6);
            OptionalLong l = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(line);
            LoadError error = new LoadError(ErrorCode.valueOf(rs.getString(4)), rs.getString(5), l, Optional.ofNullable(rs.getString(7)),
                    Optional.ofNullable(rs.getString(8)), Optional.ofNullable(rs.getString(9)));
            return new FailureRecord(rs.getString(1), rs.getString(2), Optional.ofNullable(rs.getString(3)).map(TableId::parse), error,
                    rs.getInt(10), rs.getObject(11, OffsetDateTime.class).toInstant(), rs.getObject(12, OffsetDateTime.class).toInstant());
        });
    }

    private static final String LOADS = """
            SELECT load_id, table_name, count(*) AS files, sum(rows) AS rows, sum(bytes) AS bytes, min(committed_at) AS committed_at,
                   max(duration_ms) AS duration_ms, CAST(NULL AS timestamptz) AS undone_at, CAST(NULL AS timestamptz) AS restored_at
            FROM _chute.ledger GROUP BY load_id, table_name
            UNION ALL
            SELECT load_id, table_name, count(*), sum(rows), sum(bytes), min(committed_at), max(duration_ms), max(undone_at), max(restored_at)
            FROM _chute.undone GROUP BY load_id, table_name""";

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
        String sql = "SELECT * FROM (" + LOADS + ") l" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY committed_at DESC, load_id LIMIT ?";
        return readList(sql, params, PostgresWarehouse::loadSummary);
    }

    @Override
    public Optional<LoadSummary> load(String loadId) {
        requireNonNull(loadId, "loadId is null");
        return readList("SELECT * FROM (" + LOADS + ") l WHERE load_id = ?", List.of(loadId), PostgresWarehouse::loadSummary).stream().findFirst();
    }

    private static LoadSummary loadSummary(ResultSet rs) throws SQLException {
        return new LoadSummary(rs.getString(1), TableId.parse(rs.getString(2)), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                rs.getObject(6, OffsetDateTime.class).toInstant(), rs.getLong(7),
                Optional.ofNullable(rs.getObject(8, OffsetDateTime.class)).map(OffsetDateTime::toInstant),
                Optional.ofNullable(rs.getObject(9, OffsetDateTime.class)).map(OffsetDateTime::toInstant));
    }

    @Override
    public List<LedgerEntry> loadEntries(String loadId) {
        requireNonNull(loadId, "loadId is null");
        return readList("SELECT " + LEDGER_COLUMNS + " FROM _chute.ledger WHERE load_id = ? UNION ALL SELECT " + LEDGER_COLUMNS
                + " FROM _chute.undone WHERE load_id = ? ORDER BY object_key", List.of(loadId, loadId), PostgresWarehouse::ledgerEntry);
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
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM _chute.ledger WHERE load_id = ? RETURNING " + LEDGER_COLUMNS)) {
                    ps.setString(1, loadId);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            entries.add(ledgerEntry(rs));
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
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO _chute.undone (" + LEDGER_COLUMNS + ", undone_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())")) {
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
        return readList("SELECT date_trunc('minute', committed_at) AS minute, count(*), sum(rows), sum(bytes) FROM _chute.ledger"
                + " WHERE committed_at >= ? GROUP BY minute ORDER BY minute", List.of(since.atOffset(ZoneOffset.UTC)),
                rs -> new ThroughputBucket(rs.getObject(1, OffsetDateTime.class).toInstant(), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
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
    public List<LineageSource> lineage(TableId table, int limit) {
        if (!requireTable(table).lineage()) {
            return List.of();
        }
        String sql = "SELECT " + Pg.ident(TableSpec.SOURCE_COLUMN) + ", " + Pg.ident(TableSpec.LOAD_ID_COLUMN) + ", count(*), max("
                + Pg.ident(TableSpec.LOADED_AT_COLUMN) + ") AS loaded_at FROM " + Pg.qualified(table.dataset(), table.table())
                + " GROUP BY 1, 2 ORDER BY loaded_at DESC, 1 LIMIT ?";
        return readList(sql, List.of(Math.max(0, limit)), rs -> new LineageSource(rs.getString(1), rs.getString(2), rs.getLong(3),
                rs.getObject(4, OffsetDateTime.class).toInstant()));
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

    interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> List<T> readList(String sql, List<?> params, RowReader<T> reader) {
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

    @Override
    public void ping() {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        } catch (SQLException e) {
            throw PostgresErrors.unavailable("PostgreSQL at " + describe() + " does not answer", e);
        }
    }

    @Override
    public void close() {
        console.close();
        pool.close();
    }
}
