package dev.chute.sql;

import dev.chute.spi.FileFormat;
import dev.chute.spi.TableSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Whether the first line of a delimited file is its header, where the file itself says so
 * strongly enough to overrule DuckDB's sniffer (which both the DuckDB and the PostgreSQL warehouse
 * ask). Taking a data line for a header loses that row without a trace, so the guess leans to
 * data: the sniffer took {@code Ḋ|Ḋ|Ḋ} and {@code [248.128.0.120]} for headers, a header ending in
 * empty names for data, and a file of one data line for a header-only file (issue 11 item 1).
 *
 * <p>The rule, in order; the first that applies decides:
 * <ol>
 *   <li>the table's {@code header} setting, when it has one;</li>
 *   <li>a first record with a value that spans lines is data: column names on two lines are far
 *   rarer than rows of text, and the row would be lost (the first line holds a whole record only
 *   in the standard-CSV copy of a file escaped the MySQL way, {@link CsvEscapes}: HumanEval's
 *   code on many lines);</li>
 *   <li>a file of one line is a header (and has no rows) only if each of its fields looks like a
 *   name: not empty, not a number, not a date, no two alike; otherwise it is one row of data;</li>
 *   <li>two of the first line's non-empty fields are equal ({@code ab|ab|ab}), and in every
 *   column some following line has the first line's value shape (digits become {@code 9},
 *   letters {@code a}, runs of either one, punctuation kept: {@code [9.9.9.9]}): data (a header
 *   may repeat a name, over rows of another shape);</li>
 *   <li>the first line has, in every column, the value shape of every following line, and in at
 *   least one column that shape holds more than letters and spaces: data (words over words alone
 *   are no evidence);</li>
 *   <li>the first line ends in empty fields and its other fields look like names (distinct, not
 *   numbers, not dates): a header, as it would be without the empty names;</li>
 *   <li>otherwise the sniffer decides.</li>
 * </ol>
 * Following lines are those of the first {@value TextHead#FOLLOWING_LIMIT} characters after the
 * first line that have as many fields as it.
 */
public final class HeaderGuess {
    /** Following lines compared with the first one. */
    static final int LINES = 50;
    private static final Pattern NUMBER = Pattern.compile("[-+]?(?:[0-9][0-9,_]*(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?%?");
    private static final Pattern DATE = Pattern.compile("[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}(?:[ T].*)?|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]+)?)?");

    private HeaderGuess() {
    }

    /**
     * The decision for a file whose delimiter and quote are guessed as the warehouses guess them
     * before sniffing: TAB for TSV, else the table's delimiter, else the first line's most frequent one.
     */
    public static Optional<Boolean> header(TableSpec spec, FileFormat.Kind kind, TextHead head) {
        char quote = CsvQuoting.quote(spec, kind, head);
        char delimiter = kind == FileFormat.Kind.TSV ? '\t'
                : spec.delimiter().map(d -> d.charAt(0)).orElseGet(() -> CsvLine.guessDelimiter(head.firstLine(), quote));
        return header(spec, head, delimiter, quote);
    }

    /**
     * Whether the first line is the header: the table's setting, else the file's strong evidence,
     * else empty (the sniffer decides). Always present for a file of one line.
     */
    public static Optional<Boolean> header(TableSpec spec, TextHead head, char delimiter, char quote) {
        if (spec.header().isPresent()) {
            return spec.header();
        }
        List<String> first = CsvLine.split(head.firstLine(), delimiter, quote);
        if (first.stream().anyMatch(field -> field.indexOf('\n') >= 0 || field.indexOf('\r') >= 0)) {
            return Optional.of(false);
        }
        if (!head.hasMoreLines()) {
            return Optional.of(allNames(first));
        }
        List<List<String>> following = records(head.following(), delimiter, quote, first.size());
        if (repeats(first) ? shapesRecur(first, following) : sameShapes(first, following)) {
            return Optional.of(false);
        }
        int named = first.size();
        while (named > 0 && first.get(named - 1).isBlank()) {
            named--;
        }
        if (named > 0 && named < first.size() && allNames(first.subList(0, named))) {
            return Optional.of(true);
        }
        return Optional.empty();
    }

    /** Whether a file that is only its first line is a header without rows (rather than one row of data). */
    public static boolean headerOnly(TableSpec spec, FileFormat.Kind kind, TextHead head) {
        return !head.empty() && !head.hasMoreLines() && header(spec, kind, head).orElse(true);
    }

    /** The shape of a value: digits 9, letters a, blanks a space (runs of each as one), other characters as they are. */
    static String shape(String value) {
        StringBuilder b = new StringBuilder();
        char last = 0;
        String v = value.strip();
        for (int i = 0; i < v.length(); ) {
            int cp = v.codePointAt(i);
            i += Character.charCount(cp);
            char k;
            int type = Character.getType(cp);
            if (Character.isDigit(cp)) {
                k = '9';
            } else if (Character.isLetter(cp) || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                    || type == Character.ENCLOSING_MARK) {
                k = 'a';
            } else if (Character.isWhitespace(cp)) {
                k = ' ';
            } else {
                b.appendCodePoint(cp);
                last = 0;
                continue;
            }
            if (k != last) {
                b.append(k);
                last = k;
            }
        }
        return b.toString();
    }

    /** Whether every field looks like a column name: not blank, not a number, not a date, no two alike. */
    static boolean allNames(List<String> fields) {
        Set<String> seen = new HashSet<>();
        for (String field : fields) {
            String name = field.strip();
            if (name.isEmpty() || NUMBER.matcher(name).matches() || DATE.matcher(name).matches() || !seen.add(name)) {
                return false;
            }
        }
        return true;
    }

    /** Whether two non-empty fields are equal. */
    private static boolean repeats(List<String> fields) {
        Set<String> seen = new HashSet<>();
        for (String field : fields) {
            String name = field.strip();
            if (!name.isEmpty() && !seen.add(name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether, in every column, some following record has the first line's shape. */
    private static boolean shapesRecur(List<String> first, List<List<String>> following) {
        for (int c = 0; c < first.size(); c++) {
            String shape = shape(first.get(c));
            int column = c;
            if (following.stream().noneMatch(record -> shape(record.get(column)).equals(shape))) {
                return false;
            }
        }
        return !following.isEmpty();
    }

    /** Whether every following record has the first line's shape in every column, and some column's shape holds more than letters and spaces. */
    private static boolean sameShapes(List<String> first, List<List<String>> following) {
        if (following.isEmpty()) {
            return false;
        }
        boolean telling = false;
        for (int c = 0; c < first.size(); c++) {
            String shape = shape(first.get(c));
            for (List<String> record : following) {
                if (!shape(record.get(c)).equals(shape)) {
                    return false;
                }
            }
            telling |= !shape.chars().allMatch(ch -> ch == 'a' || ch == ' ');
        }
        return telling;
    }

    /**
     * Up to {@value #LINES} records of {@code text} with {@code fields} fields (others are left out),
     * split as {@link CsvLine#split} does, a quoted value running across line ends.
     */
    static List<List<String>> records(String text, char delimiter, char quote, int fields) {
        List<List<String>> records = new ArrayList<>();
        int start = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length() && records.size() < LINES; i++) {
            char ch = text.charAt(i);
            if (quote != CsvQuoting.NONE && ch == quote) {
                quoted = !quoted;
            } else if (!quoted && (ch == '\n' || ch == '\r')) {
                String line = text.substring(start, i);
                if (!line.isBlank()) {
                    List<String> record = CsvLine.split(line, delimiter, quote);
                    if (record.size() == fields) {
                        records.add(record);
                    }
                }
                start = i + 1;
            }
        }
        if (records.size() < LINES && !quoted && start < text.length()) {
            List<String> record = CsvLine.split(text.substring(start), delimiter, quote);
            if (record.size() == fields && !text.substring(start).isBlank()) {
                records.add(record);
            }
        }
        return records;
    }
}
