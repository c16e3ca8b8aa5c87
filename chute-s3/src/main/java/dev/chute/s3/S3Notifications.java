package dev.chute.s3;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decodes the change notifications of S3 and S3-compatible stores into {@link ObjectEvent}s about
 * one landing area. Understood shapes:
 *
 * <ul>
 *   <li>AWS S3 event notifications: {@code {"Records": [{"eventName": "ObjectCreated:Put",
 *       "s3": {"bucket": {"name"}, "object": {"key"}}}]}}, as S3 sends them to SQS, SNS (raw
 *       delivery) and Lambda; {@code ObjectCreated:*} is an upsert, {@code ObjectRemoved:*} a
 *       delete, every other event name (restores, lifecycle transitions, tagging, replication) is
 *       ignored;
 *   <li>MinIO's webhook and queue envelope, {@code {"EventName", "Key", "Records": [...]}}, whose
 *       event names carry an {@code s3:} prefix;
 *   <li>an SNS envelope, {@code {"Type": "Notification", "Message": "<one of the above, as a
 *       string>"}}, as an SQS queue subscribed to an SNS topic or an SNS HTTP(S) subscription
 *       receives it; subscription confirmations and {@code s3:TestEvent} messages carry no objects
 *       and decode to nothing (the HTTP intake answers the SNS handshake);
 *   <li>EventBridge events from S3, {@code {"source": "aws.s3", "detail-type": "Object Created" |
 *       "Object Deleted", "detail": {"bucket": {"name"}, "object": {"key"}}}}.
 * </ul>
 *
 * Keys in {@code Records[]} are URL-encoded with {@code +} for a space (S3 and MinIO both do so)
 * and are decoded here; EventBridge keys are sent as they are. Objects in another bucket, or
 * outside the landing prefix (the archive, the failed area), are left out. Thread-safe.
 */
public final class S3Notifications {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EXPECTED = "expected an S3 event notification ({\"Records\": [...]}), a MinIO envelope "
            + "({\"EventName\", \"Key\", \"Records\"}), an SNS envelope ({\"Type\": \"Notification\", \"Message\"}) or an EventBridge S3 event";

    private final S3Location landing;

    public S3Notifications(S3Location landing) {
        this.landing = requireNonNull(landing, "landing is null");
    }

    /**
     * The events about landing objects in {@code body}; {@code attributes} (transport metadata) are
     * not needed for these formats, which carry everything in the body.
     *
     * @throws ChuteException {@link ErrorCode#UNSUPPORTED_FORMAT} naming what was expected and found
     */
    public List<ObjectEvent> decode(byte[] body, Map<String, String> attributes) {
        requireNonNull(body, "body is null");
        requireNonNull(attributes, "attributes is null");
        JsonNode root = parse(new String(body, StandardCharsets.UTF_8), "notification body");
        List<ObjectEvent> events = new ArrayList<>();
        decode(root, events, 0);
        return List.copyOf(events);
    }

    private void decode(JsonNode root, List<ObjectEvent> events, int depth) {
        if (!root.isObject()) {
            throw unsupported("a JSON " + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (root.has("Records")) {
            JsonNode records = root.get("Records");
            if (!records.isArray()) {
                throw unsupported("\"Records\" that is not an array");
            }
            int i = 0;
            for (JsonNode record : records) {
                record(record, i++).ifPresent(events::add);
            }
            return;
        }
        String type = root.path("Type").asText("");
        if (depth == 0 && root.has("Message") && !type.isEmpty()) {
            if (type.equals("SubscriptionConfirmation") || type.equals("UnsubscribeConfirmation")) {
                return;
            }
            if (!type.equals("Notification") || !root.get("Message").isTextual()) {
                throw unsupported("an SNS message of type '" + type + "'");
            }
            decode(parse(root.get("Message").asText(), "SNS Message"), events, depth + 1);
            return;
        }
        if (root.path("Event").asText("").equals("s3:TestEvent")) {
            return;
        }
        if (root.path("source").asText("").equals("aws.s3") && root.has("detail-type")) {
            eventBridge(root).ifPresent(events::add);
            return;
        }
        throw unsupported("a JSON object with the fields " + fieldNames(root));
    }

    private Optional<ObjectEvent> record(JsonNode record, int index) {
        String where = "Records[" + index + "]";
        String name = text(record, "eventName", where);
        String bare = name.startsWith("s3:") ? name.substring(3) : name;
        ObjectEvent.Kind kind;
        if (bare.startsWith("ObjectCreated:")) {
            kind = ObjectEvent.Kind.UPSERTED;
        } else if (bare.startsWith("ObjectRemoved:")) {
            kind = ObjectEvent.Kind.DELETED;
        } else {
            return Optional.empty();
        }
        JsonNode s3 = record.path("s3");
        String bucket = text(s3.path("bucket"), "name", where + ".s3.bucket");
        String encoded = text(s3.path("object"), "key", where + ".s3.object");
        String key;
        try {
            key = URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, "S3 notification " + where + ".s3.object.key: expected a URL-encoded key, found '" + encoded + "'", e);
        }
        return event(bucket, key, kind, time(record.path("eventTime")), record.path("eventSource").asText("aws:s3"));
    }

    private Optional<ObjectEvent> eventBridge(JsonNode root) {
        String detailType = root.get("detail-type").asText("");
        ObjectEvent.Kind kind = switch (detailType) {
            case "Object Created" -> ObjectEvent.Kind.UPSERTED;
            case "Object Deleted" -> ObjectEvent.Kind.DELETED;
            default -> null;
        };
        if (kind == null) {
            return Optional.empty();
        }
        JsonNode detail = root.path("detail");
        String bucket = text(detail.path("bucket"), "name", "detail.bucket");
        String key = text(detail.path("object"), "key", "detail.object");
        return event(bucket, key, kind, time(root.path("time")), "eventbridge:aws.s3");
    }

    private Optional<ObjectEvent> event(String bucket, String key, ObjectEvent.Kind kind, Instant time, String source) {
        if (!landing.holds(bucket, key) || key.endsWith("/")) {
            return Optional.empty();
        }
        String relative = key.substring(landing.prefix().length());
        if (relative.startsWith("/")) {
            return Optional.empty();
        }
        return Optional.of(new ObjectEvent(relative, kind, time, source));
    }

    private static Instant time(JsonNode node) {
        if (node.isTextual()) {
            try {
                return Instant.parse(node.asText());
            } catch (DateTimeParseException e) {
                // a malformed time does not make the event less true: the store is asked anyway
            }
        }
        return Instant.now();
    }

    private static String text(JsonNode parent, String field, String where) {
        JsonNode node = parent.path(field);
        if (!node.isTextual() || node.asText().isEmpty()) {
            throw new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, "S3 notification: expected a string at " + where + "." + field + ", found "
                    + (node.isMissingNode() ? "nothing" : node.toString()));
        }
        return node.asText();
    }

    private static JsonNode parse(String text, String what) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw unsupported("an empty " + what);
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, EXPECTED + "; found a " + what + " that is not JSON ("
                    + e.getOriginalMessage() + "): '" + abbreviate(text) + "'", e);
        }
    }

    private static String fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext() && names.size() < 10; ) {
            names.add(it.next());
        }
        return names.isEmpty() ? "(none)" : String.join(", ", names);
    }

    private static String abbreviate(String text) {
        String flat = text.replaceAll("\\s+", " ").strip();
        return flat.length() <= 120 ? flat : flat.substring(0, 120) + "...";
    }

    private static ChuteException unsupported(String found) {
        return new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, EXPECTED + "; found " + found);
    }
}
