package dev.chute.local;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ConnectorKey;
import dev.chute.spi.EventSource;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectStoreFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code store.type: local}. Settings {@code landing}, {@code archive}, {@code failed}: directories,
 * relative to the home directory; default {@code landing}, {@code archive}, {@code failed}.
 * {@code watch}: whether to watch landing for changes (default true).
 */
public final class LocalObjectStoreFactory implements ObjectStoreFactory {
    static final ConnectorKey<String> LANDING = ConnectorKey.string("landing", "landing", "where files arrive: a directory, relative to the home");
    static final ConnectorKey<String> ARCHIVE = ConnectorKey.string("archive", "archive", "where loaded files go: a directory, relative to the home");
    static final ConnectorKey<String> FAILED = ConnectorKey.string("failed", "failed", "where failed files go: a directory, relative to the home");
    static final ConnectorKey<Boolean> WATCH = ConnectorKey.bool("watch", true, "whether to watch landing for changes");
    /** Every key of the section besides {@code type}, declared once. */
    static final List<ConnectorKey<?>> DECLARED = List.of(LANDING, ARCHIVE, FAILED, WATCH);
    static final java.util.Set<String> KEYS = ConnectorKey.names(DECLARED);

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
        context.require("store", WATCH);
        Path home = context.home();
        return new LocalObjectStore(
                home.resolve(context.require("store", LANDING)),
                home.resolve(context.require("store", ARCHIVE)),
                home.resolve(context.require("store", FAILED)));
    }

    @Override
    public Optional<EventSource> nativeEvents(ObjectStore store, ConnectorContext context) {
        // "no" or "off" is refused, never read as false (nor "yes" as false)
        if (!context.require("store", WATCH)) {
            return Optional.empty();
        }
        return store.localRoot(ObjectRef.Area.LANDING).map(LocalWatchEventSource::new);
    }
}
