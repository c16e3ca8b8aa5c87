package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** The README walkthrough, done as a user does it: {@code chute up}, copy a file in, query, status. */
class WalkthroughProcessTest {
    static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path home;

    private ChuteProcesses chute;

    @BeforeEach
    void startTracking(TestInfo test) {
        chute = ChuteProcesses.forTest(test);
    }

    @AfterEach
    void killProcesses() {
        chute.close();
    }

    /** The seed sample: 10 order events of 2022-08-19. */
    static Path sample() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("samples").resolve("order_events_001.csv");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("samples/order_events_001.csv not found above " + Path.of("").toAbsolutePath());
    }

    /** The README's sample set: every samples/order_events_*.csv, one file a day from the seed's on. */
    static List<Path> sampleSet() throws IOException {
        try (Stream<Path> files = Files.list(sample().getParent())) {
            return files.filter(f -> f.getFileName().toString().matches("order_events_\\d+\\.csv")).sorted().toList();
        }
    }

    /** Rows of a CSV file with a header line. */
    private static long rows(Path csv) throws IOException {
        try (Stream<String> lines = Files.lines(csv)) {
            return lines.skip(1).filter(l -> !l.isBlank()).count();
        }
    }

    /** Issue 13, item 6: the walkthrough copies the whole sample set (cp samples/order_events_*.csv). */
    /** Issue 13, item 6: the committed sample set is what its committed generator writes, byte for byte. */
    @Test
    void sampleSetIsWhatItsGeneratorWrites() throws Exception {
        Path root = sample().getParent().getParent();
        Path out = Files.createDirectories(home.resolve("generated"));
        String javaCommand = ProcessHandle.current().info().command().orElseThrow();
        Process generator = new ProcessBuilder(javaCommand, "samples/GenerateOrderEvents.java", out.toString())
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(home.resolve("generator.log").toFile()).start();
        assertThat(generator.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the generator finished").isTrue();
        assertThat(generator.exitValue()).as(() -> read(home.resolve("generator.log"))).isZero();
        List<Path> committed = sampleSet().stream().filter(f -> !f.getFileName().toString().equals("order_events_001.csv")).toList();
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
                    .isEqualTo(committed.stream().map(f -> f.getFileName().toString()).toList());
        }
        for (Path file : committed) {
            assertThat(out.resolve(file.getFileName())).hasSameBinaryContentAs(file);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Test
    void copiedSampleIsLoadedArchivedAndVisibleToQueryAndStatus() throws Exception {
        ChuteProcess up = chute.up(home);
        // the README shows this line: the console's address as a one-time sign-in link
        assertThat(up.signInLink()).startsWith(up.url() + "/signin/");
        Path landing = Files.createDirectories(home.resolve("landing/ecommerce/order_events"));
        List<Path> samples = sampleSet();
        assertThat(samples).as("the sample set").hasSize(11);
        long total = 0;
        for (Path sample : samples) {
            total += rows(sample);
        }
        assertThat(total).as("the README's count").isEqualTo(114);

        for (Path sample : samples) {
            Files.copy(sample, landing.resolve(sample.getFileName()));
        }

        Path archive = home.resolve("archive/ecommerce/order_events");
        await("the sample set archived").atMost(LOAD_TIMEOUT).untilAsserted(() ->
                assertThat(HomeFiles.keys(home.resolve("archive"))).as(up::output).hasSize(samples.size()));
        assertThat(HomeFiles.keys(home.resolve("landing"))).isEmpty();
        assertThat(HomeFiles.keys(home.resolve("failed"))).isEmpty();
        for (Path sample : samples) {
            assertThat(archive.resolve(sample.getFileName())).hasSameBinaryContentAs(sample);
        }

        ChuteProcesses.CliResult count = chute.run(home, "query", "select count(*) from ecommerce.order_events");
        assertThat(count.exitCode()).as(count::toString).isZero();
        assertThat(count.stdout()).as(count::toString).containsPattern("(?m)^\\s*114\\s*$");
        ChuteProcesses.CliResult orders = chute.run(home, "query", "select count(distinct order_id) from ecommerce.order_events");
        assertThat(orders.stdout()).as(orders::toString).containsPattern("(?m)^\\s*41\\s*$");

        ChuteProcesses.CliResult type = chute.run(home, "query", "--format", "csv",
                "select data_type from information_schema.columns where table_schema = 'ecommerce' and table_name = 'order_events' and column_name = 'action_time'");
        assertThat(type.exitCode()).as(type::toString).isZero();
        assertThat(type.stdout()).as(type::toString).isEqualTo("data_type\nTIMESTAMP WITH TIME ZONE\n");

        ChuteProcesses.CliResult status = chute.run(home, "status");
        assertThat(status.exitCode()).as(status::toString).isZero();
        assertThat(status.stdout()).as(status::toString)
                .contains("running")
                .containsPattern("ecommerce\\.order_events\\s*\\|\\s*11\\s*\\|\\s*114\\s*\\|")
                .contains("ecommerce/order_events/order_events_001.csv");

        ChuteProcesses.CliResult json = chute.run(home, "status", "--json");
        assertThat(json.exitCode()).as(json::toString).isZero();
        JsonNode report = ChuteProcess.JSON.readTree(json.stdout());
        assertThat(report.path("running").asBoolean()).isTrue();
        assertThat(report.path("tables")).as(json::toString).hasSize(1);
        JsonNode table = report.path("tables").get(0);
        assertThat(table.path("table").path("dataset").asText()).isEqualTo("ecommerce");
        assertThat(table.path("table").path("table").asText()).isEqualTo("order_events");
        assertThat(table.path("rows").asLong()).isEqualTo(114);
        assertThat(table.path("files").asLong()).isEqualTo(11);
        assertThat(report.path("recentLoads").findValuesAsText("key")).contains("ecommerce/order_events/order_events_001.csv");
        assertThat(up.isAlive()).isTrue();
    }
}
