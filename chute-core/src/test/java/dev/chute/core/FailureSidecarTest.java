package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.duckdb.DuckDbWarehouse;
import dev.chute.duckdb.DuckDbWarehouseFactory;
import dev.chute.local.LocalObjectStore;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ForwardingObjectStore;
import dev.chute.spi.ObjectRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 9: a failed file and its reason appear together or not at all. The file used to be
 * moved to failed/ before its {@code .error.json} was written; when the write failed, failed/ held
 * the file without a reason, status showed no failure and the retry found nothing to do.
 */
class FailureSidecarTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;

    /** The real local store, whose sidecar writes fail while {@code sidecarsFail} is set. */
    private static final class SidecarFaultStore extends ForwardingObjectStore {
        final AtomicBoolean sidecarsFail = new AtomicBoolean(true);
        final AtomicInteger refused = new AtomicInteger();

        SidecarFaultStore(LocalObjectStore delegate) {
            super(delegate);
        }

        @Override
        public void put(ObjectRef ref, byte[] content) {
            if (ref.key().endsWith(".error.json") && sidecarsFail.get()) {
                refused.incrementAndGet();
                throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "disk full (injected) writing " + ref);
            }
            super.put(ref, content);
        }
    }

    @Test
    void failedFileAndItsReasonAppearTogetherOrNotAtAll() throws Exception {
        SidecarFaultStore store = new SidecarFaultStore(LocalObjectStore.inHome(home));
        ChuteConfig cfg = ChuteConfig.parse("retry:\n  initial_backoff: 50ms\n  max_backoff: 200ms\n", "test");
        try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(home.resolve("warehouse.duckdb"), DuckDbWarehouseFactory.stageRoot(home));
             Pipeline pipeline = new Pipeline(store, warehouse, List.of(), cfg, home.resolve(".chute"), PipelineListener.NONE)) {
            pipeline.start();
            Path landing = home.resolve("landing/side/t/bad.csv");
            Files.createDirectories(landing.getParent());
            Files.writeString(landing, "a,b\n1,2\n3,4,5\n");
            // the reason cannot be written: the file stays in landing and is tried again, never in failed/ alone
            await().atMost(WAIT).until(() -> store.refused.get() >= 2);
            assertThat(home.resolve("failed/side/t/bad.csv")).doesNotExist();
            assertThat(landing).exists();
            store.sidecarsFail.set(false);
            // the reason is written first, then the file moves: look once both are there
            await().atMost(WAIT).until(() -> Files.exists(home.resolve("failed/side/t/bad.csv.error.json")) && Files.exists(home.resolve("failed/side/t/bad.csv")));
            assertThat(landing).doesNotExist();
            JsonNode reason = Json.mapper().readTree(home.resolve("failed/side/t/bad.csv.error.json").toFile());
            assertThat(reason.get("kind").asText()).isEqualTo("MALFORMED");
            assertThat(reason.get("line").asLong()).isEqualTo(3);
            // the warehouse's failure record is written after the move, on the same thread: look once it is there
            await().atMost(WAIT).until(() -> warehouse.failure("side/t/bad.csv").isPresent());
        }
    }
}
