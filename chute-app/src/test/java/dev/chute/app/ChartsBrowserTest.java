package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the charts of the SQL page and of dashboard tiles draw, read back from the chart itself (the
 * ECharts instance in a real Chromium, against a real {@code chute up}): which value sits at which
 * category or time, on what kind of axis, in which colour.
 */
class ChartsBrowserTest extends ConsoleBrowserTestBase {

    /**
     * The chart's series as drawn: name, colour and points (x as the axis shows it: a category, an
     * ISO time, or a pie's slice name, with the value drawn there). Reads ECharts' own model.
     */
    private static final String DRAWN = """
            el => {
              const chart = echarts.getInstanceByDom(el);
              const option = chart.getOption();
              const axis = option.xAxis && option.xAxis.length ? option.xAxis[0] : null;
              const model = chart.getModel();
              return option.series.map((s, i) => {
                const data = model.getSeriesByIndex(i).getData();
                const points = s.data.map((d, k) => {
                  if (s.type === 'pie') return [d.name, d.value, data.getItemVisual(k, 'style').fill];
                  if (Array.isArray(d)) return [axis.type === 'time' ? new Date(d[0]).toISOString() : String(d[0]), d[1], null];
                  return [String(axis.data[k]), d, null];
                });
                const style = data.getVisual('style');
                return {name: s.name, axis: axis ? axis.type : 'none', color: s.type === 'pie' ? '' : style[data.getVisual('drawType')] || style.fill, points};
              });
            }""";

    /**
     * Issue 13, item 1: with x repeating and no series, the chart took distinct x values as
     * categories but every row as data, so 1, 2, 3 were drawn against a, b, c. Rows that share a
     * category (and series) are summed, and the chart says so.
     */
    @Test
    void rowsThatRepeatACategoryAreSummedNeverShiftedOntoAnother() {
        ChuteProcess up = signedIn(chute.up(home));
        page.navigate(up.url() + "/#/sql");

        run(1, "SELECT x, y FROM (VALUES ('a', 1), ('a', 2), ('b', 3), ('c', 4)) t(x, y)");
        Locator chart = page.getByTestId("sql-chart");
        for (String type : List.of("bar", "line")) {
            page.getByTestId("chart-type").selectOption(type);
            awaitUi("the " + type + " chart drawn", () -> type.equals(attribute(chart, "data-chart")) && "true".equals(attribute(chart, "data-rendered")));
            List<Drawn> drawn = drawn(chart);
            assertThat(drawn).as(type).singleElement().satisfies(s -> {
                assertThat(s.points()).as("category -> value of the " + type + " chart").containsExactly(
                        Map.entry("a", 3.0), Map.entry("b", 3.0), Map.entry("c", 4.0));
                assertThat(s.name()).as("the series says its values are sums").isEqualTo("y (sum)");
            });
            assertThat(chart.getAttribute("data-aggregated")).isEqualTo("sum");
            assertThat(chart.getAttribute("data-points")).isEqualTo("3");
            assertThat(page.getByTestId("chart-aggregated").textContent()).contains("summed");
        }

        // with a series, a repeated (x, series) pair is summed too, never overwritten by the last row
        run(2, "SELECT x, s, y FROM (VALUES ('a', 'p', 1), ('a', 'p', 2), ('a', 'q', 5), ('b', 'p', 3)) t(x, s, y)");
        page.getByTestId("chart-series").selectOption("s");
        awaitUi("the chart by series drawn", () -> drawn(chart).size() == 2);
        Map<String, Map<String, Double>> bySeries = new LinkedHashMap<>();
        drawn(chart).forEach(s -> bySeries.put(s.name(), s.points()));
        assertThat(bySeries).containsExactly(
                Map.entry("p (sum)", Map.of("a", 3.0, "b", 3.0)),
                Map.entry("q (sum)", Map.of("a", 5.0)));

        // rows that each have their own category are drawn as they are, without a word about sums
        run(3, "SELECT x, y FROM (VALUES ('a', 1), ('b', 2)) t(x, y)");
        awaitUi("the plain chart drawn", () -> drawn(chart).size() == 1 && "y".equals(drawn(chart).getFirst().name()));
        assertThat(drawn(chart).getFirst().points()).containsExactly(Map.entry("a", 1.0), Map.entry("b", 2.0));
        assertThat(chart.getAttribute("data-aggregated")).isNull();
        assertThat(page.getByTestId("chart-aggregated").count()).isZero();
        assertThat(tab.problems()).isEmpty();
    }

