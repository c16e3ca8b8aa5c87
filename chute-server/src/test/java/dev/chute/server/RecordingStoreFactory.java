package dev.chute.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Json;
import dev.chute.local.LocalObjectStore;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectStoreFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Store type {@code recording} for the HTTP intake tests: the real local store, whose notification
 * format is the smallest one that shows what the intake handed over — a JSON object whose
 * {@code name} is the landing key — and which records each payload's attributes. The cloud
 * formats themselves are tested in chute-s3 and chute-gcs.
 */
public final class RecordingStoreFactory implements ObjectStoreFactory {
    @Override
    public String name() {
        return "recording";
    }

    @Override
    public ObjectStore create(ConnectorContext context) {
        return new RecordingStore(LocalObjectStore.inHome(context.home()));
    }

    static final class RecordingStore implements ObjectStore {
        final LocalObjectStore delegate;
        final List<Map<String, String>> attributes = new CopyOnWriteArrayList<>();

        RecordingStore(LocalObjectStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<ObjectEvent> decodeNotification(byte[] body, Map<String, String> attrs) {
            attributes.add(Map.copyOf(attrs));
            JsonNode node;
            try {
                node = Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, "expected a JSON object with a name; found " + e.getMessage());
            }
            if (node == null || !node.hasNonNull("name")) {
                throw new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, "expected a JSON object with a name; found " + node);
            }
            List<ObjectEvent> out = new ArrayList<>();
            out.add(new ObjectEvent(node.get("name").asText(), ObjectEvent.Kind.UPSERTED, Instant.now(), "test"));
            return out;
        }

        @Override
        public String describe() {
            return "recording:" + delegate.describe();
        }

        @Override
        public void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink) {
            delegate.list(area, prefix, sink);
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
        public void put(ObjectRef ref, byte[] content) {
            delegate.put(ref, content);
        }

        @Override
        public void delete(ObjectRef ref) {
            delegate.delete(ref);
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
}
