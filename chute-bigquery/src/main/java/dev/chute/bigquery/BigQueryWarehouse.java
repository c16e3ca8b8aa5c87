package dev.chute.bigquery;

import static java.util.Objects.requireNonNull;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Clustering;
import com.google.cloud.bigquery.CsvOptions;
import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.FormatOptions;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.JobStatistics;
import com.google.cloud.bigquery.LegacySQLTypeName;
import com.google.cloud.bigquery.LoadJobConfiguration;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.QueryParameterValue;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.bigquery.TableResult;
import com.google.cloud.bigquery.TimePartitioning;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ColumnProfile;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FailureRecord;
import dev.chute.spi.FileFormat;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.LineagePage;
import dev.chute.spi.LineageSource;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadError;
import dev.chute.spi.LoadFile;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableDetail;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import dev.chute.spi.TableSummary;
import dev.chute.spi.ThroughputBucket;
import dev.chute.spi.UndoResult;
import dev.chute.spi.UnsupportedOption;
import dev.chute.spi.Warehouse;
import dev.chute.sql.QueryResults;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BigQuery warehouse. BigQuery reads the objects itself from their {@code gs://} URIs; data
 * never passes through Chute. One batch (files bound for one table) is loaded like this:
 * <ol>
 *   <li>versions already in the ledger ({@code _chute.ledger}) are duplicates and left out;</li>
 *   <li>one load job, id {@code chute_load_<hash>_<attempt>} where the hash covers the table and the
 *       batch's object versions, loads every file into a staging table named after the same hash;</li>
 *   <li>the target table is created or given the new columns (never retyped);</li>
 *   <li>one query job, id {@code chute_commit_<hash>_<attempt>}, runs one multi-statement transaction:
 *       it takes the table's row in {@code _chute.commit_locks} (an UPDATE, so that two commits into
 *       the same table conflict and one is aborted, instead of both inserting: BigQuery does not make
 *       concurrent INSERT-only transactions conflict), counts the batch's versions already in the ledger,
 *       and inserts the staged rows and the ledger entries only if none is;</li>
 *   <li>the staging table is deleted.</li>
 * </ol>
 * A second instance with the same batch gets HTTP 409 for the same job ids and waits for the
 * running jobs instead of starting its own; a retried event after a function timeout does the same.
 * See {@code docs/bigquery.md}.
 *
 * <p>Queries built here take their values as query parameters and quote identifiers that come from
 * validated {@link TableId}s or from table schemas.
 */
public final class BigQueryWarehouse implements Warehouse {
    private static final Logger LOG = LoggerFactory.getLogger(BigQueryWarehouse.class);
    static final String CHUTE = TableId.RESERVED_DATASET;
    /** The job label Chute sets on each job it runs, saying what the job is for. */
    static final String OP_LABEL = "chute_op";

    private final BigQuery bigquery;
    private final String project;
    private final BigQuerySettings settings;
    private final BigQueryHeadReader heads;
    private final BigQueryJobs jobs;
    private final Set<TableId> locksReady = ConcurrentHashMap.newKeySet();

