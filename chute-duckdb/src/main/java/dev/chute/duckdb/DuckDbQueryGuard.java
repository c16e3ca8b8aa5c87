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
 * Admits exactly one SELECT that reads tables of the warehouse and nothing else, in two steps.
 *
 * <ol>
 *   <li>The parse tree: DuckDB's own parser decides what the statement is ({@code json_serialize_sql}
 *   serializes SELECTs only); the tree is walked for table functions, scalar functions that reach
 *   outside the database, and table references that are not plain names ({@code 'x.csv'},
 *   {@code "/stage/*".csv}: DuckDB reads such a name as a file, a replacement scan).</li>
 *   <li>The plan: {@code EXPLAIN (FORMAT JSON)} binds the statement without running it, and every
 *   operator of the physical plan must be a relational one, a scan of a catalog table
 *   ({@code SEQ_SCAN}) or an allowed table function. A replacement scan or a file read that the
 *   first step missed shows up here as what it is ({@code READ_CSV_AUTO}, {@code PARQUET_SCAN}).</li>
 * </ol>
 *
 * <p>The guard is not the only lock: the database itself can read files only under the stage
 * directory ({@code enable_external_access = false}), and console queries run on their own
 * connections.
 */
final class DuckDbQueryGuard {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Table functions that only compute or describe the catalog. */
    private static final Set<String> ALLOWED_TABLE_FUNCTIONS = Set.of("range", "generate_series", "unnest",
            "duckdb_tables", "duckdb_columns", "duckdb_schemas", "duckdb_views", "duckdb_types");
    /** Scalar functions that reach outside the database. */
    private static final Set<String> DENIED_FUNCTIONS = Set.of("getenv", "read_text", "read_blob", "current_setting", "glob");
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");
    /** Physical operators that compute on what their children give them, or scan what the plan made itself. */
    private static final Set<String> RELATIONAL_OPERATORS = Set.of("PROJECTION", "FILTER", "ORDER_BY", "TOP_N", "LIMIT", "STREAMING_LIMIT",
            "LIMIT_PERCENT", "RESERVOIR_SAMPLE", "STREAMING_SAMPLE", "WINDOW", "STREAMING_WINDOW", "UNNEST", "UNGROUPED_AGGREGATE",
            "HASH_GROUP_BY", "PERFECT_HASH_GROUP_BY", "PARTITIONED_AGGREGATE", "HASH_JOIN", "NESTED_LOOP_JOIN", "BLOCKWISE_NL_JOIN",
            "PIECEWISE_MERGE_JOIN", "IE_JOIN", "ASOF_JOIN", "CROSS_PRODUCT", "POSITIONAL_JOIN", "POSITIONAL_SCAN", "DELIM_JOIN",
            "LEFT_DELIM_JOIN", "RIGHT_DELIM_JOIN", "INDEX_JOIN", "UNION", "CTE", "CTE_SCAN", "REC_CTE", "REC_KEY_CTE", "REC_CTE_SCAN",
            "REC_REC_CTE_SCAN", "DUMMY_SCAN", "COLUMN_DATA_SCAN", "CHUNK_SCAN", "DELIM_SCAN", "EXPRESSION_SCAN", "EMPTY_RESULT", "PIVOT");
    /** The physical operator of a scan of a table (or a view's table) in the database's catalog. */
    private static final String CATALOG_SCAN = "SEQ_SCAN";
    private static final String FILES_REFUSED = "queries may read warehouse tables only, not files or URLs";

    /** Thrown for a query that is refused or invalid: the caller's mistake, shown as it is. */
    /** The guard's verdict: the query would write, read a file or URL, or is not one read-only statement. */
    static final class QueryRefused extends ChuteException {
        QueryRefused(String message) {
            super(ErrorCode.QUERY_REFUSED, message);
        }
    }

    /** DuckDB's own error in a query (a syntax error, a table or column that does not exist): the query is wrong, not refused. */
    static ChuteException queryFailed(String message) {
        return new ChuteException(ErrorCode.QUERY_FAILED, message);
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
            throw queryFailed("the query is not valid SQL: " + DuckDbErrors.firstLine(message));
        }
        int statements = tree.path("statements").size();
        if (statements != 1) {
            throw new QueryRefused("expected exactly one SELECT statement, found " + statements);
        }
        walk(tree.path("statements").get(0));
        checkPlan(connection, sql);
    }

    /** Binds the statement without running it and checks every operator of its physical plan. */
    private void checkPlan(DuckDBConnection connection, String sql) {
        JsonNode plan;
        try (DuckDBConnection c = (DuckDBConnection) connection.duplicate(); java.sql.Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("EXPLAIN (FORMAT JSON) " + sql)) {
            StringBuilder text = new StringBuilder();
            while (rs.next()) {
                text.append(rs.getString(2));
            }
            plan = JSON.readTree(text.toString());
        } catch (SQLException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("Permission Error")) {
                // a name DuckDB took for a file outside the stage (a replacement scan): say what is allowed, not which file
                throw new QueryRefused("the query reads a file: " + FILES_REFUSED);
            }
            // binding the plan found an error in the query itself: a table or column that does not exist, a type mismatch
            throw queryFailed(DuckDbErrors.firstLine(message));
        } catch (IOException e) {
            throw new QueryRefused("cannot read the query's plan: " + e.getMessage());
        }
        checkOperators(plan);
    }

    private void checkOperators(JsonNode node) {
        if (node.isArray()) {
            node.forEach(this::checkOperators);
            return;
        }
        if (!node.isObject()) {
            return;
        }
        String name = node.path("name").asText("").strip().toUpperCase(Locale.ROOT);
        JsonNode info = node.path("extra_info");
        String function = info.path("Function").asText("").toLowerCase(Locale.ROOT);
        if (!function.isEmpty() && !ALLOWED_TABLE_FUNCTIONS.contains(function)) {
            throw new QueryRefused("the query reads through " + function + "(), which is not a table of the warehouse: " + FILES_REFUSED);
        }
        if (name.equals("INOUT_FUNCTION")) {
            String inout = info.path("Name").asText("").toLowerCase(Locale.ROOT);
            if (!ALLOWED_TABLE_FUNCTIONS.contains(inout)) {
                throw new QueryRefused("the query reads through " + inout + "(), which is not a table of the warehouse: " + FILES_REFUSED);
            }
        } else if (!(name.equals(CATALOG_SCAN) && info.has("Table") || RELATIONAL_OPERATORS.contains(name)
                || ALLOWED_TABLE_FUNCTIONS.contains(name.toLowerCase(Locale.ROOT)))) {
            throw new QueryRefused("the query's plan reads through " + name + ", which is not a scan of a warehouse table: " + FILES_REFUSED);
        }
        checkOperators(node.path("children"));
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
            // "/stage/*".csv parses as schema "/stage/*", table "csv": every part must be a plain name
            String catalog = node.path("catalog_name").asText("");
            String schema = node.path("schema_name").asText("");
            String table = node.path("table_name").asText("");
            boolean plain = TABLE_NAME.matcher(table).matches() && (schema.isEmpty() || TABLE_NAME.matcher(schema).matches())
                    && (catalog.isEmpty() || TABLE_NAME.matcher(catalog).matches());
            if (!plain) {
                String name = (catalog.isEmpty() ? "" : catalog + ".") + (schema.isEmpty() ? "" : schema + ".") + table;
                throw new QueryRefused("'" + DuckDbErrors.shorten(name) + "' is not a table name: " + FILES_REFUSED);
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
