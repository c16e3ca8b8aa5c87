package dev.chute.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.spi.FileFormat;
import dev.chute.spi.TableSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 11 item 7 and the corpus's unquoted_escape/human_eval.tsv: MySQL's SELECT ... INTO OUTFILE format. */
class CsvEscapesTest {
    /** Two HumanEval-like records: code with line breaks and tabs, escaped with backslashes, no quoting, no header. */
    static final String MYSQL = "HumanEval/0\tfrom typing import List\\\n\\\n\\\ndef f(x):\\\n\\\t\"\"\" Doc\\\n\\\t\"\"\"\\\n\tf\t\\\treturn x\\\n\n"
            + "HumanEval/1\tdef g():\\\n\\\tpass\\\n\tg\t\\\treturn 1\\\n\n";

    private static TextHead head(String text) throws IOException {
        return TextHead.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), TableSpec.Encoding.UTF_8);
    }

    private static String unescape(String text, char delimiter) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CsvEscapes.unescape(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), out, StandardCharsets.UTF_8, delimiter, '\\');
        return out.toString(StandardCharsets.UTF_8);
    }

    private static TableSpec spec(Optional<String> quote, Optional<String> escape) {
        TableSpec d = TableSpec.defaults();
        return new TableSpec(d.columnTypes(), d.format(), d.delimiter(), quote, escape, d.header(), d.encoding(), d.onOverwrite(),
                d.onTypeConflict(), d.maxBadRows(), d.lineage());
    }

    @Test
    void tsvWithEscapedLineEndsIsReadWithoutQuotingAndWithBackslashEscapes() throws IOException {
        TextHead h = head(MYSQL);
        assertThat(h.backslashEscapes()).isTrue();
        assertThat(CsvQuoting.quote(TableSpec.defaults(), FileFormat.Kind.TSV, h)).isEqualTo(CsvQuoting.NONE);
        assertThat(CsvEscapes.unquotedEscape(TableSpec.defaults(), FileFormat.Kind.TSV, h)).isEqualTo('\\');
    }

    @Test
    void windowsPathsInATsvAreNotEscapes() throws IOException {
        // a path ending in a backslash at a line end, and backslashes inside values: field counts hold without escapes
        TextHead h = head("id\tpath\tnote\n1\tC:\\temp\\\tx\n2\tC:\\temp\\x\ty\n3\tD:\\data\\\n");
        assertThat(h.backslashEscapes()).isFalse();
        assertThat(CsvEscapes.unquotedEscape(TableSpec.defaults(), FileFormat.Kind.TSV, h)).isEqualTo(CsvQuoting.NONE);
    }

    @Test
    void aCsvIsNotDetectedButAConfiguredEscapeIsUsedWithoutQuoting() throws IOException {
        TextHead h = head("a,b\n1,x\\\ny\n");
        assertThat(CsvEscapes.unquotedEscape(TableSpec.defaults(), FileFormat.Kind.CSV, h)).isEqualTo(CsvQuoting.NONE);
        assertThat(CsvEscapes.unquotedEscape(spec(Optional.of(TableSpec.NO_QUOTE), Optional.of("\\")), FileFormat.Kind.CSV, h)).isEqualTo('\\');
        assertThat(CsvEscapes.unquotedEscape(spec(Optional.of(TableSpec.NO_QUOTE), Optional.of(TableSpec.NO_ESCAPE)), FileFormat.Kind.TSV, head(MYSQL)))
                .isEqualTo(CsvQuoting.NONE);
        // with quoting, the configured escape is the readers' inside quoted values
        assertThat(CsvEscapes.unquotedEscape(spec(Optional.empty(), Optional.of("\\")), FileFormat.Kind.CSV, h)).isEqualTo(CsvQuoting.NONE);
        assertThat(CsvEscapes.quotedEscape(spec(Optional.empty(), Optional.of("\\")), '"')).contains('\\');
        assertThat(CsvEscapes.quotedEscape(spec(Optional.empty(), Optional.of(TableSpec.NO_ESCAPE)), '"')).contains('"');
        assertThat(CsvEscapes.quotedEscape(TableSpec.defaults(), '"')).isEmpty();
    }

    @Test
    void unescapedCopyIsStandardCsvOnTheSameLines() throws IOException {
        String copy = unescape(MYSQL, '\t');
        assertThat(copy).isEqualTo("HumanEval/0\t\"from typing import List\n\n\ndef f(x):\n\t\"\"\"\"\"\" Doc\n\t\"\"\"\"\"\"\n\"\tf\t\"\treturn x\n\"\n"
                + "HumanEval/1\t\"def g():\n\tpass\n\"\tg\t\"\treturn 1\n\"\n");
        assertThat(copy.chars().filter(c -> c == '\n').count()).isEqualTo(MYSQL.chars().filter(c -> c == '\n').count());
    }

    @Test
    void mysqlEscapeSequencesNullAndEmptyValues() throws IOException {
        assertThat(unescape("a\\\\b\t\\N\t\t\\Nx\tc\\0d\\n\\t\\r\\b\\Z\\q\n", '\t'))
                .isEqualTo("a\\b\t\t\"\"\tNx\t\"c\0d\n\t\r\b\u001Aq\"\n");
        // a CR LF pair after the escape is one escaped line end; the record ends at the next CR LF
        assertThat(unescape("1\tx\\\r\ny\r\n2\tz\r\n", '\t')).isEqualTo("1\t\"x\r\ny\"\n2\tz\n");
        // a lone escape at the end stands for itself; a UTF-8 byte order mark is left out
        assertThat(unescape("\uFEFFa,b\\", ',')).isEqualTo("a,b\\\n");
        // empty lines stay, so that lines keep their numbers
        assertThat(unescape("a,b\n\nc,d\n", ',')).isEqualTo("a,b\n\nc,d\n");
    }

    @Test
    void recordCountDoesNotEndARecordAtAnEscapedLineEnd() throws IOException {
        CsvRecords.Count count = CsvRecords.count(new ByteArrayInputStream(MYSQL.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8,
                new CsvRecords.Dialect('\t', CsvQuoting.NONE, '\\', false, 4));
        assertThat(count.records()).isEqualTo(2);
        assertThat(count.otherFieldCount()).isEmpty();
        assertThat(CsvRecords.lineOfRecord(new ByteArrayInputStream(MYSQL.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8,
                new CsvRecords.Dialect('\t', CsvQuoting.NONE, '\\', false, 4), 2)).hasValue(9);
    }

    @Test
    void headOfTheCopyHoldsTheWholeFirstRecordWhichIsData() throws IOException {
        String copy = unescape(MYSQL, '\t');
        TextHead h = TextHead.read(new ByteArrayInputStream(copy.getBytes(StandardCharsets.UTF_8)), TableSpec.Encoding.UTF_8, '"');
        assertThat(CsvLine.split(h.firstLine(), '\t', '"')).hasSize(4);
        assertThat(h.following()).startsWith("HumanEval/1");
        TableSpec copySpec = TableSpec.defaults().withDialect("\t", "\"", TableSpec.NO_ESCAPE);
        assertThat(HeaderGuess.header(copySpec, FileFormat.Kind.TSV, h)).contains(false);
    }
}
