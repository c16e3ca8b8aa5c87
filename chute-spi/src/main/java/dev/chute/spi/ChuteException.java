package dev.chute.spi;

import static java.util.Objects.requireNonNull;

/**
 * The one exception type of Chute. Its {@link ErrorCode} tells the engine whether to retry.
 * Messages name the object and say what was expected and what was found.
 */
public class ChuteException extends RuntimeException {
    private final ErrorCode code;

    public ChuteException(ErrorCode code, String message) {
        super(requireNonNull(message, "message is null"));
        this.code = requireNonNull(code, "code is null");
    }

    public ChuteException(ErrorCode code, String message, Throwable cause) {
        super(requireNonNull(message, "message is null"), cause);
        this.code = requireNonNull(code, "code is null");
    }

    public ErrorCode code() {
        return code;
    }

    public boolean retryable() {
        return code.retryable();
    }
}
