package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** One committed object version, as the ledger holds it. */
public record LedgerEntry(String key, String checksum, TableId table, String loadId, long rows, long bytes,
                          Instant committedAt, long durationMillis) {
    public LedgerEntry {
        requireNonNull(key, "key is null");
        requireNonNull(checksum, "checksum is null");
        requireNonNull(table, "table is null");
        requireNonNull(loadId, "loadId is null");
        requireNonNull(committedAt, "committedAt is null");
    }

    public ObjectVersion version() {
        return new ObjectVersion(key, checksum, bytes);
    }
}
