package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/** Per-table totals from the ledger. */
public record TableSummary(TableId table, long files, long rows, long bytes, Optional<Instant> lastLoad) {
    public TableSummary {
        requireNonNull(table, "table is null");
        requireNonNull(lastLoad, "lastLoad is null");
    }
}
