package dev.chute.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.QueryResult;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Console SQL. Queries run on connections that log in as the reader role (not {@code SET ROLE},
 * which a query could undo with {@code set_config('role', ...)}): a role without superuser or
 * file-access rights, with USAGE and SELECT on the warehouse schemas and {@code _chute} only. Each
 * query runs in a read-only transaction with a statement timeout, after {@link PostgresQueryGuard}
 * admitted it as one statement. At start the role is created if missing and granted its rights;
 * when it turns out to be a superuser, console SQL is refused and loading goes on.
 */
final class PostgresConsole implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresConsole.class);
    /** Predefined roles that read or write the server's files or run programs. */
    /** Rows of a console answer fetched per round trip: small enough that query.max_bytes, checked per row, bounds the heap. */
    static final int FETCH_ROWS = 64;
    private static final List<String> FILE_ROLES = List.of("pg_read_server_files", "pg_write_server_files", "pg_execute_server_program");

    private final PostgresSettings settings;
    private final Optional<HikariDataSource> readers;
    private final Optional<String> disabled;

    PostgresConsole(PostgresSettings settings, HikariDataSource main) {
        this.settings = settings;
        Optional<String> reason;
        Optional<HikariDataSource> pool = Optional.empty();
        if (settings.readerRole().isEmpty()) {
            reason = Optional.of("console SQL is switched off (warehouse.console_sql: false)");
        } else {
            String role = settings.readerRole().get();
            try (Connection c = main.getConnection()) {
                Setup setup = setUpRoleRetrying(c, role);
                reason = setup.refusal();
                if (reason.isEmpty()) {
                    pool = Optional.of(PostgresWarehouse.pool(settings.url(), role, setup.password(), 2, "chute-postgres-reader"));
                    reason = checkLogin(pool.get(), role);
                    if (reason.isPresent()) {
                        pool.get().close();
                        pool = Optional.empty();
                    }
                }
            } catch (SQLException e) {
                pool.ifPresent(HikariDataSource::close);
                pool = Optional.empty();
                reason = Optional.of("the reader role " + role + " cannot be set up: " + PostgresErrors.firstLine(String.valueOf(e.getMessage())));
            }
        }
        reason.ifPresent(r -> LOG.warn("console SQL refused: {}", r));
        this.readers = pool;
        this.disabled = reason;
    }

    /** Why console SQL is refused, if it is. */
    Optional<String> disabled() {
        return disabled;
    }

    private record Setup(Optional<String> refusal, Optional<String> password) {
    }

    /**
     * GRANT ... ON ALL TABLES fails with "tuple concurrently updated" when another worker alters one
     * of those tables at the same moment; that passes, so the setup is tried again a few times.
     */
    private Setup setUpRoleRetrying(Connection c, String role) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return setUpRole(c, role);
            } catch (SQLException e) {
                String state = PostgresErrors.state(e);
                if (attempt >= 5 || !(state.equals("XX000") || state.equals("40001") || state.equals("40P01"))) {
                    throw e;
                }
                try {
                    Thread.sleep(100L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private Setup setUpRole(Connection c, String role) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            PostgresLocks.setup(c, PostgresLocks.READER_SETUP_SLOT);
            boolean mayCreateRoles;
            String me;
            try (ResultSet rs = s.executeQuery("SELECT rolsuper OR rolcreaterole, current_user FROM pg_roles WHERE rolname = current_user")) {
                rs.next();
                mayCreateRoles = rs.getBoolean(1);
                me = rs.getString(2);
            }
            Optional<Boolean> superuser = Optional.empty();
            try (PreparedStatement ps = c.prepareStatement("SELECT rolsuper FROM pg_roles WHERE rolname = ?")) {
                ps.setString(1, role);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        superuser = Optional.of(rs.getBoolean(1));
                    }
                }
            }
            if (superuser.orElse(false)) {
                c.rollback();
                return new Setup(Optional.of("the reader role " + role + " is a superuser; expected a role with SELECT on the warehouse schemas only"
                        + " (set warehouse.reader_role to another role)"), Optional.empty());
            }
            Optional<String> password = settings.readerPassword();
            if (superuser.isEmpty()) {
                if (!mayCreateRoles) {
                    c.rollback();
                    return new Setup(Optional.of("the reader role " + role + " does not exist and " + me
                            + " may not create roles; create it by hand (see docs/postgres.md) or grant CREATEROLE"), Optional.empty());
                }
                if (password.isEmpty()) {
                    password = Optional.of(generated());
                }
                s.execute("CREATE ROLE " + Pg.ident(role) + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD "
                        + Pg.literal(password.get()));
            } else if (password.isEmpty()) {
                if (!mayCreateRoles) {
                    c.rollback();
                    return new Setup(Optional.of("the reader role " + role + " exists but no warehouse.reader_password is set and " + me
                            + " may not reset it"), Optional.empty());
                }
                password = Optional.of(generated());
                s.execute("ALTER ROLE " + Pg.ident(role) + " LOGIN PASSWORD " + Pg.literal(password.get()));
            }
            // a member of a superuser role can become it (SET ROLE, set_config('role', ...)), whatever it inherits
            try (PreparedStatement ps = c.prepareStatement("SELECT string_agg(rolname, ', ') FROM pg_roles WHERE rolsuper AND rolname <> ? AND pg_has_role(?, oid, 'MEMBER')")) {
                ps.setString(1, role);
                ps.setString(2, role);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getString(1) != null) {
                        c.rollback();
                        return new Setup(Optional.of("the reader role " + role + " is a member of the superuser role(s) " + rs.getString(1)
                                + "; expected a role with SELECT on the warehouse schemas only"), Optional.empty());
                    }
                }
            }
            for (String fileRole : FILE_ROLES) {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_has_role(?, ?, 'MEMBER')")) {
                    ps.setString(1, role);
                    ps.setString(2, fileRole);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getBoolean(1)) {
                            c.rollback();
                            return new Setup(Optional.of("the reader role " + role + " is a member of " + fileRole
                                    + "; expected a role with SELECT on the warehouse schemas only"), Optional.empty());
                        }
                    }
                }
            }
            if (mayCreateRoles) {
                // backstops should a query ever get past the guard: read-only and bounded by default
                s.execute("ALTER ROLE " + Pg.ident(role) + " SET default_transaction_read_only = on");
                s.execute("ALTER ROLE " + Pg.ident(role) + " SET statement_timeout = " + Pg.literal(settings.queryTimeout().toMillis() + "ms"));
                s.execute("ALTER ROLE " + Pg.ident(role) + " SET work_mem = " + Pg.literal(settings.queryWorkMem()));
            }
            limitTempFiles(c, role);
            revokeDirectGrants(c, role);
            s.execute("GRANT CONNECT ON DATABASE " + Pg.ident(database(c)) + " TO " + Pg.ident(role));
            s.execute("GRANT USAGE ON SCHEMA _chute TO " + Pg.ident(role));
            s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA _chute TO " + Pg.ident(role));
            List<String> schemas = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT nspname FROM pg_namespace WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
                    + " AND nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', '_chute')")) {
                while (rs.next()) {
                    schemas.add(rs.getString(1));
                }
            }
            for (String schema : schemas) {
                grantSchema(c, role, schema);
            }
            c.commit();
            return new Setup(Optional.empty(), password);
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * temp_file_limit can be set only by a superuser (a query spilling a sort to disk could
     * otherwise fill it): set on the role when Chute's user may, else {@code chute doctor} says so.
     */
    private void limitTempFiles(Connection c, String role) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SAVEPOINT chute_temp_file_limit");
            try {
                s.execute("ALTER ROLE " + Pg.ident(role) + " SET temp_file_limit = " + Pg.literal(settings.queryTempFileLimit()));
                s.execute("RELEASE SAVEPOINT chute_temp_file_limit");
            } catch (SQLException e) {
                s.execute("ROLLBACK TO SAVEPOINT chute_temp_file_limit");
            }
        }
    }

    /**
     * The functions the reader role should not execute ({@link PostgresQueryGuard#ROLE_SHOULD_NOT_EXECUTE}, large
     * objects, dblink where installed), with their signatures, as SQL's regprocedure text.
     */
    private static final String DENIED_FUNCTIONS = "SELECT p.oid::regprocedure::text FROM pg_proc p"
            + " WHERE (p.proname = ANY (?) OR p.proname LIKE 'lo\\_%' OR p.proname LIKE 'dblink%')";

    /**
     * Revokes the reader's own EXECUTE grants on the functions the guard refuses. That is all a
     * non-superuser can take away: PostgreSQL grants EXECUTE on them to PUBLIC, and only the
     * functions' owner (the bootstrap superuser) can revoke that, for every role of the database at
     * once. Chute does not: other users of the database may rely on them. {@link #readerMayExecute}
     * lists what the reader can still call, for {@code chute doctor}.
     */
    private static void revokeDirectGrants(Connection c, String role) throws SQLException {
        List<String> granted = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(DENIED_FUNCTIONS.replace("FROM pg_proc p", "FROM pg_proc p, aclexplode(p.proacl) a")
                + " AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ?) AND a.privilege_type = 'EXECUTE'")) {
            ps.setArray(1, c.createArrayOf("text", PostgresQueryGuard.ROLE_SHOULD_NOT_EXECUTE.toArray()));
            ps.setString(2, role);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    granted.add(rs.getString(1));
                }
            }
        }
        if (!granted.isEmpty()) {
            try (Statement s = c.createStatement()) {
                s.execute("REVOKE EXECUTE ON FUNCTION " + String.join(", ", granted) + " FROM " + Pg.ident(role));
            }
        }
    }

    /** The functions the reader role should not execute but may (through PUBLIC's default grant, mostly). */
    List<String> readerMayExecute(Connection c) throws SQLException {
        if (settings.readerRole().isEmpty()) {
            return List.of();
        }
        List<String> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(DENIED_FUNCTIONS + " AND has_function_privilege(?, p.oid, 'EXECUTE') ORDER BY 1")) {
            ps.setArray(1, c.createArrayOf("text", PostgresQueryGuard.ROLE_SHOULD_NOT_EXECUTE.toArray()));
            ps.setString(2, settings.readerRole().get());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        }
        return found;
    }

    /** The reader's own settings as its sessions see them: {@code temp_file_limit}, {@code work_mem}. */
    Optional<java.util.Map<String, String>> readerSettings() {
        if (readers.isEmpty()) {
            return Optional.empty();
        }
        try (Connection c = readers.get().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('temp_file_limit'), current_setting('work_mem')")) {
            rs.next();
            return Optional.of(java.util.Map.of("temp_file_limit", rs.getString(1), "work_mem", rs.getString(2)));
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    private static String database(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Lets the reader read a warehouse schema: what is in it now and the tables Chute's user creates there later. */
    static void grantSchema(Connection c, String role, String schema) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("GRANT USAGE ON SCHEMA " + Pg.ident(schema) + " TO " + Pg.ident(role));
            s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + Pg.ident(schema) + " TO " + Pg.ident(role));
            s.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + Pg.ident(schema) + " GRANT SELECT ON TABLES TO " + Pg.ident(role));
        }
    }

    /** Grants a new warehouse schema to the reader, inside the load's transaction. */
    void schemaCreated(Connection c, String schema) throws SQLException {
        if (readers.isPresent()) {
            grantSchema(c, settings.readerRole().orElseThrow(), schema);
        }
    }

    private static String generated() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Logs in as the reader once and checks who that is: never a superuser. */
    private static Optional<String> checkLogin(HikariDataSource pool, String role) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_user, current_setting('is_superuser')")) {
            rs.next();
            if (!rs.getString(1).equals(role)) {
                return Optional.of("the reader connection logged in as " + rs.getString(1) + "; expected " + role);
            }
            if (rs.getString(2).equals("on")) {
                return Optional.of("the reader connection is a superuser connection; expected a role with SELECT on the warehouse schemas only");
            }
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("cannot log in as the reader role " + role + ": " + PostgresErrors.firstLine(String.valueOf(e.getMessage())));
        }
    }

    QueryResult query(String sql, int maxRows, long maxBytes, Duration timeout) {
        if (disabled.isPresent()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "console SQL is not available: " + disabled.get());
        }
        String statement = PostgresQueryGuard.check(sql);
        Duration limit = timeout.compareTo(settings.queryTimeout()) < 0 ? timeout : settings.queryTimeout();
        try (Connection c = readers.orElseThrow().getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET TRANSACTION READ ONLY");
                s.execute("SET LOCAL statement_timeout = " + Math.max(1, limit.toMillis()));
                // each sort or hash of the query may use this much memory before spilling to disk
                s.execute("SET LOCAL work_mem = " + Pg.literal(settings.queryWorkMem()));
                try (ResultSet rs = s.executeQuery("SELECT current_setting('is_superuser')")) {
                    rs.next();
                    if (rs.getString(1).equals("on")) {
                        throw new ChuteException(ErrorCode.CONFIGURATION, "console SQL refused: the reader connection is a superuser connection");
                    }
                }
                // Rows come FETCH_ROWS at a time, so the answer's bytes (query.max_bytes) bound the heap, not
                // only its rows. The server arms statement_timeout again for each fetch; a query cannot switch
                // it off for later fetches, since the guard refuses set_config and SET is not a SELECT.
                // The driver's own timer covers the first round trip too.
                s.setMaxRows(maxRows + 1);
                s.setFetchSize(FETCH_ROWS);
                s.setQueryTimeout((int) Math.max(1, (limit.toMillis() + 999) / 1000));
                try (ResultSet rs = s.executeQuery(statement)) {
                    return PostgresWarehouse.read(rs, maxRows, maxBytes);
                }
            } catch (SQLException e) {
                String state = PostgresErrors.state(e);
                if (state.equals("57014")) {
                    throw new ChuteException(ErrorCode.CONFIGURATION, "query took longer than the limit of " + limit.toMillis() + " ms and was cancelled");
                }
                if (state.startsWith("08") || state.startsWith("53") || state.isEmpty()) {
                    throw PostgresErrors.unavailable("cannot run query", e);
                }
                // the reader role's privileges and the read-only transaction are the security boundary: what they stop
                // is refused; anything else PostgreSQL reports (a table that does not exist, a type error) is the query's own error
                boolean refused = state.equals("42501") || state.equals("25006");
                throw new ChuteException(refused ? ErrorCode.QUERY_REFUSED : ErrorCode.QUERY_FAILED, PostgresErrors.firstLine(String.valueOf(e.getMessage())));
            } finally {
                rollbackQuietly(c);
            }
        } catch (SQLException e) {
            throw PostgresErrors.unavailable("cannot connect as the reader role", e);
        }
    }

    /**
     * Ends the query's transaction, and releases session-level advisory locks: the one thing a
     * query admitted here can leave behind on the pooled connection (pg_advisory_lock is allowed in
     * a read-only transaction and outlives it; held, it would block Chute's own claims and setup).
     * Settings a query changed are undone by the rollback; temporary tables, PREPARE and cursors
     * cannot be made. Not DISCARD ALL, which would also reset the connection's own settings (time zone).
     */
    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_unlock_all()");
            }
        } catch (SQLException e) {
            // the pool discards a broken connection
        }
    }

    @Override
    public void close() {
        readers.ifPresent(HikariDataSource::close);
    }
}
