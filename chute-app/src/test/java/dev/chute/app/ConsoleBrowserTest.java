package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.FilePayload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The web console in a real browser (Debian's Chromium, headless, through Playwright) against a real
 * {@code chute up} process: the pages are the ones the server jar serves, under its
 * Content-Security-Policy, talking to the real API.
 */
class ConsoleBrowserTest extends ConsoleBrowserTestBase {
    private static final Path SAMPLE = repositoryRoot().resolve("samples").resolve("order_events_001.csv");
    /** The README walkthrough's sample set: every samples/order_events_*.csv (issue 13, item 6). */
    private static final List<Path> SAMPLES = sampleSet();

    /** Issue 13, item 6: the dashboard of the README, from exactly the sample set the walkthrough copies. */
    @Test
    void ecommerceDashboardDrawsItsTilesFromTheLoadedSample() throws IOException {
        ChuteProcess up = signedIn(chute.up(home));
        Sample sample = Sample.read(SAMPLES);
        landSampleSet();

        page.navigate(up.url() + "/#/dashboards/ecommerce");

        Locator events = tile("Events");
        Locator orders = tile("Orders");
        Locator perDay = tile("Orders per day by action");
        Locator byAction = tile("Events by action");
        awaitUi("every tile of the ecommerce dashboard drawn", () -> page.locator(".tile").count() > 0
                && page.locator(".tile .tile-chart:not([data-rendered=\"true\"])").count() == 0);
        assertThat(events.getAttribute("data-value")).isEqualTo(String.valueOf(sample.rows()));
        assertThat(events.getByTestId("number-value").textContent()).isEqualTo(String.valueOf(sample.rows()));
        assertThat(orders.getAttribute("data-value")).isEqualTo(String.valueOf(sample.orders()));
        assertThat(perDay.getAttribute("data-points")).as("one point per day and action").isEqualTo(String.valueOf(sample.dayActions()));
        assertThat(byAction.getAttribute("data-points")).as("one slice per action").isEqualTo(String.valueOf(sample.actions()));
        assertThat(page.locator("[data-testid^=\"tile-error\"]").count()).isZero();
        assertThat(tab.problems()).isEmpty();
    }

    @Test
    void fileUploadedOnTheUploadPageLoadsAndShowsUpInLoads() {
        ChuteProcess up = signedIn(chute.up(home));
        String csv = "sku,name,price\nA-1,anvil,19.5\nB-2,bucket,4.25\nC-3,crate,7\n";

        page.navigate(up.url() + "/#/upload");
        page.getByTestId("upload-dataset").fill("shop");
        page.getByTestId("upload-table").fill("items");
        page.getByTestId("file-input").setInputFiles(new FilePayload("items.csv", "text/csv", csv.getBytes(StandardCharsets.UTF_8)));
        awaitUi("the chosen file listed", () -> page.getByTestId("chosen-file").count() == 1);
        page.getByTestId("upload-button").click();

        Locator status = page.locator("[data-testid=\"file-status\"][data-key=\"shop/items/items.csv\"]");
        awaitUi("the uploaded file loaded", () -> "loaded".equals(attribute(status, "data-state")));

        page.navigate(up.url() + "/#/loads");
        Locator load = page.locator("[data-testid=\"load-row\"][data-table=\"shop.items\"]");
        awaitUi("the upload's load listed", () -> load.count() == 1);
        assertThat(load.getAttribute("data-rows")).isEqualTo("3");
        load.click();
        Locator entry = page.locator("[data-testid=\"load-entry\"][data-key=\"shop/items/items.csv\"]");
        awaitUi("the load's file shown", () -> entry.count() == 1);
        assertThat(up.count("select count(*) from shop.items")).isEqualTo(3);
        assertThat(tab.problems()).isEmpty();
    }

    @Test
    void failedFileShowsItsErrorAndLoadsOnceFixedAndReplayed() throws IOException {
        ChuteProcess up = signedIn(chute.up(home));
        land("ecommerce/order_events/order_events_001.csv", Files.readAllBytes(SAMPLE));
        awaitArchived("ecommerce/order_events/order_events_001.csv");
        String key = "ecommerce/order_events/late.csv";
        land(key, """
                order_id,customer_email,action,action_time
                2b0c1e6e-1ff0-11ed-81ce-0242ac110004,late@example.com,paid,2022-08-20T09:00:00Z
                2b0c1e6e-1ff0-11ed-81ce-0242ac110005,late@example.com,paid,yesterday evening
                """.getBytes(StandardCharsets.UTF_8));
        Path failed = home.resolve("failed").resolve(key);
        await("the malformed file moved to failed/").atMost(WAIT).until(() -> Files.exists(failed));

        page.navigate(up.url() + "/#/loads");
        Locator failure = page.locator("[data-testid=\"failure\"][data-key=\"" + key + "\"]");
        awaitUi("the failure listed", () -> failure.count() == 1);
        assertThat(failure.getByTestId("failure-reason").textContent()).contains("yesterday evening");
        assertThat(failure.locator("[data-fact=\"line\"]").textContent()).isEqualTo("3");
        assertThat(failure.locator("[data-fact=\"column\"]").textContent()).isEqualTo("action_time");
        assertThat(failure.locator("[data-fact=\"value\"]").textContent()).isEqualTo("yesterday evening");

        // the fix: correct the file where Chute put it, then replay it from the page
        Files.writeString(failed, """
                order_id,customer_email,action,action_time
                2b0c1e6e-1ff0-11ed-81ce-0242ac110004,late@example.com,paid,2022-08-20T09:00:00Z
                2b0c1e6e-1ff0-11ed-81ce-0242ac110005,late@example.com,paid,2022-08-20T21:30:00Z
                """);
        failure.getByTestId("replay-button").click();

        Locator replayed = page.locator("[data-testid=\"replay-status\"] [data-testid=\"file-status\"][data-key=\"" + key + "\"]");
        awaitUi("the replayed file loaded", () -> "loaded".equals(attribute(replayed, "data-state")));
        awaitUi("the failure gone from the list", () -> failure.count() == 0);
        awaitUi("the replay's load listed", () -> page.locator("[data-testid=\"load-row\"][data-rows=\"2\"]").count() == 1);
        assertThat(up.count("select count(*) from ecommerce.order_events where customer_email = 'late@example.com'")).isEqualTo(2);
        assertThat(tab.problems()).isEmpty();
    }

    @Test
    void undoneLoadIsRestoredFromTheArchiveAfterConfirmation() throws IOException {
        ChuteProcess up = signedIn(chute.up(home));
        Sample sample = Sample.read(SAMPLE);
        land("ecommerce/order_events/order_events_001.csv", Files.readAllBytes(SAMPLE));
        awaitArchived("ecommerce/order_events/order_events_001.csv");

        page.navigate(up.url() + "/#/loads");
        Locator committed = page.locator("[data-testid=\"load-row\"][data-table=\"ecommerce.order_events\"][data-status=\"committed\"]");
        awaitUi("the sample's load listed", () -> committed.count() == 1);
        String loadId = committed.getAttribute("data-load-id");
        committed.getByTestId("undo-button").click();
        awaitUi("the confirmation asked", () -> page.getByTestId("confirm-dialog").isVisible());
        assertThat(page.getByTestId("confirm-text").textContent()).contains(sample.rows() + " rows");
        page.getByTestId("confirm-ok").click();

        Locator undone = page.locator("[data-testid=\"load-row\"][data-load-id=\"" + loadId + "\"][data-status=\"undone\"]");
        awaitUi("the load shown undone", () -> undone.count() == 1);
        assertThat(page.getByTestId("undo-result").textContent()).contains(sample.rows() + " rows deleted");
        assertThat(up.count("select count(*) from ecommerce.order_events")).isZero();

        undone.getByTestId("restore-button").click();
        Locator restored = page.locator("[data-testid=\"file-status\"][data-key=\"ecommerce/order_events/order_events_001.csv\"]");
        awaitUi("the restored file loaded again", () -> "loaded".equals(attribute(restored, "data-state")));
        awaitUi("a new committed load listed", () -> committed.count() == 1 && !loadId.equals(attribute(committed, "data-load-id")));
        assertThat(up.count("select count(*) from ecommerce.order_events")).isEqualTo(sample.rows());
        assertThat(tab.problems()).isEmpty();
    }

    @Test
    void dashboardEditedInThePageIsSavedAndInvalidYamlIsRefused() throws IOException {
        ChuteProcess up = signedIn(chute.up(home));
        Path file = home.resolve("dashboards").resolve("ecommerce.yaml");
        await("the seed dashboard written").atMost(WAIT).until(() -> Files.exists(file));
        String original = Files.readString(file);

        page.navigate(up.url() + "/#/dashboards/ecommerce");
        awaitUi("the dashboard shown", () -> page.locator(".tile").count() > 0);
        page.getByTestId("dashboard-edit").click();
        Locator yaml = page.getByTestId("dashboard-yaml");
        awaitUi("the YAML in the editor", () -> yaml.inputValue().equals(original));

        yaml.fill(original.replace("chart: pie", "chart: donut"));
        page.getByTestId("dashboard-save").click();
        awaitUi("the refusal shown", () -> page.getByTestId("dashboard-error").count() == 1);
        assertThat(page.getByTestId("dashboard-error").textContent()).contains("donut").contains("chart");
        assertThat(Files.readString(file)).isEqualTo(original);

        yaml.fill(original.replace("title: E-commerce orders", "title: Shop orders"));
        page.getByTestId("dashboard-save").click();
        awaitUi("the saved dashboard drawn", () -> page.getByTestId("dashboard-saved").count() == 1
                && "Shop orders".equals(page.getByTestId("page-title").textContent()));
        assertThat(Files.readString(file)).contains("title: Shop orders");
        assertThat(tab.problems()).isEmpty();
    }

    @Test
    void queryResultIsChartedWithOnePointPerRow() throws IOException {
        ChuteProcess up = signedIn(chute.up(home));
        Sample sample = Sample.read(SAMPLE);
        land("ecommerce/order_events/order_events_001.csv", Files.readAllBytes(SAMPLE));
        awaitArchived("ecommerce/order_events/order_events_001.csv");

        page.navigate(up.url() + "/#/sql");
        page.getByTestId("sql-editor").fill("SELECT customer_email, count(*) AS events\nFROM ecommerce.order_events\nGROUP BY customer_email\nORDER BY customer_email");
        page.getByTestId("sql-editor").press("Control+Enter");

        Locator grid = page.getByTestId("result-grid");
        awaitUi("the result grid", () -> grid.count() == 1);
        assertThat(grid.getAttribute("data-rows")).isEqualTo(String.valueOf(sample.customers()));
        page.getByTestId("chart-type").selectOption("line");
        page.getByTestId("chart-x").selectOption("customer_email");
        page.getByTestId("chart-y").selectOption("events");
        Locator chart = page.getByTestId("sql-chart");
        awaitUi("the line chart drawn", () -> "line".equals(attribute(chart, "data-chart")) && "true".equals(attribute(chart, "data-rendered")));
        assertThat(chart.getAttribute("data-points")).isEqualTo(String.valueOf(sample.customers()));

        page.getByTestId("chart-type").selectOption("pie");
        awaitUi("the pie drawn", () -> "pie".equals(attribute(chart, "data-chart")) && "true".equals(attribute(chart, "data-rendered")));
        assertThat(chart.getAttribute("data-points")).isEqualTo(String.valueOf(sample.customers()));

        // sorting by a header click: descending by customer puts the last address first
        Locator header = page.locator("[data-testid=\"grid-header\"][data-column=\"customer_email\"]");
        header.click();
        header.click();
        awaitUi("sorted descending", () -> "descending".equals(attribute(header, "aria-sort")));
        assertThat(grid.getByTestId("grid-row").first().locator("td").first().textContent()).isEqualTo(sample.lastCustomer());
        assertThat(tab.problems()).isEmpty();
    }

    @Test
    void hostileQueriesAreRefusedWithTheServersMessageOnThePage() {
        ChuteProcess up = signedIn(chute.up(home));
        Path leak = home.resolve("leak.csv");
        List<String> hostile = List.of(
                "SELECT * FROM read_csv('/etc/passwd')",
                "COPY (SELECT 42 AS answer) TO '" + leak + "'",
                "ATTACH '" + home.resolve("other.duckdb") + "' AS other",
                "INSTALL httpfs");

        page.navigate(up.url() + "/#/sql");
        int runs = 0;
        for (String sql : hostile) {
            String expected = up.query(sql).body().path("error").asText();
            assertThat(expected).as("the API's answer to " + sql).isNotBlank();
            page.getByTestId("sql-editor").fill(sql);
            page.getByTestId("sql-run").click();
            String run = String.valueOf(++runs);
            awaitUi("the run of " + sql + " finished", () -> run.equals(attribute(page.getByTestId("sql-status"), "data-runs")));
            Locator message = page.getByTestId("sql-error-message");
            assertThat(message.textContent()).as("the refusal of " + sql).isEqualTo(expected);
            assertThat(page.getByTestId("sql-error").textContent()).startsWith("Query refused:");
            assertThat(page.getByTestId("result-grid").count()).as("no result for " + sql).isZero();
        }
        assertThat(leak).doesNotExist();
        assertThat(home.resolve("other.duckdb")).doesNotExist();
        assertThat(tab.problems()).isEmpty();
    }

    @Test
    void overviewShowsANewFileWithoutReloading() throws IOException {
        ChuteProcess up = signedIn(chute.up(home));
        Sample sample = Sample.read(SAMPLE);
        land("ecommerce/order_events/order_events_001.csv", Files.readAllBytes(SAMPLE));
        awaitArchived("ecommerce/order_events/order_events_001.csv");

        page.navigate(up.url() + "/#/overview");
        Locator row = page.locator("[data-testid=\"table-row\"][data-table=\"ecommerce.order_events\"]");
        awaitUi("the table on the overview", () -> String.valueOf(sample.rows()).equals(attribute(row, "data-rows")));
        awaitUi("the live stream connected", () -> "true".equals(attribute(page.getByTestId("live-indicator"), "data-live")));
        page.evaluate("() => { window.chuteTestMarker = 'still the same page'; }");

        String more = "order_id,customer_email,action,action_time\n"
                + "3c1d2f7f-1ff0-11ed-81ce-0242ac110001,new@example.com,paid,2022-08-21T10:00:00Z\n"
                + "3c1d2f7f-1ff0-11ed-81ce-0242ac110002,new@example.com,shipped,2022-08-22T10:00:00Z\n";
        land("ecommerce/order_events/order_events_002.csv", more.getBytes(StandardCharsets.UTF_8));

        long expected = sample.rows() + 2;
        awaitUi("the overview's row count updated by the live stream",
                () -> String.valueOf(expected).equals(attribute(row, "data-rows")));
        assertThat(row.locator("[data-col=\"rows\"]").textContent()).isEqualTo(String.valueOf(expected));
        assertThat(page.evaluate("() => window.chuteTestMarker")).as("the page was not reloaded").isEqualTo("still the same page");
        assertThat(page.locator(".page[data-page=\"overview\"]").getAttribute("data-events")).as("load events received").isNotNull();
        assertThat(up.count("select count(*) from ecommerce.order_events")).isEqualTo(expected);
        assertThat(tab.problems()).isEmpty();
    }

    /** Issue 12 item 11: a symbolic link in landing stayed there forever without showing anywhere. */
    @Test
    void overviewListsASymbolicLinkInLandingAsIgnored() throws IOException {
        ChuteProcess up = signedIn(chute.up(home));
        Path dir = Files.createDirectories(home.resolve("landing/ecommerce/order_events"));
        Path outside = Files.write(Files.createDirectories(home.resolve("outside")).resolve("elsewhere.csv"), Files.readAllBytes(SAMPLE));
        Files.createSymbolicLink(dir.resolve("linked.csv"), outside);

        page.navigate(up.url() + "/#/overview");
        Locator entry = page.locator("[data-testid=\"ignored-entry\"][data-key=\"ecommerce/order_events/linked.csv\"]");
        awaitUi("the link listed as ignored", () -> entry.count() == 1);
        assertThat(entry.textContent()).contains("symbolic link: not followed");
        assertThat(page.getByTestId("overview-ignored").locator("li[data-testid=\"ignored-entry\"]").count()).isEqualTo(1);
        assertThat(up.count("select count(*) from _chute.ledger")).as("nothing loaded through the link").isZero();
        assertThat(tab.problems()).isEmpty();
    }

    @Test
    void signInIsAskedForAndAViewerCannotChangeAnything() throws IOException {
        String viewerSecret = "viewer-secret-for-the-console-test";
        Files.writeString(home.resolve("chute.yaml"), """
                server:
                  auth: required
                  tokens:
                    - name: watcher
                      role: viewer
                      sha256: %s
                """.formatted(sha256(viewerSecret)));
        ChuteProcess up = chute.up(home, Map.of("CHUTE_TOKEN", "admin-secret-for-the-console-test"));
        land("ecommerce/order_events/order_events_001.csv", Files.readAllBytes(SAMPLE));
        awaitArchived("ecommerce/order_events/order_events_001.csv");
        String key = "ecommerce/order_events/broken.csv";
        land(key, "order_id,customer_email,action,action_time\n1,x@example.com,paid,not a time\n".getBytes(StandardCharsets.UTF_8));
        await("the broken file failed").atMost(WAIT).until(() -> Files.exists(home.resolve("failed").resolve(key)));

        page.navigate(up.url() + "/#/loads");
        Locator login = page.getByTestId("login");
        awaitUi("the sign-in form", login::isVisible);
        page.getByTestId("login-token").fill("not-a-token");
        page.getByTestId("login-submit").click();
        awaitUi("a wrong token refused", () -> page.getByTestId("login-error").isVisible());
        assertThat(page.getByTestId("login-error").textContent()).contains("not valid");

        page.getByTestId("login-token").fill(viewerSecret);
        page.getByTestId("login-submit").click();
        awaitUi("signed in", () -> !login.isVisible());
        Locator failure = page.locator("[data-testid=\"failure\"][data-key=\"" + key + "\"]");
        awaitUi("the failure listed for the viewer", () -> failure.count() == 1);
        assertThat(failure.getByTestId("replay-button").isDisabled()).as("a viewer cannot replay").isTrue();
        assertThat(page.getByTestId("replay-all").isDisabled()).isTrue();
        assertThat(page.getByTestId("nav-upload").isVisible()).as("a viewer sees no upload").isFalse();
        assertThat(page.getByTestId("session-role").textContent()).contains("viewer");
        assertThat(tab.problems()).isEmpty();
    }

    /** Issue 12, item 4: the link {@code chute up} prints signs its owner in with one click, once. */
    @Test
    void thePrintedSignInLinkSignsTheOwnerInOnce() {
        ChuteProcess up = chute.up(home);
        page.navigate(up.url() + "/#/overview");
        awaitUi("without the link, the sign-in form", () -> page.getByTestId("login").isVisible());

        String link = up.signInLink();
        page.navigate(link);
        awaitUi("the console, signed in", () -> page.getByTestId("session-role").textContent().contains("admin"));
        assertThat(page.getByTestId("login").isVisible()).isFalse();
        assertThat(page.url()).startsWith(up.url() + "/").doesNotContain("signin");
        assertThat(page.context().cookies().stream().filter(c -> c.name.equals("chute_session")).findFirst())
                .hasValueSatisfying(c -> assertThat(c.httpOnly).isTrue());
        assertThat(tab.problems()).isEmpty();

        try (ConsoleBrowser.Tab other = otherTab()) {
            com.microsoft.playwright.Response again = other.page().navigate(link);
            assertThat(again.status()).as("the same link in another browser").isEqualTo(401);
            assertThat(other.page().textContent("body")).contains("used already");
            assertThat(other.context().cookies()).isEmpty();
        }
    }

    /**
     * Screenshots of the overview and the ecommerce dashboard at 1280x800. With
     * {@code -Dchute.screenshots=true} they are written to docs/images/ (committed, shown in the docs);
     * otherwise to target/screenshots/, so that every run still draws both pages.
     */
    @Test
    void overviewAndDashboardScreenshots() throws IOException {
        ChuteProcess up = signedIn(chute.up(home));
        // exactly what the README walkthrough copies (issue 13, item 6), and one file that fails
        landSampleSet();
        land("ecommerce/order_events/order_events_012.csv",
                "order_id,customer_email,action,action_time\n9f0e7c1a-2000-11ed-81ce-0242ac110001,oops@example.com,paid,next tuesday\n"
                        .getBytes(StandardCharsets.UTF_8));
        await("the malformed file failed").atMost(WAIT).until(() -> Files.exists(home.resolve("failed/ecommerce/order_events/order_events_012.csv")));
        Path dir = System.getProperty("chute.screenshots") != null
                ? repositoryRoot().resolve("docs").resolve("images")
                : Path.of("target", "screenshots").toAbsolutePath();
        Files.createDirectories(dir);

        page.navigate(up.url() + "/#/overview");
        awaitUi("the overview drawn", () -> "true".equals(attribute(page.getByTestId("throughput-chart"), "data-rendered"))
                && page.getByTestId("overview-failure").count() == 1
                && "true".equals(attribute(page.getByTestId("live-indicator"), "data-live")));
        page.screenshot(new Page.ScreenshotOptions().setPath(dir.resolve("overview.png")));

        page.navigate(up.url() + "/#/dashboards/ecommerce");
        awaitUi("every tile drawn", () -> page.locator(".tile").count() > 0
                && page.locator(".tile .tile-chart:not([data-rendered=\"true\"])").count() == 0);
        page.screenshot(new Page.ScreenshotOptions().setPath(dir.resolve("dashboard-ecommerce.png")));

        assertThat(dir.resolve("overview.png")).isNotEmptyFile();
        assertThat(dir.resolve("dashboard-ecommerce.png")).isNotEmptyFile();
        assertThat(tab.problems()).isEmpty();
    }

    // ---- helpers

    /** Lands every file of the sample set, as the walkthrough's cp does, and waits until all are archived. */
    private void landSampleSet() throws IOException {
        for (Path file : SAMPLES) {
            land("ecommerce/order_events/" + file.getFileName(), Files.readAllBytes(file));
        }
        for (Path file : SAMPLES) {
            awaitArchived("ecommerce/order_events/" + file.getFileName());
        }
    }

    private static List<Path> sampleSet() {
        try (java.util.stream.Stream<Path> files = Files.list(repositoryRoot().resolve("samples"))) {
            List<Path> set = files.filter(f -> f.getFileName().toString().matches("order_events_\\d+\\.csv")).sorted().toList();
            assertThat(set).as("the sample set in samples/").hasSizeGreaterThan(1);
            return set;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void awaitArchived(String key) {
        await(key + " archived").atMost(WAIT).until(() -> HomeFiles.keys(home.resolve("archive")).contains(key));
    }

    private static String sha256(String secret) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The directory with the root pom: tests run in chute-app/, the samples and docs are beside it. */
    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs").resolve("console.md"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root (docs/console.md) above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** What the test expects of an order_events file, counted from the file itself. */
    private record Sample(long rows, long orders, long actions, long dayActions, long customers, String lastCustomer) {
        static Sample read(Path file) throws IOException {
            return read(List.of(file));
        }

        static Sample read(List<Path> files) throws IOException {
            List<String> lines = new java.util.ArrayList<>();
            for (Path file : files) {
                List<String> fileLines = Files.readAllLines(file, StandardCharsets.UTF_8);
                lines.addAll(lines.isEmpty() ? fileLines : fileLines.subList(1, fileLines.size()));
            }
            List<String> header = List.of(lines.get(0).split(","));
            int order = header.indexOf("order_id");
            int customer = header.indexOf("customer_email");
            int action = header.indexOf("action");
            int time = header.indexOf("action_time");
            Set<String> orders = new HashSet<>();
            Set<String> actions = new HashSet<>();
            Set<String> dayActions = new HashSet<>();
            java.util.TreeSet<String> customers = new java.util.TreeSet<>();
            long rows = 0;
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                rows++;
                orders.add(f[order]);
                actions.add(f[action]);
                customers.add(f[customer]);
                // the warehouse runs in UTC: CAST(action_time AS DATE) is the UTC day
                LocalDate day = OffsetDateTime.parse(f[time]).withOffsetSameInstant(ZoneOffset.UTC).toLocalDate();
                dayActions.add(day + "/" + f[action]);
            }
            return new Sample(rows, orders.size(), actions.size(), dayActions.size(), customers.size(), customers.last());
        }
    }
}
