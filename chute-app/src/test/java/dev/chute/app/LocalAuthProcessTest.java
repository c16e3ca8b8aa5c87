package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 4 ("local users are not all admins"), against a real {@code chute up} with the
 * default configuration: on loopback too, only the home's owner (who can read the mode-600
 * {@code .chute/server.json}, or who saw the one-time link {@code chute up} printed) gets in.
 */
class LocalAuthProcessTest {
    @TempDir
    Path root;

    private Path home;
    private ChuteProcesses chute;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void setUp(TestInfo test) throws IOException {
        home = Files.createDirectories(root.resolve("home"));
        chute = ChuteProcesses.forTest(test);
    }

    @AfterEach
    void killProcesses() {
        chute.close();
    }

    @Test
    void onTheDefaultLoopbackBindOnlyTheHomesOwnerLoadsAndQueries() throws IOException {
        // the attack: another local account asks the server to load a file only the server's user may read
        Path secret = Files.writeString(root.resolve("secret.json"), "{\"k\": \"only for the owner\"}\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        ChuteProcess up = chute.up(home);

        String load = "{\"paths\": [\"" + secret + "\"], \"table\": \"loot.k\"}";
        for (ChuteProcess.HttpAnswer refused : new ChuteProcess.HttpAnswer[] {
                up.post("/api/load", load, Optional.empty()),
                up.post("/api/query", "{\"sql\": \"select 1\"}", Optional.empty()),
                up.get("/api/status", Optional.empty()),
                up.post("/api/load", load, Optional.of("a-guess"))}) {
            assertThat(refused.status()).as(refused::toString).isEqualTo(401);
            assertThat(refused.wwwAuthenticate()).contains("Bearer");
        }
        assertThat(up.rows("select count(*) from information_schema.tables where table_schema = 'loot'").toString())
                .as("nothing was loaded").isEqualTo("[[0]]");

        // the owner's CLI reads the secret from server.json
        ChuteProcesses.CliResult status = chute.run(home, "status");
        assertThat(status.exitCode()).as(status::toString).isZero();
        assertThat(status.stdout()).contains("running");
        ChuteProcesses.CliResult loaded = chute.run(home, "load", "--table", "mine.k", secret.toString());
        assertThat(loaded.exitCode()).as(loaded::toString).isZero();
        ChuteProcesses.CliResult query = chute.run(home, "query", "--format", "csv", "select k from mine.k");
        assertThat(query.exitCode()).as(query::toString).isZero();
        assertThat(query.stdout()).isEqualTo("k\nonly for the owner\n");

        // the admin secret is never printed: the owner has server.json, the browser a one-time link
        String token = up.token().orElseThrow(() -> new AssertionError("server.json holds no token\n" + up.output()));
        assertThat(up.stdout() + up.stderr()).doesNotContain(token).doesNotContain("generated admin token");
        assertThat(up.signInLink()).startsWith(up.url() + "/signin/");
    }

    @Test
    void serverJsonAndItsDirectoryAreTheOwnersOnly() throws IOException {
        Files.createDirectories(home.resolve(".chute"));
        Files.setPosixFilePermissions(home.resolve(".chute"), PosixFilePermissions.fromString("rwxr-xr-x"));
        ChuteProcess up = chute.up(home);

        assertThat(up.token()).as("server.json holds the admin secret").isPresent();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve(".chute/server.json")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve(".chute"))))
                .as("a .chute others could list is closed at start").isEqualTo("rwx------");
    }

    @Test
    void thePrintedSignInLinkWorksOnceAndChuteConsolePrintsANewOne() throws Exception {
        ChuteProcess up = chute.up(home);
        String link = up.signInLink();

        HttpResponse<String> first = get(link, Optional.empty());
        assertThat(first.statusCode()).as(first.body()).isEqualTo(303);
        assertThat(first.headers().firstValue("Location")).contains("/");
        String cookie = first.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("chute_session=").contains("HttpOnly").contains("SameSite=Strict");
        String session = cookie.substring(0, cookie.indexOf(';'));
        HttpResponse<String> who = get(up.url() + "/api/session", Optional.of(session));
        assertThat(ChuteProcess.JSON.readTree(who.body()).path("role").asText()).as(who.body()).isEqualTo("admin");
        assertThat(get(up.url() + "/api/tables", Optional.of(session)).statusCode()).isEqualTo(200);

        HttpResponse<String> again = get(link, Optional.empty());
        assertThat(again.statusCode()).as("the link a second time").isEqualTo(401);
        assertThat(again.headers().firstValue("Set-Cookie")).isEmpty();

        ChuteProcesses.CliResult console = chute.run(home, "console");
        assertThat(console.exitCode()).as(console::toString).isZero();
        String fresh = console.stdout().lines().filter(l -> l.startsWith("Console: ")).findFirst().orElseThrow().substring("Console: ".length());
        assertThat(fresh).startsWith(up.url() + "/signin/").isNotEqualTo(link);
        assertThat(get(fresh, Optional.empty()).statusCode()).isEqualTo(303);
    }

    @Test
    void serverAuthNoneOpensLoopbackWithAWarningAndIsRefusedBeyondIt() throws IOException {
        Files.writeString(home.resolve("chute.yaml"), "server:\n  auth: none\n");
        ChuteProcess up = chute.up(home);
        assertThat(up.post("/api/query", "{\"sql\": \"select 1\"}", Optional.empty()).status()).isEqualTo(200);
        assertThat(up.stderr()).contains("EVERY USER OF THIS MACHINE is admin");
        assertThat(up.stdout()).doesNotContain("/signin/");
        up.terminate();

        ChuteProcesses.CliResult exposed = chute.run(home, "up", "--port", "0", "--bind", "0.0.0.0");
        assertThat(exposed.exitCode()).as(exposed::toString).isEqualTo(2);
        assertThat(exposed.stderr()).contains("server.auth").contains("none").contains("loopback");
    }

    private HttpResponse<String> get(String url, Optional<String> cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
        cookie.ifPresent(c -> request.header("Cookie", c));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
