package dev.chute.postgres;

import static dev.chute.postgres.PgTestDatabase.batch;
import static dev.chute.postgres.PgTestDatabase.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FailureRecord;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadError;
import dev.chute.spi.LoadFile;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import dev.chute.spi.UndoResult;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresWarehouseTest {
    static final String ORDERS = "order_id,customer_email,action,action_time,amount\n"
            + "a1,x@example.com,created,2022-08-19T18:52:48Z,10.5\n"
            + "a1,x@example.com,paid,2022-08-19T18:55:00Z,10.5\n"
            + "a2,y@example.com,created,2022-08-20T08:00:00Z,3\n";

    @TempDir
    Path stage;
    PgTestDatabase db;
    PostgresWarehouse warehouse;

    @BeforeAll
    void open() throws Exception {
        db = new PgTestDatabase();
    }

    @AfterAll
    void drop() throws Exception {
        db.close();
    }

    private PostgresWarehouse warehouse() {
        if (warehouse == null) {
            warehouse = db.open(stage);
        }
        return warehouse;
    }

    @org.junit.jupiter.api.AfterEach
    void closeWarehouse() {
        if (warehouse != null) {
            warehouse.close();
            warehouse = null;
        }
    }

    private List<FileOutcome> load(LoadBatch batch) {
        return warehouse().load(batch, f -> true);
    }

    /** The lineage defaults are evaluated once per COPY (an immutable function): each file of a batch still gets its own key. */
    @Test
    void everyFileOfABatchKeepsItsOwnLineage() throws Exception {
        LoadFile a = stage(stage, "shop/lin/a.csv", "id,v\n1,x\n2,y\n");
        LoadFile b = stage(stage, "shop/lin/b.csv", "id,v\n3,z\n");
        LoadFile c = stage(stage, "shop/lin/c.jsonl", "{\"id\": 4, \"v\": \"w\"}\n");
        LoadBatch batch = batch("shop.lin", TableSpec.defaults(), a, b, c);
        assertThat(load(batch)).extracting(FileOutcome::status).containsOnly(FileOutcome.Status.COMMITTED);
        assertThat(db.count("SELECT count(*) FROM shop.lin WHERE _chute_source = 'shop/lin/a.csv' AND id IN (1, 2)")).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM shop.lin WHERE _chute_source = 'shop/lin/b.csv' AND id = 3")).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM shop.lin WHERE _chute_source = 'shop/lin/c.jsonl' AND id = 4")).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM shop.lin WHERE _chute_load_id = '" + batch.loadId() + "'")).isEqualTo(4);
        // the next load's rows carry the next load's values, not the ones the first COPY saw
        LoadFile d = stage(stage, "shop/lin/d.csv", "id,v\n5,q\n");
        LoadBatch next = batch("shop.lin", TableSpec.defaults(), d);
        load(next);
        assertThat(db.count("SELECT count(*) FROM shop.lin WHERE _chute_source = 'shop/lin/d.csv' AND _chute_load_id = '" + next.loadId() + "'")).isEqualTo(1);
    }

    /**
     * Issue 14 item 5: the table's encoding (now a typed value) still reaches PostgreSQL's COPY: a latin-1
     * file and a UTF-16 file (with its byte order mark) load with their accented letters intact.
     */
    @Test
    void latin1AndUtf16TablesKeepTheirLetters() throws Exception {
        TableSpec d = TableSpec.defaults();
        for (TableSpec.Encoding encoding : new TableSpec.Encoding[] {TableSpec.Encoding.LATIN_1, TableSpec.Encoding.UTF_16}) {
            String table = "enc_" + encoding.name().toLowerCase(java.util.Locale.ROOT);
            TableSpec spec = new TableSpec(d.columnTypes(), d.format(), d.delimiter(), d.quote(), d.escape(), d.header(), encoding, d.onOverwrite(),
                    d.onTypeConflict(), d.maxBadRows(), d.lineage());
            LoadFile f = stage(stage, "shop/" + table + "/a.csv", "id,name\n1,caf\u00e9 cr\u00e8me\n".getBytes(encoding.charset()));
            assertThat(load(batch("shop." + table, spec, f))).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMMITTED);
            assertThat(db.scalar("SELECT name FROM shop." + table)).as(encoding.configName()).isEqualTo("caf\u00e9 cr\u00e8me");
        }
    }

    @Test
    void avroIsRefusedByNameWithTheWarehouseThatLoadsItAndTheRestOfTheBatchCommits() throws Exception {
        LoadFile avro = stage(stage, "shop/avro_orders/part-0001.avro", new byte[] {'O', 'b', 'j', 1});
        LoadFile csv = stage(stage, "shop/avro_orders/ok.csv", ORDERS);
        List<FileOutcome> out = load(batch("shop.avro_orders", TableSpec.defaults(), avro, csv));
        assertThat(out.get(0).status()).isEqualTo(FileOutcome.Status.FAILED);
        LoadError error = out.get(0).error().orElseThrow();
        assertThat(error.code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(error.reason()).startsWith("shop/avro_orders/part-0001.avro: warehouse postgres cannot load Avro")
                .contains("found an .avro file").contains("Warehouse bigquery loads Avro");
        assertThat(out.get(1).status()).isEqualTo(FileOutcome.Status.COMMITTED);
        assertThat(db.count("SELECT count(*) FROM shop.avro_orders")).isEqualTo(3);
    }

    @Test
    void csvLoadsWithInferredTypesLineageAndLedger() throws Exception {
        LoadFile f = stage(stage, "shop/orders/o1.csv", ORDERS);
        LoadBatch b = batch("shop.orders", TableSpec.defaults(), f);
        List<FileOutcome> out = load(b);
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(FileOutcome.Status.COMMITTED);
            assertThat(o.rows()).isEqualTo(3);
        });
        assertThat(db.count("SELECT count(*) FROM shop.orders")).isEqualTo(3);
        assertThat(db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'shop.orders'::regclass AND attname = 'action_time'"))
                .isEqualTo("timestamp with time zone");
        assertThat(db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'shop.orders'::regclass AND attname = 'amount'"))
                .isEqualTo("double precision");
        assertThat(db.scalar("SELECT DISTINCT _chute_source FROM shop.orders")).isEqualTo("shop/orders/o1.csv");
        assertThat(db.scalar("SELECT DISTINCT _chute_load_id FROM shop.orders")).isEqualTo(b.loadId());
        assertThat(warehouse().committed(List.of(f.version()))).containsKey(f.version());
        assertThat(warehouse().history("shop/orders/o1.csv")).singleElement().satisfies(e -> {
            assertThat(e.rows()).isEqualTo(3);
            assertThat(e.loadId()).isEqualTo(b.loadId());
        });
        assertThat(warehouse().recentLoads(1000)).anySatisfy(e -> assertThat(e.loadId()).isEqualTo(b.loadId()));
        assertThat(warehouse().tables()).filteredOn(t -> t.table().toString().equals("shop.orders")).singleElement()
                .satisfies(t -> assertThat(t.rows()).isEqualTo(3));
        assertThat(warehouse().describe(TableId.parse("shop.orders")).orElseThrow().lineage()).isTrue();
        assertThat(warehouse().lineage(TableId.parse("shop.orders"), 10)).singleElement().satisfies(l -> assertThat(l.rows()).isEqualTo(3));
        assertThat(warehouse().profile(TableId.parse("shop.orders"), Duration.ofSeconds(10)))
                .anySatisfy(p -> {
                    assertThat(p.name()).isEqualTo("order_id");
                    assertThat(p.distinct()).isEqualTo(2);
                    assertThat(p.min()).contains("a1");
                });
        QueryResult sample = warehouse().sample(TableId.parse("shop.orders"), 2, Duration.ofSeconds(10));
        assertThat(sample.rows()).hasSize(2);
        assertThat(sample.rows().get(0).get(3)).isInstanceOf(Instant.class);
        assertThat(warehouse().throughput(Instant.now().minusSeconds(3600))).isNotEmpty();
    }

    @Test
    void sameVersionAgainIsADuplicateInTheSameAndInALaterBatch() throws Exception {
        LoadFile f = stage(stage, "shop/dups/d.csv", "id,name\n1,a\n2,b\n");
        LoadFile again = stage(stage, "shop/dups/d.csv", "id,name\n1,a\n2,b\n");
        List<FileOutcome> out = load(batch("shop.dups", TableSpec.defaults(), f, again));
        assertThat(out).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMMITTED, FileOutcome.Status.DUPLICATE);
        assertThat(load(batch("shop.dups", TableSpec.defaults(), stage(stage, "shop/dups/d.csv", "id,name\n1,a\n2,b\n"))))
                .extracting(FileOutcome::status).containsExactly(FileOutcome.Status.DUPLICATE);
        assertThat(db.count("SELECT count(*) FROM shop.dups")).isEqualTo(2);
    }

    @Test
    void ndjsonParquetGzipAndZstdLoad() throws Exception {
        LoadFile json = stage(stage, "events/clicks/c.ndjson", "{\"id\": 1, \"page\": \"/a\", \"tags\": [\"x\", \"y\"], \"at\": \"2024-01-02T03:04:05Z\"}\n"
                + "{\"id\": 2, \"page\": \"/b\", \"tags\": [], \"at\": \"2024-01-02T03:05:05Z\"}\n");
        assertThat(load(batch("events.clicks", TableSpec.defaults(), json))).singleElement()
                .satisfies(o -> assertThat(o.rows()).isEqualTo(2));
        assertThat(db.scalar("SELECT tags::text FROM events.clicks WHERE id = 1")).isEqualTo("[\"x\", \"y\"]");
        assertThat(db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'events.clicks'::regclass AND attname = 'tags'"))
                .isEqualTo("jsonb");

        Path parquet = stage.resolve("p.parquet");
        try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var s = c.createStatement()) {
            s.execute("COPY (SELECT range AS id, 'n' || range AS name, DATE '2024-01-01' + CAST(range AS INTEGER) AS day FROM range(5)) TO '"
                    + parquet + "' (FORMAT parquet)");
        }
        LoadFile pq = stage(stage, "events/days/p.parquet", java.nio.file.Files.readAllBytes(parquet));
        assertThat(load(batch("events.days", TableSpec.defaults(), pq))).singleElement().satisfies(o -> assertThat(o.rows()).isEqualTo(5));
        assertThat(db.scalar("SELECT max(day)::text FROM events.days")).isEqualTo("2024-01-05");

        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("id,name\n1,a\n2,b\n".getBytes(StandardCharsets.UTF_8));
        }
        byte[] zst = com.github.luben.zstd.Zstd.compress("id,name\n3,c\n".getBytes(StandardCharsets.UTF_8));
        List<FileOutcome> out = load(batch("events.packed", TableSpec.defaults(), stage(stage, "events/packed/a.csv.gz", gz.toByteArray()),
                stage(stage, "events/packed/b.csv.zst", zst)));
        assertThat(out).extracting(FileOutcome::rows).containsExactly(2L, 1L);
        assertThat(db.count("SELECT sum(id) FROM events.packed")).isEqualTo(6);
    }

    @Test
    void badValueFailsItsFileWithLineColumnAndValueWhileTheOthersCommit() throws Exception {
        LoadFile good = stage(stage, "shop/items/good.csv", "id,name\n1,a\n2,b\n");
        assertThat(load(batch("shop.items", TableSpec.defaults(), good))).singleElement()
                .satisfies(o -> assertThat(o.status()).isEqualTo(FileOutcome.Status.COMMITTED));
        LoadFile bad = stage(stage, "shop/items/bad.csv", "id,name\n3,c\nx,d\n");
        LoadFile good2 = stage(stage, "shop/items/good2.csv", "id,name\n4,e\n");
        List<FileOutcome> out = load(batch("shop.items", TableSpec.defaults(), bad, good2));
        assertThat(out.get(1).status()).isEqualTo(FileOutcome.Status.COMMITTED);
        LoadError e = out.get(0).error().orElseThrow();
        assertThat(e.code()).isEqualTo(ErrorCode.TYPE_CONFLICT);
        assertThat(e.line()).hasValue(3);
        assertThat(e.column()).contains("id");
        assertThat(e.value()).contains("x");
        assertThat(e.expected()).contains("BIGINT");
        assertThat(e.reason()).contains("shop/items/bad.csv").contains("line 3").contains("expected BIGINT, found 'x'");
        assertThat(db.count("SELECT count(*) FROM shop.items")).isEqualTo(3);
        assertThat(warehouse().committed(List.of(bad.version()))).isEmpty();
        warehouse().recordFailure(new FailureRecord(bad.version().key(), bad.version().checksum(), Optional.of(TableId.parse("shop.items")), e, 1,
                Instant.now(), Instant.now()));
        assertThat(warehouse().failure("shop/items/bad.csv")).hasValueSatisfying(r -> assertThat(r.error().line()).hasValue(3));
        assertThat(warehouse().recentFailures(10)).anySatisfy(r -> assertThat(r.key()).isEqualTo("shop/items/bad.csv"));
    }

    @Test
    void malformedLineIsReportedWithItsLine() throws Exception {
        LoadFile bad = stage(stage, "shop/broken/b.csv", "id,name\n1,a\n2,b,c\n");
        LoadError e = load(batch("shop.broken", TableSpec.defaults(), bad)).get(0).error().orElseThrow();
        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED);
        assertThat(e.line()).hasValue(3);
    }

    @Test
    void newTableFromASampleThatMisledFallsBackToWiderTypes() throws Exception {
        StringBuilder csv = new StringBuilder("id,code\n");
        for (int i = 0; i < 30_000; i++) {
            csv.append(i).append(',').append(i).append('\n');
        }
        csv.append("30000,ABC\n");
        assertThat(load(batch("shop.codes", TableSpec.defaults(), stage(stage, "shop/codes/c.csv", csv.toString())))).singleElement()
                .satisfies(o -> assertThat(o.rows()).isEqualTo(30_001));
        assertThat(db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'shop.codes'::regclass AND attname = 'code'"))
                .isEqualTo("text");
        assertThat(db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'shop.codes'::regclass AND attname = 'id'"))
                .isEqualTo("bigint");
    }

    @Test
    void explicitTypesEvolutionAndWidening() throws Exception {
        TableSpec typed = new TableSpec(Map.of("amount", "DECIMAL(18,2)", "id", "VARCHAR"), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), TableSpec.Encoding.UTF_8, TableSpec.OnOverwrite.APPEND, TableSpec.OnTypeConflict.WIDEN, 0, true);
        load(batch("fin.pay", typed, stage(stage, "fin/pay/1.csv", "id,amount,n\n1,2.50,7\n")));
        assertThat(db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'fin.pay'::regclass AND attname = 'amount'"))
                .isEqualTo("numeric(18,2)");
        assertThat(db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'fin.pay'::regclass AND attname = 'id'"))
                .isEqualTo("text");
        // a new column is added; a value that does not fit 'n' (bigint) widens it to text
        List<FileOutcome> out = load(batch("fin.pay", typed, stage(stage, "fin/pay/2.csv", "id,amount,n,note\n2,3.00,seven,hello\n")));
        assertThat(out).singleElement().satisfies(o -> assertThat(o.status()).isEqualTo(FileOutcome.Status.COMMITTED));
        assertThat(db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'fin.pay'::regclass AND attname = 'n'"))
                .isEqualTo("text");
        assertThat(db.scalar("SELECT string_agg(coalesce(note, '-'), ',' ORDER BY id) FROM fin.pay")).isEqualTo("-,hello");
    }

    @Test
    void maxBadRowsRejectsRowsUpToTheLimit() throws Exception {
        TableSpec lenient = new TableSpec(Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), TableSpec.Encoding.UTF_8,
                TableSpec.OnOverwrite.APPEND, TableSpec.OnTypeConflict.FAIL, 2, true);
        load(batch("q.m", lenient, stage(stage, "q/m/0.csv", "id,v\n1,1\n")));
        List<FileOutcome> out = load(batch("q.m", lenient, stage(stage, "q/m/1.csv", "id,v\n2,2\nx,3\n4,4\ny,5\n")));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(FileOutcome.Status.COMMITTED);
            assertThat(o.rows()).isEqualTo(2);
            assertThat(o.rejectedRows()).isEqualTo(2);
        });
        assertThat(db.scalar("SELECT string_agg(line::text || ':' || column_name || ':' || csv_line, '|' ORDER BY line) FROM _chute.rejects WHERE table_name = 'q.m'"))
                .isEqualTo("3:id:\"x\",\"3\"|5:id:\"y\",\"5\"");
        List<FileOutcome> tooMany = load(batch("q.m", lenient, stage(stage, "q/m/2.csv", "id,v\na,1\nb,2\nc,3\n")));
        assertThat(tooMany.get(0).error().orElseThrow().code()).isEqualTo(ErrorCode.TOO_MANY_BAD_ROWS);
        assertThat(db.count("SELECT count(*) FROM q.m")).isEqualTo(3);
    }

    @Test
    void replaceSwapsThePreviousVersionsRows() throws Exception {
        TableSpec replace = new TableSpec(Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), TableSpec.Encoding.UTF_8,
                TableSpec.OnOverwrite.REPLACE, TableSpec.OnTypeConflict.FAIL, 0, true);
        load(batch("r.t", replace, stage(stage, "r/t/a.csv", "id\n1\n2\n")));
        load(batch("r.t", replace, stage(stage, "r/t/a.csv", "id\n3\n")));
        assertThat(db.count("SELECT sum(id) FROM r.t")).isEqualTo(3);
        assertThat(warehouse().tables()).filteredOn(t -> t.table().toString().equals("r.t")).singleElement()
                .satisfies(t -> assertThat(t.files()).isEqualTo(1));
    }

    @Test
    void undoDeletesTheLoadsRowsAndTheVersionLoadsAgain() throws Exception {
        LoadFile f = stage(stage, "u/t/a.csv", "id\n1\n2\n");
        LoadBatch b = batch("u.t", TableSpec.defaults(), f);
        load(b);
        UndoResult undo = warehouse().undo(b.loadId());
        assertThat(undo.rowsDeleted()).isEqualTo(2);
        assertThat(undo.entries()).hasSize(1);
        assertThat(db.count("SELECT count(*) FROM u.t")).isZero();
        assertThat(warehouse().load(b.loadId())).hasValueSatisfying(l -> assertThat(l.undone()).isTrue());
        assertThatThrownBy(() -> warehouse().undo(b.loadId())).isInstanceOf(ChuteException.class).hasMessageContaining("already undone");
        warehouse().markRestored(b.loadId());
        assertThat(warehouse().load(b.loadId()).orElseThrow().restoredAt()).isPresent();
        assertThat(warehouse().loadEntries(b.loadId())).hasSize(1);
        assertThat(warehouse().loads(new LoadSummary.Filter(Optional.of(TableId.parse("u.t")), Optional.of(true), Optional.empty(), Optional.empty(), 10)))
                .hasSize(1);
        assertThat(load(batch("u.t", TableSpec.defaults(), stage(stage, "u/t/a.csv", "id\n1\n2\n")))).singleElement()
                .satisfies(o -> assertThat(o.status()).isEqualTo(FileOutcome.Status.COMMITTED));
        assertThat(warehouse().history("u/t/a.csv")).hasSize(1);
    }

    @Test
    void changedFileIsLeftOutAndTheOthersCommit() throws Exception {
        LoadFile a = stage(stage, "c/t/a.csv", "id\n1\n");
        LoadFile b = stage(stage, "c/t/b.csv", "id\n2\n");
        List<FileOutcome> out = warehouse().load(batch("c.t", TableSpec.defaults(), a, b), f -> f != a);
        assertThat(out.get(0).error().orElseThrow().code()).isEqualTo(ErrorCode.CHANGED_WHILE_LOADING);
        assertThat(out.get(1).status()).isEqualTo(FileOutcome.Status.COMMITTED);
        assertThat(db.count("SELECT sum(id) FROM c.t")).isEqualTo(2);
        assertThat(warehouse().committed(List.of(a.version()))).isEmpty();
    }

    @Test
    void namesFromKeysAreQuoted() throws Exception {
        LoadFile f = stage(stage, "weird/Select/a.csv", "\"drop table x; --\",\"Order\"\n1,2\n");
        assertThat(load(batch("weird.Select", TableSpec.defaults(), f))).singleElement()
                .satisfies(o -> assertThat(o.status()).isEqualTo(FileOutcome.Status.COMMITTED));
        assertThat(db.count("SELECT \"drop table x; --\" FROM weird.select")).isEqualTo(1);
    }
}
