package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * What happened to one file of a batch.
 *
 * @param rows rows committed (0 unless {@link Status#COMMITTED})
 * @param rejectedRows rows sent to the rejects table under {@code max_bad_rows}
 */
public record FileOutcome(LoadFile file, Status status, long rows, long rejectedRows, Optional<LoadError> error) {
    public FileOutcome {
        requireNonNull(file, "file is null");
        requireNonNull(status, "status is null");
        requireNonNull(error, "error is null");
        if ((status == Status.FAILED) != error.isPresent()) {
            throw new IllegalArgumentException("a FAILED outcome needs an error and only a FAILED one has one: " + status);
        }
    }

    public static FileOutcome committed(LoadFile file, long rows, long rejectedRows) {
        return new FileOutcome(file, Status.COMMITTED, rows, rejectedRows, Optional.empty());
    }

    public static FileOutcome duplicate(LoadFile file) {
        return new FileOutcome(file, Status.DUPLICATE, 0, 0, Optional.empty());
    }

    public static FileOutcome failed(LoadFile file, LoadError error) {
        return new FileOutcome(file, Status.FAILED, 0, 0, Optional.of(error));
    }

    public enum Status {
        /** Rows and ledger entry committed by this load. */
        COMMITTED,
        /** This version was already in the ledger (loaded before, or by another worker). */
        DUPLICATE,
        /** Not loaded; see the error (retryable or permanent). */
        FAILED
    }
}
