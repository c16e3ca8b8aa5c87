package dev.chute.core;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FileFormat;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Chute's configuration: {@code <home>/chute.yaml} (or {@code --config FILE}), every key optional.
 * Each key is declared once below with its type, default and documentation; an unknown key or a
 * bad value fails at start with a message naming the key, the value and what is allowed.
 */
public final class ChuteConfig {
    public static final ConfigKey<String> STORE_TYPE = ConfigKey.string("store.type", "local",
            "Object store connector: local (directories under the home), or another installed connector (s3, gcs).");
    public static final ConfigKey<String> WAREHOUSE_TYPE = ConfigKey.string("warehouse.type", "duckdb",
            "Warehouse connector: duckdb (embedded file in the home), or another installed connector (postgres, bigquery).");
    public static final ConfigKey<Duration> QUIET_PERIOD = ConfigKey.duration("intake.quiet_period", "30ms",
            "A file is loaded only once its size and modification time have not changed for this long (files still being written wait).");
    public static final ConfigKey<Duration> SETTLE_TIME = ConfigKey.duration("intake.settle_time", "5s",
            "A file written in place (not renamed into landing) counts as finished only once it has not changed for this long: until then only its complete lines are loaded (CSV, TSV, JSON lines), other formats wait, and it is not archived. Keep it longer than the longest pause of your slowest writer.");
    public static final ConfigKey<Duration> RECONCILE_INTERVAL = ConfigKey.duration("intake.reconcile_interval", "10s",
            "How often the landing area is listed to catch files that no event announced.");
    public static final ConfigKey<Duration> LISTING_GRACE = ConfigKey.duration("intake.listing_grace", "0",
            "With several workers sharing a queue: the listing takes only objects older than this (the queue hands out the newer ones), in a random order per worker; 0 takes every object in name order.");
    public static final ConfigKey<Integer> BATCH_MAX_FILES = ConfigKey.integer("batch.max_files", 1000, 1, 100_000,
            "A table's batch is flushed when it holds this many files.");
    public static final ConfigKey<Long> BATCH_MAX_BYTES = ConfigKey.bytes("batch.max_bytes", "512MB",
            "A table's batch is flushed when its files add up to this many bytes.");
    public static final ConfigKey<Duration> BATCH_MAX_WAIT = ConfigKey.duration("batch.max_wait", "10ms",
            "A table's batch is flushed at the latest this long after its first file became ready.");
    public static final ConfigKey<Duration> RETRY_INITIAL = ConfigKey.duration("retry.initial_backoff", "500ms",
            "First wait before retrying a transient failure (warehouse or disk unavailable); doubles on each attempt.");
    public static final ConfigKey<Duration> RETRY_MAX = ConfigKey.duration("retry.max_backoff", "5m",
            "Longest wait between retries of a transient failure.");
    public static final ConfigKey<Duration> ARCHIVE_RETENTION = ConfigKey.duration("archive.retention", "0",
            "Archived files older than this are deleted; 0 keeps them forever.");
    public static final ConfigKey<String> SERVER_BIND = ConfigKey.string("server.bind", "127.0.0.1",
            "Address the HTTP server binds to (--bind overrides).");
    public static final ConfigKey<Integer> SERVER_PORT = ConfigKey.integer("server.port", 8080, 0, 65535,
            "Port of the HTTP server; 0 picks a free one (--port overrides).");
    public static final ConfigKey<String> SERVER_AUTH = ConfigKey.oneOf("server.auth", "required", List.of("required", "auto", "none"),
            "required: every request authenticates, on loopback too (the home's owner with .chute/server.json or the sign-in link);"
                    + " auto: the same (kept for old files); none: no authentication, every local user is admin (loopback only).");
    public static final ConfigKey<Long> SERVER_MAX_UPLOAD = ConfigKey.bytes("server.max_upload", "1GB",
            "Largest request body the server accepts (an upload of several files counts as one request).");
    public static final ConfigKey<Long> SERVER_MAX_INTAKE_BODY = ConfigKey.bytes("server.max_intake_body", "256KB",
            "Largest body of a notification to /api/intake/* (SNS messages are at most 256 KB); a larger one is refused with 413 before it is read.");
    public static final ConfigKey<Integer> SERVER_MAX_CONCURRENT_INTAKE = ConfigKey.integer("server.max_concurrent_intake", 16, 1, 64,
            "Notifications to /api/intake/* handled at once; more are refused at once with 503 and Retry-After.");
    public static final ConfigKey<Integer> SERVER_MAX_CONCURRENT_UPLOADS = ConfigKey.integer("server.max_concurrent_uploads", 4, 1, 32,
            "Uploads (POST /api/upload) received at once; more are refused at once with 503 and Retry-After.");
    public static final ConfigKey<Integer> SERVER_MAX_CONCURRENT_BODIES = ConfigKey.integer("server.max_concurrent_bodies", 32, 1, 64,
            "Bodies of other requests (sign-in, queries, dashboards, admin actions) being received at once; more are refused at once with 503 and Retry-After.");
    public static final ConfigKey<Duration> SERVER_IDLE_TIMEOUT = ConfigKey.duration("server.idle_timeout", "30s",
            "A connection on which nothing arrives or leaves for this long is closed.");
    public static final ConfigKey<Duration> SERVER_READ_TIMEOUT = ConfigKey.duration("server.read_timeout", "10s",
            "Time a client has to send the whole body of a request other than an upload (intake, queries, sign-in); past it the request is cut off with 408.");
    public static final ConfigKey<Long> SERVER_MIN_REQUEST_RATE = ConfigKey.bytes("server.min_request_rate", "4KB",
            "Slowest average rate, in bytes per second, of an upload that has taken longer than server.read_timeout; a slower one is cut off. 0: no minimum.");
    public static final ConfigKey<Duration> SERVER_HEALTH_INTERVAL = ConfigKey.duration("server.health_interval", "5s",
            "How often the warehouse and the store are probed in the background for /api/health; a probe still unanswered after this long counts as an outage.");
    public static final ConfigKey<String> NOTIFY_WEBHOOK_URL = ConfigKey.string("notify.webhook_url", "",
            "Webhook (Slack-compatible JSON {\"text\": ...}) called when a file fails and when a table is stale; empty: off.");
    public static final ConfigKey<Integer> QUERY_MAX_ROWS = ConfigKey.integer("query.max_rows", 10_000, 1, 10_000_000,
            "Rows returned by one read-only query at most; the answer says when it was truncated.");
    public static final ConfigKey<Duration> QUERY_TIMEOUT = ConfigKey.duration("query.timeout", "30s",
            "Time limit of one read-only query.");
    public static final ConfigKey<Long> QUERY_MAX_BYTES = ConfigKey.bytes("query.max_bytes", "16MB",
            "Size of one query's answer at most (its values as text); rows past it are not read, and the answer says it was truncated by bytes.");
    public static final ConfigKey<Integer> QUERY_MAX_CONCURRENT = ConfigKey.integer("query.max_concurrent", 2, 1, 256,
            "Console queries (API, CLI, dashboard tiles, table samples and profiles) that run at once; loads are not counted.");
    public static final ConfigKey<Duration> QUERY_MAX_WAIT = ConfigKey.duration("query.max_wait", "2s",
            "How long a query waits for one of the query.max_concurrent slots before it is refused as busy (HTTP 503).");

