package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user runs it: each command its own JVM, with and without {@code chute up} on the home. */
class ChuteCliProcessTest {
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path root;

    private Path home;
    private ChuteProcesses chute;

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
    void secondUpOnTheSameHomeExitsTwoNamingTheHome() {
        ChuteProcess first = chute.up(home);

        ChuteProcesses.CliResult second = chute.run(home, "up", "--port", "0");

        assertThat(second.exitCode()).as(second::toString).isEqualTo(2);
        assertThat(second.stderr()).as(second::toString)
                .contains("already running")
                .contains(home.toString())
                .contains("pid " + first.process().pid());
        assertThat(first.isAlive()).as("the first instance keeps running").isTrue();
        assertThat(first.get("/api/health").status()).isEqualTo(200);
    }

    @Test
    void queryCsvFollowsRfc4180() {
        ChuteProcesses.CliResult csv = chute.run(home, "query", "--format", "csv",
                "select 1 as n, null as missing, 'a,b' as comma, 'say \"hi\"' as quote, '' as empty, 'two\nlines' as multi, 'plain' as plain");

        assertThat(csv.exitCode()).as(csv::toString).isZero();
        assertThat(csv.stdout()).as(csv::toString).isEqualTo(
                "n,missing,comma,quote,empty,multi,plain\n"
                        + "1,,\"a,b\",\"say \"\"hi\"\"\",\"\",\"two\nlines\",plain\n");
    }

    @Test
    void queryGivesTheSameJsonWithAndWithoutUpAndTimestampsInUtc() throws Exception {
        ChuteProcesses.CliResult load = chute.run(home, "load", "--table", "ecommerce.order_events", WalkthroughProcessTest.sample().toString());
        assertThat(load.exitCode()).as(load::toString).isZero();
        String sql = "select order_id, action_time, 12345678901234567 as big from ecommerce.order_events order by order_id limit 3";

        ChuteProcesses.CliResult offline = chute.run(home, "query", "--format", "json", sql);
        ChuteProcess up = chute.up(home);
        ChuteProcesses.CliResult online = chute.run(home, "query", "--format", "json", sql);

        assertThat(offline.exitCode()).as(offline::toString).isZero();
        // while up runs it holds the home's lock, so a query that succeeds went through its HTTP API
        assertThat(online.exitCode()).as(online::toString).isZero();
        assertThat(up.isAlive()).isTrue();
        assertThat(online.stdout()).isEqualTo(offline.stdout());
        JsonNode rows = ChuteProcess.JSON.readTree(online.stdout());
        assertThat(rows.isArray()).as(online::toString).isTrue();
        assertThat(rows).hasSize(3);
        for (JsonNode row : rows) {
            assertThat(row.isObject()).isTrue();
            assertThat(iterable(row.fieldNames())).containsExactly("order_id", "action_time", "big");
            assertThat(row.get("action_time").asText()).isEqualTo("2022-08-19T18:52:48Z");
            assertThat(row.get("big").isTextual()).as("a BIGINT beyond 2^53 is a string").isTrue();
            assertThat(row.get("big").asText()).isEqualTo("12345678901234567");
        }
        assertThat(rows.get(0).get("order_id").asText()).isEqualTo("1e5abd70-1ff0-11ed-81ce-0242ac110004");
    }

    /** A refused query is the query's failure, exit 1; 2 is for usage and configuration errors (issue 13). */
    @Test
    void writesAndFileReadsAreRefusedWithExitOneAndTheTableIsUntouched() throws Exception {
        ChuteProcesses.CliResult load = chute.run(home, "load", "--table", "ecommerce.order_events", WalkthroughProcessTest.sample().toString());
        assertThat(load.exitCode()).as(load::toString).isZero();
        Path leak = root.resolve("leak.csv");
        Path attached = root.resolve("other.duckdb");
        List<String> refused = List.of(
                "delete from ecommerce.order_events",
                "copy ecommerce.order_events to '" + leak + "'",
                "attach '" + attached + "' as other",
                "select * from read_csv('/etc/passwd')");

        for (String sql : refused) {
            ChuteProcesses.CliResult result = chute.run(home, "query", sql);
            assertThat(result.exitCode()).as(result::toString).isEqualTo(1);
            assertThat(result.stderr()).as(result::toString).startsWith("chute: ").contains("read-only");
            assertThat(result.stdout()).as(result::toString).isEmpty();
        }

        assertThat(leak).doesNotExist();
        assertThat(attached).doesNotExist();
        ChuteProcesses.CliResult count = chute.run(home, "query", "--format", "csv", "select count(*) as n from ecommerce.order_events");
        assertThat(count.stdout()).as(count::toString).isEqualTo("n\n10\n");
    }

