package dev.chute.amqp;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chute.local.LocalObjectStore;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The real local store, plus what a bucket store adds: it decodes a minimal S3-style notification
 * ({@code {"Records":[{"s3":{"object":{"key":"<landing key>"}}}]}}), and its moves into the archive
 * can be made to fail, as if the process died between commit and archive.
 */
final class NotifyingLocalStore implements ObjectStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalObjectStore delegate;
    final AtomicBoolean archiveWorks = new AtomicBoolean(true);

    NotifyingLocalStore(LocalObjectStore delegate) {
        this.delegate = requireNonNull(delegate, "delegate is null");
    }

    static byte[] notification(String... keys) {
        StringBuilder json = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < keys.length; i++) {
            json.append(i == 0 ? "" : ",").append("{\"s3\":{\"object\":{\"key\":\"").append(keys[i]).append("\"}}}");
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public List<ObjectEvent> decodeNotification(byte[] body, Map<String, String> attributes) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, "expected an S3 event document, found no JSON: " + e.getMessage());
        }
        if (root == null || !root.path("Records").isArray()) {
            throw new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, "expected an S3 event document with Records[], found none");
        }
        List<ObjectEvent> events = new ArrayList<>();
        for (JsonNode record : root.get("Records")) {
            String key = record.path("s3").path("object").path("key").asText("");
            if (!key.isEmpty()) {
                events.add(new ObjectEvent(key, ObjectEvent.Kind.UPSERTED, Instant.now(), "test"));
            }
        }
        return events;
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
        if (targetArea == ObjectRef.Area.ARCHIVE && !archiveWorks.get()) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "archive unavailable (injected)");
        }
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
