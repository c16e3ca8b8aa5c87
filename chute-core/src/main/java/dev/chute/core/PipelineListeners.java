package dev.chute.core;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each pipeline callback to every listener added, in the order added. Listeners may be
 * added while the pipeline runs (the HTTP server's live view is built after the pipeline). One
 * listener that throws does not keep the others from hearing, nor reaches the pipeline.
 */
public final class PipelineListeners implements PipelineListener {
    private static final Logger log = LoggerFactory.getLogger(PipelineListeners.class);
    private final List<PipelineListener> listeners = new CopyOnWriteArrayList<>();

    public PipelineListeners(PipelineListener... initial) {
        for (PipelineListener l : initial) {
            add(l);
        }
    }

    public void add(PipelineListener listener) {
        listeners.add(requireNonNull(listener, "listener is null"));
    }

    public void remove(PipelineListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void loaded(String key, TableId table, long rows, long bytes, long millis) {
        each(l -> l.loaded(key, table, rows, bytes, millis));
    }

    @Override
    public void duplicate(String key) {
        each(l -> l.duplicate(key));
    }

    @Override
    public void failed(String key, LoadError error, boolean permanent) {
        each(l -> l.failed(key, error, permanent));
    }

    private void each(java.util.function.Consumer<PipelineListener> call) {
        for (PipelineListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("pipeline listener {} failed: {}", l.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