    @Test
    void loadOfADirectoryInPlaceLoadsOnceReportsDuplicatesAndListsABadFile() throws IOException {
        Path source = Files.createDirectories(root.resolve("source/shop/orders"));
        Files.writeString(source.resolve("a.csv"), "id,qty\n1,5\n2,7\n");
        Files.writeString(source.resolve("b.csv"), "id,qty\n3,1\n");
        Path directory = root.resolve("source");

        ChuteProcesses.CliResult first = chute.run(home, "load", directory.toString());
        assertThat(first.exitCode()).as(first::toString).isZero();
        assertThat(first.stdout()).as(first::toString).contains("2 file(s) loaded (3 rows), 0 duplicate(s), 0 failed");
        assertThat(source.resolve("a.csv")).as("loaded in place, not moved").exists();
        assertThat(source.resolve("b.csv")).exists();
        assertThat(HomeFiles.keys(home.resolve("archive"))).isEmpty();
        ChuteProcesses.CliResult count = chute.run(home, "query", "--format", "csv", "select count(*) as n, sum(qty) as qty from shop.orders");
        assertThat(count.stdout()).as(count::toString).isEqualTo("n,qty\n3,13\n");

        ChuteProcesses.CliResult again = chute.run(home, "load", directory.toString());
        assertThat(again.exitCode()).as(again::toString).isZero();
        assertThat(again.stdout()).as(again::toString).contains("0 file(s) loaded (0 rows), 2 duplicate(s), 0 failed");

        Files.writeString(source.resolve("c.csv"), "id,qty\n4,lots\n");
        ChuteProcesses.CliResult withBad = chute.run(home, "load", directory.toString());
        assertThat(withBad.exitCode()).as(withBad::toString).isEqualTo(1);
        assertThat(withBad.stdout()).as(withBad::toString)
                .contains("0 file(s) loaded (0 rows), 2 duplicate(s), 1 failed")
                .containsPattern("(?m)^failed: .*c\\.csv: .+");
        assertThat(source.resolve("c.csv")).as("a failed one-shot file stays where it is").exists();
    }

    @Test
    void loadWhileUpRunsGoesThroughItsApiAndLeavesTheFileInPlace() throws IOException {
        ChuteProcess up = chute.up(home);
        Path file = Files.writeString(root.resolve("extra.csv"), "id,qty\n1,5\n2,7\n");

        ChuteProcesses.CliResult load = chute.run(home, "load", "--table", "shop.extra", file.toString());

        assertThat(load.exitCode()).as(load::toString).isZero();
        // issue 13: through the server too, progress of the whole (the server streams the load's events)
        assertThat(load.stdout()).as(load::toString)
                .startsWith("loading 1 file, 15 bytes\n")
                .contains("1 file(s) loaded (2 rows), 0 duplicate(s), 0 failed");
        assertThat(file).exists();
        assertThat(up.count("select count(*) from shop.extra")).isEqualTo(2);

        ChuteProcesses.CliResult again = chute.run(home, "load", "--table", "shop.extra", file.toString());
        assertThat(again.exitCode()).as(again::toString).isZero();
        assertThat(again.stdout()).as(again::toString).contains("0 file(s) loaded (0 rows), 1 duplicate(s), 0 failed");
        assertThat(up.count("select count(*) from shop.extra")).isEqualTo(2);
    }

    @Test
    void replayMovesAFailedFileBackSoItFailsAgainOrLoadsOnceFixed() throws IOException {
        ChuteProcess up = chute.up(home);
        Path landing = Files.createDirectories(home.resolve("landing/shop/orders"));
        drop(landing, "good.csv", "id,qty\n1,5\n");
        await("good.csv archived").atMost(LOAD_TIMEOUT).untilAsserted(() ->
                assertThat(home.resolve("archive/shop/orders/good.csv")).as(up::output).exists());

        drop(landing, "bad.csv", "id,qty\n2,lots\n");
        Path failed = home.resolve("failed/shop/orders/bad.csv");
        Path sidecar = home.resolve("failed/shop/orders/bad.csv.error.json");
        await("bad.csv failed").atMost(LOAD_TIMEOUT).untilAsserted(() -> {
            assertThat(failed).as(up::output).exists();
            assertThat(sidecar).exists();
        });
        assertThat(Files.readString(sidecar)).contains("qty");

        ChuteProcesses.CliResult replay = chute.run(home, "replay");
        assertThat(replay.exitCode()).as(replay::toString).isZero();
        assertThat(replay.stdout()).as(replay::toString).contains("replayed shop/orders/bad.csv").contains("1 file(s) moved back to landing");
        await("bad.csv failed a second time").atMost(LOAD_TIMEOUT).untilAsserted(() -> {
            // issue 13: each failure is logged once (it was logged by the pipeline and again by chute up), with where the file went
            assertThat(up.stderr().lines().filter(l -> l.contains("shop/orders/bad.csv failed and was moved to failed/shop/orders/bad.csv")).count())
                    .as(up::output).isEqualTo(2);
            assertThat(up.stderr().lines().filter(l -> l.contains("bad.csv") && l.contains("lots")).count()).as(up::output).isEqualTo(2);
            assertThat(failed).exists();
            assertThat(HomeFiles.keys(home.resolve("landing"))).isEmpty();
        });

        Files.writeString(failed, "id,qty\n2,9\n");
        ChuteProcesses.CliResult fixed = chute.run(home, "replay", failed.toString());
        assertThat(fixed.exitCode()).as(fixed::toString).isZero();
        assertThat(fixed.stdout()).as(fixed::toString).contains("replayed shop/orders/bad.csv");
        await("fixed bad.csv archived").atMost(LOAD_TIMEOUT).untilAsserted(() ->
                assertThat(home.resolve("archive/shop/orders/bad.csv")).as(up::output).exists());
        assertThat(failed).doesNotExist();
        assertThat(up.rows("select id, qty from shop.orders order by id").toString()).isEqualTo("[[1,5],[2,9]]");
    }

