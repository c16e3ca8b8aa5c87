package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets a clear error naming the file (and line where known), goes to failed/, and never stops the pipeline. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    EmbeddedHome h;

    @BeforeAll
    void start(@TempDir Path home) {
        h = new EmbeddedHome(home);
    }

    @AfterAll
    void stop() {
        h.close();
    }

    private JsonNode failedWith(String key) throws Exception {
        Path sidecar = h.failed(key + ".error.json");
        await().atMost(WAIT).until(() -> Files.exists(sidecar));
        assertThat(h.failed(key)).exists();
        assertThat(h.landing(key)).doesNotExist();
        JsonNode node = Json.mapper().readTree(sidecar.toFile());
        assertThat(node.get("key").asText()).isEqualTo(key);
        assertThat(node.get("reason").asText()).contains(key);
        assertThat(node.get("attempts").asInt()).isEqualTo(1);
        assertThat(node.hasNonNull("first_failure")).isTrue();
        return node;
    }

    @Test
    void wrongColumnCountNamesTheLine() throws Exception {
        h.drop("bad/columns/f.csv", "a,b\n1,2\n3,4,5\n");
        JsonNode e = failedWith("bad/columns/f.csv");
        assertThat(e.get("kind").asText()).isEqualTo("MALFORMED");
        assertThat(e.get("line").asLong()).isEqualTo(3);
        assertThat(e.get("reason").asText()).contains("expected 2 columns, found 3");
        assertThat(h.tableExists("bad", "columns")).isFalse();
    }

    @Test
    void unterminatedQuoteIsMalformed() throws Exception {
        h.drop("bad/quotes/f.csv", "a,b\n1,\"x\"\n2,\"never closed\n");
        JsonNode e = failedWith("bad/quotes/f.csv");
        assertThat(e.get("kind").asText()).isEqualTo("MALFORMED");
        assertThat(e.get("reason").asText()).contains("unterminated quote");
    }

    @Test
    void invalidUtf8IsAnEncodingError() throws Exception {
        StringBuilder rows = new StringBuilder("id,name\n");
        for (int i = 0; i < 50; i++) {
            rows.append(i).append(",name").append(i).append('\n');
        }
        byte[] good = rows.toString().getBytes(StandardCharsets.UTF_8);
        byte[] bad = new byte[good.length + 6];
        System.arraycopy(good, 0, bad, 0, good.length);
        System.arraycopy(new byte[] {'9', '9', ',', (byte) 0xFF, (byte) 0xFE, '\n'}, 0, bad, good.length, 6);
        h.drop("bad/encoding/f.csv", bad);
        JsonNode e = failedWith("bad/encoding/f.csv");
        assertThat(e.get("kind").asText()).isEqualTo("ENCODING");
        assertThat(e.get("reason").asText()).contains("expected UTF-8");
    }

    @Test
    void emptyAndHeaderOnlyFilesAreArchivedWithZeroRowsAndNoTable() throws Exception {
        h.drop("quiet/empty/zero.csv", new byte[0]);
        h.drop("quiet/header/only.csv", "a,b,c\n");
        await().atMost(WAIT).until(() -> Files.exists(h.archive("quiet/empty/zero.csv")) && Files.exists(h.archive("quiet/header/only.csv")));
        assertThat(h.tableExists("quiet", "empty")).isFalse();
        assertThat(h.tableExists("quiet", "header")).isFalse();
        assertThat(h.scalar("SELECT CAST(sum(rows) AS BIGINT) FROM _chute.ledger WHERE object_key LIKE 'quiet/%'")).isEqualTo(0L);
        assertThat(h.scalar("SELECT count(*) FROM _chute.ledger WHERE object_key LIKE 'quiet/%'")).isEqualTo(2L);
    }

    @Test
    void gzNameWithoutGzipContentFails() throws Exception {
        h.drop("bad/gzip/f.csv.gz", "a,b\n1,2\n");
        JsonNode e = failedWith("bad/gzip/f.csv.gz");
        assertThat(e.get("kind").asText()).isEqualTo("MALFORMED");
        assertThat(e.get("reason").asText()).contains("gzip");
    }

    @Test
    void keysThatAreNotIdentifiersAreUnroutable() throws Exception {
        String[] keys = {"1st/table/f.csv", "sales/or-ders/f.csv", "a b/t/f.csv", "x/\"; drop table x; --/f.csv", "_chute/ledger/f.csv",
                "ds/" + "t".repeat(129) + "/f.csv", "rootfile.csv", "ds/only.csv"};
        for (String key : keys) {
            h.drop(key, "a\n1\n");
        }
        for (String key : keys) {
            JsonNode e = failedWith(key);
            assertThat(e.get("kind").asText()).as(key).isEqualTo("UNROUTABLE");
        }
        assertThat(h.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('_chute', 'main')")).isNotNull();
    }

    @Test
    void unknownExtensionIsUnsupported() throws Exception {
        h.drop("ds/t/notes.docx", "hello");
        JsonNode e = failedWith("ds/t/notes.docx");
        assertThat(e.get("kind").asText()).isEqualTo("UNSUPPORTED_FORMAT");
    }

    @Test
    void avroIsRefusedByTheEmbeddedWarehouseWithTheOnesThatLoadIt() throws Exception {
        // an Avro object container header ("Obj" 1) is enough: DuckDB refuses the format before reading it
        h.drop("ds/avro/part-0001.avro", "Obj\u0001");
        JsonNode e = failedWith("ds/avro/part-0001.avro");
        assertThat(e.get("kind").asText()).isEqualTo("UNSUPPORTED_FORMAT");
        assertThat(e.get("reason").asText()).contains("Avro").contains("bigquery");
        h.drop("ds/avro/part-0002.avro.gz", "x");
        JsonNode gz = failedWith("ds/avro/part-0002.avro.gz");
        assertThat(gz.get("kind").asText()).isEqualTo("UNSUPPORTED_FORMAT");
        assertThat(gz.get("reason").asText()).contains("without outer compression");
    }

    @Test
    void fileNamesWithQuotesAndGlobCharactersLoadAsThemselves() throws Exception {
        h.drop("odd/names/it's [1] *?.csv", "id\n1\n2\n");
        h.drop("odd/names/other.csv", "id\n3\n");
        await().atMost(WAIT).until(() -> Files.exists(h.archive("odd/names/it's [1] *?.csv")) && Files.exists(h.archive("odd/names/other.csv")));
        assertThat(h.count("odd.names")).isEqualTo(3);
        assertThat(h.scalar("SELECT count(*) FROM odd.names WHERE _chute_source = 'odd/names/it''s [1] *?.csv'")).isEqualTo(2L);
    }

    @Test
    void hiddenAndPartialFilesWaitUntilRenamed() throws Exception {
        h.drop("wait/t/.hidden.csv", "id\n1\n");
        h.drop("wait/t/upload.csv.part", "id\n1\n");
        h.drop("wait/t/upload.tmp", "id\n1\n");
        h.drop("wait/t/real.csv", "id\n5\n");
        await().atMost(WAIT).until(() -> Files.exists(h.archive("wait/t/real.csv")));
        assertThat(h.landing("wait/t/.hidden.csv")).exists();
        assertThat(h.landing("wait/t/upload.csv.part")).exists();
        Files.move(h.landing("wait/t/upload.csv.part"), h.landing("wait/t/upload.csv"));
        await().atMost(WAIT).until(() -> Files.exists(h.archive("wait/t/upload.csv")));
        assertThat(h.count("wait.t")).isEqualTo(2);
    }

    @Test
    void failedFileReplayedWithSameBytesIsRetriedNotADuplicate() throws Exception {
        h.drop("retry/t/a.csv", "id\n1\n");
        await().atMost(WAIT).until(() -> Files.exists(h.archive("retry/t/a.csv")));
        h.drop("retry/t/b.csv", "id\nnot-a-number\n");
        failedWith("retry/t/b.csv");
        Files.move(h.failed("retry/t/b.csv"), h.landing("retry/t/b.csv"));
        await().atMost(WAIT).until(() -> Files.exists(h.failed("retry/t/b.csv")));
        await().atMost(WAIT).until(() -> Json.mapper().readTree(h.failed("retry/t/b.csv.error.json").toFile()).get("attempts").asInt() == 2);
        assertThat(h.scalar("SELECT attempts FROM _chute.failures WHERE object_key = 'retry/t/b.csv'")).isEqualTo(2L);
        assertThat(h.count("retry.t")).isEqualTo(1);
    }
}
