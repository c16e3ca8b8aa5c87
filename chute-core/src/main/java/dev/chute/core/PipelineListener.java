package dev.chute.core;

import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;

/**
 * Told what the pipeline did, for metrics, live views and progress bars. Called from the thread that
 * did it (the pipeline thread, or the caller of a one-shot load); implementations return quickly.
 */
public interface PipelineListener {
    PipelineListener NONE = new PipelineListener() {
    };

    /**
     * A one-shot load ({@code chute load}) found what it will work through: {@code files} files (and
     * arguments that are neither) of {@code bytes} bytes in all; each of them is then reported once,
     * as loaded, duplicate or failed. Called once, before the first of those.
     */
    default void planned(long files, long bytes) {
    }

    /**
     * A file's rows were committed. {@code millis} is the warehouse time of the whole batch the file
     * was committed in (staging, reading, ledger, commit), the same for every file of the batch.
     */
    default void loaded(String key, TableId table, long rows, long bytes, long millis) {
    }

    /** A file's version was already committed; only its archive step ran. */
    default void duplicate(String key) {
    }

    /** A file failed; {@code permanent} means it went to failed/, otherwise it is retried. */
    default void failed(String key, LoadError error, boolean permanent) {
    }
}
