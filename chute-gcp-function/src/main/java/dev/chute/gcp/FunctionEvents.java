package dev.chute.gcp;

import dev.chute.spi.EventCounts;
import dev.chute.spi.EventSource;
import dev.chute.spi.ObjectEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The events of the function's invocations, handed to the pipeline like any other event source, and
 * the pipeline's word that a key is handled (committed and archived, moved to failed, or not in
 * landing), which is what an invocation waits for before it returns.
 *
 * <p>Threads: invocations call {@link #offer} and {@link #whenHandled} from the Functions
 * Framework's request threads; the pipeline calls {@link #handled} from its archive or pipeline
 * thread.
 */
final class FunctionEvents implements EventSource {
    private final Map<String, List<CompletableFuture<Void>>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong handled = new AtomicLong();
    private volatile Consumer<ObjectEvent> sink;

    @Override
    public String describe() {
        return "Cloud Functions CloudEvents";
    }

    @Override
    public void start(Consumer<ObjectEvent> sink) {
        this.sink = sink;
    }

    /**
     * A future completed the next time {@code key} is handled; register it before offering the
     * event, so that the answer cannot slip in between.
     */
    CompletableFuture<Void> whenHandled(String key) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        waiting.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(done);
        return done;
    }

    /** Stops waiting on a future that is no longer needed (the invocation gave up or failed). */
    void forget(String key, CompletableFuture<Void> done) {
        waiting.computeIfPresent(key, (k, list) -> {
            list.remove(done);
            return list.isEmpty() ? null : list;
        });
    }

    void offer(ObjectEvent event) {
        Consumer<ObjectEvent> s = sink;
        if (s == null) {
            throw new IllegalStateException("the function's pipeline is not running");
        }
        received.incrementAndGet();
        s.accept(event);
    }

    @Override
    public void handled(String key) {
        List<CompletableFuture<Void>> done = waiting.remove(key);
        if (done != null) {
            handled.addAndGet(done.size());
            done.forEach(f -> f.complete(null));
        }
    }

    @Override
    public EventCounts counts() {
        return new EventCounts(received.get(), handled.get(), 0, 0, 0, 0);
    }

    @Override
    public void close() {
        sink = null;
    }
}
