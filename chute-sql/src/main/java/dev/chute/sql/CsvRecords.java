package dev.chute.sql;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Counts the records of a delimited file by the dialect the reader is given, independently of
 * DuckDB: the number of rows a correct read must produce. DuckDB's multi-file CSV reader returns
 * the rows before an unterminated quote at the end of any file but the first and drops the rest
 * without an error, and a quote that opens in the header swallows the whole file into one header
 * record (0 rows, no error); comparing what was inserted with this count turns both into
 * failures that say why (issue 11, items 2 and 3).
 *
 * <p>Rules, as DuckDB reads with {@code strict_mode}: a record ends at {@code \n}, {@code \r\n}
 * or {@code \r} outside quotes; a quote opens a quoted value only at the start of a field;
 * inside quotes the escape character (the quote itself when they are equal) makes the next
 * character literal; in a file without quoting, the escape character makes the next character
 * literal everywhere, so that an escaped line end ({@code \} before LF, CR or CR LF) does not end
 * the record ({@link CsvEscapes}); an empty line is no record unless the file has a single column
 * (then it is a NULL value); the first record is the header when there is one.
 */
public final class CsvRecords {
    /** How the reader splits the file; {@code quote} or {@code escape} 0 when there is none. */
    public record Dialect(char delimiter, char quote, char escape, boolean header, int columns) {
    }

    /**
     * @param records data records (header excluded)
     * @param unterminatedQuoteLine the physical line (1-based) of the record whose quote never closes, if one does not
     * @param mixedLineEnds whether records end in more than one of {@code \n}, {@code \r\n} and {@code \r}
     * @param otherFieldCount the first record (header included, empty lines not) with a number of fields other than the
     *     dialect's columns, if one has
     */
    public record Count(long records, OptionalLong unterminatedQuoteLine, boolean mixedLineEnds, Optional<Located> otherFieldCount) {
        public Count(long records, OptionalLong unterminatedQuoteLine) {
            this(records, unterminatedQuoteLine, false, Optional.empty());
        }
    }

    /** Where a record starts (physical line, 1-based, counting the header and quoted line ends) and how many fields it has. */
    public record Located(long line, int fields) {
    }

    /** The physical line (1-based) where data record {@code record} (1-based, header and empty lines excluded) starts, if the file has that many. */
    public static OptionalLong lineOfRecord(InputStream in, Charset charset, Dialect d, long record) throws IOException {
        long[] found = {-1, 0};
        scan(in, charset, d, record + (d.header ? 1 : 0), false, found);
        return found[0] < 0 ? OptionalLong.empty() : OptionalLong.of(found[0]);
    }

    /**
     * The record DuckDB's CSV reader calls "Line" {@code row} in its errors: it counts the header
     * and empty lines but not the line ends inside quoted values, so it is not the line an editor
     * shows when values span lines.
     */
    public static Optional<Located> locateReaderRow(InputStream in, Charset charset, Dialect d, long row) throws IOException {
        long[] found = {-1, 0};
        scan(in, charset, d, row, true, found);
        return found[0] < 0 ? Optional.empty() : Optional.of(new Located(found[0], (int) found[1]));
    }

    private CsvRecords() {
    }

    public static Count count(InputStream in, Charset charset, Dialect d) throws IOException {
        return scan(in, charset, d, -1, false, new long[2]);
    }

    /** Reads to the end, or until record {@code find} (1-based, counting empty lines when {@code countEmpty}) ends: then {@code found} holds its line and fields. */
    private static Count scan(InputStream in, Charset charset, Dialect d, long find, boolean countEmpty, long[] found) throws IOException {
        Reader r = new BufferedReader(new InputStreamReader(in, charset), 1 << 16);
        char[] buf = new char[1 << 16];
        long records = 0;
        long rows = 0;
        int fields = 1;
        long line = 1;
        long recordLine = 1;
        boolean inQuotes = false;
        boolean fieldStart = true;
        boolean recordEmpty = true;
        boolean pendingCr = false;
        boolean escaped = false;
        boolean first = true;
        boolean justClosed = false;
        boolean escapedOutside = false;
        int endKinds = 0;
        Located other = null;
        int n;
        while ((n = r.read(buf)) > 0) {
            for (int i = 0; i < n; i++) {
                char ch = buf[i];
                if (pendingCr) {
                    pendingCr = false;
                    if (ch == '\n') {
                        continue;
                    }
                }
                if (first && ch == '\uFEFF') {
                    first = false;
                    continue;
                }
                first = false;
                if (inQuotes) {
                    if (ch == '\n' || ch == '\r') {
                        line++;
                        pendingCr = ch == '\r';
                    }
                    if (escaped) {
                        escaped = false;
                    } else if (d.escape != 0 && d.escape != d.quote && ch == d.escape) {
                        escaped = true;
                    } else if (ch == d.quote) {
                        inQuotes = false;
                        justClosed = true;
                    }
                    continue;
                }
                if (escapedOutside) {
                    // the character after an escape in a file without quoting is part of the value, a line end too
                    escapedOutside = false;
                    if (ch == '\n' || ch == '\r') {
                        line++;
                        pendingCr = ch == '\r';
                    }
                    continue;
                }
                if (d.quote == 0 && d.escape != 0 && ch == d.escape) {
                    escapedOutside = true;
                    recordEmpty = false;
                    fieldStart = false;
                    continue;
                }
                if (justClosed) {
                    justClosed = false;
                    if (ch == d.quote && (d.escape == d.quote || d.escape == 0)) {
                        // a doubled quote inside a quoted value is a literal quote: the value goes on
                        inQuotes = true;
                        continue;
                    }
                }
                if (ch == '\n' || ch == '\r') {
                    rows++;
                    if (!recordEmpty || d.columns == 1) {
                        records++;
                    }
                    if (ch == '\n') {
                        endKinds |= 1;
                    } else if (i + 1 < n ? buf[i + 1] == '\n' : peekLf(r)) {
                        endKinds |= 2;
                    } else {
                        endKinds |= 4;
                    }
                    if (other == null && !recordEmpty && fields != d.columns) {
                        other = new Located(recordLine, fields);
                    }
                    if ((countEmpty ? rows : records) == find && (countEmpty || !recordEmpty || d.columns == 1)) {
                        found[0] = recordLine;
                        found[1] = fields;
                        return new Count(records, OptionalLong.empty());
                    }
                    fields = 1;
                    line++;
                    recordLine = line;
                    pendingCr = ch == '\r';
                    fieldStart = true;
                    recordEmpty = true;
                    continue;
                }
                recordEmpty = false;
                if (ch == d.delimiter) {
                    fieldStart = true;
                    fields++;
                } else if (fieldStart && d.quote != 0 && ch == d.quote) {
                    inQuotes = true;
                    fieldStart = false;
                } else {
                    fieldStart = false;
                }
            }
        }
        if (inQuotes) {
            return new Count(0, OptionalLong.of(recordLine));
        }
        if (!recordEmpty) {
            if (other == null && fields != d.columns) {
                other = new Located(recordLine, fields);
            }
            records++;
            rows++;
            if ((countEmpty ? rows : records) == find) {
                found[0] = recordLine;
                found[1] = fields;
            }
        }
        return new Count(Math.max(0, records - (d.header ? 1 : 0)), OptionalLong.empty(), Integer.bitCount(endKinds) > 1,
                Optional.ofNullable(other));
    }

    /** Whether the next character of {@code r} is a line feed, without consuming it. */
    private static boolean peekLf(Reader r) throws IOException {
        r.mark(1);
        int next = r.read();
        r.reset();
        return next == '\n';
    }
}
