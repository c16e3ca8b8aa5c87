package dev.chute.duckdb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.duckdb.DuckDBConnection;

/**
 * Admits exactly one SELECT that reads tables and nothing else. DuckDB's own parser decides what
 * the statement is ({@code json_serialize_sql} serializes SELECTs only); the parse tree is then
 * walked for table functions and replacement scans that would read files or URLs. This is the first
 * of two locks: the database itself can read files only under the stage directory.
 */
final class DuckDbQueryGuard {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Table functions that only compute or describe the catalog. */
    private static final Set<String> ALLOWED_TABLE_FUNCTIONS = Set.of("range", "generate_series", "unnest",
            "duckdb_tables", "duckdb_columns", "duckdb_schemas", "duckdb_views", "duckdb_types");
    /** Scalar functions that reach outside the database. */
    private static final Set<String> DENIED_FUNCTIONS = Set.of("getenv", "read_text", "read_blob", "current_setting", "glob");
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

    /** Thrown for a query that is refused or invalid: the caller's mistake, shown as it is. */
    static final class QueryRefused extends ChuteException {
        QueryRefused(String message) {
            super(ErrorCode.CONFIGURATION, message);
        }
    }

    void check(DuckDBConnection connection, String sql) {
        if (sql == null || sql.isBlank()) {
            throw new QueryRefused("the query is empty; expected one SELECT statement");
        }
        JsonNode tree;
        try (DuckDBConnection c = (DuckDBConnection) connection.duplicate();
             PreparedStatement ps = c.prepareStatement("SELECT json_serialize_sql(CAST(? AS VARCHAR))")) {
            ps.setString(1, sql);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                tree = JSON.readTree(rs.getString(1));
            }
        } catch (SQLException e) {
            throw DuckDbWarehouse.unavailable("cannot parse the query", e);
        } catch (IOException e) {
            throw new QueryRefused("cannot parse the query: " + e.getMessage());
        }
        if (tree.path("error").asBoolean(false)) {
            String message = tree.path("error_message").asText("");
            if (message.contains("Only SELECT")) {
                throw new QueryRefused("only read-only queries are allowed: expected one SELECT statement (writes, DDL, ATTACH, COPY, INSTALL, SET and PRAGMA are refused)");
            }
            throw new QueryRefused("the query is not valid SQL: " + DuckDbErrors.firstLine(message));
        }
        int statements = tree.path("statements").size();
        if (statements != 1) {
            throw new QueryRefused("expected exactly one SELECT statement, found " + statements);
        }
        walk(tree.path("statements").get(0));
    }

    private void walk(JsonNode node) {
        if (node.isArray()) {
            node.forEach(this::walk);
            return;
        }
        if (!node.isObject()) {
            return;
        }
        String type = node.path("type").asText("");
        if (type.equals("TABLE_FUNCTION")) {
            String name = node.path("function").path("function_name").asText("").toLowerCase(Locale.ROOT);
            if (!ALLOWED_TABLE_FUNCTIONS.contains(name)) {
                throw new QueryRefused("the table function " + name + "() is not allowed in read-only queries: queries may read warehouse tables only, not files or URLs");
            }
        }
        if (type.equals("BASE_TABLE")) {
            String table = node.path("table_name").asText("");
            if (!TABLE_NAME.matcher(table).matches()) {
                throw new QueryRefused("'" + DuckDbErrors.shorten(table) + "' is not a table name: queries may read warehouse tables only, not files or URLs");
            }
        }
        if (node.has("function_name")) {
            String name = node.path("function_name").asText("").toLowerCase(Locale.ROOT);
            if (DENIED_FUNCTIONS.contains(name)) {
                throw new QueryRefused("the function " + name + "() is not allowed in read-only queries");
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            walk(it.next().getValue());
        }
    }
}
