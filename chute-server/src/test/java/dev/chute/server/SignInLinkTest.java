package dev.chute.server;

import static dev.chute.server.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.core.ApiToken;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListener;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 4: the one-time sign-in link {@code chute up} prints, against the real server over
 * HTTP. It opens an admin session once (cookie, redirect to the console); used again, expired or
 * made up, it is refused. A new link needs the admin secret.
 */
class SignInLinkTest {
    private static final String VIEWER = "viewer-secret";
    private static final String ADMIN = "admin-secret";

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    ServerAuth auth;
    TestApi api;
    final ChuteMetricsTest.MutableClock clock = new ChuteMetricsTest.MutableClock(Instant.parse("2026-12-02T10:00:00Z"));

    private void start() {
        chute = Chute.open(home, ChuteConfig.defaults(), false, PipelineListener.NONE);
        auth = new ServerAuth(true, List.of(new ApiToken("v", ApiToken.Role.VIEWER, ApiToken.hash(VIEWER))), Optional.of(ADMIN), clock);
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

    @Test
    void aSignInLinkOpensAnAdminSessionOnceAndGoesToTheConsole() throws Exception {
        start();
        String code = auth.signInCode();

        HttpResponse<String> first = api.get("/signin/" + code);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(303);
        assertThat(first.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/").doesNotContain("signin"));
        String cookie = first.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith(ServerAuth.COOKIE + "=").contains("HttpOnly").contains("SameSite=Strict").contains("Path=/");
        String session = cookie.substring(0, cookie.indexOf(';'));
        assertThat(json(api.get("/api/session", "Cookie", session)).path("role").asText()).isEqualTo("admin");
        assertThat(api.post("/api/replay", "{}", "Cookie", session).statusCode()).isEqualTo(200);

        HttpResponse<String> again = api.get("/signin/" + code);
        assertThat(again.statusCode()).as("the same link a second time").isEqualTo(401);
        assertThat(again.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(again.body()).contains("chute console");
        assertThat(api.get("/signin/" + "0".repeat(64)).statusCode()).as("a made-up code").isEqualTo(401);
    }

    @Test
    void anExpiredSignInLinkIsRefused() throws Exception {
        start();
        String late = auth.signInCode();
        String inTime = auth.signInCode();
        clock.advance(ServerAuth.signInLifetime().minusSeconds(1));
        assertThat(api.get("/signin/" + inTime).statusCode()).as("a second before it expires").isEqualTo(303);
        clock.advance(Duration.ofSeconds(2));
        HttpResponse<String> expired = api.get("/signin/" + late);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void onlyAnAdminGetsANewSignInLink() throws Exception {
        start();
        assertThat(api.post("/api/session/links", "{}").statusCode()).isEqualTo(401);
        assertThat(api.post("/api/session/links", "{}", "Authorization", "Bearer " + VIEWER).statusCode()).isEqualTo(403);
        HttpResponse<String> link = api.post("/api/session/links", "{}", "Authorization", "Bearer " + ADMIN);
        assertThat(link.statusCode()).as(link.body()).isEqualTo(200);
        String path = json(link).path("path").asText();
        assertThat(path).startsWith("/signin/");
        assertThat(json(link).path("expiresInSeconds").asLong()).isEqualTo(ServerAuth.signInLifetime().toSeconds());
        assertThat(api.get(path).statusCode()).isEqualTo(303);
    }
}
