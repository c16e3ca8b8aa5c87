package dev.chute.testkit.bigquery;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of the BigQuery REST API (v2) that Chute uses, served on 127.0.0.1 for tests. BigQuery
 * cannot be reached from where the tests run, so this server answers request/response pairs written
 * from the API reference; it is <em>not</em> an emulator: it runs no SQL and reads no Cloud Storage.
 * What it does:
 * <ul>
 *   <li>records every request ({@link #requests()}), and answers 501 to anything it does not know,
 *       so a client that starts calling something new fails clearly;</li>
 *   <li>{@code jobs.insert}: stores the job (state {@code PENDING}); a job id already used answers
 *       HTTP 409 with reason {@code duplicate} and status {@code ALREADY_EXISTS}, as the reference
 *       says for jobs.insert; a {@code dryRun} query answers at once with
 *       {@code statistics.query.statementType} (see {@link #statementType});</li>
 *   <li>{@code jobs.get}: each call moves the job one state on, {@code PENDING -> RUNNING -> DONE}
 *       (a job {@link #hold held} by the test stays {@code RUNNING} until released); when it gets to
 *       {@code DONE} its outcome is decided: the errors a test registered for a load URI
 *       ({@link #failLoads}), or the answer of the first matching {@link QueryRule} for a query;</li>
 *   <li>{@code jobs.getQueryResults} ({@code GET .../queries/{jobId}}) and {@code tabledata.list} of
 *       the job's anonymous destination table serve the answer's rows, with {@code jobComplete:false}
 *       while the job runs; {@code jobs.query} runs a query job to completion at once;</li>
 *   <li>{@code tables.get/insert/patch/delete} and {@code datasets.get/insert} keep table and dataset
 *       resources (schema, partitioning, clustering) as sent; a load job creates its destination
 *       table from its {@code schema} ({@code CREATE_IF_NEEDED}) or, with {@code autodetect}, from the
 *       schema the test gave for its URIs ({@link #detectedSchema}), and adds fields under
 *       {@code ALLOW_FIELD_ADDITION}.</li>
 * </ul>
 * Int64 values are JSON strings and times are epoch milliseconds as strings, as in the reference.
 */
public final class BigQueryContractServer implements AutoCloseable {
    /** A request as received: method, path below {@code /bigquery/v2}, query parameters and JSON body (empty object if none). */
    public record Request(String method, String path, Map<String, String> query, JsonNode body) {
        public Request {
            requireNonNull(method, "method is null");
            requireNonNull(path, "path is null");
            query = Map.copyOf(query);
            requireNonNull(body, "body is null");
        }
    }

    /** A request with the HTTP status it was answered with (409 for a job id already used, 404, ...). */
    public record Answered(Request request, int status) {
        public Answered {
            requireNonNull(request, "request is null");
        }

        /** The {@code jobReference.jobId} of a {@code jobs.insert} request; empty for other requests. */
        public Optional<String> insertedJobId() {
            boolean insert = request.method().equals("POST") && request.path().endsWith("/jobs");
            String id = request.body().path("jobReference").path("jobId").asText("");
            return insert && !id.isEmpty() ? Optional.of(id) : Optional.empty();
        }
    }

    /** What a query job answers once it is done: result schema fields and rows (values as text or null), or an error. */
    public record QueryAnswer(List<Map<String, String>> fields, List<List<String>> rows, Optional<JobError> error, Optional<String> statementType) {
        public QueryAnswer {
            fields = List.copyOf(fields);
            rows = List.copyOf(rows);
            requireNonNull(error, "error is null");
            requireNonNull(statementType, "statementType is null");
        }

        /** Rows of STRING-typed or typed columns: {@code columns} as {@code name:TYPE}. */
        public static QueryAnswer rows(List<String> columns, List<List<String>> rows) {
            List<Map<String, String>> fields = new ArrayList<>();
            for (String c : columns) {
                int colon = c.indexOf(':');
                fields.add(Map.of("name", colon < 0 ? c : c.substring(0, colon), "type", colon < 0 ? "STRING" : c.substring(colon + 1)));
            }
            return new QueryAnswer(fields, rows, Optional.empty(), Optional.empty());
        }

        /** A script or DML statement that returns no rows. */
        public static QueryAnswer done() {
            return new QueryAnswer(List.of(), List.of(), Optional.empty(), Optional.empty());
        }

        public static QueryAnswer failed(JobError error) {
            return new QueryAnswer(List.of(), List.of(), Optional.of(error), Optional.empty());
        }
    }

    /**
     * One entry of a job's {@code errors[]} (the first one is also its {@code errorResult}).
     *
     * @param reason an error reason from the reference's error table: {@code invalid}, {@code backendError}, ...
     * @param location where the error is, such as the {@code gs://} URI of a load's source file; may be empty
     */
    public record JobError(String reason, String location, String message) {
        public JobError {
            requireNonNull(reason, "reason is null");
            requireNonNull(location, "location is null");
            requireNonNull(message, "message is null");
        }
    }

    /**
     * Answers query jobs whose resource matches; {@code answer} gets the job resource (its
     * {@code jobReference} and {@code configuration.query}) and runs once, when the job turns DONE.
     */
    public record QueryRule(Predicate<JsonNode> matches, Function<JsonNode, QueryAnswer> answer) {
        public QueryRule {
            requireNonNull(matches, "matches is null");
            requireNonNull(answer, "answer is null");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,1024}");
    private static final String BASE = "/bigquery/v2/projects/";

    private final String project;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Answered> answered = new CopyOnWriteArrayList<>();
    private final List<String> unknown = new CopyOnWriteArrayList<>();
    private final List<JsonNode> accepted = new CopyOnWriteArrayList<>();
    private final Map<String, ObjectNode> jobs = new ConcurrentHashMap<>();
    private final Map<String, QueryAnswer> answers = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> tables = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> datasets = new ConcurrentHashMap<>();
    private final Map<String, List<JobError>> loadFailures = new ConcurrentHashMap<>();
    private final Map<String, Long> uriRows = new ConcurrentHashMap<>();
    private final Map<String, ArrayNode> detected = new ConcurrentHashMap<>();
    private final List<QueryRule> rules = new CopyOnWriteArrayList<>();
    private final List<Predicate<JsonNode>> holds = new CopyOnWriteArrayList<>();
    private final List<Map.Entry<Predicate<JsonNode>, JobError>> failOnce = new CopyOnWriteArrayList<>();
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final Object lock = new Object();

    private BigQueryContractServer(String project) throws IOException {
        this.project = requireNonNull(project, "project is null");
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "bigquery-contract-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a server for {@code project} on a free loopback port. */
    public static BigQueryContractServer start(String project) {
        try {
            return new BigQueryContractServer(project);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot start the BigQuery contract server", e);
        }
    }

    /** The root URL to give the client as its host ({@code http://127.0.0.1:PORT}). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String project() {
        return project;
    }

    /** Every request so far, in arrival order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every request so far with the status it was answered with, in the order the answers were decided. */
    public List<Answered> answered() {
        return List.copyOf(answered);
    }

    /** Requests the server did not recognise (answered 501). */
    public List<String> unknownRequests() {
        return List.copyOf(unknown);
    }

    /** The bodies of accepted {@code jobs.insert} calls, in order (those answered 409, and dry runs, are in {@link #requests()} only). */
    public List<JsonNode> insertedJobs() {
        return List.copyOf(accepted);
    }

    /** The job resource as the server holds it now. */
    public Optional<JsonNode> job(String jobId) {
        return Optional.ofNullable(jobs.get(jobId)).map(JsonNode::deepCopy);
    }

    /** The table resource, {@code dataset.table}, as the server holds it now. */
    public Optional<JsonNode> table(String dataset, String table) {
        return Optional.ofNullable(tables.get(dataset + "." + table)).map(JsonNode::deepCopy);
    }

    /** Adds a dataset as if it had been created before. */
    public void createDataset(String dataset) {
        datasets.put(dataset, datasetResource(dataset, "US"));
    }

    /** Answers query jobs matching {@code rule}; the first matching rule wins, later ones are asked first. */
    public void answer(QueryRule rule) {
        rules.addFirst(requireNonNull(rule, "rule is null"));
    }

    /** Keeps jobs whose body matches {@code which} in RUNNING until {@link #release()}. */
    public void hold(Predicate<JsonNode> which) {
        holds.add(requireNonNull(which, "which is null"));
    }

    /** Lets held jobs finish. */
    public void release() {
        holds.clear();
    }

    /** The next job matching {@code which} finishes DONE with {@code error} (a transient backend error, an aborted transaction...). */
    public void failOnce(Predicate<JsonNode> which, JobError error) {
        failOnce.add(new java.util.AbstractMap.SimpleImmutableEntry<>(requireNonNull(which, "which is null"), requireNonNull(error, "error is null")));
    }

    /** Load jobs that include {@code uri} finish DONE with these errors (a load job fails as a whole). */
    public void failLoads(String uri, List<JobError> errors) {
        loadFailures.put(uri, List.copyOf(errors));
    }

    /** How many rows the object at {@code uri} holds; a load job's {@code outputRows} is the sum over its URIs (0 if not given). */
    public void rows(String uri, long rows) {
        uriRows.put(uri, rows);
    }

    /** The schema BigQuery would detect for {@code uri} ({@code name:TYPE}); used by autodetect loads. */
    public void detectedSchema(String uri, List<String> columns) {
        ArrayNode fields = JSON.createArrayNode();
        for (String c : columns) {
            int colon = c.indexOf(':');
            fields.addObject().put("name", c.substring(0, colon)).put("type", c.substring(colon + 1)).put("mode", "NULLABLE");
        }
        detected.put(uri, fields);
    }

    /**
     * The statement type a dry run reports, from the first keyword of the SQL. BigQuery parses the
     * statement; this server only reads its first keyword, which is enough for the values the
     * reference lists ({@code SELECT}, {@code INSERT}, {@code UPDATE}, {@code DELETE}, {@code MERGE},
     * {@code CREATE_TABLE}, {@code DROP_TABLE}, {@code SCRIPT}, ...) for single statements; several
     * statements (a {@code ;} before the end) are a {@code SCRIPT}.
     */
    public static String statementType(String sql) {
        String trimmed = sql.strip();
        if (trimmed.endsWith(";")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.contains(";")) {
            return "SCRIPT";
        }
        Matcher m = Pattern.compile("^\\s*(\\w+)(\\s+(\\w+))?").matcher(trimmed);
        if (!m.find()) {
            return "SELECT";
        }
        String first = m.group(1).toUpperCase(Locale.ROOT);
        String second = m.group(3) == null ? "" : m.group(3).toUpperCase(Locale.ROOT);
        return switch (first) {
            case "SELECT", "WITH" -> "SELECT";
            case "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE" -> first.equals("TRUNCATE") ? "TRUNCATE_TABLE" : first;
            case "CREATE" -> second.equals("TABLE") || second.equals("OR") ? "CREATE_TABLE" : "CREATE_" + second;
            case "DROP" -> "DROP_" + second;
            case "ALTER" -> "ALTER_" + second;
            case "EXPORT" -> "EXPORT_DATA";
            case "CALL" -> "CALL";
            default -> "SCRIPT";
        };
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            // the Google HTTP client sends PATCH as POST with this header (HttpURLConnection has no PATCH)
            String override = exchange.getRequestHeaders().getFirst("X-HTTP-Method-Override");
            String method = override != null ? override.toUpperCase(Locale.ROOT) : exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            Map<String, String> query = parseQuery(exchange.getRequestURI().getRawQuery());
            byte[] raw;
            // the Google HTTP client gzips request bodies (Content-Encoding: gzip)
            boolean gzip = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
            try (InputStream in = gzip ? new java.util.zip.GZIPInputStream(exchange.getRequestBody()) : exchange.getRequestBody()) {
                raw = in.readAllBytes();
            }
            JsonNode body = raw.length == 0 ? JSON.createObjectNode() : JSON.readTree(raw);
            Request request = new Request(method, path, query, body);
            requests.add(request);
            Reply reply;
            synchronized (lock) {
                reply = route(method, path, query, body);
            }
            if (reply == null) {
                unknown.add(method + " " + path);
                reply = error(501, "notImplemented", "NOT_IMPLEMENTED", "the contract server does not know " + method + " " + path);
            }
            answered.add(new Answered(request, reply.status));
            byte[] out = reply.body == null ? new byte[0] : JSON.writeValueAsBytes(reply.body);
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
            exchange.sendResponseHeaders(reply.status, reply.status == 204 ? -1 : out.length);
            if (reply.status != 204) {
                exchange.getResponseBody().write(out);
            }
        } catch (RuntimeException | IOException e) {
            // a bug of this server: answered 500 and kept, so that a test sees it
            unknown.add("server error: " + e);
            e.printStackTrace();
            exchange.sendResponseHeaders(500, -1);
        }
    }

    private record Reply(int status, JsonNode body) {
    }

    private Reply route(String method, String path, Map<String, String> query, JsonNode body) {
        String prefix = BASE + project + "/";
        if (!path.startsWith(prefix)) {
            return null;
        }
        String[] p = path.substring(prefix.length()).split("/");
        for (int i = 0; i < p.length; i++) {
            p[i] = URLDecoder.decode(p[i], StandardCharsets.UTF_8);
        }
        if (p[0].equals("jobs")) {
            if (p.length == 1 && method.equals("POST")) {
                return insertJob(body);
            }
            if (p.length == 2 && method.equals("GET")) {
                return getJob(p[1]);
            }
        } else if (p[0].equals("queries")) {
            if (p.length == 1 && method.equals("POST")) {
                return syncQuery(body);
            }
            if (p.length == 2 && method.equals("GET")) {
                return queryResults(p[1], query);
            }
        } else if (p[0].equals("datasets")) {
            if (p.length == 1 && method.equals("POST")) {
                String id = body.path("datasetReference").path("datasetId").asText();
                if (datasets.containsKey(id)) {
                    return error(409, "duplicate", "ALREADY_EXISTS", "Already Exists: Dataset " + project + ":" + id);
                }
                ObjectNode ds = datasetResource(id, body.path("location").asText("US"));
                datasets.put(id, ds);
                return new Reply(200, ds);
            }
            if (p.length == 2 && method.equals("GET")) {
                ObjectNode ds = datasets.get(p[1]);
                return ds == null ? error(404, "notFound", "NOT_FOUND", "Not found: Dataset " + project + ":" + p[1]) : new Reply(200, ds);
            }
            if (p.length >= 3 && p[2].equals("tables")) {
                return routeTables(method, p, query, body);
            }
        }
        return null;
    }

    private Reply routeTables(String method, String[] p, Map<String, String> query, JsonNode body) {
        String dataset = p[1];
        if (p.length == 5 && p[4].equals("data") && method.equals("GET") && answers.containsKey(dataset + "." + p[3])) {
            // the anonymous result table of a query job
            return tableData(dataset + "." + p[3], query);
        }
        if (!datasets.containsKey(dataset)) {
            return error(404, "notFound", "NOT_FOUND", "Not found: Dataset " + project + ":" + dataset);
        }
        if (p.length == 3 && method.equals("POST")) {
            String id = body.path("tableReference").path("tableId").asText();
            String key = dataset + "." + id;
            if (tables.containsKey(key)) {
                return error(409, "duplicate", "ALREADY_EXISTS", "Already Exists: Table " + project + ":" + key);
            }
            ObjectNode table = tableResource(dataset, id, body);
            tables.put(key, table);
            return new Reply(200, table);
        }
        if (p.length < 4) {
            return null;
        }
        String key = dataset + "." + p[3];
        ObjectNode table = tables.get(key);
        if (p.length == 5 && p[4].equals("data") && method.equals("GET")) {
            return tableData(key, query);
        }
        if (p.length != 4) {
            return null;
        }
        if (table == null) {
            return error(404, "notFound", "NOT_FOUND", "Not found: Table " + project + ":" + key);
        }
        return switch (method) {
            case "GET" -> new Reply(200, table);
            case "DELETE" -> {
                tables.remove(key);
                yield new Reply(204, null);
            }
            case "PATCH", "PUT" -> patchTable(table, body);
            default -> null;
        };
    }

    private Reply patchTable(ObjectNode table, JsonNode body) {
        if (body.has("schema")) {
            // the reference: a patch may only add NULLABLE/REPEATED fields or relax REQUIRED to NULLABLE
            ArrayNode old = (ArrayNode) table.path("schema").path("fields");
            ArrayNode neu = (ArrayNode) body.path("schema").path("fields");
            for (JsonNode f : old) {
                boolean kept = false;
                for (JsonNode g : neu) {
                    if (g.path("name").asText().equalsIgnoreCase(f.path("name").asText())) {
                        kept = true;
                        if (!g.path("type").asText().equals(f.path("type").asText())) {
                            return error(400, "invalid", "INVALID_ARGUMENT", "Provided Schema does not match Table " + table.path("id").asText()
                                    + ". Field " + f.path("name").asText() + " has changed type from " + f.path("type").asText() + " to " + g.path("type").asText());
                        }
                    }
                }
                if (!kept) {
                    return error(400, "invalid", "INVALID_ARGUMENT", "Provided Schema does not match Table " + table.path("id").asText() + ". Cannot add fields (field: "
                            + f.path("name").asText() + " missing)");
                }
            }
            table.set("schema", body.path("schema").deepCopy());
        }
        for (String field : List.of("description", "labels", "expirationTime", "clustering")) {
            if (body.has(field)) {
                table.set(field, body.get(field).deepCopy());
            }
        }
        table.put("lastModifiedTime", Long.toString(clock.incrementAndGet()));
        return new Reply(200, table);
    }

    private Reply tableData(String key, Map<String, String> query) {
        QueryAnswer answer = answers.get(key);
        if (answer == null) {
            return error(404, "notFound", "NOT_FOUND", "Not found: Table " + project + ":" + key);
        }
        int start = Integer.parseInt(query.getOrDefault("pageToken", query.getOrDefault("startIndex", "0")));
        int max = Integer.parseInt(query.getOrDefault("maxResults", "100000"));
        ObjectNode out = JSON.createObjectNode();
        out.put("kind", "bigquery#tableDataList");
        out.put("totalRows", Integer.toString(answer.rows().size()));
        out.set("rows", rowsJson(answer.rows(), start, max));
        if (start + max < answer.rows().size()) {
            out.put("pageToken", Integer.toString(start + max));
        }
        return new Reply(200, out);
    }

    private Reply insertJob(JsonNode body) {
        ObjectNode job = body.deepCopy();
        ObjectNode ref = job.withObjectProperty("jobReference");
        if (!ref.has("jobId")) {
            ref.put("jobId", "job_" + Long.toString(clock.incrementAndGet(), 36));
        }
        String jobId = ref.path("jobId").asText();
        if (!JOB_ID.matcher(jobId).matches()) {
            return error(400, "invalid", "INVALID_ARGUMENT", "Invalid job ID \"" + jobId + "\". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.");
        }
        ref.put("projectId", project);
        if (!ref.has("location")) {
            ref.put("location", "US");
        }
        JsonNode config = job.path("configuration");
        if (config.path("dryRun").asBoolean()) {
            String sql = config.path("query").path("query").asText();
            ObjectNode stats = job.putObject("statistics");
            stats.put("creationTime", Long.toString(clock.incrementAndGet()));
            stats.put("totalBytesProcessed", "0");
            stats.putObject("query").put("statementType", statementType(sql)).put("totalBytesProcessed", "0");
            job.putObject("status").put("state", "DONE");
            return new Reply(200, job);
        }
        if (jobs.containsKey(jobId)) {
            return error(409, "duplicate", "ALREADY_EXISTS", "Already Exists: Job " + project + ":" + ref.path("location").asText() + "." + jobId);
        }
        job.put("kind", "bigquery#job");
        job.put("id", project + ":" + ref.path("location").asText() + "." + jobId);
        job.put("selfLink", endpoint() + BASE + project + "/jobs/" + jobId + "?location=" + ref.path("location").asText());
        job.put("user_email", "chute-test@" + project + ".iam.gserviceaccount.com");
        job.withObjectProperty("configuration").put("jobType", config.has("load") ? "LOAD" : config.has("query") ? "QUERY" : "UNKNOWN");
        job.putObject("status").put("state", "PENDING");
        job.putObject("statistics").put("creationTime", Long.toString(clock.incrementAndGet()));
        jobs.put(jobId, job);
        accepted.add(body.deepCopy());
        return new Reply(200, job);
    }

    private Reply getJob(String jobId) {
        ObjectNode job = jobs.get(jobId);
        if (job == null) {
            return error(404, "notFound", "NOT_FOUND", "Not found: Job " + project + ":" + jobId);
        }
        advance(job);
        return new Reply(200, job);
    }

    /** PENDING -> RUNNING -> DONE, one step per look; a held job stays RUNNING. */
    private void advance(ObjectNode job) {
        String state = job.path("status").path("state").asText();
        ObjectNode stats = (ObjectNode) job.get("statistics");
        if (state.equals("PENDING")) {
            ((ObjectNode) job.get("status")).put("state", "RUNNING");
            stats.put("startTime", Long.toString(clock.incrementAndGet()));
        } else if (state.equals("RUNNING") && holds.stream().noneMatch(h -> h.test(job))) {
            finish(job);
        }
    }

    private void finish(ObjectNode job) {
        ObjectNode status = (ObjectNode) job.get("status");
        ObjectNode stats = (ObjectNode) job.get("statistics");
        status.put("state", "DONE");
        stats.put("endTime", Long.toString(clock.incrementAndGet()));
        JsonNode config = job.path("configuration");
        List<JobError> errors = new ArrayList<>();
        for (Map.Entry<Predicate<JsonNode>, JobError> f : failOnce) {
            if (f.getKey().test(job) && failOnce.remove(f)) {
                errors.add(f.getValue());
                break;
            }
        }
        if (!errors.isEmpty()) {
            // a job that failed as a whole: no rows, no answer
            if (config.has("load")) {
                stats.putObject("load").put("inputFiles", Integer.toString(config.path("load").path("sourceUris").size())).put("outputRows", "0");
            }
        } else if (config.has("load")) {
            JsonNode load = config.path("load");
            long rows = 0;
            for (JsonNode uri : load.path("sourceUris")) {
                errors.addAll(loadFailures.getOrDefault(uri.asText(), List.of()));
                rows += uriRows.getOrDefault(uri.asText(), 0L);
            }
            if (errors.isEmpty()) {
                Optional<JobError> created = writeLoadDestination(load);
                created.ifPresent(errors::add);
            }
            if (errors.isEmpty()) {
                stats.putObject("load").put("inputFiles", Integer.toString(load.path("sourceUris").size())).put("outputRows", Long.toString(rows))
                        .put("badRecords", "0");
            } else {
                // the reference: a failed load writes nothing; the first error is also the errorResult
                stats.putObject("load").put("inputFiles", Integer.toString(load.path("sourceUris").size())).put("outputRows", "0");
            }
        } else if (config.has("query")) {
            JsonNode q = config.path("query");
            QueryAnswer answer = null;
            for (QueryRule rule : rules) {
                if (rule.matches().test(job)) {
                    answer = rule.answer().apply(job);
                    break;
                }
            }
            if (answer == null) {
                answer = QueryAnswer.failed(new JobError("invalid", "query", "the contract server has no answer for this query: " + q.path("query").asText()));
            }
            answer.error().ifPresent(errors::add);
            String anonDataset = "_anon" + Long.toString(clock.incrementAndGet(), 36);
            String anonTable = "anon" + Integer.toHexString(job.path("jobReference").path("jobId").asText().hashCode());
            ((ObjectNode) config.path("query")).putObject("destinationTable").put("projectId", project).put("datasetId", anonDataset).put("tableId", anonTable);
            answers.put(anonDataset + "." + anonTable, answer);
            answers.put("job:" + job.path("jobReference").path("jobId").asText(), answer);
            String sql = q.path("query").asText();
            ObjectNode qs = stats.putObject("query");
            qs.put("statementType", answer.statementType().orElse(statementType(sql)));
            qs.put("totalBytesProcessed", "0").put("totalBytesBilled", "0").put("cacheHit", false);
            stats.put("totalBytesProcessed", "0");
            if (statementType(sql).equals("SCRIPT")) {
                stats.put("numChildJobs", "1");
            }
        }
        if (!errors.isEmpty()) {
            ArrayNode list = status.putArray("errors");
            for (JobError e : errors) {
                list.addObject().put("reason", e.reason()).put("location", e.location()).put("message", e.message());
            }
            JobError first = errors.getFirst();
            status.putObject("errorResult").put("reason", first.reason()).put("location", first.location()).put("message", first.message());
        }
    }

    /** Creates or replaces/extends the destination of a successful load, as its dispositions say; an error if they refuse. */
    private Optional<JobError> writeLoadDestination(JsonNode load) {
        JsonNode dest = load.path("destinationTable");
        String dataset = dest.path("datasetId").asText();
        String key = dataset + "." + dest.path("tableId").asText();
        if (!datasets.containsKey(dataset)) {
            return Optional.of(new JobError("notFound", "", "Not found: Dataset " + project + ":" + dataset));
        }
        ArrayNode fields = JSON.createArrayNode();
        if (load.has("schema")) {
            fields = ((ArrayNode) load.path("schema").path("fields")).deepCopy();
        } else if (load.path("autodetect").asBoolean()) {
            for (JsonNode uri : load.path("sourceUris")) {
                ArrayNode d = detected.get(uri.asText());
                if (d != null) {
                    for (JsonNode f : d) {
                        if (!hasField(fields, f.path("name").asText())) {
                            fields.add(f.deepCopy());
                        }
                    }
                }
            }
        }
        ObjectNode table = tables.get(key);
        String write = load.path("writeDisposition").asText("WRITE_APPEND");
        if (table == null) {
            if (load.path("createDisposition").asText("CREATE_IF_NEEDED").equals("CREATE_NEVER")) {
                return Optional.of(new JobError("notFound", "", "Not found: Table " + project + ":" + key));
            }
            ObjectNode body = JSON.createObjectNode();
            body.putObject("schema").set("fields", fields);
            copyIfPresent(load, body, "timePartitioning");
            copyIfPresent(load, body, "clustering");
            tables.put(key, tableResource(dataset, dest.path("tableId").asText(), body));
            return Optional.empty();
        }
        ArrayNode existing = table.withObjectProperty("schema").withArrayProperty("fields");
        boolean addAllowed = false;
        for (JsonNode o : load.path("schemaUpdateOptions")) {
            addAllowed |= o.asText().equals("ALLOW_FIELD_ADDITION");
        }
        if (write.equals("WRITE_TRUNCATE")) {
            table.withObjectProperty("schema").set("fields", fields.isEmpty() ? existing : fields);
            return Optional.empty();
        }
        for (JsonNode f : fields) {
            if (!hasField(existing, f.path("name").asText())) {
                if (!addAllowed) {
                    return Optional.of(new JobError("invalid", "", "Provided Schema does not match Table " + project + ":" + key + ". Cannot add fields (field: "
                            + f.path("name").asText() + ")"));
                }
                ObjectNode added = f.deepCopy();
                added.put("mode", "NULLABLE");
                existing.add(added);
            }
        }
        return Optional.empty();
    }

    private static boolean hasField(ArrayNode fields, String name) {
        for (JsonNode f : fields) {
            if (f.path("name").asText().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static void copyIfPresent(JsonNode from, ObjectNode to, String field) {
        if (from.has(field)) {
            to.set(field, from.get(field).deepCopy());
        }
    }

    private Reply queryResults(String jobId, Map<String, String> query) {
        ObjectNode job = jobs.get(jobId);
        if (job == null) {
            return error(404, "notFound", "NOT_FOUND", "Not found: Job " + project + ":" + jobId);
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("kind", "bigquery#getQueryResultsResponse");
        out.set("jobReference", job.get("jobReference").deepCopy());
        if (!job.path("status").path("state").asText().equals("DONE")) {
            advance(job);
        }
        if (!job.path("status").path("state").asText().equals("DONE")) {
            out.put("jobComplete", false);
            return new Reply(200, out);
        }
        JsonNode errorResult = job.path("status").path("errorResult");
        if (!errorResult.isMissingNode()) {
            // interpretation: the reference does not show this pair; a failed query job's results are answered with the
            // job's error as an HTTP error in the reference's error shape, which the client raises as BigQueryException
            return error(400, errorResult.path("reason").asText(), "INVALID_ARGUMENT", errorResult.path("message").asText());
        }
        QueryAnswer answer = answers.getOrDefault("job:" + jobId, QueryAnswer.done());
        out.put("jobComplete", true);
        ArrayNode fields = out.putObject("schema").putArray("fields");
        for (Map<String, String> f : answer.fields()) {
            fields.addObject().put("name", f.get("name")).put("type", f.get("type")).put("mode", "NULLABLE");
        }
        out.put("totalRows", Integer.toString(answer.rows().size()));
        int max = Integer.parseInt(query.getOrDefault("maxResults", "100000"));
        int start = Integer.parseInt(query.getOrDefault("pageToken", query.getOrDefault("startIndex", "0")));
        out.set("rows", rowsJson(answer.rows(), start, max));
        if (start + max < answer.rows().size()) {
            out.put("pageToken", Integer.toString(start + max));
        }
        out.put("totalBytesProcessed", "0");
        out.put("cacheHit", false);
        return new Reply(200, out);
    }

    private Reply syncQuery(JsonNode body) {
        ObjectNode insert = JSON.createObjectNode();
        String jobId = body.has("requestId") ? "job_" + body.path("requestId").asText().replaceAll("[^A-Za-z0-9_-]", "_") : "job_q" + Long.toString(clock.incrementAndGet(), 36);
        insert.putObject("jobReference").put("jobId", jobId).put("location", body.path("location").asText("US"));
        ObjectNode q = insert.putObject("configuration").putObject("query");
        for (String field : List.of("query", "useLegacySql", "parameterMode", "queryParameters", "maximumBytesBilled", "labels", "defaultDataset")) {
            copyIfPresent(body, q, field);
        }
        if (body.path("dryRun").asBoolean()) {
            ((ObjectNode) insert.get("configuration")).put("dryRun", true);
        }
        Reply inserted = insertJob(insert);
        if (inserted.status != 200) {
            return inserted;
        }
        ObjectNode job = jobs.get(jobId);
        if (job != null) {
            while (!job.path("status").path("state").asText().equals("DONE") && holds.stream().noneMatch(h -> h.test(job))) {
                advance(job);
            }
        }
        return queryResults(jobId, Map.of("maxResults", body.path("maxResults").asText("100000")));
    }

    private ArrayNode rowsJson(List<List<String>> rows, int start, int max) {
        ArrayNode out = JSON.createArrayNode();
        for (int i = start; i < rows.size() && i < start + max; i++) {
            ArrayNode f = out.addObject().putArray("f");
            for (String v : rows.get(i)) {
                ObjectNode cell = f.addObject();
                if (v == null) {
                    cell.putNull("v");
                } else {
                    cell.put("v", v);
                }
            }
        }
        return out;
    }

    private ObjectNode datasetResource(String id, String location) {
        ObjectNode ds = JSON.createObjectNode();
        ds.put("kind", "bigquery#dataset");
        ds.put("id", project + ":" + id);
        ds.putObject("datasetReference").put("projectId", project).put("datasetId", id);
        ds.put("location", location);
        ds.put("creationTime", Long.toString(clock.incrementAndGet()));
        return ds;
    }

    private ObjectNode tableResource(String dataset, String id, JsonNode body) {
        ObjectNode t = body.deepCopy();
        t.put("kind", "bigquery#table");
        t.put("id", project + ":" + dataset + "." + id);
        t.putObject("tableReference").put("projectId", project).put("datasetId", dataset).put("tableId", id);
        t.put("type", "TABLE");
        t.put("creationTime", Long.toString(clock.incrementAndGet()));
        t.put("lastModifiedTime", t.path("creationTime").asText());
        t.put("numRows", "0");
        t.put("location", "US");
        if (!t.has("schema")) {
            t.putObject("schema").putArray("fields");
        }
        return t;
    }

    /** An error in the reference's shape: {@code {"error": {"code", "message", "errors": [{domain, reason, message}], "status"}}}. */
    private static Reply error(int code, String reason, String status, String message) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("code", code);
        e.put("message", message);
        e.putArray("errors").addObject().put("message", message).put("domain", "global").put("reason", reason);
        e.put("status", status);
        return new Reply(code, root);
    }

    private static Map<String, String> parseQuery(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }
}
