package dev.chute.sql;

import dev.chute.spi.ErrorCode;
import dev.chute.spi.FailureRecord;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.LoadError;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSummary;
import dev.chute.spi.ThroughputBucket;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;

/**
 * The {@code _chute} schema of a JDBC warehouse: the ledger of committed object versions, the
 * failures, the undone loads and the rejected rows. Its tables, the statements over them and the
 * mappers from their rows are written once here, in SQL that DuckDB and PostgreSQL both read the
 * same way ({@code text} is DuckDB's {@code VARCHAR}); each warehouse binds the parameters and
 * runs them on its own connections.
 */
public final class LedgerSql {
    /** The ledger's columns, in the order {@link #ledgerEntry} reads them. */
    public static final String LEDGER_COLUMNS = "object_key, checksum, table_name, load_id, rows, bytes, committed_at, duration_ms";

    /** The tables of the schema {@code _chute} (which must exist), each created when missing. */
    public static final List<String> CREATE_TABLES = List.of("""
            CREATE TABLE IF NOT EXISTS _chute.ledger (
              object_key text NOT NULL, checksum text NOT NULL, table_name text NOT NULL,
              load_id text NOT NULL, rows bigint NOT NULL, bytes bigint NOT NULL,
              committed_at timestamptz NOT NULL, duration_ms bigint NOT NULL, superseded boolean NOT NULL DEFAULT false,
              PRIMARY KEY (object_key, checksum))""", """
            CREATE TABLE IF NOT EXISTS _chute.failures (
              object_key text NOT NULL, checksum text NOT NULL, table_name text, kind text NOT NULL,
              reason text NOT NULL, line bigint, column_name text, value text, expected text,
              attempts integer NOT NULL, first_failed_at timestamptz NOT NULL, last_failed_at timestamptz NOT NULL,
              resolved boolean NOT NULL DEFAULT false,
              PRIMARY KEY (object_key, checksum))""", """
            CREATE TABLE IF NOT EXISTS _chute.undone (
              object_key text NOT NULL, checksum text NOT NULL, table_name text NOT NULL,
              load_id text NOT NULL, rows bigint NOT NULL, bytes bigint NOT NULL,
              committed_at timestamptz NOT NULL, duration_ms bigint NOT NULL, undone_at timestamptz NOT NULL,
              restored_at timestamptz)""", """
            CREATE TABLE IF NOT EXISTS _chute.rejects (
              table_name text NOT NULL, object_key text NOT NULL, load_id text NOT NULL, line bigint,
              column_name text, error text, csv_line text, rejected_at timestamptz NOT NULL)""");

    /** Row counts per table (not counting superseded versions), read by {@link #tableSummary}. */
    public static final String TABLES = "SELECT table_name, count(*), sum(rows), sum(bytes), max(committed_at) FROM _chute.ledger"
            + " WHERE NOT superseded GROUP BY table_name ORDER BY table_name";

    /**
     * Committed and undone loads, one row per load and table, with the columns {@link #loadSummary}
     * reads; callers select from it as a subquery.
     */
    public static final String LOADS = """
            SELECT load_id, table_name, count(*) AS files, sum(rows) AS rows, sum(bytes) AS bytes, min(committed_at) AS committed_at,
                   max(duration_ms) AS duration_ms, CAST(NULL AS timestamptz) AS undone_at, CAST(NULL AS timestamptz) AS restored_at
            FROM _chute.ledger GROUP BY load_id, table_name
            UNION ALL
            SELECT load_id, table_name, count(*), sum(rows), sum(bytes), min(committed_at), max(duration_ms), max(undone_at), max(restored_at)
            FROM _chute.undone GROUP BY load_id, table_name""";

    /** Records a failure, or counts one more attempt of a known one; parameters bound by {@link #bindFailure}. */
    public static final String RECORD_FAILURE = """
            INSERT INTO _chute.failures (object_key, checksum, table_name, kind, reason, line, column_name, value, expected,
                                         attempts, first_failed_at, last_failed_at, resolved)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, false)
            ON CONFLICT (object_key, checksum) DO UPDATE SET
              table_name = excluded.table_name, kind = excluded.kind, reason = excluded.reason, line = excluded.line,
              column_name = excluded.column_name, value = excluded.value, expected = excluded.expected,
              attempts = _chute.failures.attempts + 1, last_failed_at = excluded.last_failed_at, resolved = false""";

    private LedgerSql() {
    }

    /** How many failures are unresolved (their version has not committed since). */
    public static final String UNRESOLVED_FAILURE_COUNT = "SELECT count(*) FROM _chute.failures WHERE NOT resolved";

    /**
     * The unresolved failures that meet {@code condition}, newest first, read by
     * {@link #failureRecord}; the caller appends the row limit (a number or a parameter).
     */
    public static String failures(String condition) {
        return "SELECT object_key, checksum, table_name, kind, reason, line, column_name, value, expected, attempts, first_failed_at,"
                + " last_failed_at FROM _chute.failures WHERE NOT resolved AND " + condition + " ORDER BY last_failed_at DESC LIMIT ";
    }

