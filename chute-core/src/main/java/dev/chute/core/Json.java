package dev.chute.core;

import com.fasterxml.jackson.core.JsonGenerator;
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
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * JSON as Chute writes it, in the CLI and the HTTP API alike: timestamps as ISO-8601 UTC strings,
 * integers beyond 2^53 and decimals as strings (so JavaScript clients lose no digit).
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
            default -> g.writeString(text(v));
        }
    }

    static void addValue(ArrayNode array, Object v) {
        switch (v) {
            case null -> array.addNull();
            case Boolean b -> array.add(b);
            case Long l -> {
                if (Math.abs(l) <= MAX_SAFE) {
                    array.add(l);
                } else {
                    array.add(l.toString());
                }
            }
            case BigInteger b -> array.add(b.toString());
            case BigDecimal d -> array.add(d.toPlainString());
            case Double d -> {
                if (d.isNaN() || d.isInfinite()) {
                    array.add(d.toString());
                } else {
                    array.add(d);
                }
            }
            default -> array.add(text(v));
        }
    }

    /** A value as text: timestamps ISO-8601 UTC, everything else as it prints. */
    public static String text(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Instant i) {
            return DateTimeFormatter.ISO_INSTANT.format(i);
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        return v.toString();
    }
}
