package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The same data gets the same types whatever its format (issue 14 item 1): records written as CSV,
 * as NDJSON (one JSON object a line) and as Parquet (written by DuckDB's {@code COPY}) load into
 * tables whose columns have the same types on the warehouse under test. NDJSON used to give an
 * ISO-8601 time with {@code Z} the type {@code TIMESTAMP} (the zone dropped) where CSV and Parquet
 * give {@code TIMESTAMPTZ}.
 */
public abstract class FormatTypesContract extends WarehouseContract {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The repository's own sample of order events (its action_time is ISO-8601 with {@code Z}). */
    static final Path SAMPLE = Path.of("..", "samples", "order_events_001.csv");

    /** Column name and type of every column of a table, in table order, as the warehouse spells the type. */
    protected List<String> columnTypes(ChuteHome h, String schema, String table) {
        return h.column("SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_schema = '" + schema
                + "' AND table_name = '" + table + "' ORDER BY ordinal_position");
    }

    @Test
    void theSampleOrderEventsGetTheSameTypesAsCsvNdjsonAndParquet() throws Exception {
        assertThat(SAMPLE).as("the repository's sample file, read from the module directory").exists();
        String csv = Files.readString(SAMPLE, StandardCharsets.UTF_8);
        List<String> lines = csv.lines().toList();
        String[] header = lines.get(0).split(",", -1);
        StringBuilder ndjson = new StringBuilder();
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split(",", -1);
            ObjectNode o = JSON.createObjectNode();
            for (int i = 0; i < header.length; i++) {
                o.put(header[i], fields[i]);
            }
            ndjson.append(JSON.writeValueAsString(o)).append('\n');
        }
        List<List<String>> types = loadThree(start(), "fmt_sample", csv, ndjson.toString(), "SELECT * FROM read_csv(%s)");
        assertThat(types.get(0)).contains("action_time " + timestampTz());
        assertThat(types.get(1)).as("NDJSON's column types against CSV's").isEqualTo(types.get(0));
        assertThat(types.get(2)).as("Parquet's column types against CSV's").isEqualTo(types.get(0));
    }

    @Test
    void timesDatesNumbersBooleansAndTextGetTheSameTypesAsCsvNdjsonAndParquet() throws Exception {
        String csv = "ts_z,ts_offset,ts_plain,d,i,amount,b,s\n"
                + "2022-08-19T18:52:48Z,2022-08-19T18:52:48+02:00,2022-08-19 18:52:48,2022-08-19,42,123456789.012345,true,hello\n"
                + "2022-08-20T01:02:03Z,2022-08-20T01:02:03-05:30,2022-08-20 01:02:03,2022-08-20,-7,0.5,false,wörld\n";
        String ndjson = "{\"ts_z\":\"2022-08-19T18:52:48Z\",\"ts_offset\":\"2022-08-19T18:52:48+02:00\",\"ts_plain\":\"2022-08-19 18:52:48\","
                + "\"d\":\"2022-08-19\",\"i\":42,\"amount\":123456789.012345,\"b\":true,\"s\":\"hello\"}\n"
                + "{\"ts_z\":\"2022-08-20T01:02:03Z\",\"ts_offset\":\"2022-08-20T01:02:03-05:30\",\"ts_plain\":\"2022-08-20 01:02:03\","
                + "\"d\":\"2022-08-20\",\"i\":-7,\"amount\":0.5,\"b\":false,\"s\":\"wörld\"}\n";
        ChuteHome h = start();
        List<List<String>> types = loadThree(h, "fmt_mixed", csv, ndjson, "SELECT * FROM read_csv(%s)");
        assertThat(types.get(0)).contains("ts_z " + timestampTz(), "ts_offset " + timestampTz());
        assertThat(types.get(1)).as("NDJSON's column types against CSV's").isEqualTo(types.get(0));
        assertThat(types.get(2)).as("Parquet's column types against CSV's").isEqualTo(types.get(0));
        for (String table : List.of("csv", "ndjson", "parquet")) {
            assertThat(h.column("SELECT CAST(amount AS VARCHAR) FROM fmt_mixed." + table + " ORDER BY i")).as(table)
                    .containsExactly("0.5", "123456789.012345");
            assertThat(h.column("SELECT s FROM fmt_mixed." + table + " ORDER BY i")).as(table).containsExactly("wörld", "hello");
        }
    }

    /**
     * An integer with more digits than a DOUBLE keeps gets, as NDJSON, the type it gets as CSV (text
     * on DuckDB, numeric on PostgreSQL), with every digit; it was a rounded DOUBLE on DuckDB. Parquet
     * cannot carry such a value without declaring a type for it (a DECIMAL), which is kept as declared.
     */
    @Test
    void integersWiderThanADoubleGetTheSameTypeAndEveryDigitAsCsvAndNdjson() throws Exception {
        String csv = "id,n\n1026999921509573722112,1\n7,2\n";
        String ndjson = "{\"id\":1026999921509573722112,\"n\":1}\n{\"id\":7,\"n\":2}\n";
        ChuteHome h = start();
        List<List<String>> types = loadThree(h, "fmt_wide", csv, ndjson,
                "SELECT CAST(id AS DECIMAL(38,0)) AS id, n FROM read_csv(%s, types = {'id': 'VARCHAR'})");
        assertThat(types.get(1)).as("NDJSON's column types against CSV's").isEqualTo(types.get(0));
        for (String table : List.of("csv", "ndjson", "parquet")) {
            assertThat(h.column("SELECT CAST(id AS VARCHAR) FROM fmt_wide." + table + " ORDER BY n")).as(table)
                    .containsExactly("1026999921509573722112", "7");
        }
    }

    /**
     * A JSON number with more digits than a DOUBLE keeps, such as {@code 12345678901234.567890123},
     * fails its file naming the line, column and value: the JSON reader reads it as a DOUBLE before
     * any column type applies, and it used to load rounded ({@code 12345678901234.568}). Written as
     * a JSON string it loads as text, every digit kept.
     */
    @Test
    void jsonNumberWithMoreDigitsThanADoubleKeepsFailsTheFileInsteadOfRounding() {
        ChuteHome h = start();
        h.drop("fmt_round/t/a.ndjson", "{\"id\":1,\"amount\":0.5}\n{\"id\":2,\"amount\":12345678901234.567890123}\n");
        com.fasterxml.jackson.databind.JsonNode error = h.awaitFailed("fmt_round/t/a.ndjson");
        assertThat(error.get("line").asLong()).isEqualTo(2);
        assertThat(error.get("column").asText()).isEqualTo("amount");
        assertThat(error.get("value").asText()).isEqualTo("12345678901234.567890123");
        assertThat(error.get("reason").asText()).contains("JSON string");
        assertThat(h.ledgerRows("fmt_round/t/a.ndjson")).isEqualTo(-1);
        h.drop("fmt_round/t/b.ndjson", "{\"id\":3,\"amount\":\"12345678901234.567890123\"}\n");
        h.awaitArchived("fmt_round/t/b.ndjson");
        assertThat(h.column("SELECT CAST(amount AS VARCHAR) FROM fmt_round.t")).containsExactly("12345678901234.567890123");
        // 17 digits that a DOUBLE reads back exactly load as a number
        h.drop("fmt_round/u/c.ndjson", "{\"x\":0.30000000000000004}\n");
        h.awaitArchived("fmt_round/u/c.ndjson");
        assertThat(h.column("SELECT CAST(x AS VARCHAR) FROM fmt_round.u")).containsExactly("0.30000000000000004");
    }

    /** The warehouse's name of the type of a time with a zone, as {@link #columnTypes} gives it. */
    protected abstract String timestampTz();

    /**
     * Loads {@code csv}, {@code ndjson} and a Parquet file that DuckDB writes from the CSV with
     * {@code parquetSelect} (its {@code %s} the CSV's path) into tables csv, ndjson and parquet of
     * {@code dataset} of {@code h}, and returns their column types.
     */
    private List<List<String>> loadThree(ChuteHome h, String dataset, String csv, String ndjson, String parquetSelect) throws IOException, SQLException {
        Path work = Files.createDirectories(tmp.resolve("formats-" + dataset));
        Path csvFile = work.resolve("data.csv");
        Files.writeString(csvFile, csv, StandardCharsets.UTF_8);
        Path parquet = work.resolve("data.parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (" + parquetSelect.formatted("'" + csvFile.toString().replace("'", "''") + "'") + ") TO '"
                    + parquet.toString().replace("'", "''") + "' (FORMAT parquet)");
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(dataset + "/csv/a.csv", csv.getBytes(StandardCharsets.UTF_8));
        files.put(dataset + "/ndjson/a.ndjson", ndjson.getBytes(StandardCharsets.UTF_8));
        files.put(dataset + "/parquet/a.parquet", Files.readAllBytes(parquet));
        h.dropAll(files);
        files.keySet().forEach(h::awaitArchived);
        List<List<String>> types = new ArrayList<>();
        for (String table : List.of("csv", "ndjson", "parquet")) {
            types.add(columnTypes(h, dataset, table));
        }
        return types;
    }
}
