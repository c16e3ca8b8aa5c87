package dev.chute.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.testkit.contract.ChuteHome;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a failure is, on PostgreSQL (issue 11 item 10): the physical line an editor shows (the
 * header and the lines inside quoted values count), the column and the value wherever PostgreSQL or
 * the DuckDB reader knows them, the real column count, and never an internal staging path or an
 * engine's advice about options Chute does not have.
 */
class PostgresErrorLocationTest {
    @RegisterExtension
    static final PgContractDatabase DB = new PgContractDatabase();

    @TempDir
    Path tmp;

    private ChuteHome home;

    private ChuteHome start() {
        home = ChuteHome.open(tmp.resolve("home"), DB.yaml(), "", true);
        return home;
    }

    @AfterEach
    void close() {
        if (home != null) {
            home.close();
        }
    }

    private static void assertNoInternals(JsonNode error) {
        String reason = error.get("reason").asText();
        assertThat(reason).doesNotContain(".chute").doesNotContain("/stage/").doesNotContain("ignore_errors")
                .doesNotContainIgnoringCase("possible solutions");
    }

    @Test
    void typeConflictNamesThePhysicalLineColumnValueAndType() {
        ChuteHome h = start();
        h.drop("loc_type/t/a.csv", "id,note\n1,first\n");
        h.awaitArchived("loc_type/t/a.csv");
        h.drop("loc_type/t/b.csv", "id,note\n2,\"two\nlines\"\n3,ok\nabc,bad\n");
        JsonNode error = h.awaitFailed("loc_type/t/b.csv");
        assertThat(error.get("line").asLong()).isEqualTo(5);
        assertThat(error.get("column").asText()).isEqualTo("id");
        assertThat(error.get("value").asText()).isEqualTo("abc");
        assertThat(error.get("reason").asText()).contains("line 5").contains("\"id\"").contains("'abc'").contains("BIGINT");
        assertNoInternals(error);
    }

    @Test
    void wrongColumnCountGivesTheRealCountAndPhysicalLine() {
        ChuteHome h = start();
        h.drop("loc_count/t/a.csv", "id,note\n1,\"a\nb\"\n2,b,c,d\n3,e\n");
        JsonNode error = h.awaitFailed("loc_count/t/a.csv");
        assertThat(error.get("line").asLong()).isEqualTo(4);
        assertThat(error.get("reason").asText()).contains("line 4").contains("expected 2 columns, found 4");
        assertNoInternals(error);
    }

    @Test
    void unterminatedQuoteNamesTheLineWhereTheQuoteOpens() {
        ChuteHome h = start();
        h.drop("loc_quote/t/a.csv", "id,v\n1,a\n2,\"b\n3,c\n4,d\n");
        JsonNode error = h.awaitFailed("loc_quote/t/a.csv");
        assertThat(error.get("line").asLong()).isEqualTo(3);
        assertThat(error.get("reason").asText()).contains("line 3").contains("unterminated quote");
        assertNoInternals(error);
    }

    @Test
    void badJsonLineInNdjsonNamesItsLine() {
        ChuteHome h = start();
        h.drop("loc_json/t/a.ndjson", "{\"id\": 1}\n{\"id\": 2}\n{\"id\": \n{\"id\": 4}\n");
        JsonNode error = h.awaitFailed("loc_json/t/a.ndjson");
        assertThat(error.get("line").asLong()).isEqualTo(3);
        assertThat(error.get("reason").asText()).contains("line 3");
        assertNoInternals(error);
    }

    @Test
    void jsonValueOfTheWrongTypeNamesItsLineColumnAndValue() {
        ChuteHome h = start();
        h.drop("loc_jtype/t/a.ndjson", "{\"id\": 1}\n");
        h.awaitArchived("loc_jtype/t/a.ndjson");
        h.drop("loc_jtype/t/b.ndjson", "{\"id\": 2}\n{\"id\": \"x\"}\n");
        JsonNode error = h.awaitFailed("loc_jtype/t/b.ndjson");
        assertThat(error.get("line").asLong()).isEqualTo(2);
        assertThat(error.get("column").asText()).isEqualTo("id");
        assertThat(error.get("value").asText()).isEqualTo("x");
        assertNoInternals(error);
    }
}
