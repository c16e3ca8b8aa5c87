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
    private static final Pattern JSON_TRANSFORM = Pattern.compile("JSON transform error in file \"(?:[^\"]|\"\")*\", in (line|record/value) (\\d+): ([^\n]*)");
    private static final Pattern JSON_MALFORMED = Pattern.compile("Malformed JSON in file \"(?:[^\"]|\"\")*\", at byte \\d+ in line (\\d+): ([^\n]*)");
    private static final Pattern QUOTED_VALUE = Pattern.compile(": \"(.*)\"\\s*$");
    private static final Pattern IN_FILE = Pattern.compile(" ?in file \"(?:[^\"]|\"\")*\",?");
    private static final Pattern ERROR_KIND = Pattern.compile("^(?:Invalid Input|Conversion|Binder|Parser|IO) Error: ");
    /** Guard errors raised by Chute's own casts: prefix, column, separator, type, separator, value. */
    static final String GUARD_PREFIX = "chute-guard\u001f";
    static final String GUARD_SEPARATOR = "\u001f";
    private static final Pattern GUARD = Pattern.compile("chute-guard\u001f([^\u001f]*)\u001f([^\u001f]*)\u001f(.*?)(?:\n|$)");
    private static final List<String> UNAVAILABLE = List.of("Could not set lock", "Out of Memory", "No space left", "database has been invalidated",
            "Connection Error", "Connection was closed", "FATAL Error");

    private static final Pattern DECIMAL_SCALE = Pattern.compile("(?:DECIMAL|NUMERIC)\\(\\d+,\\s*(\\d+)\\)");
    private static final Pattern CODEC = Pattern.compile("Unsupported compression codec \"([^\"]+)\"");

    private DuckDbErrors() {
    }

    private static String decimalScale(String type) {
        Matcher m = DECIMAL_SCALE.matcher(type);
        return m.matches() ? m.group(1) : "?";
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

    /** The row DuckDB's CSV reader names in an error ("CSV Error on Line: N"): counted without the line ends inside quoted values. */
    static OptionalLong readerRow(SQLException e) {
        Matcher l = LINE.matcher(String.valueOf(e.getMessage()));
        return l.find() ? OptionalLong.of(Long.parseLong(l.group(1))) : OptionalLong.empty();
    }

    /** For a JSON error: the record DuckDB names ("record/value N"), to be turned into a line by reading the file. */
    static OptionalLong jsonRecord(SQLException e) {
        Matcher m = JSON_TRANSFORM.matcher(String.valueOf(e.getMessage()));
        return m.find() && m.group(1).equals("record/value") ? OptionalLong.of(Long.parseLong(m.group(2))) : OptionalLong.empty();
    }

    static boolean isJsonSyntax(SQLException e) {
        return JSON_MALFORMED.matcher(String.valueOf(e.getMessage())).find();
    }

    /**
     * What Chute found in the file about an error: the physical line (an editor's line, counting
     * the header and line ends inside quoted values) and, for a CSV record, its number of fields.
     */
    record Location(OptionalLong line, java.util.OptionalInt fields) {
        static final Location UNKNOWN = new Location(OptionalLong.empty(), java.util.OptionalInt.empty());
    }

    /** A load error for one object, from a DuckDB error that happened while reading it. */
    static LoadError describe(String key, SQLException e, OptionalLong diagnosedLine) {
        return describe(key, e, diagnosedLine.isPresent() ? new Location(diagnosedLine, java.util.OptionalInt.empty()) : Location.UNKNOWN);
    }

    /**
     * A load error for one object, from a DuckDB error that happened while reading it, with the
     * location Chute found in the file; the reason never shows the staged file's path or DuckDB's
     * advice about its own options.
     */
    static LoadError describe(String key, SQLException e, Location found) {
        String message = String.valueOf(e.getMessage());
        OptionalLong line = found.line();
        if (line.isEmpty()) {
            line = readerRow(e);
        }
        Matcher transform = JSON_TRANSFORM.matcher(message);
        if (transform.find()) {
            if (line.isEmpty() && transform.group(1).equals("line")) {
                line = OptionalLong.of(Long.parseLong(transform.group(2)));
            }
            String detail = transform.group(3).strip();
            Matcher v = QUOTED_VALUE.matcher(detail);
            Optional<String> value = v.find() ? Optional.of(shorten(v.group(1))) : Optional.empty();
            String at = line.isPresent() ? " line " + line.getAsLong() + ":" : ":";
            return new LoadError(ErrorCode.TYPE_CONFLICT, key + at + " " + shorten(detail), line, Optional.empty(), value, Optional.empty());
        }
        Matcher malformed = JSON_MALFORMED.matcher(message);
        if (malformed.find()) {
            String at = line.isPresent() ? " line " + line.getAsLong() + ":" : ":";
            return new LoadError(ErrorCode.MALFORMED, key + at + " expected valid JSON, found " + shorten(malformed.group(2).strip()), line,
                    Optional.empty(), Optional.empty(), Optional.of("JSON"));
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
            String expected = type.equals("DOUBLE") ? "DOUBLE (a number a DOUBLE gives back digit for digit)"
                    : DECIMAL_SCALE.matcher(type).matches() ? type + " (at most " + decimalScale(type) + " decimals; Chute does not round)" : type;
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
            // DuckDB stops counting one field past the expected number: the file's own count is the real one
            String foundFields = found.fields().isPresent() ? Integer.toString(found.fields().getAsInt()) : columns.group(2);
            return new LoadError(ErrorCode.MALFORMED,
                    key + at + " expected " + columns.group(1) + " columns, found " + foundFields,
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
        Matcher codec = CODEC.matcher(message);
        if (codec.find()) {
            // issue 11 item 5: DuckDB lists the codecs it reads, zstd among them; that is no zstd problem of the file
            String name = codec.group(1);
            String which = name.equals("LZ4") ? "LZ4 (Parquet's deprecated LZ4 codec, with Hadoop framing)" : name;
            return new LoadError(ErrorCode.UNSUPPORTED_FORMAT, key + ": the Parquet file's data is compressed with codec " + which
                    + ", which the embedded DuckDB reader does not support; expected uncompressed, SNAPPY, GZIP, ZSTD, BROTLI or LZ4_RAW"
                    + " (write the file again with one of them)", line, Optional.empty(), Optional.of(name),
                    Optional.of("uncompressed, SNAPPY, GZIP, ZSTD, BROTLI or LZ4_RAW"));
        }
        if (message.toLowerCase(java.util.Locale.ROOT).contains("zstd")) {
            return new LoadError(ErrorCode.MALFORMED, key + ": expected zstd-compressed content (the name ends in .zst), found data that is not zstd",
                    line, Optional.empty(), Optional.empty(), Optional.of("zstd"));
        }
        if (message.contains("does not support the encoding")) {
            return LoadError.of(ErrorCode.ENCODING, key + ": the table's encoding is not supported; expected utf-8, utf-16 or latin-1");
        }
        return new LoadError(ErrorCode.MALFORMED, key + at + " " + clean(message), line, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** DuckDB's first line without the kind prefix and the staged file's name (which is Chute's, not the user's). */
    static String clean(String message) {
        String first = firstLine(message);
        first = IN_FILE.matcher(first).replaceAll("");
        first = ERROR_KIND.matcher(first).replaceFirst("");
        return first.replaceAll("\"?/[^\"\\s]*/\\.chute/[^\"\\s]*\"?", "the file");
    }

    static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return shorten(nl < 0 ? message : message.substring(0, nl));
    }

    static String shorten(String value) {
        return value.length() > 200 ? value.substring(0, 200) + "..." : value;
    }
}
