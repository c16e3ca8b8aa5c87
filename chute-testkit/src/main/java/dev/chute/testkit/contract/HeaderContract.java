package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * Which line is the header, and how a file's lines end, never costs a row (issue 11 items 1 and 2):
 * a first line of data is loaded as a row, a header is never loaded as one, a file of one data
 * line loads that line, and a file whose lines end in a mix of CR LF, LF and CR loads every row
 * while a ragged row in it still fails the file.
 */
public abstract class HeaderContract extends WarehouseContract {
    /** The DuckDB project's nfc_normalization.csv starts with {@code Ḋ|Ḋ|Ḋ}: repeated names are data. */
    @Test
    void firstLineWithRepeatedValuesIsLoadedAsARow() {
        ChuteHome h = start();
        h.drop("header_repeat/t/a.csv", "ab|ab|ab\ncd|cd|cd\nef|ef|ef\n");
        h.awaitArchived("header_repeat/t/a.csv");
        assertThat(h.count("header_repeat.t")).isEqualTo(3);
        assertThat(h.ledgerRows("header_repeat/t/a.csv")).isEqualTo(3);
    }

    /** The DuckDB project's ips.csv.gz: one column of bracketed addresses, the first one no header. */
    @Test
    void firstLineShapedLikeTheRowsBelowIsLoadedAsARow() {
        ChuteHome h = start();
        h.drop("header_shape/t/a.csv", "[248.128.0.120]\n[248.128.0.141]\n[248.128.1.37]\n");
        h.awaitArchived("header_shape/t/a.csv");
        assertThat(h.count("header_shape.t")).isEqualTo(3);
    }

    /** FiveThirtyEight's cabinet-turnover.csv: a header that ends in two empty names is still a header. */
    @Test
    void headerEndingInEmptyNamesIsNotLoadedAsARow() {
        ChuteHome h = start();
        h.drop("header_empty/t/a.csv", "name,city,,\nann,rome,,\nbob,oslo,,\n");
        h.awaitArchived("header_empty/t/a.csv");
        assertThat(h.column("SELECT city FROM header_empty.t ORDER BY name")).containsExactly("rome", "oslo");
    }

    /** The DuckDB project's hits_problematic.csv is one row of data and no header. */
    @Test
    void fileOfOneDataLineLoadsThatRow() {
        ChuteHome h = start();
        h.drop("header_one/t/a.csv", "1,x,2024-01-02\n");
        h.awaitArchived("header_one/t/a.csv");
        assertThat(h.count("header_one.t")).isEqualTo(1);
        assertThat(h.ledgerRows("header_one/t/a.csv")).isEqualTo(1);
    }

    @Test
    void fileOfOneLineOfNamesIsAHeaderWithoutRows() {
        ChuteHome h = start();
        h.drop("header_only/t/a.csv", "id,name,born\n");
        h.awaitArchived("header_only/t/a.csv");
        assertThat(h.ledgerRows("header_only/t/a.csv")).isEqualTo(0);
    }

    /** The DuckDB project's auto/single_quote_backslash.csv: single-quote quoting, backslash escapes, no header. */
    @Test
    void singleQuotedFileWithBackslashEscapesLoadsEveryRow() {
        ChuteHome h = start();
        h.drop("header_squote/t/a.csv", "123|TEST8|text1\n345|TEST8|'text\\'2\\'text'\n'567'|TEST8|text3\n");
        h.awaitArchived("header_squote/t/a.csv");
        assertThat(h.count("header_squote.t")).isEqualTo(3);
        assertThat(h.column("SELECT CAST(column2 AS VARCHAR) FROM header_squote.t ORDER BY column0"))
                .containsExactly("text1", "text'2'text", "text3");
    }

    /** The DuckDB project's test/mixed_line_endings.csv mixes CR LF, LF and a final lone CR. */
    @Test
    void mixedLineEndsLoadEveryRow() {
        ChuteHome h = start();
        h.drop("lineends_mixed/t/a.csv", "a,b\r\n1,2\n3,4\r\n5,6\r");
        h.awaitArchived("lineends_mixed/t/a.csv");
        assertThat(h.column("SELECT CAST(b AS VARCHAR) FROM lineends_mixed.t ORDER BY a")).containsExactly("2", "4", "6");
    }

    @Test
    void raggedRowInAFileWithMixedLineEndsStillFailsTheFile() {
        ChuteHome h = start();
        h.drop("lineends_ragged/t/a.csv", "a,b\r\n1,2\n3,4,5\r\n6,7\n");
        JsonNode error = h.awaitFailed("lineends_ragged/t/a.csv");
        assertThat(error.get("line").asLong()).isEqualTo(3);
        assertThat(error.get("reason").asText()).contains("expected 2 columns, found 3").doesNotContain("/.chute/");
        assertThat(h.ledgerRows("lineends_ragged/t/a.csv")).isEqualTo(-1);
    }
}
