package dev.chute.postgres;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL column types for the types DuckDB infers from a file and for the types written in
 * {@code tables.<name>.columns} (DuckDB's spelling, which is also Chute's, or PostgreSQL's own).
 */
final class PostgresTypes {
    static final String TEXT = "text";
    static final String JSONB = "jsonb";
    /** Any number of digits: PostgreSQL's NUMERIC without a precision has no limit a file could reach. */
    static final String NUMERIC = "numeric";
    private static final Pattern DECIMAL = Pattern.compile("(?:DECIMAL|NUMERIC)\\s*\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\)");

    private PostgresTypes() {
    }

    /** The PostgreSQL type for a DuckDB type name (as {@code DESCRIBE} or {@code sniff_csv} give it). */
    static String fromDuckDb(String duckType) {
        String t = duckType.trim().toUpperCase(Locale.ROOT);
        if (nested(t)) {
            return JSONB;
        }
        Matcher d = DECIMAL.matcher(t);
        if (d.matches()) {
            return "numeric(" + d.group(1) + "," + (d.group(2) == null ? "0" : d.group(2)) + ")";
        }
        return switch (t) {
            case "BOOLEAN", "BOOL" -> "boolean";
            case "TINYINT", "SMALLINT", "UTINYINT", "INT2" -> "smallint";
            case "INTEGER", "INT", "INT4", "USMALLINT" -> "integer";
            case "BIGINT", "INT8", "UINTEGER" -> "bigint";
            case "HUGEINT", "UBIGINT", "UHUGEINT", "DECIMAL", "NUMERIC" -> "numeric";
            case "FLOAT", "REAL", "FLOAT4" -> "real";
            case "DOUBLE", "FLOAT8", "DOUBLE PRECISION" -> "double precision";
            case "DATE" -> "date";
            case "TIME" -> "time";
            case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATETIME" -> "timestamp";
            case "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ" -> "timestamptz";
            case "UUID" -> "uuid";
            case "BLOB", "BYTEA" -> "bytea";
            case "INTERVAL" -> "interval";
            case "JSON", "JSONB" -> JSONB;
            default -> TEXT;
        };
    }

    /**
     * The PostgreSQL type for a configured column type. Known DuckDB/Chute names are translated;
     * anything else (already checked by the configuration to be a plain type name) is passed to
     * PostgreSQL as written, which rejects it if it is not a type.
     */
    static String configured(String type) {
        String t = type.trim().toUpperCase(Locale.ROOT);
        String mapped = fromDuckDb(t);
        if (!mapped.equals(TEXT) || t.equals("VARCHAR") || t.equals("TEXT") || t.equals("STRING")) {
            return mapped;
        }
        return type.trim().toLowerCase(Locale.ROOT);
    }

    /** Structs, lists, maps and unions: carried as JSON. */
    static boolean nested(String duckType) {
        String t = duckType.trim().toUpperCase(Locale.ROOT);
        return t.startsWith("STRUCT") || t.endsWith("[]") || t.startsWith("MAP") || t.startsWith("UNION") || t.startsWith("LIST")
                || t.matches(".*\\[\\d+\\]");
    }

    /** Whether a PostgreSQL type (as {@code format_type} gives it) is text already. */
    static boolean isText(String pgType) {
        return pgType.equals(TEXT) || pgType.startsWith("character varying") || pgType.startsWith("character");
    }
}
