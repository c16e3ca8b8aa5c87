package dev.chute.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Json;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * The one-writer rule of a home, made visible: {@code chute up} (and a CLI command that opens the
 * warehouse itself) holds an exclusive lock on {@code <home>/.chute/lock}. A running {@code up}
 * also writes its address to {@code <home>/.chute/server.json}, so other commands talk to it
 * instead of opening the warehouse (DuckDB allows one writer process).
 */
final class HomeLock implements AutoCloseable {
    private final Path home;
    private final FileChannel channel;
    private final FileLock lock;

    private HomeLock(Path home, FileChannel channel, FileLock lock) {
        this.home = home;
        this.channel = channel;
        this.lock = lock;
    }

    static Path stateDir(Path home) {
        return home.resolve(".chute");
    }

    /** Takes the lock, or returns empty if another process holds it. */
    static Optional<HomeLock> tryAcquire(Path home) {
        try {
            Files.createDirectories(stateDir(home));
            ownerOnly(stateDir(home));
            FileChannel channel = FileChannel.open(stateDir(home).resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            return Optional.of(new HomeLock(home, channel, lock));
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "cannot use home directory " + home + ": " + e.getMessage(), e);
        }
    }

    /**
     * Keeps other local users out of {@code .chute} (server.json holds the admin secret, uploads pass
     * through it): rwx for the owner only. A directory someone else owns is left as it is (only its
     * owner may change it, and opening the lock then says whether this user may use the home).
     */
    private static void ownerOnly(Path dir) {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system (its own access rules apply), or not this user's directory
        }
    }

    /** The running instance's address, if one is running on this home. */
    static Optional<RunningInstance> running(Path home) {
        Path file = stateDir(home).resolve("server.json");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Optional<HomeLock> probe = tryAcquire(home);
        if (probe.isPresent()) {
            // a stale file from a process that died: nobody holds the lock
            probe.get().close();
            return Optional.empty();
        }
        try {
            JsonNode node = Json.mapper().readTree(file.toFile());
            return Optional.of(new RunningInstance(node.path("url").asText(), node.path("pid").asLong(),
                    node.hasNonNull("token") ? Optional.of(node.get("token").asText()) : Optional.empty()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    void advertise(String url, Optional<String> token) throws IOException {
        Path file = stateDir(home).resolve("server.json");
        Path temp = file.resolveSibling("server.json.tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        java.util.LinkedHashMap<String, Object> body = new java.util.LinkedHashMap<>(Map.of("url", url, "pid", ProcessHandle.current().pid()));
        token.ifPresent(t -> body.put("token", t));
        Files.write(temp, Json.mapper().writeValueAsBytes(body));
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    void withdraw() {
        try {
            Files.deleteIfExists(stateDir(home).resolve("server.json"));
        } catch (IOException e) {
            // the next start overwrites it; a reader that finds it checks the lock first
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // released by the OS when the process ends anyway
        }
    }

    record RunningInstance(String url, long pid, Optional<String> token) {
    }
}
