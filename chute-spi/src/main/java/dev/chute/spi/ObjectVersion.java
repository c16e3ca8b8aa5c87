package dev.chute.spi;

import static java.util.Objects.requireNonNull;

/**
 * One version of an object: its key plus a checksum of its content. This is the unit of
 * exactly-once: the ledger holds each committed version once. Re-uploading the same bytes under
 * the same key yields the same version (a duplicate); new bytes yield a new version. Modification
 * times, GCS generations and S3 version ids are deliberately not part of it: they change on
 * every re-upload.
 *
 * @param key the object key relative to its landing area
 * @param checksum {@code algorithm:hex} of the content
 * @param size content length in bytes
 */
public record ObjectVersion(String key, String checksum, long size) {
    public ObjectVersion {
        requireNonNull(key, "key is null");
        requireNonNull(checksum, "checksum is null");
        if (!checksum.contains(":")) {
            throw new IllegalArgumentException("checksum must be 'algorithm:hex', found '" + checksum + "' for " + key);
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, found " + size + " for " + key);
        }
    }

    /** A short, stable suffix that tells versions of one key apart (used for archive names). */
    public String shortId() {
        String hex = checksum.substring(checksum.indexOf(':') + 1);
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }
}