    BigQueryWarehouse(BigQuery bigquery, String project, BigQuerySettings settings, BigQueryHeadReader heads) {
        this.bigquery = requireNonNull(bigquery, "bigquery is null");
        this.project = requireNonNull(project, "project is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.heads = requireNonNull(heads, "heads is null");
        this.jobs = new BigQueryJobs(bigquery, project, settings.location(), settings.jobTimeout());
    }

    /** Opens the warehouse: makes sure the {@code _chute} and staging datasets and Chute's own tables exist. */
    public static BigQueryWarehouse open(BigQuery bigquery, String project, BigQuerySettings settings, BigQueryHeadReader heads) {
        BigQueryWarehouse w = new BigQueryWarehouse(bigquery, project, settings, heads);
        w.prepare();
        return w;
    }

    private void prepare() {
        ensureDataset(CHUTE, Optional.empty());
        // staging tables that a crash left behind expire on their own after a day
        ensureDataset(settings.stagingDataset(), Optional.of(Duration.ofDays(1).toMillis()));
        ensureTable(CHUTE, "ledger", Schema.of(
                Field.of("object_key", StandardSQLTypeName.STRING), Field.of("checksum", StandardSQLTypeName.STRING),
                Field.of("table_name", StandardSQLTypeName.STRING), Field.of("load_id", StandardSQLTypeName.STRING),
                Field.of("rows", StandardSQLTypeName.INT64), Field.of("bytes", StandardSQLTypeName.INT64),
                Field.of("committed_at", StandardSQLTypeName.TIMESTAMP), Field.of("duration_ms", StandardSQLTypeName.INT64),
                Field.of("commit_job", StandardSQLTypeName.STRING), Field.of("load_rows", StandardSQLTypeName.INT64)),
                List.of("table_name", "object_key"));
        ensureTable(CHUTE, "undone", Schema.of(
                Field.of("object_key", StandardSQLTypeName.STRING), Field.of("checksum", StandardSQLTypeName.STRING),
                Field.of("table_name", StandardSQLTypeName.STRING), Field.of("load_id", StandardSQLTypeName.STRING),
                Field.of("rows", StandardSQLTypeName.INT64), Field.of("bytes", StandardSQLTypeName.INT64),
                Field.of("committed_at", StandardSQLTypeName.TIMESTAMP), Field.of("duration_ms", StandardSQLTypeName.INT64),
                Field.of("load_rows", StandardSQLTypeName.INT64), Field.of("undone_at", StandardSQLTypeName.TIMESTAMP),
                Field.of("restored_at", StandardSQLTypeName.TIMESTAMP)), List.of());
        ensureTable(CHUTE, "failures", Schema.of(
                Field.of("object_key", StandardSQLTypeName.STRING), Field.of("checksum", StandardSQLTypeName.STRING),
                Field.of("table_name", StandardSQLTypeName.STRING), Field.of("kind", StandardSQLTypeName.STRING),
                Field.of("reason", StandardSQLTypeName.STRING), Field.of("line", StandardSQLTypeName.INT64),
                Field.of("column_name", StandardSQLTypeName.STRING), Field.of("value", StandardSQLTypeName.STRING),
                Field.of("expected", StandardSQLTypeName.STRING), Field.of("attempts", StandardSQLTypeName.INT64),
                Field.of("first_failed_at", StandardSQLTypeName.TIMESTAMP), Field.of("last_failed_at", StandardSQLTypeName.TIMESTAMP)),
                List.of("object_key"));
        ensureTable(CHUTE, "commit_locks", Schema.of(Field.of("table_name", StandardSQLTypeName.STRING),
                Field.of("load_id", StandardSQLTypeName.STRING), Field.of("locked_at", StandardSQLTypeName.TIMESTAMP)), List.of());
    }

    private void ensureDataset(String dataset, Optional<Long> tableExpirationMs) {
        try {
            if (bigquery.getDataset(dataset) != null) {
                return;
            }
            DatasetInfo.Builder info = DatasetInfo.newBuilder(project, dataset).setLocation(settings.location());
            tableExpirationMs.ifPresent(info::setDefaultTableLifetime);
            bigquery.create(info.build());
        } catch (BigQueryException e) {
            if (e.getCode() != 409) {
                throw unavailable("cannot prepare dataset " + dataset, e);
            }
        }
    }

    private void ensureTable(String dataset, String table, Schema schema, List<String> clusterBy) {
        try {
            if (bigquery.getTable(dataset, table) != null) {
                return;
            }
            StandardTableDefinition.Builder def = StandardTableDefinition.newBuilder().setSchema(schema);
            if (!clusterBy.isEmpty()) {
                def.setClustering(Clustering.newBuilder().setFields(clusterBy).build());
            }
            bigquery.create(TableInfo.of(com.google.cloud.bigquery.TableId.of(project, dataset, table), def.build()));
        } catch (BigQueryException e) {
            if (e.getCode() != 409) {
                throw unavailable("cannot prepare table " + dataset + "." + table, e);
            }
        }
    }

    /** GoogleSQL's quoted identifier (see {@link #ident}); a double-quoted "x" would be a string literal there. */
    @Override
    public String quoteIdentifier(String name) {
        return ident(name);
    }

    @Override
    public String describe() {
        return "bigquery project " + project + " (" + settings.location() + ")";
    }

    @Override
    public boolean readsStoreDirectly() {
        return true;
    }

    @Override
    public Map<ObjectVersion, LedgerEntry> committed(Collection<ObjectVersion> versions) {
        Map<ObjectVersion, LedgerEntry> out = new LinkedHashMap<>();
        if (versions.isEmpty()) {
            return out;
        }
        List<ObjectVersion> list = List.copyOf(versions);
        String sql = "SELECT " + LEDGER_COLUMNS + " FROM " + chute("ledger") + " AS l JOIN UNNEST(@keys) AS k WITH OFFSET i"
                + " ON l.object_key = k AND l.checksum = @checksums[OFFSET(i)]";
        Map<String, QueryParameterValue> params = Map.of(
                "keys", strings(list.stream().map(ObjectVersion::key).toList()),
                "checksums", strings(list.stream().map(ObjectVersion::checksum).toList()));
        for (LedgerEntry e : read(sql, params, "ledger_lookup", BigQueryWarehouse::ledgerEntry)) {
            for (ObjectVersion v : list) {
                if (v.key().equals(e.key()) && v.checksum().equals(e.checksum())) {
                    out.put(v, e);
                }
            }
        }
        return out;
    }

    @Override
    public List<FileOutcome> load(LoadBatch batch, FileCheck stillValid) {
        try {
            return loadBatch(batch, stillValid);
        } catch (BigQueryException e) {
            // any call the steps below did not translate: BigQuery failed as a whole, nothing of this batch is half done
            throw unavailable("loading " + batch.files().size() + " files into " + batch.table(), e);
        }
    }

    private List<FileOutcome> loadBatch(LoadBatch batch, FileCheck stillValid) {
        Map<LoadFile, FileOutcome> outcomes = new LinkedHashMap<>();
        List<LoadFile> pending = new ArrayList<>();
        for (LoadFile f : batch.files()) {
            Optional<LoadError> refused = refuse(f, batch.spec());
            if (refused.isPresent()) {
                outcomes.put(f, FileOutcome.failed(f, refused.get()));
            } else {
                pending.add(f);
            }
        }
        Map<ObjectVersion, LedgerEntry> before = committed(pending.stream().map(LoadFile::version).toList());
        pending.removeIf(f -> {
            if (before.containsKey(f.version())) {
                outcomes.put(f, FileOutcome.duplicate(f));
                return true;
            }
            return false;
        });
        // one load job reads files of one format and one header setting; at most max_files_per_job URIs
        Map<String, List<LoadFile>> groups = new LinkedHashMap<>();
        for (LoadFile f : pending) {
            int skip;
            try {
                skip = skipLeadingRows(batch.spec(), f);
            } catch (ChuteException e) {
                outcomes.put(f, FileOutcome.failed(f, LoadError.of(e)));
                continue;
            }
            groups.computeIfAbsent(f.format().kind() + "/" + skip, k -> new ArrayList<>()).add(f);
        }
        for (Map.Entry<String, List<LoadFile>> g : groups.entrySet()) {
            int skip = Integer.parseInt(g.getKey().substring(g.getKey().indexOf('/') + 1));
            List<LoadFile> files = g.getValue();
            for (int from = 0; from < files.size(); from += settings.maxFilesPerJob()) {
                List<LoadFile> part = files.subList(from, Math.min(files.size(), from + settings.maxFilesPerJob()));
                loadGroup(batch, new ArrayList<>(part), skip, stillValid, outcomes);
            }
        }
        return batch.files().stream().map(outcomes::get).toList();
    }

    private Optional<LoadError> refuse(LoadFile f, TableSpec spec) {
        Optional<URI> uri = f.uri();
        if (uri.isEmpty() || !"gs".equals(uri.get().getScheme())) {
            return Optional.of(LoadError.of(ErrorCode.CONFIGURATION, f.version().key() + ": warehouse bigquery loads from gs:// URIs only (BigQuery reads the object itself); found "
                    + uri.map(URI::toString).orElse("a local file " + f.localPath().map(Object::toString).orElse("")) + "; use store.type gcs"));
        }
        FileFormat.Kind kind = f.format().kind();
        if (f.format().compression() == FileFormat.Compression.ZSTD
                || (f.format().compression() == FileFormat.Compression.GZIP && kind == FileFormat.Kind.PARQUET)) {
            return Optional.of(LoadError.of(ErrorCode.UNSUPPORTED_FORMAT, f.version().key() + ": BigQuery loads CSV and JSON uncompressed or gzip-compressed, and Parquet and Avro as they are;"
                    + " found " + kind + " with " + f.format().compression() + " compression"));
        }
        // refused at start already (unsupported); kept for specs that reach a load some other way
        List<UnsupportedOption> unsupported = unsupported(spec);
        if (!unsupported.isEmpty()) {
            UnsupportedOption o = unsupported.getFirst();
            return Optional.of(LoadError.of(ErrorCode.CONFIGURATION, f.version().key() + ": table option " + o.key() + " '" + o.value()
                    + "' is not supported on warehouse bigquery (supported: " + String.join(", ", o.supported()) + "): " + o.why()));
        }
        return Optional.empty();
    }

    /** See {@link BigQueryTypes#problem}: BigQuery's documented type names and decimal bounds, checked without a call. */
    @Override
    public Optional<String> rejectsType(String type) {
        return BigQueryTypes.problem(type);
    }

    /** See {@link BigQueryTableOptions}: what BigQuery honours of each table option. */
    @Override
    public List<UnsupportedOption> unsupported(TableSpec spec) {
        return BigQueryTableOptions.unsupported(spec);
    }

    private int skipLeadingRows(TableSpec spec, LoadFile f) {
        FileFormat.Kind kind = f.format().kind();
        if (kind != FileFormat.Kind.CSV && kind != FileFormat.Kind.TSV) {
            return 0;
        }
        if (spec.header().isPresent()) {
            return spec.header().get() ? 1 : 0;
        }
        return BigQueryCsvHeader.skipLeadingRows(spec, heads.firstLine(f.uri().orElseThrow(), f.format()), delimiter(spec, kind));
    }

    private static char delimiter(TableSpec spec, FileFormat.Kind kind) {
        return spec.delimiter().filter(d -> !d.isEmpty()).map(d -> d.equals("\\t") ? '\t' : d.charAt(0)).orElse(kind == FileFormat.Kind.TSV ? '\t' : ',');
    }

    /** Loads one group (one format, one header setting) until every file is committed, a duplicate or failed. */
    private void loadGroup(LoadBatch batch, List<LoadFile> files, int skip, FileCheck stillValid, Map<LoadFile, FileOutcome> outcomes) {
        // each round removes at least one file or finishes; bounded by the number of files plus the rounds for splitting
        for (int round = 0; !files.isEmpty() && round <= files.size() * 2 + 2; round++) {
            Attempt result = attempt(batch, files, skip, stillValid);
            result.outcomes.forEach(outcomes::put);
            files.removeIf(result.outcomes::containsKey);
            if (result.loadOneByOne) {
                for (LoadFile f : List.copyOf(files)) {
                    loadGroup(batch, new ArrayList<>(List.of(f)), skip, stillValid, outcomes);
                }
                files.clear();
            }
        }
        for (LoadFile f : files) {
            outcomes.put(f, FileOutcome.failed(f, LoadError.of(ErrorCode.INTERNAL, f.version().key() + ": not settled after repeated loads")));
        }
    }

    /** What one load + commit round settled; {@code loadOneByOne} when a failing load named no file. */
    private record Attempt(Map<LoadFile, FileOutcome> outcomes, boolean loadOneByOne) {
    }

    private Attempt attempt(LoadBatch batch, List<LoadFile> files, int skip, FileCheck stillValid) {
        long started = System.nanoTime();
        TableId table = batch.table();
        String hash = hash(table, files);
        String base = table.dataset() + "_" + table.table() + "_" + hash;
        com.google.cloud.bigquery.TableId staging = com.google.cloud.bigquery.TableId.of(project, settings.stagingDataset(), base);
        Optional<Table> target = getTable(table);
        Schema declared = BigQueryTypes.schema(batch.spec());
        if (target.isPresent() && declared.getFields().isEmpty() && bigquery.getTable(staging) == null) {
            // an existing table: stage with its columns so that autodetected types line up and new columns are added
            createQuietly(TableInfo.of(staging, StandardTableDefinition.of(dataColumns(target.get().getDefinition().getSchema()))));
        }
        LoadJobConfiguration.Builder load = LoadJobConfiguration.newBuilder(staging, files.stream().map(f -> f.uri().orElseThrow().toString()).toList())
                .setFormatOptions(formatOptions(batch.spec(), files.getFirst().format().kind(), skip))
                .setWriteDisposition(JobInfo.WriteDisposition.WRITE_APPEND)
                .setCreateDisposition(JobInfo.CreateDisposition.CREATE_IF_NEEDED)
                .setSchemaUpdateOptions(List.of(JobInfo.SchemaUpdateOption.ALLOW_FIELD_ADDITION))
                .setLabels(Map.of(OP_LABEL, "load"))
                .setMaxBadRecords(batch.spec().maxBadRows());
        if (files.getFirst().format().kind() == FileFormat.Kind.AVRO) {
            // timestamp-millis/micros, date, decimal... become TIMESTAMP, DATE, NUMERIC instead of their raw INT64/BYTES
            load.setUseAvroLogicalTypes(true);
        }
        if (declared.getFields().isEmpty()) {
            load.setAutodetect(true);
        } else {
            load.setSchema(declared);
        }
        // a finished load whose staging table is gone (deleted after an earlier commit of the same versions failed for good,
        // and the files were replayed) cannot be used: the next attempt id loads them again
        BigQueryJobs.Outcome loaded = jobs.run("chute_load_" + base, load.build(), job -> bigquery.getTable(staging) != null);
        if (loaded.error().isPresent()) {
            return loadFailed(loaded.job(), files);
        }
        Table stagingTable = bigquery.getTable(staging);
        if (stagingTable == null) {
            throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "staging table " + staging.getTable() + " of job " + loaded.job().getJobId().getJob() + " is gone");
        }
        Map<LoadFile, FileOutcome> settled = new LinkedHashMap<>();
        for (LoadFile f : files) {
            if (!stillValid.unchanged(f)) {
                settled.put(f, FileOutcome.failed(f, LoadError.of(ErrorCode.CHANGED_WHILE_LOADING, f.version().key() + " changed while it was loading")));
            }
        }
        if (!settled.isEmpty()) {
            deleteQuietly(staging);
            return new Attempt(settled, false);
        }
        Schema stagedSchema = dataColumns(stagingTable.getDefinition().getSchema());
        try {
            ensureTarget(table, batch.spec(), stagedSchema);
        } catch (ChuteException e) {
            if (e.retryable()) {
                throw e;
            }
            deleteQuietly(staging);
            files.forEach(f -> settled.put(f, FileOutcome.failed(f, LoadError.of(e.code(), f.version().key() + ": " + e.getMessage()))));
            return new Attempt(settled, false);
        }
        long rows = ((JobStatistics.LoadStatistics) loaded.job().getStatistics()).getOutputRows() == null ? 0
                : ((JobStatistics.LoadStatistics) loaded.job().getStatistics()).getOutputRows();
        String commitBase = "chute_commit_" + base;
        QueryJobConfiguration commit = QueryJobConfiguration.newBuilder(commitSql(table, batch.spec(), staging, stagedSchema))
                .setUseLegacySql(false)
                .setLabels(Map.of(OP_LABEL, "commit"))
                .setNamedParameters(commitParameters(batch, table, files, rows, started))
                .build();
        BigQueryJobs.Outcome committed = jobs.run(commitBase, commit, job -> true);
        if (committed.error().isPresent()) {
            BigQueryError error = committed.error().get();
            if (nullToEmpty(error.getMessage()).contains(PARTLY_COMMITTED)) {
                // another load committed some of these versions: they are duplicates; the rest load again without them
                Map<ObjectVersion, LedgerEntry> now = committed(files.stream().map(LoadFile::version).toList());
                files.stream().filter(f -> now.containsKey(f.version())).forEach(f -> settled.put(f, FileOutcome.duplicate(f)));
                deleteQuietly(staging);
                return new Attempt(settled, false);
            }
            deleteQuietly(staging);
            files.forEach(f -> settled.put(f, FileOutcome.failed(f, new LoadError(ErrorCode.SCHEMA_CONFLICT, f.version().key() + ": the commit into " + table + " failed: "
                    + error.getReason() + ": " + error.getMessage(), OptionalLong.empty(), Optional.empty(), Optional.empty(), Optional.empty()))));
            return new Attempt(settled, false);
        }
        // which versions this commit job wrote (the job may have been another instance's, picked up through its id)
        String jobId = committed.job().getJobId().getJob();
        Map<ObjectVersion, LedgerEntry> now = committed(files.stream().map(LoadFile::version).toList());
        Map<String, String> commitJobs = commitJobs(files);
        for (LoadFile f : files) {
            LedgerEntry e = now.get(f.version());
            if (e == null) {
                throw new ChuteException(ErrorCode.INTERNAL, "commit job " + jobId + " finished but " + f.version().key() + " is not in the ledger");
            }
            boolean ours = jobId.equals(commitJobs.get(f.version().key() + "\n" + f.version().checksum()));
            settled.put(f, ours ? FileOutcome.committed(f, e.rows(), 0) : FileOutcome.duplicate(f));
        }
        deleteQuietly(staging);
        LOG.info("loaded {} files, {} rows into {} (job {}{})", files.size(), rows, table, jobId, committed.pickedUp() ? ", picked up" : "");
        return new Attempt(settled, false);
    }

