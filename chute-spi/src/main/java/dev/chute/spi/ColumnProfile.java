package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/** One column's profile: nulls, distinct values (may be approximate), smallest and largest value as text. */
public record ColumnProfile(String name, String type, long nulls, long distinct, Optional<String> min, Optional<String> max) {
    public ColumnProfile {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(min, "min is null");
        requireNonNull(max, "max is null");
    }
}