    /** Ledger entries per minute since {@code since} (a parameter or a literal), read by {@link #throughputBucket}. */
    public static String throughput(String since) {
        return "SELECT date_trunc('minute', committed_at) AS minute, count(*), sum(rows), sum(bytes) FROM _chute.ledger WHERE committed_at >= "
                + since + " GROUP BY minute ORDER BY minute";
    }

    /**
     * Binds {@link #RECORD_FAILURE}'s parameters from {@code f}; every text taken from the failure
     * passes through {@code text} first (PostgreSQL, for one, cannot store a NUL).
     */
    public static void bindFailure(PreparedStatement ps, FailureRecord f, UnaryOperator<String> text) throws SQLException {
        LoadError e = f.error();
        ps.setString(1, f.key());
        ps.setString(2, f.checksum());
        ps.setString(3, f.table().map(TableId::toString).orElse(null));
        ps.setString(4, e.code().name());
        ps.setString(5, text.apply(e.reason()));
        if (e.line().isPresent()) {
            ps.setLong(6, e.line().getAsLong());
        } else {
            ps.setNull(6, Types.BIGINT);
        }
        ps.setString(7, e.column().map(text).orElse(null));
        ps.setString(8, e.value().map(text).orElse(null));
        ps.setString(9, e.expected().map(text).orElse(null));
        ps.setObject(10, f.firstFailedAt().atOffset(ZoneOffset.UTC));
        ps.setObject(11, f.lastFailedAt().atOffset(ZoneOffset.UTC));
    }

    /** The versions grouped by object key, as {@link #collectCommitted} wants them. */
    public static Map<String, List<ObjectVersion>> byKey(Collection<ObjectVersion> versions) {
        Map<String, List<ObjectVersion>> byKey = new HashMap<>();
        versions.forEach(v -> byKey.computeIfAbsent(v.key(), k -> new ArrayList<>()).add(v));
        return byKey;
    }

    /**
     * Reads ledger rows ({@link #LEDGER_COLUMNS} of some of {@code byKey}'s keys) and puts into
     * {@code found} each entry whose checksum is that of one of the asked versions.
     */
    public static void collectCommitted(ResultSet rs, Map<String, List<ObjectVersion>> byKey, Map<ObjectVersion, LedgerEntry> found)
            throws SQLException {
        while (rs.next()) {
            LedgerEntry entry = ledgerEntry(rs);
            for (ObjectVersion v : byKey.get(entry.key())) {
                if (v.checksum().equals(entry.checksum())) {
                    found.put(v, entry);
                }
            }
        }
    }

    /** A row of {@link #LEDGER_COLUMNS}. */
    public static LedgerEntry ledgerEntry(ResultSet rs) throws SQLException {
        return new LedgerEntry(rs.getString(1), rs.getString(2), TableId.parse(rs.getString(3)), rs.getString(4), rs.getLong(5),
                rs.getLong(6), rs.getObject(7, OffsetDateTime.class).toInstant(), rs.getLong(8));
    }

    /** A row of {@link #failures}. */
    public static FailureRecord failureRecord(ResultSet rs) throws SQLException {
        long line = rs.getLong(6);
        OptionalLong l = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(line);
        LoadError error = new LoadError(ErrorCode.valueOf(rs.getString(4)), rs.getString(5), l, Optional.ofNullable(rs.getString(7)),
                Optional.ofNullable(rs.getString(8)), Optional.ofNullable(rs.getString(9)));
        return new FailureRecord(rs.getString(1), rs.getString(2), Optional.ofNullable(rs.getString(3)).map(TableId::parse), error,
                rs.getInt(10), rs.getObject(11, OffsetDateTime.class).toInstant(), rs.getObject(12, OffsetDateTime.class).toInstant());
    }

    /** A row of {@link #LOADS}. */
    public static LoadSummary loadSummary(ResultSet rs) throws SQLException {
        return new LoadSummary(rs.getString(1), TableId.parse(rs.getString(2)), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                rs.getObject(6, OffsetDateTime.class).toInstant(), rs.getLong(7),
                Optional.ofNullable(rs.getObject(8, OffsetDateTime.class)).map(OffsetDateTime::toInstant),
                Optional.ofNullable(rs.getObject(9, OffsetDateTime.class)).map(OffsetDateTime::toInstant));
    }

    /** A row of {@link #TABLES}. */
    public static TableSummary tableSummary(ResultSet rs) throws SQLException {
        return new TableSummary(TableId.parse(rs.getString(1)), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                Optional.ofNullable(rs.getObject(5, OffsetDateTime.class)).map(OffsetDateTime::toInstant));
    }

    /** A row of {@link #throughput}. */
    public static ThroughputBucket throughputBucket(ResultSet rs) throws SQLException {
        return new ThroughputBucket(rs.getObject(1, OffsetDateTime.class).toInstant(), rs.getLong(2), rs.getLong(3), rs.getLong(4));
    }
}
