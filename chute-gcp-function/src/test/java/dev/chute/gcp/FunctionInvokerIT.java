package dev.chute.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.testkit.gcs.GcsJsonApiServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged function as Cloud Functions runs it: the uber jar out of
 * {@code chute-gcp-function-function.zip}, started in a child JVM by the Functions Framework's own
 * invoker on a free loopback port, configured only by environment variables. The recorded
 * CloudEvent deliveries are posted to it (binary mode as a raw HTTP request, structured mode as
 * {@code application/cloudevents+json}). Cloud Storage is {@link GcsJsonApiServer}, a contract server
 * written from the JSON API reference: Google Cloud cannot be reached from where these tests run,
 * so what the function asked of it is checked from the requests it received.
 */
class FunctionInvokerIT {
    private static final String UPLOAD = "some-bucket";
    private static final String ARCHIVE = "archive-bucket";

    @TempDir
    Path work;
    GcsJsonApiServer gcs;
    InvokerProcess function;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() throws Exception {
        gcs = GcsJsonApiServer.start().createBucket(UPLOAD).createBucket(ARCHIVE);
        Map<String, String> env = new HashMap<>();
        env.put("DW_PROJECT_ID", "chute-test");
        env.put("GCS_ARCHIVE_BUCKET", ARCHIVE);
        env.put("CHUTE_GCS_ENDPOINT", gcs.endpoint());
        env.put("CHUTE_HOME", work.resolve("home").toString());
        env.put("CHUTE_WAIT_LIMIT", "60s");
        env.put("CHUTE_CONFIG_YAML", "warehouse:\n  type: duckdb\n");
        function = InvokerProcess.start(work, env, List.of("duckdb", "zstd"));
    }

    @AfterEach
    void stop() throws Exception {
        if (function != null) {
            function.close();
        }
        gcs.close();
    }

    /** Sends a recorded raw HTTP request as it is, only aimed at this port; returns the status line. */
    private String sendRaw(byte[] recorded) throws Exception {
        String text = new String(recorded, StandardCharsets.UTF_8).replaceFirst("(?m)^Host: localhost:8080", "Host: 127.0.0.1:" + function.port())
                .replaceFirst("(?m)^Content-Type", "Connection: close\r\nContent-Type");
        try (Socket s = new Socket("127.0.0.1", function.port())) {
            s.setSoTimeout(120_000);
            OutputStream out = s.getOutputStream();
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return response.lines().findFirst().orElse("");
        }
    }

    /** The recorded structured-mode event, aimed at another object. */
    private HttpResponse<String> postStructured(GcsJsonApiServer.StoredObject object, String id) throws Exception {
        return http.send(function.structured(object, id), HttpResponse.BodyHandlers.ofString());
    }

    private String output() throws IOException {
        return function.output();
    }

    @Test
    void recordedBinaryModeDeliveryOfAnUnroutableObjectIsAcknowledgedAndMovedToFailed() throws Exception {
        gcs.put(UPLOAD, "folder/Test.cs", "class Test {}\n".getBytes());

        String status = sendRaw(FunctionHandlerTest.resource("binary-mode-derived/storage-finalized-conformance.http"));

        assertThat(status).as(output()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(gcs.names(UPLOAD)).isEmpty();
        assertThat(gcs.names(ARCHIVE)).containsExactlyInAnyOrder("failed/folder/Test.cs", "failed/folder/Test.cs.error.json");
        assertThat(gcs.object(ARCHIVE, "failed/folder/Test.cs.error.json").orElseThrow().text()).contains("UNROUTABLE");
    }

    @Test
    void structuredDeliveryLoadsAndArchivesAndRedeliveriesAreAcknowledged() throws Exception {
        byte[] csv = Files.readAllBytes(Path.of("../samples/order_events_001.csv"));
        GcsJsonApiServer.StoredObject seed = gcs.put(UPLOAD, "ecommerce/order_events/order_events_001.csv", csv);

        HttpResponse<String> first = postStructured(seed, "event-1");
        assertThat(first.statusCode()).as(output()).isEqualTo(200);
        assertThat(gcs.names(UPLOAD)).isEmpty();
        assertThat(gcs.names(ARCHIVE)).containsExactly("archive/ecommerce/order_events/order_events_001.csv");
        assertThat(gcs.requests()).anySatisfy(r -> {
            assertThat(r.operation()).isEqualTo("delete");
            assertThat(r.param("ifGenerationMatch")).contains(Long.toString(seed.generation()));
        });

        // the same delivery again, and the same bytes uploaded again: acknowledged, nothing archived beside
        assertThat(postStructured(seed, "event-1").statusCode()).isEqualTo(200);
        GcsJsonApiServer.StoredObject again = gcs.put(UPLOAD, "ecommerce/order_events/order_events_001.csv", csv);
        assertThat(postStructured(again, "event-2").statusCode()).as(output()).isEqualTo(200);
        assertThat(gcs.names(UPLOAD)).isEmpty();
        assertThat(gcs.names(ARCHIVE)).containsExactly("archive/ecommerce/order_events/order_events_001.csv");
        assertThat(output()).contains("loaded ecommerce/order_events/order_events_001.csv -> ecommerce.order_events (10 rows")
                .contains("skipped ecommerce/order_events/order_events_001.csv: this version is already loaded");
    }

    @Test
    void failureThatMayPassAnswersAnErrorSoEventarcRetries() throws Exception {
        GcsJsonApiServer.StoredObject seed = gcs.put(UPLOAD, "ecommerce/order_events/order_events_001.csv",
                Files.readAllBytes(Path.of("../samples/order_events_001.csv")));
        gcs.failOnce(GcsJsonApiServer.request("media", UPLOAD, seed.name()), 403, 1);

        assertThat(postStructured(seed, "event-1").statusCode()).as(output()).isEqualTo(500);
        assertThat(gcs.names(UPLOAD)).containsExactly(seed.name());

        assertThat(postStructured(seed, "event-1").statusCode()).as(output()).isEqualTo(200);
        assertThat(gcs.names(UPLOAD)).isEmpty();
        assertThat(gcs.names(ARCHIVE)).containsExactly("archive/ecommerce/order_events/order_events_001.csv");
    }
}
