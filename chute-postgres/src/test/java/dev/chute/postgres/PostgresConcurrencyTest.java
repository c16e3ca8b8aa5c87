package dev.chute.postgres;

import static dev.chute.postgres.PgTestDatabase.batch;
import static dev.chute.postgres.PgTestDatabase.stage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadFile;
import dev.chute.spi.TableSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several workers (separate warehouses, separate connections) on one database at the same moment. */
class PostgresConcurrencyTest {
    @TempDir
    Path stage;
    PgTestDatabase db;
    final List<PostgresWarehouse> workers = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        db = new PgTestDatabase();
    }

    @AfterEach
    void drop() throws Exception {
        workers.forEach(PostgresWarehouse::close);
        db.close();
    }

    @Test
    void twoWorkersRacingOnOneVersionCommitItOnce() throws Exception {
        PostgresWarehouse a = db.open(stage);
        PostgresWarehouse b = db.open(stage);
        workers.add(a);
        workers.add(b);
        LoadFile first = stage(stage, "race/t/x.csv", "id,name\n1,a\n2,b\n");
        LoadFile second = stage(stage, "race/t/x.csv", "id,name\n1,a\n2,b\n");
        // worker a holds its claim uncommitted (inside stillValid, just before commit) while worker b claims the same version
        CountDownLatch aClaimed = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<List<FileOutcome>> fa = pool.submit(() -> a.load(batch("race.t", TableSpec.defaults(), first), f -> {
                aClaimed.countDown();
                try {
                    return release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
            assertThat(aClaimed.await(60, TimeUnit.SECONDS)).isTrue();
            // b does not wait for a's transaction: it leaves the version to a and says so
            List<FileOutcome> busy = b.load(batch("race.t", TableSpec.defaults(), second), f -> true);
            assertThat(busy).singleElement().satisfies(o -> {
                assertThat(o.status()).isEqualTo(FileOutcome.Status.FAILED);
                assertThat(o.error().orElseThrow().code()).isEqualTo(dev.chute.spi.ErrorCode.LOADING_ELSEWHERE);
                assertThat(o.error().orElseThrow().reason()).contains("race/t/x.csv", "another worker");
            });
            assertThat(db.count("SELECT count(*) FROM _chute.failures")).isZero();
            release.countDown();
            assertThat(fa.get(60, TimeUnit.SECONDS)).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMMITTED);
            // looked at again (as the engine does shortly after), the version is a duplicate
            assertThat(b.load(batch("race.t", TableSpec.defaults(), second), f -> true)).extracting(FileOutcome::status)
                    .containsExactly(FileOutcome.Status.DUPLICATE);
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.count("SELECT count(*) FROM race.t")).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM _chute.ledger")).isEqualTo(1);
    }

    @Test
    void claimOfAWorkerThatRollsBackLetsTheOtherLoad() throws Exception {
        PostgresWarehouse a = db.open(stage);
        PostgresWarehouse b = db.open(stage);
        workers.add(a);
        workers.add(b);
        LoadFile f = stage(stage, "race/r/x.csv", "id\n1\n");
        // a's file "changed" at the last moment: a rolls back; b, refused while a held the claim, then loads the version
        CountDownLatch aClaimed = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<List<FileOutcome>> fa = pool.submit(() -> a.load(batch("race.r", TableSpec.defaults(), f), x -> {
                aClaimed.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return false;
            }));
            assertThat(aClaimed.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(b.load(batch("race.r", TableSpec.defaults(), f), x -> true).get(0).error().orElseThrow().code())
                    .isEqualTo(dev.chute.spi.ErrorCode.LOADING_ELSEWHERE);
            release.countDown();
            assertThat(fa.get(60, TimeUnit.SECONDS).get(0).status()).isEqualTo(FileOutcome.Status.FAILED);
            // a's claim went with its rollback: b, looking again, loads the version
            assertThat(b.load(batch("race.r", TableSpec.defaults(), f), x -> true)).extracting(FileOutcome::status)
                    .containsExactly(FileOutcome.Status.COMMITTED);
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.count("SELECT count(*) FROM race.r")).isEqualTo(1);
    }

    @Test
    void threeWorkersCreatingOneNewTableAtOnceAllCommit() throws Exception {
        List<PostgresWarehouse> three = List.of(db.open(stage), db.open(stage), db.open(stage));
        workers.addAll(three);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<List<FileOutcome>>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                PostgresWarehouse w = three.get(i);
                // each worker's file brings one column the others lack: creation and evolution race together
                LoadFile f = stage(stage, "fresh/t/f" + i + ".csv", "id,c" + i + "\n" + i + ",v\n");
                results.add(pool.submit(() -> {
                    start.await();
                    return w.load(batch("fresh.t", TableSpec.defaults(), f), x -> true);
                }));
            }
            start.countDown();
            for (Future<List<FileOutcome>> r : results) {
                assertThat(r.get(120, TimeUnit.SECONDS)).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMMITTED);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.count("SELECT count(*) FROM fresh.t")).isEqualTo(3);
        assertThat(db.count("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'fresh' AND table_name = 't'"
                + " AND column_name IN ('c0', 'c1', 'c2')")).isEqualTo(3);
    }
}
