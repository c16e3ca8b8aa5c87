package dev.chute.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.chute.core.Json;
import dev.chute.core.PipelineListener;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSummary;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts Slack-compatible messages ({@code {"text": "..."}}) to a webhook when a file fails
 * permanently and when a table has gone longer than its freshness without a load.
 *
 * <p>Failures are coalesced: the first permanent failure opens a window of
 * {@link Options#coalesceWindow()}; when it ends, the failures seen in it go out as one message (the
 * details of a single file, or a count and the first {@value #LISTED_FAILURES} keys). A table is
 * reported stale once, and reported fresh again once it loads; then it can go stale again. After a
 * restart a table that is still stale is reported again.
 *
 * <p>Threads: the {@link PipelineListener} callbacks come from pipeline threads; they only record the
 * failure and never block, throw or do I/O. A daemon timer thread ({@code chute-notifier-timer})
 * ends the coalescing windows and checks freshness every {@link Options#checkInterval()}; a daemon
 * sender thread ({@code chute-notifier-sender}) posts the messages from a queue of
 * {@link Options#queueCapacity()} messages. A message that finds the queue full is dropped and
 * counted ({@link #dropped()}); a post that fails with an I/O error, 429 or 5xx is retried
 * {@link Options#attempts()} times in all with doubling backoff, then logged and dropped
 * ({@link #undelivered()}). {@link #close()} reports the failures of the open window, gives the
 * sender {@link Options#closeGrace()} to deliver what is queued (one attempt each), then stops both
 * threads.
 *
 * <p>The webhook URL is a secret (whoever has it can post), so it is never logged; only its host is.
 */
public final class Notifier implements PipelineListener, AutoCloseable {
    /** How many failed keys a coalesced message lists. */
    public static final int LISTED_FAILURES = 5;
    private static final int MAX_REASON = 500;
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final URI webhook;
    private final Supplier<List<TableSummary>> tables;
    private final Function<TableId, Optional<Duration>> freshness;
    private final Function<String, Optional<TableId>> tableOfKey;
    private final Options options;

    private final HttpClient http;
    private final ScheduledThreadPoolExecutor timer;
    private final Thread sender;
    // sized one over the capacity so that the stop marker always fits
    private final BlockingQueue<Outgoing> queue;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile boolean started;

    private final Object burstLock = new Object();
    private int burstCount;
    private final List<FailedFile> burstFirst = new ArrayList<>();
    private boolean burstOpen;

    // touched only on the timer thread
    private final Set<TableId> stale = new HashSet<>();

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong undelivered = new AtomicLong();

    /**
     * @param webhook an {@code http} or {@code https} URL that accepts Slack's incoming-webhook JSON
     * @param tables the per-table totals ({@code Warehouse::tables}), read once per check
     * @param freshness how long each table may go without a load; empty for a table not watched
     * @param tableOfKey the table a key routes to, named in failure messages; empty when unknown
     * @param options timings and sizes; {@link Options#defaults()} for production
     */
    public Notifier(URI webhook, Supplier<List<TableSummary>> tables, Function<TableId, Optional<Duration>> freshness,
                    Function<String, Optional<TableId>> tableOfKey, Options options) {
        this.webhook = requireNonNull(webhook, "webhook is null");
        this.tables = requireNonNull(tables, "tables is null");
        this.freshness = requireNonNull(freshness, "freshness is null");
        this.tableOfKey = requireNonNull(tableOfKey, "tableOfKey is null");
        this.options = requireNonNull(options, "options is null");
        String scheme = webhook.getScheme() == null ? "" : webhook.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || webhook.getHost() == null) {
            throw new IllegalArgumentException("webhook must be an http:// or https:// URL with a host, found a URL with scheme '"
                    + scheme + "'");
        }
        this.queue = new LinkedBlockingQueue<>(options.queueCapacity() + 1);
        this.http = HttpClient.newBuilder().connectTimeout(options.requestTimeout()).build();
        this.timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "chute-notifier-timer"));
        // a window still open at close is flushed by close itself, not by its delayed task
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.sender = daemon(this::sendLoop, "chute-notifier-sender");
    }

    /** Starts the freshness checks (the first one at once) and the sender. */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("the notifier is closed; it cannot be started again");
        }
        if (started) {
            return;
        }
        started = true;
        sender.start();
        timer.scheduleWithFixedDelay(this::checkFreshness, 0, options.checkInterval().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void failed(String key, LoadError error, boolean permanent) {
        if (!permanent || closed) {
            return;
        }
        try {
            FailedFile file = new FailedFile(key, tableOf(key), error);
            boolean opens;
            synchronized (burstLock) {
                burstCount++;
                if (burstFirst.size() < LISTED_FAILURES) {
                    burstFirst.add(file);
                }
                opens = !burstOpen;
                burstOpen = true;
            }
            if (opens) {
                timer.schedule(this::flushFailures, options.coalesceWindow().toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (RuntimeException e) {
            // the pipeline must not fail because a notification could not be prepared
            log.warn("cannot notify the failure of {}: {}", key, e.toString());
        }
    }

    /** Messages posted successfully. */
    public long delivered() {
        return delivered.get();
    }

    /** Messages dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Messages given up after all attempts, or refused by the webhook. */
    public long undelivered() {
        return undelivered.get();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closing.countDown();
        timer.shutdown();
        try {
            if (!timer.awaitTermination(options.closeGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                timer.shutdownNow();
            }
            flushFailures();
            if (started) {
                if (!queue.offer(Outgoing.STOP)) {
                    sender.interrupt();
                }
                sender.join(options.closeGrace().toMillis());
                if (sender.isAlive()) {
                    log.warn("dropping {} undelivered notifications at close: the webhook at {} did not answer in time",
                            queue.size(), webhook.getHost());
                    sender.interrupt();
                    sender.join(options.closeGrace().toMillis());
                }
            }
        } catch (InterruptedException e) {
            timer.shutdownNow();
            sender.interrupt();
            Thread.currentThread().interrupt();
        } finally {
            http.shutdownNow();
        }
    }

    private Optional<TableId> tableOf(String key) {
        try {
            return tableOfKey.apply(key);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private void flushFailures() {
        int count;
        List<FailedFile> first;
        synchronized (burstLock) {
            count = burstCount;
            first = List.copyOf(burstFirst);
            burstCount = 0;
            burstFirst.clear();
            burstOpen = false;
        }
        if (count == 1) {
            enqueue(singleFailure(first.getFirst()));
        } else if (count > 1) {
            enqueue(manyFailures(count, first));
        }
    }

    private void checkFreshness() {
        List<TableSummary> summaries;
        try {
            summaries = tables.get();
        } catch (RuntimeException e) {
            log.warn("cannot check table freshness, will try again in {}: {}", human(options.checkInterval()), e.toString());
            return;
        }
        Instant now = options.clock().instant();
        Set<TableId> seen = new HashSet<>();
        for (TableSummary summary : summaries) {
            TableId table = summary.table();
            seen.add(table);
            Optional<Duration> allowed;
            try {
                allowed = freshness.apply(table);
            } catch (RuntimeException e) {
                log.warn("cannot tell the freshness of {}: {}", table, e.toString());
                continue;
            }
            if (allowed.isEmpty()) {
                stale.remove(table);
                continue;
            }
            boolean isStale = summary.lastLoad().map(last -> Duration.between(last, now).compareTo(allowed.get()) > 0).orElse(true);
            if (isStale && stale.add(table)) {
                enqueue(staleTable(summary, allowed.get(), now));
            } else if (!isStale && stale.remove(table)) {
                enqueue(freshAgain(summary, now));
            }
        }
        stale.retainAll(seen);
    }

    private void enqueue(String text) {
        if (queue.size() >= options.queueCapacity() || !queue.offer(new Outgoing(text))) {
            dropped.incrementAndGet();
            log.warn("notification queue full ({} messages), dropping: {}", options.queueCapacity(), firstLine(text));
        }
    }

    private void sendLoop() {
        try {
            while (true) {
                Outgoing next = queue.take();
                if (next == Outgoing.STOP) {
                    return;
                }
                deliver(next.text());
            }
        } catch (InterruptedException e) {
            // close() ran out of patience: what is still queued is dropped
        }
    }

    private void deliver(String text) throws InterruptedException {
        String body;
        try {
            body = Json.mapper().writeValueAsString(Map.of("text", text));
        } catch (JsonProcessingException e) {
            undelivered.incrementAndGet();
            log.warn("cannot encode a notification: {}", e.toString());
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(webhook)
                .timeout(options.requestTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        Duration backoff = options.backoff();
        for (int attempt = 1; ; attempt++) {
            String problem;
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    delivered.incrementAndGet();
                    return;
                }
                problem = "HTTP " + status + " " + abbreviate(response.body(), 200);
                if (status != 429 && status / 100 != 5) {
                    undelivered.incrementAndGet();
                    log.warn("the webhook at {} refused a notification ({}), dropping it: {}", webhook.getHost(), problem, firstLine(text));
                    return;
                }
            } catch (IOException e) {
                problem = e.toString();
            }
            // no retries once closing: close() bounds how long it waits
            if (attempt >= options.attempts() || closed) {
                undelivered.incrementAndGet();
                log.warn("cannot post a notification to the webhook at {} after {} attempt{} ({}), dropping it: {}",
                        webhook.getHost(), attempt, attempt == 1 ? "" : "s", problem, firstLine(text));
                return;
            }
            log.debug("posting a notification to {} failed ({}), attempt {} of {}, retrying in {}",
                    webhook.getHost(), problem, attempt, options.attempts(), human(backoff));
            if (closing.await(backoff.toNanos(), TimeUnit.NANOSECONDS)) {
                undelivered.incrementAndGet();
                log.warn("closing, dropping a notification not yet delivered to {}: {}", webhook.getHost(), firstLine(text));
                return;
            }
            backoff = backoff.multipliedBy(2);
        }
    }

    private String singleFailure(FailedFile f) {
        LoadError e = f.error();
        StringBuilder text = new StringBuilder(":x: *Chute: a file failed and was moved to failed/*\n");
        text.append("File: `").append(slack(f.key())).append("`\n");
        f.table().ifPresent(t -> text.append("Table: ").append(t).append('\n'));
        text.append("Error: ").append(e.code()).append(": ").append(slack(abbreviate(e.reason(), MAX_REASON))).append('\n');
        List<String> where = new ArrayList<>();
        e.line().ifPresent(line -> where.add("line " + line));
        e.column().ifPresent(column -> where.add("column `" + slack(column) + "`"));
        e.value().ifPresent(value -> where.add("value `" + slack(abbreviate(value, 100)) + "`"));
        e.expected().ifPresent(expected -> where.add("expected " + slack(expected)));
        if (!where.isEmpty()) {
            text.append("At: ").append(String.join(", ", where)).append('\n');
        }
        return text.toString().stripTrailing();
    }

    private String manyFailures(int count, List<FailedFile> first) {
        StringBuilder text = new StringBuilder(":x: *Chute: ").append(count).append(" files failed in the last ")
                .append(human(options.coalesceWindow())).append("* and were moved to failed/. The first ").append(first.size())
                .append(":\n");
        for (FailedFile f : first) {
            text.append("• `").append(slack(f.key())).append('`');
            f.table().ifPresent(t -> text.append(" (").append(t).append(')'));
            text.append(": ").append(f.error().code()).append(": ").append(slack(abbreviate(f.error().reason(), 200))).append('\n');
        }
        if (count > first.size()) {
            text.append("…and ").append(count - first.size()).append(" more.");
        }
        return text.toString().stripTrailing();
    }

    private static String staleTable(TableSummary summary, Duration allowed, Instant now) {
        String last = summary.lastLoad()
                .map(t -> "last load " + human(Duration.between(t, now)) + " ago (" + t.truncatedTo(ChronoUnit.SECONDS) + ")")
                .orElse("no load yet");
        return ":warning: *Chute: table " + summary.table() + " is stale*: " + last + "; it should load at least every "
                + human(allowed) + ".";
    }

    private static String freshAgain(TableSummary summary, Instant now) {
        Instant last = summary.lastLoad().orElseThrow();
        return ":white_check_mark: *Chute: table " + summary.table() + " is fresh again*: last load "
                + human(Duration.between(last, now)) + " ago (" + last.truncatedTo(ChronoUnit.SECONDS) + ").";
    }

    /** Slack treats {@code &}, {@code <} and {@code >} as control characters in message text. */
    private static String slack(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    /** A duration the way people write it: {@code 45s}, {@code 2h 5m}, {@code 3d 4h}, {@code 250ms}. */
    static String human(Duration d) {
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            return d.toMillis() + "ms";
        }
        long days = d.toDays();
        int hours = d.toHoursPart();
        int minutes = d.toMinutesPart();
        int seconds = d.toSecondsPart();
        if (days > 0) {
            return days + "d" + (hours > 0 ? " " + hours + "h" : "");
        }
        if (hours > 0) {
            return hours + "h" + (minutes > 0 ? " " + minutes + "m" : "");
        }
        if (minutes > 0) {
            return minutes + "m" + (seconds > 0 ? " " + seconds + "s" : "");
        }
        return seconds + "s";
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private record FailedFile(String key, Optional<TableId> table, LoadError error) {
    }

    private record Outgoing(String text) {
        static final Outgoing STOP = new Outgoing("");
    }

    /**
     * Timings and sizes of a {@link Notifier}.
     *
     * @param checkInterval how often freshness is checked
     * @param coalesceWindow how long failures are gathered into one message after the first
     * @param queueCapacity how many messages may wait for the sender; more are dropped
     * @param attempts how many times a message is posted in all before it is dropped
     * @param backoff the wait before the second attempt, doubled for each further one
     * @param requestTimeout how long one post may take, connecting included
     * @param closeGrace how long {@link Notifier#close()} waits for each thread to finish
     * @param clock the time freshness is measured against
     */
    public record Options(Duration checkInterval, Duration coalesceWindow, int queueCapacity, int attempts, Duration backoff,
                          Duration requestTimeout, Duration closeGrace, Clock clock) {
        public Options {
            positive("checkInterval", checkInterval);
            positive("coalesceWindow", coalesceWindow);
            positive("backoff", backoff);
            positive("requestTimeout", requestTimeout);
            positive("closeGrace", closeGrace);
            requireNonNull(clock, "clock is null");
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queueCapacity must be at least 1, found " + queueCapacity);
            }
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1, found " + attempts);
            }
        }

        /** Freshness checked every minute, failures gathered for 30 s, 4 attempts from 1 s, 10 s per post. */
        public static Options defaults() {
            return new Options(Duration.ofMinutes(1), Duration.ofSeconds(30), 100, 4, Duration.ofSeconds(1),
                    Duration.ofSeconds(10), Duration.ofSeconds(2), Clock.systemUTC());
        }

        public Options withCheckInterval(Duration value) {
            return new Options(value, coalesceWindow, queueCapacity, attempts, backoff, requestTimeout, closeGrace, clock);
        }

        public Options withCoalesceWindow(Duration value) {
            return new Options(checkInterval, value, queueCapacity, attempts, backoff, requestTimeout, closeGrace, clock);
        }

        public Options withQueueCapacity(int value) {
            return new Options(checkInterval, coalesceWindow, value, attempts, backoff, requestTimeout, closeGrace, clock);
        }

        public Options withRetries(int attempts, Duration backoff) {
            return new Options(checkInterval, coalesceWindow, queueCapacity, attempts, backoff, requestTimeout, closeGrace, clock);
        }

        public Options withRequestTimeout(Duration value) {
            return new Options(checkInterval, coalesceWindow, queueCapacity, attempts, backoff, value, closeGrace, clock);
        }

        public Options withCloseGrace(Duration value) {
            return new Options(checkInterval, coalesceWindow, queueCapacity, attempts, backoff, requestTimeout, value, clock);
        }

        public Options withClock(Clock value) {
            return new Options(checkInterval, coalesceWindow, queueCapacity, attempts, backoff, requestTimeout, closeGrace, value);
        }

        private static void positive(String name, Duration value) {
            requireNonNull(value, name + " is null");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, found " + value);
            }
        }
    }
}
