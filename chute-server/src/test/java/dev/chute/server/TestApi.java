package dev.chute.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Json;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/** A small HTTP client for the API tests: real requests to a real server on loopback. */
final class TestApi {
    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;

    TestApi(int port) {
        this.port = port;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpResponse<String> send(HttpRequest.Builder b, String... headers) throws Exception {
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
    }

    HttpResponse<String> post(String path, String json, String... headers) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json"), headers);
    }

    HttpResponse<String> put(String path, String json, String... headers) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json"), headers);
    }

    /** A DELETE as a script sends it: with the header that shows it is not a cross-site form. */
    HttpResponse<String> delete(String path, String... headers) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).DELETE().header(ChuteServer.CSRF_HEADER, "1"), headers);
    }

    /** A multipart upload as a script sends it: with the header that shows it is not a cross-site form. */
    HttpResponse<String> upload(Map<String, String> fields, Map<String, byte[]> files, String... headers) throws Exception {
        return send(multipart(fields, files).header(ChuteServer.CSRF_HEADER, "1"), headers);
    }

    /** A multipart/form-data upload: text fields, then one {@code files} part per entry of {@code files}. */
    HttpRequest.Builder multipart(Map<String, String> fields, Map<String, byte[]> files) throws Exception {
        String boundary = "chute-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (var f : fields.entrySet()) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n" + f.getValue() + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        for (var f : files.entrySet()) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + f.getKey()
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(f.getValue());
            body.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(uri("/api/upload")).POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary);
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }
}
