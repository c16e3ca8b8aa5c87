package dev.chute.amqp;

import static java.util.Objects.requireNonNull;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Delivery;
import com.rabbitmq.client.ShutdownSignalException;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.EventSource;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.EventCounts;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.PendingAcks;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bucket notifications from a RabbitMQ (AMQP 0-9-1) queue, consumed with manual acknowledgements.
 * Several workers may consume the same queue; the broker spreads deliveries among them, each
 * worker holding at most {@link AmqpSettings#prefetch()} unacknowledged.
 *
 * <p>A delivery is acknowledged only when every object it names has been handled by the engine
 * (committed and archived, failed, or found absent). AMQP has no lease to renew; a delivery held
 * longer than {@link AmqpSettings#maxHold()} is requeued instead, before the broker's
 * {@code consumer_timeout} would close the whole channel. A payload the store cannot decode is
 * logged and rejected without requeueing (to the queue's dead-letter exchange, if it has one).
 *
 * <p>When the connection or channel is lost, the broker requeues what this worker held, and the
 * source reconnects with backoff. On {@link #close} the connection is closed, which requeues the
 * deliveries still held.
 *
 * <p>Threads: the client's {@code chute-amqp-client-<n>} threads read the connection and run the
 * delivery callback, which decodes and hands events to the sink (one delivery at a time per
 * channel); {@code chute-amqp-<queue>} reconnects and requeues what is held too long;
 * {@link #handled} acknowledges on the caller's thread.
 */
public final class AmqpEventSource implements EventSource {
    private static final Logger log = LoggerFactory.getLogger(AmqpEventSource.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final AmqpSettings settings;
    private final ObjectStore store;
    private final ConnectionFactory factory;
    private final PendingAcks<Held> pending = new PendingAcks<>();
    /** Acknowledgements come from several threads; one at a time on the channel. */
    private final Object channelLock = new Object();
    /** Released when the current connection or channel ends. */
    private final Semaphore lost = new Semaphore(0);
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong withoutObjects = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();

    private volatile boolean running;
    private volatile Connection connection;
    private volatile Channel channel;
    private Consumer<ObjectEvent> sink;
    private Thread supervisor;

    /** A delivery held on a channel: its tag means something only on that channel. */
    private record Held(Channel channel, long tag) {
    }

    public AmqpEventSource(AmqpSettings settings, ObjectStore store) {
        this.settings = requireNonNull(settings, "settings is null");
        this.store = requireNonNull(store, "store is null");
        this.factory = new ConnectionFactory();
        try {
            factory.setUri(settings.uri());
            if (factory.isSSL()) {
                // setUri alone would trust any certificate: verify against the JVM's trust store and the host name
                factory.useSslProtocol(SSLContext.getDefault());
                factory.enableHostnameVerification();
            }
        } catch (java.net.URISyntaxException | GeneralSecurityException | IllegalArgumentException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + AmqpSettings.SECTION + ".uri' has value '" + settings.safeUri()
                    + "'; expected an amqp:// or amqps:// URI: " + e.getMessage(), e);
        }
        // the source reconnects by itself, channel-level closures included, which the client's recovery does not cover
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        factory.setRequestedHeartbeat(30);
        factory.setConnectionTimeout(10_000);
        AtomicInteger n = new AtomicInteger();
        factory.setThreadFactory(r -> {
            Thread t = new Thread(r, "chute-amqp-client-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String describe() {
        return "amqp " + settings.safeUri() + " queue " + settings.queue();
    }

    /**
     * Connects and starts consuming. Fails with {@link ErrorCode#CONFIGURATION} when the broker
     * cannot be reached or the queue (or the exchange to bind to) does not exist; after a
     * successful start, losses are healed by reconnecting.
     */
    @Override
    public synchronized void start(Consumer<ObjectEvent> sink) {
        requireNonNull(sink, "sink is null");
        if (this.sink != null) {
            throw new IllegalStateException(describe() + " already started");
        }
        this.sink = sink;
        running = true;
        try {
            open();
        } catch (ChuteException e) {
            running = false;
            throw e;
        }
        supervisor = new Thread(this::supervise, "chute-amqp-" + settings.queue());
        supervisor.setDaemon(true);
        supervisor.start();
    }

    /** Opens a connection and a channel, checks or declares the queue, and starts consuming. */
    private void open() {
        Connection c = null;
        try {
            c = factory.newConnection("chute");
            Channel ch = c.createChannel();
            if (settings.declare()) {
                ch.queueDeclare(settings.queue(), true, false, false, null);
            } else {
                ch.queueDeclarePassive(settings.queue());
            }
            if (settings.exchange().isPresent()) {
                ch.queueBind(settings.queue(), settings.exchange().get(), settings.routingKey());
            }
            ch.basicQos(settings.prefetch());
            Connection current = c;
            // from here on, signals of the previous connection are ignored; a listener added to an
            // already closed connection or channel is called at once
            connection = c;
            channel = ch;
            lost.drainPermits();
            c.addShutdownListener(signal -> ended(current, signal));
            ch.addShutdownListener(signal -> ended(current, signal));
            ch.basicConsume(settings.queue(), false, "chute-" + ProcessHandle.current().pid() + "-" + System.identityHashCode(this),
                    (tag, delivery) -> accept(ch, delivery),
                    tag -> {
                        log.warn("{}: the broker cancelled the consumer (queue deleted?); reconnecting", describe());
                        ended(current, null);
                    },
                    (tag, signal) -> {
                    });
        } catch (IOException | TimeoutException | ShutdownSignalException e) {
            closeQuietly(c);
            throw new ChuteException(ErrorCode.CONFIGURATION, "cannot consume " + describe() + " (" + AmqpSettings.SECTION + ".uri, .queue, .exchange): "
                    + reason(e) + (settings.declare() ? "" : "; the queue must exist, or set declare: true"), e);
        }
    }

    private void ended(Connection which, ShutdownSignalException signal) {
        if (running && which == connection && (signal == null || !signal.isInitiatedByApplication())) {
            lost.release();
        }
    }

    /** Supervisor thread: reconnects when the connection or channel ends; requeues deliveries held too long. */
    private void supervise() {
        long checkMillis = Math.max(100, Math.min(10_000, settings.maxHold().toMillis() / 4));
        while (running) {
            boolean gone;
            try {
                gone = lost.tryAcquire(checkMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            releaseExpired();
            if (gone && running) {
                reconnect();
            }
        }
    }

    private void reconnect() {
        Connection old = connection;
        Channel oldChannel = channel;
        // the broker requeues whatever the old channel held: forget it, acks there are void
        int dropped = pending.removeIf(h -> h.channel() == oldChannel).size();
        log.warn("{}: connection or channel lost ({} deliveries go back to the queue); reconnecting", describe(), dropped);
        closeQuietly(old);
        long backoffMillis = 1000;
        while (running) {
            try {
                open();
                reconnects.incrementAndGet();
                log.info("{}: reconnected", describe());
                return;
            } catch (ChuteException e) {
                log.warn("{}: reconnecting failed, trying again in {} ms: {}", describe(), backoffMillis, e.getMessage());
            }
            try {
                Thread.sleep(backoffMillis);
            } catch (InterruptedException e) {
                return;
            }
            backoffMillis = Math.min(MAX_BACKOFF.toMillis(), backoffMillis * 2);
        }
    }

    private void releaseExpired() {
        for (Held held : pending.expired(settings.maxHold())) {
            released.incrementAndGet();
            log.warn("{}: delivery {} waited {} for its objects; requeued", describe(), held.tag(), settings.maxHold());
            settle(held, Settle.REQUEUE);
        }
    }

    /** Decodes one delivery and hands its events to the engine, or settles it at once. Client thread. */
    private void accept(Channel ch, Delivery delivery) {
        Held held = new Held(ch, delivery.getEnvelope().getDeliveryTag());
        if (!running) {
            return;
        }
        received.incrementAndGet();
        List<ObjectEvent> events;
        try {
            events = store.decodeNotification(delivery.getBody(), attributes(delivery));
        } catch (RuntimeException e) {
            rejected.incrementAndGet();
            log.warn("{}: delivery {} (routing key '{}') is not a notification {} can read; rejected without requeueing: {}",
                    describe(), held.tag(), delivery.getEnvelope().getRoutingKey(), store.describe(), e.getMessage());
            settle(held, Settle.REJECT);
            return;
        }
        Set<String> keys = ObjectEvent.keysOf(events);
        if (keys.isEmpty()) {
            events.forEach(sink);
            withoutObjects.incrementAndGet();
            settle(held, Settle.ACK);
            return;
        }
        // remembered before the engine sees the events, so a quick handled() finds it
        pending.add(held, keys);
        events.forEach(sink);
    }

    private static Map<String, String> attributes(Delivery delivery) {
        Map<String, String> attributes = new LinkedHashMap<>();
        Map<String, Object> headers = delivery.getProperties().getHeaders();
        if (headers != null) {
            headers.forEach((name, value) -> {
                if (value != null) {
                    attributes.put(name.toLowerCase(Locale.ROOT), value.toString());
                }
            });
        }
        return attributes;
    }

    /** Acknowledges every delivery that was waiting only for {@code key}. */
    @Override
    public void handled(String key) {
        for (Held held : pending.handled(key)) {
            settle(held, Settle.ACK);
        }
    }

    private enum Settle { ACK, REJECT, REQUEUE }

    private void settle(Held held, Settle how) {
        synchronized (channelLock) {
            if (!held.channel().isOpen()) {
                // the channel is gone and the broker requeued the delivery; the engine will find its object settled
                return;
            }
            try {
                switch (how) {
                    case ACK -> held.channel().basicAck(held.tag(), false);
                    case REJECT -> held.channel().basicReject(held.tag(), false);
                    case REQUEUE -> held.channel().basicNack(held.tag(), false, true);
                }
                if (how == Settle.ACK) {
                    acknowledged.incrementAndGet();
                }
            } catch (IOException | AlreadyClosedException e) {
                log.debug("{}: settling delivery {} failed: {}", describe(), held.tag(), e.toString());
            }
        }
    }

    /** What this source has done since it started. */
    @Override
    public EventCounts counts() {
        return new EventCounts(received.get(), acknowledged.get(), withoutObjects.get(), rejected.get(), released.get(), pending.size());
    }

    /** Connections or channels opened again after a loss. */
    public long reconnects() {
        return reconnects.get();
    }

    /** Stops consuming and closes the connection: the broker requeues the deliveries still held. */
    @Override
    public synchronized void close() {
        running = false;
        if (supervisor != null) {
            supervisor.interrupt();
            try {
                supervisor.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pending.clear();
        closeQuietly(connection);
    }

    private void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close(5_000);
        } catch (IOException | AlreadyClosedException e) {
            log.debug("{}: closing the connection: {}", describe(), e.toString());
            c.abort(1_000);
        }
    }

    private static String reason(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof IOException)) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
}
