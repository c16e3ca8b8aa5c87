package dev.chute.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Json;
import dev.chute.local.LocalObjectStore;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ForwardingObjectStore;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectStoreFactory;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

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

    static final class RecordingStore extends ForwardingObjectStore {
        final List<Map<String, String>> attributes = new CopyOnWriteArrayList<>();

        RecordingStore(LocalObjectStore delegate) {
            super(delegate);
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
            return "recording:" + super.describe();
        }
    }
}
