package dev.chute.amqp;

import static dev.chute.testkit.NotifyingLocalStore.notification;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListener;
import dev.chute.local.LocalObjectStore;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.testkit.NotifyingLocalStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The AMQP source against the real RabbitMQ on 127.0.0.1:5672, driving the real engine. */
class AmqpEventSourceTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;

    private RabbitFixture rabbit;

    @BeforeEach
    void connect() throws Exception {
        rabbit = new RabbitFixture();
    }

    @AfterEach
    void cleanUp() throws Exception {
        rabbit.close();
    }

    @Test
    void notificationLoadsTheFileAndIsAckedOnlyAfterTheArchiveMove() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(rabbit.entry("declare: true")), false)) {
            w.drop("sales/orders/a.csv", "id\n1\n2\n");
            rabbit.publish(notification("sales/orders/a.csv"));
            // committed, but the move to the archive fails: the delivery stays unacknowledged
            await().atMost(WAIT).until(() -> w.ledger() == 1);
            assertThat(w.landing("sales/orders/a.csv")).exists();
            assertThat(w.source.counts().pending()).isEqualTo(1);
            assertThat(w.source.counts().acknowledged()).isZero();
            assertThat(rabbit.ready()).isZero();
            w.store.archiveWorks.set(true);
            await().atMost(WAIT).until(() -> Files.exists(w.archive("sales/orders/a.csv")));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1);
            assertThat(w.source.counts().pending()).isZero();
            assertThat(w.rows("sales.orders")).isEqualTo(2);
        }
        // acknowledged at the broker: closing the connection requeued nothing
        assertThat(rabbit.ready()).isZero();
    }

    @Test
    void duplicateMessagesForOneObjectLoadItOnceAndAreAllAcked() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(rabbit.entry("declare: true")), true)) {
            w.drop("dup/t/a.csv", "id\n1\n2\n3\n");
            for (int i = 0; i < 5; i++) {
                rabbit.publish(notification("dup/t/a.csv"));
            }
            await().atMost(WAIT).until(() -> Files.exists(w.archive("dup/t/a.csv")));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 5);
            assertThat(w.rows("dup.t")).isEqualTo(3);
            assertThat(w.ledger()).isEqualTo(1);
            assertThat(w.source.counts().received()).isEqualTo(5);
        }
        assertThat(rabbit.ready()).isZero();
    }

    @Test
    void messageForAnObjectNoLongerInLandingIsAckedAndLoadsNothing() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(rabbit.entry("declare: true")), true)) {
            Path archived = w.archive("old/t/a.csv");
            Files.createDirectories(archived.getParent());
            Files.writeString(archived, "id\n1\n");
            rabbit.publish(notification("old/t/a.csv"));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1);
            assertThat(w.pipeline.eventsWithoutObject()).isEqualTo(1);
            assertThat(w.tableExists("old", "t")).isFalse();
            assertThat(w.ledger()).isZero();
        }
        assertThat(rabbit.ready()).isZero();
    }

    @Test
    void poisonPayloadIsRejectedAndCountedAndIntakeGoesOn() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(rabbit.entry("declare: true")), true)) {
            rabbit.publish("this is not a notification".getBytes(StandardCharsets.UTF_8));
            rabbit.publish("{\"Records\":[]}".getBytes(StandardCharsets.UTF_8));
            w.drop("after/t/a.csv", "id\n1\n");
            rabbit.publish(notification("after/t/a.csv"));
            await().atMost(WAIT).until(() -> Files.exists(w.archive("after/t/a.csv")));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 2);
            dev.chute.spi.EventCounts counts = w.source.counts();
            assertThat(counts.rejected()).isEqualTo(1);
            assertThat(counts.withoutObjects()).isEqualTo(1);
            // rejected without requeueing: never delivered again
            assertThat(counts.received()).isEqualTo(3);
        }
        assertThat(rabbit.ready()).isZero();
    }

    @Test
    void crashBeforeTheArchiveMoveLeadsToRedeliveryAndNoDuplicateRowsAfterRestart() throws Exception {
        String yaml = Worker.yaml(rabbit.entry("declare: true"));
        try (Worker w = new Worker(home, yaml, false)) {
            w.drop("crash/t/a.csv", "id\n1\n2\n");
            rabbit.publish(notification("crash/t/a.csv"));
            await().atMost(WAIT).until(() -> w.ledger() == 1);
            assertThat(w.source.counts().pending()).isEqualTo(1);
        }
        // stopped between commit and archive: the broker requeued the unacknowledged delivery
        assertThat(rabbit.ready()).isEqualTo(1);
        assertThat(home.resolve("landing/crash/t/a.csv")).exists();
        try (Worker w = new Worker(home, yaml, true)) {
            await().atMost(WAIT).until(() -> Files.exists(w.archive("crash/t/a.csv")));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1);
            assertThat(w.source.counts().received()).isEqualTo(1);
            assertThat(w.rows("crash.t")).isEqualTo(2);
            assertThat(w.ledger()).isEqualTo(1);
        }
        assertThat(rabbit.ready()).isZero();
    }

    @Test
    void deliveryHeldLongerThanMaxHoldIsRequeuedAndAckedOnceHandled() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(rabbit.entry("declare: true, max_hold: 1s")), false)) {
            w.drop("slow/t/a.csv", "id\n1\n");
            rabbit.publish(notification("slow/t/a.csv"));
            await().atMost(WAIT).until(() -> w.source.counts().released() >= 1 && w.source.counts().received() >= 2);
            w.store.archiveWorks.set(true);
            await().atMost(WAIT).until(() -> Files.exists(w.archive("slow/t/a.csv")));
            await().atMost(WAIT).until(() -> w.source.counts().pending() == 0 && w.source.counts().acknowledged() >= 1);
            assertThat(w.rows("slow.t")).isEqualTo(1);
        }
        assertThat(rabbit.ready()).isZero();
    }

    @Test
    void queueBoundToAnExchangeReceivesTheBucketsNotifications() throws Exception {
        rabbit.declareExchange();
        String entry = rabbit.entry("declare: true, exchange: '" + rabbit.exchange + "', routing_key: 'bucket.#'");
        try (Worker w = new Worker(home, Worker.yaml(entry), true)) {
            w.drop("bound/t/a.csv", "id\n1\n");
            rabbit.publishToExchange("bucket.landing", notification("bound/t/a.csv"));
            await().atMost(WAIT).until(() -> Files.exists(w.archive("bound/t/a.csv")));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1);
        }
    }

    @Test
    void consumerCancelledByTheBrokerReconnectsAndGoesOn() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(rabbit.entry("declare: true")), true)) {
            rabbit.deleteQueue();
            await().atMost(WAIT).until(() -> w.source.reconnects() >= 1);
            w.drop("again/t/a.csv", "id\n1\n");
            rabbit.publish(notification("again/t/a.csv"));
            await().atMost(WAIT).until(() -> Files.exists(w.archive("again/t/a.csv")));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1);
        }
    }

    @Test
    void chuteYamlEventsEntryDrivesIntakeThroughTheEngine() throws Exception {
        rabbit.declareQueue();
        String yaml = "store:\n  type: notifying-local\n  watch: false\n" + Worker.yaml(rabbit.entry(""));
        try (Chute chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, PipelineListener.NONE)) {
            chute.start();
            Path file = home.resolve("landing/wired/t/a.csv");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "id\n7\n");
            rabbit.publish(notification("wired/t/a.csv"));
            await().atMost(WAIT).until(() -> Files.exists(home.resolve("archive/wired/t/a.csv")));
        }
        assertThat(rabbit.ready()).isZero();
    }

    @Test
    void missingQueueFailsAtStartNamingIt() {
        AmqpEventSource source = (AmqpEventSource) new AmqpEventSourceFactory().create(
                new ConnectorContext(home, Map.of("type", "amqp", "uri", RabbitFixture.URI, "queue", rabbit.queue)),
                new NotifyingLocalStore(LocalObjectStore.inHome(home)));
        try (source) {
            assertThatThrownBy(() -> source.start(event -> {
            }))
                    .isInstanceOf(ChuteException.class)
                    .hasMessageContaining(rabbit.queue)
                    .hasMessageContaining("events.amqp")
                    .hasMessageContaining("declare: true")
                    .hasMessageNotContaining("guest:guest");
        }
    }

    @Test
    void settingsAreValidatedNamingTheKey() {
        assertThatThrownBy(() -> settings(Map.of("queue", "q", "prefetch_count", "5")))
                .hasMessageContaining("unknown configuration key 'events.amqp.prefetch_count'");
        assertThatThrownBy(() -> settings(Map.of("queue", "q", "prefetch", "0")))
                .hasMessageContaining("'events.amqp.prefetch' has value '0'");
        assertThatThrownBy(() -> settings(Map.of("queue", "q", "max_hold", "forever")))
                .hasMessageContaining("'events.amqp.max_hold' has value 'forever'");
        assertThatThrownBy(() -> settings(Map.of("queue", "q", "routing_key", "a.b")))
                .hasMessageContaining("'events.amqp.routing_key' needs 'events.amqp.exchange'");
        assertThatThrownBy(() -> settings(Map.of()))
                .hasMessageContaining("'events.amqp.queue' is missing");
        assertThatThrownBy(() -> settings(Map.of("queue", "q", "uri", "http://user:secret@host/")))
                .hasMessageContaining("'events.amqp.uri'")
                .hasMessageNotContaining("secret");
        AmqpSettings defaults = settings(Map.of("queue", "q"));
        assertThat(defaults.uri()).isEqualTo("amqp://guest:guest@127.0.0.1:5672/%2F");
        assertThat(defaults.prefetch()).isEqualTo(100);
        assertThat(defaults.declare()).isFalse();
        assertThat(defaults.maxHold()).isEqualTo(Duration.ofMinutes(15));
    }

    private AmqpSettings settings(Map<String, String> keys) {
        return AmqpSettings.from(new ConnectorContext(home, keys));
    }
}
