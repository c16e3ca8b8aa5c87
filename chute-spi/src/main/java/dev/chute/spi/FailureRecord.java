package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * A failed attempt to load an object version, kept for status and the console. A version that
 * later commits (after a replay or once the warehouse is back) is marked resolved.
 */
public record FailureRecord(String key, String checksum, Optional<TableId> table, LoadError error, int attempts,
                            Instant firstFailedAt, Instant lastFailedAt) {
    public FailureRecord {
        requireNonNull(key, "key is null");
        requireNonNull(checksum, "checksum is null");
        requireNonNull(table, "table is null");
        requireNonNull(error, "error is null");
        requireNonNull(firstFailedAt, "firstFailedAt is null");
        requireNonNull(lastFailedAt, "lastFailedAt is null");
    }
}