    /**
     * Issue 13, item 4: dates were categories, so 2022-08-20, 2022-08-21 and 2024-03-01 stood at
     * equal distances. DATE and TIMESTAMP WITH TIME ZONE columns are drawn on a time axis.
     */
    @Test
    void datesAndTimesAreDrawnOnATimeAxis() {
        ChuteProcess up = signedIn(chute.up(home));
        page.navigate(up.url() + "/#/sql");
        run(1, """
                SELECT day, ts, n FROM (VALUES
                  (DATE '2024-03-01', TIMESTAMPTZ '2024-03-01 12:00:00+00', 3),
                  (DATE '2022-08-20', TIMESTAMPTZ '2022-08-20 12:00:00+00', 1),
                  (DATE '2022-08-21', TIMESTAMPTZ '2022-08-21 12:00:00+00', 2)) t(day, ts, n)""");
        Locator chart = page.getByTestId("sql-chart");
        page.getByTestId("chart-type").selectOption("line");
        for (String x : List.of("day", "ts")) {
            page.getByTestId("chart-x").selectOption(x);
            page.getByTestId("chart-y").selectOption("n");
            String time = x.equals("day") ? "T00:00:00.000Z" : "T12:00:00.000Z";
            awaitUi("the line chart over " + x + " drawn", () -> "true".equals(attribute(chart, "data-rendered"))
                    && x.equals(page.getByTestId("chart-x").inputValue()) && drawn(chart).getFirst().points().size() == 3);
            Drawn line = drawn(chart).getFirst();
            assertThat(line.axis()).as("the x axis of " + x).isEqualTo("time");
            assertThat(line.points()).as("time -> value, in time order").containsExactly(
                    Map.entry("2022-08-20" + time, 1.0), Map.entry("2022-08-21" + time, 2.0), Map.entry("2024-03-01" + time, 3.0));
            double first = pixel(chart, "2022-08-20" + time);
            double second = pixel(chart, "2022-08-21" + time);
            double last = pixel(chart, "2024-03-01" + time);
            assertThat(last - second).as("a year and a half is drawn longer than a day (pixels)").isGreaterThan(100 * (second - first));
        }
        assertThat(tab.problems()).isEmpty();
    }

