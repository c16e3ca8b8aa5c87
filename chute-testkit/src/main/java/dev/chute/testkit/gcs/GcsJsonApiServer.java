package dev.chute.testkit.gcs;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;

/**
 * The parts of the Cloud Storage JSON API that Chute's store uses, served from memory on
 * 127.0.0.1 for tests. Google Cloud Storage cannot be reached from where these tests run, so this
 * server was written from the JSON API reference (objects.list, get, insert, rewrite, copy,
 * compose, patch, delete; media download with ranges; media, multipart and resumable uploads;
 * request preconditions) and serves the official client unchanged:
 * <ul>
 *   <li>every upload, copy or compose creates a new <em>generation</em> (increasing, like GCS's
 *       microsecond stamps) with metageneration 1; a metadata patch raises the metageneration;</li>
 *   <li>objects carry {@code md5Hash} and {@code crc32c} (base64, big-endian CRC32C) computed
 *       from their bytes; composed objects have {@code crc32c} and {@code componentCount} but no
 *       {@code md5Hash}, as in GCS; integers are JSON strings;</li>
 *   <li>preconditions {@code ifGenerationMatch} ({@code 0}: the object must not exist),
 *       {@code ifGenerationNotMatch}, {@code ifMetagenerationMatch}, {@code ifMetagenerationNotMatch}
 *       and their {@code ifSource*} forms answer 412 {@code conditionNotMet} (304 for a read's
 *       not-match); a missing object or bucket answers 404 {@code notFound};</li>
 *   <li>a resumable upload becomes visible only when its last chunk arrives (until then 308 with
 *       {@code Range: bytes=0-N}); a rewrite may take several calls ({@link #maxBytesPerRewriteCall})
 *       with a {@code rewriteToken}, as GCS does for large objects.</li>
 * </ul>
 * Buckets are not versioned: a replaced or deleted generation is gone. Tests can act just before a
 * request is handled ({@link #onceBefore}), make one fail ({@link #failOnce}) and read the requests
 * that were made ({@link #requests}). Unknown requests answer 501 and are listed, so a client that
 * starts calling something new shows up as a clear failure.
 */
public final class GcsJsonApiServer implements AutoCloseable {
    /** A request as the server understood it. {@code operation}: list, get, media, insert, resumable, rewrite, copy, compose, patch, delete, bucket. */
    public record Request(String method, String operation, String bucket, String object, Map<String, String> query, Optional<String> range) {
        public Request {
            requireNonNull(method, "method is null");
            requireNonNull(operation, "operation is null");
            requireNonNull(bucket, "bucket is null");
            requireNonNull(object, "object is null");
            query = Map.copyOf(query);
            requireNonNull(range, "range is null");
        }

        Request(String method, String operation, String bucket, String object, Map<String, String> query) {
            this(method, operation, bucket, object, query, Optional.empty());
        }

        public Optional<String> param(String name) {
            return Optional.ofNullable(query.get(name));
        }
    }

    /** One live object generation. {@code md5} is empty for composed objects. */
    public record StoredObject(String bucket, String name, long generation, long metageneration, byte[] content, Optional<String> md5, String crc32c,
                               int componentCount, String contentType, Instant created, Instant updated, Map<String, String> metadata) {
        public StoredObject {
            requireNonNull(bucket, "bucket is null");
            requireNonNull(name, "name is null");
            requireNonNull(md5, "md5 is null");
            requireNonNull(crc32c, "crc32c is null");
            requireNonNull(contentType, "contentType is null");
            content = content.clone();
            metadata = Map.copyOf(metadata);
        }

        @Override
        public byte[] content() {
            return content.clone();
        }

        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    private final HttpServer http;
    private final ExecutorService executor;
    private final String endpoint;
    private final Map<String, NavigableMap<String, StoredObject>> buckets = new HashMap<>();
    private final Map<String, Upload> uploads = new HashMap<>();
    private final Map<String, Rewrite> rewrites = new HashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<String> unsupported = new CopyOnWriteArrayList<>();
    private final List<Hook> hooks = new CopyOnWriteArrayList<>();
    private long lastGeneration;
    private volatile int pageSize = 1000;
    private volatile long maxBytesPerRewriteCall = Long.MAX_VALUE;

    private record Hook(Predicate<Request> matches, Runnable action, int failWith, AtomicInteger remaining) {
    }

    private record Truncation(Predicate<Request> matches, int bytes, AtomicInteger remaining) {
    }

    private final List<Truncation> truncations = new CopyOnWriteArrayList<>();

    private static final class Upload {
        final String bucket;
        final String name;
        final JsonNode metadata;
        final Map<String, String> query;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        StoredObject finished;

        Upload(String bucket, String name, JsonNode metadata, Map<String, String> query) {
            this.bucket = bucket;
            this.name = name;
            this.metadata = metadata;
            this.query = query;
        }
    }

    private record Rewrite(StoredObject source, String bucket, String name, JsonNode metadata, Map<String, String> query, long done) {
    }

    private static final class ApiError extends RuntimeException {
        final int code;
        final String reason;

        ApiError(int code, String reason, String message) {
            super(message);
            this.code = code;
            this.reason = reason;
        }
    }

    private GcsJsonApiServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "gcs-json-api-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        endpoint = "http://127.0.0.1:" + http.getAddress().getPort();
        lastGeneration = System.currentTimeMillis() * 1000;
    }

