package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An {@link ObjectStore} that hands every call to another one; a decorator overrides only what it
 * changes (counting calls, injecting faults in tests, adding a notification format).
 */
public abstract class ForwardingObjectStore implements ObjectStore {
    private final ObjectStore delegate;

    protected ForwardingObjectStore(ObjectStore delegate) {
        this.delegate = requireNonNull(delegate, "delegate is null");
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink) {
        delegate.list(area, prefix, sink);
    }

    @Override
    public void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink, Consumer<SkippedEntry> skipped) {
        delegate.list(area, prefix, sink, skipped);
    }

    @Override
    public java.util.OptionalLong create(ObjectRef ref, InputStream content, long maxBytes) {
        return delegate.create(ref, content, maxBytes);
    }

    @Override
    public java.util.OptionalLong writeIfAbsent(ObjectRef ref, InputStream content, long maxBytes) {
        return delegate.writeIfAbsent(ref, content, maxBytes);
    }

    @Override
    public Optional<ObjectInfo> stat(ObjectRef ref) {
        return delegate.stat(ref);
    }

    @Override
    public InputStream open(ObjectRef ref) {
        return delegate.open(ref);
    }

    @Override
    public void materialize(ObjectRef ref, Path target) {
        delegate.materialize(ref, target);
    }

    @Override
    public boolean move(ObjectInfo expected, ObjectRef.Area targetArea, String targetKey) {
        return delegate.move(expected, targetArea, targetKey);
    }

    @Override
    public long write(ObjectRef ref, InputStream content, long maxBytes) {
        return delegate.write(ref, content, maxBytes);
    }

    @Override
    public List<ObjectEvent> decodeNotification(byte[] body, Map<String, String> attributes) {
        return delegate.decodeNotification(body, attributes);
    }

    @Override
    public boolean deleteIf(ObjectInfo expected) {
        return delegate.deleteIf(expected);
    }

    @Override
    public void put(ObjectRef ref, byte[] content) {
        delegate.put(ref, content);
    }

    @Override
    public void delete(ObjectRef ref) {
        delegate.delete(ref);
    }

    @Override
    public Optional<URI> uri(ObjectRef ref) {
        return delegate.uri(ref);
    }

    @Override
    public java.util.Set<String> beingWritten(ObjectRef.Area area, java.util.Collection<String> keys) {
        return delegate.beingWritten(area, keys);
    }

    @Override
    public Optional<Path> localRoot(ObjectRef.Area area) {
        return delegate.localRoot(area);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
