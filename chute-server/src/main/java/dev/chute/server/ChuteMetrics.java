package dev.chute.server;

import static java.util.Objects.requireNonNull;

import dev.chute.core.PipelineListener;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSummary;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chute's Prometheus metrics, served by {@code GET /metrics} from {@link #scrape()}.
 *
 * <p>Series (labels in braces):
 * <ul>
 *   <li>{@code chute_files_loaded_total{table}}, {@code chute_rows_loaded_total{table}},
 *       {@code chute_bytes_loaded_total{table}}: committed files, their rows and bytes;</li>
 *   <li>{@code chute_files_duplicate_total}: files whose version was already committed;</li>
 *   <li>{@code chute_files_failed_total{table,permanent,code}}: failed attempts; {@code table} is
 *       {@code unknown} when the key cannot be routed;</li>
 *   <li>{@code chute_load_duration_seconds}: histogram of the warehouse time of the batch each
 *       committed file was in (one observation per file, so large batches weigh more);</li>
 *   <li>{@code chute_backlog_files}: files in landing not yet loaded or archived;</li>
 *   <li>{@code chute_table_rows{table}}, {@code chute_table_last_load_age_seconds{table}}: from the
 *       warehouse's per-table totals, read at most once per {@code tablesMaxAge}; a table that never
 *       loaded has no age series;</li>
 *   <li>JVM and process series ({@code jvm_*}, {@code process_*}, {@code system_*}), named as Prometheus
 *       expects: {@code process_cpu_seconds_total} rather than Micrometer's nanosecond counter, and
 *       {@code system_cpus} rather than a gauge ending in {@code _count}.</li>
 * </ul>
 * Labels carry table names and error codes only, never object keys, so the number of series stays
 * bounded by the number of tables.
 *
 * <p>Threads: the {@link PipelineListener} callbacks come from pipeline threads and only bump
 * counters; {@link #scrape()} may be called from any number of HTTP threads at once.
 */
public final class ChuteMetrics implements PipelineListener, AutoCloseable {
    /** The content type of {@link #scrape()}'s answer (Prometheus text format 0.0.4). */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    public static final Duration DEFAULT_TABLES_MAX_AGE = Duration.ofSeconds(15);
    static final String UNKNOWN_TABLE = "unknown";

    private static final Logger log = LoggerFactory.getLogger(ChuteMetrics.class);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supplier<List<TableSummary>> tables;
    private final Function<String, Optional<TableId>> tableOfKey;
    private final Duration tablesMaxAge;
    private final Clock clock;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

    private final Map<TableId, TableCounters> loaded = new ConcurrentHashMap<>();
    private final Map<FailureTags, Counter> failed = new ConcurrentHashMap<>();
    private final Counter duplicates;
    private final Timer loadDuration;
    private final MultiGauge tableRows;
    private final MultiGauge tableAge;

    private final ReentrantLock refreshing = new ReentrantLock();
    // written under `refreshing`; read without it to skip the lock on most scrapes
    private volatile Instant tablesReadAt = Instant.MIN;
    // keeps the summaries the table gauges read strongly reachable
    private volatile List<TableSummary> tableSnapshot = List.of();

    /**
     * @param backlog the number of files waiting in landing ({@code Pipeline::backlog}); read on each scrape
     * @param tables the per-table totals ({@code Warehouse::tables}); read at most once per
     *     {@link #DEFAULT_TABLES_MAX_AGE}, and a failure keeps the previous values
     * @param tableOfKey the table a key routes to, for labelling failures; empty when unknown
     */
    public ChuteMetrics(LongSupplier backlog, Supplier<List<TableSummary>> tables, Function<String, Optional<TableId>> tableOfKey) {
        this(backlog, tables, tableOfKey, DEFAULT_TABLES_MAX_AGE, Clock.systemUTC());
    }

    public ChuteMetrics(LongSupplier backlog, Supplier<List<TableSummary>> tables, Function<String, Optional<TableId>> tableOfKey,
                        Duration tablesMaxAge, Clock clock) {
        requireNonNull(backlog, "backlog is null");
        this.tables = requireNonNull(tables, "tables is null");
        this.tableOfKey = requireNonNull(tableOfKey, "tableOfKey is null");
        this.tablesMaxAge = requireNonNull(tablesMaxAge, "tablesMaxAge is null");
        this.clock = requireNonNull(clock, "clock is null");
        if (tablesMaxAge.isNegative()) {
            throw new IllegalArgumentException("tablesMaxAge must be zero or positive, found " + tablesMaxAge);
        }

        duplicates = Counter.builder("chute.files.duplicate")
                .description("Files whose version was already committed; only archived")
                .register(registry);
        loadDuration = Timer.builder("chute.load.duration")
                .description("Warehouse time of the batch each committed file was loaded in")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        Gauge.builder("chute.backlog.files", backlog, LongSupplier::getAsLong)
                .description("Files in landing not yet loaded and archived")
                .strongReference(true)
                .register(registry);
        tableRows = MultiGauge.builder("chute.table.rows")
                .description("Rows loaded into the table, from the ledger")
                .register(registry);
        tableAge = MultiGauge.builder("chute.table.last.load.age")
                .description("Time since the table's last committed load")
                .baseUnit("seconds")
                .register(registry);

        // Prometheus' conventions (promtool check metrics): base units in names, no "_count" on a gauge
        registry.config()
                .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
                    }
                });
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, b -> b.getProcessCpuTime() / 1e9)
                    .description("CPU time used by the Java virtual machine's process")
                    .baseUnit("seconds")
                    .register(registry);
        }
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    @Override
    public void loaded(String key, TableId table, long rows, long bytes, long millis) {
        TableCounters counters = loaded.computeIfAbsent(table, this::tableCounters);
        counters.files.increment();
        counters.rows.increment(rows);
        counters.bytes.increment(bytes);
        loadDuration.record(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void duplicate(String key) {
        duplicates.increment();
    }

    @Override
    public void failed(String key, LoadError error, boolean permanent) {
        String table;
        try {
            table = tableOfKey.apply(key).map(TableId::toString).orElse(UNKNOWN_TABLE);
        } catch (RuntimeException e) {
            table = UNKNOWN_TABLE;
        }
        failed.computeIfAbsent(new FailureTags(table, permanent, error.code().name()), this::failureCounter).increment();
    }

    /** The metrics in Prometheus text format; re-reads the per-table totals first if they are older than allowed. */
    public String scrape() {
        refreshTablesIfOld();
        return registry.scrape();
    }

    /** The registry, for meters registered elsewhere (HTTP server metrics, say). */
    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }

    private void refreshTablesIfOld() {
        if (!isOld(tablesReadAt)) {
            return;
        }
        // one scrape reads the warehouse; scrapes arriving meanwhile serve the previous values
        if (!refreshing.tryLock()) {
            return;
        }
        try {
            if (!isOld(tablesReadAt)) {
                return;
            }
            List<TableSummary> summaries;
            try {
                summaries = List.copyOf(tables.get());
            } catch (RuntimeException e) {
                log.warn("cannot read the per-table totals for /metrics, keeping the previous values: {}", e.toString());
                return;
            } finally {
                // also after a failure, so that a warehouse that is down is not asked on every scrape
                tablesReadAt = clock.instant();
            }
            tableSnapshot = summaries;
            tableRows.register(summaries.stream()
                    .map(s -> MultiGauge.Row.of(tableTag(s.table()), s, TableSummary::rows))
                    .toList(), true);
            tableAge.register(summaries.stream()
                    .filter(s -> s.lastLoad().isPresent())
                    .map(s -> MultiGauge.Row.of(tableTag(s.table()), s, this::ageSeconds))
                    .toList(), true);
        } finally {
            refreshing.unlock();
        }
    }

    private boolean isOld(Instant readAt) {
        return readAt.equals(Instant.MIN) || !clock.instant().isBefore(readAt.plus(tablesMaxAge));
    }

    // computed at scrape time from the cached last load, so the age grows between warehouse reads
    private double ageSeconds(TableSummary summary) {
        Instant last = summary.lastLoad().orElseThrow();
        return Math.max(0, Duration.between(last, clock.instant()).toMillis() / 1000.0);
    }

    private static Tags tableTag(TableId table) {
        return Tags.of("table", table.toString());
    }

    private TableCounters tableCounters(TableId table) {
        Tags tags = tableTag(table);
        return new TableCounters(
                Counter.builder("chute.files.loaded").description("Files committed").tags(tags).register(registry),
                Counter.builder("chute.rows.loaded").description("Rows committed").tags(tags).register(registry),
                Counter.builder("chute.bytes.loaded").description("Bytes of the files committed").tags(tags).register(registry));
    }

    private Counter failureCounter(FailureTags tags) {
        return Counter.builder("chute.files.failed")
                .description("Failed load attempts; permanent ones went to failed/, the others are retried")
                .tag("table", tags.table)
                .tag("permanent", Boolean.toString(tags.permanent))
                .tag("code", tags.code)
                .register(registry);
    }

    private record TableCounters(Counter files, Counter rows, Counter bytes) {
    }

    private record FailureTags(String table, boolean permanent, String code) {
    }
}
