package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Rendering a tile's {@code {{from}}} and {@code {{to}}} for a time range. */
class DashboardTimeRangeTest {
    static final Instant NOW = Instant.parse("2024-03-10T12:34:56.789Z");
    static final String SQL = "SELECT count(*) FROM t WHERE ts >= {{from}} AND ts < {{to}}";

    @Test
    void allSpansFrom1970ToTheYear9999() {
        assertThat(DashboardTimeRange.ALL.render(SQL, NOW)).isEqualTo(
                "SELECT count(*) FROM t WHERE ts >= TIMESTAMP '1970-01-01 00:00:00+00' AND ts < TIMESTAMP '9999-12-31 00:00:00+00'");
    }

    @Test
    void lastDayEndsJustAfterNowAndStartsADayBefore() {
        assertThat(DashboardTimeRange.LAST_DAY.render(SQL, NOW)).isEqualTo(
                "SELECT count(*) FROM t WHERE ts >= TIMESTAMP '2024-03-09 12:34:56+00' AND ts < TIMESTAMP '2024-03-10 12:34:57+00'");
    }

    @Test
    void everyRangeReachesBackByItsLength() {
        assertThat(DashboardTimeRange.LAST_HOUR.from(NOW)).isEqualTo("2024-03-10T11:34:56Z");
        assertThat(DashboardTimeRange.LAST_7_DAYS.from(NOW)).isEqualTo("2024-03-03T12:34:56Z");
        assertThat(DashboardTimeRange.LAST_30_DAYS.from(NOW)).isEqualTo("2024-02-09T12:34:56Z");
        assertThat(DashboardTimeRange.LAST_90_DAYS.from(NOW)).isEqualTo("2023-12-11T12:34:56Z");
        assertThat(DashboardTimeRange.LAST_365_DAYS.from(NOW)).isEqualTo("2023-03-11T12:34:56Z");
        assertThat(DashboardTimeRange.LAST_365_DAYS.to(NOW)).isEqualTo("2024-03-10T12:34:57Z");
    }

    @Test
    void namesParseAndAreListedInOrder() {
        assertThat(DashboardTimeRange.allowed()).isEqualTo("all, 1h, 24h, 7d, 30d, 90d, 365d");
        assertThat(Arrays.stream(DashboardTimeRange.values()).map(r -> DashboardTimeRange.parse(r.text())))
                .containsExactly(DashboardTimeRange.values());
        assertThat(DashboardTimeRange.parse("30d")).isEqualTo(DashboardTimeRange.LAST_30_DAYS);
    }

    @Test
    void unknownRangeIsAConfigurationErrorNamingTheAllowedValues() {
        assertThatThrownBy(() -> DashboardTimeRange.parse("2w"))
                .isInstanceOf(ChuteException.class)
                .satisfies(e -> assertThat(((ChuteException) e).code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessage("time range is '2w'; expected one of all, 1h, 24h, 7d, 30d, 90d, 365d");
    }

    @Test
    void placeholdersMayHaveSpacesAndRepeat() {
        assertThat(DashboardTimeRange.ALL.render("{{ from }} {{from}} {{to }}", NOW)).isEqualTo(
                "TIMESTAMP '1970-01-01 00:00:00+00' TIMESTAMP '1970-01-01 00:00:00+00' TIMESTAMP '9999-12-31 00:00:00+00'");
        assertThat(DashboardTimeRange.ALL.render("SELECT 1", NOW)).isEqualTo("SELECT 1");
    }

    @Test
    void unknownPlaceholderIsAnError() {
        assertThatThrownBy(() -> DashboardTimeRange.ALL.render("SELECT {{now}}", NOW))
                .isInstanceOf(ChuteException.class)
                .hasMessageContaining("'{{now}}'; expected only {{from}} and {{to}}");
    }

    @Test
    void tileRendersItsSqlForARange() {
        Dashboard d = Dashboard.parse("t", "title: T\ntiles:\n  - title: N\n    chart: number\n    sql: " + SQL + "\n", "dashboards/t.yaml");
        assertThat(d.tiles().get(0).renderSql(DashboardTimeRange.LAST_HOUR, NOW))
                .isEqualTo("SELECT count(*) FROM t WHERE ts >= TIMESTAMP '2024-03-10 11:34:56+00' AND ts < TIMESTAMP '2024-03-10 12:34:57+00'");
    }
}
