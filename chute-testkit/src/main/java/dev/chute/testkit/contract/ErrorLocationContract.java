package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.Pipeline;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A failed file's reason points where the user looks: the physical line an editor shows (header
 * and quoted newlines counted), the column and the value where the engine knows them, and never an
 * internal path or advice about engine options Chute does not have (issue 11 item 10).
 */
public abstract class ErrorLocationContract extends WarehouseContract {
    /** Words of engine advice and internal paths that a reason must never show. */
    static final List<String> LEAKS = List.of("/.chute/", "stage/", "Possible fixes", "Possible solutions", "ignore_errors", "strict_mode",
            "auto_detect", "sample_size", "Try setting");

    static void assertClean(String reason) {
        for (String leak : LEAKS) {
            assertThat(reason).as("reason shows '" + leak + "'").doesNotContain(leak);
        }
    }

    /** Creates table {@code dataset.t} with an integer id and a text column. */
    static void createTable(ChuteHome h, String dataset) {
        h.drop(dataset + "/t/first.csv", "id,v\n1,first\n");
        h.awaitArchived(dataset + "/t/first.csv");
    }

    @Test
    void conversionErrorNamesPhysicalLineColumnAndValue() {
        ChuteHome h = start();
        createTable(h, "elconv");
        h.drop("elconv/t/a.csv", "id,v\n1,\"two\nlines\"\n2,\"and\nmore\"\nabc,x\n");
        JsonNode error = h.awaitFailed("elconv/t/a.csv");
        assertThat(error.get("line").asLong()).as(error.toString()).isEqualTo(6);
        assertThat(error.get("column").asText()).isEqualTo("id");
        assertThat(error.get("value").asText()).isEqualTo("abc");
        assertThat(error.get("reason").asText()).contains("line 6");
        assertClean(error.get("reason").asText());
    }

    @Test
    void jsonValueOfTheWrongTypeNamesItsLine() {
        ChuteHome h = start();
        h.drop("eljson/t/first.ndjson", "{\"id\": 1, \"v\": \"a\"}\n");
        h.awaitArchived("eljson/t/first.ndjson");
        h.drop("eljson/t/a.ndjson", "{\"id\": 2, \"v\": \"b\"}\n{\"id\": 3, \"v\": \"c\"}\n{\"id\": \"x\", \"v\": \"d\"}\n");
        JsonNode error = h.awaitFailed("eljson/t/a.ndjson");
        assertThat(error.get("line").asLong()).as(error.toString()).isEqualTo(3);
        assertThat(error.get("reason").asText()).contains("line 3");
        assertClean(error.get("reason").asText());
    }

    /** Each bad file of a {@code chute load} keeps its own line, however many bad files the batch holds. */
    @Test
    void fileFailingBesideOtherBadFilesKeepsItsLine() throws IOException {
        ChuteHome h = openForLoads("");
        Path first = tmp.resolve("elbatch-first.csv");
        Files.writeString(first, "id,v\n0,a\n");
        h.load(List.of(first), Optional.of(new TableId("elbatch", "t")));
        Path dir = tmp.resolve("elbatch");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("0.csv"), "id,v\n1,a\n");
        Files.writeString(dir.resolve("1.csv"), "id,v\n1,a\n2,b\nx,c\n");
        Files.writeString(dir.resolve("2.csv"), "id,v\n1,a\ny,b\n");
        Files.writeString(dir.resolve("3.csv"), "id,v\n1,a\n2,b\n3,c\n4,d\nz,e\n");
        Files.writeString(dir.resolve("4.csv"), "id,v\n5,a\n");
        List<Pipeline.OneShotResult> results = h.load(List.of(dir), Optional.of(new TableId("elbatch", "t")));
        for (Pipeline.OneShotResult r : results) {
            String name = Path.of(r.file()).getFileName().toString();
            switch (name) {
                case "0.csv", "4.csv" -> assertThat(r.status()).as(name).isEqualTo(Pipeline.ResultStatus.COMMITTED);
                default -> {
                    assertThat(r.status()).as(name).isEqualTo(Pipeline.ResultStatus.FAILED);
                    LoadError e = r.error().orElseThrow();
                    long line = switch (name) {
                        case "1.csv" -> 4;
                        case "2.csv" -> 3;
                        default -> 6;
                    };
                    assertThat(e.line()).as(name + ": " + e.reason()).hasValue(line);
                    assertClean(e.reason());
                }
            }
        }
    }

    @Test
    void tooManyColumnsGivesTheRealCount() {
        ChuteHome h = start();
        h.drop("elmany/t/a.csv", "a,b,c\n1,2,3\n4,5,6,7,8\n");
        JsonNode error = h.awaitFailed("elmany/t/a.csv");
        assertThat(error.get("line").asLong()).as(error.toString()).isEqualTo(3);
        assertThat(error.get("reason").asText()).contains("expected 3 columns, found 5");
        assertClean(error.get("reason").asText());
    }

    @Test
    void tooFewColumnsGivesTheRealCount() {
        ChuteHome h = start();
        h.drop("elfew/t/a.csv", "a,b,c\n1,2,3\n4,5\n");
        JsonNode error = h.awaitFailed("elfew/t/a.csv");
        assertThat(error.get("line").asLong()).as(error.toString()).isEqualTo(3);
        assertThat(error.get("reason").asText()).contains("expected 3 columns, found 2");
        assertClean(error.get("reason").asText());
    }

    @Test
    void truncatedJsonNamesTheLineOfTheUnfinishedRecord() {
        ChuteHome h = start();
        h.drop("eltrunc/t/a.ndjson", "{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3\n");
        JsonNode error = h.awaitFailed("eltrunc/t/a.ndjson");
        assertThat(error.get("line").asLong()).as(error.toString()).isEqualTo(3);
        assertClean(error.get("reason").asText());
    }

    /** A UTF-16 file (here with a byte-order mark, from DuckDB's test data) loads, or fails saying it is UTF-16. */
    @Test
    void utf16FileIsReadOrFailsSayingUtf16() throws IOException {
        byte[] content;
        try (var in = ErrorLocationContract.class.getResourceAsStream("/contract/encodings__only_utf16.csv")) {
            content = in.readAllBytes();
        }
        ChuteHome h = start();
        h.drop("elutf16/t/a.csv", content);
        BatchAtomicityContract.assertAllRowsOrFailureSaying(h, "elutf16/t/a.csv", "elutf16.t", 5, "UTF-16");
    }
}
