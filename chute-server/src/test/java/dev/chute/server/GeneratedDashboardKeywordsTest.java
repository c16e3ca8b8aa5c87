package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.duckdb.DuckDbWarehouse;
import dev.chute.postgres.PostgresSettings;
import dev.chute.postgres.PostgresWarehouse;
import dev.chute.spi.ChuteException;
import dev.chute.spi.FileFormat;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadFile;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import dev.chute.spi.Warehouse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 2: a generated table dashboard quotes every name through the warehouse's own
 * quoting, so its tiles run whatever the columns are called. A JSON-lines table with a column
 * {@code at} had 2 of its 6 tiles fail on PostgreSQL ({@code syntax error at or near "AS"}): the
 * generator quoted only the names on a word list of its own.
 *
 * <p>On each warehouse, two tables (loaded from CSV files) whose columns are every keyword the engine itself lists (DuckDB's
 * {@code duckdb_keywords()}, PostgreSQL's {@code pg_get_keywords()}, read at test time): one of text
 * columns (and {@code at}, a timestamp), one of timestamp columns. The dashboard generated for each
 * is run tile by tile; then, so that every keyword also takes each place a column takes in a tile,
 * a dashboard is generated for each keyword alone (the time column of one table, the text column of
 * the other) and its tiles are run on the same tables.
 */
class GeneratedDashboardKeywordsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final List<DashboardTimeRange> BOTH_RANGES = List.of(DashboardTimeRange.ALL, DashboardTimeRange.LAST_DAY);
    /**
     * Tiles the keyword-by-keyword pass skips: those that name no data column, and the latest rows
     * (a {@code SELECT *} of hundreds of columns takes DuckDB's console path about half a second;
     * the keyword sits in its {@code ORDER BY} quoted as it is in the other tiles).
     */
    private static final Set<String> SKIPPED_IN_PASS = Set.of("Rows", "Files loaded", "Rows loaded per day", "Latest rows");

    @TempDir
    Path dir;

    @Test
    void everyTileOfATableOfDuckDbKeywordsRuns() throws Exception {
        List<String> keywords;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT keyword_name FROM duckdb_keywords() ORDER BY 1")) {
            keywords = strings(rs);
        }
        try (DuckDbWarehouse w = DuckDbWarehouse.open(dir.resolve("w.duckdb"), dir.resolve("stage"))) {
            everyTileRuns(w, keywords);
        }
    }

    @Test
    void everyTileOfATableOfPostgresKeywordsRuns() throws Exception {
        String server = "jdbc:postgresql://127.0.0.1:5432/";
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String database = "chute_keywords_" + suffix;
        // tiles run as console SQL does: as the reader role
        String reader = "chute_reader_" + suffix;
        try (Connection c = DriverManager.getConnection(server + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        try {
            List<String> keywords;
            try (Connection c = DriverManager.getConnection(server + database, "postgres", ""); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT word FROM pg_get_keywords() ORDER BY 1")) {
                keywords = strings(rs);
            }
            PostgresSettings settings = new PostgresSettings(server + database, "postgres", Optional.empty(), 2, Optional.of(reader), Optional.empty(), TIMEOUT);
            try (PostgresWarehouse w = PostgresWarehouse.open(settings, dir.resolve("stage"))) {
                everyTileRuns(w, keywords);
            }
        } finally {
            try (Connection c = DriverManager.getConnection(server + "postgres", "postgres", ""); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
                s.execute("DROP ROLE IF EXISTS " + reader);
            }
        }
    }

    /** A name holding a placeholder's braces would be rendered as a time bound: such a column is left out of the tiles' expressions. */
    @Test
    void aColumnNamedLikeAPlaceholderIsLeftOut() {
        List<QueryResult.Column> columns = List.of(new QueryResult.Column("{{to}}", "TIMESTAMP"), new QueryResult.Column("{{x}}", "VARCHAR"));
        String yaml = DashboardStore.tableDashboardYaml(TableId.parse("m.odd"), columns, name -> "\"" + name.replace("\"", "\"\"") + "\"");
        Dashboard d = Dashboard.parse("m-odd", yaml, "generated");
        assertThat(d.tiles()).extracting(Dashboard.Tile::title).containsExactly("Rows", "Sample rows");
    }

    private void everyTileRuns(Warehouse w, List<String> engineKeywords) throws Exception {
        assertThat(engineKeywords).contains("at", "select", "from", "order");
        // and names that need quoting for other reasons: a space, upper case (which an unquoted name loses), a quote
        List<String> keywords = new ArrayList<>(engineKeywords);
        keywords.addAll(List.of("order date", "Mixed Case", "it's"));
        // the dataset is a keyword too (one the old word list did not have)
        TableId texts = new TableId("at", "texts");
        TableId times = new TableId("at", "times");
        load(w, texts, keywords, k -> k.equals("at") ? "2026-11-30T10:00:00Z" : "value of " + k);
        load(w, times, keywords, k -> "2026-11-30T10:00:00Z");

        List<String> failures = new ArrayList<>();
        List<QueryResult.Column> textColumns = w.describe(texts).orElseThrow().columns();
        Dashboard whole = dashboard(w, texts, textColumns);
        assertThat(whole.tiles()).extracting(Dashboard.Tile::title)
                .contains("Rows", "Files loaded", "Rows loaded per day", "Rows per day by at", "Latest rows")
                .anySatisfy(t -> assertThat(t).startsWith("Top 10 values of "));
        run(w, whole, "the dashboard of " + texts, failures, t -> true, BOTH_RANGES);
        List<QueryResult.Column> timeColumns = w.describe(times).orElseThrow().columns();
        run(w, dashboard(w, times, timeColumns), "the dashboard of " + times, failures, t -> true, BOTH_RANGES);

        for (TableId table : List.of(texts, times)) {
            List<QueryResult.Column> columns = table.equals(texts) ? textColumns : timeColumns;
            List<QueryResult.Column> lineage = columns.stream().filter(c -> c.name().startsWith("_chute_")).toList();
            for (QueryResult.Column column : columns) {
                if (column.name().startsWith("_chute_")) {
                    continue;
                }
                List<QueryResult.Column> one = new ArrayList<>(lineage);
                one.addFirst(column);
                Dashboard d = dashboard(w, table, one);
                assertThat(d.tiles()).as("tiles for %s.%s", table, column.name()).hasSize(SKIPPED_IN_PASS.size() + 1);
                run(w, d, "the dashboard of " + table + " for column " + column.name(), failures, t -> !SKIPPED_IN_PASS.contains(t.title()),
                        List.of(DashboardTimeRange.ALL));
            }
        }
        assertThat(failures).isEmpty();
    }

    private static Dashboard dashboard(Warehouse w, TableId table, List<QueryResult.Column> columns) {
        String yaml = DashboardStore.tableDashboardYaml(table, columns, w::quoteIdentifier);
        return Dashboard.parse(DashboardStore.tableDashboardId(table).orElseThrow(), yaml, "generated");
    }

    /** Runs the tiles as the console does (the user-SQL path, read-only guard included) for each of {@code ranges}. */
    private static void run(Warehouse w, Dashboard d, String what, List<String> failures, Predicate<Dashboard.Tile> which, List<DashboardTimeRange> ranges) {
        Instant now = Instant.now();
        for (Dashboard.Tile tile : d.tiles()) {
            if (!which.test(tile)) {
                continue;
            }
            for (DashboardTimeRange range : ranges) {
                String sql = tile.renderSql(range, now);
                try {
                    w.query(sql, 100, 16L << 20, TIMEOUT);
                } catch (ChuteException e) {
                    failures.add(what + ", tile '" + tile.title() + "': " + e.getMessage() + "\n" + sql);
                }
            }
        }
    }

    /**
     * Loads one CSV file whose header is {@code keywords} and that has two rows, the second all null.
     * (CSV, not JSON lines: DuckDB's JSON reader takes an object of hundreds of keys as one map.)
     */
    private void load(Warehouse w, TableId table, List<String> keywords, Function<String, String> value) throws Exception {
        String csv = String.join(",", keywords) + "\n" + keywords.stream().map(value).collect(Collectors.joining(",")) + "\n"
                + ",".repeat(keywords.size() - 1) + "\n";
        byte[] content = csv.getBytes(StandardCharsets.UTF_8);
        Path stage = Files.createDirectories(dir.resolve("stage"));
        Path file = Files.write(stage.resolve(table.table() + ".csv"), content);
        String checksum = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        LoadFile f = new LoadFile(new ObjectVersion(table.dataset() + "/" + table.table() + "/keywords.csv", checksum, content.length), file,
                FileFormat.fromFileName("keywords.csv").orElseThrow());
        // a header of words above rows of words: say it is one rather than have it guessed
        TableSpec spec = new TableSpec(Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(true), TableSpec.Encoding.UTF_8,
                TableSpec.OnOverwrite.APPEND, TableSpec.OnTypeConflict.FAIL, 0, true);
        List<FileOutcome> outcomes = w.load(new LoadBatch("load-" + UUID.randomUUID(), table, spec, List.of(f)), x -> true);
        assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.error()).isEmpty());
        assertThat(w.describe(table).orElseThrow().columns()).extracting(QueryResult.Column::name).containsAll(keywords);
    }

    private static List<String> strings(ResultSet rs) throws Exception {
        List<String> out = new ArrayList<>();
        while (rs.next()) {
            out.add(rs.getString(1));
        }
        return out;
    }
}
