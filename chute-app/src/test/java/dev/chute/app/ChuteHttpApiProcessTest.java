package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API of a {@code chute up} running as its own process. */
class ChuteHttpApiProcessTest {
    @TempDir
    Path home;

    private ChuteProcesses chute;

    @BeforeEach
    void setUp(TestInfo test) {
        chute = ChuteProcesses.forTest(test);
    }

    @AfterEach
    void killProcesses() {
        chute.close();
    }

    @Test
    void queryAnswersColumnsRowsAndTruncated() {
        ChuteProcess up = chute.up(home);

        ChuteProcess.HttpAnswer answer = up.query("select 42 as answer, 'x' as word, null::varchar as nothing, true as yes");

        assertThat(answer.status()).as(answer::toString).isEqualTo(200);
        JsonNode body = answer.body();
        assertThat(body.get("columns").toString())
                .isEqualTo("[{\"name\":\"answer\",\"type\":\"INTEGER\"},{\"name\":\"word\",\"type\":\"VARCHAR\"},"
                        + "{\"name\":\"nothing\",\"type\":\"VARCHAR\"},{\"name\":\"yes\",\"type\":\"BOOLEAN\"}]");
        assertThat(body.get("rows").toString()).isEqualTo("[[42,\"x\",null,true]]");
        assertThat(body.get("truncated").asBoolean()).isFalse();
    }

    @Test
    void queryWithMoreRowsThanTheLimitIsTruncated() throws IOException {
        Files.writeString(home.resolve("chute.yaml"), "query:\n  max_rows: 100\n");
        ChuteProcess up = chute.up(home);

        ChuteProcess.HttpAnswer answer = up.query("select * from range(1000)");

        assertThat(answer.status()).as(answer::toString).isEqualTo(200);
        assertThat(answer.body().get("rows")).hasSize(100);
        assertThat(answer.body().get("truncated").asBoolean()).isTrue();
    }

    @Test
    void integersBeyondTwoToThe53AndDecimalsComeBackAsStrings() {
        ChuteProcess up = chute.up(home);

        ChuteProcess.HttpAnswer answer = up.query("select 9007199254740993::bigint as big, -9007199254740993::bigint as negative, "
                + "9007199254740992::bigint as safe, 18446744073709551615::ubigint as ubig, "
                + "170141183460469231731687303715884105727::hugeint as huge, 1234567.89::decimal(18,2) as dec, 0.5::double as dbl");

        assertThat(answer.status()).as(answer::toString).isEqualTo(200);
        JsonNode row = answer.body().get("rows").get(0);
        assertThat(row.get(0).isTextual()).isTrue();
        assertThat(row.get(0).asText()).isEqualTo("9007199254740993");
        assertThat(row.get(1).asText()).isEqualTo("-9007199254740993");
        assertThat(row.get(1).isTextual()).isTrue();
        assertThat(row.get(2).isNumber()).as("2^53 itself is exact in a double").isTrue();
        assertThat(row.get(2).asLong()).isEqualTo(9007199254740992L);
        assertThat(row.get(3).isTextual()).isTrue();
        assertThat(row.get(3).asText()).isEqualTo("18446744073709551615");
        assertThat(row.get(4).isTextual()).isTrue();
        assertThat(row.get(4).asText()).isEqualTo("170141183460469231731687303715884105727");
        assertThat(row.get(5).isTextual()).isTrue();
        assertThat(row.get(5).asText()).isEqualTo("1234567.89");
        assertThat(row.get(6).isNumber()).isTrue();
        assertThat(row.get(6).asDouble()).isEqualTo(0.5);
    }

    @Test
    void badRequestsAre4xxWithAnErrorMessage() {
        ChuteProcess up = chute.up(home);
        Map<String, ChuteProcess.HttpAnswer> answers = Map.of(
                "invalid SQL", up.query("selec 1"),
                "a write", up.query("delete from nowhere"),
                "a missing table", up.query("select * from nowhere.at_all"),
                "a file read", up.query("select * from read_csv('/etc/passwd')"),
                "malformed JSON", up.post("/api/query", "{not json", up.token()),
                "no sql field", up.post("/api/query", "{\"query\": \"select 1\"}", up.token()),
                "an unknown endpoint", up.get("/api/nothing-here"));

        answers.forEach((what, answer) -> {
            int expected = what.equals("an unknown endpoint") ? 404 : 400;
            assertThat(answer.status()).as(what + ": " + answer).isEqualTo(expected);
            assertThat(answer.body().path("error").isTextual()).as(what + ": " + answer).isTrue();
            assertThat(answer.body().path("error").asText()).as(what + ": " + answer).isNotBlank();
        });
        assertThat(answers.get("a write").body().get("error").asText()).contains("read-only");
        assertThat(answers.get("a missing table").body().get("error").asText()).contains("at_all");
        assertThat(answers.get("no sql field").body().get("error").asText()).contains("sql");
    }

