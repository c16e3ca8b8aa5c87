package dev.chute.sql;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Rewrites delimited text so that every record ends with {@code \n}, for readers that fix the line
 * ending of a whole file from its first line (PostgreSQL's {@code COPY} fails a valid file that
 * mixes {@code \r\n}, {@code \n} and a lone {@code \r}), and optionally leaves out completely empty
 * lines between records, as DuckDB and Python's csv module skip them.
 *
 * <p>Only record ends change: a line break inside a quoted value keeps its exact bytes, so no
 * value gains or loses a carriage return. Quotes are followed as PostgreSQL's {@code COPY (FORMAT
 * csv)} follows them when it splits lines (every quote character toggles, an escape different
 * from the quote protects the character after it inside quotes). {@code \r\n} outside quotes is one
 * record end, as an editor shows it; every record end stays one line end, so the physical line of a
 * record in the output is its line in the input minus the empty lines left out before it
 * ({@link Result#droppedLines()}). Works on bytes: for UTF-8 and Latin-1, where these characters
 * are single bytes.
 */
public final class CsvRecordEnds {
    private static final int BUFFER = 1 << 16;
    private static final int LF = 1;
    private static final int CRLF = 2;
    private static final int CR = 4;

    /**
     * What a rewrite did: whether reading the output can differ from reading the input (the input
     * mixes record ends of more than one kind, or empty lines were left out), and the 1-based
     * physical lines of the input (ascending) that were empty and left out.
     */
    public record Result(boolean changed, long[] droppedLines) {
        public Result {
            droppedLines = droppedLines.clone();
        }

        @Override
        public long[] droppedLines() {
            return droppedLines.clone();
        }

        /** The input line of output line {@code line} (both 1-based). */
        public long inputLine(long line) {
            long n = line;
            for (long dropped : droppedLines) {
                if (dropped <= n) {
                    n++;
                } else {
                    break;
                }
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Result r && r.changed == changed && Arrays.equals(r.droppedLines, droppedLines);
        }

        @Override
        public int hashCode() {
            return Boolean.hashCode(changed) * 31 + Arrays.hashCode(droppedLines);
        }

        @Override
        public String toString() {
            return "Result[changed=" + changed + ", droppedLines=" + Arrays.toString(droppedLines) + "]";
        }
    }

    private CsvRecordEnds() {
    }

    /**
     * Copies {@code in} to {@code out} with every record end outside quotes written as {@code \n},
     * and, with {@code dropEmptyLines}, without the lines that hold nothing at all. Neither stream
     * is closed.
     */
    public static Result rewrite(InputStream in, OutputStream out, char quote, char escape, boolean dropEmptyLines) throws IOException {
        byte[] buf = new byte[BUFFER];
        byte[] outBuf = new byte[BUFFER + 1];
        int escapeByte = escape == quote ? -1 : escape;
        boolean inQuote = false;
        boolean lastWasEscape = false;
        boolean pendingCr = false;
        boolean lineEmpty = true;
        int kinds = 0;
        long line = 1;
        long[] dropped = new long[8];
        int droppedCount = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            int o = 0;
            for (int i = 0; i < n; i++) {
                int b = buf[i] & 0xff;
                if (pendingCr) {
                    // the record ended at a \r: a \n right after it belongs to the same record end
                    pendingCr = false;
                    if (b == '\n') {
                        kinds |= CRLF;
                        continue;
                    }
                    kinds |= CR;
                }
                if (!inQuote && (b == '\n' || b == '\r')) {
                    if (lineEmpty && dropEmptyLines) {
                        if (droppedCount == dropped.length) {
                            dropped = Arrays.copyOf(dropped, droppedCount * 2);
                        }
                        dropped[droppedCount++] = line;
                    } else {
                        outBuf[o++] = '\n';
                    }
                    if (b == '\r') {
                        pendingCr = true;
                    } else {
                        kinds |= LF;
                    }
                    line++;
                    lineEmpty = true;
                    if (o >= BUFFER) {
                        out.write(outBuf, 0, o);
                        o = 0;
                    }
                    continue;
                }
                lineEmpty = false;
                if (inQuote && b == escapeByte) {
                    lastWasEscape = !lastWasEscape;
                }
                if (b == quote && !lastWasEscape) {
                    inQuote = !inQuote;
                }
                if (b != escapeByte) {
                    lastWasEscape = false;
                }
                outBuf[o++] = (byte) b;
                if (o >= BUFFER) {
                    out.write(outBuf, 0, o);
                    o = 0;
                }
            }
            if (o > 0) {
                out.write(outBuf, 0, o);
            }
        }
        if (pendingCr) {
            kinds |= CR;
        }
        return new Result(Integer.bitCount(kinds) > 1 || droppedCount > 0, Arrays.copyOf(dropped, droppedCount));
    }
}
