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

    private JsonNode send(HttpRequest.Builder request) {
        instance.token().ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofMinutes(30)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(response.body());
            if (response.statusCode() >= 400 && response.statusCode() != 503) {
                String message = body.path("error").asText("HTTP " + response.statusCode());
                throw new ChuteException(response.statusCode() < 500 ? ErrorCode.CONFIGURATION : ErrorCode.INTERNAL, message);
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
