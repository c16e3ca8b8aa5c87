package dev.chute.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core engine with the local store and {@code warehouse: {type: postgres}}: a dropped file lands in PostgreSQL and is archived. */
class PostgresPipelineTest {
    @TempDir
    Path home;

    @Test
    void fileDroppedIntoLandingIsLoadedIntoPostgresAndArchived() throws Exception {
        try (PgTestDatabase db = new PgTestDatabase()) {
            String yaml = "warehouse:\n  type: postgres\n  url: " + db.url + "\n  user: postgres\n  reader_role: " + db.reader + "\n  pool_size: 2\n";
            try (Chute chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, PipelineListener.NONE)) {
                chute.start();
                Path target = home.resolve("landing/ecommerce/order_events/orders_1.csv");
                Files.createDirectories(target.getParent());
                Path temp = Files.createTempFile(home, "drop", ".tmp");
                Files.writeString(temp, PostgresWarehouseTest.ORDERS);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(home.resolve("archive/ecommerce/order_events/orders_1.csv")));
                assertThat(Files.exists(target)).isFalse();
                assertThat(db.count("SELECT count(*) FROM ecommerce.order_events")).isEqualTo(3);
                assertThat(db.scalar("SELECT DISTINCT _chute_source FROM ecommerce.order_events")).isEqualTo("ecommerce/order_events/orders_1.csv");
                assertThat(db.count("SELECT count(*) FROM _chute.ledger WHERE object_key = 'ecommerce/order_events/orders_1.csv'")).isEqualTo(1);
            }
        }
    }
}