    /**
     * Issue 13, item 4: a series took its colour from its position in each tile, so the same
     * action was blue on one tile and green on the next. A name has one colour on the whole
     * dashboard: a line's series, a bar's series and a pie's slice alike. The tile over days draws
     * them on a time axis.
     */
    @Test
    void aSeriesHasTheSameColourOnEveryTileOfADashboard() throws IOException {
        Files.createDirectories(home.resolve("dashboards"));
        Files.writeString(home.resolve("dashboards").resolve("colours.yaml"), """
                title: Colours
                refresh: 0
                tiles:
                  - title: By day
                    chart: line
                    sql: |
                      SELECT day, action, n FROM (VALUES
                        (DATE '2022-08-20', 'created', 5), (DATE '2022-08-20', 'paid', 3),
                        (DATE '2022-08-22', 'created', 4), (DATE '2022-08-22', 'shipped', 2)) t(day, action, n)
                    x: day
                    y: [n]
                    series: action
                  - title: By week
                    chart: bar
                    sql: |
                      SELECT week, action, n FROM (VALUES
                        ('w1', 'shipped', 2), ('w1', 'paid', 3), ('w1', 'created', 9)) t(week, action, n)
                    x: week
                    y: [n]
                    series: action
                  - title: Share
                    chart: pie
                    sql: |
                      SELECT action, n FROM (VALUES ('paid', 3), ('shipped', 2), ('created', 9)) t(action, n)
                    x: action
                    y: [n]
                """);
        ChuteProcess up = signedIn(chute.up(home));
        page.navigate(up.url() + "/#/dashboards/colours");
        awaitUi("every tile drawn", () -> page.locator(".tile").count() == 3
                && page.locator(".tile .tile-chart:not([data-rendered=\"true\"])").count() == 0);

        List<Drawn> byDay = drawn(tile("By day"));
        Map<String, String> line = colours(byDay);
        Map<String, String> bar = colours(drawn(tile("By week")));
        Map<String, String> pie = new LinkedHashMap<>();
        drawn(tile("Share")).getFirst().colours().forEach(pie::put);
        assertThat(line.keySet()).containsExactlyInAnyOrder("created", "paid", "shipped");
        assertThat(bar).as("the bar tile's colours, by series").isEqualTo(line);
        assertThat(pie).as("the pie's colours, by slice").isEqualTo(line);
        assertThat(line.values()).as("three series, three colours").doesNotHaveDuplicates();
        assertThat(byDay).allSatisfy(s -> assertThat(s.axis()).as("days on a time axis").isEqualTo("time"));

        // and the same colours at the next visit: tiles are drawn in their order, whichever answers first
        page.navigate(up.url() + "/#/dashboards");
        awaitUi("the list of dashboards", () -> page.getByTestId("dashboard-list").count() == 1);
        page.navigate(up.url() + "/#/dashboards/colours");
        awaitUi("every tile drawn again", () -> page.locator(".tile").count() == 3
                && page.locator(".tile .tile-chart:not([data-rendered=\"true\"])").count() == 0);
        assertThat(colours(drawn(tile("By day")))).as("the colours at the next visit").isEqualTo(line);
        assertThat(page.locator("[data-testid^=\"tile-error\"]").count()).isZero();
        assertThat(tab.problems()).isEmpty();
    }

    // ---- helpers

    /** One series of a chart as drawn: points in drawing order, x (category, ISO time or slice) to value. */
    private record Drawn(String name, String axis, String color, Map<String, Double> points, Map<String, String> colours) {
    }

    @SuppressWarnings("unchecked")
    private List<Drawn> drawn(Locator chart) {
        List<Map<String, Object>> series = (List<Map<String, Object>>) chart.evaluate(DRAWN);
        return series.stream().map(s -> {
            Map<String, Double> points = new LinkedHashMap<>();
            Map<String, String> colours = new LinkedHashMap<>();
            for (List<Object> p : (List<List<Object>>) s.get("points")) {
                if (p.get(1) == null) {
                    continue; // a gap: nothing drawn there
                }
                points.put((String) p.get(0), ((Number) p.get(1)).doubleValue());
                if (p.get(2) != null) {
                    colours.put((String) p.get(0), (String) p.get(2));
                }
            }
            return new Drawn((String) s.get("name"), (String) s.get("axis"), (String) s.get("color"), points, colours);
        }).toList();
    }

    /** Colour by series name, without the " (sum)" a summed series carries. */
    private static Map<String, String> colours(List<Drawn> series) {
        Map<String, String> colours = new LinkedHashMap<>();
        series.forEach(s -> colours.put(s.name().replace(" (sum)", ""), s.color()));
        return colours;
    }

    /** Where on the x axis of the chart an ISO time is drawn, in pixels. */
    private static double pixel(Locator chart, String isoTime) {
        return ((Number) chart.evaluate("(el, t) => echarts.getInstanceByDom(el).convertToPixel({xAxisIndex: 0}, Date.parse(t))", isoTime)).doubleValue();
    }

    /** Runs sql on the SQL page and waits for its chart (the runs-th run of the page). */
    private void run(int runs, String sql) {
        page.getByTestId("sql-editor").fill(sql);
        page.getByTestId("sql-run").click();
        awaitUi("run " + runs + " finished", () -> String.valueOf(runs).equals(attribute(page.getByTestId("sql-status"), "data-runs")));
        assertThat(page.getByTestId("sql-error").count()).as("no error for " + sql).isZero();
        awaitUi("the chart of run " + runs + " drawn", () -> "true".equals(attribute(page.getByTestId("sql-chart"), "data-rendered")));
    }
}
