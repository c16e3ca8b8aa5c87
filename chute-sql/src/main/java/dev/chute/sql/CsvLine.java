package dev.chute.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * One line of CSV text, as the warehouses read a file's first line: to name its columns, to tell
 * a header from data and to guess the delimiter before the engine's own sniffer has its say.
 */
public final class CsvLine {
    private CsvLine() {
    }

    /**
     * Splits one CSV line into fields, honouring quotes (a doubled quote inside quotes is a quote);
     * a {@code quote} of {@code '\0'} means none.
     */
    public static List<String> split(String line, char delimiter, char quote) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == quote && i + 1 < line.length() && line.charAt(i + 1) == quote) {
                    field.append(quote);
                    i++;
                } else if (ch == quote) {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == quote && quote != 0) {
                quoted = true;
            } else if (ch == delimiter) {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    /** The most frequent of {@code , TAB ; |} outside quotes in a header line; comma when none occurs. */
    public static char guessDelimiter(String line, char quote) {
        char best = ',';
        int bestCount = 0;
        for (char candidate : new char[] {',', '\t', ';', '|'}) {
            int count = split(line, candidate, quote).size() - 1;
            if (count > bestCount) {
                best = candidate;
                bestCount = count;
            }
        }
        return best;
    }
}
