package dev.chute.server;

import static java.util.Objects.requireNonNull;

import dev.chute.core.ChuteConfig;
import dev.chute.core.Json;
import dev.chute.server.ChuteServer.ApiException;
import io.javalin.http.HttpStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * What one kind of request may take from the server, decided from its request line and headers
 * before any handler reads its body, so that slow or numerous clients of one kind cannot take the
 * threads that health, status and the console need:
 * <ul>
 *   <li>intake ({@code /api/intake/*}): at most {@code server.max_concurrent_intake} at once, a body
 *       of at most {@code server.max_intake_body} (refused by its {@code Content-Length} before a
 *       byte of it is read, or as soon as a chunked body passes it), received within
 *       {@code server.read_timeout};</li>
 *   <li>uploads ({@code POST /api/upload}): at most {@code server.max_concurrent_uploads} at once;
 *       after its first {@code server.read_timeout}, an upload whose bytes received fall below
 *       {@code server.min_request_rate} times the time taken is cut off (its connection closed), and
 *       the idle timeout cuts off one that stalls;</li>
 *   <li>any other request with a body (sign-in, queries, dashboards, admin actions): at most
 *       {@code server.max_concurrent_bodies} being received at once (the slot is given back as
 *       soon as the body has arrived, so a long query does not hold it), received within
 *       {@code server.read_timeout}, at most {@link #MAX_API_BODY} bytes.</li>
 * </ul>
 * A request whose class is full is answered at once with 503 and {@code Retry-After}: it never
 * waits for a thread, so the bounds together stay far below Jetty's thread pool (250 threads;
 * the configuration allows at most 64 + 32 + 64). Runs as a servlet filter on Jetty's request
 * threads, in front of Javalin.
 */
final class RequestLimits implements Filter {
    /** Largest JSON body of the console API (queries, dashboards, sign-in); Javalin's own limit is the same. */
    static final long MAX_API_BODY = 4L * 1024 * 1024;
    /** Seconds a refused sender is told to wait before it tries again. */
    private static final String RETRY_AFTER = "2";

    enum Kind { INTAKE, UPLOAD, BODY, OTHER }

    /** The limits, from the {@code server.*} keys of {@code chute.yaml}. */
    record Settings(long maxIntakeBody, int maxIntake, int maxUploads, int maxBodies, Duration readTimeout, long minUploadRate) {
        Settings {
            requireNonNull(readTimeout, "readTimeout is null");
        }

        static Settings of(ChuteConfig config) {
            return new Settings(config.get(ChuteConfig.SERVER_MAX_INTAKE_BODY), config.get(ChuteConfig.SERVER_MAX_CONCURRENT_INTAKE),
                    config.get(ChuteConfig.SERVER_MAX_CONCURRENT_UPLOADS), config.get(ChuteConfig.SERVER_MAX_CONCURRENT_BODIES),
                    config.get(ChuteConfig.SERVER_READ_TIMEOUT), config.get(ChuteConfig.SERVER_MIN_REQUEST_RATE));
        }
    }

    private final Settings settings;
    private final Map<Kind, Semaphore> slots;
    private final MeterRegistry registry;
    /** Looks at the uploads being received once a second; see {@link #watchRate}. */
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chute-upload-rate");
        t.setDaemon(true);
        return t;
    });

    RequestLimits(Settings settings, MeterRegistry registry) {
        this.settings = requireNonNull(settings, "settings is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.slots = Map.of(Kind.INTAKE, new Semaphore(settings.maxIntake()), Kind.UPLOAD, new Semaphore(settings.maxUploads()),
                Kind.BODY, new Semaphore(settings.maxBodies()));
    }

    /** The class of a request, by method and path as Javalin routes them (trailing slashes ignored), and whether it has a body. */
    static Kind kindOf(String method, String path, boolean hasBody) {
        String p = path.replaceAll("/{2,}", "/");
        if (p.startsWith("/api/intake/")) {
            return Kind.INTAKE;
        }
        if (method.equalsIgnoreCase("POST") && (p.equals("/api/upload") || p.equals("/api/upload/"))) {
            return Kind.UPLOAD;
        }
        return hasBody ? Kind.BODY : Kind.OTHER;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        boolean hasBody = req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null;
        Kind kind = kindOf(req.getMethod(), req.getRequestURI().substring(Optional.ofNullable(req.getContextPath()).orElse("").length()), hasBody);
        String name = kind.name().toLowerCase(Locale.ROOT);
        if (kind == Kind.INTAKE && req.getContentLengthLong() > settings.maxIntakeBody()) {
            refuse(res, kind, "too_large", HttpStatus.CONTENT_TOO_LARGE, "the notification has " + req.getContentLengthLong()
                    + " bytes; at most " + settings.maxIntakeBody() + " are accepted (server.max_intake_body)");
            return;
        }
        Semaphore slot = slots.get(kind);
        if (slot != null && !slot.tryAcquire()) {
            String what = switch (kind) {
                case INTAKE -> "notifications";
                case UPLOAD -> "uploads";
                default -> "request bodies";
            };
            res.setHeader("Retry-After", RETRY_AFTER);
            refuse(res, kind, "busy", HttpStatus.SERVICE_UNAVAILABLE, "the server is receiving as many " + what + " as it takes at once (server.max_concurrent_"
                    + (kind == Kind.INTAKE ? "intake" : kind == Kind.UPLOAD ? "uploads" : "bodies") + "); try again in " + RETRY_AFTER + " s");
            return;
        }
        // given back once, at the end of the body (BODY) or of the request, whichever comes first
        Runnable release = slot == null ? () -> { } : new Runnable() {
            private final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();

            @Override
            public void run() {
                if (done.compareAndSet(false, true)) {
                    slot.release();
                }
            }
        };
        ScheduledFuture<?> watch = kind == Kind.UPLOAD ? watchRate(req) : null;
        try {
            if (kind == Kind.UPLOAD || !hasBody) {
                chain.doFilter(req, res);
            } else {
                long limit = kind == Kind.INTAKE ? settings.maxIntakeBody() : MAX_API_BODY;
                Runnable atEnd = kind == Kind.BODY ? release : () -> { };
                chain.doFilter(new BoundedRequest(req, res, name, limit, System.nanoTime() + settings.readTimeout().toNanos(), atEnd), res);
            }
        } finally {
            if (watch != null) {
                watch.cancel(false);
            }
            release.run();
        }
    }

    /**
     * Cuts off an upload that trickles: once it has taken longer than {@code server.read_timeout},
     * it must have received {@code server.min_request_rate} bytes for every second it has taken,
     * or its connection is closed (the handler's read fails and nothing of it is kept). Measured
     * from the upload's start over its whole life, so a pause or a late read by the handler never
     * cuts off a sender that keeps up on average, and a short body is never measured at all.
     * Multipart bodies are read by Jetty's own parser, below any wrapper, so the bytes come from
     * Jetty's count of what arrived.
     */
    private ScheduledFuture<?> watchRate(HttpServletRequest req) {
        long rate = settings.minUploadRate();
        org.eclipse.jetty.server.Request base = org.eclipse.jetty.server.Request.getBaseRequest(req);
        if (rate <= 0 || base == null) {
            return null;
        }
        long start = System.nanoTime();
        long grace = settings.readTimeout().toNanos();
        return watchdog.scheduleAtFixedRate(() -> {
            long elapsed = System.nanoTime() - start;
            if (elapsed <= grace) {
                return;
            }
            long expected = (long) (rate * (elapsed / 1e9));
            if (base.getHttpInput().getContentReceived() < expected && !base.getHttpInput().isFinished()) {
                count("upload", "too_slow");
                base.getHttpChannel().getEndPoint().close();
                throw new java.util.concurrent.CancellationException("cut off");
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /** Stops the upload watchdog; the server calls it when it stops. */
    void close() {
        watchdog.shutdownNow();
    }

    private void refuse(HttpServletResponse res, Kind kind, String reason, HttpStatus status, String message) throws IOException {
        count(kind.name().toLowerCase(Locale.ROOT), reason);
        // the body was not read: closing is cheaper than draining it, and a trickling sender gets no second request
        res.setHeader("Connection", "close");
        res.setHeader("X-Content-Type-Options", "nosniff");
        res.setStatus(status.getCode());
        res.setContentType("application/json");
        res.getOutputStream().write(Json.mapper().writeValueAsBytes(Map.of("error", message)));
    }

    private void count(String kind, String reason) {
        Counter.builder("chute_http_refused").description("Requests refused by the server's limits, by class (intake, upload, body) and reason (busy, too_large, too_slow)")
                .tag("class", kind).tag("reason", reason).register(registry).increment();
    }

    /** A request whose body must arrive whole, within a deadline and a size. */
    private final class BoundedRequest extends HttpServletRequestWrapper {
        private final HttpServletResponse response;
        private final String kind;
        private final long limit;
        private final long deadlineNanos;
        private final Runnable atEnd;
        private ServletInputStream body;

        BoundedRequest(HttpServletRequest request, HttpServletResponse response, String kind, long limit, long deadlineNanos, Runnable atEnd) {
            super(request);
            this.response = response;
            this.kind = kind;
            this.limit = limit;
            this.deadlineNanos = deadlineNanos;
            this.atEnd = atEnd;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (body == null) {
                body = new BoundedBody(super.getInputStream());
            }
            return body;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            Charset charset = Optional.ofNullable(getCharacterEncoding()).map(Charset::forName).orElse(StandardCharsets.UTF_8);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }

        private ApiException cut(String reason, HttpStatus status, String message) {
            count(kind, reason);
            response.setHeader("Connection", "close");
            return new ApiException(status, message);
        }

        private final class BoundedBody extends ServletInputStream {
            private final ServletInputStream in;
            private long read;

            BoundedBody(ServletInputStream in) {
                this.in = in;
            }

            private void check() {
                if (read > limit) {
                    throw cut("too_large", HttpStatus.CONTENT_TOO_LARGE, "the request body passed " + limit + " bytes"
                            + (kind.equals("intake") ? " (server.max_intake_body)" : ""));
                }
                if (System.nanoTime() - deadlineNanos > 0) {
                    throw cut("too_slow", HttpStatus.REQUEST_TIMEOUT, "the request body did not arrive within " + settings.readTimeout().toMillis()
                            + " ms (server.read_timeout)");
                }
            }

            @Override
            public int read() throws IOException {
                check();
                int b = in.read();
                if (b >= 0) {
                    read++;
                    check();
                } else {
                    atEnd.run();
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                check();
                int n = in.read(buffer, offset, (int) Math.min(length, limit + 1 - read));
                if (n > 0) {
                    read += n;
                    check();
                } else if (n < 0) {
                    atEnd.run();
                }
                return n;
            }

            @Override
            public boolean isFinished() {
                return in.isFinished();
            }

            @Override
            public boolean isReady() {
                return in.isReady();
            }

            @Override
            public void setReadListener(ReadListener listener) {
                in.setReadListener(listener);
            }
        }
    }
}
