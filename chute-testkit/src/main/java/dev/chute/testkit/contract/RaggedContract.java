package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * A ragged file (rows with more or fewer fields than its header) fails on every warehouse, naming
 * the physical line an editor shows (the header is line 1) and the expected vs found column count;
 * it never loads as one text column of whole lines (issue 11 item 6).
 */
public abstract class RaggedContract extends WarehouseContract {
    @Test
    void rowWithFewerFieldsFailsTheFileWithItsLineAndCounts() {
        ChuteHome h = start();
        h.drop("ragged_few/t/a.csv", "one,two,three,four\n1,2,3,4\n5,6\n7,8,9,10\n");
        JsonNode error = h.awaitFailed("ragged_few/t/a.csv");
        assertThat(error.get("line").asLong()).isEqualTo(3);
        assertThat(error.get("reason").asText()).contains("expected 4 columns, found 2");
        assertThat(h.ledgerRows("ragged_few/t/a.csv")).isEqualTo(-1);
    }

    @Test
    void rowWithMoreFieldsFailsTheFileWithItsLineAndCounts() {
        ChuteHome h = start();
        h.drop("ragged_many/t/a.csv", "one,two,three,four\n1,2,3,4\n5,6,7,8\n9,10,11,12,13,14\n");
        JsonNode error = h.awaitFailed("ragged_many/t/a.csv");
        assertThat(error.get("line").asLong()).isEqualTo(4);
        assertThat(error.get("reason").asText()).contains("expected 4 columns, found 6");
        assertThat(h.ledgerRows("ragged_many/t/a.csv")).isEqualTo(-1);
    }

    @Test
    void fileWhoseRowsAllDifferFromTheHeaderFailsInsteadOfLoadingOneColumnOfLines() {
        ChuteHome h = start();
        h.drop("ragged_all/t/a.csv", "one,two,three,four\n1,2\n3,4,5\n6\n7,8,9,10,11\n");
        JsonNode error = h.awaitFailed("ragged_all/t/a.csv");
        assertThat(error.get("line").asLong()).isEqualTo(2);
        assertThat(error.get("reason").asText()).contains("expected 4 columns, found 2");
        assertThat(h.ledgerRows("ragged_all/t/a.csv")).isEqualTo(-1);
    }
}
