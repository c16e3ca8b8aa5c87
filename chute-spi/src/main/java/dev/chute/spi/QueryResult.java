package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The answer to a read-only query. Values are plain Java values: {@code Boolean}, {@code Long},
 * {@code java.math.BigInteger}, {@code java.math.BigDecimal}, {@code Double}, {@code String},
 * {@code java.time.Instant} (a timestamp with time zone: a point in time),
 * {@code java.time.LocalDateTime} (a timestamp without time zone: it has no offset, and none is
 * added), {@code java.time.LocalDate}, {@code java.time.LocalTime}, {@code java.util.List} (lists and
 * arrays) and {@code java.util.Map} with {@code String} keys (structs, records, maps), whose elements
 * are such values again; SQL NULL is the one place a {@code null} appears. A JSON column's value is
 * its JSON text, a {@code String}.
 *
 * @param truncatedBy the limit that cut the answer short, when the result had more rows than it holds
 */
public record QueryResult(List<Column> columns, List<List<Object>> rows, Optional<Limit> truncatedBy) {
    public QueryResult {
        columns = List.copyOf(requireNonNull(columns, "columns is null"));
        // rows may hold SQL NULLs, so List.copyOf (which rejects nulls) is not used for them
        rows = Collections.unmodifiableList(requireNonNull(rows, "rows is null"));
        requireNonNull(truncatedBy, "truncatedBy is null");
    }

    /** An answer that is whole, or was cut at its row limit. */
    public QueryResult(List<Column> columns, List<List<Object>> rows, boolean truncated) {
        this(columns, rows, truncated ? Optional.of(Limit.ROWS) : Optional.empty());
    }

    /** Whether the result had more rows than this answer holds. */
    public boolean truncated() {
        return truncatedBy.isPresent();
    }

    /** Which bound of a query's answer was reached: its number of rows, or its size in bytes. */
    public enum Limit {
        ROWS, BYTES
    }

    public record Column(String name, String type) {
        public Column {
            requireNonNull(name, "name is null");
            requireNonNull(type, "type is null");
        }
    }
}
