package dev.chute.sql;

import dev.chute.spi.FileFormat;
import dev.chute.spi.TableSpec;

/**
 * Which quote character a delimited file is read with: the table's {@code quote} when it sets one
 * ({@code quote: none} for no quoting at all), else {@code "} — except for tab-separated files whose
 * quote characters are text rather than CSV quoting, which are read with no quoting so that every
 * byte between two tabs is the value (issue 11 item 7: IMDB titles such as {@code "Swing it" magistern},
 * Wikipedia page titles {@code "} and {@code ""}), and tab-separated files escaped the MySQL way
 * ({@link CsvEscapes}), which have no quoting.
 *
 * <p>Shared by the DuckDB warehouse and the PostgreSQL warehouse, so that a file is split into the
 * same fields on both.
 */
public final class CsvQuoting {
    /** The quote character of a file read without quoting. */
    public static final char NONE = '\0';

    private CsvQuoting() {
    }

    /** The quote character to read a delimited file with; {@link #NONE} for none. */
    public static char quote(TableSpec spec, FileFormat.Kind kind, TextHead head) {
        if (spec.quote().isPresent()) {
            String configured = spec.quote().get();
            return configured.isEmpty() ? NONE : configured.charAt(0);
        }
        return tabSeparated(spec, kind, head.firstLine()) && (head.quotesAreText() || head.backslashEscapes()) ? NONE : '"';
    }

    /**
     * Whether the sniffer should be asked for the quote: the table sets none, the file is not read
     * without quoting, and some field of its head starts with {@code '} while none starts with
     * {@code "} (single-quoted CSV, as the DuckDB project's {@code single_quote_backslash.csv}:
     * {@code 345|TEST8|'text\'2\'text'}). Only a sniffed {@code '} replaces the default {@code "}.
     */
    public static boolean askSnifferForQuote(TableSpec spec, FileFormat.Kind kind, TextHead head, char delimiter) {
        if (spec.quote().isPresent() || quote(spec, kind, head) != '"') {
            return false;
        }
        boolean single = false;
        String text = head.firstLine() + "\n" + head.following();
        boolean fieldStart = true;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (fieldStart && ch == '"') {
                return false;
            }
            single |= fieldStart && ch == '\'';
            fieldStart = ch == delimiter || ch == '\n' || ch == '\r';
        }
        return single;
    }

    /**
     * Whether a delimited file is read with TAB as its delimiter: a TSV file, a table whose
     * {@code delimiter} is TAB, or, with no delimiter configured, a first line where TAB is the most
     * frequent delimiter.
     */
    public static boolean tabSeparated(TableSpec spec, FileFormat.Kind kind, String firstLine) {
        if (kind == FileFormat.Kind.TSV) {
            return true;
        }
        if (spec.delimiter().isPresent()) {
            return spec.delimiter().get().equals("\t");
        }
        return CsvLine.guessDelimiter(firstLine, '"') == '\t';
    }

    /** The quote (or escape) character as the text of a reader option: empty for {@link #NONE}. */
    public static String text(char quote) {
        return quote == NONE ? "" : String.valueOf(quote);
    }

    /**
     * Whether the quote characters {@code "} of a sample of delimited text are text rather than
     * CSV quoting. Read as CSV (RFC 4180: a field that starts with a quote runs to the next single
     * quote, a doubled quote inside it is one quote), the sample's quotes are text when
     *
     * <ul>
     *   <li>a quote stands inside a field that did not start with one ({@code The "Best" one}),</li>
     *   <li>a closing quote is followed by anything but the delimiter or a line end
     *   ({@code "Swing it" magistern}),</li>
     *   <li>a field is a lone quote ({@code "}: a quote followed by the delimiter or a line end),</li>
     *   <li>a quoted field is still open at the end of a {@code complete} sample (the whole file),
     *   which a CSV reader cannot read at all, or</li>
     *   <li>a field is exactly {@code ""} and no other field of the sample is quoted: a writer that
     *   quotes (pandas, Python's csv, R) does not quote an empty value unless it quotes every value,
     *   so {@code ""} alone is a two-quote value.</li>
     * </ul>
     *
     * A sample with properly quoted fields only (a quoted field holding tabs, line breaks or doubled
     * quotes) keeps CSV quoting. A quoted field still open at the end of an incomplete sample tells
     * nothing either way.
     */
    public static boolean quotesAreText(CharSequence sample, char delimiter, boolean complete) {
        final char q = '"';
        int n = sample.length();
        int quotedFields = 0;
        int emptyQuoted = 0;
        State state = State.FIELD_START;
        for (int i = 0; i < n; i++) {
            char ch = sample.charAt(i);
            boolean lineEnd = ch == '\n' || ch == '\r';
            switch (state) {
                case FIELD_START -> {
                    if (ch == q) {
                        if (i + 1 == n && !complete) {
                            return false;
                        }
                        if (i + 1 == n || endsField(sample.charAt(i + 1), delimiter)) {
                            return true;
                        }
                        if (sample.charAt(i + 1) == q && (i + 2 == n || endsField(sample.charAt(i + 2), delimiter))) {
                            if (i + 2 == n && !complete) {
                                return false;
                            }
                            emptyQuoted++;
                            i++;
                            state = State.AFTER_CLOSE;
                        } else {
                            state = State.QUOTED;
                        }
                    } else if (ch != delimiter && !lineEnd) {
                        state = State.UNQUOTED;
                    }
                }
                case UNQUOTED -> {
                    if (ch == q) {
                        return true;
                    }
                    if (ch == delimiter || lineEnd) {
                        state = State.FIELD_START;
                    }
                }
                case QUOTED -> {
                    if (ch == q) {
                        if (i + 1 < n && sample.charAt(i + 1) == q) {
                            i++;
                        } else if (i + 1 == n && !complete) {
                            return false;
                        } else {
                            quotedFields++;
                            state = State.AFTER_CLOSE;
                        }
                    }
                }
                case AFTER_CLOSE -> {
                    if (!endsField(ch, delimiter)) {
                        return true;
                    }
                    state = State.FIELD_START;
                }
            }
        }
        if (state == State.QUOTED) {
            return complete;
        }
        return emptyQuoted > 0 && quotedFields == 0;
    }

    private static boolean endsField(char ch, char delimiter) {
        return ch == delimiter || ch == '\n' || ch == '\r';
    }

    private enum State {
        FIELD_START, UNQUOTED, QUOTED, AFTER_CLOSE
    }
}
