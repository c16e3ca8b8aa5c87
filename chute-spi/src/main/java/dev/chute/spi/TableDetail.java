package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A table's schema and size, as the warehouse has it now. */
public record TableDetail(TableId table, List<QueryResult.Column> columns, long rowCount, boolean lineage) {
    public TableDetail {
        requireNonNull(table, "table is null");
        columns = List.copyOf(requireNonNull(columns, "columns is null"));
    }
}
