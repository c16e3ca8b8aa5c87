package dev.chute.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.PipelineListener;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;

/** Replays the load events a running server streams ({@code POST /api/load} with {@code "progress": true}) on a listener. */
final class RemoteProgress {
    private RemoteProgress() {
    }

    static void apply(JsonNode event, PipelineListener listener) {
        if (event.has("planned")) {
            listener.planned(event.get("planned").path("files").asLong(), event.get("planned").path("bytes").asLong());
        } else if (event.has("loaded")) {
            JsonNode e = event.get("loaded");
            listener.loaded(e.path("file").asText(), TableId.parse(e.path("table").asText()), e.path("rows").asLong(), e.path("bytes").asLong(), 0);
        } else if (event.has("duplicate")) {
            listener.duplicate(event.get("duplicate").path("file").asText());
        } else if (event.has("failed")) {
            JsonNode e = event.get("failed");
            ErrorCode code = java.util.Arrays.stream(ErrorCode.values()).filter(c -> c.name().equals(e.path("code").asText())).findFirst()
                    .orElse(ErrorCode.INTERNAL);
            listener.failed(e.path("file").asText(), LoadError.of(code, e.path("reason").asText()), e.path("permanent").asBoolean());
        }
    }
}