    private Map<String, String> commitJobs(List<LoadFile> files) {
        String sql = "SELECT l.object_key, l.checksum, l.commit_job FROM " + chute("ledger") + " AS l JOIN UNNEST(@keys) AS k WITH OFFSET i"
                + " ON l.object_key = k AND l.checksum = @checksums[OFFSET(i)]";
        Map<String, QueryParameterValue> params = Map.of(
                "keys", strings(files.stream().map(f -> f.version().key()).toList()),
                "checksums", strings(files.stream().map(f -> f.version().checksum()).toList()));
        Map<String, String> out = new LinkedHashMap<>();
        for (FieldValueList r : rows(sql, params, "ledger_lookup")) {
            out.put(r.get(0).getStringValue() + "\n" + r.get(1).getStringValue(), r.get(2).isNull() ? "" : r.get(2).getStringValue());
        }
        return out;
    }

    /** Marker message of the transaction's ERROR() when part of the batch is in the ledger already. */
    public static final String PARTLY_COMMITTED = "chute: part of this batch was committed by another load";

    /**
     * The transaction. Parameters: {@code keys}, {@code checksums}, {@code sizes} (parallel arrays of
     * the batch's versions), {@code table_name}, {@code load_id}, {@code source} (the key when the
     * batch has one file, else NULL), {@code file_rows} (rows per file when known, else NULL),
     * {@code load_rows}, {@code duration_ms}. The ledger's {@code commit_job} is the script's own job id
     * ({@code @@script.job_id}), so that whoever waits for the job can tell which versions it committed.
     */
    String commitSql(TableId table, TableSpec spec, com.google.cloud.bigquery.TableId staging, Schema stagedSchema) {
        String columns = stagedSchema.getFields().stream().map(f -> ident(f.getName())).collect(Collectors.joining(", "));
        String lineageInto = spec.lineage() ? ", " + ident(TableSpec.SOURCE_COLUMN) + ", " + ident(TableSpec.LOAD_ID_COLUMN) + ", " + ident(TableSpec.LOADED_AT_COLUMN) : "";
        String lineageValues = spec.lineage() ? ", @source, @load_id, CURRENT_TIMESTAMP()" : "";
        return "DECLARE committed_before INT64 DEFAULT 0;\n"
                + "BEGIN TRANSACTION;\n"
                + "UPDATE " + chute("commit_locks") + " SET load_id = @load_id, locked_at = CURRENT_TIMESTAMP() WHERE table_name = @table_name;\n"
                + "SET committed_before = (SELECT COUNT(*) FROM " + chute("ledger") + " AS l JOIN UNNEST(@keys) AS k WITH OFFSET i"
                + " ON l.object_key = k AND l.checksum = @checksums[OFFSET(i)]);\n"
                + "IF committed_before = 0 THEN\n"
                + "  INSERT INTO " + qualified(table) + " (" + columns + lineageInto + ")\n"
                + "    SELECT " + columns + lineageValues + " FROM " + quote(project + "." + staging.getDataset() + "." + staging.getTable()) + ";\n"
                + "  INSERT INTO " + chute("ledger") + " (object_key, checksum, table_name, load_id, rows, bytes, committed_at, duration_ms, commit_job, load_rows)\n"
                + "    SELECT k, @checksums[OFFSET(i)], @table_name, @load_id, @file_rows, @sizes[OFFSET(i)], CURRENT_TIMESTAMP(), @duration_ms, @@script.job_id, @load_rows"
                + " FROM UNNEST(@keys) AS k WITH OFFSET i;\n"
                + "ELSEIF committed_before < ARRAY_LENGTH(@keys) THEN\n"
                + "  SELECT ERROR('" + PARTLY_COMMITTED + "');\n"
                + "END IF;\n"
                + "COMMIT TRANSACTION;";
    }

