package dev.chute.bigquery;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ConnectorKey;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.TableId;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code warehouse:} section for {@code type: bigquery}, validated. Every key is described in
 * {@code docs/bigquery.md}.
 *
 * @param project the project that runs the jobs and holds the datasets; by default the credentials' or the environment's
 * @param location the location of the datasets and jobs ({@code US}, {@code EU}, {@code europe-west1}, ...)
 * @param stagingDataset the dataset of the per-batch staging tables
 * @param endpoint root URL instead of {@code https://bigquery.googleapis.com}; plain {@code http} is reached without credentials
 * @param credentialsFile a service account key file instead of Application Default Credentials
 * @param maxBytesBilled the most bytes one console query may bill; a query over it fails instead of running
 * @param jobTimeout how long one load or commit waits for its job before giving up for now (the job keeps running and is picked up again)
 * @param maxFilesPerJob most source URIs in one load job
 * @param partitioning time partitioning per table: {@code DAY}, {@code HOUR}, {@code MONTH} or {@code YEAR} and a column (empty: ingestion time)
 * @param clustering clustering columns per table (at most four)
 * @param storageEndpoint root URL instead of {@code https://storage.googleapis.com} for reading the first line of CSV objects
 *     (header detection); plain {@code http} is reached without credentials
 */
public record BigQuerySettings(Optional<String> project, String location, String stagingDataset, Optional<URI> endpoint, Optional<Path> credentialsFile,
                               long maxBytesBilled, Duration jobTimeout, int maxFilesPerJob, Map<TableId, Partitioning> partitioning,
                               Map<TableId, List<String>> clustering, Optional<URI> storageEndpoint) {
    /** BigQuery's documented limit of source URIs in one load job. */
    public static final int MAX_URIS_PER_LOAD_JOB = 10_000;

    private static final String SECTION = "warehouse";
    static final ConnectorKey<String> PROJECT_KEY = ConnectorKey.text("project", "a project id", Optional.empty(),
            "the project that runs the jobs and holds the datasets; by default the credentials' or the environment's");
    static final ConnectorKey<String> LOCATION = ConnectorKey.string("location", "US", "the location of the datasets and jobs");
    static final ConnectorKey<String> STAGING_DATASET = ConnectorKey.string("staging_dataset", "_chute_staging", "the dataset of the per-batch staging tables");
    static final ConnectorKey<String> ENDPOINT = ConnectorKey.text("endpoint", "http://host:port or https://host[:port]", Optional.empty(),
            "root URL instead of https://bigquery.googleapis.com");
    static final ConnectorKey<String> CREDENTIALS_FILE = ConnectorKey.text("credentials_file", "a file in the home", Optional.empty(),
            "a service account key file instead of Application Default Credentials");
    static final ConnectorKey<Long> MAX_BYTES_BILLED = ConnectorKey.bytes("max_bytes_billed", "10GB", 1, Long.MAX_VALUE,
            "the most bytes one console query may bill");
    static final ConnectorKey<Duration> JOB_TIMEOUT = ConnectorKey.duration("job_timeout", "5m", Duration.ofSeconds(1), Duration.ofHours(6),
            "how long one load or commit waits for its job before giving up for now");
    static final ConnectorKey<Integer> MAX_FILES_PER_JOB = ConnectorKey.integer("max_files_per_job", 1000, 1, MAX_URIS_PER_LOAD_JOB,
            "most source URIs in one load job");
    static final ConnectorKey<String> TIME_PARTITIONING = ConnectorKey.text("time_partitioning", "entries 'dataset.table=DAY(column)' separated by ';'",
            Optional.empty(), "time partitioning per table");
    static final ConnectorKey<String> CLUSTERING = ConnectorKey.text("clustering", "entries 'dataset.table=col1,col2' separated by ';'",
            Optional.empty(), "clustering columns per table (at most four)");
    static final ConnectorKey<String> STORAGE_ENDPOINT = ConnectorKey.text("storage_endpoint", "http://host:port or https://host[:port]",
            Optional.empty(), "root URL instead of https://storage.googleapis.com for reading the first line of CSV objects");
    /** Every key of the section besides {@code type}, declared once. */
    static final List<ConnectorKey<?>> DECLARED = List.of(PROJECT_KEY, LOCATION, STAGING_DATASET, ENDPOINT, CREDENTIALS_FILE, MAX_BYTES_BILLED,
            JOB_TIMEOUT, MAX_FILES_PER_JOB, TIME_PARTITIONING, CLUSTERING, STORAGE_ENDPOINT);
    /** The keys of the section besides {@code type}. */
    public static final Set<String> KEYS = ConnectorKey.names(DECLARED);

    private static final Pattern PROJECT = Pattern.compile("([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]");
    private static final Pattern PARTITION = Pattern.compile("(DAY|HOUR|MONTH|YEAR)(?:\\(([A-Za-z_][A-Za-z0-9_]*)?\\))?");

    /** Time partitioning of one table; an empty column means ingestion-time partitioning. */
    public record Partitioning(String type, Optional<String> column) {
        public Partitioning {
            requireNonNull(type, "type is null");
            requireNonNull(column, "column is null");
        }
    }

    public BigQuerySettings {
        requireNonNull(project, "project is null");
        requireNonNull(location, "location is null");
        requireNonNull(stagingDataset, "stagingDataset is null");
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(credentialsFile, "credentialsFile is null");
        requireNonNull(jobTimeout, "jobTimeout is null");
        partitioning = Map.copyOf(partitioning);
        clustering = Map.copyOf(clustering);
        requireNonNull(storageEndpoint, "storageEndpoint is null");
    }

    /** Reads and validates the section; errors name the key, the value and what is allowed. */
    public static BigQuerySettings from(ConnectorContext context) {
        context.requireKnown("warehouse", KEYS);
        Optional<String> project = context.value(SECTION, PROJECT_KEY).filter(p -> !p.isEmpty());
        if (project.isPresent() && !PROJECT.matcher(project.get()).matches()) {
            throw ConnectorContext.invalid("warehouse", "project", project.get(), "a project id: 6-30 lower-case letters, digits and hyphens, starting with a letter");
        }
        String location = context.require(SECTION, LOCATION);
        if (!location.matches("[A-Za-z0-9-]{2,40}")) {
            throw ConnectorContext.invalid("warehouse", "location", location, "a BigQuery location such as US, EU or europe-west1");
        }
        String staging = context.require(SECTION, STAGING_DATASET);
        if (!TableId.isIdentifier(staging) || staging.equals(TableId.RESERVED_DATASET)) {
            throw ConnectorContext.invalid("warehouse", "staging_dataset", staging, "a dataset name [A-Za-z_][A-Za-z0-9_]* other than _chute");
        }
        Optional<URI> endpoint = context.value(SECTION, ENDPOINT).filter(e -> !e.isEmpty()).map(e -> endpoint("endpoint", e));
        Optional<URI> storageEndpoint = context.value(SECTION, STORAGE_ENDPOINT).filter(e -> !e.isEmpty()).map(e -> endpoint("storage_endpoint", e));
        Optional<Path> credentials = context.value(SECTION, CREDENTIALS_FILE).filter(e -> !e.isEmpty()).map(f -> context.home().resolve(f));
        long maxBytes = context.require(SECTION, MAX_BYTES_BILLED);
        Duration timeout = context.require(SECTION, JOB_TIMEOUT);
        int maxFiles = context.require(SECTION, MAX_FILES_PER_JOB);
        Map<TableId, Partitioning> partitioning = new HashMap<>();
        perTable(context, TIME_PARTITIONING.name()).forEach((table, value) -> {
            Matcher m = PARTITION.matcher(value);
            if (!m.matches()) {
                throw ConnectorContext.invalid("warehouse", "time_partitioning", value, "DAY, HOUR, MONTH or YEAR with an optional column, such as DAY(action_time)");
            }
            partitioning.put(table, new Partitioning(m.group(1), Optional.ofNullable(m.group(2))));
        });
        Map<TableId, List<String>> clustering = new HashMap<>();
        perTable(context, CLUSTERING.name()).forEach((table, value) -> {
            List<String> columns = List.of(value.split(","));
            columns = columns.stream().map(String::trim).toList();
            if (columns.isEmpty() || columns.size() > 4 || !columns.stream().allMatch(TableId::isIdentifier)) {
                throw ConnectorContext.invalid("warehouse", "clustering", value, "one to four column names separated by commas, such as action,customer_email");
            }
            clustering.put(table, columns);
        });
        return new BigQuerySettings(project, location, staging, endpoint, credentials, maxBytes, timeout, maxFiles, partitioning, clustering, storageEndpoint);
    }

    /** Whether the endpoint is plain HTTP (a test server), reached without credentials. */
    public boolean anonymous() {
        return endpoint.map(e -> e.getScheme().equals("http")).orElse(false);
    }

    /** Whether the Cloud Storage endpoint is plain HTTP (a test server or emulator), reached without credentials. */
    public boolean storageAnonymous() {
        return storageEndpoint.map(e -> e.getScheme().equals("http")).orElse(false);
    }

    /** {@code dataset.table=VALUE; dataset.table=VALUE} -> map. */
    private static Map<TableId, String> perTable(ConnectorContext context, String key) {
        Map<TableId, String> out = new HashMap<>();
        Optional<String> text = context.setting(key).map(String::trim).filter(v -> !v.isEmpty());
        if (text.isEmpty()) {
            return out;
        }
        for (String part : text.get().split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw ConnectorContext.invalid("warehouse", key, text.get(), "entries 'dataset.table=VALUE' separated by ';'");
            }
            TableId table;
            try {
                table = TableId.parse(part.substring(0, eq).trim());
            } catch (ChuteException e) {
                throw ConnectorContext.invalid("warehouse", key, text.get(), "entries 'dataset.table=VALUE' separated by ';' (" + e.getMessage() + ")");
            }
            out.put(table, part.substring(eq + 1).trim());
        }
        return out;
    }

    private static URI endpoint(String key, String value) {
        String expected = "http://host:port or https://host[:port] without a path";
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw ConnectorContext.invalid("warehouse", key, value, expected);
        }
        boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
        boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")) && uri.getRawQuery() == null;
        if (!web || uri.getHost() == null || !bare) {
            throw ConnectorContext.invalid("warehouse", key, value, expected);
        }
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
    }

    static ChuteException configuration(String message) {
        return new ChuteException(ErrorCode.CONFIGURATION, message);
    }
}