    /** Keys of a {@code tables.<dataset.table>} entry or a route. */
    public static final ConfigKey<String> TABLE_FORMAT = ConfigKey.oneOf("tables.*.format", "auto",
            List.of("auto", "csv", "tsv", "json", "parquet", "avro"), "File format; auto follows the file name's extension.");
    public static final ConfigKey<String> TABLE_DELIMITER = ConfigKey.string("tables.*.delimiter", "auto",
            "CSV field delimiter (one character, \\t for tab); auto detects it.");
    public static final ConfigKey<String> TABLE_QUOTE = ConfigKey.string("tables.*.quote", "auto",
            "CSV quote character (one character); none: no quoting, every byte between delimiters is the value; auto: \" except for"
                    + " tab-separated files whose quotes are not CSV quoting, which are read with none.");
    public static final ConfigKey<String> TABLE_ESCAPE = ConfigKey.string("tables.*.escape", "auto",
            "CSV escape character (one ASCII character): inside quoted values it makes the next character part of the value; in files"
                    + " read without quoting (quote: none) it does so everywhere, MySQL's way (a backslash before a delimiter or a line"
                    + " end). none: no escape character; auto: the sniffer's choice for quoted files, \\ for tab-separated files"
                    + " written the MySQL way (see docs/configuration.md).");
    public static final ConfigKey<String> TABLE_HEADER = ConfigKey.oneOf("tables.*.header", "auto",
            List.of("auto", "true", "false"), "Whether CSV files start with a header line; auto detects it.");
    public static final ConfigKey<String> TABLE_ENCODING = ConfigKey.string("tables.*.encoding", "utf-8",
            "Character encoding of the table's text files: utf-8, utf-16 or latin-1 (iso-8859-1).");
    public static final ConfigKey<String> TABLE_ON_OVERWRITE = ConfigKey.oneOf("tables.*.on_overwrite", "append",
            List.of("append", "replace"), "A new version of an already loaded key: append its rows, or replace the previous version's rows.");
    public static final ConfigKey<String> TABLE_ON_TYPE_CONFLICT = ConfigKey.oneOf("tables.*.on_type_conflict", "fail",
            List.of("fail", "widen"), "A value that does not fit its column: fail the file, or widen the column.");
    public static final ConfigKey<Integer> TABLE_MAX_BAD_ROWS = ConfigKey.integer("tables.*.max_bad_rows", 0, 0, Integer.MAX_VALUE,
            "Rows per file that may be set aside in _chute.rejects (with file and line) before the file fails.");
    public static final ConfigKey<Boolean> TABLE_LINEAGE = ConfigKey.bool("tables.*.lineage", true,
            "Add the lineage columns _chute_source, _chute_load_id, _chute_loaded_at to the table.");
    public static final ConfigKey<Duration> TABLE_FRESHNESS = ConfigKey.duration("tables.*.freshness", "0",
            "The table is stale (console, webhook) when its last load is older than this; 0: never stale.");

