package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** Rows of a table that came from one source object, found through the lineage columns. */
public record LineageSource(String key, String loadId, long rows, Instant loadedAt) {
    public LineageSource {
        requireNonNull(key, "key is null");
        requireNonNull(loadId, "loadId is null");
        requireNonNull(loadedAt, "loadedAt is null");
    }
}
