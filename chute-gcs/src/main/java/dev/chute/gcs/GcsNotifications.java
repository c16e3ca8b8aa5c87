package dev.chute.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Decodes the notification formats of Google Cloud Storage into {@link GcsNotification}s:
 * <ul>
 *   <li>CloudEvents ({@code google.cloud.storage.object.v1.finalized}, {@code .deleted},
 *       {@code .archived}, {@code .metadataUpdated}) as Eventarc delivers them: the context
 *       attributes ({@code ce-type}, {@code ce-subject} = {@code objects/<name>}, {@code ce-source}
 *       = {@code //storage.googleapis.com/projects/_/buckets/<bucket>}, the optional
 *       {@code ce-bucket} extension, {@code ce-time}) with the object resource as data; a whole
 *       structured-mode event as the body is read too;</li>
 *   <li>Pub/Sub notifications of a bucket: attributes {@code eventType} ({@code OBJECT_FINALIZE},
 *       {@code OBJECT_DELETE}, {@code OBJECT_ARCHIVE}, {@code OBJECT_METADATA_UPDATE}),
 *       {@code bucketId}, {@code objectId}, {@code objectGeneration}, {@code eventTime}, with the
 *       object resource as data (payload format {@code JSON_API_V1}) or no data (format
 *       {@code NONE}); a whole push envelope {@code {"message": {...}}} as the body is read too;</li>
 *   <li>legacy Cloud Functions background events: {@code context.eventType}
 *       {@code google.storage.object.finalize} (and {@code .delete}, {@code .archive},
 *       {@code .metadataUpdate}), and the oldest {@code providers/cloud.storage/eventTypes/object.change}
 *       whose {@code data.resourceState} {@code not_exists} is a delete.</li>
 * </ul>
 * Integer fields of the object resource ({@code generation}, {@code size}) may be JSON strings,
 * as the JSON API sends them, or numbers. Attribute names are matched without regard to case.
 * Metadata updates change no content and decode to nothing. Thread-safe.
 */
public final class GcsNotifications {
    static final String FINALIZED = "google.cloud.storage.object.v1.finalized";
    static final String DELETED = "google.cloud.storage.object.v1.deleted";
    static final String ARCHIVED = "google.cloud.storage.object.v1.archived";
    static final String METADATA_UPDATED = "google.cloud.storage.object.v1.metadataUpdated";
    private static final String LEGACY_CHANGE = "providers/cloud.storage/eventTypes/object.change";
    private static final String SOURCE_PREFIX = "//storage.googleapis.com/projects/_/buckets/";
    private static final String RESOURCE_PREFIX = "projects/_/buckets/";
    private static final String EXPECTED = "expected a Cloud Storage notification: a CloudEvent (ce-type " + FINALIZED
            + ", ce-subject objects/<name>) with the object resource as data, a Pub/Sub notification (attributes eventType, bucketId, objectId), "
            + "or a Cloud Functions storage event (context.eventType google.storage.object.finalize)";

    private static final ObjectMapper JSON = new ObjectMapper();

    private GcsNotifications() {
    }

    /**
     * Decodes one delivery. Empty when it announces no change of content (a metadata update).
     *
     * @param body the payload: the CloudEvent data or the Pub/Sub message data (may be empty), or a
     *     whole structured CloudEvent, Pub/Sub push envelope or legacy background event
     * @param attributes CloudEvent context attributes as {@code ce-*} names, or Pub/Sub message attributes
     * @throws ChuteException {@link ErrorCode#UNSUPPORTED_FORMAT} naming what was expected and found
     */
    public static Optional<GcsNotification> decode(byte[] body, Map<String, String> attributes) {
        byte[] payload = body == null ? new byte[0] : body;
        Map<String, String> attrs = new HashMap<>();
        if (attributes != null) {
            attributes.forEach((k, v) -> {
                if (k != null && v != null) {
                    attrs.put(k.toLowerCase(Locale.ROOT), v);
                }
            });
        }
        if (attrs.containsKey("ce-type")) {
            return cloudEvent(attrs, payload.length == 0 ? MissingNode.getInstance() : object(payload, "the CloudEvent data (the object resource JSON)"));
        }
        if (attrs.containsKey("eventtype")) {
            return pubsub(attrs, payload);
        }
        if (payload.length == 0) {
            throw unsupported("found an empty body and " + describeAttributes(attrs));
        }
        JsonNode root = object(payload, "a notification");
        if (root.hasNonNull("specversion") && root.hasNonNull("type")) {
            return structured(root);
        }
        if (root.path("context").hasNonNull("eventType")) {
            JsonNode context = root.get("context");
            JsonNode resource = context.path("resource");
            return legacy(context.get("eventType").asText(), resource.isObject() ? resource.path("name").asText("") : resource.asText(""),
                    text(context, "timestamp"), root.path("data"));
        }
        if (root.hasNonNull("eventType") && root.path("data").isObject()) {
            return legacy(root.get("eventType").asText(), root.path("resource").asText(""), text(root, "timestamp"), root.get("data"));
        }
        if (root.path("message").isObject()) {
            return envelope(root.get("message"));
        }
        throw unsupported("found a JSON object with fields " + fieldNames(root) + " and " + describeAttributes(attrs));
    }

    private static Optional<GcsNotification> structured(JsonNode event) {
        Map<String, String> attrs = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = event.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getValue().isValueNode() && !field.getKey().equals("data_base64")) {
                attrs.put("ce-" + field.getKey().toLowerCase(Locale.ROOT), field.getValue().asText());
            }
        }
        JsonNode data;
        if (event.hasNonNull("data_base64")) {
            data = object(base64(event.get("data_base64").asText(), "the CloudEvent data_base64"), "the CloudEvent data (the object resource JSON)");
        } else if (event.path("data").isObject()) {
            data = event.get("data");
        } else if (event.path("data").isTextual()) {
            data = object(event.get("data").asText().getBytes(StandardCharsets.UTF_8), "the CloudEvent data (the object resource JSON)");
        } else {
            data = MissingNode.getInstance();
        }
        return cloudEvent(attrs, data);
    }

    private static Optional<GcsNotification> envelope(JsonNode message) {
        Map<String, String> attrs = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = message.path("attributes").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            attrs.put(field.getKey().toLowerCase(Locale.ROOT), field.getValue().asText());
        }
        if (!attrs.containsKey("eventtype")) {
            throw unsupported("found a Pub/Sub push envelope whose message has " + describeAttributes(attrs));
        }
        return pubsub(attrs, base64(message.path("data").asText(""), "the Pub/Sub message data"));
    }

    private static Optional<GcsNotification> cloudEvent(Map<String, String> attrs, JsonNode data) {
        String type = attrs.get("ce-type");
        ObjectEvent.Kind kind;
        switch (type) {
            case FINALIZED -> kind = ObjectEvent.Kind.UPSERTED;
            case DELETED, ARCHIVED -> kind = ObjectEvent.Kind.DELETED;
            case METADATA_UPDATED -> {
                return Optional.empty();
            }
            default -> throw unsupported("found a CloudEvent of type '" + type + "'; the storage types are " + FINALIZED + ", " + DELETED + ", "
                    + ARCHIVED + " and " + METADATA_UPDATED);
        }
        String bucket = first(attrs.get("ce-bucket"), text(data, "bucket"), after(attrs.get("ce-source"), SOURCE_PREFIX));
        String name = first(after(attrs.get("ce-subject"), "objects/"), text(data, "name"));
        if (bucket == null || name == null) {
            throw unsupported("found a CloudEvent of type " + type + " without " + (bucket == null
                    ? "a bucket (ce-bucket, ce-source " + SOURCE_PREFIX + "<bucket> or data.bucket)"
                    : "an object name (ce-subject objects/<name> or data.name)"));
        }
        Instant time = time(attrs.get("ce-time"), text(data, "updated"));
        return Optional.of(new GcsNotification(bucket, name, kind, time, "cloudevent", integer(data, "generation"), integer(data, "size")));
    }

    private static Optional<GcsNotification> pubsub(Map<String, String> attrs, byte[] payload) {
        String eventType = attrs.get("eventtype");
        ObjectEvent.Kind kind;
        switch (eventType) {
            case "OBJECT_FINALIZE" -> kind = ObjectEvent.Kind.UPSERTED;
            // a delete or archive caused by an overwrite comes with the new generation's OBJECT_FINALIZE; the key still holds an object
            case "OBJECT_DELETE", "OBJECT_ARCHIVE" -> kind = attrs.containsKey("overwrittenbygeneration") ? ObjectEvent.Kind.UPSERTED : ObjectEvent.Kind.DELETED;
            case "OBJECT_METADATA_UPDATE" -> {
                return Optional.empty();
            }
            default -> throw unsupported("found a Pub/Sub message with eventType '" + eventType
                    + "'; Cloud Storage sends OBJECT_FINALIZE, OBJECT_DELETE, OBJECT_ARCHIVE and OBJECT_METADATA_UPDATE");
        }
        boolean hasPayload = payload.length > 0 && !"NONE".equals(attrs.get("payloadformat"));
        JsonNode data = hasPayload ? object(payload, "the Pub/Sub message data (the object resource JSON, payload format JSON_API_V1)") : MissingNode.getInstance();
        String bucket = first(attrs.get("bucketid"), text(data, "bucket"));
        String name = first(attrs.get("objectid"), text(data, "name"));
        if (bucket == null || name == null) {
            throw unsupported("found a Pub/Sub message with eventType " + eventType + " without " + (bucket == null ? "bucketId" : "objectId")
                    + "; " + describeAttributes(attrs));
        }
        OptionalLong generation = attrs.containsKey("objectgeneration") ? parseLong("objectGeneration", attrs.get("objectgeneration")) : integer(data, "generation");
        return Optional.of(new GcsNotification(bucket, name, kind, time(attrs.get("eventtime"), text(data, "updated")), "pubsub", generation, integer(data, "size")));
    }

    private static Optional<GcsNotification> legacy(String eventType, String resource, String timestamp, JsonNode data) {
        ObjectEvent.Kind kind;
        switch (eventType) {
            case "google.storage.object.finalize" -> kind = ObjectEvent.Kind.UPSERTED;
            case "google.storage.object.delete", "google.storage.object.archive" -> kind = ObjectEvent.Kind.DELETED;
            case "google.storage.object.metadataUpdate" -> {
                return Optional.empty();
            }
            case LEGACY_CHANGE -> kind = "not_exists".equals(text(data, "resourceState")) ? ObjectEvent.Kind.DELETED : ObjectEvent.Kind.UPSERTED;
            default -> throw unsupported("found a Cloud Functions event of type '" + eventType
                    + "'; the storage types are google.storage.object.finalize, .delete, .archive, .metadataUpdate and " + LEGACY_CHANGE);
        }
        // resource: projects/_/buckets/<bucket>/objects/<name>, the oldest format with #<generation> appended
        String path = after(resource, RESOURCE_PREFIX);
        String resourceBucket = null;
        String resourceName = null;
        if (path != null && path.contains("/objects/")) {
            resourceBucket = path.substring(0, path.indexOf("/objects/"));
            resourceName = path.substring(path.indexOf("/objects/") + "/objects/".length());
            if (eventType.equals(LEGACY_CHANGE) && resourceName.lastIndexOf('#') > 0) {
                resourceName = resourceName.substring(0, resourceName.lastIndexOf('#'));
            }
        }
        String bucket = first(text(data, "bucket"), resourceBucket);
        String name = first(text(data, "name"), resourceName);
        if (bucket == null || name == null) {
            throw unsupported("found a Cloud Functions event of type " + eventType + " without data.bucket and data.name, and with resource '" + resource + "'");
        }
        return Optional.of(new GcsNotification(bucket, name, kind, time(timestamp, text(data, "updated")), "gcf-legacy", integer(data, "generation"), integer(data, "size")));
    }

    private static JsonNode object(byte[] bytes, String what) {
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (IOException e) {
            throw unsupported("found " + what + " that is not JSON (" + bytes.length + " bytes starting '" + preview(bytes) + "')");
        }
        if (node == null || !node.isObject()) {
            throw unsupported("found " + what + " that is " + (node == null ? "empty" : "a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT)) + ", not a JSON object");
        }
        return node;
    }

    private static byte[] base64(String text, String what) {
        try {
            return Base64.getDecoder().decode(text.trim());
        } catch (IllegalArgumentException e) {
            throw unsupported("found " + what + " that is not base64");
        }
    }

    /** An integer field of the object resource, a JSON number or a string of digits. */
    private static OptionalLong integer(JsonNode data, String field) {
        JsonNode node = data.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return OptionalLong.empty();
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return OptionalLong.of(node.asLong());
        }
        if (node.isTextual()) {
            return parseLong(field, node.asText());
        }
        throw unsupported("found " + field + " " + node + " in the object resource; expected an integer, as a JSON number or string");
    }

    private static OptionalLong parseLong(String field, String text) {
        try {
            return OptionalLong.of(Long.parseLong(text.trim()));
        } catch (NumberFormatException e) {
            throw unsupported("found " + field + " '" + text + "'; expected an integer");
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isValueNode() && !value.isNull() && !value.asText().isEmpty() ? value.asText() : null;
    }

    private static String after(String value, String prefix) {
        return value != null && value.startsWith(prefix) && value.length() > prefix.length() ? value.substring(prefix.length()) : null;
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    /** The first parseable of the given times; the decoding time if none is. */
    private static Instant time(String... values) {
        for (String v : values) {
            if (v == null) {
                continue;
            }
            try {
                return OffsetDateTime.parse(v).toInstant();
            } catch (DateTimeParseException e) {
                // a time is a hint for logs; the next candidate, or now, will do
            }
        }
        return Instant.now();
    }

    private static String fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names.size() > 8 ? names.subList(0, 8) + " (and " + (names.size() - 8) + " more)" : names.toString();
    }

    private static String describeAttributes(Map<String, String> attrs) {
        return attrs.isEmpty() ? "no attributes" : "attributes " + new TreeSet<>(attrs.keySet());
    }

    private static String preview(byte[] bytes) {
        String text = new String(bytes, 0, Math.min(bytes.length, 40), StandardCharsets.UTF_8);
        return text.replaceAll("[\\p{Cntrl}]", " ");
    }

    private static ChuteException unsupported(String found) {
        return new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, EXPECTED + "; " + found);
    }
}
