package dev.chute.amqp;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.EventSource;
import dev.chute.spi.EventSourceFactory;
import dev.chute.spi.ObjectStore;

/** {@code events: [{type: amqp, ...}]}: see {@link AmqpSettings} for the keys. */
public final class AmqpEventSourceFactory implements EventSourceFactory {
    @Override
    public String name() {
        return "amqp";
    }

    @Override
    public java.util.Set<String> keys() {
        return AmqpSettings.KEYS;
    }

    @Override
    public EventSource create(ConnectorContext context, ObjectStore store) {
        return new AmqpEventSource(AmqpSettings.from(context), store);
    }
}