    /** Issue 12 item 11: links and temporary names stayed in landing forever without showing anywhere. */
    @Test
    void statusListsWhatLandingHoldsButNeverLoads() throws IOException {
        Path landing = Files.createDirectories(home.resolve("landing/ign/t"));
        Files.createSymbolicLink(landing.resolve("x.csv"), Files.writeString(root.resolve("secret.csv"), "id\n1\n"));
        Files.writeString(landing.resolve("y.csv.part"), "id\n2\n");

        ChuteProcesses.CliResult direct = chute.run(home, "status");
        ChuteProcess up = chute.up(home);
        ChuteProcesses.CliResult remote = chute.run(home, "status");

        for (ChuteProcesses.CliResult status : List.of(direct, remote)) {
            assertThat(status.exitCode()).as(status::toString).isZero();
            assertThat(status.stdout()).as(status::toString)
                    .contains("Ignored in landing: 2 entries never loaded")
                    .contains("  ign/t/x.csv: symbolic link: not followed")
                    .contains("  ign/t/y.csv.part: temporary name");
        }
        JsonNode json = ChuteProcess.JSON.readTree(chute.run(home, "status", "--json").stdout());
        assertThat(json.path("ignoredCount").asLong()).isEqualTo(2);
        assertThat(json.path("ignored").get(0).path("key").asText()).isEqualTo("ign/t/x.csv");
        assertThat(json.path("ignored").get(0).path("reason").asText()).isEqualTo("symbolic link: not followed");
        assertThat(up.isAlive()).isTrue();
    }

    @Test
    void doctorPassesOnAGoodHome() {
        ChuteProcesses.CliResult doctor = chute.run(home, "doctor");

        assertThat(doctor.exitCode()).as(doctor::toString).isZero();
        assertThat(doctor.stdout()).as(doctor::toString).contains("All checks passed.").doesNotContain("FIX");
    }

