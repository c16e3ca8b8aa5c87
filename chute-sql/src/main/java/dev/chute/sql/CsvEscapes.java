package dev.chute.sql;

import dev.chute.spi.FileFormat;
import dev.chute.spi.TableSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Escape characters of delimited files (issue 11 item 7, the real-file corpus's
 * {@code unquoted_escape/human_eval.tsv}).
 *
 * <p>In a quoted file the escape character works inside quoted values only, as DuckDB's and
 * PostgreSQL's CSV readers read it ({@code "say \"hi\""}); the readers are given it. In a file read
 * without quoting it works everywhere, as MySQL writes with {@code SELECT ... INTO OUTFILE} (tab
 * separated, no quoting, {@code ESCAPED BY '\\'}) and reads with {@code LOAD DATA}: a backslash before
 * a line end, the delimiter or itself makes that character part of the value. Neither DuckDB 1.4
 * (its {@code escape} has no effect outside quotes) nor PostgreSQL's CSV format can read that, so
 * both warehouses read such a file through a copy that {@link #unescape} writes in standard CSV.
 *
 * <p>The escape sequences are MySQL's ({@code LOAD DATA}): after the escape character {@code 0} is
 * NUL, {@code b} backspace, {@code n} line feed, {@code r} carriage return, {@code t} TAB,
 * {@code Z} Ctrl-Z (0x1A), a field that is exactly {@code \N} is NULL, and every other character
 * (the escape itself, the delimiter, a line feed, a carriage return, or a CR LF pair) stands for
 * itself. An empty field is an empty string, as in MySQL and in PostgreSQL's text format, which
 * spell NULL {@code \N}. A writer that escapes this way escapes every backslash of its data, so
 * a backslash followed by a letter is never data.
 */
public final class CsvEscapes {
    /** Records of a sample compared by {@link #backslashEscapes}. */
    static final int RECORDS = 200;

    private CsvEscapes() {
    }

    /**
     * The escape character that works outside quotes in a delimited file, or {@link CsvQuoting#NONE}:
     * only a file read without quoting has one. It is the table's {@code escape} when it sets one, or
     * for a tab-separated file with {@code escape: auto}, {@code \} when its head shows MySQL-style
     * escapes ({@link TextHead#backslashEscapes()}).
     */
    public static char unquotedEscape(TableSpec spec, FileFormat.Kind kind, TextHead head) {
        if (CsvQuoting.quote(spec, kind, head) != CsvQuoting.NONE) {
            return CsvQuoting.NONE;
        }
        if (spec.escape().isPresent()) {
            String configured = spec.escape().get();
            return configured.isEmpty() ? CsvQuoting.NONE : configured.charAt(0);
        }
        return CsvQuoting.tabSeparated(spec, kind, head.firstLine()) && head.backslashEscapes() ? '\\' : CsvQuoting.NONE;
    }

    /**
     * The escape character inside the quoted values of a file read with {@code quote} as the table
     * sets it: its {@code escape}, or the quote itself for {@code escape: none} (a quote inside a
     * quoted value is doubled); empty when the sniffer is to find it.
     */
    public static Optional<Character> quotedEscape(TableSpec spec, char quote) {
        if (quote == CsvQuoting.NONE || spec.escape().isEmpty()) {
            return Optional.empty();
        }
        String configured = spec.escape().get();
        return Optional.of(configured.isEmpty() ? quote : configured.charAt(0));
    }

    /**
     * Whether a sample of delimited text read without quoting is escaped the MySQL way, with
     * {@code \}: some line end or delimiter follows an odd number of backslashes; read with the
     * escape, every complete record of the sample has the first record's number of fields (at
     * least two); read without it, some does not; and no field starts with a quote unless the
     * sample's quotes are text ({@code quotesAreText}), since a file with quoted fields is not
     * read without quoting. A TSV of Windows paths ({@code C:\temp\}) fails the second or third
     * test, as its lines keep their field counts without the escape. Empty lines are no records;
     * the last record of an incomplete sample is left out.
     */
    public static boolean backslashEscapes(CharSequence sample, char delimiter, boolean complete, boolean quotesAreText) {
        Fields escaped = fields(sample, delimiter, '\\', complete);
        if (escaped.escapedEnds == 0 || escaped.counts.length == 0 || escaped.quoteAtFieldStart && !quotesAreText) {
            return false;
        }
        int columns = escaped.counts[0];
        if (columns < 2) {
            return false;
        }
        for (int count : escaped.counts) {
            if (count != columns) {
                return false;
            }
        }
        Fields plain = fields(sample, delimiter, CsvQuoting.NONE, complete);
        for (int count : plain.counts) {
            if (count != plain.counts[0]) {
                return true;
            }
        }
        return false;
    }

    /** Field counts of a sample's first records, read without quoting and with {@code escape} (none when NONE). */
    private record Fields(int[] counts, int escapedEnds, boolean quoteAtFieldStart) {
    }

    private static Fields fields(CharSequence s, char delimiter, char escape, boolean complete) {
        int[] counts = new int[RECORDS];
        int records = 0;
        int escapedEnds = 0;
        boolean quoteAtFieldStart = false;
        int fields = 1;
        boolean empty = true;
        boolean fieldStart = true;
        int n = s.length();
        for (int i = 0; i < n && records < RECORDS; i++) {
            char ch = s.charAt(i);
            if (escape != CsvQuoting.NONE && ch == escape && i + 1 < n) {
                char next = s.charAt(i + 1);
                if (next == '\n' || next == '\r' || next == delimiter) {
                    escapedEnds++;
                }
                i += next == '\r' && i + 2 < n && s.charAt(i + 2) == '\n' ? 2 : 1;
                empty = false;
                fieldStart = false;
                continue;
            }
            if (ch == '\n' || ch == '\r') {
                if (!empty) {
                    counts[records++] = fields;
                }
                if (ch == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') {
                    i++;
                }
                fields = 1;
                empty = true;
                fieldStart = true;
                continue;
            }
            empty = false;
            if (ch == delimiter) {
                fields++;
                fieldStart = true;
            } else {
                quoteAtFieldStart |= fieldStart && ch == '"';
                fieldStart = false;
            }
        }
        if (complete && !empty && records < RECORDS) {
            counts[records++] = fields;
        }
        return new Fields(java.util.Arrays.copyOf(counts, records), escapedEnds, quoteAtFieldStart);
    }

    /**
     * Copies delimited text escaped outside quotes (see the class comment) to standard CSV: the
     * same delimiter, a value quoted with {@code "} (quotes inside doubled) when it is empty or
     * holds the delimiter, a quote or a line end, NULL as an empty unquoted field, every record
     * ended with {@code \n}. Line breaks inside values are kept as they are, so every record
     * starts on the same physical line in the copy as in the input, and errors of the copy name
     * the input's lines. Empty lines stay empty lines; a UTF-8 byte order mark is left out.
     *
     * <p>Works on bytes, for UTF-8 and Latin-1, where the delimiter, the escape, the quote and the
     * line ends are single bytes that no other character contains; bytes that are not valid in
     * the encoding are copied as they are, for the reader to report with their line. Neither
     * stream is closed.
     *
     * @throws IllegalArgumentException for UTF-16, or a delimiter or escape outside ASCII
     */
    public static void unescape(InputStream in, OutputStream out, Charset charset, char delimiter, char escape) throws IOException {
        if (charset.equals(StandardCharsets.UTF_16) || delimiter > 0x7F || escape > 0x7F) {
            throw new IllegalArgumentException("escapes outside quotes are read in utf-8 and latin-1 files with an ASCII delimiter and escape");
        }
        new Unescaper(in, out, (byte) delimiter, (byte) escape, charset.equals(StandardCharsets.UTF_8)).run();
    }

    private static final class Unescaper {
        private static final int BUFFER = 1 << 16;
        private final InputStream in;
        private final OutputStream out;
        private final byte delimiter;
        private final byte escape;
        private final boolean utf8;
        private final byte[] input = new byte[BUFFER];
        private int pos;
        private int limit;
        private byte[] value = new byte[256];
        private int length;
        private boolean quote;
        private boolean nullValue;
        private boolean recordEmpty = true;

        Unescaper(InputStream in, OutputStream out, byte delimiter, byte escape, boolean utf8) {
            this.in = in;
            this.out = new java.io.BufferedOutputStream(out, BUFFER);
            this.delimiter = delimiter;
            this.escape = escape;
            this.utf8 = utf8;
        }

        /** The next byte, or -1 at the end. */
        private int next() throws IOException {
            if (pos == limit) {
                limit = in.read(input, 0, BUFFER);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    return -1;
                }
            }
            return input[pos++] & 0xFF;
        }

        /** The next byte without taking it, or -1 at the end. */
        private int peek() throws IOException {
            int b = next();
            if (b >= 0) {
                pos--;
            }
            return b;
        }

        void run() throws IOException {
            boolean first = true;
            int b;
            while ((b = next()) >= 0) {
                if (first && utf8 && b == 0xEF && startsBom()) {
                    first = false;
                    continue;
                }
                first = false;
                if (b == (escape & 0xFF)) {
                    int c = next();
                    recordEmpty = false;
                    if (c < 0) {
                        // a lone escape at the very end stands for itself
                        append(b);
                        break;
                    }
                    escaped(c);
                } else if (b == '\n' || b == '\r') {
                    if (b == '\r' && peek() == '\n') {
                        next();
                    }
                    endRecord();
                } else if (b == (delimiter & 0xFF)) {
                    recordEmpty = false;
                    endField();
                    out.write(delimiter);
                } else {
                    recordEmpty = false;
                    append(b);
                }
            }
            if (!recordEmpty) {
                endRecord();
            }
            out.flush();
        }

        /** Whether the bytes after a leading 0xEF are 0xBB 0xBF (taken when they are). */
        private boolean startsBom() throws IOException {
            if (limit - pos >= 2 && (input[pos] & 0xFF) == 0xBB && (input[pos + 1] & 0xFF) == 0xBF) {
                pos += 2;
                return true;
            }
            return false;
        }

        private void escaped(int c) throws IOException {
            switch (c) {
                case '0' -> append(0);
                case 'b' -> append(8);
                case 'n' -> append('\n');
                case 'r' -> append('\r');
                case 't' -> append('\t');
                case 'Z' -> append(0x1A);
                case 'N' -> {
                    boolean whole = length == 0;
                    append('N');
                    int after = peek();
                    // \N alone is NULL; \N followed by more is the letter N
                    nullValue = whole && (after < 0 || after == '\n' || after == '\r' || after == (delimiter & 0xFF));
                }
                case '\r' -> {
                    append('\r');
                    if (peek() == '\n') {
                        append(next());
                    }
                }
                default -> append(c);
            }
        }

        private void append(int b) {
            if (length == value.length) {
                value = java.util.Arrays.copyOf(value, value.length * 2);
            }
            value[length++] = (byte) b;
            quote |= b == '"' || b == '\n' || b == '\r' || b == (delimiter & 0xFF);
            nullValue = false;
        }

        private void endField() throws IOException {
            if (nullValue) {
                // NULL: an empty unquoted field
            } else if (quote || length == 0) {
                out.write('"');
                int from = 0;
                for (int i = 0; i < length; i++) {
                    if (value[i] == '"') {
                        out.write(value, from, i + 1 - from);
                        out.write('"');
                        from = i + 1;
                    }
                }
                out.write(value, from, length - from);
                out.write('"');
            } else {
                out.write(value, 0, length);
            }
            length = 0;
            quote = false;
            nullValue = false;
        }

        private void endRecord() throws IOException {
            if (!recordEmpty) {
                endField();
            }
            out.write('\n');
            recordEmpty = true;
        }
    }
}
