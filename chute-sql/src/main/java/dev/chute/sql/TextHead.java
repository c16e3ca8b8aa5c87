package dev.chute.sql;

import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The start of a text file (CSV, TSV, JSON), as the DuckDB and PostgreSQL warehouses look at it
 * before loading: its first line (to name columns, guess the delimiter and group files by header),
 * whether anything follows it (to tell empty and header-only files), and whether, read as
 * tab-separated, its quote characters are text rather than CSV quoting ({@link CsvQuoting}).
 *
 * <p>The first line is decoded strictly, by the same rule the engines apply to every later line:
 * a byte that is not valid in the table's encoding fails the file with an
 * {@link InvalidTextException} naming line 1, the byte and the encoding, instead of becoming
 * U+FFFD in a column name (issue 11 item 4).
 *
 * @param firstLine the first line, without its line end or a byte order mark; at most {@value #LINE_LIMIT} characters
 * @param hasMoreLines whether any non-blank character follows the first line
 * @param empty whether the file holds nothing but blanks
 * @param quotesAreText whether, read with TAB as the delimiter, the sample's quote characters are not
 *     CSV quoting (see {@link CsvQuoting#quotesAreText})
 * @param following the text after the first line's end, whole lines only, at most {@value #FOLLOWING_LIMIT}
 *     characters: what {@link HeaderGuess} compares the first line with
 * @param backslashEscapes whether, read with TAB as the delimiter and without quoting, the sample is escaped
 *     the MySQL way with {@code \} (see {@link CsvEscapes#backslashEscapes})
 */
public record TextHead(String firstLine, boolean hasMoreLines, boolean empty, boolean quotesAreText, String following,
        boolean backslashEscapes) {
    /** Characters of the first line that are kept. */
    public static final int LINE_LIMIT = 64 * 1024;
    /** Characters after the first line that are kept. */
    public static final int FOLLOWING_LIMIT = 16 * 1024;

    public TextHead {
        java.util.Objects.requireNonNull(firstLine, "firstLine is null");
        java.util.Objects.requireNonNull(following, "following is null");
    }

    /** A head without the lines that follow the first one. */
    public TextHead(String firstLine, boolean hasMoreLines, boolean empty, boolean quotesAreText) {
        this(firstLine, hasMoreLines, empty, quotesAreText, "", false);
    }

    /** A head of a file without MySQL-style escapes. */
    public TextHead(String firstLine, boolean hasMoreLines, boolean empty, boolean quotesAreText, String following) {
        this(firstLine, hasMoreLines, empty, quotesAreText, following, false);
    }
    /** Bytes read from the start of a file: the first line and the sample for the quote check. */
    static final int SAMPLE_BYTES = 256 * 1024;

    /** A head for a file that could not be peeked at: unknown content, assumed to have rows. */
    public static TextHead unknown() {
        return new TextHead("", true, false, false);
    }

    /**
     * Reads the head of a file's (decompressed) content in the table's {@code encoding} (as
     * configured: utf-8, latin-1, utf-16). A line ends at LF, CR LF or a lone CR.
     *
     * @throws InvalidTextException when the first line holds bytes that are not valid in the encoding
     * @throws IOException when the content cannot be read
     */
    public static TextHead read(InputStream content, TableSpec.Encoding encoding) throws IOException {
        return read(content, encoding, CsvQuoting.NONE);
    }

    /**
     * Reads the head of a file as {@link #read(InputStream, TableSpec.Encoding)} does, but with a first line that
     * runs on over line ends inside values quoted with {@code quote} (RFC 4180: a quote at any place
     * opens or closes, a doubled one is a quote inside), so that it holds the whole first record: for
     * a copy Chute wrote itself in standard CSV ({@link CsvEscapes#unescape}), whose values may span
     * lines. A quote still open at the end of the sample ends the first line at its first line end.
     */
    public static TextHead read(InputStream content, TableSpec.Encoding encoding, char quote) throws IOException {
        byte[] bytes = content.readNBytes(SAMPLE_BYTES);
        boolean complete = bytes.length < SAMPLE_BYTES || content.read() < 0;
        Charset charset = encoding.charset();
        CharsetDecoder decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        // a UTF-8 byte order mark is not part of the first line (PostgreSQL's reader drops it before, DuckDB's does not)
        int bom = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF
                && encoding == TableSpec.Encoding.UTF_8 ? 3 : 0;
        ByteBuffer in = ByteBuffer.wrap(bytes, bom, bytes.length - bom);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, complete);
        if (!result.isError() && complete) {
            result = decoder.flush(out);
        }
        out.flip();
        String text = out.toString();
        int start = !text.isEmpty() && text.charAt(0) == '\uFEFF' ? 1 : 0;
        int end = start;
        while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
            end++;
        }
        if (quote != CsvQuoting.NONE) {
            int recordEnd = recordEnd(text, start, quote);
            end = recordEnd < 0 ? end : recordEnd;
        }
        if (result.isError() && end == text.length()) {
            // the undecodable bytes are in the first line (no line end was decoded before them)
            throw InvalidTextException.firstLine(bytes, bom, in.position(), result.length(), encoding.configName());
        }
        // undecodable bytes after the first line are the engine's to report, with their line;
        // the sample is what decoded before them, and it is complete only if nothing was left out
        boolean sampleComplete = complete && !result.isError();
        String firstLine = text.substring(start, Math.min(end, start + LINE_LIMIT));
        boolean more = false;
        for (int i = end; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') {
                more = true;
                break;
            }
        }
        if (!more && result.isError()) {
            more = true;
        }
        boolean quotesAreText = CsvQuoting.quotesAreText(text.substring(start), '\t', sampleComplete);
        boolean backslashEscapes = CsvEscapes.backslashEscapes(text.substring(start), '\t', sampleComplete, quotesAreText);
        return new TextHead(firstLine, more, firstLine.isBlank() && !more, quotesAreText, following(text, end, sampleComplete), backslashEscapes);
    }

    /** Where the first record of {@code text} ends (a line end outside quotes), or -1 when a quote is still open at its end. */
    private static int recordEnd(String text, int start, char quote) {
        boolean quoted = false;
        for (int i = start; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == quote) {
                quoted = !quoted;
            } else if (!quoted && (ch == '\n' || ch == '\r')) {
                return i;
            }
        }
        return quoted ? -1 : text.length();
    }

    /** The text after the first line's end, cut after the last line end it keeps unless it is the whole rest of the file. */
    private static String following(String text, int firstLineEnd, boolean complete) {
        int from = firstLineEnd;
        if (from < text.length() && text.charAt(from) == '\r') {
            from++;
        }
        if (from < text.length() && text.charAt(from) == '\n') {
            from++;
        }
        int to = Math.min(text.length(), from + FOLLOWING_LIMIT);
        if (to < text.length() || !complete) {
            int cut = to;
            while (cut > from && text.charAt(cut - 1) != '\n' && text.charAt(cut - 1) != '\r') {
                cut--;
            }
            to = cut;
        }
        return text.substring(from, to);
    }

    /**
     * Bytes of a file's first line that are not valid in its table's encoding. A "bad input"
     * failure of the file (error code {@code ENCODING}), not an I/O failure of the store.
     */
    public static final class InvalidTextException extends IOException {
        private final int offset;
        private final int value;
        private final String encoding;

        private InvalidTextException(String message, int offset, int value, String encoding) {
            super(message);
            this.offset = offset;
            this.value = value;
            this.encoding = encoding;
        }

        static InvalidTextException firstLine(byte[] bytes, int lineStart, int offset, int length, String encoding) {
            int value = bytes[offset] & 0xff;
            StringBuilder found = new StringBuilder();
            for (int i = offset; i < Math.min(bytes.length, offset + Math.max(1, length)); i++) {
                found.append(found.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "0x%02X", bytes[i] & 0xff));
            }
            int lineEnd = offset;
            while (lineEnd < bytes.length && bytes[lineEnd] != '\n' && bytes[lineEnd] != '\r') {
                lineEnd++;
            }
            byte[] line = java.util.Arrays.copyOfRange(bytes, lineStart, lineEnd);
            String looksLike = EncodingGuess.of(line, line.length, encoding)
                    .map(e -> "; the line is valid " + e.toUpperCase(Locale.ROOT) + " text: set encoding: " + e + " for the table if the file is "
                            + e.toUpperCase(Locale.ROOT))
                    .orElse("; it does not look like the other encodings Chute reads either (utf-8, utf-16, or latin-1, which has no"
                            + " bytes 0x80-0x9F); it may be windows-1252 or Mac Roman: convert the file to utf-8");
            String message = "line 1: expected " + encoding + " text (the table's encoding), found byte " + found
                    + " at byte " + (offset - lineStart + 1) + " of the line" + looksLike;
            return new InvalidTextException(message, offset - lineStart, value, encoding);
        }

        /** 0-based offset of the first invalid byte in the first line (after a byte order mark). */
        public int offset() {
            return offset;
        }

        /** The first invalid byte, 0-255. */
        public int value() {
            return value;
        }

        /** The table's encoding, as DuckDB names it. */
        public String encoding() {
            return encoding;
        }

        /** Always line 1: only the first line is decoded before the engine reads the file. */
        public long line() {
            return 1;
        }

        /** The failure of the file {@code key}: line 1, the byte as the value, the table's encoding as what was expected. */
        public LoadError loadError(String key) {
            return new LoadError(ErrorCode.ENCODING, key + " " + getMessage(), OptionalLong.of(line()), Optional.empty(),
                    Optional.of(String.format(Locale.ROOT, "0x%02X", value)), Optional.of(encoding));
        }
    }
}
