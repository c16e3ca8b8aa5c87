package dev.chute.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.core.Json;
import dev.chute.spi.FailureRecord;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.TableSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;

/** The API's JSON shapes (docs/console.md): one place that turns Chute's records into them. */
final class ApiJson {
    private ApiJson() {
    }

    static ObjectNode object() {
        return Json.mapper().createObjectNode();
    }

    static <T> ArrayNode array(Collection<T> items, Function<T, ObjectNode> each) {
        ArrayNode out = Json.mapper().createArrayNode();
        items.forEach(i -> out.add(each.apply(i)));
        return out;
    }

    static ObjectNode load(LoadSummary l) {
        ObjectNode o = object();
        o.put("loadId", l.loadId());
        o.put("table", l.table().toString());
        o.put("files", l.files());
        o.put("rows", l.rows());
        o.put("bytes", l.bytes());
        o.put("committedAt", time(l.committedAt()));
        o.put("durationMillis", l.durationMillis());
        o.put("status", l.undone() ? "undone" : "committed");
        o.put("undoneAt", l.undoneAt().map(ApiJson::time).orElse(null));
        o.put("restoredAt", l.restoredAt().map(ApiJson::time).orElse(null));
        return o;
    }

    static ObjectNode entry(LedgerEntry e) {
        ObjectNode o = object();
        o.put("key", e.key());
        o.put("checksum", e.checksum());
        o.put("table", e.table().toString());
        o.put("loadId", e.loadId());
        o.put("rows", e.rows());
        o.put("bytes", e.bytes());
        o.put("committedAt", time(e.committedAt()));
        return o;
    }

    static ObjectNode failure(FailureRecord f) {
        ObjectNode o = object();
        o.put("key", f.key());
        o.put("checksum", f.checksum());
        o.put("table", f.table().map(Object::toString).orElse(null));
        o.put("code", f.error().code().name());
        o.put("retryable", f.error().code().retryable());
        o.put("reason", f.error().reason());
        if (f.error().line().isPresent()) {
            o.put("line", f.error().line().getAsLong());
        } else {
            o.putNull("line");
        }
        o.put("column", f.error().column().orElse(null));
        o.put("value", f.error().value().orElse(null));
        o.put("expected", f.error().expected().orElse(null));
        o.put("attempts", f.attempts());
        o.put("firstFailedAt", time(f.firstFailedAt()));
        o.put("lastFailedAt", time(f.lastFailedAt()));
        return o;
    }

    static ObjectNode table(TableSummary t, Optional<Duration> freshness, Instant now) {
        ObjectNode o = object();
        o.put("table", t.table().toString());
        o.put("files", t.files());
        o.put("rows", t.rows());
        o.put("bytes", t.bytes());
        o.put("lastLoad", t.lastLoad().map(ApiJson::time).orElse(null));
        o.put("freshness", freshness.map(Duration::toString).orElse(null));
        o.put("stale", stale(t, freshness, now));
        return o;
    }

    static boolean stale(TableSummary t, Optional<Duration> freshness, Instant now) {
        return freshness.isPresent() && t.lastLoad().map(last -> last.plus(freshness.get()).isBefore(now)).orElse(true);
    }

    static String time(Instant t) {
        return Json.text(t);
    }
}
