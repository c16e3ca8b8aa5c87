package dev.chute.local;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.EventSource;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectStoreFactory;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code store.type: local}. Settings {@code landing}, {@code archive}, {@code failed}: directories,
 * relative to the home directory; default {@code landing}, {@code archive}, {@code failed}.
 * {@code watch}: whether to watch landing for changes (default true).
 */
public final class LocalObjectStoreFactory implements ObjectStoreFactory {
    /** The keys of the section besides {@code type}. */
    static final java.util.Set<String> KEYS = java.util.Set.of("landing", "archive", "failed", "watch");

    @Override
    public String name() {
        return "local";
    }

    @Override
    public java.util.Set<String> keys() {
        return KEYS;
    }

    @Override
    public ObjectStore create(ConnectorContext context) {
        context.requireKnown("store", KEYS);
        // checked here too, so that every command (not only chute up) refuses a bad value
        context.bool("store", "watch", true);
        Path home = context.home();
        return new LocalObjectStore(
                home.resolve(context.setting("landing").orElse("landing")),
                home.resolve(context.setting("archive").orElse("archive")),
                home.resolve(context.setting("failed").orElse("failed")));
    }

    @Override
    public Optional<EventSource> nativeEvents(ObjectStore store, ConnectorContext context) {
        // "no" or "off" is refused, never read as false (nor "yes" as false)
        if (!context.bool("store", "watch", true)) {
            return Optional.empty();
        }
        return store.localRoot(ObjectRef.Area.LANDING).map(LocalWatchEventSource::new);
    }
}
