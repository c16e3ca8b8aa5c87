package dev.chute.nats;

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
import dev.chute.spi.ErrorCode;
import dev.chute.testkit.NotifyingLocalStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NATS source against the real JetStream server on 127.0.0.1:4222, driving the real engine. */
class NatsEventSourceTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;

    private JetStreamFixture nats;

    @BeforeEach
    void connect() throws Exception {
        nats = new JetStreamFixture();
    }

    @AfterEach
    void cleanUp() throws Exception {
        nats.close();
    }

    @Test
    void notificationLoadsTheFileAndIsAckedOnlyAfterTheArchiveMove() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(nats.entry("")), false)) {
            w.drop("sales/orders/a.csv", "id\n1\n2\n");
            nats.publish(notification("sales/orders/a.csv"));
            // committed, but the move to the archive fails: the message stays unacknowledged
            await().atMost(WAIT).until(() -> w.ledger() == 1);
            assertThat(w.landing("sales/orders/a.csv")).exists();
            assertThat(nats.ackPending()).isEqualTo(1);
            assertThat(w.source.counts().pending()).isEqualTo(1);
            w.store.archiveWorks.set(true);
            await().atMost(WAIT).until(() -> Files.exists(w.archive("sales/orders/a.csv")));
            await().atMost(WAIT).until(() -> nats.ackPending() == 0 && nats.messagesInStream() == 0);
            assertThat(w.rows("sales.orders")).isEqualTo(2);
            // the source counts an ack once the server has confirmed it, a moment after the server shows it
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1 && w.source.counts().pending() == 0);
        }
    }

    @Test
    void duplicateMessagesForOneObjectLoadItOnceAndAreAllAcked() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(nats.entry("")), true)) {
            w.drop("dup/t/a.csv", "id\n1\n2\n3\n");
            for (int i = 0; i < 5; i++) {
                nats.publish(notification("dup/t/a.csv"));
            }
            await().atMost(WAIT).until(() -> Files.exists(w.archive("dup/t/a.csv")));
            await().atMost(WAIT).until(() -> nats.messagesInStream() == 0 && nats.ackPending() == 0);
            assertThat(w.rows("dup.t")).isEqualTo(3);
            assertThat(w.ledger()).isEqualTo(1);
            assertThat(w.source.counts().received()).isEqualTo(5);
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 5);
        }
    }

    @Test
    void messageForAnObjectNoLongerInLandingIsAckedAndLoadsNothing() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(nats.entry("")), true)) {
            // archived long ago: only the archive has it
            Path archived = w.archive("old/t/a.csv");
            Files.createDirectories(archived.getParent());
            Files.writeString(archived, "id\n1\n");
            nats.publish(notification("old/t/a.csv"));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1);
            assertThat(nats.messagesInStream()).isZero();
            assertThat(w.pipeline.eventsWithoutObject()).isEqualTo(1);
            assertThat(w.tableExists("old", "t")).isFalse();
            assertThat(w.ledger()).isZero();
        }
    }

    @Test
    void poisonPayloadIsTerminatedAndCountedAndIntakeGoesOn() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(nats.entry("")), true)) {
            nats.publish("this is not a notification".getBytes(StandardCharsets.UTF_8));
            nats.publish("{\"Records\":[]}".getBytes(StandardCharsets.UTF_8));
            w.drop("after/t/a.csv", "id\n1\n");
            nats.publish(notification("after/t/a.csv"));
            await().atMost(WAIT).until(() -> Files.exists(w.archive("after/t/a.csv")));
            await().atMost(WAIT).until(() -> nats.messagesInStream() == 0 && nats.ackPending() == 0);
            dev.chute.spi.EventCounts counts = w.source.counts();
            assertThat(counts.rejected()).isEqualTo(1);
            assertThat(counts.withoutObjects()).isEqualTo(1);
            assertThat(counts.received()).isEqualTo(3);
            // terminated, not redelivered
            assertThat(nats.deliveries()).isEqualTo(3);
        }
    }

    @Test
    void crashBeforeTheArchiveMoveLeadsToRedeliveryAndNoDuplicateRowsAfterRestart() throws Exception {
        String yaml = Worker.yaml(nats.entry(""));
        try (Worker w = new Worker(home, yaml, false)) {
            w.drop("crash/t/a.csv", "id\n1\n2\n");
            nats.publish(notification("crash/t/a.csv"));
            await().atMost(WAIT).until(() -> w.ledger() == 1);
            assertThat(nats.ackPending()).isEqualTo(1);
        }
        // stopped between commit and archive: the message was never acknowledged
        assertThat(nats.messagesInStream()).isEqualTo(1);
        assertThat(home.resolve("landing/crash/t/a.csv")).exists();
        try (Worker w = new Worker(home, yaml, true)) {
            await().atMost(WAIT).until(() -> Files.exists(w.archive("crash/t/a.csv")));
            await().atMost(WAIT).until(() -> nats.messagesInStream() == 0 && nats.ackPending() == 0);
            assertThat(nats.deliveries()).isEqualTo(2);
            assertThat(w.rows("crash.t")).isEqualTo(2);
            assertThat(w.ledger()).isEqualTo(1);
        }
    }

    @Test
    void longLoadRenewsItsLeaseInsteadOfBeingRedelivered() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(nats.entry("ack_wait: 1s")), false)) {
            w.drop("slow/t/a.csv", "id\n1\n");
            nats.publish(notification("slow/t/a.csv"));
            await().atMost(WAIT).until(() -> w.ledger() == 1);
            // three times the ack wait, and the server never gave the message out again
            await().during(Duration.ofSeconds(3)).atMost(WAIT).until(() -> nats.deliveries() == 1 && nats.ackPending() == 1);
            w.store.archiveWorks.set(true);
            await().atMost(WAIT).until(() -> nats.messagesInStream() == 0);
            assertThat(w.source.counts().received()).isEqualTo(1);
        }
    }

    @Test
    void twoConsumersOnOneDurableSplitTheMessages() throws Exception {
        // two workers' sources with a stand-in engine that handles each key as soon as it sees it
        NotifyingLocalStore store = new NotifyingLocalStore(LocalObjectStore.inHome(home));
        ConnectorContext context = new ConnectorContext(home, ChuteConfig.parse(Worker.yaml(nats.entry("")), "test").events().get(0));
        Map<String, List<String>> seen = new ConcurrentHashMap<>();
        NatsEventSource a = (NatsEventSource) new NatsEventSourceFactory().create(context, store);
        NatsEventSource b = (NatsEventSource) new NatsEventSourceFactory().create(context, store);
        try (a; b) {
            for (var entry : Map.of("a", a, "b", b).entrySet()) {
                List<String> keys = new CopyOnWriteArrayList<>();
                seen.put(entry.getKey(), keys);
                entry.getValue().start(event -> {
                    keys.add(event.key());
                    entry.getValue().handled(event.key());
                });
            }
            await().atMost(WAIT).until(() -> nats.consumer().getNumWaiting() == 2);
            for (int i = 0; i < 64; i++) {
                nats.publish(notification("split/t/" + i + ".csv"));
            }
            await().atMost(WAIT).until(() -> seen.get("a").size() + seen.get("b").size() == 64);
            await().atMost(WAIT).until(() -> nats.messagesInStream() == 0);
            assertThat(seen.get("a")).isNotEmpty().doesNotContainAnyElementsOf(seen.get("b"));
            assertThat(seen.get("b")).isNotEmpty();
            assertThat(a.counts().acknowledged() + b.counts().acknowledged()).isEqualTo(64);
        }
    }

    @Test
    void chuteYamlEventsEntryDrivesIntakeThroughTheEngine() throws Exception {
        String yaml = "store:\n  type: notifying-local\n  watch: false\n" + Worker.yaml(nats.entry(""));
        try (Chute chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, PipelineListener.NONE)) {
            chute.start();
            Path file = home.resolve("landing/wired/t/a.csv");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "id\n7\n");
            nats.publish(notification("wired/t/a.csv"));
            await().atMost(WAIT).until(() -> Files.exists(home.resolve("archive/wired/t/a.csv")));
            await().atMost(WAIT).until(() -> nats.messagesInStream() == 0 && nats.ackPending() == 0);
        }
    }

    @Test
    void missingStreamFailsAtStartNamingIt() {
        ConnectorContext context = new ConnectorContext(home, Map.of("type", "nats", "url", JetStreamFixture.URL, "stream", nats.stream));
        NatsEventSource source = (NatsEventSource) new NatsEventSourceFactory().create(context, new NotifyingLocalStore(LocalObjectStore.inHome(home)));
        try (source) {
            assertThatThrownBy(() -> source.start(event -> {
            }))
                    .isInstanceOf(ChuteException.class)
                    .hasMessageContaining("stream '" + nats.stream + "' does not exist")
                    .hasMessageContaining("events.nats.stream");
        }
    }

    @Test
    void settingsAreValidatedNamingTheKey() {
        assertThatThrownBy(() -> settings(Map.of("stream", "s", "ackwait", "5m")))
                .hasMessageContaining("unknown configuration key 'events.nats.ackwait'");
        assertThatThrownBy(() -> settings(Map.of("stream", "s", "ack_wait", "soon")))
                .hasMessageContaining("'events.nats.ack_wait' has value 'soon'");
        assertThatThrownBy(() -> settings(Map.of("stream", "s", "max_ack_pending", "0")))
                .hasMessageContaining("'events.nats.max_ack_pending'");
        assertThatThrownBy(() -> settings(Map.of("stream", "a.b")))
                .hasMessageContaining("'events.nats.stream' has value 'a.b'");
        assertThatThrownBy(() -> settings(Map.of()))
                .hasMessageContaining("'events.nats.stream' is missing");
        assertThatThrownBy(() -> settings(Map.of("stream", "s", "create_stream", "true")))
                .hasMessageContaining("'events.nats.subject' is missing");
        assertThatThrownBy(() -> settings(Map.of("stream", "s", "url", "http://user:secret@host")))
                .isInstanceOf(ChuteException.class)
                .satisfies(e -> assertThat(((ChuteException) e).code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageNotContaining("secret");
        NatsSettings defaults = settings(Map.of("stream", "s"));
        assertThat(defaults.url()).isEqualTo("nats://127.0.0.1:4222");
        assertThat(defaults.durable()).isEqualTo("chute");
        assertThat(defaults.ackWait()).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.maxAckPending()).isEqualTo(1000);
        assertThat(defaults.createStream()).isFalse();
    }

    private NatsSettings settings(Map<String, String> keys) {
        return NatsSettings.from(new ConnectorContext(home, keys));
    }
}
