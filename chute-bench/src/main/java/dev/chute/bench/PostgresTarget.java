package dev.chute.bench;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL server the PostgreSQL benchmarks run against ({@code --postgres}): makes a fresh
 * database per measured run and drops it afterwards, and runs {@code psql} for the baseline.
 *
 * @param url a JDBC URL of a database to connect to for creating others, with {@code user} as a
 *            query parameter; the user needs no password (trust or peer authentication, as on a
 *            benchmark machine) and may create databases
 */
record PostgresTarget(String url, String host, int port, String user) {
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    PostgresTarget {
        requireNonNull(url, "url is null");
        requireNonNull(host, "host is null");
        requireNonNull(user, "user is null");
    }

    /** Parses {@code jdbc:postgresql://host[:port]/db?user=U}. */
    static PostgresTarget parse(String url) {
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("option --postgres: expected jdbc:postgresql://host:port/database?user=NAME, found '" + url + "'");
        }
        URI uri = URI.create(url.substring("jdbc:".length()));
        String user = "postgres";
        if (uri.getQuery() != null) {
            for (String pair : uri.getQuery().split("&")) {
                String[] kv = pair.split("=", 2);
                if (kv.length == 2 && kv[0].equals("user")) {
                    user = kv[1];
                }
            }
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("option --postgres: expected a host in '" + url + "'");
        }
        return new PostgresTarget(url, uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), user);
    }

    /** Why the server cannot be used, or empty when it answers. */
    Optional<String> unavailable() {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("PostgreSQL at " + host + ":" + port + " did not answer (" + e.getMessage() + ")");
        }
    }

    /** A new empty database named {@code chute_bench_<purpose>_<random>}. */
    String createDatabase(String purpose) {
        String name = "chute_bench_" + purpose + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        run(url, "CREATE DATABASE " + name);
        return name;
    }

    void dropDatabase(String name) {
        run(url, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** The {@code warehouse:} section of a chute.yaml that loads into {@code database}. */
    String warehouseYaml(String database) {
        return "warehouse:\n  type: postgres\n  url: " + jdbcUrl(database) + "\n  user: " + user + "\n";
    }

    long queryLong(String database, String sql) {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " in " + database + ": " + e.getMessage(), e);
        }
    }

    /** Name and type of a table's columns, lineage columns left out, in table order. */
    List<String> columnDefinitions(String database, String schema, String table) {
        List<String> columns = new ArrayList<>();
        String sql = "SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema.columns c "
                + "JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name "
                + "WHERE table_schema = '" + schema + "' AND table_name = '" + table + "' AND column_name NOT LIKE '\\_chute\\_%' ORDER BY ordinal_position";
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                columns.add("\"" + rs.getString(1) + "\" " + rs.getString(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the columns of " + schema + "." + table + ": " + e.getMessage(), e);
        }
        return columns;
    }

    /** Runs one statement in {@code database}. */
    void execute(String database, String sql) {
        run(jdbcUrl(database) + "?user=" + user, sql);
    }

    private static void run(String jdbcUrl, String sql) {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database) + "?user=" + user);
    }

    /** The psql client on PATH, if any. */
    static Optional<Path> psql() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "psql");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Runs {@code psql -c COMMAND} against {@code database}; returns its wall time in nanoseconds. */
    long psql(Path psql, String database, String command) {
        ProcessBuilder builder = new ProcessBuilder(psql.toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", Integer.toString(port),
                "-U", user, "-d", database, "-c", command).redirectErrorStream(true);
        long started = System.nanoTime();
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("psql did not finish within 10 minutes: " + command);
            }
            long nanos = System.nanoTime() - started;
            if (process.exitValue() != 0) {
                throw new IllegalStateException("psql exited with " + process.exitValue() + " for " + command + ": " + output.strip());
            }
            return nanos;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + psql + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while psql ran", e);
        }
    }
}
