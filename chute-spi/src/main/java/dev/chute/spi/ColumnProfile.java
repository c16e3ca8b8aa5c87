package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One column's profile: nulls, distinct values, smallest and largest value as text.
 *
 * @param distinct the number of distinct non-null values: a count when {@code distinctError} is
 *     empty, else the warehouse's estimate (a sketch such as HyperLogLog), which a reader must see
 *     labelled as one, with its error
 * @param distinctError for an estimate, its relative standard error (0.13: about two estimates in
 *     three are within 13% of the count); empty for a count
 */
public record ColumnProfile(String name, String type, long nulls, long distinct, OptionalDouble distinctError, Optional<String> min,
                            Optional<String> max) {
    public ColumnProfile {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(distinctError, "distinctError is null");
        requireNonNull(min, "min is null");
        requireNonNull(max, "max is null");
        if (distinctError.isPresent() && !(distinctError.getAsDouble() > 0)) {
            throw new IllegalArgumentException("an estimate's error must be positive, found " + distinctError.getAsDouble());
        }
    }

    /** Whether {@link #distinct} is a count rather than an estimate. */
    public boolean distinctExact() {
        return distinctError.isEmpty();
    }
}
