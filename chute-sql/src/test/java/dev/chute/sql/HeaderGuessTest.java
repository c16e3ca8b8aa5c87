package dev.chute.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.spi.FileFormat;
import dev.chute.spi.TableSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 11 item 1: a data line is never taken for the header (and lost), a header never for data. */
class HeaderGuessTest {
    private static Optional<Boolean> guess(String file) throws IOException {
        return guess(TableSpec.defaults(), file);
    }

    private static Optional<Boolean> guess(TableSpec spec, String file) throws IOException {
        TextHead head = TextHead.read(new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)), TableSpec.Encoding.UTF_8);
        return HeaderGuess.header(spec, FileFormat.Kind.CSV, head);
    }

    private static TableSpec header(boolean header) {
        TableSpec d = TableSpec.defaults();
        return new TableSpec(d.columnTypes(), d.format(), d.delimiter(), d.quote(), Optional.of(header), d.encoding(), d.onOverwrite(),
                d.onTypeConflict(), d.maxBadRows(), d.lineage());
    }

    @Test
    void repeatedValuesInTheFirstLineAreData() throws IOException {
        // the DuckDB project's test/sql/copy/csv/data/real/nfc_normalization.csv starts with Ḋ|Ḋ|Ḋ
        assertThat(guess("ab|ab|ab\ncd|cd|cd\nef|ef|ef\n")).contains(false);
        assertThat(guess("\u1E0A|\u1E0A|\u1E0A\n\u1E0C|\u1E0C|\u1E0C\n\u1E0C\u0307|\u1E0C\u0307|\u1E0C\u0307\n")).contains(false);
        // further down, its values are letters and symbols of other shapes
        assertThat(guess("\u1E0A|\u1E0A|D\u0307\n\u1E0C|\u1E0C|D\u0323\n\u00BD|\u00BD|\u00BD\n\u00B2|\u00B2|\u00B2\n")).contains(false);
    }

    /** The DuckDB project's invalid_utf_header.csv repeats the name valid over rows of another shape: the sniffer decides. */
    @Test
    void repeatedNamesOverRowsOfAnotherShapeAreNoEvidence() throws IOException {
        assertThat(guess("valid,\"invalid_x_part\",valid\nvalid,\"valid\",valid\nvalid,\"valid\",valid\n")).isEmpty();
    }

    @Test
    void aFirstLineShapedLikeTheLinesBelowIsData() throws IOException {
        // the DuckDB project's ips.csv.gz: one column of bracketed IPv4 addresses, no header
        assertThat(guess("[248.128.0.120]\n[248.128.0.141]\n[248.128.1.37]\n")).contains(false);
        assertThat(guess("1,x,2024-01-02\n2,y,2024-01-03\n")).contains(false);
    }

    @Test
    void aHeaderEndingInEmptyNamesIsAHeader() throws IOException {
        assertThat(guess("name,city,,\nann,rome,,\nbob,oslo,,\n")).contains(true);
        // FiveThirtyEight's cabinet-turnover.csv
        assertThat(guess("president,position,appointee,start_date,end_date,length,departure_day,gender,,\r\n"
                + "Carter,OMB Director,Bert Lance,1/21/77,9/23/77,245,247,Male,,\r\n")).contains(true);
    }

    @Test
    void aLoneLineIsAHeaderOnlyIfEveryFieldLooksLikeAName() throws IOException {
        assertThat(guess("1,x,2024-01-02\n")).contains(false);
        assertThat(guess("id,name,born\n")).contains(true);
        assertThat(guess("id,name,id\n")).contains(false);
        assertThat(guess("id,,name\n")).contains(false);
        assertThat(guess("id,12:30,name")).contains(false);
    }

    @Test
    void wordsOverWordsAreLeftToTheSniffer() throws IOException {
        assertThat(guess("name,city\nann,rome\nbob,oslo\n")).isEmpty();
        assertThat(guess("id,name\n1,ann\n2,bob\n")).isEmpty();
    }

    @Test
    void theTablesHeaderSettingAlwaysWins() throws IOException {
        assertThat(guess(header(true), "ab|ab|ab\ncd|cd|cd\n")).contains(true);
        assertThat(guess(header(false), "id,name\n")).contains(false);
    }

    @Test
    void shapesKeepPunctuationAndCollapseRuns() {
        assertThat(HeaderGuess.shape("[248.128.0.120]")).isEqualTo("[9.9.9.9]");
        assertThat(HeaderGuess.shape("start_date")).isEqualTo("a_a");
        assertThat(HeaderGuess.shape("1/21/77")).isEqualTo("9/9/9");
        assertThat(HeaderGuess.shape("D\u0323\u0307")).isEqualTo("a");
        assertThat(HeaderGuess.records("a,\"b\nc\"\n1,2\n3\n", ',', '"', 2)).containsExactly(List.of("a", "b\nc"), List.of("1", "2"));
    }
}
