package dev.chute.sqs;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.EventSource;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.EventCounts;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.PendingAcks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Bucket notifications from an Amazon SQS queue (or an SQS-compatible server), received with long
 * polling. Several workers may poll the same queue; SQS hides a received message from the others
 * for the visibility timeout.
 *
 * <p>A message is deleted only when every object it names has been handled by the engine
 * (committed and archived, failed, or found absent); until then its visibility timeout is extended
 * so a long load does not make it visible to another worker, for at most
 * {@link SqsSettings#maxHold()}, after which it is made visible again. At most
 * {@link SqsSettings#maxInFlight()} messages are held at once. A payload the store cannot decode is
 * logged and deleted (configure a redrive policy upstream if such messages should be kept). On
 * {@link #close} the messages still held are made visible again after {@code wait_time} plus a
 * second (once the last long poll has surely ended), for another worker or a restart.
 *
 * <p>Threads: {@code chute-sqs-poll} receives and hands events to the sink; {@code chute-sqs-ack}
 * deletes handled messages in batches and extends or releases the held ones; {@link #handled}
 * only queues the deletion.
 */
public final class SqsEventSource implements EventSource {
    private static final Logger log = LoggerFactory.getLogger(SqsEventSource.class);
    /** SQS's largest batch for receive, delete and change-visibility. */
    private static final int BATCH = 10;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final SqsSettings settings;
    private final ObjectStore store;
    private final PendingAcks<Held> pending = new PendingAcks<>();
    private final LinkedBlockingQueue<Held> toDelete = new LinkedBlockingQueue<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong withoutObjects = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong released = new AtomicLong();

    private volatile boolean running;
    /** Received while closing: made visible again by {@link #close}. */
    private final List<Held> late = java.util.Collections.synchronizedList(new ArrayList<>());
    private Consumer<ObjectEvent> sink;
    /** Receives, on the poll thread: closing it ends a long poll at once. */
    private SqsClient receiver;
    /** Deletes and changes visibility, on the ack thread and while closing. */
    private SqsClient client;
    private Thread poller;
    private Thread acker;

    /** A received message: its receipt handle is what delete and change-visibility take. */
    private record Held(String messageId, String receiptHandle) {
    }

    public SqsEventSource(SqsSettings settings, ObjectStore store) {
        this.settings = requireNonNull(settings, "settings is null");
        this.store = requireNonNull(store, "store is null");
    }

    @Override
    public String describe() {
        return "sqs " + settings.queueUrl();
    }

    /**
     * Builds the client, checks that the queue can be read, and starts polling. Fails with
     * {@link ErrorCode#CONFIGURATION} when the queue does not exist or cannot be reached; after a
     * successful start, failed receives are retried with backoff.
     */
    @Override
    public synchronized void start(Consumer<ObjectEvent> sink) {
        requireNonNull(sink, "sink is null");
        if (client != null) {
            throw new IllegalStateException(describe() + " already started");
        }
        this.sink = sink;
        try {
            client = newClient();
            receiver = newClient();
        } catch (SdkException e) {
            closeClients();
            throw new ChuteException(ErrorCode.CONFIGURATION, "cannot set up the SQS client for " + describe() + " (" + SqsSettings.SECTION
                    + ".region, .endpoint): " + e.getMessage(), e);
        }
        try {
            client.getQueueAttributes(r -> r.queueUrl(settings.queueUrl().toString()).attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT));
        } catch (QueueDoesNotExistException e) {
            closeClients();
            throw new ChuteException(ErrorCode.CONFIGURATION, "queue " + settings.queueUrl() + " does not exist (" + SqsSettings.SECTION + ".queue_url)", e);
        } catch (SdkException e) {
            closeClients();
            throw new ChuteException(ErrorCode.CONFIGURATION, "cannot read queue " + settings.queueUrl() + " (" + SqsSettings.SECTION
                    + ".queue_url, .endpoint, .region, credentials): " + e.getMessage(), e);
        }
        running = true;
        poller = new Thread(this::poll, "chute-sqs-poll");
        poller.setDaemon(true);
        poller.start();
        acker = new Thread(this::acknowledge, "chute-sqs-ack");
        acker.setDaemon(true);
        acker.start();
    }

    private SqsClient newClient() {
        SqsClientBuilder builder = SqsClient.builder();
        settings.region().map(Region::of).ifPresent(builder::region);
        settings.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Poll thread: receives while fewer than max_in_flight messages are held. */
    private void poll() {
        long backoffMillis = 500;
        while (running) {
            try {
                if (!pending.awaitBelow(settings.maxInFlight(), Duration.ofSeconds(1))) {
                    continue;
                }
                int room = settings.maxInFlight() - pending.size();
                List<Message> messages = receiver.receiveMessage(r -> r
                        .queueUrl(settings.queueUrl().toString())
                        .maxNumberOfMessages(Math.max(1, Math.min(BATCH, room)))
                        .waitTimeSeconds((int) settings.waitTime().toSeconds())
                        .visibilityTimeout((int) settings.visibilityTimeout().toSeconds())
                        .messageAttributeNames("All")).messages();
                for (Message message : messages) {
                    accept(message);
                }
                backoffMillis = 500;
            } catch (InterruptedException e) {
                return;
            } catch (SdkException | IllegalStateException e) {
                if (!running) {
                    return;
                }
                log.warn("{}: receiving failed, trying again in {} ms: {}", describe(), backoffMillis, e.getMessage());
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException ie) {
                    return;
                }
                backoffMillis = Math.min(MAX_BACKOFF.toMillis(), backoffMillis * 2);
            }
        }
    }

    /** Decodes one message and hands its events to the engine, or settles it at once. Poll thread. */
    private void accept(Message message) {
        Held held = new Held(message.messageId(), message.receiptHandle());
        if (!running) {
            late.add(held);
            return;
        }
        received.incrementAndGet();
        List<ObjectEvent> events;
        try {
            events = store.decodeNotification(message.body().getBytes(StandardCharsets.UTF_8), attributes(message));
        } catch (RuntimeException e) {
            rejected.incrementAndGet();
            log.warn("{}: message {} is not a notification {} can read; deleted so it is not received again: {}",
                    describe(), message.messageId(), store.describe(), e.getMessage());
            toDelete.add(held);
            return;
        }
        Set<String> keys = ObjectEvent.keysOf(events);
        if (keys.isEmpty()) {
            events.forEach(sink);
            withoutObjects.incrementAndGet();
            toDelete.add(held);
            return;
        }
        // remembered before the engine sees the events, so a quick handled() finds it
        pending.add(held, keys);
        events.forEach(sink);
    }

    private static Map<String, String> attributes(Message message) {
        Map<String, String> attributes = new LinkedHashMap<>();
        message.messageAttributes().forEach((name, value) -> {
            if (value.stringValue() != null) {
                attributes.put(name.toLowerCase(Locale.ROOT), value.stringValue());
            }
        });
        return attributes;
    }

    /** Queues the deletion of every message that was waiting only for {@code key}. */
    @Override
    public void handled(String key) {
        toDelete.addAll(pending.handled(key));
    }

    /** Ack thread: deletes handled messages in batches; extends the visibility of held ones, releases those held too long. */
    private void acknowledge() {
        long renewEveryNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(200), settings.visibilityTimeout().toNanos() / 3);
        long nextRenew = System.nanoTime() + renewEveryNanos;
        while (running) {
            try {
                Held first = toDelete.poll(Math.max(1, nextRenew - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (first != null) {
                    List<Held> batch = new ArrayList<>(List.of(first));
                    toDelete.drainTo(batch, BATCH - 1);
                    delete(batch);
                }
                if (System.nanoTime() - nextRenew >= 0) {
                    nextRenew = System.nanoTime() + renewEveryNanos;
                    List<Held> expired = pending.expired(settings.maxHold());
                    for (Held held : expired) {
                        log.warn("{}: message {} waited {} s for its objects; made visible again", describe(), held.messageId(), settings.maxHold().toSeconds());
                    }
                    released.addAndGet(expired.size());
                    changeVisibility(expired, 0);
                    changeVisibility(pending.messages(), (int) settings.visibilityTimeout().toSeconds());
                }
            } catch (InterruptedException e) {
                return;
            } catch (SdkException | IllegalStateException e) {
                if (running) {
                    log.warn("{}: deleting or extending messages failed; they may be received again: {}", describe(), e.getMessage());
                }
            }
        }
    }

    private void delete(List<Held> batch) {
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i)).receiptHandle(batch.get(i).receiptHandle()).build());
        }
        DeleteMessageBatchResponse response = client.deleteMessageBatch(r -> r.queueUrl(settings.queueUrl().toString()).entries(entries));
        acknowledged.addAndGet(response.successful().size());
        response.failed().forEach(f -> log.warn("{}: deleting message {} failed ({}); it may be received again: {}",
                describe(), batch.get(Integer.parseInt(f.id())).messageId(), f.code(), f.message()));
    }

    private void changeVisibility(List<Held> messages, int seconds) {
        for (int from = 0; from < messages.size(); from += BATCH) {
            List<Held> batch = messages.subList(from, Math.min(messages.size(), from + BATCH));
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(Integer.toString(i)).receiptHandle(batch.get(i).receiptHandle()).visibilityTimeout(seconds).build());
            }
            ChangeMessageVisibilityBatchResponse response = client.changeMessageVisibilityBatch(r -> r.queueUrl(settings.queueUrl().toString()).entries(entries));
            response.failed().forEach(f -> log.debug("{}: changing the visibility of message {} failed ({}): {}",
                    describe(), batch.get(Integer.parseInt(f.id())).messageId(), f.code(), f.message()));
        }
    }

    /** What this source has done since it started. */
    @Override
    public EventCounts counts() {
        return new EventCounts(received.get(), acknowledged.get(), withoutObjects.get(), rejected.get(), released.get(), pending.size());
    }

    /**
     * Stops receiving, sends the deletions already queued, and makes the messages still held
     * visible again after {@code wait_time} plus a second. Later {@link #handled} calls do nothing.
     */
    @Override
    public synchronized void close() {
        running = false;
        // first stop receiving (closing the receiver ends a long poll at once), so that nothing made
        // visible below is received again by this worker
        if (receiver != null) {
            receiver.close();
        }
        if (poller != null) {
            poller.interrupt();
            join(poller);
        }
        if (acker != null) {
            acker.interrupt();
            join(acker);
        }
        if (client != null) {
            try {
                List<Held> batch = new ArrayList<>();
                while (toDelete.drainTo(batch, BATCH) > 0) {
                    delete(batch);
                    batch.clear();
                }
                List<Held> release = new ArrayList<>(pending.clear());
                release.addAll(late);
                // the server may still hold the long poll that was running when the receiver closed, and
                // would hand it a message visible at once: visible again once that poll has expired
                changeVisibility(release, (int) settings.waitTime().toSeconds() + 1);
                log.debug("{}: closed; {} message(s) visible again in {} s", describe(), release.size(), settings.waitTime().toSeconds() + 1);
            } catch (SdkException e) {
                log.warn("{}: settling messages while closing failed; they are received again after their visibility timeout: {}", describe(), e.getMessage());
            }
        }
        closeClients();
    }

    private static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeClients() {
        if (receiver != null) {
            receiver.close();
        }
        if (client != null) {
            client.close();
        }
    }
}
