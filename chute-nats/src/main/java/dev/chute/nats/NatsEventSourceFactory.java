package dev.chute.nats;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.EventSource;
import dev.chute.spi.EventSourceFactory;
import dev.chute.spi.ObjectStore;

/** {@code events: [{type: nats, ...}]}: see {@link NatsSettings} for the keys. */
public final class NatsEventSourceFactory implements EventSourceFactory {
    @Override
    public String name() {
        return "nats";
    }

    @Override
    public java.util.Set<String> keys() {
        return NatsSettings.KEYS;
    }

    @Override
    public EventSource create(ConnectorContext context, ObjectStore store) {
        return new NatsEventSource(NatsSettings.from(context), store);
    }
}
