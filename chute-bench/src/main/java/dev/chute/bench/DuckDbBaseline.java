package dev.chute.bench;

import static java.util.Objects.requireNonNull;

import dev.chute.core.Checksums;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The baselines, straight on DuckDB JDBC with a fresh database file: what Chute is measured against.
 * <ul>
 *   <li>{@link #createTableAs}: the fastest way DuckDB loads one CSV file, a single
 *   {@code CREATE TABLE AS SELECT * FROM read_csv(...)} with DuckDB's own type detection.</li>
 *   <li>{@link #loadOne}: a per-file loader, one file per transaction: hash the file, insert its
 *   rows, insert one ledger row, commit. This is the one-file-one-load design Chute replaced.</li>
 * </ul>
 */
final class DuckDbBaseline implements AutoCloseable {
    private final Connection connection;
    private PreparedStatement ledgerInsert;
    private boolean tableCreated;
    private long loads;

    private DuckDbBaseline(Connection connection) {
        this.connection = connection;
    }

    static DuckDbBaseline open(Path databaseFile) {
        requireNonNull(databaseFile, "databaseFile is null");
        try {
            Files.createDirectories(databaseFile.getParent());
            return new DuckDbBaseline(DriverManager.getConnection("jdbc:duckdb:" + databaseFile.toAbsolutePath()));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the baseline DuckDB file " + databaseFile + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code CREATE TABLE table AS SELECT * FROM read_csv(file)} in autocommit; returns the rows loaded. */
    long createTableAs(String table, Path csv) {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE " + table + " AS SELECT * FROM read_csv(" + literal(csv) + ")");
            return count(s, table);
        } catch (SQLException e) {
            throw new IllegalStateException("baseline CREATE TABLE AS of " + csv + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Loads one file in its own transaction the per-file way and returns its rows. The first call
     * creates the table from the file's detected columns and a ledger shaped like Chute's.
     */
    long loadOne(String table, Path csv, String key) {
        try {
            String checksum = Checksums.of(Files.newInputStream(csv), csv.toString());
            connection.setAutoCommit(false);
            try (Statement s = connection.createStatement()) {
                if (!tableCreated) {
                    s.execute("CREATE SCHEMA IF NOT EXISTS baseline");
                    s.execute("CREATE TABLE IF NOT EXISTS baseline.ledger (object_key VARCHAR NOT NULL, checksum VARCHAR NOT NULL,"
                            + " table_name VARCHAR NOT NULL, load_id VARCHAR NOT NULL, rows BIGINT NOT NULL, bytes BIGINT NOT NULL,"
                            + " committed_at TIMESTAMPTZ NOT NULL, duration_ms BIGINT NOT NULL, PRIMARY KEY (object_key, checksum))");
                    s.execute("CREATE TABLE IF NOT EXISTS " + table + " AS SELECT * FROM read_csv(" + literal(csv) + ") LIMIT 0");
                    ledgerInsert = connection.prepareStatement("INSERT INTO baseline.ledger VALUES (?, ?, ?, ?, ?, ?, current_timestamp, 0)");
                    tableCreated = true;
                }
                long rows = s.executeUpdate("INSERT INTO " + table + " SELECT * FROM read_csv(" + literal(csv) + ")");
                ledgerInsert.setString(1, key);
                ledgerInsert.setString(2, checksum);
                ledgerInsert.setString(3, table);
                ledgerInsert.setString(4, "B" + (++loads));
                ledgerInsert.setLong(5, rows);
                ledgerInsert.setLong(6, Files.size(csv));
                ledgerInsert.executeUpdate();
                connection.commit();
                return rows;
            }
        } catch (SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the load failed already; the benchmark stops with the first error
            }
            throw new IllegalStateException("baseline load of " + csv + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                connection.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the connection is closed with the baseline
            }
        }
    }

    long count(String table) {
        try (Statement s = connection.createStatement()) {
            return count(s, table);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count " + table + ": " + e.getMessage(), e);
        }
    }

    /** Runs a query and returns the first column of its first row as text. */
    String queryString(String sql) {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("baseline query failed: " + sql + ": " + e.getMessage(), e);
        }
    }

    /** Runs a statement and returns how long it took in nanoseconds. */
    long time(String sql) {
        try (Statement s = connection.createStatement()) {
            long started = System.nanoTime();
            if (s.execute(sql)) {
                try (ResultSet rs = s.getResultSet()) {
                    while (rs.next()) {
                        rs.getObject(1);
                    }
                }
            }
            return System.nanoTime() - started;
        } catch (SQLException e) {
            throw new IllegalStateException("baseline statement failed: " + sql + ": " + e.getMessage(), e);
        }
    }

    private static long count(Statement s, String table) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String literal(Path path) {
        return "'" + path.toAbsolutePath().toString().replace("'", "''") + "'";
    }

    @Override
    public void close() {
        try {
            if (ledgerInsert != null) {
                ledgerInsert.close();
            }
            connection.close();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot close the baseline DuckDB connection: " + e.getMessage(), e);
        }
    }
}
