package dev.chute.core;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The bound on console queries ({@code query.max_concurrent}): the API's and the CLI's SQL, dashboard
 * tiles, table samples and profiles, on every warehouse. A query that finds every slot taken waits
 * for one at most {@code query.max_wait}, then is refused as "busy" (HTTP 503), so that a crowd of
 * queries neither piles up in the warehouse beside the loads nor holds request threads for long.
 * Loads never take a slot. Thread-safe.
 */
public final class QuerySlots {
    private final int max;
    private final Duration wait;
    private final Semaphore slots;

    public QuerySlots(int max, Duration wait) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, found " + max);
        }
        this.max = max;
        this.wait = requireNonNull(wait, "wait is null");
        this.slots = new Semaphore(max, true);
    }

    static QuerySlots of(ChuteConfig config) {
        return new QuerySlots(config.get(ChuteConfig.QUERY_MAX_CONCURRENT), config.get(ChuteConfig.QUERY_MAX_WAIT));
    }

    /**
     * Runs {@code query} in a slot, waiting for one at most {@code query.max_wait}.
     *
     * @throws ChuteException {@link ErrorCode#WAREHOUSE_UNAVAILABLE} when no slot came free in time
     */
    public <T> T run(Supplier<T> query) {
        requireNonNull(query, "query is null");
        try {
            if (!slots.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "interrupted while waiting for a query slot", e);
        }
        try {
            return query.get();
        } finally {
            slots.release();
        }
    }

    private ChuteException busy() {
        return new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "busy: " + max + (max == 1 ? " query is" : " queries are")
                + " already running (query.max_concurrent) and none finished within " + wait.toMillis() + " ms; try again in a moment");
    }

    /** How many queries hold a slot now. */
    public int running() {
        return max - slots.availablePermits();
    }

    public int max() {
        return max;
    }
}