    private Map<String, QueryParameterValue> commitParameters(LoadBatch batch, TableId table, List<LoadFile> files, long rows, long started) {
        Map<String, QueryParameterValue> p = new LinkedHashMap<>();
        p.put("keys", strings(files.stream().map(f -> f.version().key()).toList()));
        p.put("checksums", strings(files.stream().map(f -> f.version().checksum()).toList()));
        p.put("sizes", QueryParameterValue.array(files.stream().map(f -> f.version().size()).toArray(Long[]::new), StandardSQLTypeName.INT64));
        p.put("table_name", QueryParameterValue.string(table.toString()));
        p.put("load_id", QueryParameterValue.string(batch.loadId()));
        p.put("source", QueryParameterValue.string(files.size() == 1 ? files.getFirst().version().key() : null));
        p.put("file_rows", QueryParameterValue.int64(files.size() == 1 ? Long.valueOf(rows) : null));
        p.put("load_rows", QueryParameterValue.int64(rows));
        p.put("duration_ms", QueryParameterValue.int64(Duration.ofNanos(System.nanoTime() - started).toMillis()));
        return p;
    }

    private Attempt loadFailed(Job job, List<LoadFile> files) {
        List<BigQueryError> errors = job.getStatus().getExecutionErrors() == null || job.getStatus().getExecutionErrors().isEmpty()
                ? List.of(job.getStatus().getError()) : job.getStatus().getExecutionErrors();
        Map<LoadFile, FileOutcome> settled = new LinkedHashMap<>();
        if (files.size() == 1) {
            settled.put(files.getFirst(), FileOutcome.failed(files.getFirst(), BigQueryLoadErrors.forOnlyFile(errors, files.getFirst())));
            return new Attempt(settled, false);
        }
        Map<LoadFile, LoadError> named = BigQueryLoadErrors.byFile(errors, files);
        named.forEach((f, e) -> settled.put(f, FileOutcome.failed(f, e)));
        // a multi-URI load fails as a whole: the others load again without the bad files; if none was named, one by one
        return new Attempt(settled, named.isEmpty());
    }

