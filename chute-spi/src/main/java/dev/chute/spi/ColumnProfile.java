package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * One column's profile: nulls, distinct values, smallest and largest value as text.
 *
 * @param distinct the number of distinct non-null values: exact when {@code distinctExact}, else the
 *     warehouse's estimate (a sketch such as HyperLogLog), which a reader must see labelled as one
 */
public record ColumnProfile(String name, String type, long nulls, long distinct, boolean distinctExact, Optional<String> min, Optional<String> max) {
    public ColumnProfile {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(min, "min is null");
        requireNonNull(max, "max is null");
    }
}
