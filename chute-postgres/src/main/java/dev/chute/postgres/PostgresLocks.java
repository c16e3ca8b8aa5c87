package dev.chute.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.TreeSet;

/**
 * Chute's locks between workers: row locks on {@code _chute.locks}, a fixed table of slots that
 * the loading user creates and fills once, and that the reader role may read but not update.
 *
 * <p>Not advisory locks: any role of the database may take any advisory lock
 * ({@code pg_advisory_lock} needs no privilege), so a console query could hold the key a load
 * waits for (issue 12 item 6). A row lock ({@code SELECT ... FOR UPDATE}) needs UPDATE on the
 * table, which the reader never has, and is refused in a read-only transaction anyway.
 *
 * <p>A name (a version, an object key, a schema, a table) maps to one slot of its space; two names
 * that share a slot take turns, which only delays one of them (or, for claims, leaves its file as
 * {@code LOADING_ELSEWHERE} to be looked at again shortly). All locks are transaction-scoped: they
 * go with the transaction's commit or rollback, and with its connection.
 */
final class PostgresLocks {
    /** One space per kind of lock; a transaction takes them in this order, so they cannot deadlock across kinds. */
    enum Space {
        /** Creating {@code _chute} and its tables (slot 0), setting up the reader role (slot 1). */
        SETUP(0, 2),
        /** Object versions being loaded: claimed without waiting. */
        CLAIM(1, 65_536),
        /** Object keys of tables with {@code on_overwrite: replace}: loads of two versions of one key take turns. */
        KEY(2, 4_096),
        /** Creating a schema. */
        SCHEMA(3, 1_024),
        /** Creating or evolving a table. */
        TABLE(4, 4_096);

        final int id;
        final int slots;

        Space(int id, int slots) {
            this.id = id;
            this.slots = slots;
        }

        int slot(String name) {
            // String.hashCode is specified, so every worker maps a name to the same slot; mixed so near-equal names spread
            int h = name.hashCode();
            h ^= h >>> 16;
            h *= 0x85ebca6b;
            h ^= h >>> 13;
            h *= 0xc2b2ae35;
            h ^= h >>> 16;
            return Math.floorMod(h, slots);
        }
    }

    static final int SETUP_SLOT = 0;
    static final int READER_SETUP_SLOT = 1;

    private static final String EXISTS = "SELECT to_regclass('_chute.locks') IS NOT NULL";
    private static final String LOCK = "SELECT 1 FROM _chute.locks WHERE space = ? AND slot = ? FOR UPDATE";

    private PostgresLocks() {
    }

    /** Creates and fills the table of slots if needed; call inside the setup transaction, under the setup lock. */
    static void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS _chute.locks (space smallint NOT NULL, slot integer NOT NULL, PRIMARY KEY (space, slot))");
            long expected = 0;
            StringBuilder values = new StringBuilder();
            for (Space space : Space.values()) {
                expected += space.slots;
                values.append(values.isEmpty() ? "" : ", ").append("(").append(space.id).append(", ").append(space.slots).append(")");
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM _chute.locks")) {
                rs.next();
                if (rs.getLong(1) == expected) {
                    return;
                }
            }
            s.execute("INSERT INTO _chute.locks (space, slot) SELECT v.space, g FROM (VALUES " + values + ") AS v(space, slots),"
                    + " generate_series(0, v.slots - 1) AS g ON CONFLICT DO NOTHING");
        }
    }

    /**
     * Takes the setup lock (waiting): a row lock once the table of slots exists, an advisory lock on
     * the very first start, before it does (no reader role exists yet then).
     */
    static void setup(Connection c, int slot) throws SQLException {
        boolean exists;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(EXISTS)) {
            rs.next();
            exists = rs.getBoolean(1);
        }
        if (exists && lock(c, Space.SETUP, slot, false)) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + PostgresWarehouse.LOCK_SPACE + ", " + slot + ")");
        }
    }

    /** Waits for the lock of {@code name} in {@code space}. */
    static void lock(Connection c, Space space, String name) throws SQLException {
        lock(c, space, space.slot(name), false);
    }

    /** Waits for the locks of all {@code names} in {@code space}, in slot order (so two transactions cannot deadlock on them). */
    static void lockAll(Connection c, Space space, Collection<String> names) throws SQLException {
        TreeSet<Integer> slots = new TreeSet<>();
        names.forEach(n -> slots.add(space.slot(n)));
        for (int slot : slots) {
            lock(c, space, slot, false);
        }
    }

    /** Takes the lock of {@code name} in {@code space} if no other transaction holds it; never waits. */
    static boolean tryLock(Connection c, Space space, String name) throws SQLException {
        return lock(c, space, space.slot(name), true);
    }

    private static boolean lock(Connection c, Space space, int slot, boolean skipLocked) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(skipLocked ? LOCK + " SKIP LOCKED" : LOCK)) {
            ps.setInt(1, space.id);
            ps.setInt(2, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