    private void ensureTarget(TableId table, TableSpec spec, Schema staged) {
        Optional<Table> existing = getTable(table);
        List<Field> fields = new ArrayList<>(staged.getFields());
        if (spec.lineage()) {
            fields.add(Field.of(TableSpec.SOURCE_COLUMN, StandardSQLTypeName.STRING));
            fields.add(Field.of(TableSpec.LOAD_ID_COLUMN, StandardSQLTypeName.STRING));
            fields.add(Field.of(TableSpec.LOADED_AT_COLUMN, StandardSQLTypeName.TIMESTAMP));
        }
        com.google.cloud.bigquery.TableId id = com.google.cloud.bigquery.TableId.of(project, table.dataset(), table.table());
        if (existing.isEmpty()) {
            ensureDataset(table.dataset(), Optional.empty());
            StandardTableDefinition.Builder def = StandardTableDefinition.newBuilder().setSchema(Schema.of(fields));
            BigQuerySettings.Partitioning partitioning = settings.partitioning().get(table);
            if (partitioning != null) {
                TimePartitioning.Builder tp = TimePartitioning.newBuilder(TimePartitioning.Type.valueOf(partitioning.type()));
                partitioning.column().ifPresent(tp::setField);
                def.setTimePartitioning(tp.build());
            }
            List<String> clusterBy = settings.clustering().get(table);
            if (clusterBy != null) {
                def.setClustering(Clustering.newBuilder().setFields(clusterBy).build());
            }
            createQuietly(TableInfo.of(id, def.build()));
            existing = getTable(table);
            if (existing.isEmpty()) {
                throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "table " + table + " was created but cannot be read");
            }
        }
        Schema current = existing.get().getDefinition().getSchema();
        List<Field> all = new ArrayList<>(current.getFields());
        List<Field> added = new ArrayList<>();
        for (Field f : fields) {
            Optional<Field> same = all.stream().filter(c -> c.getName().equalsIgnoreCase(f.getName())).findFirst();
            if (same.isEmpty()) {
                added.add(f.toBuilder().setMode(Field.Mode.NULLABLE).build());
            } else if (!same.get().getType().equals(f.getType())) {
                throw new ChuteException(ErrorCode.SCHEMA_CONFLICT, "column " + f.getName() + " of " + table + " is " + same.get().getType().getStandardType()
                        + "; the file's is " + f.getType().getStandardType() + " (BigQuery cannot change a column's type in place)");
            }
        }
        if (!added.isEmpty()) {
            all.addAll(added);
            try {
                bigquery.update(existing.get().toBuilder().setDefinition(existing.get().<StandardTableDefinition>getDefinition().toBuilder()
                        .setSchema(Schema.of(all)).build()).build());
            } catch (BigQueryException e) {
                throw unavailable("cannot add columns " + added.stream().map(Field::getName).toList() + " to " + table, e);
            }
            LOG.info("added columns {} to {}", added.stream().map(Field::getName).toList(), table);
        }
        if (locksReady.add(table)) {
            run("MERGE " + chute("commit_locks") + " AS l USING (SELECT @table_name AS table_name) AS t ON l.table_name = t.table_name"
                    + " WHEN NOT MATCHED THEN INSERT (table_name) VALUES (t.table_name)", Map.of("table_name", QueryParameterValue.string(table.toString())), "setup");
        }
    }

    private static Schema dataColumns(Schema schema) {
        if (schema == null) {
            return Schema.of();
        }
        return Schema.of(schema.getFields().stream().filter(f -> !f.getName().startsWith("_chute_")).toList());
    }

    /**
     * BigQuery's name for the encoding of a CSV load. UTF-16 is refused before any load ({@link #unsupported}):
     * BigQuery reads only UTF-16BE or UTF-16LE, while Chute's utf-16 finds the byte order in the file's mark.
     */
    private static String loadEncoding(TableSpec.Encoding encoding) {
        return switch (encoding) {
            case UTF_8 -> "UTF-8";
            case LATIN_1 -> "ISO-8859-1";
            case UTF_16 -> throw new IllegalStateException("encoding utf-16 is refused on bigquery before loading");
        };
    }

    private static FormatOptions formatOptions(TableSpec spec, FileFormat.Kind kind, int skip) {
        return switch (kind) {
            case CSV, TSV -> {
                CsvOptions.Builder csv = CsvOptions.newBuilder().setSkipLeadingRows(skip).setFieldDelimiter(String.valueOf(delimiter(spec, kind)))
                        .setEncoding(loadEncoding(spec.encoding()));
                // BigQuery's empty quote is "no quoting", as TableSpec.NO_QUOTE (quote: none)
                spec.quote().ifPresent(csv::setQuote);
                yield csv.build();
            }
            case JSON -> FormatOptions.json();
            case PARQUET -> FormatOptions.parquet();
            case AVRO -> FormatOptions.avro();
        };
    }

    private Optional<Table> getTable(TableId table) {
        try {
            return Optional.ofNullable(bigquery.getTable(table.dataset(), table.table()));
        } catch (BigQueryException e) {
            throw unavailable("cannot read table " + table, e);
        }
    }

    private void createQuietly(TableInfo info) {
        try {
            bigquery.create(info);
        } catch (BigQueryException e) {
            if (e.getCode() != 409) {
                throw unavailable("cannot create table " + info.getTableId().getTable(), e);
            }
        }
    }

    private void deleteQuietly(com.google.cloud.bigquery.TableId staging) {
        try {
            bigquery.delete(staging);
        } catch (BigQueryException e) {
            LOG.warn("cannot delete staging table {} (it expires on its own): {}", staging.getTable(), e.getMessage());
        }
    }

    /** Hash of the table and the sorted versions: the same batch gets the same job ids and staging table on every instance. */
    static String hash(TableId table, List<LoadFile> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(table.toString().getBytes(StandardCharsets.UTF_8));
            files.stream().map(f -> f.version().key() + "\n" + f.version().checksum()).sorted().forEach(v -> {
                sha.update((byte) 0);
                sha.update(v.getBytes(StandardCharsets.UTF_8));
            });
            return HexFormat.of().formatHex(sha.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void recordFailure(FailureRecord failure) {
        LoadError e = failure.error();
        String sql = "MERGE " + chute("failures") + " AS f USING (SELECT @key AS object_key, @checksum AS checksum) AS s"
                + " ON f.object_key = s.object_key AND f.checksum = s.checksum"
                + " WHEN MATCHED THEN UPDATE SET table_name = @table_name, kind = @kind, reason = @reason, line = @line, column_name = @column_name,"
                + " value = @value, expected = @expected, attempts = @attempts, last_failed_at = @last"
                + " WHEN NOT MATCHED THEN INSERT (object_key, checksum, table_name, kind, reason, line, column_name, value, expected, attempts, first_failed_at, last_failed_at)"
                + " VALUES (@key, @checksum, @table_name, @kind, @reason, @line, @column_name, @value, @expected, @attempts, @first, @last)";
        Map<String, QueryParameterValue> p = new LinkedHashMap<>();
        p.put("key", QueryParameterValue.string(failure.key()));
        p.put("checksum", QueryParameterValue.string(failure.checksum()));
        p.put("table_name", QueryParameterValue.string(failure.table().map(TableId::toString).orElse(null)));
        p.put("kind", QueryParameterValue.string(e.code().name()));
        p.put("reason", QueryParameterValue.string(e.reason()));
        p.put("line", QueryParameterValue.int64(e.line().isPresent() ? Long.valueOf(e.line().getAsLong()) : null));
        p.put("column_name", QueryParameterValue.string(e.column().orElse(null)));
        p.put("value", QueryParameterValue.string(e.value().orElse(null)));
        p.put("expected", QueryParameterValue.string(e.expected().orElse(null)));
        p.put("attempts", QueryParameterValue.int64((long) failure.attempts()));
        p.put("first", QueryParameterValue.timestamp(failure.firstFailedAt().toEpochMilli() * 1000));
        p.put("last", QueryParameterValue.timestamp(failure.lastFailedAt().toEpochMilli() * 1000));
        run(sql, p, "record_failure");
    }

    @Override
    public QueryResult query(String sql, int maxRows, long maxBytes, Duration timeout) {
        requireNonNull(sql, "sql is null");
        QueryJobConfiguration dry = QueryJobConfiguration.newBuilder(sql).setUseLegacySql(false).setDryRun(true).setLabels(Map.of(OP_LABEL, "console")).build();
        Job checked;
        try {
            checked = bigquery.create(JobInfo.of(dry));
        } catch (BigQueryException e) {
            if (e.getCode() == 400) {
                // the dry run found an error in the query (invalidQuery, notFound): wrong, not forbidden
                throw new ChuteException(ErrorCode.QUERY_FAILED, "BigQuery reports an error in the query: " + e.getMessage());
            }
            throw unavailable("cannot check the query", e);
        }
        JobStatistics.QueryStatistics stats = checked.getStatistics();
        String type = stats == null || stats.getStatementType() == null ? "UNKNOWN" : stats.getStatementType().toString();
        if (!type.equals("SELECT")) {
            throw new ChuteException(ErrorCode.QUERY_REFUSED, "only a read-only SELECT may run here; BigQuery's dry run says this statement is " + type);
        }
        QueryJobConfiguration config = QueryJobConfiguration.newBuilder(sql).setUseLegacySql(false)
                .setMaximumBytesBilled(settings.maxBytesBilled())
                .setJobTimeoutMs(timeout.toMillis())
                .setLabels(Map.of(OP_LABEL, "console"))
                .build();
        return result(jobs.runOnce("chute_query", config), maxRows, maxBytes);
    }

    private QueryResult result(Job job, int maxRows, long maxBytes) {
        BigQueryError error = job.getStatus().getError();
        if (error != null) {
            throw new ChuteException(BigQueryLoadErrors.transientReason(error.getReason(), error.getMessage()) ? ErrorCode.WAREHOUSE_UNAVAILABLE : ErrorCode.QUERY_FAILED,
                    "query failed: " + error.getReason() + ": " + error.getMessage());
        }
        TableResult result;
        try {
            result = job.getQueryResults(BigQuery.QueryResultsOption.pageSize(Math.max(1, maxRows + 1L)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "interrupted while reading query results", e);
        } catch (BigQueryException e) {
            throw unavailable("cannot read query results", e);
        }
        FieldList fields = result.getSchema() == null ? FieldList.of() : result.getSchema().getFields();
        List<QueryResult.Column> columns = fields.stream().map(f -> new QueryResult.Column(f.getName(), f.getType().getStandardType().name())).toList();
        List<List<Object>> rows = new ArrayList<>();
        Optional<QueryResult.Limit> truncatedBy = Optional.empty();
        long bytes = 0;
        try {
            // page by page: the pages already read are dropped, so the answer is what is held
            for (FieldValueList r : result.iterateAll()) {
                if (rows.size() >= maxRows) {
                    truncatedBy = Optional.of(QueryResult.Limit.ROWS);
                    break;
                }
                List<Object> row = new ArrayList<>();
                long rowBytes = 3;
                for (int i = 0; i < fields.size(); i++) {
                    Object value = value(fields.get(i), r.get(i));
                    rowBytes += QueryResults.size(value);
                    row.add(value);
                }
                if (rowBytes > maxBytes - bytes) {
                    truncatedBy = Optional.of(QueryResult.Limit.BYTES);
                    break;
                }
                bytes += rowBytes;
                rows.add(row);
            }
        } catch (BigQueryException e) {
            throw unavailable("cannot read query results", e);
        }
        return new QueryResult(columns, rows, truncatedBy);
    }

    /** A value of BigQuery's answer as a plain value; a DATETIME (no time zone) stays the text BigQuery gives, without an offset. */
    static Object value(Field field, FieldValue v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.getAttribute() == FieldValue.Attribute.REPEATED) {
            // an ARRAY: each element is a value of the same field, not repeated
            Field element = field.toBuilder().setMode(Field.Mode.NULLABLE).build();
            List<Object> items = new ArrayList<>();
            for (FieldValue item : v.getRepeatedValue()) {
                items.add(value(element, item));
            }
            return java.util.Collections.unmodifiableList(items);
        }
        if (v.getAttribute() == FieldValue.Attribute.RECORD) {
            // a STRUCT: its fields by name, in the schema's order
            FieldList subFields = field.getSubFields();
            FieldValueList record = v.getRecordValue();
            Map<String, Object> fields = new java.util.LinkedHashMap<>();
            for (int k = 0; k < record.size(); k++) {
                Field sub = subFields != null && k < subFields.size() ? subFields.get(k) : Field.of("f" + k, LegacySQLTypeName.STRING);
                fields.put(sub.getName(), value(sub, record.get(k)));
            }
            return fields;
        }
        LegacySQLTypeName type = field.getType();
        if (type.equals(LegacySQLTypeName.INTEGER)) {
            return v.getLongValue();
        } else if (type.equals(LegacySQLTypeName.FLOAT)) {
            return v.getDoubleValue();
        } else if (type.equals(LegacySQLTypeName.NUMERIC) || type.equals(LegacySQLTypeName.BIGNUMERIC)) {
            return v.getNumericValue();
        } else if (type.equals(LegacySQLTypeName.BOOLEAN)) {
            return v.getBooleanValue();
        } else if (type.equals(LegacySQLTypeName.TIMESTAMP)) {
            return v.getTimestampInstant();
        } else if (type.equals(LegacySQLTypeName.DATE)) {
            return LocalDate.parse(v.getStringValue());
        } else if (type.equals(LegacySQLTypeName.TIME)) {
            return LocalTime.parse(v.getStringValue());
        }
        return v.getStringValue();
    }

    private static final String LEDGER_COLUMNS = "l.object_key, l.checksum, l.table_name, l.load_id, l.rows, l.bytes, l.committed_at, l.duration_ms";

    private static LedgerEntry ledgerEntry(FieldValueList r) {
        return new LedgerEntry(r.get(0).getStringValue(), r.get(1).getStringValue(), TableId.parse(r.get(2).getStringValue()), r.get(3).getStringValue(),
                longOr(r.get(4), 0), longOr(r.get(5), 0), r.get(6).getTimestampInstant(), longOr(r.get(7), 0));
    }

    @Override
    public List<TableSummary> tables() {
        // a multi-file load knows its rows only as a whole (load_rows), so rows are summed per load
        String sql = "SELECT table_name, SUM(files), SUM(load_rows), SUM(bytes), MAX(committed_at) FROM ("
                + "SELECT table_name, load_id, COUNT(*) AS files, MAX(load_rows) AS load_rows, SUM(bytes) AS bytes, MAX(committed_at) AS committed_at"
                + " FROM " + chute("ledger") + " GROUP BY table_name, load_id) GROUP BY table_name ORDER BY table_name";
        return read(sql, Map.of(), "status", r -> new TableSummary(TableId.parse(r.get(0).getStringValue()), longOr(r.get(1), 0), longOr(r.get(2), 0),
                longOr(r.get(3), 0), r.get(4).isNull() ? Optional.empty() : Optional.of(r.get(4).getTimestampInstant())));
    }

    @Override
    public List<LedgerEntry> recentLoads(int limit) {
        return read("SELECT " + LEDGER_COLUMNS + " FROM " + chute("ledger") + " AS l ORDER BY l.committed_at DESC, l.object_key LIMIT @limit",
                Map.of("limit", QueryParameterValue.int64((long) limit)), "status", BigQueryWarehouse::ledgerEntry);
    }

    private static final String FAILURE_COLUMNS = "f.object_key, f.checksum, f.table_name, f.kind, f.reason, f.line, f.column_name, f.value, f.expected, f.attempts,"
            + " f.first_failed_at, f.last_failed_at";

    /** Failures whose version has not committed since (a committed version resolves its failure). */
    private String unresolvedFailures() {
        return "SELECT " + FAILURE_COLUMNS + " FROM " + chute("failures") + " AS f WHERE NOT EXISTS (SELECT 1 FROM " + chute("ledger")
                + " AS l WHERE l.object_key = f.object_key AND l.checksum = f.checksum)";
    }

    private static FailureRecord failureRecord(FieldValueList r) {
        OptionalLong line = r.get(5).isNull() ? OptionalLong.empty() : OptionalLong.of(r.get(5).getLongValue());
        LoadError error = new LoadError(ErrorCode.valueOf(r.get(3).getStringValue()), r.get(4).getStringValue(), line, optString(r.get(6)),
                optString(r.get(7)), optString(r.get(8)));
        return new FailureRecord(r.get(0).getStringValue(), r.get(1).getStringValue(), optString(r.get(2)).map(TableId::parse), error,
                (int) longOr(r.get(9), 1), r.get(10).getTimestampInstant(), r.get(11).getTimestampInstant());
    }

    @Override
    public List<FailureRecord> recentFailures(int limit) {
        return read(unresolvedFailures() + " ORDER BY f.last_failed_at DESC LIMIT @limit", Map.of("limit", QueryParameterValue.int64((long) limit)),
                "status", BigQueryWarehouse::failureRecord);
    }

    @Override
    public List<LedgerEntry> history(String key) {
        return read("SELECT " + LEDGER_COLUMNS + " FROM " + chute("ledger") + " AS l WHERE l.object_key = @key ORDER BY l.committed_at DESC",
                Map.of("key", QueryParameterValue.string(key)), "status", BigQueryWarehouse::ledgerEntry);
    }

    @Override
    public Optional<FailureRecord> failure(String key) {
        return read(unresolvedFailures() + " AND f.object_key = @key ORDER BY f.last_failed_at DESC LIMIT 1", Map.of("key", QueryParameterValue.string(key)),
                "status", BigQueryWarehouse::failureRecord).stream().findFirst();
    }

    private String loadsSql() {
        return "SELECT load_id, table_name, COUNT(*) AS files, MAX(load_rows) AS rows, SUM(bytes) AS bytes, MIN(committed_at) AS committed_at,"
                + " MAX(duration_ms) AS duration_ms, CAST(NULL AS TIMESTAMP) AS undone_at, CAST(NULL AS TIMESTAMP) AS restored_at FROM " + chute("ledger")
                + " GROUP BY load_id, table_name UNION ALL SELECT load_id, table_name, COUNT(*), MAX(load_rows), SUM(bytes), MIN(committed_at), MAX(duration_ms),"
                + " MAX(undone_at), MAX(restored_at) FROM " + chute("undone") + " GROUP BY load_id, table_name";
    }

    private static LoadSummary loadSummary(FieldValueList r) {
        return new LoadSummary(r.get(0).getStringValue(), TableId.parse(r.get(1).getStringValue()), longOr(r.get(2), 0), longOr(r.get(3), 0), longOr(r.get(4), 0),
                r.get(5).getTimestampInstant(), longOr(r.get(6), 0), optInstant(r.get(7)), optInstant(r.get(8)));
    }

    @Override
    public List<LoadSummary> loads(LoadSummary.Filter filter) {
        List<String> where = new ArrayList<>();
        Map<String, QueryParameterValue> p = new LinkedHashMap<>();
        filter.table().ifPresent(t -> {
            where.add("table_name = @table_name");
            p.put("table_name", QueryParameterValue.string(t.toString()));
        });
        filter.undone().ifPresent(u -> where.add(u ? "undone_at IS NOT NULL" : "undone_at IS NULL"));
        filter.since().ifPresent(t -> {
            where.add("committed_at >= @since");
            p.put("since", QueryParameterValue.timestamp(t.toEpochMilli() * 1000));
        });
        filter.until().ifPresent(t -> {
            where.add("committed_at < @until");
            p.put("until", QueryParameterValue.timestamp(t.toEpochMilli() * 1000));
        });
        p.put("limit", QueryParameterValue.int64((long) filter.limit()));
        String sql = "SELECT * FROM (" + loadsSql() + ")" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY committed_at DESC, load_id LIMIT @limit";
        return read(sql, p, "status", BigQueryWarehouse::loadSummary);
    }

    @Override
    public Optional<LoadSummary> load(String loadId) {
        return read("SELECT * FROM (" + loadsSql() + ") WHERE load_id = @load_id", Map.of("load_id", QueryParameterValue.string(loadId)), "status",
                BigQueryWarehouse::loadSummary).stream().findFirst();
    }

    @Override
    public List<LedgerEntry> loadEntries(String loadId) {
        String columns = "l.object_key, l.checksum, l.table_name, l.load_id, l.rows, l.bytes, l.committed_at, l.duration_ms";
        return read("SELECT " + columns + " FROM " + chute("ledger") + " AS l WHERE l.load_id = @load_id UNION ALL SELECT " + columns + " FROM "
                + chute("undone") + " AS l WHERE l.load_id = @load_id ORDER BY object_key", Map.of("load_id", QueryParameterValue.string(loadId)), "status",
                BigQueryWarehouse::ledgerEntry);
    }

    @Override
    public UndoResult undo(String loadId) {
        Optional<LoadSummary> load = load(loadId);
        if (load.isEmpty() || load.get().undone()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, load.isEmpty() ? "no load " + loadId : "load " + loadId + " is undone already");
        }
        TableId table = load.get().table();
        Optional<TableDetail> detail = describe(table);
        if (detail.isEmpty() || !detail.get().lineage()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "load " + loadId + " cannot be undone: " + table + " has no lineage column " + TableSpec.LOAD_ID_COLUMN);
        }
        List<LedgerEntry> entries = loadEntries(loadId);
        Map<String, QueryParameterValue> p = Map.of("load_id", QueryParameterValue.string(loadId), "table_name", QueryParameterValue.string(table.toString()));
        long rows = read("SELECT COUNT(*) FROM " + qualified(table) + " WHERE " + ident(TableSpec.LOAD_ID_COLUMN) + " = @load_id", p, "undo", r -> r.get(0).getLongValue())
                .getFirst();
        run("BEGIN TRANSACTION;\n"
                + "UPDATE " + chute("commit_locks") + " SET load_id = @load_id, locked_at = CURRENT_TIMESTAMP() WHERE table_name = @table_name;\n"
                + "DELETE FROM " + qualified(table) + " WHERE " + ident(TableSpec.LOAD_ID_COLUMN) + " = @load_id;\n"
                + "INSERT INTO " + chute("undone") + " (object_key, checksum, table_name, load_id, rows, bytes, committed_at, duration_ms, load_rows, undone_at)"
                + " SELECT object_key, checksum, table_name, load_id, rows, bytes, committed_at, duration_ms, load_rows, CURRENT_TIMESTAMP() FROM " + chute("ledger")
                + " WHERE load_id = @load_id;\n"
                + "DELETE FROM " + chute("ledger") + " WHERE load_id = @load_id;\n"
                + "COMMIT TRANSACTION;", p, "undo");
        return new UndoResult(loadId, table, rows, entries);
    }

    @Override
    public void markRestored(String loadId) {
        run("UPDATE " + chute("undone") + " SET restored_at = CURRENT_TIMESTAMP() WHERE load_id = @load_id", Map.of("load_id", QueryParameterValue.string(loadId)),
                "undo");
    }

    @Override
    public List<ThroughputBucket> throughput(Instant since) {
        String sql = "SELECT TIMESTAMP_TRUNC(committed_at, MINUTE) AS minute, COUNT(*), SUM(IFNULL(rows, 0)), SUM(bytes) FROM " + chute("ledger")
                + " WHERE committed_at >= @since GROUP BY minute ORDER BY minute";
        return read(sql, Map.of("since", QueryParameterValue.timestamp(since.toEpochMilli() * 1000)), "status",
                r -> new ThroughputBucket(r.get(0).getTimestampInstant(), longOr(r.get(1), 0), longOr(r.get(2), 0), longOr(r.get(3), 0)));
    }

    @Override
    public Optional<TableDetail> describe(TableId table) {
        Optional<Table> t = getTable(table);
        if (t.isEmpty()) {
            return Optional.empty();
        }
        Schema schema = t.get().getDefinition().getSchema();
        List<QueryResult.Column> columns = schema == null ? List.of()
                : schema.getFields().stream().map(f -> new QueryResult.Column(f.getName(), f.getType().getStandardType().name())).toList();
        boolean lineage = columns.stream().anyMatch(c -> c.name().equals(TableSpec.LOAD_ID_COLUMN));
        long rows = t.get().getNumRows() == null ? 0 : t.get().getNumRows().longValue();
        return Optional.of(new TableDetail(table, columns, rows, lineage));
    }

    @Override
    public QueryResult sample(TableId table, int limit, Duration timeout) {
        return trusted("SELECT * FROM " + qualified(table) + " LIMIT " + Math.max(0, limit), limit, timeout);
    }

    @Override
    public List<ColumnProfile> profile(TableId table, Duration timeout) {
        Optional<TableDetail> detail = describe(table);
        if (detail.isEmpty() || detail.get().columns().isEmpty()) {
            return List.of();
        }
        List<String> parts = new ArrayList<>();
        List<QueryResult.Column> columns = detail.get().columns();
        Set<String> unordered = Set.of("JSON", "STRUCT", "ARRAY", "GEOGRAPHY", "RANGE", "INTERVAL");
        for (QueryResult.Column c : columns) {
            String col = ident(c.name());
            boolean ordered = !unordered.contains(c.type());
            parts.add("COUNTIF(" + col + " IS NULL)");
            // exact, not APPROX_COUNT_DISTINCT: BigQuery bills the bytes of the columns read, the same for both (issue 13);
            // a type that cannot be grouped (JSON, ARRAY, GEOGRAPHY) is counted by its JSON text
            parts.add(ordered ? "COUNT(DISTINCT " + col + ")" : "COUNT(DISTINCT IF(" + col + " IS NULL, NULL, TO_JSON_STRING(" + col + ")))");
            parts.add(ordered ? "CAST(MIN(" + col + ") AS STRING)" : "CAST(NULL AS STRING)");
            parts.add(ordered ? "CAST(MAX(" + col + ") AS STRING)" : "CAST(NULL AS STRING)");
        }
        QueryResult r = trusted("SELECT " + String.join(", ", parts) + " FROM " + qualified(table), 1, timeout);
        List<ColumnProfile> out = new ArrayList<>();
        List<Object> row = r.rows().getFirst();
        for (int i = 0; i < columns.size(); i++) {
            out.add(new ColumnProfile(columns.get(i).name(), columns.get(i).type(), toLong(row.get(4 * i)), toLong(row.get(4 * i + 1)), java.util.OptionalDouble.empty(),
                    Optional.ofNullable((String) row.get(4 * i + 2)), Optional.ofNullable((String) row.get(4 * i + 3))));
        }
        return out;
    }

    @Override
    public LineagePage lineage(TableId table, long offset, int limit) {
        Optional<TableDetail> detail = describe(table);
        if (detail.isEmpty() || !detail.get().lineage()) {
            return new LineagePage(List.of(), offset, 0);
        }
        // rows of a multi-file load job carry no source key (a load job does not say which file a row came from)
        String groups = "SELECT IFNULL(" + ident(TableSpec.SOURCE_COLUMN) + ", CONCAT('(one of the files of load ', " + ident(TableSpec.LOAD_ID_COLUMN) + ", ')')) AS source, "
                + ident(TableSpec.LOAD_ID_COLUMN) + " AS load_id, COUNT(*) AS row_count, MAX(" + ident(TableSpec.LOADED_AT_COLUMN) + ") AS loaded_at FROM " + qualified(table)
                + " GROUP BY 1, 2";
        List<LineageSource> sources = read(groups + " ORDER BY loaded_at DESC, 1, 2 LIMIT @limit OFFSET @offset",
                Map.of("limit", QueryParameterValue.int64((long) limit), "offset", QueryParameterValue.int64(Math.max(0, offset))), "status",
                r -> new LineageSource(r.get(0).getStringValue(), r.get(1).getStringValue(), r.get(2).getLongValue(), r.get(3).getTimestampInstant()));
        long total = read("SELECT COUNT(*) FROM (" + groups + ")", Map.of(), "status", r -> r.get(0).getLongValue()).stream().findFirst().orElse(0L);
        return new LineagePage(sources, offset, total);
    }

    @Override
    public void ping() {
        try {
            if (bigquery.getDataset(CHUTE) == null) {
                throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "dataset " + CHUTE + " of project " + project + " is missing");
            }
        } catch (BigQueryException e) {
            throw unavailable("BigQuery does not answer", e);
        }
    }

    @Override
    public void close() {
        // the client holds no resources that need closing
    }

    /** A query of Chute's own (not user SQL): no dry run, the bytes limit still applies. */
    private QueryResult trusted(String sql, int maxRows, Duration timeout) {
        QueryJobConfiguration config = QueryJobConfiguration.newBuilder(sql).setUseLegacySql(false).setMaximumBytesBilled(settings.maxBytesBilled())
                .setJobTimeoutMs(timeout.toMillis()).setLabels(Map.of(OP_LABEL, "status")).build();
        return result(jobs.runOnce("chute_read", config), maxRows, Long.MAX_VALUE);
    }

    private void run(String sql, Map<String, QueryParameterValue> params, String op) {
        Job job = jobs.runOnce("chute_" + op, QueryJobConfiguration.newBuilder(sql).setUseLegacySql(false).setNamedParameters(params)
                .setLabels(Map.of(OP_LABEL, op)).build());
        BigQueryError error = job.getStatus().getError();
        if (error != null) {
            throw new ChuteException(BigQueryLoadErrors.transientReason(error.getReason(), error.getMessage()) ? ErrorCode.WAREHOUSE_UNAVAILABLE : ErrorCode.INTERNAL,
                    op + " query failed: " + error.getReason() + ": " + error.getMessage());
        }
    }

    private Iterable<FieldValueList> rows(String sql, Map<String, QueryParameterValue> params, String op) {
        Job job = jobs.runOnce("chute_" + op, QueryJobConfiguration.newBuilder(sql).setUseLegacySql(false).setNamedParameters(params)
                .setLabels(Map.of(OP_LABEL, op)).build());
        BigQueryError error = job.getStatus().getError();
        if (error != null) {
            throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, op + " query failed: " + error.getReason() + ": " + error.getMessage());
        }
        try {
            return job.getQueryResults().iterateAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "interrupted while reading " + op + " results", e);
        } catch (BigQueryException e) {
            throw unavailable("cannot read " + op + " results", e);
        }
    }

    private <T> List<T> read(String sql, Map<String, QueryParameterValue> params, String op, Function<FieldValueList, T> map) {
        List<T> out = new ArrayList<>();
        try {
            // further pages are fetched while iterating
            for (FieldValueList r : rows(sql, params, op)) {
                out.add(map.apply(r));
            }
        } catch (BigQueryException e) {
            throw unavailable("cannot read " + op + " results", e);
        }
        return out;
    }

    private String chute(String table) {
        return quote(project + "." + CHUTE + "." + table);
    }

    private String qualified(TableId table) {
        return quote(project + "." + table.dataset() + "." + table.table());
    }

    private static String quote(String path) {
        return ident(path);
    }

    /**
     * A name as a GoogleSQL quoted identifier, always quoted (BigQuery adds reserved keywords over
     * time): enclosed in backticks, with the escape sequences of string literals, which quoted
     * identifiers share (the lexical structure page of BigQuery's SQL reference): a backslash and a
     * backtick escaped with a backslash, line ends and tabs as {@code \n}, {@code \r}, {@code \t}
     * (a quoted identifier cannot hold a raw line end), other control characters as {@code \}{@code uhhhh}.
     */
    static String ident(String name) {
        StringBuilder out = new StringBuilder(name.length() + 2).append('`');
        name.chars().forEach(ch -> {
            switch (ch) {
                case '\\' -> out.append("\\\\");
                case '`' -> out.append("\\`");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(ch)) {
                        out.append(String.format("\\u%04x", ch));
                    } else {
                        out.append((char) ch);
                    }
                }
            }
        });
        return out.append('`').toString();
    }

    private static QueryParameterValue strings(List<String> values) {
        return QueryParameterValue.array(values.toArray(String[]::new), StandardSQLTypeName.STRING);
    }

    private static long longOr(FieldValue v, long fallback) {
        return v == null || v.isNull() ? fallback : v.getLongValue();
    }

    private static long toLong(Object o) {
        return o instanceof Number n ? n.longValue() : o == null ? 0 : new BigDecimal(o.toString()).longValue();
    }

    private static Optional<String> optString(FieldValue v) {
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.getStringValue());
    }

    private static Optional<Instant> optInstant(FieldValue v) {
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.getTimestampInstant());
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    static ChuteException unavailable(String what, BigQueryException e) {
        String reason = e.getReason() == null ? "" : e.getReason();
        ErrorCode code = e.getCode() == 400 && reason.equals("invalid") ? ErrorCode.CONFIGURATION
                : e.getCode() == 404 ? ErrorCode.CONFIGURATION : ErrorCode.WAREHOUSE_UNAVAILABLE;
        return new ChuteException(code, what + ": " + e.getCode() + " " + reason + ": " + e.getMessage(), e);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
