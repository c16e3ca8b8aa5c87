package dev.chute.postgres;

import dev.chute.spi.FileFormat;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadFile;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * A database of its own on the real PostgreSQL (127.0.0.1:5432, user postgres), and a reader role
 * name of its own, both dropped at the end, so test classes can run side by side.
 */
final class PgTestDatabase implements AutoCloseable {
    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    final String name = "chute_pg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    final String reader = "chute_reader_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    final String url = SERVER + name;

    PgTestDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
    }

    PostgresSettings settings() {
        return new PostgresSettings(url, "postgres", Optional.empty(), 4, Optional.of(reader), Optional.empty(), Duration.ofSeconds(60));
    }

    PostgresWarehouse open(Path stage) {
        return PostgresWarehouse.open(settings(), stage);
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, "postgres", "");
    }

    Object scalar(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1);
        }
    }

    long count(String sql) throws SQLException {
        return ((Number) scalar(sql)).longValue();
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            s.execute("DROP ROLE IF EXISTS " + reader);
        }
    }

    /** Writes a staged file and describes it as the engine would: key, sha256 checksum, size, format from the name. */
    static LoadFile stage(Path stage, String key, byte[] content) throws IOException {
        Files.createDirectories(stage);
        String name = key.substring(key.lastIndexOf('/') + 1);
        Path file = Files.createTempFile(stage, "f", "-" + name);
        Files.write(file, content);
        return new LoadFile(new ObjectVersion(key, sha256(content), content.length), file,
                FileFormat.fromFileName(name.toLowerCase(Locale.ROOT)).orElseThrow());
    }

    static LoadFile stage(Path stage, String key, String content) throws IOException {
        return stage(stage, key, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static LoadBatch batch(String table, TableSpec spec, LoadFile... files) {
        return new LoadBatch("load-" + UUID.randomUUID(), TableId.parse(table), spec, List.of(files));
    }
}
