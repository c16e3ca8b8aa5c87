package dev.chute.spi;

/**
 * What went wrong, and whether trying again can help.
 *
 * <p>Retryable codes leave the object where it is (in landing) and the engine retries it with
 * capped exponential backoff. Permanent codes send the object to {@code failed/} with a sidecar
 * that carries the message.
 */
public enum ErrorCode {
    /** The key cannot be mapped to a table (bad dataset or table segment, no route). */
    UNROUTABLE(false),
    /** The content cannot be parsed in the declared or detected format. */
    MALFORMED(false),
    /** The content is not in the expected character encoding. */
    ENCODING(false),
    /** A value does not fit its column's type, and the table does not widen. */
    TYPE_CONFLICT(false),
    /** The file's columns conflict with the table in a way evolution cannot fix. */
    SCHEMA_CONFLICT(false),
    /** More rows were rejected than the table's {@code max_bad_rows} allows. */
    TOO_MANY_BAD_ROWS(false),
    /** The file's format (extension or compression) is not supported. */
    UNSUPPORTED_FORMAT(false),
    /** The object changed while it was being loaded; it is tried again once it is quiet. */
    CHANGED_WHILE_LOADING(true),
    /**
     * Another worker is loading this object version right now (it holds the version's claim in the
     * shared ledger). Tried again shortly: by then the ledger has it (a duplicate, archived) or the
     * other worker gave up and this one loads it. Not recorded as a failure.
     */
    LOADING_ELSEWHERE(true),
    /** The warehouse is unreachable, locked or out of resources. */
    WAREHOUSE_UNAVAILABLE(true),
    /** The object store is unreachable or answered with a transient error. */
    STORE_UNAVAILABLE(true),
    /** The object disappeared between listing and reading (moved or deleted by someone else). */
    OBJECT_GONE(false),
    /** Configuration is invalid. */
    CONFIGURATION(false),
    /**
     * A console query was refused before it ran: it would write, read files or URLs, or is not one
     * read-only statement (the read-only guard's verdict, a matter of security).
     */
    QUERY_REFUSED(false),
    /**
     * The warehouse ran a console query and reported an error in it: a table or column that does not
     * exist, a type mismatch, a syntax error, a division by zero. The query is wrong, not forbidden.
     */
    QUERY_FAILED(false),
    /** A bug or an unexpected state; treated as retryable so nothing is lost. */
    INTERNAL(true);

    private final boolean retryable;

    ErrorCode(boolean retryable) {
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
