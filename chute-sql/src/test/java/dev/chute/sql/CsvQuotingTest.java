package dev.chute.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.spi.FileFormat;
import dev.chute.spi.TableSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 11 item 7: tab-separated files whose quotes are text are read with no quoting. */
class CsvQuotingTest {
    private static boolean text(String sample) {
        return CsvQuoting.quotesAreText(sample, '\t', true);
    }

    @Test
    void aQuoteInsideAnUnquotedFieldIsText() {
        assertThat(text("id\ttitle\n1\tThe \"Best\" one\n")).isTrue();
        assertThat(text("id\tsize\n1\t5\"\n")).isTrue();
    }

    @Test
    void aClosingQuoteFollowedByTextIsText() {
        assertThat(text("tconst\ttitle\tyear\ntt0000001\t\"Swing it\" magistern\t1940\n")).isTrue();
    }

    @Test
    void loneAndDoubledQuoteFieldsAreText() {
        assertThat(text("page\tviews\n\"\t12\n")).isTrue();
        assertThat(text("page\tviews\nA\t1\n\"\"\t12\n")).isTrue();
        assertThat(text("page\tviews\nA\t1\n\"")).isTrue();
    }

    @Test
    void properlyQuotedFieldsStayQuoting() {
        assertThat(text("id\tnote\n1\t\"two\nlines\"\n2\t\"a \"\"quoted\"\" word\"\n3\t\"tab\there\"\n")).isFalse();
        assertThat(text("id\tnote\n1\t\"x\"\n2\t\"\"\n")).isFalse();
        assertThat(text("id\tnote\n1\tplain\n")).isFalse();
    }

    @Test
    void anOpenQuoteAtTheEndOfAnIncompleteSampleTellsNothing() {
        assertThat(CsvQuoting.quotesAreText("id\tnote\n1\t\"long\nfield", '\t', false)).isFalse();
        assertThat(CsvQuoting.quotesAreText("id\tnote\n1\t\"long\nfield", '\t', true)).isTrue();
    }

    @Test
    void aCrOnlyTsvWithAQuotedMultiLineFieldKeepsQuoting() throws IOException {
        // the shape of FiveThirtyEight's poll-of-pollsters.tsv: CR line ends, a quoted answer holding line breaks
        String file = "Pollster\tAnswer\tScore\rABC\t\"We poll by phone.\r\rAnd online.\"\t3\rXYZ\tNo comment\t4\r";
        TextHead head = TextHead.read(new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)), TableSpec.Encoding.UTF_8);
        assertThat(head.firstLine()).isEqualTo("Pollster\tAnswer\tScore");
        assertThat(head.quotesAreText()).isFalse();
    }

    @Test
    void onlyTabSeparatedFilesAreReadWithoutQuotingUnlessConfigured() throws IOException {
        TextHead head = TextHead.read(new ByteArrayInputStream("a\tb\n1\tx\"y\n".getBytes(StandardCharsets.UTF_8)), TableSpec.Encoding.UTF_8);
        TableSpec defaults = TableSpec.defaults();
        assertThat(CsvQuoting.quote(defaults, FileFormat.Kind.TSV, head)).isEqualTo(CsvQuoting.NONE);
        assertThat(CsvQuoting.quote(defaults, FileFormat.Kind.CSV, head)).isEqualTo(CsvQuoting.NONE);
        TableSpec commas = withQuoteAndDelimiter(Optional.empty(), Optional.of(","));
        assertThat(CsvQuoting.quote(commas, FileFormat.Kind.CSV, head)).isEqualTo('"');
        TableSpec none = withQuoteAndDelimiter(Optional.of(""), Optional.empty());
        TextHead plain = TextHead.read(new ByteArrayInputStream("a,b\n1,\"x\"\n".getBytes(StandardCharsets.UTF_8)), TableSpec.Encoding.UTF_8);
        assertThat(CsvQuoting.quote(none, FileFormat.Kind.CSV, plain)).isEqualTo(CsvQuoting.NONE);
        assertThat(CsvQuoting.quote(defaults, FileFormat.Kind.CSV, plain)).isEqualTo('"');
    }

    /** Issue 11 item 1: single-quoted files are left to the sniffer's quote detection, files with double quotes are not. */
    @Test
    void onlyFieldsStartingWithASingleQuoteAskTheSnifferForTheQuote() throws IOException {
        TableSpec defaults = TableSpec.defaults();
        TextHead single = TextHead.read(new ByteArrayInputStream("123|TEST8|text1\n345|TEST8|'text\\'2\\'text'\n".getBytes(StandardCharsets.UTF_8)), TableSpec.Encoding.UTF_8);
        assertThat(CsvQuoting.askSnifferForQuote(defaults, FileFormat.Kind.CSV, single, '|')).isTrue();
        TextHead both = TextHead.read(new ByteArrayInputStream("a|b\n'x'|\"y\"\n".getBytes(StandardCharsets.UTF_8)), TableSpec.Encoding.UTF_8);
        assertThat(CsvQuoting.askSnifferForQuote(defaults, FileFormat.Kind.CSV, both, '|')).isFalse();
        TextHead apostrophe = TextHead.read(new ByteArrayInputStream("a,b\n1,it's\n".getBytes(StandardCharsets.UTF_8)), TableSpec.Encoding.UTF_8);
        assertThat(CsvQuoting.askSnifferForQuote(defaults, FileFormat.Kind.CSV, apostrophe, ',')).isFalse();
        assertThat(CsvQuoting.askSnifferForQuote(withQuoteAndDelimiter(Optional.of("\""), Optional.empty()), FileFormat.Kind.CSV, single, '|')).isFalse();
    }

    private static TableSpec withQuoteAndDelimiter(Optional<String> quote, Optional<String> delimiter) {
        TableSpec d = TableSpec.defaults();
        return new TableSpec(d.columnTypes(), d.format(), delimiter, quote, d.header(), d.encoding(), d.onOverwrite(), d.onTypeConflict(),
                d.maxBadRows(), d.lineage());
    }
}
