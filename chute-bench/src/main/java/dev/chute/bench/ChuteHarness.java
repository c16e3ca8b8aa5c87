package dev.chute.bench;

import static java.util.Objects.requireNonNull;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListener;
import dev.chute.spi.LoadError;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A running in-process Chute on its own home, with a listener that records when each file's rows
 * were committed. The commit time is taken with {@link System#nanoTime()} inside the listener, on
 * the pipeline thread, so how the benchmark thread waits does not change the measured times.
 */
final class ChuteHarness implements AutoCloseable {
    /** One committed file: when (nanoTime), how many rows, and the warehouse's load time of its batch. */
    record Commit(long nanos, long rows, long loadMillis) {
    }

    private final Path home;
    private final Chute chute;
    private final Map<String, Commit> commits = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private final Object signal = new Object();

    private ChuteHarness(Path home, ChuteConfig config) {
        this.home = home;
        this.chute = Chute.open(home, config, true, new PipelineListener() {
            @Override
            public void loaded(String key, TableId table, long rows, long bytes, long millis) {
                long now = System.nanoTime();
                commits.put(key, new Commit(now, rows, millis));
                wake();
            }

            @Override
            public void failed(String key, LoadError error, boolean permanent) {
                failures.put(key, (permanent ? "failed: " : "will be retried: ") + error.reason());
                wake();
            }
        });
    }

    /**
     * Opens Chute with the default configuration on {@code home} and starts the pipeline. The
     * landing directories of {@code tables} are created first so that the watch sees them from the
     * start.
     */
    static ChuteHarness start(Path home, Collection<TableId> tables) {
        return start(home, tables, ChuteConfig.defaults());
    }

    /** As {@link #start(Path, Collection)}, with the given configuration (another warehouse, a shared landing). */
    static ChuteHarness start(Path home, Collection<TableId> tables, ChuteConfig config) {
        requireNonNull(home, "home is null");
        try {
            for (TableId table : tables) {
                Files.createDirectories(landingDir(home, table));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the landing directories under " + home, e);
        }
        ChuteHarness harness = new ChuteHarness(home, config);
        try {
            harness.chute.start();
        } catch (RuntimeException e) {
            harness.close();
            throw e;
        }
        return harness;
    }

    private static Path landingDir(Path home, TableId table) {
        return home.resolve("landing").resolve(table.dataset()).resolve(table.table());
    }

    static String key(TableId table, String fileName) {
        return table.dataset() + "/" + table.table() + "/" + fileName;
    }

    /** Renames a file written outside landing into the table's landing directory; returns its key. */
    String drop(Path file, TableId table) {
        Path target = landingDir(home, table).resolve(file.getFileName());
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + file + " into landing", e);
        }
        return key(table, file.getFileName().toString());
    }

    /** Waits until every key is committed; fails on a file that failed or on the timeout. */
    Map<String, Commit> awaitCommitted(Collection<String> keys, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (signal) {
            while (true) {
                int missing = 0;
                for (String key : keys) {
                    if (!commits.containsKey(key)) {
                        String failure = failures.get(key);
                        if (failure != null) {
                            throw new IllegalStateException("benchmark file " + key + " was not loaded: " + failure);
                        }
                        missing++;
                    }
                }
                if (missing == 0) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("expected " + keys.size() + " files committed within " + timeout + ", found "
                            + (keys.size() - missing) + "; Chute backlog " + chute.pipeline().orElseThrow().backlog());
                }
                try {
                    signal.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for commits", e);
                }
            }
        }
        Map<String, Commit> result = new java.util.LinkedHashMap<>();
        keys.forEach(k -> result.put(k, commits.get(k)));
        return result;
    }

    Commit awaitCommitted(String key, Duration timeout) {
        return awaitCommitted(java.util.List.of(key), timeout).get(key);
    }

    /** Files this instance committed (cheap: for polling while a measurement runs). */
    long committedCount() {
        return commits.size();
    }

    /** Files this instance committed whose key starts with {@code prefix}. */
    long committedCount(String prefix) {
        return commits.keySet().stream().filter(k -> k.startsWith(prefix)).count();
    }

    /** Lists landing now instead of at the next interval. */
    void listNow() {
        chute.pipeline().orElseThrow().reconcileNow();
    }

    /** Files this instance left to another worker that held their version's claim. */
    long loadingElsewhere() {
        return chute.pipeline().orElseThrow().loadingElsewhere();
    }

    /** The first column of the first row of a read-only query, as a number. */
    long queryLong(String sql) {
        QueryResult result = chute.query(sql);
        Object value = result.rows().get(0).get(0);
        return ((Number) value).longValue();
    }

    /** Files that failed at least once (permanently or to be retried), with the last reason. */
    Map<String, String> failures() {
        return Map.copyOf(failures);
    }

    QueryResult query(String sql) {
        return chute.query(sql);
    }

    private void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    @Override
    public void close() {
        chute.close();
    }
}
