package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    static final String SEED = "order_id,customer_email,action,action_time\n"
            + "a1,x@example.com,created,2022-08-19T18:52:48Z\n"
            + "a1,x@example.com,paid,2022-08-19T18:55:00Z\n"
            + "a2,y@example.com,created,2022-08-20T08:00:00Z\n";

    @TempDir
    Path home;

    @Test
    void fileDroppedIntoLandingIsLoadedAndArchived() throws Exception {
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            h.drop("ecommerce/order_events/orders_1.csv", SEED);
            await().atMost(WAIT).until(() -> Files.exists(h.archive("ecommerce/order_events/orders_1.csv")));
            assertThat(h.count("ecommerce.order_events")).isEqualTo(3);
            assertThat(Files.exists(h.landing("ecommerce/order_events/orders_1.csv"))).isFalse();
            assertThat(h.scalar("SELECT data_type FROM information_schema.columns WHERE table_name = 'order_events' AND column_name = 'action_time'"))
                    .isEqualTo("TIMESTAMP WITH TIME ZONE");
            assertThat(h.scalar("SELECT max(action_time) FROM ecommerce.order_events")).isEqualTo(Instant.parse("2022-08-20T08:00:00Z"));
            assertThat(h.scalar("SELECT DISTINCT _chute_source FROM ecommerce.order_events")).isEqualTo("ecommerce/order_events/orders_1.csv");
        }
    }

    @Test
    void sameContentAgainIsADuplicateAndNewContentIsANewVersion() throws Exception {
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            h.drop("ecommerce/order_events/o.csv", SEED);
            await().atMost(WAIT).until(() -> Files.exists(h.archive("ecommerce/order_events/o.csv")));
            h.drop("ecommerce/order_events/o.csv", SEED);
            await().atMost(WAIT).until(() -> !Files.exists(h.landing("ecommerce/order_events/o.csv")));
            assertThat(h.count("ecommerce.order_events")).isEqualTo(3);
            // the committed version is a prefix of this one: a file that grew loads only what was appended (issue 11 item 1)
            h.drop("ecommerce/order_events/o.csv", SEED + "a3,z@example.com,created,2022-08-21T08:00:00Z\n");
            await().atMost(WAIT).until(() -> h.count("ecommerce.order_events") == 4);
            await().atMost(WAIT).until(() -> !Files.exists(h.landing("ecommerce/order_events/o.csv")));
            try (var archived = Files.list(h.archive("ecommerce/order_events"))) {
                assertThat(archived.map(p -> p.getFileName().toString())).hasSize(2).contains("o.csv")
                        .anyMatch(n -> n.matches("o~[0-9a-f]{12}\\.csv"));
            }
        }
    }

    @Test
    void badFileFailsWithSidecarWhileGoodFilesCommit() throws Exception {
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            h.drop("shop/items/good.csv", "id,name\n1,a\n2,b\n");
            await().atMost(WAIT).until(() -> Files.exists(h.archive("shop/items/good.csv")));
            h.drop("shop/items/bad.csv", "id,name\n3,c\nx,d\n");
            h.drop("shop/items/good2.csv", "id,name\n4,e\n");
            await().atMost(WAIT).until(() -> Files.exists(h.failed("shop/items/bad.csv.error.json")));
            await().atMost(WAIT).until(() -> Files.exists(h.archive("shop/items/good2.csv")));
            assertThat(h.count("shop.items")).isEqualTo(3);
            String sidecar = Files.readString(h.failed("shop/items/bad.csv.error.json"));
            assertThat(sidecar).contains("\"kind\" : \"TYPE_CONFLICT\"").contains("\"line\" : 3").contains("\"column\" : \"id\"")
                    .contains("\"value\" : \"x\"").contains("\"expected\" : \"BIGINT\"");
            assertThat(Files.exists(h.failed("shop/items/bad.csv"))).isTrue();
        }
    }
}
