package dev.chute.spi;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A bucket-like store with three areas: landing (where producers put files), archive (where
 * committed files go) and failed (where permanently failed files go, each with an
 * {@code .error.json} sidecar).
 *
 * <p>Thread-safety: implementations are called concurrently from the engine's intake, load and
 * archive threads and must be thread-safe. Every method may throw {@link ChuteException}: with
 * {@link ErrorCode#STORE_UNAVAILABLE} for transient trouble, {@link ErrorCode#OBJECT_GONE} when the
 * object does not exist.
 */
public interface ObjectStore extends AutoCloseable {
    /** A short name for logs and status: {@code local:/path}, {@code s3://bucket/prefix}. */
    String describe();

    /**
     * Lists the objects under {@code prefix} (relative to the area; empty for all) and hands each to
     * {@code sink} as it is found, so a large bucket is never held in memory. Directory
     * placeholders are skipped.
     */
    void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink);

    /**
     * Lists as {@link #list(ObjectRef.Area, String, Consumer)} does, and hands the entries that listing
     * leaves out because they are not objects (symbolic links, FIFOs, sockets, devices of a local
     * directory) to {@code skipped}, each with the reason, in the same walk. Stores whose listings
     * hold nothing but objects (buckets) skip nothing: this default lists only.
     */
    default void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink, Consumer<SkippedEntry> skipped) {
        list(area, prefix, sink);
    }

    /** What the store knows about one object, or empty if it does not exist. */
    Optional<ObjectInfo> stat(ObjectRef ref);

    /** Opens the content for reading. The caller closes the stream. */
    InputStream open(ObjectRef ref);

    /**
     * Makes the object's content available as a local file at {@code target} (which does not
     * exist yet) for engines that read files themselves. Local stores hard-link (or copy);
     * remote stores download, streaming, with bounded memory.
     */
    void materialize(ObjectRef ref, Path target);

    /**
     * Moves an object to another area under {@code targetKey}, only if it still is the object
     * described by {@code expected} (its fingerprint), and never over an existing target. Returns
     * false and changes nothing if the target exists. Throws {@link ErrorCode#OBJECT_GONE} if the
     * source is gone, {@link ErrorCode#CHANGED_WHILE_LOADING} if it was rewritten. A move that half
     * happened (copied, not yet deleted) is finished by calling it again.
     */
    boolean move(ObjectInfo expected, ObjectRef.Area targetArea, String targetKey);

    /**
     * Writes an object from a stream, replacing any existing one, atomically: readers see the old
     * object or the whole new one, never a part (a half-written upload is never loaded). Reads at
     * most {@code maxBytes}; a longer stream fails with {@link ErrorCode#CONFIGURATION} and
     * leaves nothing behind. Returns the number of bytes written.
     */
    long write(ObjectRef ref, InputStream content, long maxBytes);

    /**
     * Writes a new object as {@link #write} does, but only where no object exists under the key:
     * returns empty, leaving the existing object alone and nothing else behind, when one does; else
     * the number of bytes written. Uploads use it so that a second upload under a name still in
     * landing never silently replaces the first.
     *
     * <p>This default looks first, so that a known conflict does not send the whole body, then
     * writes with {@link #writeIfAbsent}. Stores whose writes can be conditional (a conditional put)
     * override that; a store that creates atomically some other way (a local file system's hard
     * link) overrides this.
     */
    default java.util.OptionalLong create(ObjectRef ref, InputStream content, long maxBytes) {
        if (stat(ref).isPresent()) {
            return java.util.OptionalLong.empty();
        }
        return writeIfAbsent(ref, content, maxBytes);
    }

    /**
     * The write of {@link #create}, after it looked: empty when an object got the key meanwhile,
     * else the number of bytes written. This default writes unconditionally, so two writers racing
     * for one key in the same instant may both succeed, the later replacing the earlier.
     */
    default java.util.OptionalLong writeIfAbsent(ObjectRef ref, InputStream content, long maxBytes) {
        return java.util.OptionalLong.of(write(ref, content, maxBytes));
    }

    /**
     * Reads a change notification in this store's provider's format (an S3 or MinIO event
     * {@code Records[]} document, the object resource of a GCS CloudEvent or Pub/Sub
     * notification) and returns one event per object it names that lies in this store's landing
     * area, with its landing key; objects elsewhere (another bucket, the archive prefix) are left
     * out. {@code attributes} are the transport's metadata: CloudEvent context attributes
     * ({@code ce-type}, {@code ce-subject}), Pub/Sub message attributes ({@code eventType},
     * {@code bucketId}, {@code objectId}), header names in lower case. Called from event-source
     * threads.
     *
     * @throws ChuteException {@link ErrorCode#UNSUPPORTED_FORMAT} when the payload is not a
     *     notification this store understands, naming what was expected and found
     */
    default List<ObjectEvent> decodeNotification(byte[] body, java.util.Map<String, String> attributes) {
        throw new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, describe() + " has no notification format; its changes are found by watching or listing");
    }

    /**
     * Deletes an object only if it still is the object described by {@code expected} (its
     * fingerprint); returns false and deletes nothing when it changed (a newer upload under the same
     * key) or is gone. Stores with conditional deletes (GCS generations, S3 version ids or
     * {@code If-Match}) make the check and the delete one request; this default checks just before
     * deleting.
     */
    default boolean deleteIf(ObjectInfo expected) {
        Optional<ObjectInfo> now = stat(expected.ref());
        if (now.isEmpty() || !now.get().fingerprint().equals(expected.fingerprint())) {
            return false;
        }
        delete(expected.ref());
        return true;
    }

    /** Writes a small object (a sidecar), replacing any existing one, atomically. */
    void put(ObjectRef ref, byte[] content);

    /** Deletes an object if it exists. Used only for sidecars and retention, never for unloaded data. */
    void delete(ObjectRef ref);

    /** The object's URI for warehouses that read the store directly ({@code gs://bucket/key}), if the store has one. */
    default Optional<java.net.URI> uri(ObjectRef ref) {
        return Optional.empty();
    }

    /**
     * The local directory of an area, when the store is a local filesystem. File watching and
     * retention use it; remote stores return empty.
     */
    default Optional<Path> localRoot(ObjectRef.Area area) {
        return Optional.empty();
    }

    /**
     * The keys among {@code keys} that some process holds open for writing right now, where the store
     * can tell (a local file system on Linux, for processes it may look into); others return none.
     * A file that appeared whole by all other signs is not taken as finished while a writer holds it.
     */
    default java.util.Set<String> beingWritten(ObjectRef.Area area, java.util.Collection<String> keys) {
        return java.util.Set.of();
    }

    @Override
    void close();
}
