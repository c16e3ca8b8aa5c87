package dev.chute.gcs;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ObjectEvent;
import java.time.Instant;
import java.util.OptionalLong;

/**
 * What one GCS notification says: which object changed, and how.
 *
 * @param bucket the bucket name
 * @param name the object name (not URL-encoded)
 * @param kind {@link ObjectEvent.Kind#UPSERTED} or {@link ObjectEvent.Kind#DELETED}
 * @param time when the change happened, as the notification says (the time it was decoded if it says nothing)
 * @param format the notification format: {@code cloudevent}, {@code pubsub} or {@code gcf-legacy}
 * @param generation the object generation, when the notification names it
 * @param size the object size in bytes, when the notification has the object resource
 */
public record GcsNotification(String bucket, String name, ObjectEvent.Kind kind, Instant time, String format, OptionalLong generation, OptionalLong size) {
    public GcsNotification {
        requireNonNull(bucket, "bucket is null");
        requireNonNull(name, "name is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(time, "time is null");
        requireNonNull(format, "format is null");
        requireNonNull(generation, "generation is null");
        requireNonNull(size, "size is null");
        if (bucket.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("bucket and object name must not be empty, found bucket '" + bucket + "', name '" + name + "'");
        }
        if (kind == ObjectEvent.Kind.EVENTS_LOST) {
            throw new IllegalArgumentException("a GCS notification names one object; found kind " + kind + " for gs://" + bucket + "/" + name);
        }
    }
}
