package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * What a listing or a stat says about an object, before its content is read.
 *
 * @param ref the object
 * @param size bytes
 * @param lastModified modification time as the store reports it
 * @param fingerprint a store token that changes whenever the object is rewritten (mtime+size+inode
 *     locally, ETag or generation in the cloud); compared before commit to catch files that changed
 *     while they were loaded. It is not the version identity: see {@link ObjectVersion}.
 * @param checksum the content checksum when the store already knows it (GCS crc32c/md5, the ETag of a
 *     single-part S3 upload), in the form {@code algorithm:hex}
 */
public record ObjectInfo(ObjectRef ref, long size, Instant lastModified, String fingerprint, Optional<String> checksum) {
    public ObjectInfo {
        requireNonNull(ref, "ref is null");
        requireNonNull(lastModified, "lastModified is null");
        requireNonNull(fingerprint, "fingerprint is null");
        requireNonNull(checksum, "checksum is null");
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, found " + size + " for " + ref);
        }
    }
}
