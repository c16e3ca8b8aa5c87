package dev.chute.server;

import static java.util.stream.Collectors.counting;
import static java.util.stream.Collectors.groupingBy;
import static java.util.stream.Collectors.toSet;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.Pipeline;
import dev.chute.core.PipelineListener;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled {@code ecommerce.yaml} against a real DuckDB holding the real sample (and a second
 * file that moves some of its orders further down the funnel): every tile's rendered SQL passes the
 * read-only guard and answers what counting the CSV files says.
 */
class DashboardEcommerceTest {
    static final TableId TABLE = TableId.parse("ecommerce.order_events");
    static final List<String> STAGES = List.of("created", "paid", "shipped", "delivered");
    /** Later events of three sample orders, an order that skips stages, and an action outside the funnel. */
    static final String LATER = """
            order_id,customer_email,action,action_time
            1ec91ee6-1ff0-11ed-81ce-0242ac110004,bonillageorge@yahoo.com,paid,2022-08-20T09:00:00Z
            1e7c15c4-1ff0-11ed-81ce-0242ac110004,norrisdiamond@yahoo.com,paid,2022-08-20T10:30:00Z
            1ee95864-1ff0-11ed-81ce-0242ac110004,cynthiafitzgerald@yahoo.com,paid,2022-08-20T23:59:59Z
            1ec91ee6-1ff0-11ed-81ce-0242ac110004,bonillageorge@yahoo.com,shipped,2022-08-21T08:00:00Z
            1e7c15c4-1ff0-11ed-81ce-0242ac110004,norrisdiamond@yahoo.com,shipped,2022-08-21T12:00:00Z
            1ec91ee6-1ff0-11ed-81ce-0242ac110004,bonillageorge@yahoo.com,delivered,2022-08-23T15:00:00Z
            2b000000-1ff0-11ed-81ce-0242ac110004,bonillageorge@yahoo.com,created,2022-08-22T07:00:00Z
            2b000000-1ff0-11ed-81ce-0242ac110004,bonillageorge@yahoo.com,delivered,2022-08-24T07:00:00Z
            1ee95864-1ff0-11ed-81ce-0242ac110004,cynthiafitzgerald@yahoo.com,refunded,2022-08-25T16:00:00Z
            """;

    @TempDir
    Path home;
    Chute chute;
    List<Event> events;
    Dashboard dashboard;

    record Event(String orderId, String customer, String action, Instant time) {
        LocalDate day() {
            return time.atOffset(ZoneOffset.UTC).toLocalDate();
        }
    }

    @BeforeEach
    void loadTheSample() throws Exception {
        Path sample = sample();
        Path later = Files.writeString(home.resolve("order_events_002.csv"), LATER);
        chute = Chute.open(home, ChuteConfig.defaults(), false, PipelineListener.NONE);
        List<Pipeline.OneShotResult> results = chute.load(List.of(sample, later), Optional.of(TABLE), PipelineListener.NONE);
        assertThat(results).extracting(Pipeline.OneShotResult::status).containsOnly(Pipeline.ResultStatus.COMMITTED);
        events = new ArrayList<>();
        events.addAll(read(sample));
        events.addAll(read(later));
        DashboardStore store = new DashboardStore(home.resolve("dashboards"));
        store.installDefaults();
        dashboard = store.get(DashboardStore.DEFAULT_ID).orElseThrow();
    }

    @AfterEach
    void close() {
        if (chute != null) {
            chute.close();
        }
    }