    @Test
    void healthIsOkWithEveryPartOk() {
        ChuteProcess up = chute.up(home);

        ChuteProcess.HttpAnswer health = up.get("/api/health");

        assertThat(health.status()).as(health::toString).isEqualTo(200);
        assertThat(health.body().get("status").asText()).isEqualTo("ok");
        assertThat(health.body().get("parts").size()).isPositive();
        health.body().get("parts").forEach(part -> assertThat(part.get("ok").asBoolean()).as(health::toString).isTrue());
    }

    @Test
    void bindingBeyondLoopbackRequiresTheBearerToken() {
        ChuteProcess up = chute.up(home, Map.of("CHUTE_TOKEN", "secret"), "--bind", "0.0.0.0");

        ChuteProcess.HttpAnswer without = up.get("/api/health", Optional.empty());
        ChuteProcess.HttpAnswer wrong = up.get("/api/health", Optional.of("not-the-secret"));
        ChuteProcess.HttpAnswer queryWithout = up.post("/api/query", "{\"sql\": \"select 1\"}", Optional.empty());
        ChuteProcess.HttpAnswer with = up.get("/api/health", Optional.of("secret"));
        ChuteProcess.HttpAnswer queryWith = up.post("/api/query", "{\"sql\": \"select 1 as one\"}", Optional.of("secret"));

        assertThat(up.url()).startsWith("http://127.0.0.1:");
        for (ChuteProcess.HttpAnswer refused : new ChuteProcess.HttpAnswer[] {without, wrong, queryWithout}) {
            assertThat(refused.status()).as(refused::toString).isEqualTo(401);
            assertThat(refused.wwwAuthenticate()).contains("Bearer");
            assertThat(refused.body().path("error").asText()).contains("bearer token");
        }
        assertThat(with.status()).as(with::toString).isEqualTo(200);
        assertThat(queryWith.status()).as(queryWith::toString).isEqualTo(200);
        assertThat(queryWith.body().get("rows").toString()).isEqualTo("[[1]]");
        assertThat(up.stderr()).doesNotContain("secret").doesNotContain("generated admin token");

        // the CLI finds the token where up advertised its address
        ChuteProcesses.CliResult cli = chute.run(home, "query", "--format", "csv", "select 2 as two");
        assertThat(cli.exitCode()).as(cli::toString).isZero();
        assertThat(cli.stdout()).isEqualTo("two\n2\n");
    }

    @Test
    void aTokenFromChuteTokenHasItsRoleAndTheLocalCliStillWorks() throws IOException {
        ChuteProcesses.CliResult made = chute.run(home, "token", "--name", "grafana", "--role", "viewer");
        assertThat(made.exitCode()).as(made::toString).isZero();
        String secret = made.stdout().lines().map(String::trim).filter(l -> l.startsWith("chute_")).findFirst().orElseThrow();
        String yaml = made.stdout().substring(made.stdout().indexOf("server:"));
        assertThat(yaml).doesNotContain(secret);
        Files.writeString(home.resolve("chute.yaml"), yaml.replace("server:\n", "server:\n  auth: required\n"));
        ChuteProcess up = chute.up(home);

        assertThat(up.get("/api/tables", Optional.empty()).status()).isEqualTo(401);
        assertThat(up.post("/api/query", "{\"sql\": \"select 1\"}", Optional.of(secret)).status()).isEqualTo(200);
        ChuteProcess.HttpAnswer replay = up.post("/api/replay", "{}", Optional.of(secret));
        assertThat(replay.status()).as(replay::toString).isEqualTo(403);
        assertThat(up.stderr()).doesNotContain("generated admin token");
        ChuteProcesses.CliResult status = chute.run(home, "status");
        assertThat(status.exitCode()).as(status::toString).isZero();
    }
}
