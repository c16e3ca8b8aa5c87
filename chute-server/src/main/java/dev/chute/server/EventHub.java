package dev.chute.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.core.PipelineListener;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import io.javalin.http.sse.SseClient;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Server-sent events for the console's live views: every load, duplicate and failure the pipeline
 * reports goes to each connected client as one event, and a {@code ping} every 15 seconds keeps
 * proxies from closing idle streams. Each client has its own bounded queue and sender thread, so a
 * client that stops reading is closed when its queue fills instead of holding up the others; the
 * pipeline's callbacks only enqueue.
 */
final class EventHub implements PipelineListener, AutoCloseable {
    private static final int MAX_CLIENTS = 64;
    private static final int QUEUE = 256;
    private static final String[] STOP = {"", ""};

    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger numbers = new AtomicInteger();
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chute-sse-ping");
        t.setDaemon(true);
        return t;
    });

    /** One connected client: its queue of (event, data) pairs and the thread that writes them. */
    private final class Client {
        final SseClient sse;
        final BlockingQueue<String[]> queue = new ArrayBlockingQueue<>(QUEUE);

        Client(SseClient sse) {
            this.sse = sse;
        }

        void offer(String event, String data) {
            if (!queue.offer(new String[] {event, data})) {
                // it does not read: let it go rather than buffer without end
                stop();
                sse.close();
            }
        }

        void stop() {
            clients.remove(this);
            queue.clear();
            queue.offer(STOP);
        }

        void run() {
            try {
                while (!sse.terminated()) {
                    String[] next = queue.take();
                    if (next == STOP) {
                        return;
                    }
                    sse.sendEvent(next[0], next[1]);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                clients.remove(this);
            }
        }
    }

    EventHub() {
        pinger.scheduleWithFixedDelay(() -> send("ping", ApiJson.object()), 15, 15, TimeUnit.SECONDS);
    }

    void add(SseClient sse) {
        if (clients.size() >= MAX_CLIENTS) {
            sse.sendEvent("error", "{\"error\":\"too many live connections\"}");
            sse.close();
            return;
        }
        Client client = new Client(sse);
        clients.add(client);
        sse.onClose(client::stop);
        Thread sender = new Thread(client::run, "chute-sse-" + numbers.incrementAndGet());
        sender.setDaemon(true);
        sender.start();
        client.offer("hello", "{}");
        // Javalin keeps the request open after this handler returns
        sse.keepAlive();
    }

    @Override
    public void loaded(String key, TableId table, long rows, long bytes, long millis) {
        send("load", ApiJson.object().put("key", key).put("table", table.toString()).put("rows", rows).put("bytes", bytes).put("millis", millis));
    }

    @Override
    public void duplicate(String key) {
        send("duplicate", ApiJson.object().put("key", key));
    }

    @Override
    public void failed(String key, LoadError error, boolean permanent) {
        send("failure", ApiJson.object().put("key", key).put("reason", error.reason()).put("permanent", permanent));
    }

    private void send(String event, ObjectNode data) {
        if (clients.isEmpty()) {
            return;
        }
        String text = data.toString();
        for (Client c : clients) {
            c.offer(event, text);
        }
    }

    @Override
    public void close() {
        pinger.shutdownNow();
        for (Client c : clients) {
            c.stop();
            c.sse.close();
        }
        clients.clear();
    }
}
