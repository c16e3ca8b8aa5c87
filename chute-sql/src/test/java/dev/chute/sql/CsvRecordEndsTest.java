package dev.chute.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Issue 11 (PostgreSQL corpus items 1 and 5): record ends rewritten to \n, values and quoted line breaks untouched. */
class CsvRecordEndsTest {
    private record Out(String text, CsvRecordEnds.Result result) {
    }

    private static Out rewrite(String in, boolean dropEmpty) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CsvRecordEnds.Result r = CsvRecordEnds.rewrite(new ByteArrayInputStream(in.getBytes(StandardCharsets.UTF_8)), out, '"', '"', dropEmpty);
        return new Out(out.toString(StandardCharsets.UTF_8), r);
    }

    @Test
    void mixedRecordEndsBecomeLfAndQuotedLineBreaksKeepTheirBytes() throws IOException {
        Out o = rewrite("a,b\r\n1,\"x\r\ny\"\n2,\"p\rq\"\r3,4\r\n", true);
        assertThat(o.text()).isEqualTo("a,b\n1,\"x\r\ny\"\n2,\"p\rq\"\n3,4\n");
        assertThat(o.result().changed()).isTrue();
        assertThat(o.result().droppedLines()).isEmpty();
    }

    @Test
    void fileOfOneKindOfRecordEndWithoutEmptyLinesIsUnchanged() throws IOException {
        assertThat(rewrite("a,b\r\n1,2\r\n", true).result().changed()).isFalse();
        assertThat(rewrite("a,b\n1,\"x\r\ny\"\n", true).result().changed()).isFalse();
        assertThat(rewrite("a,b\r1,2\r", true).result().changed()).isFalse();
    }

    @Test
    void emptyLinesAreLeftOutAndLinesMapBack() throws IOException {
        Out o = rewrite("a,b\r\n1,2\r\n\r\n\r\n3,4\r\n\r\n", true);
        assertThat(o.text()).isEqualTo("a,b\n1,2\n3,4\n");
        assertThat(o.result().droppedLines()).containsExactly(3, 4, 6);
        assertThat(o.result().inputLine(3)).isEqualTo(5);
        assertThat(o.result().inputLine(2)).isEqualTo(2);
    }

    @Test
    void emptyLinesStayForOneColumnFilesAndInsideQuotes() throws IOException {
        assertThat(rewrite("a\n1\n\n2\r\n", false).text()).isEqualTo("a\n1\n\n2\n");
        assertThat(rewrite("a,b\n1,\"x\n\ny\"\n", true).text()).isEqualTo("a,b\n1,\"x\n\ny\"\n");
    }

    @Test
    void escapedQuoteInsideQuotesDoesNotEndTheQuotedValue() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CsvRecordEnds.rewrite(new ByteArrayInputStream("a,b\r\n1,\"x\\\"\ny\"\n".getBytes(StandardCharsets.UTF_8)), out, '"', '\\', true);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("a,b\n1,\"x\\\"\ny\"\n");
    }

    @Test
    void recordEndSplitAcrossReadsStaysOne() throws IOException {
        StringBuilder big = new StringBuilder("a,b\n");
        while (big.length() < (1 << 16) - 1) {
            big.append('x');
        }
        big.append("\r\n1,2\n");
        Out o = rewrite(big.toString(), true);
        assertThat(o.text()).isEqualTo(big.toString().replace("\r\n", "\n"));
    }
}
