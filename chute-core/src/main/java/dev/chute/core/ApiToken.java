package dev.chute.core;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * An API token as {@code chute.yaml} declares it: a name, a role and the SHA-256 of the secret
 * (the secret itself is never stored).
 */
public record ApiToken(String name, Role role, String sha256) {
    public ApiToken {
        requireNonNull(name, "name is null");
        requireNonNull(role, "role is null");
        requireNonNull(sha256, "sha256 is null");
    }

    /** What a token may do; each role includes the ones before it. */
    public enum Role {
        /** Read every page, run read-only queries. */
        VIEWER,
        /** And upload files. */
        UPLOADER,
        /** And replay, undo, restore, edit dashboards, one-shot loads of server files, event intake. */
        ADMIN;

        public boolean allows(Role needed) {
            return compareTo(needed) >= 0;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Role> parse(String text) {
            for (Role r : values()) {
                if (r.id().equals(text)) {
                    return Optional.of(r);
                }
            }
            return Optional.empty();
        }
    }

    /** Lower-case hex SHA-256 of a token's secret. */
    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