    public static final List<ConfigKey<?>> KEYS = List.of(STORE_TYPE, WAREHOUSE_TYPE, QUIET_PERIOD, SETTLE_TIME, RECONCILE_INTERVAL, LISTING_GRACE,
            BATCH_MAX_FILES, BATCH_MAX_BYTES, BATCH_MAX_WAIT, RETRY_INITIAL, RETRY_MAX, ARCHIVE_RETENTION, SERVER_BIND,
            SERVER_PORT, SERVER_AUTH, SERVER_MAX_UPLOAD, SERVER_MAX_INTAKE_BODY, SERVER_MAX_CONCURRENT_INTAKE, SERVER_MAX_CONCURRENT_UPLOADS,
            SERVER_MAX_CONCURRENT_BODIES, SERVER_IDLE_TIMEOUT, SERVER_READ_TIMEOUT, SERVER_MIN_REQUEST_RATE, SERVER_HEALTH_INTERVAL, NOTIFY_WEBHOOK_URL, QUERY_MAX_ROWS, QUERY_TIMEOUT,
            QUERY_MAX_BYTES, QUERY_MAX_CONCURRENT, QUERY_MAX_WAIT);
    public static final List<ConfigKey<?>> TABLE_KEYS = List.of(TABLE_FORMAT, TABLE_DELIMITER, TABLE_QUOTE, TABLE_ESCAPE, TABLE_HEADER,
            TABLE_ENCODING, TABLE_ON_OVERWRITE, TABLE_ON_TYPE_CONFLICT, TABLE_MAX_BAD_ROWS, TABLE_LINEAGE,
            TABLE_FRESHNESS);

