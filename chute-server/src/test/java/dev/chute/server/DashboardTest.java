package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Json;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Parsing a dashboard's YAML: what is accepted, and what each mistake is told. */
class DashboardTest {
    static final String ORIGIN = "dashboards/shop.yaml";
    static final String VALID = """
            # a comment that must survive
            title: Shop
            refresh: 1m
            time_range: 7d
            tiles:
              - title: Orders
                chart: number
                sql: SELECT count(*) FROM shop.orders WHERE t >= {{from}} AND t < {{ to }}
              - title: Per day
                chart: line
                sql: |
                  SELECT CAST(t AS DATE) AS day, status, count(*) AS n
                  FROM shop.orders GROUP BY ALL
                x: day
                y: [n]
                series: status
                width: 4
              - title: Rows
                chart: table
                sql: SELECT * FROM shop.orders
            """;

    private static Dashboard parse(String yaml) {
        return Dashboard.parse("shop", yaml, ORIGIN);
    }

    /** {@code VALID} with its first occurrence of {@code from} replaced by {@code to}. */
    private static String valid(String from, String to) {
        assertThat(VALID).contains(from);
        return VALID.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to));
    }

    @Test
    void validYamlParsesEveryFieldAndKeepsTheSourceText() {
        Dashboard d = parse(VALID);
        assertThat(d.id()).isEqualTo("shop");
        assertThat(d.title()).isEqualTo("Shop");
        assertThat(d.refresh()).isEqualTo(Duration.ofMinutes(1));
        assertThat(d.timeRange()).isEqualTo(DashboardTimeRange.LAST_7_DAYS);
        assertThat(d.yaml()).isEqualTo(VALID).contains("# a comment that must survive");
        assertThat(d.tiles()).hasSize(3);
        Dashboard.Tile number = d.tiles().get(0);
        assertThat(number.chart()).isEqualTo(Dashboard.Chart.NUMBER);
        assertThat(number.x()).isEmpty();
        assertThat(number.y()).isEmpty();
        assertThat(number.width()).isEqualTo(Dashboard.DEFAULT_WIDTH);
        Dashboard.Tile line = d.tiles().get(1);
        assertThat(line.chart()).isEqualTo(Dashboard.Chart.LINE);
        assertThat(line.sql()).startsWith("SELECT CAST(t AS DATE)").endsWith("GROUP BY ALL\n");
        assertThat(line.x()).contains("day");
        assertThat(line.y()).containsExactly("n");
        assertThat(line.series()).contains("status");
        assertThat(line.width()).isEqualTo(4);
    }

    @Test
    void omittedOptionalFieldsTakeTheirDefaults() {
        Dashboard d = parse("title: Empty\n");
        assertThat(d.refresh()).isEqualTo(Dashboard.DEFAULT_REFRESH);
        assertThat(d.timeRange()).isEqualTo(DashboardTimeRange.ALL);
        assertThat(d.tiles()).isEmpty();
        assertThat(parse("title: Never\nrefresh: 0\n").refresh()).isZero();
    }

    @Test
    void singleYColumnMayBeWrittenWithoutBrackets() {
        Dashboard d = parse(valid("y: [n]", "y: n"));
        assertThat(d.tiles().get(1).y()).containsExactly("n");
    }

    @Test
    void serializesToTheJsonShapeOfTheApi() {
        JsonNode json = Json.mapper().valueToTree(parse(VALID));
        assertThat(json.get("id").asText()).isEqualTo("shop");
        assertThat(json.get("refresh").asText()).isEqualTo("1m");
        assertThat(json.get("timeRange").asText()).isEqualTo("7d");
        assertThat(json.get("yaml").asText()).isEqualTo(VALID);
        JsonNode number = json.get("tiles").get(0);
        assertThat(number.get("chart").asText()).isEqualTo("number");
        assertThat(number.get("x").isNull()).isTrue();
        assertThat(number.get("series").isNull()).isTrue();
        assertThat(number.get("y").isArray()).isTrue();
        assertThat(number.get("width").asInt()).isEqualTo(2);
        JsonNode line = json.get("tiles").get(1);
        assertThat(line.get("x").asText()).isEqualTo("day");
        assertThat(line.get("y").get(0).asText()).isEqualTo("n");
        assertThat(line.get("series").asText()).isEqualTo("status");
        assertThat(iterable(json.fieldNames())).containsExactlyInAnyOrder("id", "title", "refresh", "timeRange", "tiles", "yaml");
        assertThat(iterable(line.fieldNames())).containsExactlyInAnyOrder("title", "chart", "sql", "x", "y", "series", "width");
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> list = new java.util.ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }

    @Test
    void unknownChartNamesTheFileTheTileTheValueAndTheAllowedCharts() {
        assertThatThrownBy(() -> parse(valid("chart: table", "chart: donut")))
                .isInstanceOf(ChuteException.class)
                .satisfies(e -> assertThat(((ChuteException) e).code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessage("dashboards/shop.yaml: tiles[2].chart is 'donut'; expected one of line, bar, area, pie, scatter, number, table");
    }

    @Test
    void unknownFieldsAreErrorsThatNameThem() {
        assertThatThrownBy(() -> parse("title: T\ncolour: red\n"))
                .hasMessageContaining("dashboards/shop.yaml: unknown field 'colour'; expected title, refresh, time_range, tiles");
        assertThatThrownBy(() -> parse(valid("width: 4", "width: 4\n    colour: red")))
                .hasMessageContaining("dashboards/shop.yaml: unknown field 'colour' in tiles[1]; expected title, chart, sql, x, y, series, width");
        assertThatThrownBy(() -> parse("title: T\ntimeRange: all\n")).hasMessageContaining("unknown field 'timeRange'");
    }

    @Test
    void plottedChartsNeedXAndAtLeastOneY() {
        assertThatThrownBy(() -> parse(valid("    x: day\n", "")))
                .hasMessageContaining("dashboards/shop.yaml: tiles[1].x is missing; a line chart needs x");
        assertThatThrownBy(() -> parse(valid("y: [n]", "y: []")))
                .hasMessageContaining("dashboards/shop.yaml: tiles[1].y is missing; a line chart needs at least one y");
    }

    @Test
    void numberChartTakesNoXAxis() {
        assertThatThrownBy(() -> parse(valid("chart: number", "chart: number\n    x: day")))
                .hasMessageContaining("tiles[0].x is 'day'; a number chart");
    }

    @Test
    void sqlIsRequiredAndMustNotBeBlank() {
        assertThatThrownBy(() -> parse("title: T\ntiles:\n  - title: A\n    chart: table\n"))
                .hasMessageContaining("dashboards/shop.yaml: tiles[0].sql is missing");
        assertThatThrownBy(() -> parse("title: T\ntiles:\n  - title: A\n    chart: table\n    sql: '  '\n"))
                .hasMessageContaining("dashboards/shop.yaml: tiles[0].sql is missing or blank; expected a SELECT statement");
    }

    @Test
    void unknownPlaceholderInSqlIsRejected() {
        assertThatThrownBy(() -> parse(valid("{{ to }}", "{{until}}")))
                .hasMessageContaining("dashboards/shop.yaml: tiles[0].sql has the placeholder '{{until}}'; expected only {{from}} and {{to}}");
    }

    @Test
    void widthOutsideOneToFourIsRejected() {
        assertThatThrownBy(() -> parse(valid("width: 4", "width: 5")))
                .hasMessageContaining("dashboards/shop.yaml: tiles[1].width is 5; expected an integer from 1 to 4");
        assertThatThrownBy(() -> parse(valid("width: 4", "width: wide")))
                .hasMessageContaining("tiles[1].width is 'wide'; expected an integer from 1 to 4");
    }

    @Test
    void badTopLevelValuesNameTheFieldAndWhatIsAllowed() {
        assertThatThrownBy(() -> parse("refresh: 1m\n")).hasMessageContaining("dashboards/shop.yaml: title is missing");
        assertThatThrownBy(() -> parse("title: '   '\n")).hasMessageContaining("dashboards/shop.yaml: title is missing or blank");
        assertThatThrownBy(() -> parse("title: T\ntime_range: 2w\n"))
                .hasMessageContaining("dashboards/shop.yaml: time_range is '2w'; expected one of all, 1h, 24h, 7d, 30d, 90d, 365d");
        assertThatThrownBy(() -> parse("title: T\nrefresh: soon\n"))
                .hasMessageContaining("dashboards/shop.yaml: refresh is 'soon'; expected a duration");
        assertThatThrownBy(() -> parse("title: T\nrefresh: 10ms\n"))
                .hasMessageContaining("dashboards/shop.yaml: refresh is 10ms; expected 0 (never) or at least 1s");
        assertThatThrownBy(() -> parse("title: T\ntiles: many\n"))
                .hasMessageContaining("dashboards/shop.yaml: tiles is 'many'; expected a list of tiles");
        assertThatThrownBy(() -> parse("title: T\ntiles:\n  - just a string\n"))
                .hasMessageContaining("dashboards/shop.yaml: tiles[0] is 'just a string'; expected a mapping");
        assertThatThrownBy(() -> parse("- a\n- b\n")).hasMessageContaining("dashboards/shop.yaml: expected a mapping");
        assertThatThrownBy(() -> parse("title: [a, b]\n")).hasMessageContaining("dashboards/shop.yaml: title is a list; expected a single value");
    }

    @Test
    void malformedYamlIsReportedWithItsPosition() {
        assertThatThrownBy(() -> parse("title: T\ntiles: [\n"))
                .isInstanceOf(ChuteException.class)
                .hasMessageContaining("dashboards/shop.yaml is not valid YAML at line");
        assertThatThrownBy(() -> parse("title: A\ntitle: B\n"))
                .hasMessageContaining("dashboards/shop.yaml is not valid YAML")
                .hasMessageContaining("title");
    }

    @Test
    void idMustBeLowerCaseLettersDigitsDashOrUnderscore() {
        assertThatThrownBy(() -> Dashboard.parse("Shop", "title: T\n", "dashboards/Shop.yaml"))
                .hasMessageContaining("dashboards/Shop.yaml: dashboard id is 'Shop'; expected lower-case letters");
        assertThatThrownBy(() -> Dashboard.checkId("-shop")).hasMessageContaining("dashboard id is '-shop'");
        assertThatThrownBy(() -> Dashboard.checkId("../etc")).hasMessageContaining("dashboard id is '../etc'");
        assertThatThrownBy(() -> Dashboard.checkId("a".repeat(65))).hasMessageContaining("at most 64 characters");
        assertThat(Dashboard.checkId("a".repeat(64))).hasSize(64);
        assertThat(Dashboard.checkId("0_sales-eu")).isEqualTo("0_sales-eu");
    }

    @Test
    void tileBuiltInCodeIsValidatedLikeParsedOne() {
        assertThatThrownBy(() -> new Dashboard.Tile("T", Dashboard.Chart.BAR, "SELECT 1", Optional.empty(), List.of("n"), Optional.empty(), 2))
                .hasMessageContaining("x is missing; a bar chart needs x");
        Dashboard.Tile ok = new Dashboard.Tile("T", Dashboard.Chart.PIE, "SELECT 1", Optional.of("k"), List.of("n"), Optional.empty(), 1);
        assertThat(ok.width()).isEqualTo(1);
    }

    @Test
    void durationsAreWrittenAsTheyAreTyped() {
        assertThat(Dashboard.durationText(Duration.ZERO)).isEqualTo("0");
        assertThat(Dashboard.durationText(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(Dashboard.durationText(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Dashboard.durationText(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(Dashboard.durationText(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(Dashboard.durationText(Duration.ofDays(1))).isEqualTo("1d");
        assertThat(Dashboard.durationText(Duration.ofMillis(250))).isEqualTo("250ms");
    }
}
