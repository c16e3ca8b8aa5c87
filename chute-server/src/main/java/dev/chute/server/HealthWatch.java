package dev.chute.server;

import static java.util.Objects.requireNonNull;

import dev.chute.core.Chute;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The health {@code /api/health} reports, kept up to date in the background so that answering it
 * never waits for a warehouse or store that does not answer (a PostgreSQL outage made each
 * request wait out the pool's 10 s connection timeout). The warehouse and the store are each
 * probed on a thread of their own every {@code server.health_interval}; a request reads the last
 * results, the time of the last answer, and what the pipeline knows (archive, intake, backlog).
 * A probe still unanswered after an interval counts as an outage, whatever the last one said.
 */
final class HealthWatch implements AutoCloseable {
    private final Chute chute;
    private final List<Probe> probes;
    private volatile boolean closed;

    /** Starts the probes and waits up to an interval (at most two seconds) for their first answers. */
    HealthWatch(Chute chute, Duration interval) {
        this.chute = requireNonNull(chute, "chute is null");
        requireNonNull(interval, "interval is null");
        this.probes = List.of(new Probe("warehouse", interval, chute::probeWarehouse), new Probe("store", interval, chute::probeStore));
        probes.forEach(Probe::start);
        long waitNanos = Math.min(interval.toNanos(), TimeUnit.SECONDS.toNanos(2));
        long until = System.nanoTime() + waitNanos;
        for (Probe p : probes) {
            try {
                p.first.await(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /** Each part's health, at once: the last probes' results and the pipeline's own parts. */
    Map<String, Chute.Health> parts() {
        Map<String, Chute.Health> parts = new LinkedHashMap<>();
        probes.forEach(p -> parts.put(p.name, p.health()));
        parts.putAll(chute.pipelineHealth());
        return parts;
    }

    @Override
    public void close() {
        closed = true;
        // a probe blocked in a driver may not notice the interrupt: its thread is a daemon
        probes.forEach(p -> p.thread.interrupt());
    }

    /** One part, probed in a loop on its own thread. */
    private final class Probe implements Runnable {
        final String name;
        final Duration interval;
        final Supplier<Chute.Health> check;
        final Thread thread;
        final CountDownLatch first = new CountDownLatch(1);
        /** When the probe now running started (System.nanoTime()), or 0 between probes. */
        volatile long runningSince;
        volatile Optional<Chute.Health> last = Optional.empty();
        volatile Optional<Instant> lastAnswer = Optional.empty();

        Probe(String name, Duration interval, Supplier<Chute.Health> check) {
            this.name = name;
            this.interval = interval;
            this.check = check;
            this.thread = new Thread(this, "chute-health-" + name);
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        @Override
        public void run() {
            while (!closed) {
                long started = System.nanoTime();
                runningSince = started == 0 ? 1 : started;
                Chute.Health h;
                try {
                    h = check.get();
                } catch (RuntimeException e) {
                    h = new Chute.Health(false, String.valueOf(e.getMessage()));
                }
                last = Optional.of(h);
                if (h.ok()) {
                    lastAnswer = Optional.of(Instant.now());
                }
                runningSince = 0;
                first.countDown();
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        Chute.Health health() {
            long since = runningSince;
            String answered = lastAnswer.map(t -> "; last answered at " + t).orElse("; no answer since the start");
            if (since != 0 && System.nanoTime() - since > interval.toNanos()) {
                long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
                return new Chute.Health(false, "no answer to the health probe for " + seconds + " s" + answered);
            }
            Optional<Chute.Health> h = last;
            if (h.isEmpty()) {
                return new Chute.Health(false, "not probed yet: the first probe is still running");
            }
            return h.get().ok() ? h.get() : new Chute.Health(false, h.get().detail() + answered);
        }
    }
}
