package dev.chute.server;

import static java.util.Objects.requireNonNull;

import dev.chute.core.ApiToken;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's one authentication model. Callers present a token as {@code Authorization: Bearer
 * <secret>}, or a session cookie that {@code POST /api/session} hands out for a valid token (the
 * console's way, so the secret is not kept in the page). Tokens come from {@code server.tokens}
 * (hashes, each with a role) and {@code CHUTE_TOKEN} (admin). The owner of the home also signs in
 * with a one-time link ({@link #signInCode}, {@code GET /signin/<code>}), which {@code chute up}
 * prints. When authentication is not required (bound to loopback with {@code server.auth: none})
 * every caller is admin.
 */
public final class ServerAuth {
    static final String COOKIE = "chute_session";
    private static final Duration SESSION_LIFETIME = Duration.ofHours(12);
    private static final int MAX_SESSIONS = 10_000;
    /** Sessions one token may hold; signing in again beyond this ends that token's oldest session, nobody else's. */
    static final int MAX_SESSIONS_PER_TOKEN = 100;
    /** How long a one-time sign-in link stays usable: long enough to click it, short enough not to linger in a scrollback. */
    static final Duration SIGN_IN_LIFETIME = Duration.ofMinutes(5);
    /** One-time codes not yet used; beyond this the oldest is dropped (each is admin, so few should exist). */
    static final int MAX_SIGN_IN_CODES = 20;

    private final boolean required;
    private final List<ApiToken> tokens;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Optional<ApiToken> admin;
    /** One-time sign-in codes (by their hash) and when each expires. */
    private final Map<String, Instant> signInCodes = new java.util.LinkedHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    private record Session(String token, ApiToken.Role role, Instant expires) {
    }

    /**
     * @param required whether every request must authenticate
     * @param tokens the configured tokens
     * @param adminSecret a secret that is an admin token ({@code CHUTE_TOKEN}, or one generated at start)
     */
    public ServerAuth(boolean required, List<ApiToken> tokens, Optional<String> adminSecret) {
        this(required, tokens, adminSecret, Clock.systemUTC());
    }

    ServerAuth(boolean required, List<ApiToken> tokens, Optional<String> adminSecret, Clock clock) {
        this.required = required;
        List<ApiToken> all = new java.util.ArrayList<>(requireNonNull(tokens, "tokens is null"));
        this.admin = requireNonNull(adminSecret, "adminSecret is null").map(s -> new ApiToken("CHUTE_TOKEN", ApiToken.Role.ADMIN, ApiToken.hash(s)));
        admin.ifPresent(all::add);
        this.tokens = List.copyOf(all);
        this.clock = requireNonNull(clock, "clock is null");
        if (required && this.tokens.isEmpty()) {
            throw new IllegalArgumentException("authentication is required but no token is configured");
        }
    }

    /** No authentication: for a server bound to loopback with {@code server.auth: none}, and for tests. */
    public static ServerAuth open() {
        return new ServerAuth(false, List.of(), Optional.empty());
    }

    public boolean required() {
        return required;
    }

    /** The caller's role, or empty when it did not authenticate (only possible when required). */
    public Optional<ApiToken.Role> roleOf(Context ctx) {
        if (!required) {
            return Optional.of(ApiToken.Role.ADMIN);
        }
        String header = Optional.ofNullable(ctx.header("Authorization")).orElse("");
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return check(header.substring(7).trim()).map(ApiToken::role);
        }
        String session = ctx.cookie(COOKIE);
        if (session == null) {
            return Optional.empty();
        }
        Session s = sessions.get(session);
        if (s == null || s.expires().isBefore(clock.instant())) {
            sessions.remove(session);
            return Optional.empty();
        }
        return Optional.of(s.role());
    }

    /** The token a secret belongs to. Compares hashes in constant time. */
    public Optional<ApiToken> check(String secret) {
        if (secret == null || secret.isEmpty()) {
            return Optional.empty();
        }
        byte[] given = ApiToken.hash(secret).getBytes(StandardCharsets.US_ASCII);
        ApiToken found = null;
        for (ApiToken t : tokens) {
            if (MessageDigest.isEqual(given, t.sha256().getBytes(StandardCharsets.US_ASCII))) {
                found = t;
            }
        }
        return Optional.ofNullable(found);
    }

    /** A session opened by {@link #login}: its id (the cookie's value) and role. */
    public record Login(String sessionId, ApiToken.Role role) {
    }

    /** Opens a session for a valid secret. */
    public Optional<Login> login(String secret) {
        return check(secret).map(this::open);
    }

    /**
     * A new one-time sign-in code for the admin secret's owner: {@code GET /signin/<code>} opens an
     * admin session once, within {@link #SIGN_IN_LIFETIME}. Only the code's hash is kept.
     *
     * @throws IllegalStateException when there is no admin secret to sign in as
     */
    public String signInCode() {
        if (!required || admin.isEmpty()) {
            throw new IllegalStateException("a sign-in link needs authentication with an admin secret (CHUTE_TOKEN or the generated one)");
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String code = HexFormat.of().formatHex(bytes);
        Instant now = clock.instant();
        synchronized (signInCodes) {
            signInCodes.values().removeIf(expires -> !expires.isAfter(now));
            while (signInCodes.size() >= MAX_SIGN_IN_CODES) {
                signInCodes.remove(signInCodes.keySet().iterator().next());
            }
            signInCodes.put(ApiToken.hash(code), now.plus(SIGN_IN_LIFETIME));
        }
        return code;
    }

    /** Opens an admin session for a one-time code, which is spent whether or not it was still valid. */
    public Optional<Login> redeem(String code) {
        if (code == null || code.isEmpty() || admin.isEmpty()) {
            return Optional.empty();
        }
        Instant expires;
        synchronized (signInCodes) {
            expires = signInCodes.remove(ApiToken.hash(code));
        }
        if (expires == null || !expires.isAfter(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(open(admin.get()));
    }

    private Login open(ApiToken token) {
        Instant now = clock.instant();
        sessions.values().removeIf(s -> s.expires().isBefore(now));
        String name = token.name();
        List<Map.Entry<String, Session>> own = sessions.entrySet().stream().filter(e -> e.getValue().token().equals(name))
                .sorted(Map.Entry.comparingByValue(java.util.Comparator.comparing(Session::expires))).toList();
        for (int i = 0; i <= own.size() - MAX_SESSIONS_PER_TOKEN; i++) {
            sessions.remove(own.get(i).getKey());
        }
        while (sessions.size() >= MAX_SESSIONS) {
            // make room by ending the session that expires first, never everyone's
            sessions.entrySet().stream().min(java.util.Map.Entry.comparingByValue(java.util.Comparator.comparing(Session::expires)))
                    .ifPresent(oldest -> sessions.remove(oldest.getKey()));
        }
        byte[] id = new byte[32];
        random.nextBytes(id);
        String sessionId = HexFormat.of().formatHex(id);
        sessions.put(sessionId, new Session(name, token.role(), now.plus(SESSION_LIFETIME)));
        return new Login(sessionId, token.role());
    }

    public void logout(String sessionId) {
        if (sessionId != null) {
            sessions.remove(sessionId);
        }
    }

    /** How long a one-time sign-in link works. */
    public static Duration signInLifetime() {
        return SIGN_IN_LIFETIME;
    }

    static Duration sessionLifetime() {
        return SESSION_LIFETIME;
    }
}
