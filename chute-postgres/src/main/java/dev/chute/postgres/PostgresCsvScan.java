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

    private PostgresCsvScan() {
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
