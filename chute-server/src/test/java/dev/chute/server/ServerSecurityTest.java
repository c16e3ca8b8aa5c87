package dev.chute.server;

import static dev.chute.server.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.core.ApiToken;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListener;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The server's security model, tested against the real server: tokens and roles, sessions, cross-site and host checks, read-only SQL. */
class ServerSecurityTest {
    private static final String VIEWER = "viewer-secret";
    private static final String UPLOADER = "uploader-secret";
    private static final String ADMIN = "admin-secret";

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    TestApi api;

    private void start(boolean authRequired) {
        chute = Chute.open(home, ChuteConfig.defaults(), false, PipelineListener.NONE);
        ServerAuth auth = authRequired
                ? new ServerAuth(true, List.of(new ApiToken("v", ApiToken.Role.VIEWER, ApiToken.hash(VIEWER)),
                        new ApiToken("u", ApiToken.Role.UPLOADER, ApiToken.hash(UPLOADER))), Optional.of(ADMIN))
                : ServerAuth.open();
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0).withAuth(auth));
        api = new TestApi(server.port());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (chute != null) {
            chute.close();
        }
    }

    private static String bearer(String secret) {
        return "Bearer " + secret;
    }

    @Test
    void everyApiRequestNeedsAValidTokenWhenAuthenticationIsRequired() throws Exception {
        start(true);
        for (String path : List.of("/api/health", "/api/status", "/api/overview", "/api/loads", "/api/tables", "/api/dashboards", "/metrics")) {
            assertThat(api.get(path).statusCode()).as(path).isEqualTo(401);
            assertThat(api.get(path, "Authorization", bearer("wrong")).statusCode()).as(path).isEqualTo(401);
            assertThat(api.get(path, "Authorization", bearer(VIEWER)).statusCode()).as(path).isEqualTo(200);
        }
        assertThat(api.post("/api/query", "{\"sql\": \"SELECT 1\"}").statusCode()).isEqualTo(401);
        assertThat(api.get("/api/health").headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(json(api.get("/api/session")).path("authRequired").asBoolean()).isTrue();
    }

    @Test
    void rolesLimitWhatATokenMayDo() throws Exception {
        start(true);
        assertThat(api.post("/api/query", "{\"sql\": \"SELECT 1\"}", "Authorization", bearer(VIEWER)).statusCode()).isEqualTo(200);
        Map<String, byte[]> file = Map.of("a.csv", "id\n1\n".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> viewerUpload = api.upload(Map.of("dataset", "d", "table", "t"), file, "Authorization", bearer(VIEWER));
        assertThat(viewerUpload.statusCode()).isEqualTo(403);
        assertThat(json(viewerUpload).path("error").asText()).contains("uploader").contains("viewer");
        assertThat(api.upload(Map.of("dataset", "d", "table", "t"), file, "Authorization", bearer(UPLOADER)).statusCode()).isEqualTo(200);
        for (String secret : List.of(VIEWER, UPLOADER)) {
            assertThat(api.post("/api/replay", "{}", "Authorization", bearer(secret)).statusCode()).isEqualTo(403);
            assertThat(api.post("/api/loads/x/undo", "{}", "Authorization", bearer(secret)).statusCode()).isEqualTo(403);
            assertThat(api.put("/api/dashboards/x", "{\"yaml\": \"title: x\\ntiles: []\\n\"}", "Authorization", bearer(secret)).statusCode()).isEqualTo(403);
            assertThat(api.post("/api/load", "{\"paths\": [\"/etc/hostname\"]}", "Authorization", bearer(secret)).statusCode()).isEqualTo(403);
        }
        assertThat(api.post("/api/replay", "{}", "Authorization", bearer(ADMIN)).statusCode()).isEqualTo(200);
        assertThat(api.put("/api/dashboards/x", "{\"yaml\": \"title: x\\ntiles: []\\n\"}", "Authorization", bearer(ADMIN)).statusCode()).isEqualTo(200);
    }

    @Test
    void theConsoleSignsInOnceAndUsesAnHttpOnlySessionCookie() throws Exception {
        start(true);
        HttpResponse<String> bad = api.post("/api/session", "{\"token\": \"nope\"}");
        assertThat(bad.statusCode()).isEqualTo(401);
        HttpResponse<String> ok = api.post("/api/session", "{\"token\": \"" + UPLOADER + "\"}");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).path("role").asText()).isEqualTo("uploader");
        String cookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict");
        String session = cookie.substring(0, cookie.indexOf(';'));
        assertThat(json(api.get("/api/session", "Cookie", session)).path("role").asText()).isEqualTo("uploader");
        assertThat(api.get("/api/tables", "Cookie", session).statusCode()).isEqualTo(200);
        assertThat(api.post("/api/replay", "{}", "Cookie", session).statusCode()).isEqualTo(403);
        assertThat(api.get("/api/tables", "Cookie", "chute_session=forged").statusCode()).isEqualTo(401);
        api.delete("/api/session", "Cookie", session);
        assertThat(api.get("/api/tables", "Cookie", session).statusCode()).isEqualTo(401);
    }

    /** Review of issues 3 and 4: enough sign-ins with one token used to end every session, an admin's included. */
    @Test
    void aFloodOfSignInsEndsOnlyTheFloodersOwnOldestSessions() throws Exception {
        start(true);
        String admin = sessionCookie(ADMIN);
        String firstViewer = sessionCookie(VIEWER);
        for (int i = 0; i < ServerAuth.MAX_SESSIONS_PER_TOKEN; i++) {
            sessionCookie(VIEWER);
        }
        assertThat(api.get("/api/tables", "Cookie", admin).statusCode()).isEqualTo(200);
        assertThat(api.get("/api/tables", "Cookie", firstViewer).statusCode()).as("the flooding token's oldest session").isEqualTo(401);
    }

    private String sessionCookie(String secret) throws Exception {
        String cookie = api.post("/api/session", "{\"token\": \"" + secret + "\"}").headers().firstValue("Set-Cookie").orElseThrow();
        return cookie.substring(0, cookie.indexOf(';'));
    }

    @Test
    void stateChangingRequestsFromAnotherSiteAreRefused() throws Exception {
        start(false);
        String origin = "http://127.0.0.1:" + server.port();
        assertThat(api.post("/api/replay", "{}", "Origin", "http://evil.example").statusCode()).isEqualTo(403);
        assertThat(api.post("/api/replay", "{}", "Origin", "null").statusCode()).isEqualTo(403);
        assertThat(api.post("/api/replay", "{}", "Sec-Fetch-Site", "cross-site").statusCode()).isEqualTo(403);
        assertThat(api.post("/api/replay", "{}", "Sec-Fetch-Site", "same-site").statusCode()).isEqualTo(403);
        assertThat(api.post("/api/replay", "{}", "Origin", origin, "Sec-Fetch-Site", "same-origin").statusCode()).isEqualTo(200);
        // a cross-site HTML form can only send form encodings or text/plain: JSON endpoints refuse them
        HttpResponse<String> form = api.send(java.net.http.HttpRequest.newBuilder(api.uri("/api/query"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"sql\": \"SELECT 1\"}")).header("Content-Type", "text/plain"));
        assertThat(form.statusCode()).isEqualTo(403);
        assertThat(api.upload(Map.of("dataset", "d", "table", "t"), Map.of("a.csv", new byte[] {'x', '\n'}), "Origin", "http://evil.example")
                .statusCode()).isEqualTo(403);
        assertThat(Files.exists(home.resolve("landing/d/t/a.csv"))).isFalse();
    }

    /** Review of issues 3 and 4: requests without Origin and without a JSON body passed the cross-site check. */
    @Test
    void requestsThatCouldBeCrossSiteFormsAreRefused() throws Exception {
        start(false);
        Map<String, byte[]> file = Map.of("a.csv", "id\n1\n".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> formUpload = api.send(api.multipart(Map.of("dataset", "d", "table", "t"), file));
        assertThat(formUpload.statusCode()).isEqualTo(403);
        assertThat(json(formUpload).path("error").asText()).contains(ChuteServer.CSRF_HEADER);
        assertThat(api.send(java.net.http.HttpRequest.newBuilder(api.uri("/api/replay")).POST(java.net.http.HttpRequest.BodyPublishers.noBody()))
                .statusCode()).isEqualTo(403);
        assertThat(api.send(java.net.http.HttpRequest.newBuilder(api.uri("/api/dashboards/ecommerce")).DELETE()).statusCode()).isEqualTo(403);
        assertThat(Files.exists(home.resolve("landing/d/t/a.csv"))).isFalse();
        assertThat(Files.exists(home.resolve("dashboards/ecommerce.yaml"))).isTrue();
        // what scripts and the console send passes
        assertThat(api.upload(Map.of("dataset", "d", "table", "t"), file).statusCode()).isEqualTo(200);
        assertThat(api.post("/api/replay", "{}").statusCode()).isEqualTo(200);
        String origin = "http://127.0.0.1:" + server.port();
        assertThat(api.send(api.multipart(Map.of("dataset", "d", "table", "u"), file), "Origin", origin).statusCode()).isEqualTo(200);
    }

    @Test
    void onLoopbackOnlyLoopbackHostNamesAreServed() throws Exception {
        start(false);
        assertThat(rawStatus("127.0.0.1:" + server.port())).isEqualTo(200);
        assertThat(rawStatus("localhost:" + server.port())).isEqualTo(200);
        // DNS rebinding: a page on attacker.example whose name now points at 127.0.0.1
        assertThat(rawStatus("attacker.example:" + server.port())).isEqualTo(403);
    }

    /** Issue 12 item 12: an https Origin passed for an http server, since only host and port were compared. */
    @Test
    void anOriginWithAnotherSchemeIsAnotherSite() throws Exception {
        start(false);
        String authority = "127.0.0.1:" + server.port();
        HttpResponse<String> https = api.post("/api/replay", "{}", "Origin", "https://" + authority);
        assertThat(https.statusCode()).as(https.body()).isEqualTo(403);
        assertThat(json(https).path("error").asText()).contains("http://" + authority);
        assertThat(api.post("/api/replay", "{}", "Origin", "ws://" + authority).statusCode()).isEqualTo(403);
        assertThat(api.post("/api/replay", "{}", "Origin", "http://" + authority).statusCode()).isEqualTo(200);
        // behind a TLS proxy the browser's origin is https, and the proxy says so
        assertThat(api.post("/api/replay", "{}", "Origin", "https://" + authority, "X-Forwarded-Proto", "https").statusCode()).isEqualTo(200);
        assertThat(api.post("/api/replay", "{}", "Origin", "http://" + authority, "X-Forwarded-Proto", "https").statusCode()).isEqualTo(403);
    }

    /** Issue 12 item 12: bound to another loopback address, the Host error still told the user to use 127.0.0.1. */
    @Test
    void theHostErrorNamesTheAddressTheServerIsBoundTo() throws Exception {
        chute = Chute.open(home, ChuteConfig.defaults(), false, PipelineListener.NONE);
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0).withBind("127.0.0.2"));
        try (Socket s = new Socket("127.0.0.2", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /api/session HTTP/1.1\r\nHost: attacker.example:" + server.port() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 403").contains("http://127.0.0.2:" + server.port()).doesNotContain("127.0.0.1");
        }
    }

    private int rawStatus(String host) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /api/session HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    @Test
    void answersCarryHeadersThatKeepThemOutOfOtherPages() throws Exception {
        start(false);
        HttpResponse<String> r = api.get("/api/session");
        assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "COPY (SELECT 1) TO '/tmp/chute-leak.csv'",
            "ATTACH '/tmp/other.duckdb' AS o",
            "INSTALL httpfs",
            "LOAD httpfs",
            "SET enable_external_access = true",
            "PRAGMA database_list",
            "SELECT * FROM read_csv('/etc/passwd')",
            "SELECT * FROM read_text('/etc/hostname')",
            "SELECT * FROM 'https://example.com/data.csv'",
            "CREATE TABLE x AS SELECT 1",
            "DELETE FROM _chute.ledger",
            "SELECT 1; DROP TABLE _chute.ledger",
    })
    void consoleSqlCanOnlyRead(String sql) throws Exception {
        start(false);
        HttpResponse<String> r = api.post("/api/query", "{\"sql\": " + dev.chute.core.Json.mapper().writeValueAsString(sql) + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json(r).path("error").asText()).isNotBlank();
        assertThat(Files.exists(Path.of("/tmp/chute-leak.csv"))).isFalse();
        assertThat(api.post("/api/query", "{\"sql\": \"SELECT count(*) FROM _chute.ledger\"}").statusCode()).isEqualTo(200);
    }
}
