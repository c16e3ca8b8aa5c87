package dev.chute.local;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.EventSource;
import dev.chute.spi.ObjectEvent;
import io.methvin.watcher.DirectoryChangeEvent;
import io.methvin.watcher.DirectoryWatcher;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the landing directory recursively. Uses the directory-watcher library, which relies on
 * inotify through the JDK on Linux and on FSEvents (natively, not the JDK's polling) on macOS, so
 * a new file is seen within milliseconds on both.
 */
public final class LocalWatchEventSource implements EventSource {
    private static final Logger log = LoggerFactory.getLogger(LocalWatchEventSource.class);

    private final Path root;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "chute-watch");
        t.setDaemon(true);
        return t;
    });
    /**
     * Directories created while watching, and when: the watch lists a new directory's files once it
     * has registered it, so a file found there may have been written in place before the watch saw
     * any write. Entries older than {@link #NEW_DIRECTORY_NANOS} no longer matter.
     */
    private final java.util.Map<Path, Long> newDirectories = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long NEW_DIRECTORY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
    private DirectoryWatcher watcher;
    private CompletableFuture<Void> running;

    public LocalWatchEventSource(Path root) {
        this.root = requireNonNull(root, "root is null").toAbsolutePath().normalize();
    }

    @Override
    public String describe() {
        return "watch:" + root;
    }

    @Override
    public synchronized void start(Consumer<ObjectEvent> sink) {
        requireNonNull(sink, "sink is null");
        if (watcher != null) {
            throw new IllegalStateException("watch on " + root + " already started");
        }
        try {
            watcher = DirectoryWatcher.builder()
                    .path(root)
                    // the engine fingerprints files itself; hashing every change here would read each file twice
                    .fileHashing(false)
                    .listener(event -> {
                        if (event.eventType() == DirectoryChangeEvent.EventType.OVERFLOW) {
                            log.debug("watch on {} overflowed; asking for a listing", root);
                            sink.accept(ObjectEvent.eventsLost("watch"));
                            return;
                        }
                        Path path = event.path();
                        if (event.isDirectory()) {
                            if (path != null && event.eventType() == DirectoryChangeEvent.EventType.CREATE) {
                                newDirectories.put(path, System.nanoTime());
                            }
                            return;
                        }
                        if (path == null || !path.startsWith(root)) {
                            return;
                        }
                        String key = root.relativize(path).toString().replace(java.io.File.separatorChar, '/');
                        // a modify event means bytes written into the file where it lies (a writer that may not be
                        // done); a file renamed in arrives whole and only ever gets a create event
                        ObjectEvent.Kind kind = switch (event.eventType()) {
                            case DELETE -> ObjectEvent.Kind.DELETED;
                            case MODIFY -> ObjectEvent.Kind.WRITTEN;
                            default -> inNewDirectory(path) ? ObjectEvent.Kind.APPEARED : ObjectEvent.Kind.UPSERTED;
                        };
                        sink.accept(new ObjectEvent(key, kind, Instant.now(), "watch"));
                    })
                    .build();
            running = watcher.watchAsync(executor);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot watch " + root + ": " + e, e);
        }
    }

    private boolean inNewDirectory(Path file) {
        long now = System.nanoTime();
        newDirectories.values().removeIf(created -> now - created > NEW_DIRECTORY_NANOS);
        for (Path dir = file.getParent(); dir != null && dir.startsWith(root); dir = dir.getParent()) {
            if (newDirectories.containsKey(dir)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        try {
            if (watcher != null) {
                watcher.close();
            }
        } catch (IOException e) {
            log.debug("closing watch on {}", root, e);
        } finally {
            executor.shutdownNow();
        }
    }
}
