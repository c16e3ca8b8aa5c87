package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tables from inference that never loses data, explicit types, evolution, and the per-table policies. */
class SchemaTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;

    private static ChuteConfig config(String yaml) {
        return ChuteConfig.parse(yaml, "test");
    }

    private static void awaitArchived(EmbeddedHome h, String key) {
        await().atMost(WAIT).until(() -> Files.exists(h.archive(key)));
    }

    private static String type(EmbeddedHome h, String table, String column) {
        return (String) h.scalar("SELECT data_type FROM information_schema.columns WHERE table_schema || '.' || table_name = '" + table
                + "' AND column_name = '" + column + "'");
    }

    @Test
    void leadingZerosStayTextAndBigNumbersKeepEveryDigit() throws Exception {
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            h.drop("inv/items/a.csv", "sku,qty,big,price\n000123,5,123456789012345678901234567890,1.25\n004560,7,2,19.99\n");
            awaitArchived(h, "inv/items/a.csv");
            assertThat(type(h, "inv.items", "sku")).isEqualTo("VARCHAR");
            assertThat(type(h, "inv.items", "qty")).isEqualTo("BIGINT");
            assertThat(h.scalar("SELECT min(sku) FROM inv.items")).isEqualTo("000123");
            assertThat(h.scalar("SELECT CAST(big AS VARCHAR) FROM inv.items WHERE qty = 5")).isEqualTo("123456789012345678901234567890");
            assertThat(h.scalar("SELECT price FROM inv.items WHERE qty = 7")).isEqualTo(19.99);
        }
    }

    @Test
    void columnIsNumericOnlyIfEveryValueInTheFileIs() throws Exception {
        StringBuilder csv = new StringBuilder("id,code\n");
        for (int i = 0; i < 30_000; i++) {
            csv.append(i).append(',').append(i).append('\n');
        }
        csv.append("30000,N/A\n");
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            h.drop("big/sampled/a.csv", csv.toString());
            awaitArchived(h, "big/sampled/a.csv");
            assertThat(type(h, "big.sampled", "id")).isEqualTo("BIGINT");
            assertThat(type(h, "big.sampled", "code")).isEqualTo("VARCHAR");
            assertThat(h.count("big.sampled")).isEqualTo(30_001);
            assertThat(h.scalar("SELECT code FROM big.sampled WHERE id = 30000")).isEqualTo("N/A");
        }
    }

    @Test
    void newColumnsInLaterFilesAreAdded() throws Exception {
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            h.drop("evo/t/1.csv", "id,name\n1,a\n");
            awaitArchived(h, "evo/t/1.csv");
            h.drop("evo/t/2.csv", "id,name,Score\n2,b,9.5\n");
            awaitArchived(h, "evo/t/2.csv");
            assertThat(h.count("evo.t")).isEqualTo(2);
            assertThat(type(h, "evo.t", "Score")).isEqualTo("DOUBLE");
            assertThat(h.scalar("SELECT count(*) FROM evo.t WHERE \"Score\" IS NULL")).isEqualTo(1L);
        }
    }

    @Test
    void explicitColumnTypesFromConfigWin() throws Exception {
        ChuteConfig cfg = config("""
                tables:
                  shop.orders:
                    columns:
                      id: VARCHAR
                      amount: DECIMAL(12,2)
                """);
        try (EmbeddedHome h = new EmbeddedHome(home, cfg)) {
            // 3.99, not 3.999: a value with more decimals than the declared scale fails the file rather than rounding (issue 11 item 3)
            h.drop("shop/orders/a.csv", "id,amount\n1,10.50\n2,3.99\n");
            awaitArchived(h, "shop/orders/a.csv");
            assertThat(type(h, "shop.orders", "id")).isEqualTo("VARCHAR");
            assertThat(type(h, "shop.orders", "amount")).isEqualTo("DECIMAL(12,2)");
            assertThat(h.scalar("SELECT amount FROM shop.orders WHERE id = '1'")).isEqualTo(new BigDecimal("10.50"));
        }
    }

    @Test
    void valueThatDoesNotFitFailsTheFileOrWidensTheColumn() throws Exception {
        ChuteConfig cfg = config("""
                tables:
                  w.wide:
                    on_type_conflict: widen
                """);
        try (EmbeddedHome h = new EmbeddedHome(home, cfg)) {
            h.drop("w/strict/1.csv", "n\n1\n");
            h.drop("w/wide/1.csv", "n\n1\n");
            awaitArchived(h, "w/strict/1.csv");
            awaitArchived(h, "w/wide/1.csv");
            h.drop("w/strict/2.csv", "n\n2\nthree\n");
            h.drop("w/wide/2.csv", "n\n2\nthree\n");
            await().atMost(WAIT).until(() -> Files.exists(h.failed("w/strict/2.csv.error.json")));
            JsonNode error = Json.mapper().readTree(h.failed("w/strict/2.csv.error.json").toFile());
            assertThat(error.get("kind").asText()).isEqualTo("TYPE_CONFLICT");
            assertThat(error.get("line").asInt()).isEqualTo(3);
            assertThat(error.get("column").asText()).isEqualTo("n");
            assertThat(error.get("expected").asText()).isEqualTo("BIGINT");
            assertThat(error.get("value").asText()).isEqualTo("three");
            assertThat(error.get("table").asText()).isEqualTo("w.strict");
            awaitArchived(h, "w/wide/2.csv");
            assertThat(type(h, "w.wide", "n")).isEqualTo("VARCHAR");
            assertThat(h.count("w.wide")).isEqualTo(3);
            assertThat(h.count("w.strict")).isEqualTo(1);
        }
    }

    /** Issue 2: DuckDB's CSV reader turned a non-timestamp into NULL for TIMESTAMPTZ columns instead of failing. */
    @Test
    void textThatIsNotATimestampFailsTheFileInsteadOfBecomingNull() throws Exception {
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            h.drop("ts/t/good.csv", "id,at\n1,2022-08-19T18:52:48Z\n");
            awaitArchived(h, "ts/t/good.csv");
            assertThat(type(h, "ts.t", "at")).isEqualTo("TIMESTAMP WITH TIME ZONE");
            h.drop("ts/t/bad.csv", "id,at\n2,2022-08-20T00:00:00Z\n3,not-a-time\n");
            await().atMost(WAIT).until(() -> Files.exists(h.failed("ts/t/bad.csv.error.json")));
            JsonNode error = Json.mapper().readTree(h.failed("ts/t/bad.csv.error.json").toFile());
            assertThat(error.get("kind").asText()).isEqualTo("TYPE_CONFLICT");
            assertThat(error.get("column").asText()).isEqualTo("at");
            assertThat(error.get("value").asText()).isEqualTo("not-a-time");
            assertThat(error.get("expected").asText()).isEqualTo("TIMESTAMP WITH TIME ZONE");
            assertThat(error.get("line").asInt()).isEqualTo(3);
            assertThat(h.count("ts.t")).isEqualTo(1);
        }
    }

    @Test
    void badRowsUpToTheLimitGoToTheRejectsTable() throws Exception {
        ChuteConfig cfg = config("""
                tables:
                  r.lenient:
                    max_bad_rows: 2
                    columns:
                      n: BIGINT
                """);
        try (EmbeddedHome h = new EmbeddedHome(home, cfg)) {
            h.drop("r/lenient/ok.csv", "n,s\n1,a\nx,b\n3,c\n");
            h.drop("r/lenient/toomany.csv", "n,s\nx,a\ny,b\nz,c\n4,d\n");
            awaitArchived(h, "r/lenient/ok.csv");
            await().atMost(WAIT).until(() -> Files.exists(h.failed("r/lenient/toomany.csv.error.json")));
            assertThat(h.count("r.lenient")).isEqualTo(2);
            assertThat(h.scalar("SELECT count(*) FROM _chute.rejects WHERE object_key = 'r/lenient/ok.csv' AND line = 3")).isEqualTo(1L);
            assertThat(Files.readString(h.failed("r/lenient/toomany.csv.error.json"))).contains("TOO_MANY_BAD_ROWS").contains("found 3");
        }
    }

    @Test
    void lineageColumnsCanBeSwitchedOff() throws Exception {
        ChuteConfig cfg = config("""
                tables:
                  plain.t:
                    lineage: false
                """);
        try (EmbeddedHome h = new EmbeddedHome(home, cfg)) {
            h.drop("plain/t/a.csv", "id\n1\n2\n");
            awaitArchived(h, "plain/t/a.csv");
            assertThat(h.query("SELECT * FROM plain.t").columns()).extracting(c -> c.name()).containsExactly("id");
            assertThat(h.scalar("SELECT rows FROM _chute.ledger WHERE object_key = 'plain/t/a.csv'")).isEqualTo(2L);
        }
    }

    @Test
    void onOverwriteReplaceSwapsThePreviousVersionsRows() throws Exception {
        ChuteConfig cfg = config("""
                tables:
                  snap.prices:
                    on_overwrite: replace
                """);
        try (EmbeddedHome h = new EmbeddedHome(home, cfg)) {
            h.drop("snap/prices/today.csv", "sku,price\na,1\nb,2\n");
            awaitArchived(h, "snap/prices/today.csv");
            h.drop("snap/prices/today.csv", "sku,price\na,5\n");
            await().atMost(WAIT).until(() -> h.count("snap.prices") == 1);
            assertThat(h.scalar("SELECT price FROM snap.prices")).isEqualTo(5L);
            assertThat(h.scalar("SELECT count(*) FROM _chute.ledger WHERE superseded")).isEqualTo(1L);
        }
    }

    @Test
    void formatsAndCompressionsLoad() throws Exception {
        ChuteConfig cfg = config("""
                tables:
                  enc.latin:
                    encoding: latin-1
                """);
        try (EmbeddedHome h = new EmbeddedHome(home, cfg)) {
            h.drop("fmt/gz/a.csv.gz", gzip("id,name\n1,x\n2,y\n"));
            h.drop("fmt/zst/a.csv.zst", com.github.luben.zstd.Zstd.compress("id,name\n1,x\n".getBytes(StandardCharsets.UTF_8)));
            h.drop("fmt/tsv/a.tsv", "id\tname\n1\tx, with comma\n");
            h.drop("fmt/json/a.jsonl", "{\"id\": 1, \"tags\": [\"a\"], \"when\": \"2024-01-02T03:04:05Z\"}\n{\"id\": 2, \"tags\": [], \"when\": null}\n");
            h.drop("enc/latin/a.csv", "id,name\n1,caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
            Path parquet = home.resolve("p.parquet");
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
                s.execute("COPY (SELECT range AS id, 'n' || range AS name FROM range(5)) TO '" + parquet + "' (FORMAT parquet)");
            }
            h.drop("fmt/parquet/a.parquet", Files.readAllBytes(parquet));
            for (String key : new String[] {"fmt/gz/a.csv.gz", "fmt/zst/a.csv.zst", "fmt/tsv/a.tsv", "fmt/json/a.jsonl", "enc/latin/a.csv",
                    "fmt/parquet/a.parquet"}) {
                awaitArchived(h, key);
            }
            assertThat(h.count("fmt.gz")).isEqualTo(2);
            assertThat(h.count("fmt.zst")).isEqualTo(1);
            assertThat(h.scalar("SELECT name FROM fmt.tsv")).isEqualTo("x, with comma");
            assertThat(h.count("fmt.json")).isEqualTo(2);
            assertThat(h.scalar("SELECT name FROM enc.latin")).isEqualTo("caf\u00e9");
            assertThat(h.count("fmt.parquet")).isEqualTo(5);
        }
    }

    @Test
    void routesInConfigOverrideTheConvention() throws Exception {
        ChuteConfig cfg = config("""
                routes:
                  - match: "exports/**/*.txt"
                    table: sales.exports
                    format: csv
                    delimiter: ";"
                """);
        try (EmbeddedHome h = new EmbeddedHome(home, cfg)) {
            h.drop("exports/2024/01/a.txt", "id;name\n1;x\n");
            awaitArchived(h, "exports/2024/01/a.txt");
            assertThat(h.scalar("SELECT name FROM sales.exports")).isEqualTo("x");
        }
    }

    @Test
    void manySmallFilesInOneBatchEachGetTheirLedgerRow() throws Exception {
        try (EmbeddedHome h = new EmbeddedHome(home)) {
            for (int i = 0; i < 200; i++) {
                h.drop("many/t/f" + i + ".csv", "id,v\n" + i + ",x\n" + (i + 1000) + ",y\n");
            }
            await().atMost(WAIT).ignoreExceptions().until(() -> h.count("many.t") == 400);
            assertThat(h.scalar("SELECT count(*) FROM _chute.ledger WHERE table_name = 'many.t' AND rows = 2")).isEqualTo(200L);
            assertThat(h.scalar("SELECT count(DISTINCT _chute_source) FROM many.t")).isEqualTo(200L);
        }
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
