package dev.chute.core;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.chute.spi.QueryResult;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * JSON as Chute writes it, in the CLI and the HTTP API alike: a timestamp with time zone as an
 * ISO-8601 UTC string ({@code 2024-05-01T10:00:00Z}), a timestamp without time zone as ISO-8601
 * without any offset ({@code 2024-05-01T10:00:00}: it has none), structs and maps as JSON objects,
 * lists as JSON arrays, integers beyond 2^53 and decimals as strings (so JavaScript clients lose no
 * digit).
 */
public final class Json {
    private static final long MAX_SAFE = (1L << 53);
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new Jdk8Module())
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * The API's query answer: {@code {"columns": [{"name","type"}], "rows": [[...]], "truncated": bool,
     * "truncatedBy": "rows"|"bytes"|null}}.
     */
    public static ObjectNode queryResult(QueryResult result) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode columns = root.putArray("columns");
        result.columns().forEach(c -> columns.addObject().put("name", c.name()).put("type", c.type()));
        ArrayNode rows = root.putArray("rows");
        for (List<Object> row : result.rows()) {
            ArrayNode r = rows.addArray();
            row.forEach(v -> addValue(r, v));
        }
        root.put("truncated", result.truncated());
        root.put("truncatedBy", truncatedBy(result));
        return root;
    }

    /** {@code rows} or {@code bytes}: the limit that cut an answer short; null when it is whole. */
    public static String truncatedBy(QueryResult result) {
        return result.truncatedBy().map(l -> l.name().toLowerCase(java.util.Locale.ROOT)).orElse(null);
    }

    /**
     * Writes {@link #queryResult} to {@code out} value by value, without building a second copy of the
     * answer in memory; {@code millis}, when given, is added as the answer's {@code millis}.
     */
    public static void writeQueryResult(QueryResult result, java.util.OptionalLong millis, OutputStream out) throws IOException {
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("columns");
            for (QueryResult.Column c : result.columns()) {
                g.writeStartObject();
                g.writeStringField("name", c.name());
                g.writeStringField("type", c.type());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("rows");
            for (List<Object> row : result.rows()) {
                g.writeStartArray();
                for (Object v : row) {
                    writeValue(g, v);
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeBooleanField("truncated", result.truncated());
            g.writeStringField("truncatedBy", truncatedBy(result));
            if (millis.isPresent()) {
                g.writeNumberField("millis", millis.getAsLong());
            }
            g.writeEndObject();
        }
    }

    /** One value as {@link #addValue} writes it into a tree. */
    public static void writeValue(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case Boolean b -> g.writeBoolean(b);
            case Long l -> {
                if (Math.abs(l) <= MAX_SAFE) {
                    g.writeNumber(l);
                } else {
                    g.writeString(l.toString());
                }
            }
            case BigInteger b -> g.writeString(b.toString());
            case BigDecimal d -> g.writeString(d.toPlainString());
            case Double d -> {
                if (d.isNaN() || d.isInfinite()) {
                    g.writeString(d.toString());
                } else {
                    g.writeNumber(d);
                }
            }
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    writeValue(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object item : l) {
                    writeValue(g, item);
                }
                g.writeEndArray();
            }
            default -> g.writeString(text(v));
        }
    }

    static void addValue(ArrayNode array, Object v) {
        array.add(node(v));
    }

    /** One value as a tree node, as {@link #writeValue} writes it. */
    static JsonNode node(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (v) {
            case null -> f.nullNode();
            case Boolean b -> f.booleanNode(b);
            case Long l -> Math.abs(l) <= MAX_SAFE ? f.numberNode(l) : f.textNode(l.toString());
            case BigInteger b -> f.textNode(b.toString());
            case BigDecimal d -> f.textNode(d.toPlainString());
            case Double d -> d.isNaN() || d.isInfinite() ? f.textNode(d.toString()) : f.numberNode(d);
            case Map<?, ?> m -> {
                ObjectNode o = f.objectNode();
                m.forEach((k, item) -> o.set(String.valueOf(k), node(item)));
                yield o;
            }
            case List<?> l -> {
                ArrayNode items = f.arrayNode();
                l.forEach(item -> items.add(node(item)));
                yield items;
            }
            default -> f.textNode(text(v));
        };
    }

    /**
     * A value as text: a timestamp with time zone ISO-8601 in UTC ({@code ...Z}), one without time zone
     * ISO-8601 without an offset (the same digits, seconds always written), structs, maps and lists as
     * JSON, everything else as it prints.
     */
    public static String text(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Instant i) {
            return DateTimeFormatter.ISO_INSTANT.format(i);
        }
        if (v instanceof LocalDateTime t) {
            // ISO_INSTANT's layout (seconds always, fractions in groups of three) without its zone: it has none
            String utc = DateTimeFormatter.ISO_INSTANT.format(t.toInstant(ZoneOffset.UTC));
            return utc.substring(0, utc.length() - 1);
        }
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            java.io.StringWriter out = new java.io.StringWriter();
            try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
                writeValue(g, v);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return out.toString();
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        return v.toString();
    }
}
