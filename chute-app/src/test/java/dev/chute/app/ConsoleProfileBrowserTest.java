package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 3: the tables page shows a distinct count as a count only when it is one. DuckDB's
 * estimate (809,343 for 1,000,000 unique ids) was shown as if it were counted.
 */
class ConsoleProfileBrowserTest extends ConsoleBrowserTestBase {
    /** More values (rows times columns) than DuckDB's profile counts exactly: its distinct counts are estimates. */
    private static final int WIDE_COLUMNS = 21;

    @Test
    void distinctCountsAreCountsOrShownAsEstimates() throws Exception {
        // the tables are made in the home's warehouse file before chute up opens it: a million rows load faster this way
        String wide = IntStream.range(0, WIDE_COLUMNS).mapToObj(i -> "range AS c" + i).collect(Collectors.joining(", "));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + home.resolve("warehouse.duckdb")); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA s");
            s.execute("CREATE TABLE s.ids AS SELECT range AS id FROM range(1000000)");
            s.execute("CREATE TABLE s.wide AS SELECT " + wide + " FROM range(1000000)");
        }
        ChuteProcess up = signedIn(chute.up(home));

        page.navigate(up.url() + "/#/tables/s.ids");
        Locator id = page.locator("[data-testid=\"profile-table\"] tr[data-column=\"id\"] td[data-col=\"distinct\"]");
        awaitUi("the profile of s.ids shown", () -> id.count() == 1);
        assertThat(id.textContent().replaceAll("[^0-9≈]", "")).isEqualTo("1000000");
        assertThat(page.getByTestId("distinct-estimate").count()).isZero();
        // the query link names the table as the warehouse quotes it
        assertThat(page.getByTestId("query-table").getAttribute("href")).contains(java.net.URLEncoder.encode("\"s\".\"ids\"", java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20"));

        page.navigate(up.url() + "/#/tables/s.wide");
        Locator c0 = page.locator("[data-testid=\"profile-table\"] tr[data-column=\"c0\"] td[data-col=\"distinct\"]");
        awaitUi("the profile of s.wide shown", () -> c0.count() == 1);
        assertThat(c0.textContent()).startsWith("≈ ").endsWith("(estimate, ±13% standard error)");
        assertThat(page.getByTestId("distinct-estimate").count()).isEqualTo(WIDE_COLUMNS);
        assertThat(tab.problems()).isEmpty();
    }
}
