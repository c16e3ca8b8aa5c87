package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * One load (one warehouse transaction into one table) as the load history shows it.
 *
 * @param undoneAt when the load was undone (its rows deleted), empty while it stands
 * @param restoredAt when the undone load's files were moved back to landing, if they were
 */
public record LoadSummary(String loadId, TableId table, long files, long rows, long bytes, Instant committedAt,
                          long durationMillis, Optional<Instant> undoneAt, Optional<Instant> restoredAt) {
    public LoadSummary {
        requireNonNull(loadId, "loadId is null");
        requireNonNull(table, "table is null");
        requireNonNull(committedAt, "committedAt is null");
        requireNonNull(undoneAt, "undoneAt is null");
        requireNonNull(restoredAt, "restoredAt is null");
    }

    public boolean undone() {
        return undoneAt.isPresent();
    }

    /** Which loads {@link Warehouse#loads} returns; every part optional. */
    public record Filter(Optional<TableId> table, Optional<Boolean> undone, Optional<Instant> since, Optional<Instant> until, int limit) {
        public Filter {
            requireNonNull(table, "table is null");
            requireNonNull(undone, "undone is null");
            requireNonNull(since, "since is null");
            requireNonNull(until, "until is null");
            if (limit < 1) {
                throw new IllegalArgumentException("limit must be at least 1, found " + limit);
            }
        }

        public static Filter recent(int limit) {
            return new Filter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), limit);
        }
    }
}
