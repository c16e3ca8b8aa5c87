package dev.chute.duckdb;

import java.nio.file.Path;
import java.util.Collection;
import java.util.stream.Collectors;

/** Quoting for identifiers and literals. Every name that reaches SQL goes through here. */
final class Sql {
    private Sql() {
    }

    /** Always quoted (which words are keywords changes between DuckDB versions): double quotes, an embedded one doubled. */
    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static String literal(Path path) {
        return literal(path.toString());
    }

    static String list(Collection<String> literals) {
        return literals.stream().map(Sql::literal).collect(Collectors.joining(", ", "[", "]"));
    }
}
