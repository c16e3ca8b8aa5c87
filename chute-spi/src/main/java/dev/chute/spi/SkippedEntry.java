package dev.chute.spi;

import static java.util.Objects.requireNonNull;

/**
 * An entry of an area that a listing does not hand out as an object, and why: a symbolic link, a
 * FIFO or a device in a local directory, a temporary or hidden name. It stays where it is; status
 * pages show it so that it does not wait unnoticed.
 *
 * @param key the entry's key, relative to its area
 * @param reason why it is not loaded, such as {@code "symbolic link: not followed"}
 */
public record SkippedEntry(String key, String reason) {
    public SkippedEntry {
        requireNonNull(key, "key is null");
        requireNonNull(reason, "reason is null");
    }
}
