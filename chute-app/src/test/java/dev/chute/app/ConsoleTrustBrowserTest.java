package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Locator;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 (items 5, 10 and 11) in a real browser against a real {@code chute up}: what the console
 * shows can be trusted at a glance. A file in failed/ makes the overview say "attention" with the
 * count; its table, never created, is not a link to a missing page; a query of a missing table is an
 * error in the query, not a refusal; a timestamp without time zone has no zone on the page and a
 * struct is JSON; lineage comes a page at a time with where the page is in the total.
 */
class ConsoleTrustBrowserTest extends ConsoleBrowserTestBase {

    /**
     * Items 5, 10 and 11: every health card was green "OK" while a file sat in failed/; the failed
     * file linked to the page of a table that was never created; "SELECT * FROM nope" was labelled
     * "Query refused"; a TIMESTAMP without time zone showed a Z and a struct showed as {k=1}.
     */
    @Test
    void aFailedFileNeedsAttentionAndItsMissingTableIsNoLink() throws IOException {
        ChuteProcess up = signedIn(chute.up(home));
        land("shop/fine/a.csv", "id\n1\n");
        land("shop/broken/a.jsonl", "{\"id\": 1}\n{not json\n");
        await("a.jsonl failed").atMost(WAIT).until(() -> HomeFiles.keys(home.resolve("failed")).contains("shop/broken/a.jsonl"));
        await("a.csv archived").atMost(WAIT).until(() -> HomeFiles.keys(home.resolve("archive")).contains("shop/fine/a.csv"));

        page.navigate(up.url() + "/#/overview");
        Locator state = page.getByTestId("overview-state");
        awaitUi("the overview says attention", () -> "attention".equals(attribute(state, "data-state")));
        assertThat(state.textContent()).isEqualTo("attention: 1 failed file");
        Locator failed = page.getByTestId("failed-files");
        assertThat(failed.getAttribute("data-state")).isEqualTo("attention");
        assertThat(page.getByTestId("failed-files-value").textContent()).isEqualTo("1");
        // times on the page are in the browser's zone, and say which
        awaitUi("the failure listed", () -> page.getByTestId("overview-failure").count() == 1);
        assertThat(page.getByTestId("overview-failure").locator("time").textContent()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+");
        // so are the minutes of the throughput chart: its time axis names the zone it is drawn in
        Locator throughput = page.getByTestId("throughput-chart");
        awaitUi("the throughput chart drawn", () -> "true".equals(attribute(throughput, "data-rendered")));
        String zone = (String) page.evaluate("() => new Intl.DateTimeFormat(undefined, {timeZoneName: 'short'}).formatToParts(new Date())"
                + ".find(p => p.type === 'timeZoneName').value");
        assertThat(throughput.evaluate("el => echarts.getInstanceByDom(el).getOption().xAxis[0].name")).isEqualTo(zone);

        page.navigate(up.url() + "/#/loads");
        Locator failure = page.locator("[data-testid=\"failure\"][data-key=\"shop/broken/a.jsonl\"]");
        awaitUi("the failed file listed on Loads", () -> failure.count() == 1);
        assertThat(failure.getByTestId("failure-table").textContent()).isEqualTo("shop.broken");
        assertThat(failure.locator("a[href=\"#/tables/shop.broken\"]").count()).as("no link to the page of a table that does not exist").isZero();

        page.navigate(up.url() + "/#/sql?q=" + URLEncoder.encode("SELECT * FROM nope", StandardCharsets.UTF_8));
        awaitUi("the query's error shown", () -> page.getByTestId("sql-error").count() == 1);
        assertThat(page.getByTestId("sql-error-kind").textContent()).isEqualTo("Error in the query: ");
        assertThat(page.getByTestId("sql-error-message").textContent()).contains("nope");

        String sql = "SELECT TIMESTAMP '2024-05-01 10:00:00' AS local_time, {'k': 1, 'l': [1, 2]} AS st";
        page.navigate(up.url() + "/#/sql?q=" + URLEncoder.encode(sql, StandardCharsets.UTF_8));
        Locator cells = page.locator("[data-testid=\"result-grid\"] [data-testid=\"grid-row\"] td");
        awaitUi("the result shown", () -> cells.count() == 2);
        assertThat(cells.nth(0).textContent()).isEqualTo("2024-05-01 10:00:00");
        assertThat(cells.nth(1).textContent()).isEqualTo("{\"k\":1,\"l\":[1,2]}");
        assertThat(tab.problems()).isEmpty();
    }

    /** Item 11: a table page listed its first 100 source files and no more; now 50 at a time, with "1–50 of 51" and Next/Previous. */
    @Test
    void tablePageListsLineageAPageAtATimeWithTheTotal() throws IOException {
        ChuteProcess up = signedIn(chute.up(home));
        for (int i = 1; i <= 51; i++) {
            land("shop/items/f" + i + ".csv", "id\n" + i + "\n");
        }
        await("51 files loaded").atMost(WAIT).until(() -> HomeFiles.keys(home.resolve("archive")).size() == 51);

        page.navigate(up.url() + "/#/tables/shop.items");
        Locator range = page.getByTestId("lineage-range");
        awaitUi("the first page of lineage", () -> range.count() == 1 && range.textContent().equals("1–50 of 51"));
        assertThat(page.locator("[data-testid=\"lineage-table\"] tbody tr").count()).isEqualTo(50);
        assertThat(page.getByTestId("lineage-prev").isDisabled()).isTrue();
        page.getByTestId("lineage-next").click();
        awaitUi("the second page of lineage", () -> range.textContent().equals("51–51 of 51"));
        assertThat(page.locator("[data-testid=\"lineage-table\"] tbody tr").count()).isEqualTo(1);
        assertThat(page.getByTestId("lineage-next").isDisabled()).isTrue();
        page.getByTestId("lineage-prev").click();
        awaitUi("back on the first page", () -> range.textContent().equals("1–50 of 51"));
        assertThat(tab.problems()).isEmpty();
    }
}
