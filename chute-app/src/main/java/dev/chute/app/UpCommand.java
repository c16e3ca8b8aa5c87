package dev.chute.app;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListener;
import dev.chute.core.PipelineListeners;
import dev.chute.core.Router;
import dev.chute.server.ChuteServer;
import dev.chute.server.Notifier;
import dev.chute.server.ServerAuth;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.TableId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "up", description = "Run Chute in the foreground: watch landing, load, archive, serve the API. Stops gracefully on SIGINT/SIGTERM.")
final class UpCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger("dev.chute.up");

    @Mixin
    HomeOptions options;

    @Option(names = "--port", paramLabel = "N", description = "HTTP port (default 8080; 0 picks a free one).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to bind (default 127.0.0.1). Any other address requires a bearer token.")
    String bind;

    @Override
    public Integer call() throws Exception {
        options.configureLogging();
        FatalErrors.haltOnUncaughtVmError();
        Path home = options.home();
        // in a container (Cloud Run) the whole chute.yaml may come in CHUTE_CONFIG_YAML; --config still wins
        String yaml = System.getenv("CHUTE_CONFIG_YAML");
        ChuteConfig config = options.config == null && yaml != null && !yaml.isBlank()
                ? ChuteConfig.parse(yaml, "environment variable CHUTE_CONFIG_YAML") : options.loadConfig();
        // Cloud Run says where to listen in $PORT; --port still wins
        String envPort = System.getenv("PORT");
        if (port != null) {
            config = config.with(ChuteConfig.SERVER_PORT, Integer.toString(port));
        } else if (envPort != null && !envPort.isBlank()) {
            try {
                config = config.with(ChuteConfig.SERVER_PORT, envPort.trim());
            } catch (ChuteException e) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "environment variable PORT has value '" + envPort.trim()
                        + "'; expected a port number from 0 to 65535 (or unset it and use --port)");
            }
        }
        if (bind != null) {
            config = config.with(ChuteConfig.SERVER_BIND, bind);
        }
        for (String dir : new String[] {"landing", "archive", "failed"}) {
            Files.createDirectories(home.resolve(dir));
        }
        Optional<HomeLock> acquired = HomeLock.tryAcquire(home);
        if (acquired.isEmpty()) {
            String who = HomeLock.running(home).map(r -> " (pid " + r.pid() + ", " + r.url() + ")").orElse("");
            throw new ChuteException(ErrorCode.CONFIGURATION, "another Chute is already running on home " + home + who + "; stop it first or use another --home");
        }
        HomeLock lock = acquired.get();
        String bindAddress = config.get(ChuteConfig.SERVER_BIND);
        boolean exposed = !ChuteServer.isLoopback(bindAddress);
        // every local account can reach a loopback port: only server.auth: none opens it to all of them, and only there
        boolean authRequired = !config.get(ChuteConfig.SERVER_AUTH).equals("none");
        if (!authRequired && exposed) {
            lock.close();
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'server.auth' has value 'none', which is allowed on a loopback"
                    + " address only; the server would bind " + bindAddress + ". Remove server.auth (tokens are then required) or bind 127.0.0.1");
        }
        if (!authRequired) {
            log.warn("server.auth is none: EVERY USER OF THIS MACHINE is admin of this Chute (query every table, load any file the server can read,"
                    + " undo loads); remove server.auth to require the owner's sign-in");
        }
        Optional<String> adminSecret = Optional.ofNullable(System.getenv("CHUTE_TOKEN")).filter(t -> !t.isBlank());
        if (authRequired && adminSecret.isEmpty()) {
            // the owner's CLI reads this secret from .chute/server.json (mode 600) and the browser gets a one-time link:
            // the secret is printed only when it is the one way in for a client elsewhere (exposed, no token configured)
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            adminSecret = Optional.of(HexFormat.of().formatHex(random));
            if (exposed && config.tokens().isEmpty()) {
                System.err.println("No CHUTE_TOKEN or server.tokens set and the server is exposed: generated admin token (shown once): " + adminSecret.get());
            }
        }
        ServerAuth auth = authRequired ? new ServerAuth(true, config.tokens(), adminSecret) : ServerAuth.open();
        PipelineListeners listeners = new PipelineListeners(new LoggingListener());
        Chute chute = Chute.open(home, config, true, listeners);
        Optional<Notifier> notifier;
        try {
            notifier = notifier(config, chute);
        } catch (ChuteException e) {
            chute.close();
            lock.close();
            throw e;
        }
        ChuteServer server;
        try {
            server = new ChuteServer(chute, ChuteServer.Settings.of(config, auth, home));
        } catch (RuntimeException e) {
            notifier.ifPresent(Notifier::close);
            chute.close();
            lock.close();
            throw new ChuteException(ErrorCode.CONFIGURATION, "cannot start the HTTP server on " + bindAddress + ":" + config.get(ChuteConfig.SERVER_PORT)
                    + ": " + rootMessage(e) + " (use --port to pick another port)", e);
        }
        listeners.add(server.listener());
        notifier.ifPresent(n -> {
            listeners.add(n);
            n.start();
        });
        Listening listening = Listening.of(bindAddress, server.port());
        String url = listening.url();
        lock.advertise(url, authRequired ? adminSecret : Optional.empty());
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log.info("stopping: finishing the batch in flight");
            lock.withdraw();
            server.close();
            notifier.ifPresent(Notifier::close);
            chute.close();
            lock.close();
            log.info("stopped");
            stopped.countDown();
        }, "chute-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        chute.start();
        log.info("Chute {} is up: home {}, API {}, drop files into {}/<dataset>/<table>/", ChuteCommand.version(), home, url, home.resolve("landing"));
        System.out.println(consoleLine(listening, auth, exposed));
        System.out.flush();
        stopped.await();
        return Main.OK;
    }

    /**
     * Where the server really listens: the address it bound (a name resolved, {@code 0.0.0.0} or
     * {@code ::} meaning every interface) and the port (the one picked when 0 was asked), and the URL
     * a browser on this machine opens.
     */
    record Listening(String address, boolean everyInterface, boolean loopback, int port, String url) {
        static Listening of(String bind, int port) {
            java.net.InetAddress resolved;
            try {
                resolved = java.net.InetAddress.getByName(bind);
            } catch (java.net.UnknownHostException e) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'server.bind' has value '" + bind + "', which does not resolve to an address");
            }
            String address = resolved.getHostAddress();
            boolean any = resolved.isAnyLocalAddress();
            // a browser cannot open the wildcard address: on this machine the loopback one reaches the same server
            String host = any ? (resolved instanceof java.net.Inet6Address ? "[::1]" : "127.0.0.1")
                    : resolved instanceof java.net.Inet6Address ? "[" + address + "]" : address;
            return new Listening(address, any, resolved.isLoopbackAddress(), port, "http://" + host + ":" + port);
        }

        /** {@code listening on 0.0.0.0:8080, every network interface of this machine}. */
        String describe() {
            String where = address.contains(":") ? "[" + address + "]:" + port : address + ":" + port;
            return "listening on " + where + (everyInterface ? ", every network interface of this machine" : loopback ? ", this machine only" : "");
        }
    }

    /**
     * What {@code chute up} prints for the browser: on loopback a one-time sign-in link (the owner
     * is the one who sees this terminal); exposed, where logs travel further, only the address. Both
     * say where the server really listens.
     */
    static String consoleLine(Listening listening, ServerAuth auth, boolean exposed) {
        String url = listening.url();
        if (!auth.required()) {
            return "Console: " + url + "/ (" + listening.describe() + "; no sign-in: server.auth is none)";
        }
        if (exposed) {
            return "Console: " + url + "/ (" + listening.describe() + "; sign in with a token; `chute console` on this machine prints a one-time sign-in link)";
        }
        return "Console: " + url + "/signin/" + auth.signInCode() + "\n  (" + listening.describe() + "; a one-time sign-in link, for you only: it works once, within "
                + ServerAuth.signInLifetime().toMinutes() + " minutes; `chute console` prints a new one)";
    }

    /** The webhook notifier when {@code notify.webhook_url} is set. */
    private static Optional<Notifier> notifier(ChuteConfig config, Chute chute) {
        String url = config.get(ChuteConfig.NOTIFY_WEBHOOK_URL);
        if (url.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Notifier(java.net.URI.create(url), () -> chute.warehouse().tables(),
                    table -> Optional.ofNullable(config.freshness().get(table)), new Router(config)::tableOf, Notifier.Options.defaults()));
        } catch (IllegalArgumentException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'notify.webhook_url' has value '" + url + "'; " + e.getMessage());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /**
     * Logs each load and duplicate as one line. A failure is logged by the pipeline, once, with where
     * the file went (issue 13: it was logged twice).
     */
    static final class LoggingListener implements PipelineListener {
        @Override
        public void loaded(String key, TableId table, long rows, long bytes, long millis) {
            log.info("loaded {} -> {} ({} rows, {} bytes, {} ms)", key, table, rows, bytes, millis);
        }

        @Override
        public void duplicate(String key) {
            log.info("skipped {}: this version is already loaded", key);
        }

    }
}
