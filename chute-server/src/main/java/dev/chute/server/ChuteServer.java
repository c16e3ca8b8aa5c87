package dev.chute.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.core.Chute;
import dev.chute.core.Json;
import dev.chute.core.Pipeline;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.TableId;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.json.JavalinJackson;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chute's HTTP API: {@code GET /api/health}, {@code GET /api/status}, {@code POST /api/query},
 * {@code POST /api/load} and {@code POST /api/replay}. Binds to loopback by default; bound to any
 * other address, every request needs {@code Authorization: Bearer <token>}.
 */
public final class ChuteServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChuteServer.class);

    private final Chute chute;
    private final Javalin app;
    private final Optional<byte[]> tokenHash;

    public ChuteServer(Chute chute, String bind, int port, Optional<String> token) {
        this.chute = requireNonNull(chute, "chute is null");
        requireNonNull(bind, "bind is null");
        this.tokenHash = requireNonNull(token, "token is null").map(ChuteServer::sha256);
        if (tokenHash.isEmpty() && !isLoopback(bind)) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "binding to " + bind + " (not loopback) needs a token; set CHUTE_TOKEN");
        }
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jsonMapper(new JavalinJackson(Json.mapper(), false));
            config.useVirtualThreads = false;
        });
        app.before("/api/*", this::authenticate);
        app.get("/api/health", this::health);
        app.get("/api/status", ctx -> ctx.json(chute.status(ctx.queryParamAsClass("recent", Integer.class).getOrDefault(20))));
        app.post("/api/query", this::query);
        app.post("/api/load", this::load);
        app.post("/api/replay", this::replay);
        app.exception(ChuteException.class, (e, ctx) -> {
            HttpStatus status = switch (e.code()) {
                case CONFIGURATION, UNROUTABLE, UNSUPPORTED_FORMAT -> HttpStatus.BAD_REQUEST;
                case WAREHOUSE_UNAVAILABLE, STORE_UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
                default -> HttpStatus.INTERNAL_SERVER_ERROR;
            };
            error(ctx, status, e.getMessage());
        });
        app.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, HttpStatus.BAD_REQUEST, e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            log.error("request {} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, HttpStatus.INTERNAL_SERVER_ERROR, "internal error: " + e);
        });
        app.error(404, ctx -> {
            if (ctx.path().startsWith("/api/")) {
                error(ctx, HttpStatus.NOT_FOUND, "no such endpoint: " + ctx.method() + " " + ctx.path());
            }
        });
        app.start(bind, port);
    }

    /** Whether an address to bind to is a loopback address (an unknown name counts as exposed). */
    public static boolean isLoopback(String bind) {
        try {
            return InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public int port() {
        return app.port();
    }

    private void authenticate(Context ctx) {
        if (tokenHash.isEmpty()) {
            return;
        }
        String header = Optional.ofNullable(ctx.header("Authorization")).orElse("");
        String given = header.startsWith("Bearer ") ? header.substring(7).trim() : "";
        if (given.isEmpty() || !MessageDigest.isEqual(sha256(given), tokenHash.get())) {
            ctx.header("WWW-Authenticate", "Bearer");
            error(ctx, HttpStatus.UNAUTHORIZED, "a valid bearer token is required (Authorization: Bearer <token>)");
            ctx.skipRemainingHandlers();
        }
    }

    private void health(Context ctx) {
        Map<String, Chute.Health> parts = chute.health();
        boolean ok = parts.values().stream().allMatch(Chute.Health::ok);
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("status", ok ? "ok" : "degraded");
        ObjectNode p = body.putObject("parts");
        parts.forEach((name, h) -> p.putObject(name).put("ok", h.ok()).put("detail", h.detail()));
        ctx.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(body);
    }

    private void query(Context ctx) throws Exception {
        JsonNode body = readBody(ctx);
        JsonNode sql = body.get("sql");
        if (sql == null || !sql.isTextual()) {
            throw new IllegalArgumentException("expected a JSON body {\"sql\": \"SELECT ...\"}");
        }
        ctx.json(Json.queryResult(chute.query(sql.asText())));
    }

    private void load(Context ctx) throws Exception {
        JsonNode body = readBody(ctx);
        List<Path> paths = new ArrayList<>();
        body.path("paths").forEach(p -> paths.add(Path.of(p.asText())));
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("expected a JSON body {\"paths\": [\"/abs/file.csv\", ...], \"table\": \"dataset.table\" (optional)}");
        }
        Optional<TableId> table = body.hasNonNull("table") ? Optional.of(TableId.parse(body.get("table").asText())) : Optional.empty();
        List<Pipeline.OneShotResult> results = chute.load(paths, table, dev.chute.core.PipelineListener.NONE);
        ctx.json(Map.of("results", results));
    }

    private void replay(Context ctx) throws Exception {
        JsonNode body = ctx.body().isBlank() ? Json.mapper().createObjectNode() : readBody(ctx);
        List<String> keys = new ArrayList<>();
        body.path("keys").forEach(k -> keys.add(k.asText()));
        ctx.json(Map.of("replayed", chute.replay(keys)));
    }

    private static JsonNode readBody(Context ctx) {
        try {
            return Json.mapper().readTree(ctx.body());
        } catch (Exception e) {
            throw new IllegalArgumentException("the request body is not valid JSON: " + e.getMessage());
        }
    }

    private static void error(Context ctx, HttpStatus status, String message) {
        ctx.status(status).json(Map.of("error", message));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        app.stop();
    }
}