    /** The seed sample of the repository: 10 order events of 2022-08-19. */
    static Path sample() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("samples").resolve("order_events_001.csv");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("samples/order_events_001.csv not found above " + Path.of("").toAbsolutePath());
    }

    static List<Event> read(Path csv) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo("order_id,customer_email,action,action_time");
        return lines.stream().skip(1).filter(l -> !l.isBlank()).map(l -> {
            String[] f = l.split(",", -1);
            assertThat(f).hasSize(4);
            return new Event(f[0], f[1], f[2], Instant.parse(f[3]));
        }).toList();
    }

    private QueryResult run(String title, DashboardTimeRange range, Instant now) {
        Dashboard.Tile tile = dashboard.tiles().stream().filter(t -> t.title().equals(title)).findFirst()
                .orElseThrow(() -> new AssertionError("no tile '" + title + "' in ecommerce.yaml"));
        QueryResult result = chute.query(tile.renderSql(range, now));
        List<String> names = result.columns().stream().map(QueryResult.Column::name).toList();
        tile.x().ifPresent(x -> assertThat(names).as("x of " + title).contains(x));
        assertThat(names).as("y of " + title).containsAll(tile.y());
        tile.series().ifPresent(s -> assertThat(names).as("series of " + title).contains(s));
        return result;
    }

    @Test
    void seedDashboardShowsEverythingByDefault() {
        assertThat(dashboard.timeRange()).isEqualTo(DashboardTimeRange.ALL);
        assertThat(dashboard.tiles()).extracting(Dashboard.Tile::title).containsExactly("Events", "Orders", "Orders per day by action",
                "Funnel (orders that reached each stage)", "Top customers", "Events by action", "Latest events");
    }

    @Test
    void everyTileMatchesTheCsvForAllTime() {
        checkEveryTile(DashboardTimeRange.ALL, Instant.now());
    }

    @Test
    void everyTileMatchesTheCsvForTheLastDayOfAPastMoment() {
        Instant now = Instant.parse("2022-08-21T10:00:00Z");
        List<Event> inRange = checkEveryTile(DashboardTimeRange.LAST_DAY, now);
        assertThat(inRange).as("the window holds some events but not all").isNotEmpty().hasSizeLessThan(events.size());
    }

    @Test
    void everyTileIsEmptyForTheLastHourOfToday() {
        List<Event> inRange = checkEveryTile(DashboardTimeRange.LAST_HOUR, Instant.now());
        assertThat(inRange).isEmpty();
    }

    /** Runs every tile for {@code range} at {@code now} and compares with the events of the CSV files in that range. */
    private List<Event> checkEveryTile(DashboardTimeRange range, Instant now) {
        Instant from = range.from(now);
        Instant to = range.to(now);
        List<Event> in = events.stream().filter(e -> !e.time().isBefore(from) && e.time().isBefore(to)).toList();

        assertThat(run("Events", range, now).rows()).containsExactly(List.of((long) in.size()));

        long orders = in.stream().map(Event::orderId).distinct().count();
        assertThat(run("Orders", range, now).rows()).containsExactly(List.of(orders));

        Map<LocalDate, Map<String, Set<String>>> perDay = in.stream().collect(groupingBy(Event::day,
                groupingBy(Event::action, java.util.stream.Collectors.mapping(Event::orderId, toSet()))));
        List<List<Object>> expectedPerDay = new ArrayList<>();
        perDay.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(day -> day.getValue().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(a -> expectedPerDay.add(List.of(day.getKey(), a.getKey(), (long) a.getValue().size()))));
        assertThat(run("Orders per day by action", range, now).rows()).containsExactlyElementsOf(expectedPerDay);

        Map<String, Integer> furthest = new java.util.HashMap<>();
        in.stream().filter(e -> STAGES.contains(e.action()))
                .forEach(e -> furthest.merge(e.orderId(), STAGES.indexOf(e.action()), Math::max));
        List<List<Object>> expectedFunnel = new ArrayList<>();
        for (int step = 0; step < STAGES.size(); step++) {
            int s = step;
            expectedFunnel.add(List.of(STAGES.get(step), furthest.values().stream().filter(f -> f >= s).count()));
        }
        assertThat(run("Funnel (orders that reached each stage)", range, now).rows()).containsExactlyElementsOf(expectedFunnel);

        record Customer(String email, long orders, long events) {
        }
        List<List<Object>> expectedCustomers = in.stream().collect(groupingBy(Event::customer)).entrySet().stream()
                .map(c -> new Customer(c.getKey(), c.getValue().stream().map(Event::orderId).distinct().count(), c.getValue().size()))
                .sorted(Comparator.comparingLong(Customer::orders).reversed()
                        .thenComparing(Comparator.comparingLong(Customer::events).reversed())
                        .thenComparing(Customer::email))
                .limit(10)
                .map(c -> List.<Object>of(c.email(), c.orders(), c.events()))
                .toList();
        assertThat(run("Top customers", range, now).rows()).containsExactlyElementsOf(expectedCustomers);

        Map<String, Long> byAction = in.stream().collect(groupingBy(Event::action, counting()));
        assertThat(run("Events by action", range, now).rows())
                .containsExactlyInAnyOrderElementsOf(byAction.entrySet().stream().map(a -> List.<Object>of(a.getKey(), a.getValue())).toList());

        QueryResult latest = run("Latest events", range, now);
        assertThat(latest.rows()).hasSize(Math.min(20, in.size()));
        in.stream().map(Event::time).max(Comparator.naturalOrder())
                .ifPresent(newest -> assertThat(latest.rows().get(0).get(0)).isEqualTo(newest));
        return in;
    }

    @Test
    void sampleFunnelHasEveryOrderCreatedAndTheLaterFileMovesThemOn() {
        List<List<Object>> funnel = run("Funnel (orders that reached each stage)", DashboardTimeRange.ALL, Instant.now()).rows();
        // counted by hand from the two files, as a check on the counting above
        assertThat(funnel).containsExactly(List.of("created", 11L), List.of("paid", 4L), List.of("shipped", 3L), List.of("delivered", 2L));
    }

    @Test
    void generatedTableDashboardRunsAgainstTheLoadedTable() {
        QueryResult empty = chute.query("SELECT * FROM ecommerce.order_events LIMIT 0");
        DashboardStore store = new DashboardStore(home.resolve("dashboards"));
        assertThat(store.ensureTableDashboard(TABLE, empty.columns(), chute.warehouse()::quoteIdentifier)).isTrue();
        Dashboard generated = store.get("ecommerce-order_events").orElseThrow();
        assertThat(generated.tiles()).extracting(Dashboard.Tile::title).containsExactly(
                "Rows", "Files loaded", "Rows loaded per day", "Rows per day by action_time", "Top 10 values of customer_email", "Latest rows");
        Instant now = Instant.now();
        for (Dashboard.Tile tile : generated.tiles()) {
            QueryResult result = chute.query(tile.renderSql(DashboardTimeRange.ALL, now));
            assertThat(result.rows()).as(tile.title()).isNotEmpty();
        }
        assertThat(chute.query(generated.tiles().get(0).renderSql(DashboardTimeRange.ALL, now)).rows()).containsExactly(List.of((long) events.size()));
        assertThat(chute.query(generated.tiles().get(1).renderSql(DashboardTimeRange.ALL, now)).rows()).containsExactly(List.of(2L));
        List<List<Object>> perDay = chute.query(generated.tiles().get(3).renderSql(DashboardTimeRange.ALL, now)).rows();
        Map<LocalDate, Long> expected = events.stream().collect(groupingBy(Event::day, java.util.TreeMap::new, counting()));
        assertThat(perDay).containsExactlyElementsOf(expected.entrySet().stream().map(e -> List.<Object>of(e.getKey(), e.getValue())).toList());
        List<List<Object>> top = chute.query(generated.tiles().get(4).renderSql(DashboardTimeRange.ALL, now)).rows();
        Map<String, Long> byCustomer = events.stream().collect(groupingBy(Event::customer, counting()));
        assertThat(top.get(0)).isEqualTo(List.of("bonillageorge@yahoo.com", byCustomer.get("bonillageorge@yahoo.com")));
    }
}
