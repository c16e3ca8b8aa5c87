package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.List;

/**
 * The answer to a read-only query. Values are plain Java values: {@code Boolean}, {@code Long},
 * {@code java.math.BigInteger}, {@code java.math.BigDecimal}, {@code Double}, {@code String},
 * {@code java.time.Instant} (timestamps, UTC), {@code java.time.LocalDate},
 * {@code java.time.LocalTime}; SQL NULL is the one place a {@code null} appears.
 */
public record QueryResult(List<Column> columns, List<List<Object>> rows, boolean truncated) {
    public QueryResult {
        columns = List.copyOf(requireNonNull(columns, "columns is null"));
        // rows may hold SQL NULLs, so List.copyOf (which rejects nulls) is not used for them
        rows = Collections.unmodifiableList(requireNonNull(rows, "rows is null"));
    }

    public record Column(String name, String type) {
        public Column {
            requireNonNull(name, "name is null");
            requireNonNull(type, "type is null");
        }
    }
}
