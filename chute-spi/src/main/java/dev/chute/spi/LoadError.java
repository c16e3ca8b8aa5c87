package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Why one file could not be loaded, as precisely as the engine can tell.
 *
 * @param code the kind of failure; retryable or not
 * @param reason a sentence naming the object and what was expected vs found
 * @param line 1-based line of the file where the problem is, when known
 * @param column the column name, when known
 * @param value the offending value, when known
 * @param expected the expected type or shape, when known
 */
public record LoadError(ErrorCode code, String reason, OptionalLong line, Optional<String> column, Optional<String> value,
                        Optional<String> expected) {
    public LoadError {
        requireNonNull(code, "code is null");
        requireNonNull(reason, "reason is null");
        requireNonNull(line, "line is null");
        requireNonNull(column, "column is null");
        requireNonNull(value, "value is null");
        requireNonNull(expected, "expected is null");
    }

    public static LoadError of(ErrorCode code, String reason) {
        return new LoadError(code, reason, OptionalLong.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public static LoadError of(ChuteException e) {
        return of(e.code(), e.getMessage());
    }
}
