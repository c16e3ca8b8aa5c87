package dev.chute.duckdb;

import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns DuckDB's error texts into {@link LoadError}s that name the object, the line, the column, the
 * value and the expected type, and tells warehouse trouble (retry) from bad input (fail the file).
 */
final class DuckDbErrors {
    private static final Pattern LINE = Pattern.compile("CSV Error on Line: (\\d+)");
    private static final Pattern CONVERT = Pattern.compile("Error when converting column \"((?:[^\"]|\"\")*)\"\\. Could not convert string \"((?:[^\"]|\"\")*)\" to '([^']+)'");
    private static final Pattern CAST = Pattern.compile("Could not convert string '((?:[^']|'')*)' to ([A-Z0-9_()]+)");
    private static final Pattern COLUMNS = Pattern.compile("Expected Number of Columns: (\\d+) Found: (\\d+)");
    /** Guard errors raised by Chute's own casts: prefix, column, separator, type, separator, value. */
    static final String GUARD_PREFIX = "chute-guard\u001f";
    static final String GUARD_SEPARATOR = "\u001f";
    private static final Pattern GUARD = Pattern.compile("chute-guard\u001f([^\u001f]*)\u001f([^\u001f]*)\u001f(.*?)(?:\n|$)");
    private static final List<String> UNAVAILABLE = List.of("Could not set lock", "Out of Memory", "No space left", "database has been invalidated",
            "Connection Error", "Connection was closed", "FATAL Error");

    private DuckDbErrors() {
    }

    /** Whether the database itself is in trouble, so the whole batch should be retried later. */
    static boolean warehouseTrouble(SQLException e) {
        String message = String.valueOf(e.getMessage());
        return UNAVAILABLE.stream().anyMatch(message::contains);
    }

    /** The staged file an error names, if it names one of {@code files}. */
    static Optional<Path> blamedFile(SQLException e, List<Path> files) {
        String message = String.valueOf(e.getMessage());
        Path match = null;
        for (Path f : files) {
            String p = f.toString();
            int at = message.indexOf(p);
            // "…/12.csv" also contains "…/1" as a prefix: require the full name to end there
            while (at >= 0) {
                int end = at + p.length();
                if (end == message.length() || !Character.isLetterOrDigit(message.charAt(end)) && message.charAt(end) != '.') {
                    if (match == null || p.length() > match.toString().length()) {
                        match = f;
                    }
                    break;
                }
                at = message.indexOf(p, at + 1);
            }
        }
        return Optional.ofNullable(match);
    }

    /** Whether the error is a value that does not fit its column's type. */
    static boolean isConversion(SQLException e) {
        String message = String.valueOf(e.getMessage());
        return message.startsWith("Conversion Error") || message.contains(GUARD_PREFIX) || CONVERT.matcher(message).find();
    }

    /** The column a conversion error is about, if it says. */
    static Optional<String> column(SQLException e) {
        String message = String.valueOf(e.getMessage());
        Matcher m = CONVERT.matcher(message);
        if (m.find()) {
            return Optional.of(m.group(1).replace("\"\"", "\""));
        }
        Matcher g = GUARD.matcher(message);
        if (g.find()) {
            return Optional.of(g.group(1));
        }
        return Optional.empty();
    }

    /** The type named by a guard error, if it is one. */
    static Optional<String> guardType(SQLException e) {
        Matcher g = GUARD.matcher(String.valueOf(e.getMessage()));
        return g.find() ? Optional.of(g.group(2)) : Optional.empty();
    }

    /** A load error for one object, from a DuckDB error that happened while reading it. */
    static LoadError describe(String key, SQLException e, OptionalLong diagnosedLine) {
        String message = String.valueOf(e.getMessage());
        OptionalLong line = diagnosedLine;
        Matcher l = LINE.matcher(message);
        if (l.find()) {
            line = OptionalLong.of(Long.parseLong(l.group(1)));
        }
        String at = line.isPresent() ? " line " + line.getAsLong() + ":" : "";
        Matcher convert = CONVERT.matcher(message);
        if (convert.find()) {
            String column = convert.group(1).replace("\"\"", "\"");
            String value = convert.group(2).replace("\"\"", "\"");
            String type = convert.group(3);
            return new LoadError(ErrorCode.TYPE_CONFLICT,
                    key + at + " column \"" + column + "\": expected " + type + ", found '" + shorten(value) + "'",
                    line, Optional.of(column), Optional.of(shorten(value)), Optional.of(type));
        }
        Matcher guard = GUARD.matcher(message);
        if (guard.find()) {
            String column = guard.group(1);
            String type = guard.group(2);
            String value = guard.group(3);
            String expected = type.equals("DOUBLE") ? "DOUBLE (a number a DOUBLE gives back digit for digit)" : type;
            return new LoadError(ErrorCode.TYPE_CONFLICT,
                    key + at + " column \"" + column + "\": expected " + expected + ", found '" + shorten(value) + "'",
                    line, Optional.of(column), Optional.of(shorten(value)), Optional.of(type));
        }
        Matcher cast = CAST.matcher(message);
        if (cast.find()) {
            String value = cast.group(1).replace("''", "'");
            return new LoadError(ErrorCode.TYPE_CONFLICT, key + at + " expected " + cast.group(2) + ", found '" + shorten(value) + "'",
                    line, Optional.empty(), Optional.of(shorten(value)), Optional.of(cast.group(2)));
        }
        Matcher columns = COLUMNS.matcher(message);
        if (columns.find()) {
            return new LoadError(ErrorCode.MALFORMED,
                    key + at + " expected " + columns.group(1) + " columns, found " + columns.group(2),
                    line, Optional.empty(), Optional.empty(), Optional.of(columns.group(1) + " columns"));
        }
        if (message.contains("Invalid unicode") || message.contains("not utf-8 encoded")) {
            return new LoadError(ErrorCode.ENCODING, key + at + " expected UTF-8 text, found an invalid byte sequence"
                    + " (set 'encoding' for the table if the file uses another encoding)", line, Optional.empty(), Optional.empty(), Optional.of("utf-8"));
        }
        if (message.contains("unterminated quote")) {
            return new LoadError(ErrorCode.MALFORMED, key + at + " expected a closing quote, found a value with an unterminated quote",
                    line, Optional.empty(), Optional.empty(), Optional.of("closing quote"));
        }
        if (message.contains("not a GZIP stream") || message.contains("GZIP")) {
            return new LoadError(ErrorCode.MALFORMED, key + ": expected gzip-compressed content (the name ends in .gz), found data that is not gzip",
                    line, Optional.empty(), Optional.empty(), Optional.of("gzip"));
        }
        if (message.toLowerCase(java.util.Locale.ROOT).contains("zstd")) {
            return new LoadError(ErrorCode.MALFORMED, key + ": expected zstd-compressed content (the name ends in .zst), found data that is not zstd",
                    line, Optional.empty(), Optional.empty(), Optional.of("zstd"));
        }
        if (message.contains("does not support the encoding")) {
            return LoadError.of(ErrorCode.ENCODING, key + ": the table's encoding is not supported; expected utf-8, utf-16 or latin-1");
        }
        return new LoadError(ErrorCode.MALFORMED, key + at + " " + firstLine(message), line, Optional.empty(), Optional.empty(), Optional.empty());
    }

    static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return shorten(nl < 0 ? message : message.substring(0, nl));
    }

    static String shorten(String value) {
        return value.length() > 200 ? value.substring(0, 200) + "..." : value;
    }
}
