package dev.chute.gcp;

import dev.chute.spi.ForwardingObjectStore;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import java.util.function.Consumer;

/**
 * The store as the function's engine sees it: listing landing finds nothing, so the engine works
 * only on the objects its events name. Every instance would otherwise list the whole upload bucket
 * when it starts and load what it found while its invocation waits for one object; in the
 * function, Eventarc's at-least-once delivery (with retries) is what makes sure every object is
 * seen. Listing the archive and failed areas, and everything else, is the store's own.
 */
final class EventOnlyStore extends ForwardingObjectStore {
    EventOnlyStore(ObjectStore delegate) {
        super(delegate);
    }

    @Override
    public void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink) {
        if (area != ObjectRef.Area.LANDING) {
            super.list(area, prefix, sink);
        }
    }

    @Override
    public void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink, Consumer<dev.chute.spi.SkippedEntry> skipped) {
        if (area != ObjectRef.Area.LANDING) {
            super.list(area, prefix, sink, skipped);
        }
    }
}
