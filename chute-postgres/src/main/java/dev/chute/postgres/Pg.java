package dev.chute.postgres;

import java.util.Collection;
import java.util.stream.Collectors;

/** Quoting for identifiers and literals. Every name that reaches PostgreSQL goes through here. */
final class Pg {
    private Pg() {
    }

    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A string literal; PostgreSQL runs with {@code standard_conforming_strings} on (the default since 9.1). */
    static String literal(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a NUL character cannot be part of a PostgreSQL literal");
        }
        return "'" + value.replace("'", "''") + "'";
    }

    static String qualified(String schema, String table) {
        return ident(schema) + "." + ident(table);
    }

    static String identList(Collection<String> names) {
        return names.stream().map(Pg::ident).collect(Collectors.joining(", "));
    }
}