    private static final List<String> SECTIONS = List.of("store", "warehouse", "intake", "batch", "retry", "archive",
            "server", "notify", "query", "tables", "routes", "events");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern COLUMN_TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9 _(),]*");

    private final Map<String, String> scalars;
    private final Map<String, String> storeSettings;
    private final Map<String, String> warehouseSettings;
    private final Map<TableId, TableSpec> tables;
    private final List<Route> routes;
    private final Map<TableId, Duration> freshness;
    private final List<ApiToken> tokens;
    private final List<Map<String, String>> events;

    private ChuteConfig(Map<String, String> scalars, Map<String, String> storeSettings, Map<String, String> warehouseSettings,
                        Map<TableId, TableSpec> tables, List<Route> routes, Map<TableId, Duration> freshness, List<ApiToken> tokens,
                        List<Map<String, String>> events) {
        this.scalars = Map.copyOf(scalars);
        this.storeSettings = Map.copyOf(storeSettings);
        this.warehouseSettings = Map.copyOf(warehouseSettings);
        this.tables = Map.copyOf(tables);
        this.routes = List.copyOf(routes);
        this.freshness = Map.copyOf(freshness);
        this.tokens = List.copyOf(tokens);
        this.events = events.stream().map(Map::copyOf).toList();
    }

    public static ChuteConfig defaults() {
        return new ChuteConfig(Map.of(), Map.of(), Map.of(), Map.of(), List.of(), Map.of(), List.of(), List.of());
    }

    /** Reads a YAML file; a missing file yields the defaults. */
    public static ChuteConfig load(Path file) {
        requireNonNull(file, "file is null");
        if (!Files.exists(file)) {
            return defaults();
        }
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "cannot read configuration file " + file + ": " + e.getMessage(), e);
        }
    }

    public static ChuteConfig parse(String yaml, String origin) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw new ChuteException(ErrorCode.CONFIGURATION, origin + " is not valid YAML"
                    + (at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
                    + ": " + e.getOriginalMessage().strip().replaceAll("\\s*\\n\\s*", " "));
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "cannot read " + origin + ": " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return defaults();
        }
        if (!root.isObject()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, origin + ": expected a mapping of sections at the top level, found " + kind(root));
        }
        Map<String, String> scalars = new LinkedHashMap<>();
        Map<String, String> store = new LinkedHashMap<>();
        Map<String, String> warehouse = new LinkedHashMap<>();
        Map<TableId, TableSpec> tables = new LinkedHashMap<>();
        List<Route> routes = new ArrayList<>();
        Map<TableId, Duration> freshness = new LinkedHashMap<>();
        List<ApiToken> tokens = new ArrayList<>();
        List<Map<String, String>> events = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> section = it.next();
            String name = section.getKey();
            JsonNode value = section.getValue();
            switch (name) {
                case "tables" -> {
                    requireObject("tables", value);
                    value.fields().forEachRemaining(e -> {
                        TableId id = parseTable("tables." + e.getKey(), e.getKey());
                        tables.put(id, tableSpec("tables." + e.getKey(), e.getValue()));
                        JsonNode fresh = e.getValue().get("freshness");
                        if (fresh != null && fresh.isValueNode() && !TABLE_FRESHNESS.parse(fresh.asText()).isZero()) {
                            freshness.put(id, TABLE_FRESHNESS.parse(fresh.asText()));
                        }
                    });
                }
                case "routes" -> {
                    if (!value.isArray()) {
                        throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'routes' must be a list of {match, table, ...}, found " + kind(value));
                    }
                    int i = 0;
                    for (JsonNode route : value) {
                        routes.add(route("routes[" + i++ + "]", route));
                    }
                }
                case "events" -> {
                    if (!value.isArray()) {
                        throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'events' must be a list of {type: nats|amqp|sqs|http, ...}, found " + kind(value));
                    }
                    int i = 0;
                    for (JsonNode entry : value) {
                        String where = "events[" + i++ + "]";
                        requireObject(where, entry);
                        Map<String, String> settings = new LinkedHashMap<>();
                        entry.fields().forEachRemaining(e -> {
                            if (e.getValue().isContainerNode()) {
                                throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + "." + e.getKey()
                                        + "' must be a single value (a string, number or true/false), found " + kind(e.getValue()));
                            }
                            settings.put(e.getKey(), e.getValue().asText());
                        });
                        if (settings.getOrDefault("type", "").isBlank()) {
                            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".type' is missing; expected nats, amqp, sqs or http");
                        }
                        events.add(settings);
                    }
                }
                case "store", "warehouse" -> {
                    requireObject(name, value);
                    Map<String, String> target = name.equals("store") ? store : warehouse;
                    value.fields().forEachRemaining(e -> {
                        if (e.getValue().isContainerNode()) {
                            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + name + "." + e.getKey()
                                    + "' must be a single value (a string, number or true/false), found " + kind(e.getValue()));
                        }
                        target.put(e.getKey(), e.getValue().asText());
                    });
                    if (target.containsKey("type")) {
                        scalars.put(name + ".type", target.get("type"));
                    }
                }
                default -> {
                    if (!SECTIONS.contains(name)) {
                        throw new ChuteException(ErrorCode.CONFIGURATION,
                                "unknown configuration section '" + name + "' in " + origin + "; expected one of " + String.join(", ", SECTIONS)
                                        + ConfigKey.didYouMean(name, SECTIONS));
                    }
                    requireObject(name, value);
                    value.fields().forEachRemaining(e -> {
                        String key = name + "." + e.getKey();
                        if (key.equals("server.tokens")) {
                            tokens.addAll(tokens(e.getValue()));
                            return;
                        }
                        List<String> known = KEYS.stream().map(ConfigKey::name).filter(k -> k.startsWith(name + ".")).toList();
                        ConfigKey<?> declared = KEYS.stream().filter(k -> k.name().equals(key)).findFirst()
                                .orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "unknown configuration key '" + key + "' in " + origin
                                        + "; known keys of '" + name + "': " + String.join(", ", known) + ConfigKey.didYouMean(key, known)));
                        String text = scalar(key, e.getValue(), declared.type());
                        declared.parse(text);
                        scalars.put(key, text);
                    });
                }
            }
        }
        return new ChuteConfig(scalars, store, warehouse, tables, routes, freshness, tokens, events);
    }

    private static List<ApiToken> tokens(JsonNode list) {
        if (!list.isArray()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'server.tokens' must be a list of {name, role, sha256}, found " + kind(list));
        }
        List<ApiToken> out = new ArrayList<>();
        int i = 0;
        for (JsonNode t : list) {
            String where = "server.tokens[" + i++ + "]";
            requireObject(where, t);
            t.fieldNames().forEachRemaining(f -> {
                if (!List.of("name", "role", "sha256").contains(f)) {
                    throw new ChuteException(ErrorCode.CONFIGURATION, "unknown configuration key '" + where + "." + f + "'; expected name, role, sha256"
                            + ConfigKey.didYouMean(f, List.of("name", "role", "sha256")));
                }
            });
            String name = t.has("name") ? scalar(where + ".name", t.get("name"), "the token's name") : "";
            String role = t.has("role") ? scalar(where + ".role", t.get("role"), "viewer, uploader or admin") : "";
            String hash = (t.has("sha256") ? scalar(where + ".sha256", t.get("sha256"), "64 hex digits") : "").toLowerCase(Locale.ROOT);
            if (name.isBlank()) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".name' is missing; give each token a name");
            }
            ApiToken.Role parsed = ApiToken.Role.parse(role).orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION,
                    "configuration key '" + where + ".role' has value '" + role + "'; expected viewer, uploader or admin"));
            if (!SHA256_HEX.matcher(hash).matches()) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".sha256' has value '" + hash
                        + "'; expected the 64 hex digits of the token's SHA-256 (`chute token` prints them)");
            }
            out.add(new ApiToken(name, parsed, hash));
        }
        return out;
    }

    private static void requireObject(String name, JsonNode value) {
        if (!value.isObject()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + name + "' must be a mapping (key: value lines), found " + kind(value));
        }
    }

    /** A single value's text; a missing value, a list or a mapping fails naming the key and what it takes. */
    private static String scalar(String key, JsonNode value, String expected) {
        if (value == null || value.isNull()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + key + "' has no value; expected " + expected);
        }
        if (!value.isValueNode()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + key + "' must be a single value, found " + kind(value)
                    + "; expected " + expected);
        }
        return value.asText();
    }

    /** How a YAML value reads to the person who wrote it (not Jackson's node type names). */
    private static String kind(JsonNode value) {
        if (value.isObject()) {
            return "a mapping";
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isNull()) {
            return "no value";
        }
        return "'" + value.asText() + "'";
    }

    private static TableId parseTable(String key, String text) {
        try {
            return TableId.parse(text);
        } catch (ChuteException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + key + "': " + e.getMessage());
        }
    }

    /** The keys a route takes: its own two, then a table's. */
    static List<String> routeKeys() {
        List<String> known = new ArrayList<>(List.of("match", "table"));
        known.addAll(tableKeys());
        return known;
    }

    /** The keys a {@code tables.<name>} entry (or a route) takes. */
    static List<String> tableKeys() {
        List<String> known = new ArrayList<>(List.of("columns"));
        TABLE_KEYS.forEach(k -> known.add(k.name().substring("tables.*.".length())));
        return known;
    }

    private static Route route(String where, JsonNode node) {
        requireObject(where, node);
        List<String> known = routeKeys();
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw unknownKey(where, f, known);
            }
        });
        for (String needed : List.of("match", "table")) {
            if (!node.has(needed)) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + "." + needed + "' is missing; a route needs 'match'"
                        + " (a glob on the key, such as sales/*.csv) and 'table' (dataset.table)");
            }
        }
        String match = scalar(where + ".match", node.get("match"), "a glob on the key, such as sales/*.csv");
        String table = scalar(where + ".table", node.get("table"), "dataset.table");
        if (match.isBlank()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".match' is empty; expected a glob on the key, such as sales/*.csv");
        }
        try {
            java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + match);
        } catch (IllegalArgumentException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".match' has value '" + match
                    + "'; expected a glob on the key (* within a directory, ** across directories, ? one character, [abc], {a,b}), which this is not");
        }
        ObjectNode options = ((ObjectNode) node).deepCopy();
        options.remove("match");
        options.remove("table");
        TableId id = parseTable(where + ".table", table);
        Optional<TableSpec> spec = options.isEmpty() ? Optional.empty() : Optional.of(tableSpec(where, options));
        return new Route(match, id, spec);
    }

    /** An unknown key of a list entry or a table, named with its path, the keys allowed there and the closest one. */
    private static ChuteException unknownKey(String where, String key, List<String> known) {
        return new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + "': unknown key '" + key + "' (known: "
                + String.join(", ", known) + ")" + ConfigKey.didYouMean(key, known));
    }

    static TableSpec tableSpec(String where, JsonNode node) {
        requireObject(where, node);
        Map<String, String> columns = new LinkedHashMap<>();
        Map<String, String> values = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            if (e.getKey().equals("columns")) {
                requireObject(where + ".columns", e.getValue());
                e.getValue().fields().forEachRemaining(c -> {
                    String type = scalar(where + ".columns." + c.getKey(), c.getValue(),
                            "a SQL type name such as BIGINT, DOUBLE, DECIMAL(18,2), VARCHAR, DATE, TIMESTAMPTZ").strip();
                    if (!COLUMN_TYPE.matcher(type).matches()) {
                        throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".columns." + c.getKey()
                                + "' has type '" + type + "'; expected a SQL type name such as BIGINT, DOUBLE, DECIMAL(18,2), VARCHAR, DATE, TIMESTAMPTZ");
                    }
                    columns.put(c.getKey(), type.toUpperCase(Locale.ROOT));
                });
                return;
            }
            String key = "tables.*." + e.getKey();
            ConfigKey<?> declared = TABLE_KEYS.stream().filter(k -> k.name().equals(key)).findFirst()
                    .orElseThrow(() -> unknownKey(where, e.getKey(), where.startsWith("routes[") ? routeKeys() : tableKeys()));
            String text = scalar(where + "." + e.getKey(), e.getValue(), declared.type());
            try {
                declared.parse(text);
            } catch (ChuteException bad) {
                throw new ChuteException(ErrorCode.CONFIGURATION, bad.getMessage().replace(key, where + "." + e.getKey()));
            }
            values.put(e.getKey(), text);
        });
        String format = TABLE_FORMAT.parse(values.getOrDefault("format", TABLE_FORMAT.defaultText()));
        String delimiter = values.getOrDefault("delimiter", "auto");
        if (delimiter.equals("\\t")) {
            delimiter = "\t";
        }
        if (!delimiter.equals("auto") && delimiter.length() != 1) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".delimiter' has value '" + delimiter + "'; expected one character or auto");
        }
        String quote = values.getOrDefault("quote", "auto");
        if (!quote.equals("auto") && !quote.equals("none") && quote.length() != 1) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".quote' has value '" + quote
                    + "'; expected one character, none or auto");
        }
        String escape = values.getOrDefault("escape", "auto");
        if (!escape.equals("auto") && !escape.equals("none") && (escape.length() != 1 || escape.charAt(0) > 0x7F)) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".escape' has value '" + escape
                    + "'; expected one ASCII character, none or auto");
        }
        if (escape.length() == 1 && (escape.equals(delimiter) || escape.charAt(0) == '\n' || escape.charAt(0) == '\r')) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".escape' has value '" + escape
                    + "'; expected a character other than the delimiter and the line ends");
        }
        String header = TABLE_HEADER.parse(values.getOrDefault("header", "auto"));
        TableSpec.Encoding encoding = TableSpec.Encoding.named(values.getOrDefault("encoding", "utf-8"))
                .orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + ".encoding' has value '"
                        + values.get("encoding") + "'; expected utf-8, utf-16 or latin-1 (iso-8859-1)"));
        boolean lineage = TABLE_LINEAGE.parse(values.getOrDefault("lineage", "true"));
        String onOverwrite = TABLE_ON_OVERWRITE.parse(values.getOrDefault("on_overwrite", "append"));
        try {
            return new TableSpec(columns,
                    format.equals("auto") ? Optional.empty() : Optional.of(FileFormat.Kind.valueOf(format.toUpperCase(Locale.ROOT))),
                    delimiter.equals("auto") ? Optional.empty() : Optional.of(delimiter),
                    quote.equals("auto") ? Optional.empty() : Optional.of(quote.equals("none") ? TableSpec.NO_QUOTE : quote),
                    escape.equals("auto") ? Optional.empty() : Optional.of(escape.equals("none") ? TableSpec.NO_ESCAPE : escape),
                    header.equals("auto") ? Optional.empty() : Optional.of(Boolean.parseBoolean(header)),
                    encoding,
                    TableSpec.OnOverwrite.valueOf(onOverwrite.toUpperCase(Locale.ROOT)),
                    TableSpec.OnTypeConflict.valueOf(TABLE_ON_TYPE_CONFLICT.parse(values.getOrDefault("on_type_conflict", "fail")).toUpperCase(Locale.ROOT)),
                    TABLE_MAX_BAD_ROWS.parse(values.getOrDefault("max_bad_rows", "0")),
                    lineage);
        } catch (ChuteException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + where + "': " + e.getMessage());
        }
    }

    public <T> T get(ConfigKey<T> key) {
        String text = scalars.get(key.name());
        return text == null ? key.defaultValue() : key.parse(text);
    }

    /** A copy of this configuration with one scalar key set (command-line flags win over the file). */
    public ChuteConfig with(ConfigKey<?> key, String value) {
        key.parse(value);
        Map<String, String> copy = new LinkedHashMap<>(scalars);
        copy.put(key.name(), value);
        return new ChuteConfig(copy, storeSettings, warehouseSettings, tables, routes, freshness, tokens, events);
    }

    /** The {@code store:} section, for the store connector. */
    public Map<String, String> storeSettings() {
        return storeSettings;
    }

    /** The {@code warehouse:} section, for the warehouse connector. */
    public Map<String, String> warehouseSettings() {
        return warehouseSettings;
    }

    public Map<TableId, TableSpec> tables() {
        return tables;
    }

    public List<Route> routes() {
        return routes;
    }

    /** Tables with a configured freshness ({@code tables.<name>.freshness} other than 0). */
    public Map<TableId, Duration> freshness() {
        return freshness;
    }

    /** The {@code events:} entries, each with its {@code type} and the event source's own keys. */
    public List<Map<String, String>> events() {
        return events;
    }

    /** API tokens declared in {@code server.tokens}, as hashes. */
    public List<ApiToken> tokens() {
        return tokens;
    }

    public TableSpec tableSpec(TableId table) {
        return tables.getOrDefault(table, TableSpec.defaults());
    }

    /** A routing override: keys matching {@code match} (a glob; {@code **} crosses directories) go to {@code table}. */
    public record Route(String match, TableId table, Optional<TableSpec> spec) {
        public Route {
            requireNonNull(match, "match is null");
            requireNonNull(table, "table is null");
            requireNonNull(spec, "spec is null");
        }
    }
}