    /** Starts a server on a free loopback port. */
    public static GcsJsonApiServer start() {
        try {
            GcsJsonApiServer server = new GcsJsonApiServer();
            server.http.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>}, for {@code StorageOptions.setHost} or {@code store.endpoint}. */
    public String endpoint() {
        return endpoint;
    }

    /** A client of this server: no credentials, project {@code test}. */
    public Storage client() {
        return StorageOptions.newBuilder().setHost(endpoint).setProjectId("test").setCredentials(NoCredentials.getInstance()).build().getService();
    }

    public synchronized GcsJsonApiServer createBucket(String name) {
        buckets.putIfAbsent(name, new TreeMap<>());
        return this;
    }

    /** Objects per list page (GCS: up to 1000); small values exercise the client's paging. */
    public GcsJsonApiServer pageSize(int size) {
        this.pageSize = size;
        return this;
    }

    /** Bytes copied per rewrite call before answering {@code done: false} with a token; GCS does this for large objects. */
    public GcsJsonApiServer maxBytesPerRewriteCall(long bytes) {
        this.maxBytesPerRewriteCall = bytes;
        return this;
    }

    /** Runs {@code action} once, just before the first request matching {@code matches} is handled. */
    public void onceBefore(Predicate<Request> matches, Runnable action) {
        hooks.add(new Hook(matches, action, 0, new AtomicInteger(1)));
    }

    /** Answers the next {@code times} requests matching {@code matches} with {@code status} and a JSON API error. */
    public void failOnce(Predicate<Request> matches, int status, int times) {
        hooks.add(new Hook(matches, () -> { }, status, new AtomicInteger(times)));
    }

    /** Breaks the connection of the next download matching {@code matches} after {@code bytes} bytes of its body, as a network failure would. */
    public void truncateOnce(Predicate<Request> matches, int bytes) {
        truncations.add(new Truncation(matches, bytes, new AtomicInteger(1)));
    }

    /** Matches requests by operation, bucket and object name. */
    public static Predicate<Request> request(String operation, String bucket, String object) {
        return r -> r.operation().equals(operation) && r.bucket().equals(bucket) && r.object().equals(object);
    }

    /** The requests handled so far, oldest first. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Requests this server does not implement (answered 501), as {@code METHOD path?query}. */
    public List<String> unsupported() {
        return List.copyOf(unsupported);
    }

    /** Stores an object as an upload would, without going through HTTP. */
    public synchronized StoredObject put(String bucket, String name, byte[] content) {
        return store(bucket, name, content, true, 1, "application/octet-stream", Map.of());
    }

    public synchronized Optional<StoredObject> object(String bucket, String name) {
        return Optional.ofNullable(objects(bucket).get(name));
    }

    /** The live object names of a bucket, sorted. */
    public synchronized List<String> names(String bucket) {
        return List.copyOf(objects(bucket).keySet());
    }

    /** Resumable uploads started and not finalized. */
    public synchronized int openUploads() {
        return (int) uploads.values().stream().filter(u -> u.finished == null).count();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- storage ------------------------------------------------------------------------------

    private NavigableMap<String, StoredObject> objects(String bucket) {
        NavigableMap<String, StoredObject> objects = buckets.get(bucket);
        if (objects == null) {
            throw new ApiError(404, "notFound", "The specified bucket does not exist.");
        }
        return objects;
    }

    private StoredObject store(String bucket, String name, byte[] content, boolean withMd5, int components, String contentType, Map<String, String> metadata) {
        NavigableMap<String, StoredObject> objects = objects(bucket);
        long generation = Math.max(lastGeneration + 1, System.currentTimeMillis() * 1000);
        lastGeneration = generation;
        Instant now = Instant.now();
        StoredObject object = new StoredObject(bucket, name, generation, 1, content, withMd5 ? Optional.of(md5(content)) : Optional.empty(),
                crc32c(content), components, contentType, now, now, metadata);
        objects.put(name, object);
        return object;
    }

    /** The base64 MD5 of content, as the JSON API's {@code md5Hash}. */
    public static String md5(byte[] content) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The base64 big-endian CRC32C of content, as the JSON API's {@code crc32c}. */
    public static String crc32c(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    // ---- HTTP ---------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) {
        try {
            // HttpURLConnection cannot send PATCH; the client sends POST with this header instead
            String override = exchange.getRequestHeaders().getFirst("X-HTTP-Method-Override");
            String method = override != null ? override.toUpperCase(java.util.Locale.ROOT) : exchange.getRequestMethod();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            List<String> path = segments(exchange.getRequestURI().getRawPath());
            Request request = route(method, path, query);
            if (request != null) {
                request = new Request(request.method(), request.operation(), request.bucket(), request.object(), request.query(),
                        Optional.ofNullable(exchange.getRequestHeaders().getFirst("Range")));
            }
            if (request == null) {
                unsupported.add(method + " " + exchange.getRequestURI());
                throw new ApiError(501, "notImplemented", "the test server does not implement " + method + " " + exchange.getRequestURI().getRawPath());
            }
            requests.add(request);
            for (Hook hook : hooks) {
                if (hook.matches.test(request) && hook.remaining.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    hook.action.run();
                    if (hook.failWith != 0) {
                        throw new ApiError(hook.failWith, hook.failWith == 403 ? "forbidden" : "backendError", "injected failure " + hook.failWith);
                    }
                }
            }
            byte[] body = body(exchange);
            dispatch(exchange, request, body);
        } catch (ApiError e) {
            error(exchange, e.code, e.reason, e.getMessage());
        } catch (RuntimeException | IOException e) {
            error(exchange, 500, "backendError", e.toString());
        } finally {
            exchange.close();
        }
    }

    private static Request route(String method, List<String> p, Map<String, String> q) {
        int n = p.size();
        boolean api = n >= 4 && p.get(0).equals("storage") && p.get(1).equals("v1") && p.get(2).equals("b");
        boolean upload = n >= 5 && p.get(0).equals("upload") && p.get(1).equals("storage") && p.get(2).equals("v1") && p.get(3).equals("b");
        if (n == 7 && p.get(0).equals("download") && p.get(1).equals("storage") && p.get(2).equals("v1") && p.get(3).equals("b") && p.get(5).equals("o")
                && method.equals("GET")) {
            return new Request(method, "media", p.get(4), p.get(6), q);
        }
        if (upload && n == 6 && p.get(5).equals("o")) {
            String type = q.getOrDefault("uploadType", "");
            if (q.containsKey("upload_id")) {
                return new Request(method, "resumable", p.get(4), "", q);
            }
            if (method.equals("POST") && List.of("media", "multipart", "resumable").contains(type)) {
                return new Request(method, type.equals("resumable") ? "resumable" : "insert", p.get(4), q.getOrDefault("name", ""), q);
            }
            return null;
        }
        if (!api) {
            return null;
        }
        String bucket = p.get(3);
        if (n == 4 && method.equals("GET")) {
            return new Request(method, "bucket", bucket, "", q);
        }
        if (n == 5 && p.get(4).equals("o") && method.equals("GET")) {
            return new Request(method, "list", bucket, "", q);
        }
        if (n == 6 && p.get(4).equals("o")) {
            String object = p.get(5);
            return switch (method) {
                case "GET" -> new Request(method, "media".equals(q.get("alt")) ? "media" : "get", bucket, object, q);
                case "DELETE" -> new Request(method, "delete", bucket, object, q);
                case "PATCH", "PUT" -> new Request(method, "patch", bucket, object, q);
                default -> null;
            };
        }
        if (n == 7 && p.get(4).equals("o") && p.get(6).equals("compose") && method.equals("POST")) {
            return new Request(method, "compose", bucket, p.get(5), q);
        }
        if (n == 11 && p.get(4).equals("o") && p.get(7).equals("b") && p.get(9).equals("o") && method.equals("POST")
                && (p.get(6).equals("rewriteTo") || p.get(6).equals("copyTo"))) {
            // the destination travels in the query map under reserved names; the request's object is the source
            Map<String, String> withTarget = new HashMap<>(q);
            withTarget.put("$destinationBucket", p.get(8));
            withTarget.put("$destinationObject", p.get(10));
            return new Request(method, p.get(6).equals("rewriteTo") ? "rewrite" : "copy", bucket, p.get(5), withTarget);
        }
        return null;
    }

    private void dispatch(HttpExchange exchange, Request r, byte[] body) throws IOException {
        switch (r.operation()) {
            case "bucket" -> bucket(exchange, r);
            case "list" -> list(exchange, r);
            case "get" -> get(exchange, r);
            case "media" -> media(exchange, r);
            case "insert" -> insert(exchange, r, body);
            case "resumable" -> resumable(exchange, r, body);
            case "rewrite", "copy" -> rewrite(exchange, r, body);
            case "compose" -> compose(exchange, r, body);
            case "patch" -> patch(exchange, r, body);
            case "delete" -> delete(exchange, r);
            default -> throw new ApiError(501, "notImplemented", r.operation());
        }
    }

    private void bucket(HttpExchange exchange, Request r) throws IOException {
        synchronized (this) {
            objects(r.bucket());
        }
        ObjectNode node = JSON.createObjectNode().put("kind", "storage#bucket").put("id", r.bucket()).put("name", r.bucket())
                .put("location", "US").put("storageClass", "STANDARD").put("metageneration", "1");
        json(exchange, 200, node);
    }

    private void list(HttpExchange exchange, Request r) throws IOException {
        String prefix = r.param("prefix").orElse("");
        Optional<String> delimiter = r.param("delimiter").filter(d -> !d.isEmpty());
        int max = Math.min(pageSize, r.param("maxResults").map(Integer::parseInt).orElse(1000));
        String after = r.param("pageToken").map(t -> new String(Base64.getUrlDecoder().decode(t), StandardCharsets.UTF_8)).orElse(null);
        ArrayNode items = JSON.createArrayNode();
        TreeSet<String> prefixes = new TreeSet<>();
        String next = null;
        synchronized (this) {
            NavigableMap<String, StoredObject> objects = objects(r.bucket());
            NavigableMap<String, StoredObject> range = after == null ? objects.tailMap(prefix, true) : objects.tailMap(after, false);
            int count = 0;
            String last = null;
            for (Map.Entry<String, StoredObject> e : range.entrySet()) {
                String name = e.getKey();
                if (!name.startsWith(prefix)) {
                    break;
                }
                if (count == max) {
                    // the token is opaque to clients; here it is the last name of the page
                    next = Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(StandardCharsets.UTF_8));
                    break;
                }
                int cut = delimiter.map(d -> name.indexOf(d, prefix.length())).orElse(-1);
                if (cut >= 0) {
                    if (prefixes.add(name.substring(0, cut + delimiter.get().length()))) {
                        count++;
                    }
                } else {
                    items.add(resource(e.getValue()));
                    count++;
                }
                last = name;
            }
        }
        ObjectNode node = JSON.createObjectNode().put("kind", "storage#objects");
        if (next != null) {
            node.put("nextPageToken", next);
        }
        if (!prefixes.isEmpty()) {
            ArrayNode p = node.putArray("prefixes");
            prefixes.forEach(p::add);
        }
        if (!items.isEmpty()) {
            node.set("items", items);
        }
        json(exchange, 200, node);
    }

    private StoredObject live(Request r) {
        StoredObject object = objects(r.bucket()).get(r.object());
        if (object == null) {
            throw new ApiError(404, "notFound", "No such object: " + r.bucket() + "/" + r.object());
        }
        Optional<Long> generation = r.param("generation").map(Long::parseLong);
        if (generation.isPresent() && generation.get() != object.generation()) {
            throw new ApiError(404, "notFound", "No such object: " + r.bucket() + "/" + r.object() + "#" + generation.get());
        }
        return object;
    }

    private void get(HttpExchange exchange, Request r) throws IOException {
        StoredObject object;
        synchronized (this) {
            object = live(r);
            preconditions(r.query(), "", object, true);
        }
        json(exchange, 200, resource(object));
    }

    private void media(HttpExchange exchange, Request r) throws IOException {
        StoredObject object;
        synchronized (this) {
            object = live(r);
            preconditions(r.query(), "", object, true);
        }
        byte[] content = object.content;
        int from = 0;
        int to = content.length - 1;
        String range = exchange.getRequestHeaders().getFirst("Range");
        boolean partial = false;
        if (range != null && range.startsWith("bytes=")) {
            String spec = range.substring("bytes=".length());
            int dash = spec.indexOf('-');
            if (dash == 0) {
                from = Math.max(0, content.length - Integer.parseInt(spec.substring(1)));
            } else {
                from = Integer.parseInt(spec.substring(0, dash));
                if (dash < spec.length() - 1) {
                    to = Math.min(to, Integer.parseInt(spec.substring(dash + 1)));
                }
            }
            if (from >= content.length && content.length > 0) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                throw new ApiError(416, "requestedRangeNotSatisfiable", "The requested range cannot be satisfied.");
            }
            partial = !(from == 0 && to == content.length - 1);
        }
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", object.contentType());
        headers.set("ETag", etag(object));
        headers.set("Accept-Ranges", "bytes");
        headers.set("x-goog-generation", Long.toString(object.generation()));
        headers.set("x-goog-metageneration", Long.toString(object.metageneration()));
        headers.set("x-goog-stored-content-length", Integer.toString(content.length));
        headers.set("x-goog-stored-content-encoding", "identity");
        headers.add("x-goog-hash", "crc32c=" + object.crc32c());
        object.md5().ifPresent(m -> headers.add("x-goog-hash", "md5=" + m));
        int length = Math.max(0, to - from + 1);
        if (partial) {
            headers.set("Content-Range", "bytes " + from + "-" + to + "/" + content.length);
        }
        exchange.sendResponseHeaders(partial ? 206 : 200, length == 0 ? -1 : length);
        for (Truncation t : truncations) {
            if (t.matches.test(r) && t.remaining.getAndUpdate(n -> Math.max(0, n - 1)) > 0 && t.bytes < length) {
                exchange.getResponseBody().write(content, from, t.bytes);
                exchange.getResponseBody().flush();
                // closing short of the announced length drops the connection
                throw new IOException("connection dropped after " + t.bytes + " bytes, as asked");
            }
        }
        if (length > 0) {
            exchange.getResponseBody().write(content, from, length);
        }
    }

