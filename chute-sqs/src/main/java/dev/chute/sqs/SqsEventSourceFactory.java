package dev.chute.sqs;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.EventSource;
import dev.chute.spi.EventSourceFactory;
import dev.chute.spi.ObjectStore;

/** {@code events: [{type: sqs, ...}]}: see {@link SqsSettings} for the keys. */
public final class SqsEventSourceFactory implements EventSourceFactory {
    @Override
    public String name() {
        return "sqs";
    }

    @Override
    public java.util.Set<String> keys() {
        return SqsSettings.KEYS;
    }

    @Override
    public EventSource create(ConnectorContext context, ObjectStore store) {
        return new SqsEventSource(SqsSettings.from(context), store);
    }
}
