package dev.chute.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chute.local.LocalObjectStore;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ForwardingObjectStore;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The real local store, plus what a bucket store adds: it decodes a minimal S3-style notification
 * ({@code {"Records":[{"s3":{"object":{"key":"<landing key>"}}}]}}), and its moves into the archive
 * can be made to fail, as if the process died between commit and archive.
 */
public final class NotifyingLocalStore extends ForwardingObjectStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether moves into the archive work; false makes them fail as if the process died between commit and archive. */
    public final AtomicBoolean archiveWorks = new AtomicBoolean(true);

    public NotifyingLocalStore(LocalObjectStore delegate) {
        super(delegate);
    }

    /** The notification this store reads, naming {@code keys}. */
    public static byte[] notification(String... keys) {
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
    public boolean move(ObjectInfo expected, ObjectRef.Area targetArea, String targetKey) {
        if (targetArea == ObjectRef.Area.ARCHIVE && !archiveWorks.get()) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "archive unavailable (injected)");
        }
        return super.move(expected, targetArea, targetKey);
    }
}
