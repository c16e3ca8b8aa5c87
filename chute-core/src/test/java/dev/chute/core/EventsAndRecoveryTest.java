package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chute.duckdb.DuckDbWarehouse;
import dev.chute.duckdb.DuckDbWarehouseFactory;
import dev.chute.local.LocalObjectStore;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ForwardingObjectStore;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Events are hints: duplicates, reordering, stale and lost events never duplicate or lose rows; a crash before archiving heals. */
class EventsAndRecoveryTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;

    @Test
    void duplicateStaleAndReorderedEventsDoNotDuplicateRows() throws Exception {
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            String key = "ev/t/a.csv";
            h.pipeline.offer(new ObjectEvent(key, ObjectEvent.Kind.DELETED, Instant.now(), "test"));
            h.pipeline.offer(new ObjectEvent("ev/t/never-existed.csv", ObjectEvent.Kind.UPSERTED, Instant.now(), "test"));
            h.drop(key, "id\n1\n2\n");
            for (int i = 0; i < 20; i++) {
                h.pipeline.offer(new ObjectEvent(key, ObjectEvent.Kind.UPSERTED, Instant.now(), "test"));
            }
            await().atMost(WAIT).until(() -> Files.exists(h.archive(key)));
            for (int i = 0; i < 20; i++) {
                h.pipeline.offer(new ObjectEvent(key, ObjectEvent.Kind.UPSERTED, Instant.now(), "test"));
            }
            h.pipeline.reconcileNow();
            h.drop("ev/t/b.csv", "id\n3\n");
            await().atMost(WAIT).until(() -> Files.exists(h.archive("ev/t/b.csv")));
            assertThat(h.count("ev.t")).isEqualTo(3);
            assertThat(h.scalar("SELECT count(*) FROM _chute.ledger")).isEqualTo(2L);
        }
    }

    @Test
    void archivedObjectDeliveredAgainIsADuplicateAndLeavesLanding() throws Exception {
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            h.drop("re/t/a.csv", "id\n1\n");
            await().atMost(WAIT).until(() -> Files.exists(h.archive("re/t/a.csv")));
            h.drop("re/t/a.csv", Files.readAllBytes(h.archive("re/t/a.csv")));
            await().atMost(WAIT).until(() -> !Files.exists(h.landing("re/t/a.csv")));
            assertThat(h.count("re.t")).isEqualTo(1);
            try (var files = Files.list(h.archive("re/t"))) {
                assertThat(files).hasSize(1);
            }
        }
    }

    @Test
    void fileMissedByTheWatchIsFoundByTheListing() throws Exception {
        // no event source at all: only the reconciling listing can find the file
        ChuteConfig cfg = ChuteConfig.parse("intake:\n  reconcile_interval: 200ms\n", "test");
        LocalObjectStore store = LocalObjectStore.inHome(home);
        try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(home.resolve("warehouse.duckdb"), DuckDbWarehouseFactory.stageRoot(home));
             Pipeline pipeline = new Pipeline(store, warehouse, List.of(), cfg, home.resolve(".chute"), PipelineListener.NONE)) {
            pipeline.start();
            Path file = home.resolve("landing/quiet/t/a.csv");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "id\n1\n");
            await().atMost(WAIT).until(() -> Files.exists(home.resolve("archive/quiet/t/a.csv")));
        }
    }

    @Test
    void crashBetweenCommitAndArchiveIsHealedWithoutReloading() throws Exception {
        AtomicBoolean archiveWorks = new AtomicBoolean(false);
        ObjectStore flaky = new ArchiveHookStore(LocalObjectStore.inHome(home), info -> {
            if (!archiveWorks.get()) {
                throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "archive unavailable (injected)");
            }
        });
        ChuteConfig cfg = ChuteConfig.parse("retry:\n  initial_backoff: 50ms\n  max_backoff: 100ms\n", "test");
        try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(home.resolve("warehouse.duckdb"), DuckDbWarehouseFactory.stageRoot(home));
             Pipeline pipeline = new Pipeline(flaky, warehouse, List.of(), cfg, home.resolve(".chute"), PipelineListener.NONE)) {
            pipeline.start();
            Path file = home.resolve("landing/heal/t/a.csv");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "id\n1\n2\n");
            await().atMost(WAIT).until(() -> ((Number) warehouse.query("SELECT count(*) FROM _chute.ledger", 1, WAIT).rows().get(0).get(0)).longValue() == 1);
            assertThat(file).exists();
            // health says why committed files stay in landing
            await().atMost(WAIT).until(() -> pipeline.archiveProblem().isPresent());
            assertThat(pipeline.archiveProblem().get()).contains("archive unavailable");
            archiveWorks.set(true);
            await().atMost(WAIT).until(() -> Files.exists(home.resolve("archive/heal/t/a.csv")));
            await().atMost(WAIT).until(() -> pipeline.archiveProblem().isEmpty());
            // put it back as if the process had died before the move, for the restart below
            Files.move(home.resolve("archive/heal/t/a.csv"), file);
        }
        // restart with a working store: the ledger says committed, so only the move runs
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            await().atMost(WAIT).until(() -> Files.exists(h.archive("heal/t/a.csv")));
            assertThat(h.count("heal.t")).isEqualTo(2);
            assertThat(h.scalar("SELECT count(*) FROM _chute.ledger")).isEqualTo(1L);
        }
    }

    @Test
    void fileThatChangesWhileBeingWrittenIsLoadedOnceComplete() throws Exception {
        ChuteConfig cfg = ChuteConfig.parse("intake:\n  quiet_period: 1s\n", "test");
        try (EmbeddedHome h = new EmbeddedHome(home, cfg)) {
            Path file = h.landing("grow/t/a.csv");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "id\n");
            for (int i = 0; i < 10; i++) {
                Files.writeString(file, i + "\n", java.nio.file.StandardOpenOption.APPEND);
                Thread.sleep(50); // a slow writer: each append lands well within the quiet period
            }
            await().atMost(WAIT).until(() -> Files.exists(h.archive("grow/t/a.csv")));
            assertThat(h.count("grow.t")).isEqualTo(10);
        }
    }

    /** The real local store, which runs {@code beforeArchiveMove} before each move into the archive (to fail it, or race it). */
    private static final class ArchiveHookStore extends ForwardingObjectStore {
        private final Consumer<ObjectInfo> beforeArchiveMove;

        ArchiveHookStore(LocalObjectStore delegate, Consumer<ObjectInfo> beforeArchiveMove) {
            super(delegate);
            this.beforeArchiveMove = beforeArchiveMove;
        }

        @Override
        public boolean move(ObjectInfo expected, ObjectRef.Area targetArea, String targetKey) {
            if (targetArea == ObjectRef.Area.ARCHIVE) {
                beforeArchiveMove.accept(expected);
            }
            return super.move(expected, targetArea, targetKey);
        }
    }

    /** Review of issues 3 and 4: a duplicate's landing copy was deleted without checking that it was still the duplicate. */
    @Test
    void aNewerUploadThatTakesADuplicatesPlaceIsLoadedNotDeleted() throws Exception {
        AtomicBoolean raceNextMove = new AtomicBoolean(false);
        LocalObjectStore local = LocalObjectStore.inHome(home);
        ObjectStore racing = new ArchiveHookStore(local, info -> {
            if (raceNextMove.getAndSet(false)) {
                // a producer uploads new content under the same key just before the archiver moves the duplicate
                local.write(info.ref(), new java.io.ByteArrayInputStream("id\n7\n8\n9\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)), 1000);
            }
        });
        ChuteConfig cfg = ChuteConfig.parse("intake:\n  reconcile_interval: 200ms\n", "test");
        try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(home.resolve("warehouse.duckdb"), DuckDbWarehouseFactory.stageRoot(home));
             Pipeline pipeline = new Pipeline(racing, warehouse, List.of(), cfg, home.resolve(".chute"), PipelineListener.NONE)) {
            pipeline.start();
            Path file = home.resolve("landing/race/t/a.csv");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "id\n1\n");
            await().atMost(WAIT).until(() -> Files.exists(home.resolve("archive/race/t/a.csv")));
            raceNextMove.set(true);
            Files.writeString(file, "id\n1\n");
            await().atMost(WAIT).until(() -> count(warehouse, "race.t") == 4 && !Files.exists(file));
            try (var archived = Files.list(home.resolve("archive/race/t"))) {
                assertThat(archived.map(p -> p.getFileName().toString()).toList()).hasSize(2).contains("a.csv");
            }
        }
    }

    private static long count(DuckDbWarehouse warehouse, String table) {
        try {
            return ((Number) warehouse.query("SELECT count(*) FROM " + table, 1, WAIT).rows().get(0).get(0)).longValue();
        } catch (ChuteException e) {
            return -1;
        }
    }

    /** Review of issues 3 and 4: restore took the first archived object of the right size, not the undone version. */
    @Test
    void restoreBringsBackTheUndoneVersionNotAnEarlierOne() throws Exception {
        ChuteConfig cfg = ChuteConfig.parse("intake:\n  reconcile_interval: 200ms\n", "test");
        try (Chute chute = Chute.open(home, cfg, true, PipelineListener.NONE)) {
            chute.start();
            Path file = home.resolve("landing/rs/t/a.csv");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "id\n1\n");
            await().atMost(WAIT).until(() -> Files.exists(home.resolve("archive/rs/t/a.csv")));
            Files.writeString(file, "id\n2\n");
            await().atMost(WAIT).until(() -> !Files.exists(file) && chute.warehouse().loads(LoadSummary.Filter.recent(10)).size() == 2);
            String newest = chute.warehouse().loads(LoadSummary.Filter.recent(10)).getFirst().loadId();
            chute.undo(newest);
            assertThat(ids(chute)).isEqualTo("1");
            assertThat(chute.restore(newest).restored()).containsExactly("rs/t/a.csv");
            await().atMost(WAIT).until(() -> ids(chute).equals("1,2"));
        }
    }

    private static String ids(Chute chute) {
        return String.valueOf(chute.query("SELECT string_agg(CAST(id AS VARCHAR), ',' ORDER BY id) FROM rs.t").rows().get(0).get(0));
    }

    /** Review of issues 3 and 4: an undo while the file still waited in landing was reversed by the next retry. */
    @Test
    void undoIsRefusedWhileTheLoadsFileIsStillInLanding() throws Exception {
        try (Chute chute = Chute.open(home, ChuteConfig.defaults(), false, PipelineListener.NONE)) {
            Path file = home.resolve("landing/un/t/a.csv");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "id\n1\n2\n");
            chute.load(List.of(file), Optional.of(dev.chute.spi.TableId.parse("un.t")), PipelineListener.NONE);
            String loadId = chute.warehouse().loads(LoadSummary.Filter.recent(1)).getFirst().loadId();
            assertThatThrownBy(() -> chute.undo(loadId)).hasMessageContaining("still in landing");
            Files.delete(file);
            assertThat(chute.undo(loadId).rowsDeleted()).isEqualTo(2);
        }
    }

    @Test
    void archivedFilesOlderThanTheRetentionAreDeleted() throws Exception {
        ChuteConfig cfg = ChuteConfig.parse("archive:\n  retention: 2s\n", "test");
        try (EmbeddedHome h = new EmbeddedHome(home, cfg)) {
            Path old = h.drop("keep/t/old.csv", "id\n1\n");
            Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(3600)));
            await().atMost(WAIT).until(() -> Files.exists(h.archive("keep/t/old.csv")) || h.tableExists("keep", "t"));
            await().atMost(WAIT).until(() -> !Files.exists(h.archive("keep/t/old.csv")));
            h.drop("keep/t/new.csv", "id\n2\n");
            await().atMost(WAIT).until(() -> Files.exists(h.archive("keep/t/new.csv")));
            assertThat(h.count("keep.t")).isEqualTo(2);
        }
    }

    /** Issue 5 (scale-out): with a listing grace the listing leaves young objects to the shared queue. */
    @Test
    void listingGraceLeavesYoungObjectsToTheQueue() throws Exception {
        ChuteConfig cfg = ChuteConfig.parse("intake:\n  reconcile_interval: 200ms\n  listing_grace: 1h\n", "test");
        LocalObjectStore store = LocalObjectStore.inHome(home);
        try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(home.resolve("warehouse.duckdb"), DuckDbWarehouseFactory.stageRoot(home));
             Pipeline pipeline = new Pipeline(store, warehouse, List.of(), cfg, home.resolve(".chute"), PipelineListener.NONE)) {
            Path young = home.resolve("landing/grace/t/young.csv");
            Path old = home.resolve("landing/grace/t/old.csv");
            Files.createDirectories(young.getParent());
            Files.writeString(young, "id\n1\n");
            Files.writeString(old, "id\n2\n");
            Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(2))));
            pipeline.start();
            // one listing saw both: the old one is a straggler the queue missed, the young one's event may still come
            await().atMost(WAIT).until(() -> Files.exists(home.resolve("archive/grace/t/old.csv")));
            Thread.sleep(600);
            assertThat(young).exists();
            assertThat(((Number) warehouse.query("SELECT count(*) FROM _chute.ledger", 1, WAIT).rows().get(0).get(0)).longValue()).isEqualTo(1);
            // the event for the young one arrives through the queue
            pipeline.offer(new ObjectEvent("grace/t/young.csv", ObjectEvent.Kind.UPSERTED, Instant.now(), "test"));
            await().atMost(WAIT).until(() -> Files.exists(home.resolve("archive/grace/t/young.csv")));
        }
    }

    /**
     * Issue 5 (scale-out): a version another worker is loading at the same moment is not a failure; it
     * is looked at again and, once that worker committed it, archived as a duplicate-free load.
     */
    @Test
    void versionLoadingElsewhereIsRetriedNotFailed() throws Exception {
        LocalObjectStore store = LocalObjectStore.inHome(home);
        AtomicBoolean claimedElsewhere = new AtomicBoolean(true);
        try (DuckDbWarehouse duck = DuckDbWarehouse.open(home.resolve("warehouse.duckdb"), DuckDbWarehouseFactory.stageRoot(home))) {
            // the first load finds the version claimed by another worker (as the shared ledger would say)
            dev.chute.spi.Warehouse warehouse = (dev.chute.spi.Warehouse) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {dev.chute.spi.Warehouse.class}, (proxy, method, args) -> {
                        if (method.getName().equals("load") && claimedElsewhere.getAndSet(false)) {
                            dev.chute.spi.LoadBatch batch = (dev.chute.spi.LoadBatch) args[0];
                            return batch.files().stream().map(f -> dev.chute.spi.FileOutcome.failed(f,
                                    dev.chute.spi.LoadError.of(ErrorCode.LOADING_ELSEWHERE, f.version().key() + " is being loaded by another worker"))).toList();
                        }
                        try {
                            return method.invoke(duck, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            try (Pipeline pipeline = new Pipeline(store, warehouse, List.of(), ChuteConfig.defaults(), home.resolve(".chute"), PipelineListener.NONE)) {
                pipeline.start();
                Path file = home.resolve("landing/busy/t/a.csv");
                Files.createDirectories(file.getParent());
                Files.writeString(file, "id\n1\n2\n");
                await().atMost(WAIT).until(() -> Files.exists(home.resolve("archive/busy/t/a.csv")));
                assertThat(pipeline.loadingElsewhere()).isEqualTo(1);
                assertThat(duck.recentFailures(10)).isEmpty();
                assertThat(((Number) duck.query("SELECT count(*) FROM busy.t", 1, WAIT).rows().get(0).get(0)).longValue()).isEqualTo(2);
            }
        }
    }
}
