package dev.chute.testkit;

import dev.chute.local.LocalObjectStore;
import dev.chute.local.LocalObjectStoreFactory;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectStoreFactory;

/** {@code store: {type: notifying-local}} for tests: the local store (no watch) that reads S3-style notifications. */
public final class NotifyingLocalStoreFactory implements ObjectStoreFactory {
    @Override
    public String name() {
        return "notifying-local";
    }

    @Override
    public ObjectStore create(ConnectorContext context) {
        return new NotifyingLocalStore((LocalObjectStore) new LocalObjectStoreFactory().create(context));
    }
}