    /** Issue 12 item 6: doctor names the functions with effects outside a query that the PostgreSQL reader role may still call. */
    @Test
    void doctorListsTheFunctionsAPostgresReaderCanStillCall() throws Exception {
        String id = java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String database = "chute_doctor_" + id;
        String reader = "chute_doctor_reader_" + id;
        String server = "jdbc:postgresql://127.0.0.1:5432/";
        try (var c = java.sql.DriverManager.getConnection(server + "postgres", "postgres", ""); var s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        try {
            Files.writeString(home.resolve("chute.yaml"), "warehouse:\n  type: postgres\n  url: " + server + database
                    + "\n  user: postgres\n  reader_role: " + reader + "\n  reader_password: doctor-test\n");
            ChuteProcesses.CliResult doctor = chute.run(home, "doctor");

            assertThat(doctor.exitCode()).as(doctor::toString).isNotZero();
            assertThat(doctor.stdout()).as(doctor::toString)
                    .contains("FIX   warehouse: the reader role " + reader + " may still execute")
                    .contains("pg_advisory_lock(bigint)", "pg_logical_emit_message(boolean,text,text)", "txid_current()", "pg_notify(text,text)",
                            "lo_create(oid)")
                    .contains("docs/postgres.md")
                    // the loading user is a superuser here: Chute set the role's temp_file_limit itself
                    .contains("ok    warehouse: the reader role " + reader + " has temp_file_limit 1GB and work_mem 16MB");
        } finally {
            try (var c = java.sql.DriverManager.getConnection(server + "postgres", "postgres", ""); var s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
                s.execute("DROP ROLE IF EXISTS " + reader);
            }
        }
    }

    @Test
    void unknownConfigurationKeyExitsTwoNamingTheKey() throws IOException {
        Files.writeString(home.resolve("chute.yaml"), "intake:\n  quiet_perid: 1s\n");

        ChuteProcesses.CliResult up = chute.run(home, "up", "--port", "0");
        ChuteProcesses.CliResult status = chute.run(home, "status");

        for (ChuteProcesses.CliResult result : List.of(up, status)) {
            assertThat(result.exitCode()).as(result::toString).isEqualTo(2);
            assertThat(result.stderr()).as(result::toString).contains("intake.quiet_perid").contains("intake.quiet_period");
        }
    }

    @Test
    void logFormatJsonWritesOneJsonObjectPerLineOnStderr() throws Exception {
        ChuteProcess up = chute.up(home, "--log-format", "json");
        Path landing = Files.createDirectories(home.resolve("landing/ecommerce/order_events"));
        Files.copy(WalkthroughProcessTest.sample(), landing.resolve("order_events_001.csv"));
        await("load logged").atMost(LOAD_TIMEOUT).untilAsserted(() ->
                assertThat(up.stderr()).as(up::output).contains("loaded ecommerce/order_events/order_events_001.csv"));

        assertThat(up.terminate()).isIn(0, 143);

        List<String> lines = up.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(3);
        List<String> messages = new ArrayList<>();
        for (String line : lines) {
            JsonNode node = ChuteProcess.JSON.readTree(line);
            assertThat(node.isObject()).as(line).isTrue();
            assertThat(iterable(node.fieldNames())).as(line).contains("time", "level", "logger", "thread", "message");
            assertThat(node.get("time").asText()).as(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
            messages.add(node.get("message").asText());
        }
        assertThat(messages).anyMatch(m -> m.startsWith("loaded ecommerce/order_events/order_events_001.csv -> ecommerce.order_events (10 rows"));
        assertThat(messages).contains("stopped");
    }

    @Test
    void sigtermStopsUpGracefullyAndLosesNoFile() throws IOException {
        ChuteProcess up = chute.up(home);
        Path staging = Files.createDirectories(root.resolve("staging"));
        Path landing = Files.createDirectories(home.resolve("landing/shop/events"));
        Map<String, Integer> dropped = new TreeMap<>();
        List<Path> files = new ArrayList<>();
        long id = 1;
        for (int f = 0; f < 40; f++) {
            StringBuilder csv = new StringBuilder("id,n\n");
            int rows = 5 + f % 20;
            for (int r = 0; r < rows; r++) {
                csv.append(id++).append(',').append(r).append('\n');
            }
            String name = String.format("e%03d.csv", f);
            files.add(Files.writeString(staging.resolve(name), csv));
            dropped.put("shop/events/" + name, rows);
        }
        for (Path file : files) {
            Files.move(file, landing.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }

        // stop while the backlog is being worked through, not before it started
        await("first load").atMost(LOAD_TIMEOUT).untilAsserted(() -> assertThat(up.stderr()).as(up::output).contains("loaded shop/events/"));
        int exit = up.terminate();

        assertThat(exit).as(up::output).isIn(0, 143);
        assertThat(up.stderr()).contains("stopping").contains("stopped");
        assertThat(HomeFiles.keys(home.resolve("failed"))).isEmpty();
        Set<String> everywhere = new LinkedHashSet<>(HomeFiles.keys(home.resolve("archive")));
        HomeFiles.keys(home.resolve("landing")).forEach(everywhere::add);
        assertThat(everywhere).as("every file is archived or still waiting in landing").containsExactlyInAnyOrderElementsOf(dropped.keySet());

        ChuteProcess again = chute.up(home);
        await("the rest loaded after the restart").atMost(LOAD_TIMEOUT).untilAsserted(() -> {
            assertThat(HomeFiles.keys(home.resolve("landing"))).as(again::output).isEmpty();
            assertThat(HomeFiles.keys(home.resolve("archive"))).hasSize(dropped.size());
        });
        assertThat(again.count("select count(*) from shop.events")).isEqualTo(dropped.values().stream().mapToLong(Integer::longValue).sum());
        assertThat(again.rows("select id from shop.events group by id having count(*) > 1")).isEmpty();
        assertThat(again.count("select count(*) from _chute.ledger where table_name = 'shop.events'")).isEqualTo(dropped.size());
    }

    /** Writes next to the home and renames into landing, so Chute never sees a half-written file. */
    private void drop(Path landing, String name, String content) throws IOException {
        Path temp = Files.writeString(root.resolve(name + ".tmp"), content);
        Files.move(temp, landing.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private static <T> List<T> iterable(Iterator<T> iterator) {
        List<T> list = new ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }
}
