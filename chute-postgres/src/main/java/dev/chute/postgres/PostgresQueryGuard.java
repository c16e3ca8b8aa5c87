package dev.chute.postgres;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.util.Locale;
import java.util.Set;
import org.postgresql.core.Parser;

/**
 * Admits one statement that starts with SELECT, WITH, VALUES, TABLE or EXPLAIN. It is the first of
 * three locks, not the only one: the reader role may only read, and the transaction is read-only.
 * The scan skips comments, quoted strings, quoted identifiers and dollar-quoted bodies, so a
 * semicolon inside them does not count as a second statement.
 */
final class PostgresQueryGuard {
    private static final Set<String> FIRST_WORDS = Set.of("select", "with", "values", "table", "explain");

    private PostgresQueryGuard() {
    }

    /** The statement without a trailing semicolon; throws for anything else than one admitted statement. */
    static String check(String sql) {
        if (sql == null || sql.isBlank()) {
            throw refused("expected one SELECT statement, found nothing");
        }
        StringBuilder code = new StringBuilder();
        int end = -1;
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char ch = sql.charAt(i);
            if (ch == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int nl = sql.indexOf('\n', i);
                i = nl < 0 ? n : nl + 1;
                code.append(' ');
            } else if (ch == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int depth = 1;
                i += 2;
                while (i < n && depth > 0) {
                    if (sql.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (sql.startsWith("*/", i)) {
                        depth--;
                        i += 2;
                    } else {
                        i++;
                    }
                }
                if (depth > 0) {
                    throw refused("expected the end of a comment, found the end of the query");
                }
                code.append(' ');
            } else if (ch == '\'' || ch == '"') {
                // E'...' is an escape string only when the E starts a token: in name'...' the quote ends an identifier
                boolean escapes = ch == '\'' && i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
                        && (i < 2 || !isIdentifierPart(sql.charAt(i - 2)));
                int j = i + 1;
                while (true) {
                    if (j >= n) {
                        throw refused("expected a closing " + ch + ", found the end of the query");
                    }
                    char c = sql.charAt(j);
                    if (escapes && c == '\\') {
                        j += 2;
                        continue;
                    }
                    if (c == ch) {
                        if (j + 1 < n && sql.charAt(j + 1) == ch) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                code.append(ch == '"' ? " x " : " '' ");
                i = j + 1;
            } else if (ch == '$' && (i == 0 || !Character.isLetterOrDigit(sql.charAt(i - 1)) && sql.charAt(i - 1) != '_')) {
                int close = sql.indexOf('$', i + 1);
                String tag = close < 0 ? null : sql.substring(i, close + 1);
                if (tag != null && tag.matches("\\$[A-Za-z_]?[A-Za-z0-9_]*\\$")) {
                    int bodyEnd = sql.indexOf(tag, close + 1);
                    if (bodyEnd < 0) {
                        throw refused("expected a closing " + tag + ", found the end of the query");
                    }
                    code.append(" '' ");
                    i = bodyEnd + tag.length();
                } else {
                    code.append(ch);
                    i++;
                }
            } else if (ch == ';') {
                if (end < 0) {
                    end = i;
                }
                code.append(';');
                i++;
            } else {
                code.append(ch);
                i++;
            }
        }
        String scanned = code.toString();
        int semicolon = scanned.indexOf(';');
        if (semicolon >= 0 && !scanned.substring(semicolon).replace(";", "").isBlank()) {
            throw refused("expected one statement, found several (separated by ';')");
        }
        String head = scanned.stripLeading().replaceFirst("^\\(+", "");
        String first = head.split("[\\s(]", 2)[0].toLowerCase(Locale.ROOT);
        if (!FIRST_WORDS.contains(first)) {
            throw refused("expected a SELECT, WITH, VALUES, TABLE or EXPLAIN statement, found '" + (first.length() > 30 ? first.substring(0, 30) : first) + "'");
        }
        String statement = end < 0 ? sql : sql.substring(0, end);
        // and the driver, which splits a query at its own idea of ';' and sends the parts one by one,
        // must see exactly one statement too: whatever our scan missed, the two never disagree
        try {
            if (Parser.parseJdbcSql(statement, true, false, true, false, false).size() != 1) {
                throw refused("expected one statement, found several (separated by ';')");
            }
        } catch (java.sql.SQLException e) {
            throw refused("cannot parse the query: " + e.getMessage());
        }
        return statement;
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static ChuteException refused(String message) {
        return new ChuteException(ErrorCode.CONFIGURATION, "query refused: " + message);
    }
}
