package dev.chute.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Json;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Talks to the {@code chute up} running on a home, through its HTTP API. */
final class Remote {
    private final HomeLock.RunningInstance instance;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    Remote(HomeLock.RunningInstance instance) {
        this.instance = instance;
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(instance.url() + path)).GET());
    }

    JsonNode post(String path, Object body) {
        try {
            return send(HttpRequest.newBuilder(URI.create(instance.url() + path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(body))));
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.INTERNAL, "cannot encode request: " + e.getMessage(), e);
        }
    }

    /**
     * Posts {@code body} and reads the answer as JSON lines ({@code application/x-ndjson}): each event
     * goes to {@code events} as it arrives; the line with {@code results} is returned, one with
     * {@code error} thrown. A server that answers with one JSON object is read the same way.
     */
    JsonNode postStreaming(String path, Object body, java.util.function.Consumer<JsonNode> events) {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(instance.url() + path))
                    .header("Content-Type", "application/json").header("Accept", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.INTERNAL, "cannot encode request: " + e.getMessage(), e);
        }
        instance.token().ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<java.util.stream.Stream<String>> response = client.send(request.timeout(Duration.ofMinutes(30)).build(),
                    HttpResponse.BodyHandlers.ofLines());
            try (java.util.stream.Stream<String> lines = response.body()) {
                if (response.statusCode() >= 400) {
                    String text = String.join("\n", lines.toList());
                    JsonNode error = text.isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(text);
                    throw new Refused(response.statusCode(), error.path("error").asText("HTTP " + response.statusCode()));
                }
                java.util.Iterator<String> it = lines.iterator();
                while (it.hasNext()) {
                    String line = it.next();
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode event = Json.mapper().readTree(line);
                    if (event.has("results")) {
                        return event;
                    }
                    if (event.has("error")) {
                        ErrorCode code = java.util.Arrays.stream(ErrorCode.values()).filter(c -> c.name().equals(event.path("code").asText()))
                                .findFirst().orElse(ErrorCode.INTERNAL);
                        throw new ChuteException(code, event.get("error").asText());
                    }
                    events.accept(event);
                }
                throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "the running Chute at " + instance.url()
                        + " ended its answer before the results (was it stopped?); `chute status` shows what was loaded");
            }
        } catch (java.io.UncheckedIOException e) {
            throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "lost the running Chute at " + instance.url() + ": " + e.getCause().getMessage(), e);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "cannot reach the running Chute at " + instance.url() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChuteException(ErrorCode.INTERNAL, "interrupted");
        }
    }

    /** The server answered with an error status; {@code status} tells the request's fault (4xx) from the server's (5xx). */
    static final class Refused extends ChuteException {
        final int status;

        Refused(int status, String message) {
            super(status < 500 ? ErrorCode.CONFIGURATION : ErrorCode.INTERNAL, message);
            this.status = status;
        }
    }

    private JsonNode send(HttpRequest.Builder request) {
        instance.token().ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofMinutes(30)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(response.body());
            if (response.statusCode() >= 400 && response.statusCode() != 503) {
                String message = body.path("error").asText("HTTP " + response.statusCode());
                throw new Refused(response.statusCode(), message);
            }
            return body;
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "cannot reach the running Chute at " + instance.url() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChuteException(ErrorCode.INTERNAL, "interrupted");
        }
    }
}
