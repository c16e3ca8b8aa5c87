package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A hint from an {@link EventSource} that an object may have changed. Events are delivered at least
 * once and may be duplicated, reordered or lost; the engine treats them as hints and always checks
 * the store (and the periodic listing catches whatever no event announced).
 */
public record ObjectEvent(String key, Kind kind, Instant time, String source) {
    public ObjectEvent {
        requireNonNull(key, "key is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(time, "time is null");
        requireNonNull(source, "source is null");
    }

    public enum Kind {
        /** Created, overwritten or modified. */
        UPSERTED,
        /**
         * Bytes were written into the object in place (a file system's modify event), as opposed to
         * the object appearing whole (created by a rename or an atomic upload): a writer may still
         * be adding to it, so the engine archives it only once it has settled. Only sources watching a
         * file system (where {@link ObjectStore#localRoot} is present) send it.
         */
        WRITTEN,
        /**
         * The object appeared where the source could not watch it being made (in a directory created
         * a moment before, which a file system watch lists rather than watches at first): it may
         * have been renamed in whole or be a file still being written, so the engine asks the store
         * whether a writer holds it open.
         */
        APPEARED,
        /** Deleted or moved away. */
        DELETED,
        /**
         * The source lost events (a watch queue overflowed, a subscription was reset): the engine
         * lists the landing area at once. The key is empty.
         */
        EVENTS_LOST
    }

    /** The distinct object keys the events name, in order ({@link Kind#EVENTS_LOST} names none). */
    public static java.util.Set<String> keysOf(java.util.List<ObjectEvent> events) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        for (ObjectEvent event : events) {
            if (event.kind() != Kind.EVENTS_LOST) {
                keys.add(event.key());
            }
        }
        return keys;
    }

    /** Tells the engine that events were lost and it should list landing now. */
    public static ObjectEvent eventsLost(String source) {
        return new ObjectEvent("", Kind.EVENTS_LOST, Instant.now(), source);
    }
}
