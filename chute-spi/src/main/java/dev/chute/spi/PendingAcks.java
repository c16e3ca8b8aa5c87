package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Messages received and not yet acknowledged, each with the landing keys it named. A message is
 * done once every one of its keys has been handled; a key handled once settles every message that
 * named it (duplicate deliveries are all acknowledged together). For broker event sources, whose
 * {@link EventSource#handled} settles messages. Thread-safe: the source's consumer thread adds, the
 * engine's archive and pipeline threads report handled keys, the source's lease thread renews.
 *
 * @param <M> the broker's message (or delivery tag) type
 */
public final class PendingAcks<M> {
    private final LongSupplier nanoClock;
    private final Map<String, List<Entry<M>>> byKey = new HashMap<>();
    private final Set<Entry<M>> entries = new LinkedHashSet<>();

    public PendingAcks() {
        this(System::nanoTime);
    }

    public PendingAcks(LongSupplier nanoClock) {
        this.nanoClock = requireNonNull(nanoClock, "nanoClock is null");
    }

    /** Remembers a message until all of {@code keys} (not empty) are handled. */
    public synchronized void add(M message, Collection<String> keys) {
        requireNonNull(message, "message is null");
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a pending message names at least one key");
        }
        Entry<M> entry = new Entry<>(message, new LinkedHashSet<>(keys), nanoClock.getAsLong());
        entries.add(entry);
        for (String key : entry.keys) {
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(entry);
        }
    }

    /** Marks {@code key} handled and returns the messages that have nothing left to wait for. */
    public synchronized List<M> handled(String key) {
        List<Entry<M>> waiting = byKey.remove(key);
        if (waiting == null) {
            return List.of();
        }
        List<M> done = new ArrayList<>();
        for (Entry<M> entry : waiting) {
            entry.keys.remove(key);
            if (entry.keys.isEmpty() && entries.remove(entry)) {
                done.add(entry.message);
            }
        }
        if (!done.isEmpty()) {
            notifyAll();
        }
        return done;
    }

    /** Forgets and returns the messages held longer than {@code limit}: they go back to the broker. */
    public synchronized List<M> expired(Duration limit) {
        long cutoff = nanoClock.getAsLong() - limit.toNanos();
        List<M> old = new ArrayList<>();
        for (var it = entries.iterator(); it.hasNext(); ) {
            Entry<M> entry = it.next();
            if (entry.sinceNanos - cutoff > 0) {
                // entries are in arrival order: the rest are younger
                break;
            }
            it.remove();
            unindex(entry);
            old.add(entry.message);
        }
        if (!old.isEmpty()) {
            notifyAll();
        }
        return old;
    }

    /** Forgets and returns the messages that satisfy {@code stale} (from a connection that is gone). */
    public synchronized List<M> removeIf(java.util.function.Predicate<M> stale) {
        List<M> removed = new ArrayList<>();
        for (var it = entries.iterator(); it.hasNext(); ) {
            Entry<M> entry = it.next();
            if (stale.test(entry.message)) {
                it.remove();
                unindex(entry);
                removed.add(entry.message);
            }
        }
        if (!removed.isEmpty()) {
            notifyAll();
        }
        return removed;
    }

    /** The messages still waiting, oldest first. */
    public synchronized List<M> messages() {
        return entries.stream().map(e -> e.message).toList();
    }

    /** Forgets and returns every message still waiting. */
    public synchronized List<M> clear() {
        List<M> all = messages();
        entries.clear();
        byKey.clear();
        notifyAll();
        return all;
    }

    public synchronized int size() {
        return entries.size();
    }

    /** Waits up to {@code max} until fewer than {@code limit} messages are waiting; returns whether they are. */
    public synchronized boolean awaitBelow(int limit, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (entries.size() >= limit) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    private void unindex(Entry<M> entry) {
        for (String key : entry.keys) {
            List<Entry<M>> list = byKey.get(key);
            if (list != null) {
                list.remove(entry);
                if (list.isEmpty()) {
                    byKey.remove(key);
                }
            }
        }
    }

    private static final class Entry<M> {
        final M message;
        final Set<String> keys;
        final long sinceNanos;

        Entry(M message, Set<String> keys, long sinceNanos) {
            this.message = message;
            this.keys = keys;
            this.sinceNanos = sinceNanos;
        }
    }
}
