package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** Files, rows and bytes committed in one minute. */
public record ThroughputBucket(Instant minute, long files, long rows, long bytes) {
    public ThroughputBucket {
        requireNonNull(minute, "minute is null");
    }
}
