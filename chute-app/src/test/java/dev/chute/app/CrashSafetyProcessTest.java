package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once under SIGKILL: files are renamed into landing in bursts while {@code chute up} runs,
 * and the process is killed at a random moment, restarted, killed again. In the end every file is
 * loaded once, archived once, and the ledger has one row per file. The seed is printed; rerun a
 * failure with {@code -Dchute.crash.seed=<seed>}.
 */
class CrashSafetyProcessTest {
    private static final int KILL_ROUNDS = 6;
    private static final int BURSTS_PER_ROUND = 6;
    private static final long BURST_SPACING_MILLIS = 250;
    private static final long MAX_KILL_DELAY_MILLIS = 1500;
    private static final String KEY_PREFIX = "crash/events/";

    @TempDir
    Path root;

    private Path home;
    private Path staging;
    private ChuteProcesses chute;
    private ScheduledExecutorService scheduler;
    /** Key to rows, of every file dropped. */
    private final Map<String, Integer> dropped = new TreeMap<>();
    private long nextId = 1;
    private int nextFile = 1;

    @BeforeEach
    void setUp(TestInfo test) throws IOException {
        home = Files.createDirectories(root.resolve("home"));
        // same file system as landing, so a move into landing is an atomic rename
        staging = Files.createDirectories(root.resolve("staging"));
        chute = ChuteProcesses.forTest(test);
        scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "crash-test-scheduler");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        scheduler.shutdownNow();
        scheduler.awaitTermination(30, TimeUnit.SECONDS);
        chute.close();
    }

    @Test
    void filesDroppedAroundKillsAreLoadedAndArchivedExactlyOnce() throws Exception {
        long seed = Long.getLong("chute.crash.seed", System.nanoTime());
        System.out.println("CrashSafetyProcessTest seed " + seed + " (rerun with -Dchute.crash.seed=" + seed + ")");
        Random random = new Random(seed);
        Path landing = Files.createDirectories(home.resolve("landing").resolve(KEY_PREFIX));

        for (int round = 0; round < KILL_ROUNDS; round++) {
            ChuteProcess up = chute.up(home);
            List<List<Path>> bursts = new ArrayList<>();
            for (int b = 0; b < BURSTS_PER_ROUND; b++) {
                bursts.add(stageSmallFiles(random, 8 + random.nextInt(7)));
            }
            long killDelay = random.nextLong(MAX_KILL_DELAY_MILLIS + 1);
            System.out.printf("round %d: pid %d, %d files in %d bursts, SIGKILL after %d ms%n", round, up.process().pid(),
                    bursts.stream().mapToInt(List::size).sum(), bursts.size(), killDelay);
            List<ScheduledFuture<?>> drops = new ArrayList<>();
            for (int b = 0; b < bursts.size(); b++) {
                List<Path> burst = bursts.get(b);
                drops.add(scheduler.schedule(() -> moveInto(burst, landing), b * BURST_SPACING_MILLIS, TimeUnit.MILLISECONDS));
            }
            ScheduledFuture<?> kill = scheduler.schedule(() -> up.process().destroyForcibly(), killDelay, TimeUnit.MILLISECONDS);
            kill.get(1, TimeUnit.MINUTES);
            up.kill();
            for (ScheduledFuture<?> drop : drops) {
                drop.get(1, TimeUnit.MINUTES);
            }
        }

        // larger files copied (not renamed) into landing: still being written when first seen, and
        // the process dies right after the copies, within the quiet period
        ChuteProcess copyRound = chute.up(home);
        List<Path> large = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            large.add(stageFile(random, 15_000 + random.nextInt(10_000)));
        }
        System.out.printf("copy round: pid %d, %d large files copied, SIGKILL right after%n", copyRound.process().pid(), large.size());
        for (Path file : large) {
            Files.copy(file, landing.resolve(file.getFileName()));
        }
        copyRound.kill();

        ChuteProcess last = chute.up(home);
        await("every dropped file archived").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(HomeFiles.keys(home.resolve("failed"))).as(() -> "failed files: " + failures() + "\n" + last.output()).isEmpty();
            assertThat(HomeFiles.keys(home.resolve("landing"))).as("landing").isEmpty();
            assertThat(HomeFiles.keys(home.resolve("archive"))).as("archive").hasSize(dropped.size());
        });

        assertThat(dropped.size()).as("files dropped").isGreaterThanOrEqualTo(300);
        assertThat(HomeFiles.keys(home.resolve("archive"))).containsExactlyElementsOf(dropped.keySet());
        long expectedRows = dropped.values().stream().mapToLong(Integer::longValue).sum();
        assertThat(last.count("select count(*) from crash.events")).isEqualTo(expectedRows);
        assertThat(last.rows("select id, count(*) from crash.events group by id having count(*) > 1")).as("ids loaded twice").isEmpty();
        assertThat(rowsByKey(last, "select _chute_source, count(*) from crash.events group by 1 order by 1"))
                .as("rows per file in the table").isEqualTo(dropped);
        assertThat(rowsByKey(last, "select object_key, rows from _chute.ledger where table_name = 'crash.events' order by 1"))
                .as("ledger rows per file").isEqualTo(dropped);
        assertThat(last.count("select count(*) from _chute.ledger where table_name = 'crash.events'")).as("ledger entries").isEqualTo(dropped.size());
        for (String key : dropped.keySet()) {
            Path archived = home.resolve("archive").resolve(key);
            assertThat(Files.readAllLines(archived)).as(key).hasSize(dropped.get(key) + 1);
        }
        assertThat(last.terminate()).isIn(0, 143);
    }

    /**
     * Issue 11 item 1: a file written in place grows after its first part was committed, and the
     * process is SIGKILLed between the two loads. The next process loads only what was appended:
     * every row once, two ledger entries (the committed prefix and the rest).
     */
    @Test
    void fileThatGrewAcrossAKillLoadsOnlyWhatWasAppended() throws Exception {
        Path dir = Files.createDirectories(home.resolve("landing").resolve("grow/log"));
        String key = "grow/log/app.csv";
        StringBuilder first = new StringBuilder("id,note\n");
        for (int i = 1; i <= 100; i++) {
            first.append(i).append(",first ").append(i).append('\n');
        }
        ChuteProcess up = chute.up(home);
        Files.writeString(dir.resolve("app.csv"), first);
        await("first part committed").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                .until(() -> up.count("select count(*) from _chute.ledger where object_key = '" + key + "' and rows = 100") == 1);
        up.kill();
        // killed before the file settled: it is still in landing, its writer goes on
        assertThat(dir.resolve("app.csv")).exists();
        StringBuilder more = new StringBuilder();
        for (int i = 101; i <= 250; i++) {
            more.append(i).append(",then ").append(i).append('\n');
        }
        Files.writeString(dir.resolve("app.csv"), more, java.nio.file.StandardOpenOption.APPEND);
        ChuteProcess last = chute.up(home);
        await("grown file archived").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> Files.exists(home.resolve("archive").resolve(key)) && !Files.exists(dir.resolve("app.csv")));
        assertThat(last.count("select count(*) from grow.log")).isEqualTo(250);
        assertThat(last.count("select count(distinct id) from grow.log")).isEqualTo(250);
        assertThat(last.rows("select rows from _chute.ledger where object_key = '" + key + "' order by bytes").toString()).isEqualTo("[[100],[150]]");
        assertThat(Files.readAllLines(home.resolve("archive").resolve(key))).hasSize(251);
        assertThat(last.terminate()).isIn(0, 143);
    }

    private static Map<String, Integer> rowsByKey(ChuteProcess up, String sql) {
        Map<String, Integer> result = new TreeMap<>();
        for (JsonNode row : up.rows(sql)) {
            result.put(row.get(0).asText(), row.get(1).asInt());
        }
        return result;
    }

    private String failures() {
        return HomeFiles.keys(home.resolve("failed")).stream().filter(k -> k.endsWith(".error.json")).map(k -> {
            try {
                return k + ": " + Files.readString(home.resolve("failed").resolve(k));
            } catch (IOException e) {
                return k + ": " + e;
            }
        }).collect(Collectors.joining("\n"));
    }

    private List<Path> stageSmallFiles(Random random, int count) throws IOException {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            files.add(stageFile(random, 10 + random.nextInt(41)));
        }
        return files;
    }

    /** A CSV with {@code rows} rows of ids never used before, written to staging. */
    private Path stageFile(Random random, int rows) throws IOException {
        String name = String.format("f%05d.csv", nextFile++);
        StringBuilder csv = new StringBuilder("id,file_name,amount,note\n");
        for (int r = 0; r < rows; r++) {
            csv.append(nextId++).append(',').append(name).append(',').append(random.nextInt(100_000)).append(",note ").append(r).append('\n');
        }
        Path file = staging.resolve(name);
        Files.writeString(file, csv);
        synchronized (dropped) {
            dropped.put(KEY_PREFIX + name, rows);
        }
        return file;
    }

    private static void moveInto(List<Path> files, Path landing) {
        for (Path file : files) {
            try {
                Files.move(file, landing.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
