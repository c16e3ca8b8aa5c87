package dev.chute.spi;

import java.util.function.Consumer;

/**
 * Pushes {@link ObjectEvent}s about the landing area to the engine: a filesystem watch, bucket
 * notifications, a broker subscription.
 *
 * <p>Lifecycle: the engine calls {@link #start} once, from its start-up thread; the source then
 * calls the sink from threads of its own (which must be named) until {@link #close} returns. The
 * sink is fast and thread-safe. Events are hints: losing one costs latency, not data, since the
 * engine's reconciling listing finds every object anyway.
 */
public interface EventSource extends AutoCloseable {
    String describe();

    void start(Consumer<ObjectEvent> sink);

    /**
     * Tells the source that every event about {@code key} up to now has been handled (committed and
     * archived, or failed), so a broker source may acknowledge them. Called from the engine's
     * archive thread (after a move to the archive) or pipeline thread (after a failure); never
     * concurrently for the same key.
     */
    default void handled(String key) {
    }

    /** What the source has done so far; called from any thread. */
    default EventCounts counts() {
        return EventCounts.NONE;
    }

    @Override
    void close();
}
