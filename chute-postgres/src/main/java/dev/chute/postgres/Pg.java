package dev.chute.postgres;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.sql.SQLException;
import java.util.Collection;
import java.util.stream.Collectors;
import org.postgresql.core.Utils;

/** Quoting for identifiers and literals. Every name that reaches PostgreSQL goes through here. */
final class Pg {
    private Pg() {
    }

    /**
     * A quoted identifier, always quoted (whether a name is a keyword depends on the server's
     * version): the JDBC driver's own quoting, which doubles embedded double quotes.
     */
    static String ident(String name) {
        refuseNul(name, "an identifier");
        try {
            return Utils.escapeIdentifier(new StringBuilder(name.length() + 2), name).toString();
        } catch (SQLException e) {
            // the driver refuses only NUL, refused above with a message that names the value
            throw new IllegalStateException("the driver refused identifier '" + name + "': " + e.getMessage(), e);
        }
    }

    /** A string literal; PostgreSQL runs with {@code standard_conforming_strings} on (the default since 9.1). */
    static String literal(String value) {
        refuseNul(value, "a literal");
        return "'" + value.replace("'", "''") + "'";
    }

    /**
     * A NUL byte ends a statement's text in PostgreSQL's protocol: sent, it breaks the connection,
     * which would pass for the warehouse being down and have the file retried for ever. Refused here
     * as bad input instead (issue 11 item 2).
     */
    private static void refuseNul(String text, String what) {
        if (text.indexOf('\0') >= 0) {
            throw new ChuteException(ErrorCode.MALFORMED, "'" + PostgresErrors.shorten(text.replace("\0", "\\0")) + "' holds the byte 0x00 (NUL),"
                    + " which PostgreSQL cannot take in " + what + "; expected text without NUL bytes");
        }
    }

    static String qualified(String schema, String table) {
        return ident(schema) + "." + ident(table);
    }

    static String identList(Collection<String> names) {
        return names.stream().map(Pg::ident).collect(Collectors.joining(", "));
    }
}
