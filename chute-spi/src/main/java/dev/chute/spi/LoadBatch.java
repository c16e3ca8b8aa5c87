package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Files bound for one table, loaded in one transaction together with their ledger entries.
 *
 * @param loadId unique id of this load; written to the lineage column and the ledger
 */
public record LoadBatch(String loadId, TableId table, TableSpec spec, List<LoadFile> files) {
    public LoadBatch {
        requireNonNull(loadId, "loadId is null");
        requireNonNull(table, "table is null");
        requireNonNull(spec, "spec is null");
        files = List.copyOf(requireNonNull(files, "files is null"));
        if (files.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one file");
        }
    }

    public long bytes() {
        return files.stream().mapToLong(f -> f.version().size()).sum();
    }
}
