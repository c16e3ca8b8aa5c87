package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Valid CSV loads byte for byte whatever its line endings, and bytes a warehouse cannot take fail
 * the file for good with a reason, never as a warehouse outage (issue 11 items 1, 2 and 5 of the
 * PostgreSQL corpus run): a file may end its lines with LF, CRLF or a lone CR, mixed in any way
 * (old Mac exports, files appended to by different tools); a line break inside a quoted value keeps
 * its exact bytes; completely empty lines between or after the records are skipped, as DuckDB and
 * Python's csv module do; a UTF-16 file dropped into a UTF-8 table fails saying "UTF-16".
 */
public abstract class LineEndingsAndBytesContract extends WarehouseContract {
    @Test
    void fileMixingCrlfAndLfLineEndingsLoadsEveryRowWithoutStrayCarriageReturns() {
        ChuteHome h = start();
        h.drop("ends_mixed/t/a.csv", "a,b\r\nx,y\nz,w\r\n");
        h.awaitArchived("ends_mixed/t/a.csv");
        assertThat(h.count("ends_mixed.t")).isEqualTo(2);
        assertThat(h.column("SELECT b FROM ends_mixed.t ORDER BY a")).containsExactly("y", "w");
        assertThat(h.ledgerRows("ends_mixed/t/a.csv")).isEqualTo(2);
    }

    @Test
    void fileWithCrOnlyLinesAndAFinalLfLoadsEveryRow() {
        ChuteHome h = start();
        h.drop("ends_cr/t/a.csv", "a,b\rx,y\rz,w\n");
        h.awaitArchived("ends_cr/t/a.csv");
        assertThat(h.column("SELECT b FROM ends_cr.t ORDER BY a")).containsExactly("y", "w");
    }

    @Test
    void lineBreaksInsideQuotedValuesKeepTheirBytesInAFileOfMixedLineEndings() {
        ChuteHome h = start();
        h.drop("ends_quoted/t/a.csv", "a,b\n1,\"x\r\ny\"\r\n2,\"p\nq\"\n3,\"r\rs\"\r\n");
        h.awaitArchived("ends_quoted/t/a.csv");
        assertThat(h.column("SELECT b FROM ends_quoted.t ORDER BY a")).containsExactly("x\r\ny", "p\nq", "r\rs");
    }

    @Test
    void blankLineAtTheEndIsSkipped() {
        ChuteHome h = start();
        h.drop("blank_end/t/a.csv", "a,b\n1,2\n3,4\n\n");
        h.awaitArchived("blank_end/t/a.csv");
        assertThat(h.count("blank_end.t")).isEqualTo(2);
        assertThat(h.ledgerRows("blank_end/t/a.csv")).isEqualTo(2);
    }

    @Test
    void blankLinesBetweenRowsAreSkippedWithCrlfToo() {
        ChuteHome h = start();
        h.drop("blank_mid/t/a.csv", "a,b\r\n1,x\r\n\r\n2,y\r\n\r\n\r\n3,z\r\n\r\n");
        h.awaitArchived("blank_mid/t/a.csv");
        assertThat(h.column("SELECT b FROM blank_mid.t ORDER BY a")).containsExactly("x", "y", "z");
    }

    @Test
    void blankLinesSkippedBeforeARaggedLineStillNameItsRealLine() {
        ChuteHome h = start();
        h.drop("blank_ragged/t/a.csv", "a,b\n1,2\n\n\n3\n");
        JsonNode error = h.awaitFailed("blank_ragged/t/a.csv");
        assertThat(error.get("line").asLong()).isEqualTo(5);
        assertThat(h.ledgerRows("blank_ragged/t/a.csv")).isEqualTo(-1);
    }

    @Test
    void utf16FileInAUtf8TableFailsSayingUtf16() {
        ChuteHome h = start();
        byte[] bom = {(byte) 0xFF, (byte) 0xFE};
        byte[] text = "a,b\r\n1,2\r\n".getBytes(StandardCharsets.UTF_16LE);
        byte[] content = new byte[bom.length + text.length];
        System.arraycopy(bom, 0, content, 0, bom.length);
        System.arraycopy(text, 0, content, bom.length, text.length);
        h.drop("utf16/t/a.csv", content);
        JsonNode error = h.awaitFailed("utf16/t/a.csv");
        assertThat(error.get("reason").asText()).contains("UTF-16").contains("utf16/t/a.csv");
        assertThat(h.ledgerRows("utf16/t/a.csv")).isEqualTo(-1);
    }

    @Test
    void utf16FileWithoutByteOrderMarkFailsSayingUtf16() {
        ChuteHome h = start();
        h.drop("utf16_nobom/t/a.csv", "name,city\nAnna,Bern\nBo,Oslo\n".getBytes(StandardCharsets.UTF_16LE));
        JsonNode error = h.awaitFailed("utf16_nobom/t/a.csv");
        assertThat(error.get("reason").asText()).contains("UTF-16");
        assertThat(h.ledgerRows("utf16_nobom/t/a.csv")).isEqualTo(-1);
    }
}
