package dev.chute.postgres;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Turns PostgreSQL's errors into {@link LoadError}s that name the object, the line, the column, the
 * value and the expected type, and tells warehouse trouble (retry) from bad input (fail the file).
 * COPY reports where it stopped in the error's context: {@code COPY t, line 3, column id: "x"}.
 */
final class PostgresErrors {
    private static final Pattern WHERE_LINE = Pattern.compile("COPY [^,]+, line (\\d+)");
    private static final Pattern WHERE_COLUMN = Pattern.compile("COPY [^,]+, line \\d+, column (.+?): (?:\"(.*)\"|(null input))$", Pattern.DOTALL);
    private static final Pattern FOR_TYPE = Pattern.compile("(?:for type|out of range for type|too long for type) ([a-z ]+(?:\\([0-9,]+\\))?)");
    private static final Pattern MISSING = Pattern.compile("missing data for column \"(.*)\"");

    private PostgresErrors() {
    }

    /**
     * What a load knows about a file's lines, to turn the position an engine reports into the line a
     * user opens in an editor and to give a malformed record's real field count.
     */
    interface Lines {
        /** The physical line (1-based, the header and lines inside quoted values counted) where the reported record starts. */
        long line(long reported);

        /** The number of fields of the record that starts at {@code line}, when known. */
        java.util.OptionalInt fields(long line);

        /** The line where a quote opens that is never closed, when known. */
        OptionalLong unterminatedQuote();

        /** The number of columns each record should have. */
        int columns();
    }

    static String state(SQLException e) {
        return e.getSQLState() == null ? "" : e.getSQLState();
    }

    /**
     * Whether the warehouse itself is in trouble (connection lost, out of resources, shutting down,
     * a deadlock or serialization failure), so the whole batch is retried later.
     */
    static boolean warehouseTrouble(SQLException e) {
        String s = state(e);
        return s.isEmpty() || s.startsWith("08") || s.startsWith("53") || s.startsWith("57") || s.startsWith("58") || s.startsWith("40")
                || s.startsWith("XX") || s.equals("55P03") || s.equals("55006");
    }

    /** A deadlock or serialization failure: another worker's transaction crossed ours; trying again succeeds. */
    static boolean conflict(SQLException e) {
        return state(e).equals("40P01") || state(e).equals("40001");
    }

    /** A value that does not fit its column's type (not a malformed line, not an encoding problem). */
    static boolean isConversion(SQLException e) {
        String s = state(e);
        return s.startsWith("22") && !s.equals("22P04") && !s.equals("22021") && !s.equals("22P05") || s.equals("23502");
    }

    /**
     * COPY stopped at a record end it does not take: a line ending other than the first line's
     * ({@code unquoted newline/carriage return found in data}), or an empty line read as a record
     * without its columns ({@code missing data for column}).
     */
    static boolean recordEndTrouble(SQLException e) {
        String m = text(e);
        return state(e).equals("22P04") && (m.contains("unquoted newline found in data") || m.contains("unquoted carriage return found in data")
                || MISSING.matcher(m).find());
    }

    /** A value with a NUL byte, which PostgreSQL text cannot hold in any encoding. */
    static boolean nulByte(SQLException e) {
        return state(e).equals("22021") && text(e).contains(": 0x00");
    }

