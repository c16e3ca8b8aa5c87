package dev.chute.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.bigquery.BigQuery;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FileFormat;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadError;
import dev.chute.spi.LoadFile;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import dev.chute.testkit.bigquery.BigQueryContractServer;
import dev.chute.testkit.bigquery.BigQueryContractServer.JobError;
import dev.chute.testkit.bigquery.BigQueryContractServer.QueryAnswer;
import dev.chute.testkit.bigquery.BigQueryContractServer.QueryRule;
import dev.chute.testkit.bigquery.ChuteLedgerModel;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BigQuery warehouse through the official client against {@link BigQueryContractServer}.
 * BigQuery cannot be reached here: the server answers request/response pairs written from the
 * BigQuery REST reference and runs no SQL, so these tests check what Chute sends (job ids, load
 * configuration, schema, partitioning, the transaction) and how it reacts to documented answers
 * (409 for a known job id, job errors); the ledger is the model in {@link ChuteLedgerModel}.
 */
class BigQueryWarehouseTest {
    private static final String PROJECT = "chute-test-project";
    private static final TableId ORDERS = new TableId("ecommerce", "order_events");
    private static final String HEADER = "order_id,customer_email,action,action_time";

    @TempDir
    Path dir;

    private BigQueryContractServer server;
    private ChuteLedgerModel ledger;
    private final Map<URI, Path> objects = new HashMap<>();
    private final AtomicInteger counter = new AtomicInteger();

