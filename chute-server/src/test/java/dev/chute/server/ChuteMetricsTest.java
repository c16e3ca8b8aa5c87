package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSummary;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Prometheus metrics, read back from the text format the way Prometheus reads them. */
class ChuteMetricsTest {
    static final TableId ORDERS = TableId.parse("sales.orders");
    static final TableId CLICKS = TableId.parse("web.clicks");
    static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");

    final MutableClock clock = new MutableClock(T0);
    final AtomicLong backlog = new AtomicLong();
    final AtomicReference<List<TableSummary>> summaries = new AtomicReference<>(List.of());
    final AtomicInteger tableReads = new AtomicInteger();
    final AtomicBoolean warehouseDown = new AtomicBoolean();
    final Supplier<List<TableSummary>> tables = () -> {
        tableReads.incrementAndGet();
        if (warehouseDown.get()) {
            throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "database is locked");
        }
        return summaries.get();
    };
    // the default layout: dataset/table/file
    final Function<String, Optional<TableId>> tableOfKey = key -> {
        String[] parts = key.split("/");
        return parts.length >= 3 && TableId.isIdentifier(parts[0]) && TableId.isIdentifier(parts[1])
                ? Optional.of(new TableId(parts[0], parts[1])) : Optional.empty();
    };
    final ChuteMetrics metrics = new ChuteMetrics(backlog::get, tables, tableOfKey, Duration.ofSeconds(15), clock);

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void loadsAreCountedPerTable() {
        metrics.loaded("sales/orders/a.csv", ORDERS, 100, 4_000, 30);
        metrics.loaded("sales/orders/b.csv", ORDERS, 50, 2_000, 30);
        metrics.loaded("web/clicks/c.json", CLICKS, 7, 900, 12);

        Map<String, Double> series = parse(metrics.scrape());

        assertThat(series).containsEntry("chute_files_loaded_total{table=\"sales.orders\"}", 2.0)
                .containsEntry("chute_rows_loaded_total{table=\"sales.orders\"}", 150.0)
                .containsEntry("chute_bytes_loaded_total{table=\"sales.orders\"}", 6_000.0)
                .containsEntry("chute_files_loaded_total{table=\"web.clicks\"}", 1.0)
                .containsEntry("chute_rows_loaded_total{table=\"web.clicks\"}", 7.0)
                .containsEntry("chute_bytes_loaded_total{table=\"web.clicks\"}", 900.0);
    }

    @Test
    void loadDurationIsAHistogramPrometheusCanTakeQuantilesFrom() {
        metrics.loaded("sales/orders/a.csv", ORDERS, 1, 1, 50);
        metrics.loaded("sales/orders/b.csv", ORDERS, 1, 1, 200);
        metrics.loaded("sales/orders/c.csv", ORDERS, 1, 1, 2_000);

        Map<String, Double> series = parse(metrics.scrape());

        assertThat(series).containsEntry("chute_load_duration_seconds_count", 3.0);
        assertThat(series.get("chute_load_duration_seconds_sum")).isCloseTo(2.25, within(1e-9));
        assertThat(series).containsEntry("chute_load_duration_seconds_bucket{le=\"+Inf\"}", 3.0);
        Map<Double, Double> buckets = new LinkedHashMap<>();
        series.forEach((name, count) -> {
            if (name.startsWith("chute_load_duration_seconds_bucket{") && !name.contains("+Inf")) {
                buckets.put(Double.parseDouble(name.replaceAll(".*le=\"([^\"]+)\".*", "$1")), count);
            }
        });
        assertThat(buckets).hasSizeGreaterThan(10);
        // cumulative: each bucket counts the loads that took at most its bound
        List<Double> observed = List.of(0.05, 0.2, 2.0);
        buckets.forEach((le, count) -> assertThat(count)
                .as("bucket le=%s", le)
                .isEqualTo((double) observed.stream().filter(o -> o <= le).count()));
        assertThat(buckets.values()).contains(0.0, 1.0, 2.0, 3.0);
    }

    @Test
    void duplicatesAreCounted() {
        metrics.duplicate("sales/orders/a.csv");
        metrics.duplicate("sales/orders/a.csv");

        assertThat(parse(metrics.scrape())).containsEntry("chute_files_duplicate_total", 2.0);
    }

    @Test
    void failuresAreCountedByTablePermanenceAndCode() {
        LoadError typeConflict = LoadError.of(ErrorCode.TYPE_CONFLICT, "line 3: expected BIGINT, found 'x'");
        LoadError warehouseDown = LoadError.of(ErrorCode.WAREHOUSE_UNAVAILABLE, "database is locked");
        LoadError unroutable = LoadError.of(ErrorCode.UNROUTABLE, "cannot route 'stray.csv'");
        metrics.failed("sales/orders/a.csv", typeConflict, true);
        metrics.failed("sales/orders/b.csv", typeConflict, true);
        metrics.failed("sales/orders/c.csv", warehouseDown, false);
        metrics.failed("stray.csv", unroutable, true);

        Map<String, Double> series = parse(metrics.scrape());

        assertThat(series)
                .containsEntry("chute_files_failed_total{code=\"TYPE_CONFLICT\",permanent=\"true\",table=\"sales.orders\"}", 2.0)
                .containsEntry("chute_files_failed_total{code=\"WAREHOUSE_UNAVAILABLE\",permanent=\"false\",table=\"sales.orders\"}", 1.0)
                .containsEntry("chute_files_failed_total{code=\"UNROUTABLE\",permanent=\"true\",table=\"unknown\"}", 1.0);
    }

    @Test
    void objectKeysNeverBecomeLabels() {
        metrics.loaded("sales/orders/2025/06/01/part-0001.csv", ORDERS, 1, 1, 1);
        metrics.duplicate("sales/orders/2025/06/01/part-0002.csv");
        metrics.failed("sales/orders/2025/06/01/part-0003.csv", LoadError.of(ErrorCode.MALFORMED, "bad"), true);

        assertThat(metrics.scrape()).doesNotContain("part-000");
    }

    @Test
    void failureOfTheRoutingFunctionCountsAsUnknownTable() {
        ChuteMetrics throwing = new ChuteMetrics(backlog::get, tables, key -> {
            throw new ChuteException(ErrorCode.UNROUTABLE, "no route");
        });
        try {
            throwing.failed("x/y/z.csv", LoadError.of(ErrorCode.MALFORMED, "bad"), true);

            assertThat(parse(throwing.scrape()))
                    .containsEntry("chute_files_failed_total{code=\"MALFORMED\",permanent=\"true\",table=\"unknown\"}", 1.0);
        } finally {
            throwing.close();
        }
    }

    @Test
    void backlogIsReadOnEveryScrape() {
        backlog.set(3);
        assertThat(parse(metrics.scrape())).containsEntry("chute_backlog_files", 3.0);

        backlog.set(42);
        assertThat(parse(metrics.scrape())).containsEntry("chute_backlog_files", 42.0);
    }

    @Test
    void tableGaugesReadTheWarehouseAtMostOncePerMaxAge() {
        summaries.set(List.of(
                new TableSummary(ORDERS, 10, 1_000, 50_000, Optional.of(T0.minusSeconds(60))),
                new TableSummary(CLICKS, 0, 0, 0, Optional.empty())));

        Map<String, Double> first = parse(metrics.scrape());
        assertThat(first).containsEntry("chute_table_rows{table=\"sales.orders\"}", 1_000.0)
                .containsEntry("chute_table_rows{table=\"web.clicks\"}", 0.0)
                .containsEntry("chute_table_last_load_age_seconds{table=\"sales.orders\"}", 60.0)
                .doesNotContainKey("chute_table_last_load_age_seconds{table=\"web.clicks\"}");
        assertThat(tableReads).hasValue(1);

        // within the max age: no second read, but the age still follows the clock
        summaries.set(List.of(new TableSummary(ORDERS, 11, 1_500, 60_000, Optional.of(T0.plusSeconds(5)))));
        clock.advance(Duration.ofSeconds(10));
        Map<String, Double> second = parse(metrics.scrape());
        parse(metrics.scrape());
        assertThat(tableReads).hasValue(1);
        assertThat(second).containsEntry("chute_table_rows{table=\"sales.orders\"}", 1_000.0)
                .containsEntry("chute_table_last_load_age_seconds{table=\"sales.orders\"}", 70.0);

        // past it: one new read; a table gone from the warehouse's answer is gone from the metrics
        clock.advance(Duration.ofSeconds(5));
        Map<String, Double> third = parse(metrics.scrape());
        assertThat(tableReads).hasValue(2);
        assertThat(third).containsEntry("chute_table_rows{table=\"sales.orders\"}", 1_500.0)
                .containsEntry("chute_table_last_load_age_seconds{table=\"sales.orders\"}", 10.0)
                .doesNotContainKey("chute_table_rows{table=\"web.clicks\"}");
    }

    @Test
    void warehouseFailureKeepsThePreviousTableValuesAndIsNotAskedOnEveryScrape() {
        summaries.set(List.of(new TableSummary(ORDERS, 10, 1_000, 50_000, Optional.of(T0))));
        parse(metrics.scrape());
        warehouseDown.set(true);
        clock.advance(Duration.ofSeconds(20));

        Map<String, Double> whileDown = parse(metrics.scrape());
        parse(metrics.scrape());

        assertThat(tableReads).hasValue(2);
        assertThat(whileDown).containsEntry("chute_table_rows{table=\"sales.orders\"}", 1_000.0)
                .containsEntry("chute_table_last_load_age_seconds{table=\"sales.orders\"}", 20.0)
                .containsEntry("chute_backlog_files", 0.0);

        warehouseDown.set(false);
        summaries.set(List.of(new TableSummary(ORDERS, 11, 1_200, 60_000, Optional.of(T0))));
        clock.advance(Duration.ofSeconds(15));
        assertThat(parse(metrics.scrape())).containsEntry("chute_table_rows{table=\"sales.orders\"}", 1_200.0);
        assertThat(tableReads).hasValue(3);
    }

    @Test
    void jvmAndProcessMetricsAreIncluded() {
        Map<String, Double> series = parse(metrics.scrape());

        assertThat(series.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"))
                .anyMatch(k -> k.startsWith("jvm_threads_live_threads"))
                .anyMatch(k -> k.startsWith("jvm_classes_loaded_classes"))
                .anyMatch(k -> k.startsWith("process_uptime_seconds"))
                .anyMatch(k -> k.startsWith("process_cpu_seconds_total"))
                .anyMatch(k -> k.startsWith("system_cpus"));
    }

    @Test
    void callbacksFromManyThreadsAreAllCounted() throws Exception {
        int threads = 4;
        int perThread = 2_000;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            TableId table = t % 2 == 0 ? ORDERS : CLICKS;
            workers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    metrics.loaded("k", table, 2, 10, 1);
                    metrics.duplicate("k");
                    metrics.failed("x", LoadError.of(ErrorCode.MALFORMED, "bad"), true);
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }

        Map<String, Double> series = parse(metrics.scrape());

        assertThat(series).containsEntry("chute_files_loaded_total{table=\"sales.orders\"}", 4_000.0)
                .containsEntry("chute_rows_loaded_total{table=\"web.clicks\"}", 8_000.0)
                .containsEntry("chute_files_duplicate_total", 8_000.0)
                .containsEntry("chute_files_failed_total{code=\"MALFORMED\",permanent=\"true\",table=\"unknown\"}", 8_000.0)
                .containsEntry("chute_load_duration_seconds_count", 8_000.0);
    }

    @Test
    void scrapeIsInPrometheusTextFormat() {
        metrics.loaded("sales/orders/a.csv", ORDERS, 1, 1, 1);

        String text = metrics.scrape();

        assertThat(text).contains("# TYPE chute_files_loaded_total counter")
                .contains("# TYPE chute_load_duration_seconds histogram")
                .contains("# TYPE chute_backlog_files gauge");
        assertThat(ChuteMetrics.CONTENT_TYPE).startsWith("text/plain; version=0.0.4");
    }

    /** Series name with labels, as written, to value; comments skipped. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> series = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return series;
    }

    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
