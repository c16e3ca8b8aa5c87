package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListeners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of a running server, with every kind of series present (loads, failures,
 * event sources, HTTP intake, JVM), checked the way Prometheus' own tooling checks an exposition
 * (issue 13: promtool reported missing HELP on four {@code chute_events_*_total} counters and the
 * names {@code process_cpu_time_ns_total} and {@code system_cpu_count}).
 */
class MetricsExpositionTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    TestApi api;

    @BeforeEach
    void start() throws Exception {
        String yaml = "intake:\n  reconcile_interval: 500ms\nevents:\n  - type: http\n    sns_topics: arn:aws:sns:eu-west-1:123456789012:uploads\n";
        PipelineListeners listeners = new PipelineListeners();
        chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, listeners);
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0));
        listeners.add(server.listener());
        chute.start();
        api = new TestApi(server.port());
        drop("m/t/a.csv", "x\n1\n2\n");
        drop("m/u/b.csv", "a,b\n1,2,3\n");
        await().atMost(WAIT).until(() -> Files.exists(home.resolve("failed/m/u/b.csv")));
        await().atMost(WAIT).until(() -> api.get("/metrics").body().contains("chute_files_failed_total{"));
        // one refused intake delivery, so that the intake counter has a series too
        api.post("/api/intake/s3", "{}");
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
    void promtoolFindsNoProblemInTheExposition() throws Exception {
        // a test that cannot run here fails: ./run-tests installs promtool (scripts/install-tools.sh)
        assertThat(Files.isExecutable(PROMTOOL)).as("no promtool at " + PROMTOOL
                + ": install Debian's prometheus package (apt-get install -y prometheus; ./run-tests does)").isTrue();
        Path scrape = home.resolve("metrics.txt");
        Files.writeString(scrape, api.get("/metrics").body());
        Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
                .redirectInput(scrape.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(out).as("promtool check metrics").isEmpty();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void everyFamilyHasHelpAndTypeAndAConventionalName() throws Exception {
        List<String> problems = PrometheusLint.problems(api.get("/metrics").body());
        assertThat(problems).isEmpty();
    }

    @Test
    void eventSourceCountersAreExposedWithTheirMeaning() throws Exception {
        String body = api.get("/metrics").body();
        for (String family : List.of("chute_events_received_total", "chute_events_acknowledged_total", "chute_events_rejected_total",
                "chute_events_released_total")) {
            assertThat(body).contains("# HELP " + family + " ").contains("# TYPE " + family + " counter");
        }
        assertThat(body).contains("# TYPE process_cpu_seconds_total counter").doesNotContain("process_cpu_time_ns").doesNotContain("system_cpu_count");
    }

    private void drop(String key, String content) throws Exception {
        Path file = home.resolve("landing").resolve(key);
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, file);
    }
}
