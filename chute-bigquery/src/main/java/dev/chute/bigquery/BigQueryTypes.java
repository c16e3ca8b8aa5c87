package dev.chute.bigquery;

import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.TableSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The column types of {@code tables.*.columns} (SQL names as DuckDB and PostgreSQL know them) as BigQuery types. */
final class BigQueryTypes {
    private static final Pattern DECIMAL = Pattern.compile("(?:DECIMAL|NUMERIC)\\s*\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\)");

    private BigQueryTypes() {
    }

    /** The explicit schema of a table's declared columns; empty when none are declared (then the load autodetects). */
    static Schema schema(TableSpec spec) {
        List<Field> fields = new ArrayList<>();
        for (Map.Entry<String, String> c : spec.columnTypes().entrySet()) {
            fields.add(Field.newBuilder(c.getKey(), type(c.getKey(), c.getValue())).setMode(Field.Mode.NULLABLE).build());
        }
        return Schema.of(fields);
    }

    /**
     * Why BigQuery has no such type, or empty: its contract server runs no SQL, so this follows
     * BigQuery's documented types (the names above) and its parameterized decimal rules: a scale from
     * 0 to 38 and a precision from max(1, scale) to scale + 38 (up to scale + 29 with scale 9 at most
     * for NUMERIC, beyond that BIGNUMERIC).
     */
    static java.util.Optional<String> problem(String declared) {
        String t = declared.trim().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
        Matcher decimal = DECIMAL.matcher(t);
        if (decimal.matches()) {
            String p = decimal.group(1);
            String s = decimal.group(2) == null ? "0" : decimal.group(2);
            // more than three digits is out of range whatever they are (and would not fit an int)
            boolean inRange = p.length() <= 3 && s.length() <= 3;
            if (inRange) {
                int precision = Integer.parseInt(p);
                int scale = Integer.parseInt(s);
                inRange = scale <= 38 && precision >= Math.max(1, scale) && precision <= scale + 38;
            }
            if (!inRange) {
                return java.util.Optional.of("BigQuery's decimals take a scale from 0 to 38 and a precision from max(1, scale) to scale + 38, found precision "
                        + p + " and scale " + s);
            }
            return java.util.Optional.empty();
        }
        try {
            type("", declared);
            return java.util.Optional.empty();
        } catch (ChuteException e) {
            return java.util.Optional.of("BigQuery's types are " + KNOWN);
        }
    }

    private static final String KNOWN = "BIGINT/INT64, DOUBLE/FLOAT64, DECIMAL(p,s)/NUMERIC, BIGNUMERIC, VARCHAR/STRING, BOOLEAN, DATE, TIME, DATETIME,"
            + " TIMESTAMP, JSON, BYTES, GEOGRAPHY";

    static StandardSQLTypeName type(String column, String declared) {
        String t = declared.trim().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
        Matcher decimal = DECIMAL.matcher(t);
        if (decimal.matches()) {
            int precision = Integer.parseInt(decimal.group(1));
            int scale = decimal.group(2) == null ? 0 : Integer.parseInt(decimal.group(2));
            // NUMERIC holds precision 38 with scale 9 at most; wider goes to BIGNUMERIC
            return precision - scale <= 29 && scale <= 9 ? StandardSQLTypeName.NUMERIC : StandardSQLTypeName.BIGNUMERIC;
        }
        return switch (t) {
            case "BIGINT", "INT", "INTEGER", "INT64", "INT8", "INT4", "SMALLINT", "TINYINT", "BYTEINT" -> StandardSQLTypeName.INT64;
            case "HUGEINT", "BIGNUMERIC", "BIGDECIMAL" -> StandardSQLTypeName.BIGNUMERIC;
            case "DOUBLE", "DOUBLE PRECISION", "FLOAT", "FLOAT64", "FLOAT8", "REAL", "FLOAT4" -> StandardSQLTypeName.FLOAT64;
            case "DECIMAL", "NUMERIC" -> StandardSQLTypeName.NUMERIC;
            case "VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "UUID" -> StandardSQLTypeName.STRING;
            case "BOOLEAN", "BOOL" -> StandardSQLTypeName.BOOL;
            case "DATE" -> StandardSQLTypeName.DATE;
            case "TIME" -> StandardSQLTypeName.TIME;
            case "DATETIME", "TIMESTAMP WITHOUT TIME ZONE" -> StandardSQLTypeName.DATETIME;
            case "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE" -> StandardSQLTypeName.TIMESTAMP;
            case "JSON" -> StandardSQLTypeName.JSON;
            case "BYTES", "BLOB", "BYTEA" -> StandardSQLTypeName.BYTES;
            case "GEOGRAPHY" -> StandardSQLTypeName.GEOGRAPHY;
            default -> throw new ChuteException(ErrorCode.CONFIGURATION, "column " + column + " is declared '" + declared
                    + "'; expected a type BigQuery has: " + KNOWN);
        };
    }
}
