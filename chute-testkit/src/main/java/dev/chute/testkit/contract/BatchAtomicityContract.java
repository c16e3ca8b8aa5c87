package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Pipeline;
import dev.chute.spi.TableId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Every file of a batch commits all its rows or none, whatever the other files of the batch do, and
 * a file with data lines never commits fewer rows than it holds records without a failure that
 * says why (issue 11, items 2 and 3).
 */
public abstract class BatchAtomicityContract extends WarehouseContract {
    private static final String BATCH_TOGETHER = "batch:\n  max_wait: 2s\n";

    /** Issue 11 item 2: DuckDB's multi-file reader dropped the rows from an unterminated quote to the end of file. */
    @Test
    void unterminatedQuoteFailsTheWholeFileInAMixedBatch() {
        ChuteHome h = start(BATCH_TOGETHER);
        h.drop("atommix/t/first.csv", "id,v\n1,first\n");
        h.awaitArchived("atommix/t/first.csv");
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            files.put("atommix/t/good" + i + ".csv", ("id,v\n" + (i * 10) + ",x\n" + (i * 10 + 1) + ",y\n").getBytes(StandardCharsets.UTF_8));
        }
        files.put("atommix/t/abc.csv", "id,v\n1,ok\nabc,bad\n".getBytes(StandardCharsets.UTF_8));
        files.put("atommix/t/quote5.csv", "id,v\n1,a\n2,b\n3,\"c\n4,d\n5,e\n".getBytes(StandardCharsets.UTF_8));
        files.put("atommix/t/quote2.csv", "id,v\n1,a\n2,\"b\n".getBytes(StandardCharsets.UTF_8));
        h.dropAll(files);
        for (int i = 0; i < 20; i++) {
            h.awaitArchived("atommix/t/good" + i + ".csv");
        }
        for (String bad : List.of("abc", "quote5", "quote2")) {
            JsonNode error = h.awaitFailed("atommix/t/" + bad + ".csv");
            assertThat(error.toString()).contains(bad + ".csv");
            assertThat(h.ledgerRows("atommix/t/" + bad + ".csv")).as(bad).isEqualTo(-1);
        }
        assertThat(h.failed("atommix/t/quote5.csv.error.json")).content().containsIgnoringCase("quote");
        assertThat(h.count("atommix.t")).isEqualTo(1 + 20 * 2);
    }

    /** Issue 11 item 2, through {@code chute load}: one batch for sure, the same promise. */
    @Test
    void unterminatedQuoteFailsTheWholeFileInOneShotLoad() throws IOException {
        ChuteHome h = openForLoads("");
        Path dir = tmp.resolve("atomload");
        Files.createDirectories(dir);
        for (int i = 0; i < 20; i++) {
            Files.writeString(dir.resolve("good" + i + ".csv"), "id,v\n" + (i * 10) + ",x\n" + (i * 10 + 1) + ",y\n");
        }
        Files.writeString(dir.resolve("quote5.csv"), "id,v\n1,a\n2,b\n3,\"c\n4,d\n5,e\n");
        Files.writeString(dir.resolve("quote2.csv"), "id,v\n1,a\n2,\"b\n");
        List<Pipeline.OneShotResult> results = h.load(List.of(dir), Optional.of(new TableId("atomload", "t")));
        assertThat(results).hasSize(22);
        for (Pipeline.OneShotResult r : results) {
            boolean bad = r.file().endsWith("quote5.csv") || r.file().endsWith("quote2.csv");
            assertThat(r.status()).as(r.file()).isEqualTo(bad ? Pipeline.ResultStatus.FAILED : Pipeline.ResultStatus.COMMITTED);
        }
        assertThat(h.count("atomload.t")).isEqualTo(40);
    }

    /** Issue 11 item 3: a lone quote in the header swallowed every line after it: 0 rows, no error. */
    @Test
    void loneQuoteInHeaderFailsInsteadOfLoadingNoRows() {
        ChuteHome h = start();
        h.drop("atomlone/t/a.csv", "id,name,\"note\n1,a,b\n2,c,d\n3,e,f\n");
        assertAllRowsOrFailure(h, "atomlone/t/a.csv", "atomlone.t", 3);
    }

    /** Issue 11 item 3: the same shape gzip-compressed and tab-separated (like DuckDB's click_mini.tsv.gz). */
    @Test
    void loneQuoteInCompressedTsvHeaderNeverLoadsFewerRows() {
        ChuteHome h = start();
        h.drop("atomtsv/t/a.tsv.gz", gzip("WatchID\tTitle\t\"Referer\n1\tx\ty\n2\tz\tw\n3\tq\tr\n4\ts\tt\n"));
        assertAllRowsOrFailure(h, "atomtsv/t/a.tsv.gz", "atomtsv.t", 4);
    }

    /** Issue 11 item 3: an unterminated quote in the first data line of a file that is alone in its batch. */
    @Test
    void unterminatedQuoteInFirstRecordFailsTheFile() {
        ChuteHome h = start();
        h.drop("atomfirst/t/a.csv", "id,v\n1,\"a\n2,b\n3,c\n");
        JsonNode error = h.awaitFailed("atomfirst/t/a.csv");
        assertThat(error.get("kind").asText()).isEqualTo("MALFORMED");
        assertThat(error.get("reason").asText()).containsIgnoringCase("quote");
        assertThat(h.ledgerRows("atomfirst/t/a.csv")).isEqualTo(-1);
    }

    /** A file that loads must load every record: the check must not fail honest files with quoted newlines and doubled quotes. */
    @Test
    void quotedNewlinesAndDoubledQuotesStillLoadEveryRecord() {
        ChuteHome h = start();
        h.drop("atomok/t/a.csv", "id,note\r\n1,\"two\r\nlines\"\r\n2,\"say \"\"hi\"\"\"\r\n3,\"\"\"\"\r\n4,plain");
        h.awaitArchived("atomok/t/a.csv");
        assertThat(h.count("atomok.t")).isEqualTo(4);
        assertThat(h.ledgerRows("atomok/t/a.csv")).isEqualTo(4);
    }

    /** Waits for the file to be archived with all its rows, or failed with a reason that names a line. */
    static void assertAllRowsOrFailure(ChuteHome h, String key, String table, long rows) {
        await().atMost(ChuteHome.WAIT).until(() -> Files.exists(h.archive(key)) || Files.exists(h.failed(key + ".error.json")));
        if (Files.exists(h.archive(key))) {
            assertThat(h.ledgerRows(key)).as("rows committed for " + key).isEqualTo(rows);
            assertThat(h.count(table)).isEqualTo(rows);
        } else {
            JsonNode error = h.awaitFailed(key);
            assertThat(error.get("line").isNull()).as("line of " + error).isFalse();
            assertThat(h.ledgerRows(key)).isEqualTo(-1);
        }
    }

    /** Waits for the file to be archived with at least {@code minRows} rows (all in the table), or failed with a reason containing {@code word}. */
    static void assertAllRowsOrFailureSaying(ChuteHome h, String key, String table, long minRows, String word) {
        await().atMost(ChuteHome.WAIT).until(() -> Files.exists(h.archive(key)) || Files.exists(h.failed(key + ".error.json")));
        if (Files.exists(h.archive(key))) {
            assertThat(h.ledgerRows(key)).as("rows committed for " + key).isGreaterThanOrEqualTo(minRows);
            assertThat(h.count(table)).isEqualTo(h.ledgerRows(key));
        } else {
            JsonNode error = h.awaitFailed(key);
            assertThat(error.get("reason").asText()).contains(word);
            assertThat(h.ledgerRows(key)).isEqualTo(-1);
        }
    }

    static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
