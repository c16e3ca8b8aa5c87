package dev.chute.postgres;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.core.Parser;

/**
 * Admits one statement that starts with SELECT, WITH, VALUES, TABLE or EXPLAIN and calls none of
 * the functions that act outside the query ({@link #DENIED}). It is the first of three locks, not
 * the only one: the reader role may only read, and the transaction is read-only. The deny list is
 * defence in depth: a function the reader may execute (EXECUTE is granted to PUBLIC by default) is
 * refused here as well as can be told from the text, but the role's privileges are the boundary.
 * The scan skips comments, quoted strings, quoted identifiers and dollar-quoted bodies, so a
 * semicolon inside them does not count as a second statement.
 */
final class PostgresQueryGuard {
    private static final Set<String> FIRST_WORDS = Set.of("select", "with", "values", "table", "explain");
    /**
     * Functions with effects that outlive or escape a read-only query: locks other sessions wait
     * for, WAL and transaction ids, notifications, large objects, settings, other connections,
     * other backends, and functions that run a query given as text (which this scan cannot see).
     */
    static final Set<String> DENIED = Set.of("pg_advisory_lock", "pg_advisory_lock_shared", "pg_advisory_xact_lock",
            "pg_advisory_xact_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared", "pg_try_advisory_xact_lock",
            "pg_try_advisory_xact_lock_shared", "pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all",
            "pg_logical_emit_message", "txid_current", "txid_current_if_assigned", "pg_current_xact_id", "pg_current_xact_id_if_assigned",
            "pg_notify", "set_config", "pg_cancel_backend", "pg_terminate_backend", "query_to_xml", "query_to_xmlschema",
            "query_to_xml_and_xmlschema", "cursor_to_xml", "cursor_to_xmlschema", "ts_stat", "loread", "lowrite");
    /**
     * The part of {@link #DENIED} that the reader role should not be able to execute at all, and
     * that an administrator can take from PUBLIC without breaking ordinary clients (set_config,
     * which pg_dump and Chute's own loads call, stays; so do the functions that only run a query
     * as the caller). Families by prefix: {@link #DENIED_PREFIXES}.
     */
    static final Set<String> ROLE_SHOULD_NOT_EXECUTE = Set.of("pg_advisory_lock", "pg_advisory_lock_shared", "pg_advisory_xact_lock",
            "pg_advisory_xact_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared", "pg_try_advisory_xact_lock",
            "pg_try_advisory_xact_lock_shared", "pg_logical_emit_message", "txid_current", "txid_current_if_assigned", "pg_current_xact_id",
            "pg_current_xact_id_if_assigned", "pg_notify");
    /** Families of functions denied by prefix: large objects ({@code lo_create}, {@code lo_import}, ...) and dblink. */
    static final List<String> DENIED_PREFIXES = List.of("lo_", "dblink");
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");
    private static final Pattern CALL = Pattern.compile("([A-Za-z_][A-Za-z0-9_$]*)\\s*\\(");

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
            } else if (ch == '"' && i >= 2 && sql.charAt(i - 1) == '&' && (sql.charAt(i - 2) == 'U' || sql.charAt(i - 2) == 'u')) {
                // U&"pg\005fnotify" would hide a name from the function check below
                throw refused("Unicode-escaped names (U&\"...\") are not allowed in console queries; write the name plainly");
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
                if (ch == '"') {
                    // a quoted name stays a name: "pg_notify"('c', 'x') calls the function
                    String name = sql.substring(i + 1, j);
                    code.append(PLAIN_NAME.matcher(name).matches() ? " " + name + " " : " x ");
                } else {
                    code.append(" '' ");
                }
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
        checkFunctions(scanned);
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

    /** Refuses a call of a denied function, written plainly, schema-qualified or quoted (the scan left quoted names in place). */
    private static void checkFunctions(String scanned) {
        Matcher m = CALL.matcher(scanned);
        while (m.find()) {
            if (m.start() > 0 && isIdentifierPart(scanned.charAt(m.start() - 1))) {
                continue;
            }
            String name = m.group(1).toLowerCase(Locale.ROOT);
            if (denied(name)) {
                throw refused("the function " + name + "() acts outside the query (locks, WAL, transaction ids, notifications, large objects,"
                        + " settings or other sessions); console queries may only read");
            }
        }
    }

    static boolean denied(String name) {
        return DENIED.contains(name) || DENIED_PREFIXES.stream().anyMatch(name::startsWith);
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static ChuteException refused(String message) {
        return new ChuteException(ErrorCode.QUERY_REFUSED, "query refused: " + message);
    }
}
