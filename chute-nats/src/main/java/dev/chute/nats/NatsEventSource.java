package dev.chute.nats;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.EventSource;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.EventCounts;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.PendingAcks;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ConsumerContext;
import io.nats.client.ErrorListener;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamStatusCheckedException;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bucket notifications from a NATS JetStream stream, through a durable pull consumer. Every worker
 * binds the same durable, so the stream is consumed as a work queue: each message goes to one
 * worker at a time, and pulls in small batches spread the messages across workers.
 *
 * <p>A message is acknowledged only when every object it names has been handled by the engine
 * (committed and archived, failed, or found absent); until then its lease is renewed
 * ({@code inProgress}) so a long load does not cause a redelivery, for at most
 * {@link NatsSettings#maxHold()}. A payload the store cannot decode is logged and terminated, so it
 * is never delivered again. At most {@link NatsSettings#maxAckPending()} messages are held at once.
 * On {@link #close} the messages still held are handed back ({@code nak}) for immediate redelivery
 * to another worker, or to this one after a restart.
 *
 * <p>Threads: {@code chute-nats-<durable>} pulls and hands events to the sink;
 * {@code chute-nats-lease} renews leases; {@link #handled} acknowledges on the caller's thread.
 */
public final class NatsEventSource implements EventSource {
    private static final Logger log = LoggerFactory.getLogger(NatsEventSource.class);
    /** Small pulls spread messages over workers; a pull waits this long on the server for messages. */
    private static final int PULL_BATCH = 16;
    private static final Duration PULL_EXPIRES = Duration.ofSeconds(5);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final NatsSettings settings;
    private final ObjectStore store;
    private final PendingAcks<Message> pending = new PendingAcks<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong withoutObjects = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong released = new AtomicLong();

    private volatile boolean running;
    private Consumer<ObjectEvent> sink;
    private Connection connection;
    private ExecutorService clientThreads;
    private Thread puller;
    private ScheduledExecutorService leases;

    public NatsEventSource(NatsSettings settings, ObjectStore store) {
        this.settings = requireNonNull(settings, "settings is null");
        this.store = requireNonNull(store, "store is null");
    }

    @Override
    public String describe() {
        return "nats " + settings.safeUrl() + " stream " + settings.stream() + " durable " + settings.durable();
    }

    /**
     * Connects, makes sure the stream (with {@code create_stream}) and the durable consumer exist,
     * and starts pulling. Fails with {@link ErrorCode#CONFIGURATION} when the server cannot be
     * reached or the stream does not exist; after a successful start, connection losses are healed
     * by reconnecting.
     */
    @Override
    public synchronized void start(Consumer<ObjectEvent> sink) {
        requireNonNull(sink, "sink is null");
        if (connection != null) {
            throw new IllegalStateException(describe() + " already started");
        }
        this.sink = sink;
        AtomicInteger n = new AtomicInteger();
        clientThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "chute-nats-client-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Options options = new Options.Builder()
                .server(settings.url())
                .connectionName("chute")
                .connectionTimeout(Duration.ofSeconds(10))
                .maxReconnects(-1)
                .reconnectWait(Duration.ofSeconds(1))
                .executor(clientThreads)
                .errorListener(new ErrorListener() {
                    @Override
                    public void errorOccurred(Connection conn, String error) {
                        log.warn("{}: server error: {}", describe(), error);
                    }

                    @Override
                    public void exceptionOccurred(Connection conn, Exception exp) {
                        log.debug("{}: {}", describe(), exp.toString());
                    }
                })
                .connectionListener((conn, event) -> {
                    if (event == ConnectionListener.Events.DISCONNECTED || event == ConnectionListener.Events.RECONNECTED) {
                        log.info("{}: {}", describe(), event.name().toLowerCase(Locale.ROOT));
                    }
                })
                .build();
        ConsumerContext consumer;
        try {
            connection = Nats.connect(options);
            JetStreamManagement jsm = connection.jetStreamManagement();
            ensureStream(jsm);
            jsm.addOrUpdateConsumer(settings.stream(), consumerConfiguration());
            consumer = connection.getConsumerContext(settings.stream(), settings.durable());
        } catch (IOException | JetStreamApiException e) {
            closeConnection();
            throw new ChuteException(ErrorCode.CONFIGURATION, "cannot consume " + describe() + " (" + NatsSettings.SECTION + ".url, .stream, .durable): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeConnection();
            throw new ChuteException(ErrorCode.CONFIGURATION, "interrupted while connecting to " + settings.safeUrl(), e);
        } catch (RuntimeException e) {
            closeConnection();
            throw e;
        }
        running = true;
        puller = new Thread(() -> pull(consumer), "chute-nats-" + settings.durable());
        puller.setDaemon(true);
        puller.start();
        leases = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chute-nats-lease");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(200, settings.ackWait().toMillis() / 3);
        leases.scheduleWithFixedDelay(this::renewLeases, every, every, TimeUnit.MILLISECONDS);
    }

    private void ensureStream(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        try {
            jsm.getStreamInfo(settings.stream());
            return;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != 10059 && e.getErrorCode() != 404) {
                throw e;
            }
        }
        if (!settings.createStream()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "stream '" + settings.stream() + "' does not exist on " + settings.safeUrl()
                    + " (" + NatsSettings.SECTION + ".stream); create it, or set create_stream: true for a work-queue stream on the subject");
        }
        try {
            jsm.addStream(StreamConfiguration.builder()
                    .name(settings.stream())
                    .subjects(settings.subject().orElseThrow())
                    .retentionPolicy(RetentionPolicy.WorkQueue)
                    .storageType(StorageType.File)
                    .build());
            log.info("created work-queue stream {} on subject {}", settings.stream(), settings.subject().orElseThrow());
        } catch (JetStreamApiException e) {
            // another worker may have created it just now
            jsm.getStreamInfo(settings.stream());
        }
    }

    private ConsumerConfiguration consumerConfiguration() {
        ConsumerConfiguration.Builder b = ConsumerConfiguration.builder()
                .durable(settings.durable())
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All)
                .ackWait(settings.ackWait())
                .maxAckPending(settings.maxAckPending());
        settings.subject().ifPresent(b::filterSubject);
        return b.build();
    }

    /** The pull loop: asks for messages while fewer than max_ack_pending are held. */
    private void pull(ConsumerContext consumer) {
        long backoffMillis = 500;
        while (running) {
            try {
                if (!pending.awaitBelow(settings.maxAckPending(), Duration.ofSeconds(1))) {
                    continue;
                }
                int room = settings.maxAckPending() - pending.size();
                FetchConsumeOptions options = FetchConsumeOptions.builder()
                        .maxMessages(Math.max(1, Math.min(PULL_BATCH, room)))
                        .expiresIn(PULL_EXPIRES.toMillis())
                        .build();
                try (FetchConsumer fetch = consumer.fetch(options)) {
                    Message message;
                    while ((message = fetch.nextMessage()) != null) {
                        accept(message);
                    }
                }
                backoffMillis = 500;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | JetStreamApiException | JetStreamStatusCheckedException | RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("{}: pulling failed, trying again in {} ms: {}", describe(), backoffMillis, e.toString());
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffMillis = Math.min(MAX_BACKOFF.toMillis(), backoffMillis * 2);
            } catch (Exception e) {
                // closing the fetch: nothing is lost, the next pull starts afresh
                log.debug("{}: closing a pull: {}", describe(), e.toString());
            }
        }
    }

    /** Decodes one message and hands its events to the engine, or settles it at once. Pull thread. */
    private void accept(Message message) {
        if (!running) {
            message.nak();
            return;
        }
        received.incrementAndGet();
        List<ObjectEvent> events;
        try {
            events = store.decodeNotification(message.getData(), attributes(message));
        } catch (RuntimeException e) {
            rejected.incrementAndGet();
            log.warn("{}: message {} on {} is not a notification {} can read; terminated so it is not delivered again: {}",
                    describe(), sequence(message), message.getSubject(), store.describe(), e.getMessage());
            message.term();
            return;
        }
        Set<String> keys = ObjectEvent.keysOf(events);
        if (keys.isEmpty()) {
            events.forEach(sink);
            withoutObjects.incrementAndGet();
            ack(message);
            return;
        }
        // remembered before the engine sees the events, so a quick handled() finds it
        pending.add(message, keys);
        events.forEach(sink);
    }

    private static Map<String, String> attributes(Message message) {
        Map<String, String> attributes = new LinkedHashMap<>();
        if (message.hasHeaders()) {
            for (String name : message.getHeaders().keySet()) {
                String value = message.getHeaders().getFirst(name);
                if (value != null) {
                    attributes.put(name.toLowerCase(Locale.ROOT), value);
                }
            }
        }
        return attributes;
    }

    private static String sequence(Message message) {
        try {
            return "#" + message.metaData().streamSequence();
        } catch (RuntimeException e) {
            return "(no sequence)";
        }
    }

    /** Acknowledges every message that was waiting only for {@code key}. */
    @Override
    public void handled(String key) {
        for (Message message : pending.handled(key)) {
            ack(message);
        }
    }

    private void ack(Message message) {
        try {
            message.ack();
            acknowledged.incrementAndGet();
        } catch (RuntimeException e) {
            // the connection is gone: the server redelivers, and the engine finds the object settled
            log.debug("{}: acknowledging {} failed: {}", describe(), sequence(message), e.toString());
        }
    }

    /** Lease thread: hands back messages held too long, renews the others. */
    private void renewLeases() {
        try {
            for (Message message : pending.expired(settings.maxHold())) {
                released.incrementAndGet();
                log.warn("{}: message {} waited {} for its objects; handed back for redelivery", describe(), sequence(message), settings.maxHold());
                message.nak();
            }
            for (Message message : pending.messages()) {
                message.inProgress();
            }
        } catch (RuntimeException e) {
            log.debug("{}: renewing leases failed: {}", describe(), e.toString());
        }
    }

    /** What this source has done since it started. */
    @Override
    public EventCounts counts() {
        return new EventCounts(received.get(), acknowledged.get(), withoutObjects.get(), rejected.get(), released.get(), pending.size());
    }

    /**
     * Stops pulling and hands the messages still held back to the server ({@code nak}), which
     * redelivers them to another worker or after a restart. Later {@link #handled} calls do nothing.
     */
    @Override
    public synchronized void close() {
        running = false;
        if (leases != null) {
            leases.shutdownNow();
        }
        if (puller != null) {
            puller.interrupt();
            try {
                puller.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Message message : pending.clear()) {
            try {
                message.nak();
            } catch (RuntimeException e) {
                log.debug("{}: handing back {} failed: {}", describe(), sequence(message), e.toString());
            }
        }
        closeConnection();
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.flush(Duration.ofSeconds(2));
            } catch (Exception e) {
                log.debug("{}: flush before close: {}", describe(), e.toString());
            }
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (clientThreads != null) {
            clientThreads.shutdownNow();
        }
    }
}
