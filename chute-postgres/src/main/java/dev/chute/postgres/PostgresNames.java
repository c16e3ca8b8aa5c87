package dev.chute.postgres;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Column names as PostgreSQL keeps them. PostgreSQL cuts identifiers at 63 bytes, so a longer name
 * (a survey question as a header) would silently become another, and two questions sharing their
 * first 63 bytes would become one. A name of more than 63 bytes (UTF-8) is therefore stored as its
 * first bytes, cut at a character boundary to at most 54 bytes, then {@code _} and the first 8 hex
 * digits of the SHA-256 of the whole name in lower case: at most 63 bytes, the same for every file
 * with that header whatever its case (Chute matches column names case-insensitively), and distinct
 * for names that differ only after their first bytes. The table keeps the whole name as the
 * column's comment ({@code COMMENT ON COLUMN}), where {@code \d+} and catalog tools show it.
 */
final class PostgresNames {
    /** PostgreSQL's longest identifier, in bytes (NAMEDATALEN - 1). */
    static final int MAX_BYTES = 63;
    private static final int HASH_HEX = 8;
    private static final int PREFIX_BYTES = MAX_BYTES - 1 - HASH_HEX;

    private PostgresNames() {
    }

    /** The name a file's column has in a PostgreSQL table: itself when it fits, else its shortened form. */
    static String column(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_BYTES) {
            return name;
        }
        StringBuilder prefix = new StringBuilder();
        int used = 0;
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (used + size > PREFIX_BYTES) {
                break;
            }
            prefix.appendCodePoint(cp);
            used += size;
            i += Character.charCount(cp);
        }
        return prefix + "_" + hash(name.toLowerCase(Locale.ROOT));
    }

    /** Whether {@link #column} shortens {@code name}. */
    static boolean shortened(String name) {
        return !column(name).equals(name);
    }

    private static String hash(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, HASH_HEX / 2);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
