package dev.chute.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.core.ApiToken;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.Json;
import dev.chute.core.Pipeline;
import dev.chute.core.PipelineListener;
import dev.chute.core.PipelineListeners;
import dev.chute.core.Router;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FailureRecord;
import dev.chute.spi.LineagePage;
import dev.chute.spi.LoadSummary;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableDetail;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSummary;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpStatus;
import io.javalin.http.UploadedFile;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chute's HTTP server: the JSON API of docs/console.md, the console's static pages, live events
 * and metrics. Binds to loopback by default. Every API route declares the role it needs
 * ({@link ApiToken.Role}); {@link ServerAuth} decides who the caller is. State-changing requests
 * from another site are refused (Origin and Fetch-Metadata checks), and on loopback only
 * loopback host names are served, so a web page the user visits can neither drive the API nor
 * rebind a name to it.
 */
public final class ChuteServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChuteServer.class);
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._ ()+-]{0,199}");
    /** A header any client may add to a state-changing request to show it is not a cross-site form. */
    static final String CSRF_HEADER = "X-Chute-Request";
    private static final Set<HandlerType> STATE_CHANGING = Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.DELETE, HandlerType.PATCH);
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private final Chute chute;
    private final Settings settings;
    private final Javalin app;
    private final EventHub events = new EventHub();
    private final ChuteMetrics metrics;
    private final DashboardStore dashboards;
    private final HttpIntake intake;
    private final RequestLimits limits;
    private final HealthWatch health;
    private final PipelineListeners listener;
    private final java.util.concurrent.ExecutorService dashboardWriter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "chute-dashboards");
        t.setDaemon(true);
        return t;
    });
    private final Set<TableId> tablesWithDashboards = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<String> routes = new ArrayList<>();
    /** Landing keys an upload is being written to right now. */
    private final Set<String> uploading = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final boolean loopback;

    /**
     * How the server runs.
     *
     * @param bind the address to bind
     * @param port the port (0: any free one)
     * @param auth who may call what
     * @param maxUpload the largest request body accepted, in bytes
     * @param scratch a directory for upload parts being received (under the home)
     * @param dashboards the directory of dashboard YAML files
     */
    public record Settings(String bind, int port, ServerAuth auth, long maxUpload, Path scratch, Path dashboards) {
        public Settings {
            requireNonNull(bind, "bind is null");
            requireNonNull(auth, "auth is null");
            requireNonNull(scratch, "scratch is null");
            requireNonNull(dashboards, "dashboards is null");
        }

        /** The settings {@code chute.yaml} gives, with the given authentication. */
        public static Settings of(ChuteConfig config, ServerAuth auth, Path home) {
            return new Settings(config.get(ChuteConfig.SERVER_BIND), config.get(ChuteConfig.SERVER_PORT), auth,
                    config.get(ChuteConfig.SERVER_MAX_UPLOAD), home.resolve(".chute").resolve("uploads"), home.resolve("dashboards"));
        }

        /** Loopback, no authentication, the given port; for tests and embedding. */
        public static Settings local(Path home, int port) {
            return new Settings("127.0.0.1", port, ServerAuth.open(), 1L << 30, home.resolve(".chute").resolve("uploads"), home.resolve("dashboards"));
        }

        public Settings withAuth(ServerAuth auth) {
            return new Settings(bind, port, auth, maxUpload, scratch, dashboards);
        }

        public Settings withMaxUpload(long maxUpload) {
            return new Settings(bind, port, auth, maxUpload, scratch, dashboards);
        }

        public Settings withBind(String bind) {
            return new Settings(bind, port, auth, maxUpload, scratch, dashboards);
        }
    }

    public ChuteServer(Chute chute, Settings settings) {
        this.chute = requireNonNull(chute, "chute is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.loopback = isLoopback(settings.bind());
        if (!loopback && !settings.auth().required()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "binding to " + settings.bind() + " (not loopback) needs authentication; set CHUTE_TOKEN or server.tokens");
        }
        try {
            Files.createDirectories(settings.scratch());
        } catch (java.io.IOException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "cannot create " + settings.scratch() + ": " + e.getMessage(), e);
        }
        this.dashboards = new DashboardStore(settings.dashboards());
        dashboards.installDefaults();
        this.metrics = new ChuteMetrics(() -> chute.pipeline().map(Pipeline::backlog).orElse(0L), () -> chute.warehouse().tables(),
                new Router(chute.config())::tableOf);
        chute.pipeline().ifPresent(this::registerEventMetrics);
        try {
            this.intake = new HttpIntake(chute.store(), chute.pushEvents(), settings.auth(), chute.home(), metrics.registry());
        } catch (RuntimeException e) {
            events.close();
            dashboardWriter.shutdownNow();
            metrics.close();
            throw e;
        }
        this.listener = new PipelineListeners(events, metrics, new PipelineListener() {
            @Override
            public void loaded(String key, TableId table, long rows, long bytes, long millis) {
                if (tablesWithDashboards.add(table)) {
                    dashboardWriter.execute(() -> writeTableDashboard(table));
                }
            }
        });
        // slow or numerous clients of one kind cannot take the threads the others need (RequestLimits)
        this.limits = new RequestLimits(RequestLimits.Settings.of(chute.config()), metrics.registry());
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.useVirtualThreads = false;
            config.jsonMapper(new JavalinJackson(Json.mapper(), false));
            config.http.maxRequestSize = RequestLimits.MAX_API_BODY;
            config.jetty.modifyServletContextHandler(h -> h.addFilter(new org.eclipse.jetty.servlet.FilterHolder(limits), "/*",
                    java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST)));
            // no Jetty minimum request rate: it measures from the body's first byte to the handler's last read,
            // so a 100-byte body read 25 ms late was cut off; RequestLimits bounds uploads' rate itself
            // a body that stopped arriving (server.idle_timeout) is the client's doing: Javalin answers it without a stack trace
            config.jetty.timeoutStatus = HttpStatus.REQUEST_TIMEOUT.getCode();
            config.jetty.multipartConfig.cacheDirectory(settings.scratch().toString());
            config.jetty.multipartConfig.maxFileSize(settings.maxUpload(), SizeUnit.BYTES);
            config.jetty.multipartConfig.maxTotalRequestSize(settings.maxUpload(), SizeUnit.BYTES);
            config.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
            if (ChuteServer.class.getResource("/console/index.html") != null) {
                config.staticFiles.add(sf -> {
                    sf.hostedPath = "/";
                    sf.directory = "/console";
                    sf.location = Location.CLASSPATH;
                    sf.headers = Map.of("Cache-Control", "no-cache", "Content-Security-Policy", CSP);
                });
            }
            config.staticFiles.enableWebjars();
        });
        app.before(this::guard);
        app.before("/api/events", ctx -> require(ctx, ApiToken.Role.VIEWER));
        registerRoutes();
        app.sse("/api/events", events::add);
        routes.add("GET /api/events");
        app.exception(ApiException.class, (e, ctx) -> error(ctx, e.status, e.getMessage()));
        app.exception(ChuteException.class, (e, ctx) -> {
            HttpStatus status = switch (e.code()) {
                case CONFIGURATION, UNROUTABLE, UNSUPPORTED_FORMAT, QUERY_REFUSED, QUERY_FAILED -> HttpStatus.BAD_REQUEST;
                case WAREHOUSE_UNAVAILABLE, STORE_UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
                case OBJECT_GONE -> HttpStatus.NOT_FOUND;
                default -> HttpStatus.INTERNAL_SERVER_ERROR;
            };
            // the code tells a query the read-only guard refused (QUERY_REFUSED) from one the warehouse found wrong (QUERY_FAILED)
            ctx.status(status).json(Map.of("error", e.getMessage(), "code", e.code().name()));
        });
        app.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, HttpStatus.BAD_REQUEST, e.getMessage()));
        // a body cut off (server.read_timeout, server.idle_timeout) is answered 408
        app.exception(org.eclipse.jetty.http.BadMessageException.class, (e, ctx) -> {
            ctx.header("Connection", "close");
            error(ctx, HttpStatus.forStatus(e.getCode()), e.getReason());
        });
        app.exception(Exception.class, (e, ctx) -> {
            log.error("request {} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, HttpStatus.INTERNAL_SERVER_ERROR, "internal error: " + e);
        });
        app.error(404, ctx -> {
            // a handler's own 404 is JSON already; Javalin's "no route" answer is plain text
            String type = Optional.ofNullable(ctx.res().getContentType()).orElse("");
            if (ctx.path().startsWith("/api/") && !type.startsWith("application/json")) {
                error(ctx, HttpStatus.NOT_FOUND, "no such endpoint: " + ctx.method() + " " + ctx.path());
            }
        });
        this.health = new HealthWatch(chute, chute.config().get(ChuteConfig.SERVER_HEALTH_INTERVAL));
        try {
            app.start(settings.bind(), settings.port());
        } catch (RuntimeException e) {
            closeParts();
            throw e;
        }
        long idle = chute.config().get(ChuteConfig.SERVER_IDLE_TIMEOUT).toMillis();
        for (org.eclipse.jetty.server.Connector c : app.jettyServer().server().getConnectors()) {
            if (c instanceof org.eclipse.jetty.server.AbstractConnector connector) {
                connector.setIdleTimeout(idle);
            }
        }
    }

    /** The API routes, each with the role it needs; the order is the order of docs/console.md. */
    private void registerRoutes() {
        route(HandlerType.GET, "/api/health", ApiToken.Role.VIEWER, this::health);
        route(HandlerType.GET, "/api/session", null, this::session);
        route(HandlerType.POST, "/api/session", null, this::login);
        route(HandlerType.DELETE, "/api/session", null, this::logout);
        route(HandlerType.POST, "/api/session/links", ApiToken.Role.ADMIN, this::signInLink);
        route(HandlerType.GET, "/signin/{code}", null, this::signIn);
        route(HandlerType.GET, "/api/openapi.json", null, this::openapi);
        route(HandlerType.GET, "/api/status", ApiToken.Role.VIEWER,
                ctx -> ctx.json(chute.status(ctx.queryParamAsClass("recent", Integer.class).getOrDefault(20))));
        route(HandlerType.GET, "/api/overview", ApiToken.Role.VIEWER, this::overview);
        route(HandlerType.GET, "/api/loads", ApiToken.Role.VIEWER, this::loads);
        route(HandlerType.GET, "/api/loads/{loadId}", ApiToken.Role.VIEWER, this::load);
        route(HandlerType.POST, "/api/loads/{loadId}/undo", ApiToken.Role.ADMIN, this::undo);
        route(HandlerType.POST, "/api/loads/{loadId}/restore", ApiToken.Role.ADMIN, this::restore);
        route(HandlerType.GET, "/api/failures", ApiToken.Role.VIEWER, this::failures);
        route(HandlerType.POST, "/api/replay", ApiToken.Role.ADMIN, this::replay);
        route(HandlerType.GET, "/api/files/status", ApiToken.Role.VIEWER, this::fileStatus);
        route(HandlerType.POST, "/api/upload", ApiToken.Role.UPLOADER, this::upload);
        route(HandlerType.POST, "/api/load", ApiToken.Role.ADMIN, this::loadPaths);
        route(HandlerType.GET, "/api/tables", ApiToken.Role.VIEWER, this::tables);
        route(HandlerType.GET, "/api/tables/{table}", ApiToken.Role.VIEWER, this::table);
        route(HandlerType.GET, "/api/tables/{table}/sample", ApiToken.Role.VIEWER, this::sample);
        route(HandlerType.GET, "/api/tables/{table}/profile", ApiToken.Role.VIEWER, this::profile);
        route(HandlerType.GET, "/api/tables/{table}/lineage", ApiToken.Role.VIEWER, this::lineage);
        route(HandlerType.POST, "/api/query", ApiToken.Role.VIEWER, this::query);
        route(HandlerType.POST, "/api/query/export", ApiToken.Role.VIEWER, this::export);
        route(HandlerType.GET, "/api/dashboards", ApiToken.Role.VIEWER, this::dashboards);
        route(HandlerType.GET, "/api/dashboards/{id}", ApiToken.Role.VIEWER, this::dashboard);
        route(HandlerType.PUT, "/api/dashboards/{id}", ApiToken.Role.ADMIN, this::saveDashboard);
        route(HandlerType.DELETE, "/api/dashboards/{id}", ApiToken.Role.ADMIN, this::deleteDashboard);
        route(HandlerType.GET, "/api/dashboards/{id}/tiles/{index}", ApiToken.Role.VIEWER, this::tile);
        // the intake endpoints check their callers themselves: admin token, Google OIDC token or SNS signature
        route(HandlerType.POST, "/api/intake/cloudevents", null, intake::cloudEvent);
        route(HandlerType.POST, "/api/intake/pubsub", null, intake::pubsub);
        route(HandlerType.POST, "/api/intake/s3", null, intake::s3);
        route(HandlerType.POST, "/api/intake/sns", null, intake::sns);
        route(HandlerType.GET, "/metrics", ApiToken.Role.VIEWER, ctx -> ctx.contentType(ChuteMetrics.CONTENT_TYPE).result(metrics.scrape()));
    }

    /** Registers an API route; {@code role} null means anyone may call it. */
    private void route(HandlerType method, String path, ApiToken.Role role, Handler handler) {
        routes.add(method + " " + path);
        app.addHttpHandler(method, path, role == null ? handler : ctx -> {
            require(ctx, role);
            handler.handle(ctx);
        });
    }

    /** The API routes this server has, as {@code "METHOD /path"}, for the OpenAPI check. */
    public List<String> routes() {
        return List.copyOf(routes);
    }

    /** Counters of the event sources (one series per configured source) and of events whose object was absent. */
    private void registerEventMetrics(Pipeline p) {
        io.micrometer.core.instrument.MeterRegistry registry = metrics.registry();
        io.micrometer.core.instrument.FunctionCounter.builder("chute_events_without_object", p, Pipeline::eventsWithoutObject)
                .description("Events whose object was not in landing when looked at: redeliveries after archiving, deletes, hidden names")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("chute_loading_elsewhere", p, Pipeline::loadingElsewhere)
                .description("Files left to another worker that was loading the same version at the same moment (scale-out)")
                .register(registry);
        for (dev.chute.spi.EventSource source : p.sources()) {
            String name = source.describe();
            List<EventCounter> counters = List.of(
                    new EventCounter("chute_events_received", "Messages or deliveries taken in from the event source", s -> s.counts().received()),
                    new EventCounter("chute_events_acknowledged", "Messages acknowledged: their objects handled, or naming none",
                            s -> s.counts().acknowledged()),
                    new EventCounter("chute_events_rejected", "Payloads the store could not decode, removed so that they cannot loop",
                            s -> s.counts().rejected()),
                    new EventCounter("chute_events_released", "Messages held longer than allowed, handed back to the broker for redelivery",
                            s -> s.counts().released()));
            counters.forEach(c -> io.micrometer.core.instrument.FunctionCounter.builder(c.name(), source, c.value())
                    .description(c.help()).tag("source", name).register(registry));
            io.micrometer.core.instrument.Gauge.builder("chute_events_pending", source, s -> s.counts().pending())
                    .description("Messages held, waiting for their objects to be committed and archived").tag("source", name).register(registry);
        }
    }

    private record EventCounter(String name, String help, java.util.function.ToDoubleFunction<dev.chute.spi.EventSource> value) {
    }

    /** What the server hears from the pipeline (live events, metrics, table dashboards): add it to the pipeline's listeners. */
    public PipelineListener listener() {
        return listener;
    }

    /** Writes the overview dashboard of a table Chute loaded into, unless its file exists. Runs on the dashboards thread. */
    private void writeTableDashboard(TableId table) {
        try {
            chute.warehouse().describe(table).ifPresent(d -> dashboards.ensureTableDashboard(table, d.columns(), chute.warehouse()::quoteIdentifier));
        } catch (RuntimeException e) {
            tablesWithDashboards.remove(table);
            log.warn("cannot write the overview dashboard of {}: {}", table, e.getMessage());
        }
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

    // ---- request guards

    /** Security headers on every answer; host and cross-site checks before any handler runs. */
    private void guard(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        String host = Optional.ofNullable(ctx.header("Host")).orElse("");
        if (loopback && !loopbackHost(host)) {
            throw new ApiException(HttpStatus.FORBIDDEN, "host '" + host + "' is not served: this server is bound to loopback address " + settings.bind()
                    + " and answers only the host names localhost, 127.x.x.x and [::1]; use http://" + hostPart(settings.bind()) + ":" + port());
        }
        if (STATE_CHANGING.contains(ctx.method())) {
            String site = ctx.header("Sec-Fetch-Site");
            if (site != null && !site.equals("same-origin") && !site.equals("none")) {
                throw new ApiException(HttpStatus.FORBIDDEN, "cross-site request refused (Sec-Fetch-Site: " + site + ")");
            }
            String origin = ctx.header("Origin");
            if (origin != null && !sameOrigin(origin, scheme(ctx), host)) {
                throw new ApiException(HttpStatus.FORBIDDEN, "cross-site request refused: Origin " + origin + " is not this server ("
                        + scheme(ctx) + "://" + host + ")");
            }
            // A request that says nothing about where it comes from must show it cannot be a cross-site form:
            // a bearer token (never sent by browsers on their own), a JSON body or a custom header (both need a
            // CORS preflight, which this server never grants). The intake endpoints authenticate every caller.
            boolean saysSameSite = origin != null || site != null;
            boolean notAForm = ctx.header("Authorization") != null || ctx.header(CSRF_HEADER) != null
                    || Optional.ofNullable(ctx.contentType()).orElse("").toLowerCase(Locale.ROOT).startsWith("application/json");
            if (!saysSameSite && !notAForm && !ctx.path().startsWith("/api/intake/")) {
                throw new ApiException(HttpStatus.FORBIDDEN, "request refused: without an Origin header, send Content-Type: application/json,"
                        + " an Authorization header, or the header " + CSRF_HEADER + ": 1 (this protects against cross-site forms)");
            }
        }
    }

    private static boolean loopbackHost(String hostHeader) {
        String name = hostHeader.startsWith("[") ? hostHeader.substring(0, hostHeader.indexOf(']') + 1)
                : hostHeader.contains(":") ? hostHeader.substring(0, hostHeader.lastIndexOf(':')) : hostHeader;
        name = name.toLowerCase(Locale.ROOT);
        return name.equals("localhost") || name.equals("[::1]") || name.startsWith("127.") && name.matches("127(\\.\\d{1,3}){3}");
    }

    /**
     * The scheme the browser used to reach this server: the first {@code X-Forwarded-Proto} when a TLS proxy
     * (Cloud Run, a load balancer) put one (a cross-site page cannot add that header without a preflight,
     * which this server never grants), else the connection's own.
     */
    private static String scheme(Context ctx) {
        String forwarded = ctx.header("X-Forwarded-Proto");
        if (forwarded != null && !forwarded.isBlank()) {
            String first = forwarded.split(",")[0].trim().toLowerCase(Locale.ROOT);
            if (first.equals("http") || first.equals("https")) {
                return first;
            }
        }
        return ctx.scheme();
    }

    /** An address as the host part of a URL: IPv6 literals in brackets. */
    private static String hostPart(String address) {
        return address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address;
    }

    /** Same origin: scheme and authority both match; {@code https://host} is not the origin of {@code http://host}. */
    private static boolean sameOrigin(String origin, String scheme, String host) {
        try {
            URI uri = URI.create(origin);
            String authority = uri.getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(host) && scheme.equalsIgnoreCase(uri.getScheme());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void require(Context ctx, ApiToken.Role needed) {
        Optional<ApiToken.Role> role = settings.auth().roleOf(ctx);
        if (role.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(HttpStatus.UNAUTHORIZED, "a valid bearer token is required (Authorization: Bearer <token>, or sign in on the console)");
        }
        if (!role.get().allows(needed)) {
            throw new ApiException(HttpStatus.FORBIDDEN, "this needs the " + needed.id() + " role; your token has " + role.get().id());
        }
    }

    // ---- session

    private void session(Context ctx) {
        Optional<ApiToken.Role> role = settings.auth().roleOf(ctx);
        ObjectNode body = ApiJson.object();
        body.put("authRequired", settings.auth().required());
        body.put("authenticated", role.isPresent());
        body.put("role", role.map(ApiToken.Role::id).orElse(null));
        ctx.json(body);
    }

    private void login(Context ctx) {
        JsonNode body = jsonBody(ctx);
        String token = body.path("token").asText("");
        if (!settings.auth().required()) {
            ctx.json(ApiJson.object().put("role", ApiToken.Role.ADMIN.id()));
            return;
        }
        ServerAuth.Login login = settings.auth().login(token)
                .orElseThrow(() -> new ApiException(HttpStatus.UNAUTHORIZED, "that token is not valid"));
        setSessionCookie(ctx, login);
        ctx.json(ApiJson.object().put("role", login.role().id()));
    }

    private static void setSessionCookie(Context ctx, ServerAuth.Login login) {
        ctx.header("Set-Cookie", ServerAuth.COOKIE + "=" + login.sessionId() + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
                + ServerAuth.sessionLifetime().toSeconds() + (ctx.scheme().equals("https") ? "; Secure" : ""));
    }

    /** A new one-time sign-in link (what {@code chute console} prints), for an admin. */
    private void signInLink(Context ctx) {
        String code;
        try {
            code = settings.auth().signInCode();
        } catch (IllegalStateException e) {
            throw new ApiException(HttpStatus.CONFLICT, e.getMessage());
        }
        ctx.json(ApiJson.object().put("path", "/signin/" + code).put("expiresInSeconds", ServerAuth.SIGN_IN_LIFETIME.toSeconds()));
    }

    /** {@code GET /signin/<code>}: a one-time link opens an admin session and goes to the console; used or expired, it is refused. */
    private void signIn(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        if (!settings.auth().required()) {
            ctx.redirect("/", HttpStatus.SEE_OTHER);
            return;
        }
        Optional<ServerAuth.Login> login = settings.auth().redeem(ctx.pathParam("code"));
        if (login.isEmpty()) {
            ctx.header("Content-Security-Policy", CSP);
            ctx.status(HttpStatus.UNAUTHORIZED).contentType("text/html; charset=utf-8").result("<!doctype html><title>Chute: sign-in link refused</title>"
                    + "<p>This sign-in link was used already or has expired (links work once, for "
                    + ServerAuth.SIGN_IN_LIFETIME.toMinutes() + " minutes).</p><p>Run <code>chute console</code> on the server's machine for a new one,"
                    + " or <a href=\"/\">sign in with a token</a>.</p>");
            return;
        }
        setSessionCookie(ctx, login.get());
        ctx.redirect("/", HttpStatus.SEE_OTHER);
    }

    private void logout(Context ctx) {
        settings.auth().logout(ctx.cookie(ServerAuth.COOKIE));
        ctx.header("Set-Cookie", ServerAuth.COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        ctx.json(ApiJson.object().put("signedOut", true));
    }

    private void openapi(Context ctx) throws Exception {
        try (InputStream in = ChuteServer.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new ApiException(HttpStatus.NOT_FOUND, "openapi.json is missing from the server jar");
            }
            ctx.contentType("application/json").result(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    // ---- overview, health, status

    private ObjectNode healthJson() {
        Map<String, Chute.Health> parts = health.parts();
        boolean ok = parts.values().stream().allMatch(Chute.Health::ok);
        ObjectNode body = ApiJson.object();
        body.put("status", ok ? "ok" : "degraded");
        ObjectNode p = body.putObject("parts");
        parts.forEach((name, h) -> p.putObject(name).put("ok", h.ok()).put("detail", h.detail()));
        return body;
    }

    private void health(Context ctx) {
        ObjectNode body = healthJson();
        ctx.status(body.path("status").asText().equals("ok") ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(body);
    }

    private void overview(Context ctx) {
        Instant now = Instant.now();
        ObjectNode body = ApiJson.object();
        body.set("health", healthJson());
        body.put("backlog", chute.pipeline().map(Pipeline::backlog).orElse(-1L));
        ArrayNode throughput = body.putArray("throughput");
        chute.throughput(now.minus(Duration.ofHours(1))).forEach(b -> throughput.addObject()
                .put("minute", ApiJson.time(b.minute())).put("files", b.files()).put("rows", b.rows()).put("bytes", b.bytes()));
        body.set("tables", tablesJson(now));
        List<FailureRecord> failures = chute.warehouse().recentFailures(10);
        body.set("failures", failuresJson(failures));
        // files in failed/ need a person even while every part is up: the overview says so, with how many
        long failed = chute.warehouse().unresolvedFailureCount();
        body.put("failedFiles", failed);
        body.put("state", !body.path("health").path("status").asText().equals("ok") ? "degraded" : failed > 0 ? "attention" : "ok");
        Chute.Ignored ignored = chute.ignored();
        ArrayNode listed = body.putArray("ignored");
        ignored.entries().forEach(e -> listed.addObject().put("key", e.key()).put("reason", e.reason()));
        body.put("ignoredCount", ignored.count());
        ctx.json(body);
    }

    private ArrayNode tablesJson(Instant now) {
        Map<TableId, Duration> freshness = chute.config().freshness();
        return ApiJson.array(chute.warehouse().tables(), t -> ApiJson.table(t, Optional.ofNullable(freshness.get(t.table())), now)
                .put("sqlName", sqlName(t.table())));
    }

    /** The table's name as the warehouse's SQL writes it, each part quoted its way (issue 13): what the console puts in queries. */
    private String sqlName(TableId table) {
        return chute.warehouse().quoteIdentifier(table.dataset()) + "." + chute.warehouse().quoteIdentifier(table.table());
    }

    // ---- loads and failures

    private void loads(Context ctx) {
        Optional<TableId> table = Optional.ofNullable(ctx.queryParam("table")).filter(s -> !s.isBlank()).map(TableId::parse);
        Optional<Boolean> undone = Optional.ofNullable(ctx.queryParam("status")).filter(s -> !s.isBlank()).map(s -> switch (s) {
            case "committed" -> false;
            case "undone" -> true;
            default -> throw new IllegalArgumentException("query parameter status is '" + s + "'; expected committed or undone");
        });
        LoadSummary.Filter filter = new LoadSummary.Filter(table, undone, instantParam(ctx, "since"), instantParam(ctx, "until"), limit(ctx, 100));
        ctx.json(ApiJson.object().set("loads", ApiJson.array(chute.warehouse().loads(filter), ApiJson::load)));
    }

    private void load(Context ctx) {
        String id = ctx.pathParam("loadId");
        LoadSummary load = chute.warehouse().load(id).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "no load with id '" + id + "'"));
        ObjectNode body = ApiJson.load(load);
        body.set("entries", ApiJson.array(chute.warehouse().loadEntries(id), ApiJson::entry));
        ctx.json(body);
    }

    private void undo(Context ctx) {
        var result = chute.undo(ctx.pathParam("loadId"));
        ctx.json(ApiJson.object().put("loadId", result.loadId()).put("table", result.table().toString())
                .put("rowsDeleted", result.rowsDeleted()).put("files", result.entries().size()));
    }

    private void restore(Context ctx) {
        Chute.Restored r = chute.restore(ctx.pathParam("loadId"));
        ObjectNode body = ApiJson.object();
        ArrayNode restored = body.putArray("restored");
        r.restored().forEach(restored::add);
        ArrayNode missing = body.putArray("missing");
        r.missing().forEach(missing::add);
        ctx.json(body);
    }

    private void failures(Context ctx) {
        Optional<TableId> table = Optional.ofNullable(ctx.queryParam("table")).filter(s -> !s.isBlank()).map(TableId::parse);
        int limit = limit(ctx, 100);
        List<FailureRecord> all = chute.warehouse().recentFailures(table.isPresent() ? 10_000 : limit);
        List<FailureRecord> chosen = all.stream().filter(f -> table.isEmpty() || f.table().equals(table)).limit(limit).toList();
        ctx.json(ApiJson.object().set("failures", failuresJson(chosen)));
    }

    /**
     * Failures as JSON, each saying whether its table exists ({@code tableExists}): a file that failed
     * before its table was ever created names a table that has no page to link to.
     */
    private ArrayNode failuresJson(List<FailureRecord> failures) {
        Map<TableId, Boolean> exists = new java.util.HashMap<>();
        return ApiJson.array(failures, f -> ApiJson.failure(f).put("tableExists",
                f.table().map(t -> exists.computeIfAbsent(t, id -> chute.warehouse().describe(id).isPresent())).orElse(false)));
    }

    private void replay(Context ctx) {
        JsonNode body = ctx.body().isBlank() ? ApiJson.object() : jsonBody(ctx);
        List<String> keys = new ArrayList<>();
        body.path("keys").forEach(k -> keys.add(k.asText()));
        ctx.json(Map.of("replayed", chute.replay(keys)));
    }

    private void fileStatus(Context ctx) {
        String key = Optional.ofNullable(ctx.queryParam("key")).filter(k -> !k.isBlank())
                .orElseThrow(() -> new IllegalArgumentException("query parameter key is required (a landing key such as ecommerce/order_events/file.csv)"));
        Chute.FileStatus status = chute.fileStatus(key);
        ObjectNode body = ApiJson.object().put("key", status.key()).put("state", status.state());
        body.set("load", status.load().flatMap(e -> chute.warehouse().load(e.loadId())).<JsonNode>map(ApiJson::load).orElse(null));
        body.set("failure", status.failure().<JsonNode>map(f -> failuresJson(List.of(f)).get(0)).orElse(null));
        ctx.json(body);
    }

    // ---- upload and one-shot load

    private void upload(Context ctx) {
        if (!ctx.isMultipartFormData()) {
            throw new IllegalArgumentException("expected multipart/form-data with fields dataset, table and one or more files parts");
        }
        List<UploadedFile> files;
        String dataset;
        String tableName;
        try {
            files = ctx.uploadedFiles("files");
            dataset = Optional.ofNullable(ctx.formParam("dataset")).orElse("").trim();
            tableName = Optional.ofNullable(ctx.formParam("table")).orElse("").trim();
        } catch (IllegalStateException e) {
            // a body cut off by the read deadline or minimum rate arrives wrapped: it is a 408, not a size refusal
            if (e.getCause() instanceof org.eclipse.jetty.http.BadMessageException cut) {
                throw cut;
            }
            // Jetty refuses a request over the multipart limits while reading it
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "upload refused: " + e.getMessage() + " (server.max_upload is " + settings.maxUpload() + " bytes)");
        } catch (Exception e) {
            // a body cut short or not multipart at all (Jetty: "Incomplete Multipart", "Missing initial multi part boundary"):
            // the client's fault, and nothing of it was written to landing
            throw new ApiException(HttpStatus.BAD_REQUEST, "the multipart/form-data body is incomplete or malformed (" + e.getMessage()
                    + "); send it again whole: fields dataset, table and one or more files parts, ending with the closing boundary");
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no files in the upload: send them as parts named 'files'");
        }
        TableId table = new TableId(dataset, tableName);
        ArrayNode uploaded = ApiJson.object().arrayNode();
        for (UploadedFile f : files) {
            String name = f.filename();
            if (!FILE_NAME.matcher(name).matches() || name.contains("..") || dev.chute.core.Router.ignored(name)) {
                throw new IllegalArgumentException("file name '" + name + "' is not allowed: expected letters, digits, '.', '_', '-', ' ', '(', ')', '+',"
                        + " not starting with '.', without '..', at most 200 characters, and not a temporary name (.tmp, .part, ~)");
            }
        }
        // An upload never replaces a file still in landing: that file is a version nobody has loaded yet, and
        // replacing it would lose it without a trace. Each name is held while its upload is written (so two
        // uploads to this server cannot both pass the store's check), and the store creates it only if absent.
        List<String> keys = files.stream().map(f -> table.dataset() + "/" + table.table() + "/" + f.filename()).toList();
        if (keys.stream().distinct().count() < keys.size()) {
            throw new IllegalArgumentException("the upload names one file twice; send each name once");
        }
        List<String> held = new ArrayList<>();
        try {
            for (String key : keys) {
                if (!uploading.add(key)) {
                    throw new ApiException(HttpStatus.CONFLICT, "an upload of " + key + " is being received right now; this one is refused so that"
                            + " neither replaces the other: send it again once that one is loaded, or under another name");
                }
                held.add(key);
                if (chute.store().stat(new ObjectRef(ObjectRef.Area.LANDING, key)).isPresent()) {
                    throw alreadyInLanding(key);
                }
            }
            for (int i = 0; i < files.size(); i++) {
                String key = keys.get(i);
                try (InputStream in = files.get(i).content()) {
                    java.util.OptionalLong bytes = chute.store().create(new ObjectRef(ObjectRef.Area.LANDING, key), in, settings.maxUpload());
                    if (bytes.isEmpty()) {
                        ApiException refused = alreadyInLanding(key);
                        throw i == 0 ? refused : new ApiException(HttpStatus.CONFLICT, refused.getMessage() + " (received before it and kept: "
                                + String.join(", ", keys.subList(0, i)) + ")");
                    }
                    uploaded.addObject().put("key", key).put("bytes", bytes.getAsLong());
                } catch (java.io.IOException e) {
                    throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot read the uploaded part " + files.get(i).filename() + ": " + e.getMessage(), e);
                }
            }
        } finally {
            held.forEach(uploading::remove);
        }
        log.info("uploaded {} file(s) into {}", files.size(), table);
        ctx.json(ApiJson.object().set("uploaded", uploaded));
    }

    private static ApiException alreadyInLanding(String key) {
        return new ApiException(HttpStatus.CONFLICT, "an upload of " + key + " is already in landing and not yet loaded; this one is refused"
                + " so that it does not replace that one: send it again once that one is loaded (GET /api/files/status?key=" + key + "),"
                + " or under another name");
    }

    private void loadPaths(Context ctx) {
        JsonNode body = jsonBody(ctx);
        List<Path> paths = new ArrayList<>();
        body.path("paths").forEach(p -> paths.add(Path.of(p.asText())));
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("expected a JSON body {\"paths\": [\"/abs/file.csv\", ...], \"table\": \"dataset.table\" (optional)}");
        }
        Optional<TableId> table = body.hasNonNull("table") ? Optional.of(TableId.parse(body.get("table").asText())) : Optional.empty();
        if (!body.path("progress").asBoolean()) {
            List<Pipeline.OneShotResult> results = chute.load(paths, table, PipelineListener.NONE);
            ctx.json(Map.of("results", results));
            return;
        }
        // {"progress": true}: one JSON object per line as the load goes (planned, loaded, duplicate, failed), then
        // {"results": [...]}, or {"error": ..., "code": ...} once the status line has gone; chute load draws its progress from them
        ctx.contentType("application/x-ndjson");
        LoadEvents events = new LoadEvents(ctx.outputStream());
        try {
            events.write(ApiJson.object().putPOJO("results", chute.load(paths, table, events)));
        } catch (ChuteException e) {
            events.write(ApiJson.object().put("error", e.getMessage()).put("code", e.code().name()));
        } catch (RuntimeException e) {
            log.error("request {} {} failed", ctx.method(), ctx.path(), e);
            events.write(ApiJson.object().put("error", "internal error: " + e).put("code", ErrorCode.INTERNAL.name()));
        }
    }

    /** The events of a one-shot load, written to the response as JSON lines, each flushed as it happens. */
    private static final class LoadEvents implements PipelineListener {
        private final java.io.OutputStream out;

        LoadEvents(java.io.OutputStream out) {
            this.out = out;
        }

        synchronized void write(ObjectNode event) {
            try {
                out.write(Json.mapper().writeValueAsBytes(event));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                // the client went away: the load goes on to its end (its files commit or fail as usual)
                log.debug("cannot send load progress: {}", e.getMessage());
            }
        }

        @Override
        public void planned(long files, long bytes) {
            ObjectNode event = ApiJson.object();
            event.putObject("planned").put("files", files).put("bytes", bytes);
            write(event);
        }

        @Override
        public void loaded(String key, TableId table, long rows, long bytes, long millis) {
            ObjectNode event = ApiJson.object();
            event.putObject("loaded").put("file", key).put("table", table.toString()).put("rows", rows).put("bytes", bytes);
            write(event);
        }

        @Override
        public void duplicate(String key) {
            ObjectNode event = ApiJson.object();
            event.putObject("duplicate").put("file", key);
            write(event);
        }

        @Override
        public void failed(String key, dev.chute.spi.LoadError error, boolean permanent) {
            ObjectNode event = ApiJson.object();
            event.putObject("failed").put("file", key).put("code", error.code().name()).put("reason", error.reason()).put("permanent", permanent);
            write(event);
        }
    }

    // ---- tables

    private TableId tableParam(Context ctx) {
        return TableId.parse(ctx.pathParam("table"));
    }

    private TableDetail requireTable(TableId table) {
        return chute.warehouse().describe(table).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "table " + table + " does not exist"));
    }

    private void tables(Context ctx) {
        ctx.json(ApiJson.object().set("tables", tablesJson(Instant.now())));
    }

    private void table(Context ctx) {
        TableId id = tableParam(ctx);
        TableDetail detail = requireTable(id);
        TableSummary summary = chute.warehouse().tables().stream().filter(t -> t.table().equals(id)).findFirst()
                .orElse(new TableSummary(id, 0, 0, 0, Optional.empty()));
        ObjectNode body = ApiJson.table(summary, Optional.ofNullable(chute.config().freshness().get(id)), Instant.now());
        body.put("sqlName", sqlName(id));
        ArrayNode columns = body.putArray("columns");
        detail.columns().forEach(c -> columns.addObject().put("name", c.name()).put("type", c.type()));
        body.put("rowCount", detail.rowCount());
        body.put("lineage", detail.lineage());
        ctx.json(body);
    }

    private void sample(Context ctx) throws IOException {
        TableId id = tableParam(ctx);
        requireTable(id);
        int rows = Math.min(limit(ctx, 50), 1000);
        answer(ctx, chute.querySlots().run(() -> chute.warehouse().sample(id, rows, chute.config().get(ChuteConfig.QUERY_TIMEOUT))), OptionalLong.empty());
    }

    private void profile(Context ctx) {
        TableId id = tableParam(ctx);
        requireTable(id);
        ArrayNode columns = ApiJson.object().arrayNode();
        chute.querySlots().run(() -> chute.warehouse().profile(id, chute.config().get(ChuteConfig.QUERY_TIMEOUT))).forEach(p -> {
            ObjectNode column = columns.addObject()
                    .put("name", p.name()).put("type", p.type()).put("nulls", p.nulls()).put("distinct", p.distinct()).put("distinctExact", p.distinctExact());
            p.distinctError().ifPresent(e -> column.put("distinctError", e));
            column.put("min", p.min().orElse(null)).put("max", p.max().orElse(null));
        });
        ctx.json(ApiJson.object().set("columns", columns));
    }

    private void lineage(Context ctx) {
        TableId id = tableParam(ctx);
        requireTable(id);
        long offset = offset(ctx);
        LineagePage page = chute.warehouse().lineage(id, offset, limit(ctx, 100));
        ArrayNode sources = ApiJson.object().arrayNode();
        page.sources().forEach(s -> sources.addObject()
                .put("key", s.key()).put("loadId", s.loadId()).put("rows", s.rows()).put("loadedAt", ApiJson.time(s.loadedAt())));
        ObjectNode body = ApiJson.object();
        body.set("sources", sources);
        body.put("offset", page.offset());
        body.put("total", page.total());
        ctx.json(body);
    }

    /** The {@code offset} query parameter: how many items of a list to skip (0 when absent). */
    private static long offset(Context ctx) {
        String text = ctx.queryParam("offset");
        if (text == null || text.isBlank()) {
            return 0;
        }
        try {
            long n = Long.parseLong(text);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("query parameter offset is '" + text + "'; expected a whole number from 0 up");
        }
    }

    // ---- queries

    private String sqlOf(JsonNode body) {
        JsonNode sql = body.get("sql");
        if (sql == null || !sql.isTextual() || sql.asText().isBlank()) {
            throw new IllegalArgumentException("expected a JSON body {\"sql\": \"SELECT ...\"}");
        }
        return sql.asText();
    }

    private void query(Context ctx) throws IOException {
        JsonNode body = jsonBody(ctx);
        String sql = sqlOf(body);
        int configured = chute.config().get(ChuteConfig.QUERY_MAX_ROWS);
        int maxRows = body.hasNonNull("maxRows") ? Math.max(1, Math.min(body.get("maxRows").asInt(), configured)) : configured;
        long started = System.nanoTime();
        QueryResult result = chute.query(sql, maxRows);
        answer(ctx, result, OptionalLong.of((System.nanoTime() - started) / 1_000_000));
    }

    /** A query's answer, written to the client value by value (no second copy of it in memory). */
    private static void answer(Context ctx, QueryResult result, OptionalLong millis) throws IOException {
        ctx.contentType("application/json");
        Json.writeQueryResult(result, millis, ctx.outputStream());
    }

    private void export(Context ctx) throws Exception {
        JsonNode body = jsonBody(ctx);
        String sql = sqlOf(body);
        String format = body.path("format").asText("csv");
        if (!format.equals("csv") && !format.equals("json")) {
            throw new IllegalArgumentException("format is '" + format + "'; expected csv or json");
        }
        QueryResult result = chute.query(sql);
        ctx.header("X-Chute-Truncated", Boolean.toString(result.truncated()));
        result.truncatedBy().ifPresent(by -> ctx.header("X-Chute-Truncated-By", Json.truncatedBy(result)));
        ctx.header("Content-Disposition", "attachment; filename=\"query." + format + "\"");
        if (format.equals("csv")) {
            ctx.contentType("text/csv; charset=utf-8");
            try (Writer out = new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8)) {
                csv(result, out);
            }
        } else {
            ctx.contentType("application/json");
            try (JsonGenerator g = Json.mapper().getFactory().createGenerator(ctx.outputStream())) {
                g.useDefaultPrettyPrinter();
                g.writeStartArray();
                for (List<Object> row : result.rows()) {
                    g.writeStartObject();
                    for (int i = 0; i < result.columns().size(); i++) {
                        g.writeFieldName(result.columns().get(i).name());
                        Json.writeValue(g, row.get(i));
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
        }
    }

    /** RFC 4180 CSV: a header line, fields quoted when they hold a comma, quote or line break. */
    static String csv(QueryResult result) {
        StringWriter out = new StringWriter();
        try {
            csv(result, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void csv(QueryResult result, Writer out) throws IOException {
        out.append(String.join(",", result.columns().stream().map(c -> csvField(c.name())).toList())).append("\r\n");
        for (List<Object> row : result.rows()) {
            out.append(String.join(",", row.stream().map(v -> v == null ? "" : csvField(Json.text(v))).toList())).append("\r\n");
        }
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    // ---- dashboards

    private Dashboard requireDashboard(String id) {
        return dashboards.get(id).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "no dashboard '" + id + "' in " + dashboards.dir()));
    }

    private void dashboards(Context ctx) {
        ArrayNode list = ApiJson.object().arrayNode();
        for (DashboardStore.Entry e : dashboards.list()) {
            ObjectNode o = list.addObject().put("id", e.id()).put("title", e.title()).put("tiles", e.tiles());
            o.put("error", e.error().orElse(null));
        }
        ctx.json(ApiJson.object().set("dashboards", list));
    }

    private void dashboard(Context ctx) {
        ctx.json(requireDashboard(ctx.pathParam("id")));
    }

    private void saveDashboard(Context ctx) {
        JsonNode yaml = jsonBody(ctx).get("yaml");
        if (yaml == null || !yaml.isTextual()) {
            throw new IllegalArgumentException("expected a JSON body {\"yaml\": \"title: ...\"}");
        }
        ctx.json(dashboards.save(ctx.pathParam("id"), yaml.asText()));
    }

    private void deleteDashboard(Context ctx) {
        String id = ctx.pathParam("id");
        if (!dashboards.delete(id)) {
            throw new ApiException(HttpStatus.NOT_FOUND, "no dashboard '" + id + "'");
        }
        ctx.json(ApiJson.object().put("deleted", id));
    }

    private void tile(Context ctx) throws IOException {
        Dashboard d = requireDashboard(ctx.pathParam("id"));
        int index;
        try {
            index = Integer.parseInt(ctx.pathParam("index"));
        } catch (NumberFormatException e) {
            index = -1;
        }
        if (index < 0 || index >= d.tiles().size()) {
            throw new ApiException(HttpStatus.NOT_FOUND, "dashboard '" + d.id() + "' has tiles 0 to " + (d.tiles().size() - 1) + "; found '" + ctx.pathParam("index") + "'");
        }
        DashboardTimeRange range = Optional.ofNullable(ctx.queryParam("range")).filter(r -> !r.isBlank()).map(DashboardTimeRange::parse).orElse(d.timeRange());
        long started = System.nanoTime();
        QueryResult result = chute.query(d.tiles().get(index).renderSql(range, Instant.now()));
        answer(ctx, result, OptionalLong.of((System.nanoTime() - started) / 1_000_000));
    }

    // ---- helpers

    private static JsonNode jsonBody(Context ctx) {
        String type = Optional.ofNullable(ctx.contentType()).orElse("");
        if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "expected Content-Type: application/json, found '" + type + "'");
        }
        try {
            JsonNode node = Json.mapper().readTree(ctx.body());
            return node == null ? ApiJson.object() : node;
        } catch (ApiException | org.eclipse.jetty.http.BadMessageException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("the request body is not valid JSON: " + e.getMessage());
        }
    }

    private static Optional<Instant> instantParam(Context ctx, String name) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("query parameter " + name + " is '" + text + "'; expected an ISO-8601 instant such as 2026-01-31T00:00:00Z");
        }
    }

    private static int limit(Context ctx, int defaultLimit) {
        String text = ctx.queryParam("limit");
        if (text == null || text.isBlank()) {
            return defaultLimit;
        }
        try {
            int n = Integer.parseInt(text);
            if (n < 1 || n > 10_000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("query parameter limit is '" + text + "'; expected a number from 1 to 10000");
        }
    }

    private static void error(Context ctx, HttpStatus status, String message) {
        ctx.status(status).json(Map.of("error", message));
    }

    /** An answer with a status and a message, for the exception handler. */
    static final class ApiException extends RuntimeException {
        final HttpStatus status;

        ApiException(HttpStatus status, String message) {
            super(message);
            this.status = status;
        }
    }

    @Override
    public void close() {
        app.stop();
        closeParts();
    }

    private void closeParts() {
        if (limits != null) {
            limits.close();
        }
        health.close();
        events.close();
        intake.close();
        dashboardWriter.shutdownNow();
        metrics.close();
    }
}
