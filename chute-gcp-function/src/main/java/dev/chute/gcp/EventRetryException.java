package dev.chute.gcp;

/**
 * Thrown by an invocation whose object could not be handled for a reason that may pass (the
 * warehouse or the bucket unavailable, a load still running at the wait limit): the function
 * answers with an error, and Eventarc delivers the event again (when the trigger retries). The
 * object stays in landing meanwhile; nothing was archived or moved to failed.
 */
public final class EventRetryException extends RuntimeException {
    public EventRetryException(String message) {
        super(message);
    }

    public EventRetryException(String message, Throwable cause) {
        super(message, cause);
    }
}
