package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 item 1: no row a writer puts into a landing file is lost or loaded twice, whether it
 * writes in place with pauses, reopens the file to append, copies at full speed or renames in; a
 * file that only grew loads only what was appended, also across a restart between the two loads.
 * All with the default configuration.
 */
public abstract class InPlaceWriterContract extends WarehouseContract {
    private static final Duration LONG_WAIT = Duration.ofSeconds(90);

    /** {@code from..to} as CSV rows {@code id,name}, each name derived from its id. */
    static String rows(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i <= to; i++) {
            sb.append(i).append(",name-").append(i).append('\n');
        }
        return sb.toString();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every id once, and each row's name intact: nothing lost, doubled or cut. */
    private static void assertExactly(ChuteHome h, String table, int n) {
        assertThat(h.count(table)).isEqualTo(n);
        assertThat(((Number) h.scalar("SELECT count(DISTINCT id) FROM " + table)).longValue()).isEqualTo(n);
        assertThat(((Number) h.scalar("SELECT count(*) FROM " + table + " WHERE name <> 'name-' || CAST(id AS VARCHAR)")).longValue()).isZero();
    }

    private static void awaitArchivedWith(ChuteHome h, String key, long lines) {
        await().atMost(LONG_WAIT).until(() -> Files.exists(h.archive(key)) && !Files.exists(h.landing(key)));
        try {
            assertThat(Files.readAllLines(h.archive(key))).hasSize((int) lines);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void slowWriterAppendingChunksInPlaceLosesNoRow() throws Exception {
        ChuteHome h = start();
        String key = "slow1/t/s.csv";
        Path file = h.landing(key);
        Files.createDirectories(file.getParent());
        // the reproduction: one open file, 10 chunks of 1,000 rows, 0.3 s apart
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write("id,name\n".getBytes(StandardCharsets.UTF_8));
            for (int chunk = 0; chunk < 10; chunk++) {
                out.write(rows(chunk * 1000 + 1, chunk * 1000 + 1000).getBytes(StandardCharsets.UTF_8));
                out.flush();
                pause(300);
            }
        }
        awaitArchivedWith(h, key, 10_001);
        assertExactly(h, "slow1.t", 10_000);
        assertThat(h.ledgerRows(key)).isEqualTo(10_000);
        assertThat(Files.exists(h.failed(key + ".error.json"))).isFalse();
    }

    @Test
    void writerPausingTwoSecondsMidLineLosesNoRow() throws Exception {
        ChuteHome h = start();
        String key = "slow2/t/s.csv";
        Path file = h.landing(key);
        Files.createDirectories(file.getParent());
        byte[] all = ("id,name\n" + rows(1, 3000)).getBytes(StandardCharsets.UTF_8);
        // three writes that each end in the middle of a line, with the longest pause the promise covers
        int[] cuts = {all.length / 3 + 3, 2 * all.length / 3 + 5, all.length};
        try (OutputStream out = Files.newOutputStream(file)) {
            int from = 0;
            for (int cut : cuts) {
                out.write(all, from, cut - from);
                out.flush();
                from = cut;
                if (cut < all.length) {
                    pause(2000);
                }
            }
        }
        awaitArchivedWith(h, key, 3001);
        assertExactly(h, "slow2.t", 3000);
        assertThat(h.ledgerRows(key)).isEqualTo(3000);
    }

    @Test
    void writerReopeningToAppendLosesNoRow() throws Exception {
        // the log directory exists before the writer starts (see the contract's javadoc on new directories)
        Files.createDirectories(tmp.resolve("home0/landing/slow3/t"));
        ChuteHome h = start();
        String key = "slow3/t/s.jsonl";
        Path file = h.landing(key);
        // a log shipper's habit: open, append a few JSON lines, close, wait, again
        for (int chunk = 0; chunk < 4; chunk++) {
            StringBuilder sb = new StringBuilder();
            for (int i = chunk * 250 + 1; i <= chunk * 250 + 250; i++) {
                sb.append("{\"id\": ").append(i).append(", \"name\": \"name-").append(i).append("\"}\n");
            }
            Files.writeString(file, sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            pause(1000);
        }
        awaitArchivedWith(h, key, 1000);
        assertExactly(h, "slow3.t", 1000);
    }

    @Test
    void fileCopiedInPlaceAtFullSpeedLoadsOnce() throws Exception {
        ChuteHome h = start();
        Path source = tmp.resolve("big.csv");
        Files.writeString(source, "id,name\n" + rows(1, 200_000));
        Path target = h.landing("copied/t/big.csv");
        Files.createDirectories(target.getParent());
        Files.copy(source, target);
        awaitArchivedWith(h, "copied/t/big.csv", 200_001);
        assertExactly(h, "copied.t", 200_000);
    }

    @Test
    void renamedInFileIsArchivedWithoutWaitingToSettle() {
        ChuteHome h = start();
        h.drop("renamed/t/r.csv", "id,name\n" + rows(1, 10));
        h.awaitArchived("renamed/t/r.csv");
        assertExactly(h, "renamed.t", 10);
    }

    /** The grown file's second load, after a restart, takes only what was appended, whatever on_overwrite says. */
    private void grownFileLoadsOnlyWhatWasAppended(String dataset, String moreYaml) throws Exception {
        String key = dataset + "/t/log.csv";
        Path landing;
        Path home = tmp.resolve("grow-" + dataset);
        // a log directory exists before its writer starts a file in it
        Files.createDirectories(home.resolve("landing").resolve(dataset).resolve("t"));
        try (ChuteHome first = ChuteHome.open(home, warehouseYaml(home), moreYaml, true)) {
            landing = first.landing(key);
            Files.writeString(landing, "id,name\n" + rows(1, 100));
            await().atMost(LONG_WAIT).until(() -> first.ledgerRows(key) == 100);
        }
        // stopped between the two loads: the file is still in landing (its writer was not done), 100 rows committed
        assertThat(landing).exists();
        Files.writeString(landing, rows(101, 250), StandardOpenOption.APPEND);
        try (ChuteHome second = ChuteHome.open(home, warehouseYaml(home), moreYaml, true)) {
            awaitArchivedWith(second, key, 251);
            assertExactly(second, dataset + ".t", 250);
            assertThat(second.ledgerRows(key)).isEqualTo(250);
            List<String> versions = second.column("SELECT CAST(" + "\"rows\"" + " AS VARCHAR) FROM _chute.ledger WHERE object_key = '" + key + "' ORDER BY bytes");
            assertThat(versions).containsExactly("100", "150");
        }
    }

    @Test
    void grownFileLoadsOnlyWhatWasAppendedAcrossARestart() throws Exception {
        grownFileLoadsOnlyWhatWasAppended("grow1", "");
    }

    @Test
    void grownFileLoadsOnlyWhatWasAppendedEvenWhenNewVersionsReplace() throws Exception {
        grownFileLoadsOnlyWhatWasAppended("grow2", "tables:\n  grow2.t:\n    on_overwrite: replace\n");
    }

    @Test
    void fileRewrittenNotGrownIsANewVersion() throws Exception {
        ChuteHome h = start();
        String key = "rewrite/t/f.csv";
        h.drop(key, "id,name\n" + rows(1, 5));
        h.awaitArchived(key);
        // the same name again with other content (not a prefix): a new version, all of its rows
        h.drop(key, "id,name\n" + rows(6, 8));
        await().atMost(LONG_WAIT).until(() -> h.count("rewrite.t") == 8);
        assertExactly(h, "rewrite.t", 8);
    }
}
