package dev.chute.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * Walks a delimited file's records as PostgreSQL's COPY (FORMAT csv) splits them, counting physical
 * lines the way an editor does (a line ends at {@code \n}, {@code \r\n} or a lone {@code \r}, and
 * the lines inside a quoted value count), so that an error can name the line a user opens, the
 * number of fields found, and where an unterminated quote opens. Works on the bytes: the delimiter,
 * quote and escape are single-byte characters in every encoding Chute reads this way.
 */
final class PostgresCsvScan {
    /** One record: its 1-based number (the header is record 1 when there is one), first and last physical line, and fields. */
    record Record(long number, long firstLine, long lastLine, int fields) {
        boolean holds(long line) {
            return firstLine <= line && line <= lastLine;
        }
    }

    /** What a scan found: the record it stopped at, or at the end of the file the line of a quote never closed. */
    record Found(Optional<Record> record, OptionalLong unterminatedQuote) {
    }

    /** The first NUL byte of a file: the physical line where its record starts, its 1-based field, and that field's text (raw, cut at 200 bytes). */
    record Nul(long line, int field, String value) {
    }

    private PostgresCsvScan() {
    }

    /**
     * The first NUL byte of a delimited file (decompressed), if any, with its record's first line
     * and its field, walking quotes as COPY (FORMAT csv) splits lines.
     */
    static Optional<Nul> firstNul(InputStream raw, char delimiter, char quote, char escape) throws IOException {
        InputStream in = raw instanceof java.io.BufferedInputStream || raw instanceof PushbackInputStream ? raw : new java.io.BufferedInputStream(raw);
        int escapeByte = escape == quote ? -1 : escape;
        long line = 1;
        long first = 1;
        int field = 1;
        boolean inQuote = false;
        boolean lastWasEscape = false;
        boolean pendingCr = false;
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        int found = -1;
        int b;
        while ((b = in.read()) >= 0) {
            if (pendingCr) {
                pendingCr = false;
                if (b == '\n') {
                    continue;
                }
            }
            boolean recordEnd = !inQuote && (b == '\n' || b == '\r');
            if (found < 0 && (recordEnd || !inQuote && b == delimiter)) {
                text.reset();
            }
            if (recordEnd || !inQuote && b == delimiter) {
                if (found >= 0) {
                    break;
                }
                if (recordEnd) {
                    line++;
                    first = line;
                    field = 1;
                    pendingCr = b == '\r';
                } else {
                    field++;
                }
                continue;
            }
            if (b == '\n' || b == '\r') {
                // a line break inside quotes: the next physical line of the same record
                if (b == '\r') {
                    pendingCr = true;
                }
                line++;
            }
            if (inQuote && b == escapeByte) {
                lastWasEscape = !lastWasEscape;
            }
            if (b == quote && !lastWasEscape) {
                inQuote = !inQuote;
            }
            if (b != escapeByte) {
                lastWasEscape = false;
            }
            if (text.size() < 200) {
                text.write(b);
            }
            if (b == 0 && found < 0) {
                found = field;
            }
        }
        if (found < 0) {
            return Optional.empty();
        }
        String value = text.toString(java.nio.charset.StandardCharsets.UTF_8);
        if (value.length() >= 2 && value.charAt(0) == quote && value.charAt(value.length() - 1) == quote) {
            value = value.substring(1, value.length() - 1);
        }
        return Optional.of(new Nul(first, found, value));
    }

    /** Reads {@code in} (decompressed) until {@code stop} accepts a record, or to the end. */
    static Found scan(InputStream raw, char delimiter, char quote, char escape, Predicate<Record> stop) throws IOException {
        PushbackInputStream in = new PushbackInputStream(raw, 1);
        long line = 1;
        long first = 1;
        long number = 0;
        int fields = 1;
        boolean inQuote = false;
        boolean fieldStart = true;
        boolean content = false;
        long quoteLine = 0;
        int b;
        while ((b = in.read()) >= 0) {
            if (inQuote) {
                if (b == escape && escape != quote) {
                    int next = in.read();
                    if (next == '\n' || next == '\r') {
                        line += newline(in, next);
                    }
                } else if (b == quote) {
                    int next = in.read();
                    if (next != quote || escape != quote) {
                        inQuote = false;
                        if (next >= 0) {
                            in.unread(next);
                        }
                    }
                } else if (b == '\n' || b == '\r') {
                    line += newline(in, b);
                }
                continue;
            }
            if (b == '\n' || b == '\r') {
                Record r = new Record(++number, first, line, fields);
                if (stop.test(r)) {
                    return new Found(Optional.of(r), OptionalLong.empty());
                }
                line += newline(in, b);
                first = line;
                fields = 1;
                fieldStart = true;
                content = false;
                continue;
            }
            content = true;
            if (b == quote && fieldStart) {
                inQuote = true;
                quoteLine = line;
                fieldStart = false;
            } else if (b == delimiter) {
                fields++;
                fieldStart = true;
            } else {
                fieldStart = false;
            }
        }
        if (inQuote) {
            return new Found(Optional.empty(), OptionalLong.of(quoteLine));
        }
        if (content) {
            Record r = new Record(++number, first, line, fields);
            if (stop.test(r)) {
                return new Found(Optional.of(r), OptionalLong.empty());
            }
        }
        return new Found(Optional.empty(), OptionalLong.empty());
    }

    /** Consumes the rest of a line end that started with {@code b}; always one line. */
    private static int newline(PushbackInputStream in, int b) throws IOException {
        if (b == '\r') {
            int next = in.read();
            if (next != '\n' && next >= 0) {
                in.unread(next);
            }
        }
        return 1;
    }
}