    private void insert(HttpExchange exchange, Request r, byte[] body) throws IOException {
        JsonNode metadata = JSON.createObjectNode();
        byte[] content = body;
        if (r.param("uploadType").orElse("").equals("multipart")) {
            List<byte[]> parts = multipart(exchange.getRequestHeaders().getFirst("Content-Type"), body);
            if (parts.size() != 2) {
                throw new ApiError(400, "invalid", "a multipart upload has two parts, metadata and media; found " + parts.size());
            }
            metadata = JSON.readTree(parts.get(0));
            content = parts.get(1);
        }
        String name = r.param("name").orElse(metadata.path("name").asText(""));
        if (name.isEmpty()) {
            throw new ApiError(400, "required", "Required: object name");
        }
        StoredObject object;
        synchronized (this) {
            StoredObject current = objects(r.bucket()).get(name);
            preconditions(r.query(), "", current, false);
            object = store(r.bucket(), name, content, true, 1, contentType(metadata, exchange.getRequestHeaders().getFirst("Content-Type")),
                    stringMap(metadata.path("metadata")));
        }
        json(exchange, 200, resource(object));
    }

    private void resumable(HttpExchange exchange, Request r, byte[] body) throws IOException {
        Optional<String> id = r.param("upload_id");
        if (id.isEmpty()) {
            JsonNode metadata = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            String name = r.param("name").orElse(metadata.path("name").asText(""));
            if (name.isEmpty()) {
                throw new ApiError(400, "required", "Required: object name");
            }
            String session = UUID.randomUUID().toString().replace("-", "");
            synchronized (this) {
                objects(r.bucket());
                uploads.put(session, new Upload(r.bucket(), name, metadata, r.query()));
            }
            exchange.getResponseHeaders().set("Location", endpoint + "/upload/storage/v1/b/" + encode(r.bucket()) + "/o?uploadType=resumable&upload_id=" + session);
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        StoredObject finished;
        long received;
        synchronized (this) {
            Upload upload = uploads.get(id.get());
            if (upload == null) {
                throw new ApiError(404, "notFound", "No such upload session: " + id.get());
            }
            if (r.method().equals("DELETE")) {
                uploads.remove(id.get());
                throw new ApiError(499, "clientClosedRequest", "The upload was cancelled.");
            }
            if (upload.finished == null) {
                long total = chunk(upload, exchange.getRequestHeaders().getFirst("Content-Range"), body);
                if (total >= 0 && upload.received.size() == total) {
                    StoredObject current = objects(upload.bucket).get(upload.name);
                    preconditions(upload.query, "", current, false);
                    upload.finished = store(upload.bucket, upload.name, upload.received.toByteArray(), true, 1,
                            contentType(upload.metadata, null), stringMap(upload.metadata.path("metadata")));
                }
            }
            finished = upload.finished;
            received = upload.received.size();
        }
        if (finished != null) {
            json(exchange, 200, resource(finished));
            return;
        }
        if (received > 0) {
            exchange.getResponseHeaders().set("Range", "bytes=0-" + (received - 1));
        }
        exchange.sendResponseHeaders(308, -1);
    }

    /** Appends a chunk ({@code Content-Range: bytes a-b/total}, {@code bytes *}{@code /total} or none); returns the total when known, else -1. */
    private static long chunk(Upload upload, String contentRange, byte[] body) {
        if (contentRange == null) {
            upload.received.writeBytes(body);
            return upload.received.size();
        }
        String spec = contentRange.trim();
        if (!spec.startsWith("bytes ")) {
            throw new ApiError(400, "invalid", "Content-Range must be 'bytes a-b/total'; found '" + contentRange + "'");
        }
        spec = spec.substring("bytes ".length());
        int slash = spec.indexOf('/');
        String range = spec.substring(0, slash);
        String totalText = spec.substring(slash + 1);
        long total = totalText.equals("*") ? -1 : Long.parseLong(totalText);
        if (!range.equals("*")) {
            long from = Long.parseLong(range.substring(0, range.indexOf('-')));
            long to = Long.parseLong(range.substring(range.indexOf('-') + 1));
            if (to - from + 1 != body.length) {
                throw new ApiError(400, "invalid", "Content-Range " + contentRange + " announces " + (to - from + 1) + " bytes; the body has " + body.length);
            }
            long have = upload.received.size();
            if (from > have) {
                throw new ApiError(400, "invalid", "Content-Range " + contentRange + " starts after the " + have + " bytes received");
            }
            // a chunk sent again after a lost response overlaps what is persisted: keep only the new bytes
            int skip = (int) (have - from);
            if (skip < body.length) {
                upload.received.write(body, skip, body.length - skip);
            }
        }
        return total;
    }

    private void rewrite(HttpExchange exchange, Request r, byte[] body) throws IOException {
        boolean copy = r.operation().equals("copy");
        String targetBucket = r.query().get("$destinationBucket");
        String targetName = r.query().get("$destinationObject");
        JsonNode metadata = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        ObjectNode response;
        synchronized (this) {
            Rewrite state;
            Optional<String> given = r.param("rewriteToken");
            if (given.isPresent()) {
                // a continued rewrite copies the generation it started with
                state = rewrites.remove(given.get());
                if (state == null) {
                    throw new ApiError(400, "invalid", "Invalid rewrite token.");
                }
            } else {
                Map<String, String> sourceQuery = r.param("sourceGeneration").map(g -> Map.of("generation", g)).orElse(Map.of());
                StoredObject source = live(new Request(r.method(), "get", r.bucket(), r.object(), sourceQuery));
                preconditions(r.query(), "Source", source, false);
                preconditions(r.query(), "", objects(targetBucket).get(targetName), false);
                state = new Rewrite(source, targetBucket, targetName, metadata, r.query(), 0);
            }
            StoredObject source = state.source();
            long total = source.content.length;
            long perCall = Math.min(maxBytesPerRewriteCall, r.param("maxBytesRewrittenPerCall").map(Long::parseLong).orElse(Long.MAX_VALUE));
            long done = copy ? total : Math.min(total, state.done() + perCall);
            if (done < total) {
                String token = UUID.randomUUID().toString();
                rewrites.put(token, new Rewrite(source, state.bucket(), state.name(), state.metadata(), state.query(), done));
                response = JSON.createObjectNode().put("kind", "storage#rewriteResponse").put("totalBytesRewritten", Long.toString(done))
                        .put("objectSize", Long.toString(total)).put("done", false).put("rewriteToken", token);
            } else {
                preconditions(state.query(), "", objects(state.bucket()).get(state.name()), false);
                Map<String, String> userMetadata = state.metadata().has("metadata") ? stringMap(state.metadata().get("metadata")) : source.metadata();
                StoredObject result = store(state.bucket(), state.name(), source.content, source.md5().isPresent(), source.componentCount(),
                        contentType(state.metadata(), source.contentType()), userMetadata);
                if (copy) {
                    response = resource(result);
                } else {
                    response = JSON.createObjectNode().put("kind", "storage#rewriteResponse").put("totalBytesRewritten", Long.toString(total))
                            .put("objectSize", Long.toString(total)).put("done", true);
                    response.set("resource", resource(result));
                }
            }
        }
        json(exchange, 200, response);
    }

    private void compose(HttpExchange exchange, Request r, byte[] body) throws IOException {
        JsonNode request = JSON.readTree(body);
        JsonNode sources = request.path("sourceObjects");
        if (!sources.isArray() || sources.isEmpty() || sources.size() > 32) {
            throw new ApiError(400, "invalid", "sourceObjects must list 1 to 32 objects");
        }
        StoredObject result;
        synchronized (this) {
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            int components = 0;
            for (JsonNode source : sources) {
                Map<String, String> q = new HashMap<>();
                if (source.hasNonNull("generation")) {
                    q.put("generation", source.get("generation").asText());
                }
                StoredObject part = live(new Request("GET", "get", r.bucket(), source.path("name").asText(), q));
                JsonNode match = source.path("objectPreconditions").path("ifGenerationMatch");
                if (!match.isMissingNode() && match.asLong() != part.generation()) {
                    throw new ApiError(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
                }
                joined.writeBytes(part.content);
                components += part.componentCount();
            }
            preconditions(r.query(), "", objects(r.bucket()).get(r.object()), false);
            JsonNode destination = request.path("destination");
            result = store(r.bucket(), r.object(), joined.toByteArray(), false, components, contentType(destination, "application/octet-stream"),
                    stringMap(destination.path("metadata")));
        }
        json(exchange, 200, resource(result));
    }

    private void patch(HttpExchange exchange, Request r, byte[] body) throws IOException {
        JsonNode changes = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        StoredObject updated;
        synchronized (this) {
            StoredObject object = live(r);
            preconditions(r.query(), "", object, false);
            Map<String, String> metadata = new LinkedHashMap<>(object.metadata());
            if (changes.has("metadata")) {
                for (Iterator<Map.Entry<String, JsonNode>> it = changes.get("metadata").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getValue().isNull()) {
                        metadata.remove(e.getKey());
                    } else {
                        metadata.put(e.getKey(), e.getValue().asText());
                    }
                }
            }
            updated = new StoredObject(object.bucket(), object.name(), object.generation(), object.metageneration() + 1, object.content, object.md5(),
                    object.crc32c(), object.componentCount(), changes.path("contentType").asText(object.contentType()), object.created(), Instant.now(), metadata);
            objects(r.bucket()).put(r.object(), updated);
        }
        json(exchange, 200, resource(updated));
    }

    private void delete(HttpExchange exchange, Request r) throws IOException {
        synchronized (this) {
            StoredObject object = live(r);
            preconditions(r.query(), "", object, false);
            objects(r.bucket()).remove(r.object());
        }
        exchange.sendResponseHeaders(204, -1);
    }

    /**
     * Request preconditions: {@code if<Kind>GenerationMatch} (0: no live object), {@code ...NotMatch},
     * {@code ...MetagenerationMatch}, {@code ...MetagenerationNotMatch}; {@code kind} is "" for the
     * target, "Source" for a copy's source. A failed match is 412; a failed not-match of a read is 304.
     */
    private static void preconditions(Map<String, String> q, String kind, StoredObject current, boolean read) {
        String match = q.get("if" + kind + "GenerationMatch");
        if (match != null) {
            long expected = Long.parseLong(match);
            boolean ok = expected == 0 ? current == null : current != null && current.generation() == expected;
            if (!ok) {
                throw conditionNotMet();
            }
        }
        String notMatch = q.get("if" + kind + "GenerationNotMatch");
        if (notMatch != null) {
            long value = Long.parseLong(notMatch);
            boolean ok = value == 0 ? current != null : current != null && current.generation() != value;
            if (!ok) {
                throw read && current != null ? new ApiError(304, "notModified", "Not Modified") : conditionNotMet();
            }
        }
        String metaMatch = q.get("if" + kind + "MetagenerationMatch");
        if (metaMatch != null && (current == null || current.metageneration() != Long.parseLong(metaMatch))) {
            throw conditionNotMet();
        }
        String metaNotMatch = q.get("if" + kind + "MetagenerationNotMatch");
        if (metaNotMatch != null && (current == null || current.metageneration() == Long.parseLong(metaNotMatch))) {
            throw read && current != null ? new ApiError(304, "notModified", "Not Modified") : conditionNotMet();
        }
    }

    private static ApiError conditionNotMet() {
        return new ApiError(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
    }

    private ObjectNode resource(StoredObject o) {
        String path = "/b/" + encode(o.bucket()) + "/o/" + encode(o.name());
        ObjectNode node = JSON.createObjectNode()
                .put("kind", "storage#object")
                .put("id", o.bucket() + "/" + o.name() + "/" + o.generation())
                .put("selfLink", endpoint + "/storage/v1" + path)
                .put("mediaLink", endpoint + "/download/storage/v1" + path + "?generation=" + o.generation() + "&alt=media")
                .put("name", o.name())
                .put("bucket", o.bucket())
                .put("generation", Long.toString(o.generation()))
                .put("metageneration", Long.toString(o.metageneration()))
                .put("contentType", o.contentType())
                .put("storageClass", "STANDARD")
                .put("size", Integer.toString(o.content.length))
                .put("crc32c", o.crc32c())
                .put("etag", etag(o))
                .put("timeCreated", RFC3339.format(o.created()))
                .put("updated", RFC3339.format(o.updated()))
                .put("timeStorageClassUpdated", RFC3339.format(o.created()));
        o.md5().ifPresent(m -> node.put("md5Hash", m));
        if (o.md5().isEmpty()) {
            node.put("componentCount", o.componentCount());
        }
        if (!o.metadata().isEmpty()) {
            ObjectNode m = node.putObject("metadata");
            o.metadata().forEach(m::put);
        }
        return node;
    }

    private static String etag(StoredObject o) {
        return Base64.getEncoder().encodeToString((o.generation() + "/" + o.metageneration()).getBytes(StandardCharsets.UTF_8));
    }

    private static String contentType(JsonNode metadata, String fallback) {
        String given = metadata.path("contentType").asText("");
        if (!given.isEmpty()) {
            return given;
        }
        return fallback == null || fallback.startsWith("multipart/") ? "application/octet-stream" : fallback;
    }

    private static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    /** The parts of a {@code multipart/related} body, without their headers. */
    private static List<byte[]> multipart(String contentType, byte[] body) {
        if (contentType == null || !contentType.contains("boundary=")) {
            throw new ApiError(400, "invalid", "a multipart upload needs Content-Type multipart/related with a boundary; found " + contentType);
        }
        String boundary = contentType.substring(contentType.indexOf("boundary=") + "boundary=".length()).split(";")[0].trim().replace("\"", "");
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> parts = new ArrayList<>();
        int at = indexOf(body, delimiter, 0);
        while (at >= 0) {
            int start = at + delimiter.length;
            if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
                break;
            }
            int next = indexOf(body, delimiter, start);
            if (next < 0) {
                break;
            }
            byte[] part = Arrays.copyOfRange(body, start, next);
            int headersEnd = indexOf(part, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
            int contentStart = headersEnd < 0 ? 0 : headersEnd + 4;
            int contentEnd = part.length >= 2 && part[part.length - 2] == '\r' && part[part.length - 1] == '\n' ? part.length - 2 : part.length;
            parts.add(Arrays.copyOfRange(part, contentStart, Math.max(contentStart, contentEnd)));
            at = next;
        }
        return parts;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            in = new GZIPInputStream(in);
        }
        return in.readAllBytes();
    }

    private static void json(HttpExchange exchange, int status, JsonNode node) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(node);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void error(HttpExchange exchange, int status, String reason, String message) {
        try {
            if (status == 304) {
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            ObjectNode node = JSON.createObjectNode();
            ObjectNode error = node.putObject("error").put("code", status).put("message", message);
            error.putArray("errors").addObject().put("message", message).put("domain", "global").put("reason", reason);
            json(exchange, status, node);
        } catch (IOException e) {
            // the client went away
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> map = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return map;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            map.put(key, value);
        }
        return map;
    }

    /** Path segments, each percent-decoded (object names travel as one segment with {@code /} as {@code %2F}). */
    private static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                segments.add(percentDecode(s));
            }
        }
        return segments;
    }

    private static String percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