    static ChuteException unavailable(String what, SQLException e) {
        return new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, what + ": " + firstLine(String.valueOf(e.getMessage())), e);
    }

    private static Optional<ServerErrorMessage> server(SQLException e) {
        return e instanceof PSQLException p ? Optional.ofNullable(p.getServerErrorMessage()) : Optional.empty();
    }

    private static String where(SQLException e) {
        return server(e).map(ServerErrorMessage::getWhere).orElse("");
    }

    private static String text(SQLException e) {
        return server(e).map(ServerErrorMessage::getMessage).orElse(String.valueOf(e.getMessage()));
    }

    /** The 1-based record COPY stopped at, if the error says. */
    static OptionalLong copyLine(SQLException e) {
        Matcher m = WHERE_LINE.matcher(where(e));
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** The column a conversion error is about, if it says. */
    static Optional<String> column(SQLException e) {
        Matcher m = WHERE_COLUMN.matcher(where(e));
        if (m.find()) {
            return Optional.of(m.group(1));
        }
        Optional<String> col = server(e).map(ServerErrorMessage::getColumn);
        if (col.isPresent()) {
            return col;
        }
        Matcher missing = MISSING.matcher(text(e));
        return missing.find() ? Optional.of(missing.group(1)) : Optional.empty();
    }

    private static Optional<String> value(SQLException e) {
        Matcher m = WHERE_COLUMN.matcher(where(e));
        if (m.find() && m.group(2) != null) {
            return Optional.of(m.group(2));
        }
        return Optional.empty();
    }

    /**
     * A load error for one object. {@code sourceLine} maps the record COPY reports to the line of
     * the file; {@code columnType} gives a column's type in the table when the message does not.
     */
    static LoadError describe(String key, SQLException e, Lines lines, java.util.function.Function<String, Optional<String>> columnType) {
        String s = state(e);
        String message = text(e);
        OptionalLong record = copyLine(e);
        OptionalLong line = record.isPresent() ? OptionalLong.of(lines.line(record.getAsLong())) : OptionalLong.empty();
        if (s.equals("22P04") && message.contains("unterminated CSV quoted field") && lines.unterminatedQuote().isPresent()) {
            // COPY reports the end of the file, where it gave up; the user needs the line where the quote opens
            line = lines.unterminatedQuote();
        }
        String at = line.isPresent() ? " line " + line.getAsLong() + ":" : "";
        java.util.OptionalInt fieldsFound = line.isPresent() ? lines.fields(line.getAsLong()) : java.util.OptionalInt.empty();
        String counts = " expected " + lines.columns() + " columns, found " + (fieldsFound.isPresent() ? fieldsFound.getAsInt() : "");
        Optional<String> column = column(e);
        if (s.equals("22021") || s.equals("22P05")) {
            return new LoadError(ErrorCode.ENCODING, key + at + " expected text in the table's encoding, found an invalid byte sequence ("
                    + firstLine(message) + "; set 'encoding' for the table if the file uses another encoding)", line, Optional.empty(), Optional.empty(),
                    Optional.of("utf-8"));
        }
        if (s.equals("22P04")) {
            String detail = firstLine(message);
            Matcher missing = MISSING.matcher(message);
            if (missing.find()) {
                if (fieldsFound.isPresent()) {
                    return new LoadError(ErrorCode.MALFORMED, key + at + counts + " (no value for column \"" + missing.group(1) + "\")",
                            line, Optional.of(missing.group(1)), Optional.empty(), Optional.of(lines.columns() + " columns"));
                }
                return new LoadError(ErrorCode.MALFORMED, key + at + " expected a value for column \"" + missing.group(1) + "\", found the end of the line",
                        line, Optional.of(missing.group(1)), Optional.empty(), Optional.of("more columns"));
            }
            if (message.contains("extra data after last expected column")) {
                if (fieldsFound.isPresent()) {
                    return new LoadError(ErrorCode.MALFORMED, key + at + counts, line, Optional.empty(), Optional.empty(),
                            Optional.of(lines.columns() + " columns"));
                }
                return new LoadError(ErrorCode.MALFORMED, key + at + " expected no more columns, found extra data after the last expected column",
                        line, Optional.empty(), Optional.empty(), Optional.of("fewer columns"));
            }
            if (message.contains("unterminated CSV quoted field")) {
                return new LoadError(ErrorCode.MALFORMED, key + at + " expected a closing quote, found a value with an unterminated quote",
                        line, Optional.empty(), Optional.empty(), Optional.of("closing quote"));
            }
            return new LoadError(ErrorCode.MALFORMED, key + at + " " + detail, line, Optional.empty(), Optional.empty(), Optional.empty());
        }
        if (isConversion(e)) {
            Matcher t = FOR_TYPE.matcher(message);
            Optional<String> type = t.find() ? Optional.of(t.group(1)) : column.flatMap(columnType);
            Optional<String> value = value(e).map(PostgresErrors::shorten);
            String expected = type.map(x -> x.toUpperCase(Locale.ROOT)).orElse("a value of the column's type");
            String found = value.map(v -> "'" + v + "'").orElse(firstLine(message));
            return new LoadError(ErrorCode.TYPE_CONFLICT, key + at + column.map(c -> " column \"" + c + "\":").orElse("") + " expected " + expected
                    + ", found " + found, line, column, value, type.map(x -> x.toUpperCase(Locale.ROOT)));
        }
        if (s.startsWith("42")) {
            return new LoadError(ErrorCode.SCHEMA_CONFLICT, key + ": the table cannot take this file: " + firstLine(message), line, column,
                    Optional.empty(), Optional.empty());
        }
        return new LoadError(ErrorCode.MALFORMED, key + at + " " + firstLine(message), line, column, Optional.empty(), Optional.empty());
    }

    private static final Pattern STAGE_PATH = Pattern.compile("\"?[^\\s\"]*/\\.chute/stage/[^\\s\"]*\"?");
    /** DuckDB's error class and its "Failed to read file" preamble, which say nothing a user acts on. */
    private static final Pattern ENGINE_PREFIX = Pattern.compile("^(?:[A-Z][A-Za-z]* Error: )?(?:Failed to read file the file: )?");
    private static final Pattern ADVICE = Pattern.compile("(?i)(?<=[.:])\\s+(try|consider|possible solutions|you can|to ignore|set|use|if you)\\b.*$");

    /**
     * An engine's message for a user: its first line, without the staging path of the file (the
     * object key names it already) and without advice about the engine's own options, which are not
     * Chute's.
     */
    static String withoutInternals(String message, java.nio.file.Path file) {
        String m = firstLine(message);
        String path = file.toAbsolutePath().toString();
        m = m.replace(" in file \"" + path + "\"", "").replace("\"" + path + "\"", "the file").replace(path, "the file");
        m = STAGE_PATH.matcher(m).replaceAll("the file");
        m = ADVICE.matcher(m).replaceAll("");
        m = ENGINE_PREFIX.matcher(m).replaceAll("");
        return m.strip();
    }

    static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return shorten(nl < 0 ? message : message.substring(0, nl));
    }

    static String shorten(String value) {
        return value.length() > 200 ? value.substring(0, 200) + "..." : value;
    }
}
