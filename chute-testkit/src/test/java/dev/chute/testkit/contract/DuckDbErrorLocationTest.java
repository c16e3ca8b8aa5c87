package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The error location contract on DuckDB, and the cases of issue 11 item 10 that PostgreSQL does not
 * meet yet (the real field count, the line of an unfinished JSON record, UTF-16 files): they move
 * to {@link ErrorLocationContract} once PostgresErrors does.
 */
class DuckDbErrorLocationTest extends ErrorLocationContract {
    @Override
    protected String warehouseYaml(Path home) {
        return DuckDbContract.YAML;
    }

    @Override
    protected String warehouseType() {
        return DuckDbContract.TYPE;
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
        try (var in = DuckDbErrorLocationTest.class.getResourceAsStream("/contract/encodings__only_utf16.csv")) {
            content = in.readAllBytes();
        }
        ChuteHome h = start();
        h.drop("elutf16/t/a.csv", content);
        BatchAtomicityContract.assertAllRowsOrFailureSaying(h, "elutf16/t/a.csv", "elutf16.t", 5, "UTF-16");
    }
}
