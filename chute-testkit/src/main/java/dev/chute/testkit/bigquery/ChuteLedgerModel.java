package dev.chute.testkit.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.testkit.bigquery.BigQueryContractServer.JobError;
import dev.chute.testkit.bigquery.BigQueryContractServer.QueryAnswer;
import dev.chute.testkit.bigquery.BigQueryContractServer.QueryRule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The minimal state that makes exactly-once testable against the {@link BigQueryContractServer}:
 * Chute's ledger rows. The server runs no SQL, so this model does not read the statements: it
 * recognises Chute's jobs by their {@code chute_op} label (a documented part of the job resource)
 * and reads their named query parameters, and does what the statements are written to do:
 * <ul>
 *   <li>{@code chute_op=commit} (the load transaction), when the job turns DONE: if none of the
 *       versions in {@code keys}/{@code checksums} is in the ledger, adds one row per version with
 *       {@code commit_job} = the job's id (the SQL writes {@code @@script.job_id}) and counts one
 *       insert of the staged rows; if all are, does nothing; if some are, fails the job as the
 *       statement's {@code ERROR()} would;</li>
 *   <li>{@code chute_op=ledger_lookup}: the ledger rows of the versions in the parameters, with the
 *       columns the statement selects (Chute's ledger columns, or key, checksum, commit job);</li>
 *   <li>{@code chute_op=setup}: answers done (the commit lock row).</li>
 * </ul>
 * The SQL text itself is checked by the tests, not here.
 */
public final class ChuteLedgerModel {
    /** One ledger row. */
    public record Row(String key, String checksum, String table, String loadId, Long rows, long bytes, String commitJob, long loadRows) {
    }

    private final List<Row> rows = new CopyOnWriteArrayList<>();
    private final AtomicInteger inserts = new AtomicInteger();
    private final String partlyCommitted;

    private ChuteLedgerModel(String partlyCommitted) {
        this.partlyCommitted = partlyCommitted;
    }

    /**
     * Installs the model's rules on {@code server}.
     *
     * @param partlyCommittedMessage the message of the transaction's {@code ERROR()} when part of a batch is committed already
     */
    public static ChuteLedgerModel install(BigQueryContractServer server, String partlyCommittedMessage) {
        ChuteLedgerModel model = new ChuteLedgerModel(partlyCommittedMessage);
        server.answer(new QueryRule(job -> op(job).equals("setup"), job -> QueryAnswer.done()));
        server.answer(new QueryRule(job -> op(job).equals("ledger_lookup"), model::lookup));
        server.answer(new QueryRule(job -> op(job).equals("commit"), model::commit));
        return model;
    }

    /** The ledger rows now. */
    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** Adds a ledger row as another writer's commit would (a racing instance whose batch held this version). */
    public void commitElsewhere(String key, String checksum, String table, String loadId, long bytes) {
        rows.add(new Row(key, checksum, table, loadId, null, bytes, "job_elsewhere", 0));
    }

    /** How many commit transactions inserted rows (each inserts a batch's staged rows once). */
    public int inserts() {
        return inserts.get();
    }

    static String op(JsonNode job) {
        return job.path("configuration").path("labels").path("chute_op").asText(job.path("configuration").path("query").path("labels").path("chute_op").asText());
    }

    private synchronized QueryAnswer commit(JsonNode job) {
        Map<String, JsonNode> p = parameters(job);
        List<String> keys = array(p.get("keys"));
        List<String> checksums = array(p.get("checksums"));
        List<String> sizes = array(p.get("sizes"));
        int before = 0;
        for (int i = 0; i < keys.size(); i++) {
            if (find(keys.get(i), checksums.get(i)).isPresent()) {
                before++;
            }
        }
        if (before == keys.size()) {
            return QueryAnswer.done();
        }
        if (before > 0) {
            return QueryAnswer.failed(new JobError("invalidQuery", "query", partlyCommitted));
        }
        String jobId = job.path("jobReference").path("jobId").asText();
        String fileRows = scalar(p.get("file_rows"));
        for (int i = 0; i < keys.size(); i++) {
            rows.add(new Row(keys.get(i), checksums.get(i), scalar(p.get("table_name")), scalar(p.get("load_id")),
                    fileRows == null ? null : Long.parseLong(fileRows), Long.parseLong(sizes.get(i)), jobId, Long.parseLong(scalar(p.get("load_rows")))));
        }
        inserts.incrementAndGet();
        return QueryAnswer.done();
    }

    private QueryAnswer lookup(JsonNode job) {
        Map<String, JsonNode> p = parameters(job);
        List<String> keys = array(p.get("keys"));
        List<String> checksums = array(p.get("checksums"));
        boolean commitJobs = job.path("configuration").path("query").path("query").asText().contains("commit_job");
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            Optional<Row> r = find(keys.get(i), checksums.get(i));
            if (r.isEmpty()) {
                continue;
            }
            Row row = r.get();
            if (commitJobs) {
                out.add(List.of(row.key(), row.checksum(), row.commitJob()));
            } else {
                List<String> values = new ArrayList<>(List.of(row.key(), row.checksum(), row.table(), row.loadId()));
                values.add(row.rows() == null ? null : Long.toString(row.rows()));
                values.add(Long.toString(row.bytes()));
                values.add("1700000000.0");
                values.add("0");
                out.add(values);
            }
        }
        if (commitJobs) {
            return QueryAnswer.rows(List.of("object_key", "checksum", "commit_job"), out);
        }
        return QueryAnswer.rows(List.of("object_key", "checksum", "table_name", "load_id", "rows:INTEGER", "bytes:INTEGER", "committed_at:TIMESTAMP",
                "duration_ms:INTEGER"), out);
    }

    private Optional<Row> find(String key, String checksum) {
        return rows.stream().filter(r -> r.key().equals(key) && r.checksum().equals(checksum)).findFirst();
    }

    private static Map<String, JsonNode> parameters(JsonNode job) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode p : job.path("configuration").path("query").path("queryParameters")) {
            out.put(p.path("name").asText(), p);
        }
        return out;
    }

    private static List<String> array(JsonNode parameter) {
        List<String> out = new ArrayList<>();
        if (parameter != null) {
            for (JsonNode v : parameter.path("parameterValue").path("arrayValues")) {
                out.add(v.path("value").asText());
            }
        }
        return out;
    }

    private static String scalar(JsonNode parameter) {
        if (parameter == null) {
            return null;
        }
        JsonNode v = parameter.path("parameterValue").path("value");
        return v.isMissingNode() || v.isNull() ? null : v.asText();
    }
}
