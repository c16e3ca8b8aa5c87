package dev.chute.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 2: BigQuery's quoting of names, which generated dashboards use for every name.
 * BigQuery's contract server runs no SQL, so this checks the quoting against the rules of the
 * lexical structure page of BigQuery's SQL reference: a quoted identifier is enclosed in backticks,
 * may hold any character, and has the escape sequences of string literals; a reserved keyword is a
 * name only when quoted.
 */
class BigQueryQuotingTest {
    /** The reserved keywords the lexical structure page lists. */
    static final List<String> RESERVED = List.of("ALL", "AND", "ANY", "ARRAY", "AS", "ASC", "ASSERT_ROWS_MODIFIED", "AT", "BETWEEN", "BY",
            "CASE", "CAST", "COLLATE", "CONTAINS", "CREATE", "CROSS", "CUBE", "CURRENT", "DEFAULT", "DEFINE", "DESC", "DISTINCT", "ELSE",
            "END", "ENUM", "ESCAPE", "EXCEPT", "EXCLUDE", "EXISTS", "EXTRACT", "FALSE", "FETCH", "FOLLOWING", "FOR", "FROM", "FULL", "GROUP",
            "GROUPING", "GROUPS", "HASH", "HAVING", "IF", "IGNORE", "IN", "INNER", "INTERSECT", "INTERVAL", "INTO", "IS", "JOIN", "LATERAL",
            "LEFT", "LIKE", "LIMIT", "LOOKUP", "MERGE", "NATURAL", "NEW", "NO", "NOT", "NULL", "NULLS", "OF", "ON", "OR", "ORDER", "OUTER",
            "OVER", "PARTITION", "PRECEDING", "PROTO", "QUALIFY", "RANGE", "RECURSIVE", "RESPECT", "RIGHT", "ROLLUP", "ROWS", "SELECT", "SET",
            "SOME", "STRUCT", "TABLESAMPLE", "THEN", "TO", "TREAT", "TRUE", "UNBOUNDED", "UNION", "UNNEST", "USING", "WHEN", "WHERE", "WINDOW",
            "WITH", "WITHIN");

    @Test
    void everyReservedKeywordIsABacktickQuotedName() {
        for (String keyword : RESERVED) {
            for (String name : List.of(keyword, keyword.toLowerCase(Locale.ROOT))) {
                assertThat(BigQueryWarehouse.ident(name)).isEqualTo("`" + name + "`");
                assertThat(unquote(BigQueryWarehouse.ident(name))).isEqualTo(name);
            }
        }
    }

    @Test
    void plainNamesAreQuotedToo() {
        assertThat(BigQueryWarehouse.ident("at")).isEqualTo("`at`");
        assertThat(BigQueryWarehouse.ident("order_id")).isEqualTo("`order_id`");
    }

    /** Backticks, backslashes, line ends and other control characters come back as they were, and never end the name early. */
    @Test
    void oddNamesComeBackUnchanged() {
        for (String name : List.of("order date", "a`b", "a\\b", "\\`", "two\nlines", "cr\rtab\t", "bell\u0007", "'single' \"double\"", "é 名前 😀",
                "{{from}}", "--not a comment", "`")) {
            String quoted = BigQueryWarehouse.ident(name);
            assertThat(quoted).as(name).startsWith("`").endsWith("`").doesNotContain("\n", "\r");
            assertThat(unquote(quoted)).as(name).isEqualTo(name);
        }
    }

    /**
     * Reads one quoted identifier back by the documented rule: backticks around, a backslash starts
     * an escape sequence ({@code \n}, {@code \r}, {@code \t}, {@code \\}, {@code \`}, {@code \'},
     * {@code \"}, 4-digit {@code u} escapes), an unescaped backtick may only close it.
     */
    static String unquote(String quoted) {
        assertThat(quoted).startsWith("`").endsWith("`").hasSizeGreaterThan(2);
        StringBuilder out = new StringBuilder();
        String body = quoted.substring(1, quoted.length() - 1);
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            assertThat(c).as("unescaped backtick or line end inside %s", quoted).isNotIn('`', '\n', '\r');
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case '\\', '`', '\'', '"' -> out.append(e);
                case 'u' -> {
                    out.append((char) Integer.parseInt(body.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> throw new AssertionError("escape \\" + e + " in " + quoted + " is not one the reference lists here");
            }
        }
        return out.toString();
    }
}
