package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.chute.server.ChuteMetricsTest.MutableClock;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSummary;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The notifier against a real HTTP server on loopback standing in for Slack. Every test has a
 * timeout: a pipeline callback that blocked would hang it.
 */
@Timeout(60)
class NotifierTest {
    static final TableId ORDERS = TableId.parse("sales.orders");
    static final TableId CLICKS = TableId.parse("web.clicks");
    static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");
    static final ObjectMapper JSON = new ObjectMapper();

    final Function<String, Optional<TableId>> tableOfKey = key -> {
        String[] parts = key.split("/");
        return parts.length >= 3 ? Optional.of(new TableId(parts[0], parts[1])) : Optional.empty();
    };

    HttpServer server;
    ExecutorService serverThreads;
    final List<Post> posts = new CopyOnWriteArrayList<>();
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger status = new AtomicInteger(200);
    final AtomicReference<CountDownLatch> gate = new AtomicReference<>(new CountDownLatch(0));
    Notifier notifier;

    record Post(String contentType, JsonNode body) {
        String text() {
            return body.path("text").asText();
        }
    }

    @BeforeEach
    void startWebhook() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/hook", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        gate.get().countDown();
        if (notifier != null) {
            notifier.close();
        }
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            requests.incrementAndGet();
            gate.get().await();
            int answer = status.get();
            if (answer == 200) {
                posts.add(new Post(exchange.getRequestHeaders().getFirst("Content-Type"), JSON.readTree(body)));
            }
            byte[] reply = (answer == 200 ? "ok" : "server error").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer, reply.length);
            exchange.getResponseBody().write(reply);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private URI webhook() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    private Notifier start(Notifier.Options options) {
        return start(options, List::of, table -> Optional.empty());
    }

    private Notifier start(Notifier.Options options, Supplier<List<TableSummary>> tables, Function<TableId, Optional<Duration>> freshness) {
        notifier = new Notifier(webhook(), tables, freshness, tableOfKey, options);
        notifier.start();
        return notifier;
    }

    private static Notifier.Options fast() {
        return Notifier.Options.defaults()
                .withCoalesceWindow(Duration.ofMillis(20))
                .withCheckInterval(Duration.ofHours(1))
                .withRetries(3, Duration.ofMillis(10));
    }

    private static LoadError typeConflict() {
        return new LoadError(ErrorCode.TYPE_CONFLICT, "sales/orders/2025-06-01.csv line 17: expected DOUBLE, found 'abc'",
                OptionalLong.of(17), Optional.of("amount"), Optional.of("abc"), Optional.of("DOUBLE"));
    }

    @Test
    void permanentFailureIsPostedWithKeyTableReasonAndPosition() {
        start(fast());

        notifier.failed("sales/orders/2025-06-01.csv", typeConflict(), true);

        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 1);
        Post post = posts.getFirst();
        assertThat(post.contentType()).isEqualTo("application/json");
        assertThat(post.text()).contains("`sales/orders/2025-06-01.csv`")
                .contains("Table: sales.orders")
                .contains("TYPE_CONFLICT: sales/orders/2025-06-01.csv line 17: expected DOUBLE, found 'abc'")
                .contains("line 17, column `amount`, value `abc`, expected DOUBLE");
        assertThat(notifier.delivered()).isEqualTo(1);
    }

    @Test
    void retriedFailuresAreNotPosted() {
        start(fast());

        notifier.failed("sales/orders/retried.csv", LoadError.of(ErrorCode.WAREHOUSE_UNAVAILABLE, "database is locked"), false);
        notifier.failed("stray.csv", LoadError.of(ErrorCode.UNROUTABLE, "cannot route 'stray.csv'"), true);

        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 1);
        assertThat(posts.getFirst().text()).contains("`stray.csv`")
                .contains("UNROUTABLE")
                .doesNotContain("Table:")
                .doesNotContain("retried.csv");
    }

    @Test
    void messageTextIsEscapedForSlack() {
        start(fast());

        notifier.failed("a/b/<x>&y.csv", LoadError.of(ErrorCode.MALFORMED, "unexpected <EOF> & more"), true);

        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 1);
        assertThat(posts.getFirst().text()).contains("`a/b/&lt;x&gt;&amp;y.csv`")
                .contains("unexpected &lt;EOF&gt; &amp; more");
    }

    @Test
    void burstOfFailuresIsCoalescedIntoOneMessage() {
        // a window far longer than the test: the failures can only go out together, at close
        start(fast().withCoalesceWindow(Duration.ofHours(1)));

        for (int i = 1; i <= 12; i++) {
            notifier.failed("sales/orders/file-" + i + ".csv", typeConflict(), true);
        }
        notifier.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 1);
        String text = posts.getFirst().text();
        assertThat(text).contains("12 files failed in the last 1h")
                .contains("The first 5:")
                .contains("`sales/orders/file-1.csv` (sales.orders): TYPE_CONFLICT")
                .contains("`sales/orders/file-5.csv`")
                .doesNotContain("file-6.csv")
                .endsWith("…and 7 more.");
        assertThat(requests).hasValue(1);
    }

    @Test
    void failuresInSuccessiveWindowsGoOutSeparately() {
        start(fast());

        notifier.failed("sales/orders/first.csv", typeConflict(), true);
        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 1);
        notifier.failed("sales/orders/second.csv", typeConflict(), true);
        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 2);

        assertThat(posts.get(0).text()).contains("first.csv").doesNotContain("second.csv");
        assertThat(posts.get(1).text()).contains("second.csv").doesNotContain("first.csv");
    }

    @Test
    void staleTableIsReportedOnceAndFreshAgainWhenItLoads() {
        MutableClock clock = new MutableClock(T0);
        AtomicReference<List<TableSummary>> summaries = new AtomicReference<>(List.of(
                new TableSummary(ORDERS, 10, 100, 1_000, Optional.of(T0.minus(Duration.ofHours(2)))),
                new TableSummary(CLICKS, 10, 100, 1_000, Optional.of(T0.minus(Duration.ofDays(30))))));
        AtomicInteger checks = new AtomicInteger();
        Supplier<List<TableSummary>> tables = () -> {
            checks.incrementAndGet();
            return summaries.get();
        };
        // only orders is watched
        Map<TableId, Duration> freshness = Map.of(ORDERS, Duration.ofHours(1));
        start(fast().withCheckInterval(Duration.ofMillis(10)).withClock(clock), tables,
                table -> Optional.ofNullable(freshness.get(table)));

        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 1);
        assertThat(posts.getFirst().text()).contains("table sales.orders is stale")
                .contains("last load 2h ago (2025-06-01T10:00:00Z)")
                .contains("at least every 1h");

        // more checks, still stale: no second message
        int seen = checks.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> checks.get() >= seen + 3);
        assertThat(posts).hasSize(1);

        summaries.set(List.of(new TableSummary(ORDERS, 11, 110, 1_100, Optional.of(T0.minus(Duration.ofMinutes(5))))));
        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 2);
        assertThat(posts.get(1).text()).contains("table sales.orders is fresh again")
                .contains("last load 5m ago");

        // time passes without a load: stale again
        clock.advance(Duration.ofHours(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 3);
        assertThat(posts.get(2).text()).contains("table sales.orders is stale").contains("last load 2h 5m ago");
        assertThat(posts).noneMatch(p -> p.text().contains("web.clicks"));
    }

    @Test
    void watchedTableThatNeverLoadedIsStale() {
        start(fast().withCheckInterval(Duration.ofMillis(10)),
                () -> List.of(new TableSummary(ORDERS, 0, 0, 0, Optional.empty())),
                table -> Optional.of(Duration.ofMinutes(10)));

        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 1);
        assertThat(posts.getFirst().text()).contains("table sales.orders is stale").contains("no load yet");
    }

    @Test
    void failingWarehouseDoesNotStopTheFreshnessChecks() {
        AtomicInteger checks = new AtomicInteger();
        start(fast().withCheckInterval(Duration.ofMillis(10)), () -> {
            if (checks.incrementAndGet() <= 3) {
                throw new IllegalStateException("warehouse down");
            }
            return List.of(new TableSummary(ORDERS, 1, 1, 1, Optional.of(Instant.EPOCH)));
        }, table -> Optional.of(Duration.ofHours(1)));

        await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 1);
        assertThat(posts.getFirst().text()).contains("table sales.orders is stale");
    }

    @Test
    void webhookAnswering500IsRetriedThenDropped() {
        status.set(500);
        start(fast());

        notifier.failed("sales/orders/a.csv", typeConflict(), true);

        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.undelivered() == 1);
        assertThat(requests).hasValue(3);
        assertThat(notifier.delivered()).isZero();

        // the sender goes on with the next message once the webhook recovers
        status.set(200);
        notifier.failed("sales/orders/b.csv", typeConflict(), true);
        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.delivered() == 1);
        assertThat(requests).hasValue(4);
        assertThat(posts.getFirst().text()).contains("b.csv");
    }

    @Test
    void unreachableWebhookNeverReachesThePipeline() throws IOException {
        // a port nothing listens on: bind one, note it, close it
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        notifier = new Notifier(URI.create("http://127.0.0.1:" + port + "/hook"), List::of, table -> Optional.empty(),
                tableOfKey, fast().withRetries(2, Duration.ofMillis(10)));
        notifier.start();

        notifier.failed("sales/orders/a.csv", typeConflict(), true);

        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.undelivered() == 1);
    }

    @Test
    void fullQueueDropsMessagesWithoutBlockingThePipeline() {
        // the webhook holds every request until the gate opens; the sender is stuck on the first
        gate.set(new CountDownLatch(1));
        start(fast().withCoalesceWindow(Duration.ofMillis(1)).withQueueCapacity(1));
        AtomicInteger calls = new AtomicInteger();

        // keep failing files (each poll is one more callback) until a message had to be dropped
        await().atMost(Duration.ofSeconds(20)).pollInSameThread().until(() -> {
            notifier.failed("sales/orders/f" + calls.incrementAndGet() + ".csv", typeConflict(), true);
            return notifier.dropped() > 0;
        });
        assertThat(requests).hasValue(1);

        gate.get().countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.delivered() >= 2);
        assertThat(notifier.undelivered()).isZero();
    }

    @Test
    void closeStopsTheThreadsEvenWhileTheWebhookHangs() {
        gate.set(new CountDownLatch(1));
        start(fast().withCloseGrace(Duration.ofMillis(100)));
        notifier.failed("sales/orders/a.csv", typeConflict(), true);
        await().atMost(Duration.ofSeconds(10)).until(() -> requests.get() == 1);

        notifier.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("chute-notifier-")));
        // after close the callbacks are ignored, never thrown at the pipeline
        notifier.failed("sales/orders/b.csv", typeConflict(), true);
        assertThat(notifier.delivered()).isZero();
    }

    @Test
    void invalidSettingsAreRefusedWithTheirName() {
        assertThatThrownBy(() -> new Notifier(URI.create("ftp://example.invalid/hook"), List::of, t -> Optional.empty(),
                tableOfKey, Notifier.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("webhook must be an http:// or https:// URL.*found a URL with scheme 'ftp'");
        assertThatThrownBy(() -> Notifier.Options.defaults().withQueueCapacity(0))
                .hasMessage("queueCapacity must be at least 1, found 0");
        assertThatThrownBy(() -> Notifier.Options.defaults().withCheckInterval(Duration.ZERO))
                .hasMessage("checkInterval must be positive, found PT0S");
    }

    @Test
    void durationsAreWrittenTheWayPeopleWriteThem() {
        assertThat(Notifier.human(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Notifier.human(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(Notifier.human(Duration.ofSeconds(90))).isEqualTo("1m 30s");
        assertThat(Notifier.human(Duration.ofMinutes(125))).isEqualTo("2h 5m");
        assertThat(Notifier.human(Duration.ofHours(76))).isEqualTo("3d 4h");
        assertThat(Notifier.human(Duration.ofSeconds(-5))).isEqualTo("0ms");
    }
}
