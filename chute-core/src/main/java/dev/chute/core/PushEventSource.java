package dev.chute.core;

import dev.chute.spi.EventSource;
import dev.chute.spi.ObjectEvent;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Events pushed to Chute over HTTP (CloudEvents from Eventarc, Pub/Sub push, S3/MinIO webhooks,
 * SNS): the server decodes each delivery with the store and offers its events here. A delivery is
 * acknowledged (answered 2xx) as soon as its events are handed to the pipeline: the object is
 * still in landing, and the reconciling listing finds it even if Chute stops before loading it.
 */
public final class PushEventSource implements EventSource {
    private volatile Consumer<ObjectEvent> sink;
    private final AtomicLong received = new AtomicLong();

    @Override
    public String describe() {
        return "http intake";
    }

    @Override
    public void start(Consumer<ObjectEvent> sink) {
        this.sink = sink;
    }

    /** Hands events to the pipeline; returns false when the pipeline is not running yet (the caller answers 503). */
    public boolean offer(List<ObjectEvent> events) {
        Consumer<ObjectEvent> s = sink;
        if (s == null) {
            return false;
        }
        events.forEach(s);
        received.addAndGet(events.size());
        return true;
    }

    /** Events offered since start. */
    public long received() {
        return received.get();
    }

    @Override
    public void close() {
        sink = null;
    }
}
