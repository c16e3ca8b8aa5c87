package dev.chute.sqs;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQS source against ElasticMQ running in this JVM on loopback, driving the real engine. */
class SqsEventSourceTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;

    private SqsFixture sqs;

    @BeforeAll
    static void startServer() {
        SqsFixture.startServer();
    }

    @AfterAll
    static void stopServer() {
        SqsFixture.stopServer();
    }

    @BeforeEach
    void createQueue() {
        sqs = new SqsFixture();
    }

    @AfterEach
    void deleteQueue() {
        sqs.close();
    }

    private static String notification(String... keys) {
        return new String(NotifyingLocalStore.notification(keys), StandardCharsets.UTF_8);
    }

    @Test
    void notificationLoadsTheFileAndIsDeletedOnlyAfterTheArchiveMove() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(sqs.entry("")), false)) {
            w.drop("sales/orders/a.csv", "id\n1\n2\n");
            sqs.send(notification("sales/orders/a.csv"));
            // committed, but the move to the archive fails: the message stays in flight
            await().atMost(WAIT).until(() -> w.ledger() == 1);
            assertThat(w.landing("sales/orders/a.csv")).exists();
            assertThat(sqs.inFlight()).isEqualTo(1);
            assertThat(w.source.counts().pending()).isEqualTo(1);
            w.store.archiveWorks.set(true);
            await().atMost(WAIT).until(() -> Files.exists(w.archive("sales/orders/a.csv")));
            await().atMost(WAIT).until(() -> sqs.inFlight() == 0 && sqs.visible() == 0);
            assertThat(w.rows("sales.orders")).isEqualTo(2);
            // the source counts a delete once SQS has answered it, a moment after the queue shows it
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1);
        }
    }

    @Test
    void duplicateMessagesForOneObjectLoadItOnceAndAreAllDeleted() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(sqs.entry("")), true)) {
            w.drop("dup/t/a.csv", "id\n1\n2\n3\n");
            for (int i = 0; i < 5; i++) {
                sqs.send(notification("dup/t/a.csv"));
            }
            await().atMost(WAIT).until(() -> Files.exists(w.archive("dup/t/a.csv")));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 5);
            assertThat(sqs.inFlight() + sqs.visible()).isZero();
            assertThat(w.rows("dup.t")).isEqualTo(3);
            assertThat(w.ledger()).isEqualTo(1);
        }
    }

    @Test
    void messageForAnObjectNoLongerInLandingIsDeletedAndLoadsNothing() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(sqs.entry("")), true)) {
            Path archived = w.archive("old/t/a.csv");
            Files.createDirectories(archived.getParent());
            Files.writeString(archived, "id\n1\n");
            sqs.send(notification("old/t/a.csv"));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1);
            assertThat(sqs.inFlight() + sqs.visible()).isZero();
            assertThat(w.pipeline.eventsWithoutObject()).isEqualTo(1);
            assertThat(w.tableExists("old", "t")).isFalse();
        }
    }

    @Test
    void poisonPayloadIsDeletedAndCountedAndIntakeGoesOn() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(sqs.entry("")), true)) {
            sqs.send("this is not a notification");
            // what S3 sends when notifications are configured: names no object
            sqs.send("{\"Records\":[]}");
            w.drop("after/t/a.csv", "id\n1\n");
            sqs.send(notification("after/t/a.csv"));
            await().atMost(WAIT).until(() -> Files.exists(w.archive("after/t/a.csv")));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 3);
            dev.chute.spi.EventCounts counts = w.source.counts();
            assertThat(counts.rejected()).isEqualTo(1);
            assertThat(counts.withoutObjects()).isEqualTo(1);
            assertThat(counts.received()).isEqualTo(3);
            assertThat(sqs.inFlight() + sqs.visible()).isZero();
        }
    }

    @Test
    void crashBeforeTheArchiveMoveLeadsToRedeliveryAndNoDuplicateRowsAfterRestart() throws Exception {
        String yaml = Worker.yaml(sqs.entry("wait_time: 1s"));
        try (Worker w = new Worker(home, yaml, false)) {
            w.drop("crash/t/a.csv", "id\n1\n2\n");
            sqs.send(notification("crash/t/a.csv"));
            await().atMost(WAIT).until(() -> w.ledger() == 1);
            assertThat(sqs.inFlight()).isEqualTo(1);
        }
        // stopped between commit and archive: the message was not deleted, and is visible again soon
        await().atMost(WAIT).until(() -> sqs.visible() == 1);
        assertThat(home.resolve("landing/crash/t/a.csv")).exists();
        try (Worker w = new Worker(home, yaml, true)) {
            await().atMost(WAIT).until(() -> Files.exists(w.archive("crash/t/a.csv")));
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1);
            assertThat(w.source.counts().received()).isEqualTo(1);
            assertThat(sqs.inFlight() + sqs.visible()).isZero();
            assertThat(w.rows("crash.t")).isEqualTo(2);
            assertThat(w.ledger()).isEqualTo(1);
        }
    }

    @Test
    void longLoadExtendsTheVisibilityInsteadOfBeingReceivedAgain() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(sqs.entry("visibility_timeout: 1s")), false)) {
            w.drop("slow/t/a.csv", "id\n1\n");
            sqs.send(notification("slow/t/a.csv"));
            await().atMost(WAIT).until(() -> w.ledger() == 1);
            // three times the visibility timeout, and no worker could receive the message again
            await().during(Duration.ofSeconds(3)).atMost(WAIT).until(() -> w.source.counts().received() == 1 && sqs.inFlight() == 1);
            w.store.archiveWorks.set(true);
            await().atMost(WAIT).until(() -> sqs.inFlight() + sqs.visible() == 0);
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 1);
        }
    }

    @Test
    void messagesInFlightAreBoundedByMaxInFlight() throws Exception {
        try (Worker w = new Worker(home, Worker.yaml(sqs.entry("max_in_flight: 2, wait_time: 1s")), false)) {
            for (int i = 0; i < 5; i++) {
                w.drop("bound/t/" + i + ".csv", "id\n" + i + "\n");
                sqs.send(notification("bound/t/" + i + ".csv"));
            }
            await().atMost(WAIT).until(() -> w.ledger() == 2);
            await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> w.source.counts().pending() == 2 && sqs.visible() == 3);
            w.store.archiveWorks.set(true);
            await().atMost(WAIT).until(() -> w.source.counts().acknowledged() == 5);
            assertThat(w.rows("bound.t")).isEqualTo(5);
        }
    }

    @Test
    void chuteYamlEventsEntryDrivesIntakeThroughTheEngine() throws Exception {
        String yaml = "store:\n  type: notifying-local\n  watch: false\n" + Worker.yaml(sqs.entry(""));
        try (Chute chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, PipelineListener.NONE)) {
            chute.start();
            Path file = home.resolve("landing/wired/t/a.csv");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "id\n7\n");
            sqs.send(notification("wired/t/a.csv"));
            await().atMost(WAIT).until(() -> Files.exists(home.resolve("archive/wired/t/a.csv")));
            await().atMost(WAIT).until(() -> sqs.inFlight() + sqs.visible() == 0);
        }
    }

    @Test
    void missingQueueFailsAtStartNamingIt() {
        String missing = sqs.queueUrl + "-missing";
        SqsEventSource source = (SqsEventSource) new SqsEventSourceFactory().create(
                new ConnectorContext(home, Map.of("type", "sqs", "queue_url", missing, "endpoint", SqsFixture.endpoint().toString(), "region", "us-east-1")),
                new NotifyingLocalStore(LocalObjectStore.inHome(home)));
        try (source) {
            assertThatThrownBy(() -> source.start(event -> {
            }))
                    .isInstanceOf(ChuteException.class)
                    .hasMessageContaining(missing)
                    .hasMessageContaining("events.sqs.queue_url");
        }
    }

    @Test
    void settingsAreValidatedNamingTheKey() {
        assertThatThrownBy(() -> settings(Map.of("queue_url", "https://q", "queue", "x")))
                .hasMessageContaining("unknown configuration key 'events.sqs.queue'");
        assertThatThrownBy(() -> settings(Map.of("queue_url", "https://q", "wait_time", "30s")))
                .hasMessageContaining("'events.sqs.wait_time' has value '30s'");
        assertThatThrownBy(() -> settings(Map.of("queue_url", "https://q", "visibility_timeout", "13h")))
                .hasMessageContaining("'events.sqs.visibility_timeout' has value '13h'");
        assertThatThrownBy(() -> settings(Map.of("queue_url", "https://q", "max_in_flight", "many")))
                .hasMessageContaining("'events.sqs.max_in_flight' has value 'many'");
        assertThatThrownBy(() -> settings(Map.of("queue_url", "sqs://q")))
                .hasMessageContaining("'events.sqs.queue_url' has value 'sqs://q'");
        assertThatThrownBy(() -> settings(Map.of()))
                .hasMessageContaining("'events.sqs.queue_url' is missing");
        SqsSettings defaults = settings(Map.of("queue_url", "https://sqs.eu-west-1.amazonaws.com/123456789012/landing"));
        assertThat(defaults.waitTime()).isEqualTo(Duration.ofSeconds(20));
        assertThat(defaults.visibilityTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.maxInFlight()).isEqualTo(100);
        assertThat(defaults.endpoint()).isEmpty();
        assertThat(defaults.region()).isEmpty();
    }

    private SqsSettings settings(Map<String, String> keys) {
        return SqsSettings.from(new ConnectorContext(home, keys));
    }
}
