package dev.chute.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.core.PipelineListener;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import io.javalin.http.sse.SseClient;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Server-sent events for the console's live views: every load, duplicate and failure the pipeline
 * reports goes to each connected client as one event, and a {@code ping} every 15 seconds keeps
 * proxies from closing idle streams. Pipeline callbacks only enqueue: a slow client never slows
 * loading.
 */
final class EventHub implements PipelineListener, AutoCloseable {
    private static final int MAX_CLIENTS = 64;
    private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chute-sse");
        t.setDaemon(true);
        return t;
    });

    EventHub() {
        sender.scheduleWithFixedDelay(() -> send("ping", ApiJson.object()), 15, 15, TimeUnit.SECONDS);
    }

    void add(SseClient client) {
        if (clients.size() >= MAX_CLIENTS) {
            client.sendEvent("error", "{\"error\":\"too many live connections\"}");
            client.close();
            return;
        }
        clients.add(client);
        client.onClose(() -> clients.remove(client));
        client.keepAlive();
        client.sendEvent("hello", "{}");
    }

    int clients() {
        return clients.size();
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
        try {
            sender.execute(() -> {
                for (SseClient c : clients) {
                    if (c.terminated()) {
                        clients.remove(c);
                    } else {
                        c.sendEvent(event, text);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public void close() {
        sender.shutdownNow();
        clients.forEach(SseClient::close);
        clients.clear();
    }
}