    @BeforeEach
    void start() {
        server = BigQueryContractServer.start(PROJECT);
        ledger = ChuteLedgerModel.install(server, BigQueryWarehouse.PARTLY_COMMITTED);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private BigQueryWarehouse open(Map<String, String> extra) {
        Map<String, String> settings = new LinkedHashMap<>(Map.of("endpoint", server.endpoint(), "project", PROJECT,
                "time_partitioning", "ecommerce.order_events=DAY(action_time)", "clustering", "ecommerce.order_events=action"));
        settings.putAll(extra);
        BigQuerySettings s = BigQuerySettings.from(new ConnectorContext(dir, settings));
        BigQuery client = BigQueryWarehouseFactory.client(s);
        // the first line of an object comes from a real file standing in for the gs:// object's first bytes
        BigQueryHeadReader heads = (uri, format) -> {
            try {
                return GcsHeadReader.firstLine(Files.readAllBytes(objects.get(uri)), format.compression() == FileFormat.Compression.GZIP);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        };
        return BigQueryWarehouse.open(client, PROJECT, s, heads);
    }

    private LoadFile object(String key, String content, long rows) throws IOException {
        Path file = dir.resolve("obj" + counter.incrementAndGet() + ".csv");
        Files.writeString(file, content);
        URI uri = URI.create("gs://landing-bucket/" + key);
        objects.put(uri, file);
        server.rows(uri.toString(), rows);
        return new LoadFile(new ObjectVersion(key, "md5:" + Integer.toHexString(content.hashCode()), content.length()), Optional.empty(), Optional.of(uri),
                FileFormat.fromFileName(key).orElseThrow());
    }

    private static TableSpec ordersSpec() {
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put("order_id", "VARCHAR");
        columns.put("customer_email", "VARCHAR");
        columns.put("action", "VARCHAR");
        columns.put("action_time", "TIMESTAMP");
        return new TableSpec(columns, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), TableSpec.Encoding.UTF_8, TableSpec.OnOverwrite.APPEND,
                TableSpec.OnTypeConflict.FAIL, 0, true);
    }

    private static LoadBatch batch(String loadId, TableSpec spec, LoadFile... files) {
        return new LoadBatch(loadId, ORDERS, spec, List.of(files));
    }

    private List<JsonNode> jobs(String prefix) {
        return server.insertedJobs().stream().filter(j -> j.path("jobReference").path("jobId").asText().startsWith(prefix)).toList();
    }

    @Test
    void loadsFromGsUriThroughStagingTableAndOneTransaction() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        LoadFile file = object("ecommerce/order_events/order_events_001.csv", HEADER + "\n1,a@example.com,created,2022-08-19T18:52:48Z\n", 1);

        List<FileOutcome> outcomes = w.load(batch("L1", ordersSpec(), file), f -> true);

        assertThat(outcomes).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(FileOutcome.Status.COMMITTED);
            assertThat(o.rows()).isEqualTo(1);
        });
        JsonNode loadJob = jobs("chute_load_").getFirst();
        assertThat(loadJob.path("jobReference").path("jobId").asText()).matches("chute_load_ecommerce_order_events_[0-9a-f]{24}_1");
        JsonNode load = loadJob.path("configuration").path("load");
        assertThat(load.path("sourceUris").get(0).asText()).isEqualTo("gs://landing-bucket/ecommerce/order_events/order_events_001.csv");
        assertThat(load.path("sourceFormat").asText()).isEqualTo("CSV");
        assertThat(load.path("skipLeadingRows").asInt()).isEqualTo(1);
        assertThat(load.path("writeDisposition").asText()).isEqualTo("WRITE_APPEND");
        assertThat(load.path("schemaUpdateOptions").get(0).asText()).isEqualTo("ALLOW_FIELD_ADDITION");
        assertThat(load.path("autodetect").asBoolean(false)).isFalse();
        assertThat(load.path("destinationTable").path("datasetId").asText()).isEqualTo("_chute_staging");
        assertThat(load.path("schema").path("fields").findValuesAsText("name")).containsExactly("order_id", "customer_email", "action", "action_time");
        assertThat(load.path("schema").path("fields").get(3).path("type").asText()).isEqualTo("TIMESTAMP");

        JsonNode table = server.table("ecommerce", "order_events").orElseThrow();
        assertThat(table.path("timePartitioning").path("type").asText()).isEqualTo("DAY");
        assertThat(table.path("timePartitioning").path("field").asText()).isEqualTo("action_time");
        assertThat(table.path("clustering").path("fields").get(0).asText()).isEqualTo("action");
        assertThat(table.path("schema").path("fields").findValuesAsText("name"))
                .containsExactly("order_id", "customer_email", "action", "action_time", "_chute_source", "_chute_load_id", "_chute_loaded_at");

        JsonNode commit = jobs("chute_commit_").getFirst();
        assertThat(commit.path("jobReference").path("jobId").asText()).isEqualTo(loadJob.path("jobReference").path("jobId").asText().replace("chute_load_", "chute_commit_"));
        String sql = commit.path("configuration").path("query").path("query").asText();
        assertThat(sql).contains("BEGIN TRANSACTION;", "UPDATE `chute-test-project._chute.commit_locks`", "IF committed_before = 0 THEN",
                "INSERT INTO `chute-test-project.ecommerce.order_events` (`order_id`, `customer_email`, `action`, `action_time`, `_chute_source`, `_chute_load_id`, `_chute_loaded_at`)",
                "FROM `chute-test-project._chute_staging.", "INSERT INTO `chute-test-project._chute.ledger`", "@@script.job_id", "COMMIT TRANSACTION;");
        assertThat(sql.indexOf("UPDATE")).isLessThan(sql.indexOf("SET committed_before"));
        assertThat(commit.path("configuration").path("query").path("useLegacySql").asBoolean(true)).isFalse();

        assertThat(ledger.rows()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("ecommerce/order_events/order_events_001.csv");
            assertThat(r.loadId()).isEqualTo("L1");
            assertThat(r.rows()).isEqualTo(1L);
        });
        // the staging table is gone after the commit
        String staging = load.path("destinationTable").path("tableId").asText();
        assertThat(server.table("_chute_staging", staging)).isEmpty();
        assertThat(server.unknownRequests()).isEmpty();
    }

    @Test
    void duplicateEventDoesNotStartJobsOrInsertRows() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        LoadFile file = object("ecommerce/order_events/a.csv", HEADER + "\n1,a@example.com,created,2022-08-19T18:52:48Z\n", 1);
        w.load(batch("L1", ordersSpec(), file), f -> true);
        int loadJobs = jobs("chute_load_").size();

        List<FileOutcome> again = w.load(batch("L2", ordersSpec(), file), f -> true);

        assertThat(again).singleElement().extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.DUPLICATE);
        assertThat(jobs("chute_load_")).hasSize(loadJobs);
        assertThat(jobs("chute_commit_")).hasSize(1);
        assertThat(ledger.inserts()).isEqualTo(1);
        assertThat(ledger.rows()).hasSize(1);
    }

    @Test
    void retryAfterTimeoutPicksUpTheRunningJobThroughItsId() throws IOException {
        // a function whose time runs out while its commit job still runs; Eventarc delivers the event again
        BigQueryWarehouse first = open(Map.of("job_timeout", "1s"));
        LoadFile file = object("ecommerce/order_events/slow.csv", HEADER + "\n1,a@example.com,created,2022-08-19T18:52:48Z\n", 1);
        server.hold(job -> job.path("jobReference").path("jobId").asText().startsWith("chute_commit_"));

        assertThatThrownBy(() -> first.load(batch("L1", ordersSpec(), file), f -> true))
                .isInstanceOf(ChuteException.class)
                .satisfies(e -> assertThat(((ChuteException) e).code()).isEqualTo(ErrorCode.WAREHOUSE_UNAVAILABLE))
                .hasMessageContaining("picks it up under the same id");
        server.release();

        BigQueryWarehouse retry = open(Map.of());
        List<FileOutcome> outcomes = retry.load(batch("L2", ordersSpec(), file), f -> true);

        assertThat(outcomes).singleElement().extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.COMMITTED);
        assertThat(jobs("chute_commit_")).hasSize(1);
        assertThat(jobs("chute_load_")).hasSize(1);
        String commitId = jobs("chute_commit_").getFirst().path("jobReference").path("jobId").asText();
        // the retry asked for the same job ids and was told 409 ALREADY_EXISTS, then read the job
        assertThat(server.requests()).filteredOn(r -> r.method().equals("GET") && r.path().endsWith("/jobs/" + commitId)).isNotEmpty();
        assertThat(server.requests().stream().filter(r -> r.method().equals("POST") && r.path().endsWith("/jobs")
                && r.body().path("jobReference").path("jobId").asText().equals(commitId))).hasSize(2);
        assertThat(ledger.inserts()).isEqualTo(1);
        assertThat(ledger.rows()).singleElement().satisfies(r -> assertThat(r.loadId()).isEqualTo("L1"));
    }

    @Test
    void twoInstancesWithTheSameObjectCommitItOnce() throws Exception {
        // Eventarc delivers the same finalize event to two function instances at once
        BigQueryWarehouse a = open(Map.of());
        BigQueryWarehouse b = open(Map.of());
        LoadFile file = object("ecommerce/order_events/twice.csv", HEADER + "\n1,a@example.com,created,2022-08-19T18:52:48Z\n", 1);
        server.hold(job -> job.path("jobReference").path("jobId").asText().startsWith("chute_commit_"));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var first = pool.submit(() -> a.load(batch("LA", ordersSpec(), file), f -> true));
            var second = pool.submit(() -> b.load(batch("LB", ordersSpec(), file), f -> true));
            // both have asked for the commit job under the same id before it may finish
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> server.requests().stream()
                    .filter(r -> r.method().equals("POST") && r.body().path("jobReference").path("jobId").asText().startsWith("chute_commit_")).count() == 2);
            server.release();
            List<FileOutcome> outcomes = List.of(first.get(60, java.util.concurrent.TimeUnit.SECONDS).getFirst(),
                    second.get(60, java.util.concurrent.TimeUnit.SECONDS).getFirst());
            assertThat(outcomes).extracting(FileOutcome::status).doesNotContain(FileOutcome.Status.FAILED);
        } finally {
            pool.shutdownNow();
        }
        assertThat(jobs("chute_commit_")).hasSize(1);
        assertThat(jobs("chute_load_")).hasSize(1);
        assertThat(ledger.inserts()).isEqualTo(1);
        assertThat(ledger.rows()).hasSize(1);
    }

    @Test
    void versionCommittedByAnotherLoadMeanwhileIsADuplicateAndTheRestLoadsAgain() throws Exception {
        BigQueryWarehouse w = open(Map.of());
        LoadFile a = object("ecommerce/order_events/a.csv", HEADER + "\n1,a,created,2022-08-19T18:52:48Z\n", 1);
        LoadFile b = object("ecommerce/order_events/b.csv", HEADER + "\n2,b,created,2022-08-19T18:52:48Z\n", 1);
        server.hold(job -> job.path("jobReference").path("jobId").asText().startsWith("chute_commit_"));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            var running = pool.submit(() -> w.load(batch("L1", ordersSpec(), a, b), f -> true));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> jobs("chute_commit_").size() == 1);
            // another instance, whose batch held only a, commits it while this commit job waits
            ledger.commitElsewhere(a.version().key(), a.version().checksum(), ORDERS.toString(), "OTHER", a.version().size());
            server.release();
            List<FileOutcome> outcomes = running.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(outcomes).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.DUPLICATE, FileOutcome.Status.COMMITTED);
        } finally {
            pool.shutdownNow();
        }
        List<JsonNode> loads = jobs("chute_load_");
        assertThat(loads).hasSize(2);
        assertThat(loads.get(1).path("configuration").path("load").path("sourceUris")).hasSize(1);
        assertThat(loads.get(1).path("configuration").path("load").path("sourceUris").get(0).asText()).isEqualTo(b.uri().orElseThrow().toString());
        assertThat(ledger.rows()).extracting(ChuteLedgerModel.Row::key, ChuteLedgerModel.Row::loadId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(a.version().key(), "OTHER"), org.assertj.core.groups.Tuple.tuple(b.version().key(), "L1"));
    }

    @Test
    void undoDeletesTheLoadsRowsAndMovesItsLedgerEntriesInOneTransaction() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        LoadFile file = object("ecommerce/order_events/u.csv", HEADER + "\n1,a,created,2022-08-19T18:52:48Z\n", 1);
        w.load(batch("L1", ordersSpec(), file), f -> true);
        server.answer(new QueryRule(job -> op(job).equals("status") && sql(job).contains("UNION ALL SELECT load_id"),
                job -> QueryAnswer.rows(List.of("load_id", "table_name", "files:INTEGER", "rows:INTEGER", "bytes:INTEGER", "committed_at:TIMESTAMP",
                        "duration_ms:INTEGER", "undone_at:TIMESTAMP", "restored_at:TIMESTAMP"),
                        List.of(java.util.Arrays.asList("L1", "ecommerce.order_events", "1", "1", "88", "1700000000.5", "12", null, null)))));
        server.answer(new QueryRule(job -> op(job).equals("status") && sql(job).contains("WHERE l.load_id = @load_id"),
                job -> QueryAnswer.rows(List.of("object_key", "checksum", "table_name", "load_id", "rows:INTEGER", "bytes:INTEGER", "committed_at:TIMESTAMP",
                        "duration_ms:INTEGER"), List.of(List.of(file.version().key(), file.version().checksum(), "ecommerce.order_events", "L1", "1", "88",
                        "1700000000.5", "12")))));
        server.answer(new QueryRule(job -> op(job).equals("undo") && sql(job).startsWith("SELECT COUNT(*)"),
                job -> QueryAnswer.rows(List.of("f0_:INTEGER"), List.of(List.of("1")))));
        server.answer(new QueryRule(job -> op(job).equals("undo") && sql(job).startsWith("BEGIN TRANSACTION"), job -> QueryAnswer.done()));

        var undone = w.undo("L1");

        assertThat(undone.rowsDeleted()).isEqualTo(1);
        assertThat(undone.entries()).singleElement().satisfies(e -> assertThat(e.key()).isEqualTo(file.version().key()));
        String tx = server.insertedJobs().stream().filter(j -> op(j).equals("undo") && sql(j).startsWith("BEGIN")).findFirst().map(BigQueryWarehouseTest::sql).orElseThrow();
        assertThat(tx).contains("DELETE FROM `chute-test-project.ecommerce.order_events` WHERE `_chute_load_id` = @load_id",
                "INSERT INTO `chute-test-project._chute.undone`", "DELETE FROM `chute-test-project._chute.ledger` WHERE load_id = @load_id", "COMMIT TRANSACTION;");
    }

    /** Issue 13 item 3: a profile counts distinct values exactly (it bills the same bytes as an estimate) and says so. */
    @Test
    void profileCountsDistinctValuesExactly() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        w.load(batch("L1", ordersSpec(), object("ecommerce/order_events/p.csv", HEADER + "\n1,a,created,2022-08-19T18:52:48Z\n", 1)), f -> true);
        TableId table = TableId.parse("ecommerce.order_events");
        int columns = w.describe(table).orElseThrow().columns().size();
        List<String> names = new java.util.ArrayList<>();
        List<String> values = new java.util.ArrayList<>();
        for (int i = 0; i < columns; i++) {
            names.addAll(List.of("n" + i + ":INTEGER", "d" + i + ":INTEGER", "min" + i, "max" + i));
            values.addAll(List.of("0", "1", "a", "b"));
        }
        server.answer(new QueryRule(job -> sql(job).startsWith("SELECT COUNTIF("), job -> QueryAnswer.rows(names, List.of(values))));

        assertThat(w.profile(table, Duration.ofSeconds(10))).hasSize(columns).allSatisfy(p -> {
            assertThat(p.distinct()).isEqualTo(1);
            assertThat(p.distinctExact()).isTrue();
        });
        String profile = server.insertedJobs().stream().map(BigQueryWarehouseTest::sql).filter(q -> q.startsWith("SELECT COUNTIF(")).findFirst().orElseThrow();
        assertThat(profile).contains("COUNT(DISTINCT `order_id`)").doesNotContain("APPROX");
    }

    private static String op(JsonNode job) {
        return job.path("configuration").path("labels").path("chute_op").asText();
    }

    private static String sql(JsonNode job) {
        return job.path("configuration").path("query").path("query").asText();
    }

    @Test
    void commitAbortedByAConcurrentTransactionRunsAgainUnderTheNextAttemptId() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        LoadFile file = object("ecommerce/order_events/c.csv", HEADER + "\n1,a,created,2022-08-19T18:52:48Z\n", 1);
        // the reference on transactions: of two mutating transactions on one table, the conflicting one is aborted
        server.failOnce(job -> op(job).equals("commit"), new JobError("invalidQuery", "query",
                "Transaction is aborted due to concurrent update against table chute-test-project:_chute.commit_locks."));

        List<FileOutcome> outcomes = w.load(batch("L1", ordersSpec(), file), f -> true);

        assertThat(outcomes).singleElement().extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.COMMITTED);
        assertThat(jobs("chute_commit_")).extracting(j -> j.path("jobReference").path("jobId").asText()).hasSize(2)
                .allSatisfy(id -> assertThat(id).startsWith("chute_commit_ecommerce_order_events_"))
                .satisfies(ids -> {
                    assertThat(ids.get(0)).endsWith("_1");
                    assertThat(ids.get(1)).isEqualTo(ids.get(0).substring(0, ids.get(0).length() - 1) + "2");
                });
        assertThat(jobs("chute_load_")).hasSize(1);
        assertThat(ledger.inserts()).isEqualTo(1);
    }

    @Test
    void loadErrorIsMappedToItsFileAndLineAndTheOtherFilesLoadWithoutIt() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        LoadFile good = object("ecommerce/order_events/good.csv", HEADER + "\n1,a@example.com,created,2022-08-19T18:52:48Z\n", 1);
        LoadFile bad = object("ecommerce/order_events/bad.csv", HEADER + "\n1,a,created,2022-08-19T18:52:48Z\n2,b,paid,2022-08-19\n3,c,x,y\n4,d,x,y\n5,e,x,not-a-time\n", 5);
        String badUri = bad.uri().orElseThrow().toString();
        // the shapes of a CSV load error as BigQuery documents them: a summary errorResult, then one entry per bad row; the
        // entry's location names the source file (interpretation: the reference says location is "where the error occurred")
        server.failLoads(badUri, List.of(
                new JobError("invalid", "", "Error while reading data, error message: CSV processing encountered too many errors, giving up. Rows: 5; errors: 1;"
                        + " max bad: 0; error percent: 0"),
                new JobError("invalid", badUri, "Error while reading data, error message: Could not parse 'not-a-time' as TIMESTAMP for field action_time"
                        + " (position 3) starting at location 140 with message 'Invalid time zone: not-a-time'; line_number: 6 byte_offset_to_start_of_line: 140"
                        + " column_index: 3 column_name: \"action_time\" column_type: TIMESTAMP value: \"not-a-time\"")));

        List<FileOutcome> outcomes = w.load(batch("L1", ordersSpec(), good, bad), f -> true);

        assertThat(outcomes.get(0).status()).isEqualTo(FileOutcome.Status.COMMITTED);
        assertThat(outcomes.get(1).status()).isEqualTo(FileOutcome.Status.FAILED);
        LoadError error = outcomes.get(1).error().orElseThrow();
        assertThat(error.code()).isEqualTo(ErrorCode.TYPE_CONFLICT);
        assertThat(error.line()).hasValue(6);
        assertThat(error.column()).hasValue("action_time");
        assertThat(error.value()).hasValue("not-a-time");
        assertThat(error.expected()).hasValue("TIMESTAMP");
        assertThat(error.reason()).startsWith("ecommerce/order_events/bad.csv: BigQuery load failed at line 6");
        // the second load job reads only the good file
        List<JsonNode> loads = jobs("chute_load_");
        assertThat(loads).hasSize(2);
        assertThat(loads.get(1).path("configuration").path("load").path("sourceUris").findValuesAsText("sourceUris")).isEmpty();
        assertThat(loads.get(1).path("configuration").path("load").path("sourceUris")).hasSize(1);
        assertThat(loads.get(1).path("configuration").path("load").path("sourceUris").get(0).asText()).isEqualTo(good.uri().orElseThrow().toString());
        assertThat(ledger.rows()).extracting(ChuteLedgerModel.Row::key).containsExactly("ecommerce/order_events/good.csv");
    }

    @Test
    void smallFilesShareOneLoadJobAndOneCommit() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        LoadFile a = object("ecommerce/order_events/a.csv", HEADER + "\n1,a,created,2022-08-19T18:52:48Z\n", 1);
        LoadFile b = object("ecommerce/order_events/b.csv", HEADER + "\n2,b,created,2022-08-19T18:52:48Z\n3,c,paid,2022-08-19T18:52:48Z\n", 2);

        List<FileOutcome> outcomes = w.load(batch("L1", ordersSpec(), a, b), f -> true);

        assertThat(outcomes).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMMITTED, FileOutcome.Status.COMMITTED);
        assertThat(jobs("chute_load_")).singleElement().satisfies(j -> assertThat(j.path("configuration").path("load").path("sourceUris")).hasSize(2));
        assertThat(jobs("chute_commit_")).hasSize(1);
        // one load job cannot tell which file a row came from: the load's total goes with the load, per-file rows are unknown
        assertThat(ledger.rows()).extracting(ChuteLedgerModel.Row::rows).containsOnlyNulls();
        assertThat(ledger.rows()).extracting(ChuteLedgerModel.Row::loadRows).containsOnly(3L);
    }

    @Test
    void headerlessCsvKeepsItsFirstRowAndAutodetectIsUsedOnlyWithoutSchema() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        LoadFile headerless = object("ecommerce/order_events/noheader.csv", "1,a@example.com,created,2022-08-19T18:52:48Z\n", 1);
        w.load(batch("L1", ordersSpec(), headerless), f -> true);
        assertThat(jobs("chute_load_").getLast().path("configuration").path("load").path("skipLeadingRows").asInt(-1)).isEqualTo(0);

        TableId other = new TableId("shop", "notes");
        LoadFile text = object("shop/notes/n.csv", "note,author\nhello,ann\n", 1);
        server.detectedSchema(text.uri().orElseThrow().toString(), List.of("note:STRING", "author:STRING"));
        w.load(new LoadBatch("L2", other, TableSpec.defaults(), List.of(text)), f -> true);
        JsonNode load = jobs("chute_load_shop_notes").getFirst().path("configuration").path("load");
        assertThat(load.path("autodetect").asBoolean()).isTrue();
        assertThat(load.has("schema")).isFalse();
        // an all-text header would be taken as data by autodetect alone: Chute says it is a header
        assertThat(load.path("skipLeadingRows").asInt(-1)).isEqualTo(1);
        assertThat(server.table("shop", "notes").orElseThrow().path("schema").path("fields").findValuesAsText("name"))
                .containsExactly("note", "author", "_chute_source", "_chute_load_id", "_chute_loaded_at");
    }

    /**
     * Issue 14 item 5: a latin-1 table (core names the encoding {@code latin-1}, whatever spelling the
     * configuration used) is loaded as ISO-8859-1, not as UTF-8; so is every other encoding BigQuery reads.
     */
    @Test
    void latin1TableIsLoadedAsIso88591() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        LoadFile csv = object("ecommerce/order_events/latin.csv", HEADER + "\n1,a@example.com,cr\u00e9\u00e9,2022-08-19T18:52:48Z\n", 1);
        TableSpec o = ordersSpec();
        TableSpec latin1 = new TableSpec(o.columnTypes(), o.format(), o.delimiter(), o.quote(), o.escape(), o.header(), TableSpec.Encoding.LATIN_1, o.onOverwrite(),
                o.onTypeConflict(), o.maxBadRows(), o.lineage());
        w.load(batch("L1", latin1, csv), f -> true);
        assertThat(jobs("chute_load_").getLast().path("configuration").path("load").path("encoding").asText()).isEqualTo("ISO-8859-1");

        LoadFile utf8 = object("ecommerce/order_events/utf8.csv", HEADER + "\n2,b@example.com,created,2022-08-19T18:52:48Z\n", 1);
        w.load(batch("L2", ordersSpec(), utf8), f -> true);
        assertThat(jobs("chute_load_").getLast().path("configuration").path("load").path("encoding").asText()).isEqualTo("UTF-8");
    }

    /** Issue 11 item 7: BigQuery's CSV reader has no escape character; a table's escape is refused, never ignored. */
    @Test
    void escapeBigQueryCannotHonourFailsTheFileInsteadOfBeingIgnored() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        LoadFile csv = object("shop/paths/p.csv", "path,n\n\"C:\\temp\\\"x\",1\n", 1);
        TableSpec spec = TableSpec.defaults().withDialect(",", "\"", "\\");
        List<FileOutcome> outcomes = w.load(new LoadBatch("L1", new TableId("shop", "paths"), spec, List.of(csv)), f -> true);
        assertThat(outcomes.getFirst().status()).isEqualTo(FileOutcome.Status.FAILED);
        assertThat(outcomes.getFirst().error().orElseThrow().reason()).contains("escape").contains("BigQuery");
        assertThat(jobs("chute_load_shop_paths")).isEmpty();
        // and Chute refuses to start with such a table at all, naming the key
        assertThat(w.unsupported(spec)).singleElement().satisfies(o -> assertThat(o.key()).isEqualTo("escape"));
        assertThat(w.unsupported(TableSpec.defaults())).isEmpty();
        assertThat(w.unsupported(TableSpec.defaults().withDialect(",", "\"", TableSpec.NO_ESCAPE))).isEmpty();
    }

    @Test
    void avroLoadsWithLogicalTypesAndNoLeadingRowsToSkip() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        TableId events = new TableId("shop", "avro_events");
        // the bytes stand in for the object; the contract server reads no Cloud Storage, it answers with the schema given for the URI
        LoadFile avro = object("shop/avro_events/part-0001.avro", "Obj\u0001", 2);
        server.detectedSchema(avro.uri().orElseThrow().toString(), List.of("id:INTEGER", "at:TIMESTAMP"));

        List<FileOutcome> outcomes = w.load(new LoadBatch("L1", events, TableSpec.defaults(), List.of(avro)), f -> true);

        assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.status()).isEqualTo(FileOutcome.Status.COMMITTED));
        JsonNode load = jobs("chute_load_shop_avro_events").getFirst().path("configuration").path("load");
        assertThat(load.path("sourceFormat").asText()).isEqualTo("AVRO");
        assertThat(load.path("useAvroLogicalTypes").asBoolean()).isTrue();
        assertThat(load.has("skipLeadingRows")).isFalse();
        assertThat(load.path("sourceUris").get(0).asText()).isEqualTo("gs://landing-bucket/shop/avro_events/part-0001.avro");
        // a CSV load keeps Avro's option off
        LoadFile csv = object("ecommerce/order_events/c.csv", HEADER + "\n1,a,created,2022-08-19T18:52:48Z\n", 1);
        w.load(batch("L2", ordersSpec(), csv), f -> true);
        assertThat(jobs("chute_load_ecommerce_order_events").getFirst().path("configuration").path("load").has("useAvroLogicalTypes")).isFalse();
    }

    @Test
    void existingDatasetsAreReadAndNeverInsertedAgain() throws IOException {
        // datasets.insert on an existing dataset answers 403, not 409, to an account without project-level bigquery.datasets.create
        for (String dataset : List.of("_chute", "_chute_staging", "ecommerce")) {
            server.createDataset(dataset);
        }
        BigQueryWarehouse w = open(Map.of());
        w.load(batch("L1", ordersSpec(), object("ecommerce/order_events/a.csv", HEADER + "\n1,a,created,2022-08-19T18:52:48Z\n", 1)), f -> true);
        assertThat(server.requests()).filteredOn(r -> r.method().equals("POST") && r.path().endsWith("/datasets")).isEmpty();
        assertThat(server.requests()).filteredOn(r -> r.method().equals("GET") && r.path().endsWith("/datasets/ecommerce")).isNotEmpty();

        // a dataset that is missing is created, once, in the configured location
        w.load(new LoadBatch("L2", new TableId("shop", "notes"), TableSpec.defaults(), List.of(object("shop/notes/n.json", "{\"note\":\"a\"}\n", 1))), f -> true);
        assertThat(server.requests()).filteredOn(r -> r.method().equals("POST") && r.path().endsWith("/datasets"))
                .singleElement().satisfies(r -> assertThat(r.body().path("datasetReference").path("datasetId").asText()).isEqualTo("shop"));
    }

    @Test
    void newColumnsAreAddedToTheTable() throws IOException {
        BigQueryWarehouse w = open(Map.of());
        TableId notes = new TableId("shop", "notes");
        LoadFile first = object("shop/notes/1.json", "{\"note\":\"a\"}\n", 1);
        server.detectedSchema(first.uri().orElseThrow().toString(), List.of("note:STRING"));
        w.load(new LoadBatch("L1", notes, TableSpec.defaults(), List.of(first)), f -> true);
        LoadFile second = object("shop/notes/2.json", "{\"note\":\"b\",\"stars\":5}\n", 1);
        server.detectedSchema(second.uri().orElseThrow().toString(), List.of("note:STRING", "stars:INTEGER"));

        assertThat(w.load(new LoadBatch("L2", notes, TableSpec.defaults(), List.of(second)), f -> true))
                .singleElement().extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.COMMITTED);

        JsonNode load = jobs("chute_load_shop_notes").getLast().path("configuration").path("load");
        assertThat(load.path("sourceFormat").asText()).isEqualTo("NEWLINE_DELIMITED_JSON");
        assertThat(server.table("shop", "notes").orElseThrow().path("schema").path("fields").findValuesAsText("name")).contains("stars");
        assertThat(jobs("chute_commit_shop_notes").getLast().path("configuration").path("query").path("query").asText()).contains("(`note`, `stars`, `_chute_source`");
    }

    @Test
    void consoleQuerySendsTheBytesLimitAndRefusesWhatIsNotASelect() {
        BigQueryWarehouse w = open(Map.of("max_bytes_billed", "2GB"));
        server.answer(new QueryRule(job -> job.path("configuration").path("labels").path("chute_op").asText().equals("console"),
                job -> QueryAnswer.rows(List.of("action", "n:INTEGER"), List.of(List.of("created", "7"), List.of("paid", "3"), List.of("shipped", "1")))));

        QueryResult r = w.query("SELECT action, COUNT(*) AS n FROM ecommerce.order_events GROUP BY action", 2, Duration.ofSeconds(30));

        assertThat(r.columns()).extracting(QueryResult.Column::name).containsExactly("action", "n");
        assertThat(r.rows()).containsExactly(List.of("created", 7L), List.of("paid", 3L));
        assertThat(r.truncated()).isTrue();
        List<JsonNode> queries = server.insertedJobs().stream().filter(j -> j.path("jobReference").path("jobId").asText().startsWith("chute_query_")).toList();
        assertThat(queries).singleElement().satisfies(j -> {
            assertThat(j.path("configuration").path("query").path("maximumBytesBilled").asText()).isEqualTo(Long.toString(2L << 30));
            assertThat(j.path("configuration").path("jobTimeoutMs").asText()).isEqualTo("30000");
        });
        assertThat(server.requests()).anySatisfy(req -> assertThat(req.body().path("configuration").path("dryRun").asBoolean()).isTrue());

        assertThatThrownBy(() -> w.query("DELETE FROM ecommerce.order_events WHERE true", 10, Duration.ofSeconds(30)))
                .isInstanceOf(ChuteException.class).hasMessageContaining("only a read-only SELECT").hasMessageContaining("DELETE");
        assertThatThrownBy(() -> w.query("SELECT 1; DROP TABLE ecommerce.order_events", 10, Duration.ofSeconds(30)))
                .isInstanceOf(ChuteException.class).hasMessageContaining("SCRIPT");
        assertThat(server.insertedJobs().stream().filter(j -> j.path("jobReference").path("jobId").asText().startsWith("chute_query_"))).hasSize(1);
    }

    @Test
    void objectsNotInCloudStorageAreRefusedByName() {
        BigQueryWarehouse w = open(Map.of());
        LoadFile local = new LoadFile(new ObjectVersion("ecommerce/order_events/x.csv", "md5:00", 3), Optional.empty(),
                Optional.of(URI.create("s3://bucket/ecommerce/order_events/x.csv")), new FileFormat(FileFormat.Kind.CSV, FileFormat.Compression.NONE));

        List<FileOutcome> outcomes = w.load(batch("L1", ordersSpec(), local), f -> true);

        assertThat(outcomes.getFirst().error().orElseThrow().reason()).contains("ecommerce/order_events/x.csv", "gs:// URIs only", "s3://bucket/");
        assertThat(jobs("chute_load_")).isEmpty();
    }

    @Test
    void factoryIsFoundByNameAndOpensAgainstTheEndpoint() {
        dev.chute.spi.WarehouseFactory factory = java.util.ServiceLoader.load(dev.chute.spi.WarehouseFactory.class).stream()
                .map(java.util.ServiceLoader.Provider::get).filter(f -> f.name().equals("bigquery")).findFirst().orElseThrow();
        try (var w = factory.create(new ConnectorContext(dir, Map.of("type", "bigquery", "endpoint", server.endpoint(), "project", PROJECT)))) {
            assertThat(w.readsStoreDirectly()).isTrue();
            w.ping();
            // GoogleSQL's quoted identifiers (a double-quoted name would be a string there)
            assertThat(w.quoteIdentifier("order date")).isEqualTo("`order date`");
            assertThat(w.quoteIdentifier("a`b\\c")).isEqualTo("`a\\`b\\\\c`");
        }
        assertThat(server.table("_chute", "ledger")).isPresent();
        assertThat(server.table("_chute", "commit_locks")).isPresent();
    }

    @Test
    void settingsAreValidatedByName() {
        assertThatThrownBy(() -> BigQuerySettings.from(new ConnectorContext(dir, Map.of("projekt", "x"))))
                .hasMessageContaining("unknown configuration key 'warehouse.projekt'");
        assertThatThrownBy(() -> BigQuerySettings.from(new ConnectorContext(dir, Map.of("time_partitioning", "ecommerce.order_events=WEEK(action_time)"))))
                .hasMessageContaining("warehouse.time_partitioning").hasMessageContaining("DAY, HOUR, MONTH or YEAR");
        assertThatThrownBy(() -> BigQuerySettings.from(new ConnectorContext(dir, Map.of("clustering", "ecommerce.order_events=a,b,c,d,e"))))
                .hasMessageContaining("one to four column names");
        assertThatThrownBy(() -> BigQuerySettings.from(new ConnectorContext(dir, Map.of("max_bytes_billed", "lots"))))
                .hasMessageContaining("warehouse.max_bytes_billed");
        BigQuerySettings ok = BigQuerySettings.from(new ConnectorContext(dir, Map.of("time_partitioning", "a.b=DAY(ts); c.d=HOUR", "max_bytes_billed", "500MB")));
        assertThat(ok.partitioning().get(new TableId("c", "d")).column()).isEmpty();
        assertThat(ok.maxBytesBilled()).isEqualTo(500L << 20);
    }
}
