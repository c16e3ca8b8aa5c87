package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboards directory on real files. */
class DashboardStoreTest {
    /** Standard SQL's quoting, as DuckDB and PostgreSQL have it. */
    private static final UnaryOperator<String> QUOTE = name -> "\"" + name.replace("\"", "\"\"") + "\"";
    static final String SIMPLE = "title: Simple\ntiles:\n  - title: N\n    chart: number\n    sql: SELECT 1\n";

    @TempDir
    Path home;

    private DashboardStore store() {
        return new DashboardStore(home.resolve("dashboards"));
    }

    private List<String> fileNames() throws Exception {
        try (Stream<Path> files = Files.list(home.resolve("dashboards"))) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void savedDashboardIsReadBackListedAndDeleted() throws Exception {
        DashboardStore store = store();
        Dashboard saved = store.save("simple", SIMPLE);
        assertThat(saved.title()).isEqualTo("Simple");
        assertThat(Files.readString(home.resolve("dashboards/simple.yaml"))).isEqualTo(SIMPLE);
        assertThat(store.get("simple")).contains(saved);
        assertThat(store.list()).containsExactly(new DashboardStore.Entry("simple", "Simple", 1, Optional.empty()));

        Dashboard replaced = store.save("simple", "title: Renamed\n");
        assertThat(store.get("simple")).contains(replaced);

        assertThat(store.delete("simple")).isTrue();
        assertThat(store.delete("simple")).isFalse();
        assertThat(store.get("simple")).isEmpty();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void missingDirectoryHasNoDashboards() {
        assertThat(store().list()).isEmpty();
        assertThat(store().get("nothing")).isEmpty();
        assertThat(store().delete("nothing")).isFalse();
    }

    @Test
    void atomicSaveLeavesNoTemporaryFiles() throws Exception {
        DashboardStore store = store();
        for (int i = 0; i < 5; i++) {
            store.save("a", "title: A" + i + "\n");
            store.save("b", SIMPLE);
        }
        assertThat(fileNames()).containsExactly("a.yaml", "b.yaml");
    }

    @Test
    void concurrentSavesAlwaysLeaveOneWholeFile() throws Exception {
        DashboardStore store = store();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String yaml = "title: Version " + i + "\n" + "# padding\n".repeat(i * 50);
                futures.add(pool.submit(() -> store.save("race", yaml)));
                futures.add(pool.submit(() -> assertThat(store.list()).allSatisfy(e -> assertThat(e.error()).isEmpty())));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(store.get("race").orElseThrow().title()).startsWith("Version ");
        assertThat(fileNames()).containsExactly("race.yaml");
    }

    @Test
    void invalidYamlIsNotSaved() throws Exception {
        DashboardStore store = store();
        store.save("keep", SIMPLE);
        assertThatThrownBy(() -> store.save("keep", "title: T\ntiles:\n  - title: X\n    chart: donut\n    sql: SELECT 1\n"))
                .hasMessageContaining("dashboards/keep.yaml: tiles[0].chart is 'donut'");
        assertThat(Files.readString(home.resolve("dashboards/keep.yaml"))).isEqualTo(SIMPLE);
        assertThat(fileNames()).containsExactly("keep.yaml");
    }

    @Test
    void invalidIdIsRefusedBeforeTouchingTheDisk() {
        DashboardStore store = store();
        assertThatThrownBy(() -> store.save("../escape", SIMPLE)).hasMessageContaining("dashboard id is '../escape'");
        assertThatThrownBy(() -> store.get("Upper")).hasMessageContaining("dashboard id is 'Upper'");
        assertThatThrownBy(() -> store.delete("a/b")).hasMessageContaining("dashboard id is 'a/b'");
        assertThat(home.resolve("dashboards")).doesNotExist();
        assertThat(home.resolve("escape.yaml")).doesNotExist();
    }

    @Test
    void brokenFileOnDiskIsListedWithItsErrorBesideTheGoodOnes() throws Exception {
        DashboardStore store = store();
        store.save("good", SIMPLE);
        Files.writeString(home.resolve("dashboards/broken.yaml"), "title: Broken\ntiles:\n  - title: X\n    chart: donut\n    sql: SELECT 1\n");
        Files.writeString(home.resolve("dashboards/garbage.yaml"), "title: [unclosed\n");
        Files.writeString(home.resolve("dashboards/Bad Name.yaml"), SIMPLE);
        Files.writeString(home.resolve("dashboards/short.yml"), SIMPLE);
        Files.writeString(home.resolve("dashboards/notes.txt"), "not a dashboard");
        Files.writeString(home.resolve("dashboards/.hidden.yaml"), "title: [");

        List<DashboardStore.Entry> entries = store.list();
        assertThat(entries).extracting(DashboardStore.Entry::id).containsExactly("Bad Name", "broken", "garbage", "good", "short");
        assertThat(entries.get(1).error()).hasValueSatisfying(e -> assertThat(e)
                .isEqualTo("dashboards/broken.yaml: tiles[0].chart is 'donut'; expected one of line, bar, area, pie, scatter, number, table"));
        assertThat(entries.get(1).title()).isEqualTo("broken");
        assertThat(entries.get(1).tiles()).isZero();
        assertThat(entries.get(2).error()).hasValueSatisfying(e -> assertThat(e).startsWith("dashboards/garbage.yaml is not valid YAML"));
        assertThat(entries.get(0).error()).hasValueSatisfying(e -> assertThat(e).startsWith("dashboards/Bad Name.yaml: dashboard id is 'Bad Name'"));
        assertThat(entries.get(4).error()).hasValueSatisfying(e -> assertThat(e).contains("rename it to short.yaml"));
        assertThat(entries.get(3)).isEqualTo(new DashboardStore.Entry("good", "Simple", 1, Optional.empty()));

        assertThatThrownBy(() -> store.get("broken")).hasMessageContaining("dashboards/broken.yaml: tiles[0].chart is 'donut'");
    }

    @Test
    void fileEditedByHandShowsOnTheNextRead() throws Exception {
        DashboardStore store = store();
        store.save("hand", SIMPLE);
        Files.writeString(home.resolve("dashboards/hand.yaml"), "title: Edited by hand\n");
        assertThat(store.get("hand").orElseThrow().title()).isEqualTo("Edited by hand");
    }

    @Test
    void installDefaultsWritesTheEcommerceDashboardIntoAnEmptyDirectory() throws Exception {
        DashboardStore store = store();
        assertThat(store.installDefaults()).isTrue();
        assertThat(fileNames()).containsExactly("ecommerce.yaml");
        Dashboard d = store.get("ecommerce").orElseThrow();
        assertThat(d.timeRange()).isEqualTo(DashboardTimeRange.ALL);
        assertThat(d.tiles()).isNotEmpty();
        assertThat(d.yaml()).isEqualTo(new String(DashboardStore.class.getResourceAsStream("/dashboards/ecommerce.yaml").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8));

        Files.writeString(home.resolve("dashboards/ecommerce.yaml"), "title: Mine\n");
        assertThat(store.installDefaults()).isFalse();
        assertThat(store.get("ecommerce").orElseThrow().title()).isEqualTo("Mine");
    }

    @Test
    void installDefaultsLeavesADirectoryWithDashboardsAlone() throws Exception {
        DashboardStore store = store();
        store.save("other", SIMPLE);
        assertThat(store.installDefaults()).isFalse();
        assertThat(fileNames()).containsExactly("other.yaml");
    }

    @Test
    void tableDashboardIsWrittenOnceAndNeverOverwritten() throws Exception {
        DashboardStore store = store();
        TableId table = TableId.parse("sales.orders");
        List<QueryResult.Column> columns = List.of(new QueryResult.Column("id", "BIGINT"), new QueryResult.Column("region", "VARCHAR"));
        assertThat(store.ensureTableDashboard(table, columns, QUOTE)).isTrue();
        Path file = home.resolve("dashboards/sales-orders.yaml");
        assertThat(file).exists();
        assertThat(store.get("sales-orders").orElseThrow().title()).isEqualTo("sales.orders");

        Files.writeString(file, "title: My edit\n");
        assertThat(store.ensureTableDashboard(table, columns, QUOTE)).isFalse();
        assertThat(Files.readString(file)).isEqualTo("title: My edit\n");
        assertThat(fileNames()).containsExactly("sales-orders.yaml");
    }

    @Test
    void tableDashboardTilesFollowTheColumns() {
        DashboardStore store = store();
        List<QueryResult.Column> columns = List.of(
                new QueryResult.Column("order_id", "VARCHAR"),
                new QueryResult.Column("region", "VARCHAR"),
                new QueryResult.Column("amount", "DECIMAL(18,2)"),
                new QueryResult.Column("placed at", "TIMESTAMP WITH TIME ZONE"),
                new QueryResult.Column("_chute_source", "VARCHAR"),
                new QueryResult.Column("_chute_load_id", "VARCHAR"),
                new QueryResult.Column("_chute_loaded_at", "TIMESTAMP WITH TIME ZONE"));
        store.ensureTableDashboard(TableId.parse("shop.order"), columns, QUOTE);
        Dashboard d = store.get("shop-order").orElseThrow();
        assertThat(d.tiles()).extracting(Dashboard.Tile::title).containsExactly(
                "Rows", "Files loaded", "Rows loaded per day", "Rows per day by placed at", "Top 10 values of region", "Latest rows");
        assertThat(d.tiles()).extracting(Dashboard.Tile::chart).containsExactly(
                Dashboard.Chart.NUMBER, Dashboard.Chart.NUMBER, Dashboard.Chart.BAR, Dashboard.Chart.LINE, Dashboard.Chart.BAR, Dashboard.Chart.TABLE);
        // every name is quoted: a keyword, a name with a space, a plain name
        assertThat(d.tiles().get(0).sql()).contains("FROM \"shop\".\"order\"");
        assertThat(d.tiles().get(3).sql()).contains("CAST(\"placed at\" AS DATE)").contains("\"placed at\" >= {{from}}");
        assertThat(d.tiles().get(2).sql()).contains("\"_chute_loaded_at\" >= {{from}} AND \"_chute_loaded_at\" < {{to}}");
        assertThat(d.yaml()).startsWith("# Written by Chute when it created the table shop.order.");
    }

    @Test
    void oddColumnNamesAreQuotedInSqlAndYamlOrLeftOut() {
        DashboardStore store = store();
        List<QueryResult.Column> columns = List.of(
                new QueryResult.Column("line\nbreak", "TIMESTAMP"),
                new QueryResult.Column("say \"hi\": #1", "VARCHAR"));
        assertThat(store.ensureTableDashboard(TableId.parse("m.odd"), columns, QUOTE)).isTrue();
        Dashboard d = store.get("m-odd").orElseThrow();
        assertThat(d.tiles()).extracting(Dashboard.Tile::title).containsExactly("Rows", "Top 10 values of say \"hi\": #1", "Sample rows");
        // a text column is grouped as it is: no cast, which would name a type not every warehouse has
        assertThat(d.tiles().get(1).sql()).contains("coalesce(\"say \"\"hi\"\": #1\", '(null)') AS \"value\"").doesNotContain("VARCHAR");
    }

    /** BigQuery reads "x" as a string: generated tiles quote names the warehouse's way. */
    @Test
    void oddNamesAreQuotedTheWarehousesWay() {
        DashboardStore store = store();
        List<QueryResult.Column> columns = List.of(new QueryResult.Column("order date", "TIMESTAMP"), new QueryResult.Column("select", "VARCHAR"));
        assertThat(store.ensureTableDashboard(TableId.parse("m.bq"), columns, name -> "`" + name + "`")).isTrue();
        Dashboard d = store.get("m-bq").orElseThrow();
        assertThat(d.tiles()).allSatisfy(t -> assertThat(t.sql()).doesNotContain("\""));
        assertThat(d.tiles()).anySatisfy(t -> assertThat(t.sql()).contains("`order date` >= {{from}}"));
        assertThat(d.tiles()).anySatisfy(t -> assertThat(t.sql()).contains("coalesce(`select`, '(null)')"));
    }

    @Test
    void tableWithoutTimeOrTextColumnsStillGetsRowsAndASample() {
        DashboardStore store = store();
        store.ensureTableDashboard(TableId.parse("m.numbers"), List.of(new QueryResult.Column("n", "BIGINT")), QUOTE);
        assertThat(store.get("m-numbers").orElseThrow().tiles()).extracting(Dashboard.Tile::title).containsExactly("Rows", "Sample rows");
    }

    @Test
    void tableDashboardIdIsDatasetDashTable() {
        assertThat(DashboardStore.tableDashboardId(TableId.parse("ecommerce.order_events"))).contains("ecommerce-order_events");
        assertThat(DashboardStore.tableDashboardId(TableId.parse("_raw.t"))).contains("raw-t");
        assertThat(DashboardStore.tableDashboardId(new TableId("d".repeat(60), "table"))).hasValueSatisfying(id -> assertThat(id).hasSize(64));
    }
}
