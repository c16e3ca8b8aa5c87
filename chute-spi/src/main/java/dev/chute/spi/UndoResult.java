package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** What undoing a load did: the rows it deleted and the ledger entries it took back. */
public record UndoResult(String loadId, TableId table, long rowsDeleted, List<LedgerEntry> entries) {
    public UndoResult {
        requireNonNull(loadId, "loadId is null");
        requireNonNull(table, "table is null");
        entries = List.copyOf(requireNonNull(entries, "entries is null"));
    }
}
