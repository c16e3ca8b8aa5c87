package dev.chute.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The independent record count that tells a complete read from a silently short one (issue 11, items 2 and 3). */
class CsvRecordsTest {
    private static CsvRecords.Count count(String text, char escape, int columns) throws IOException {
        return CsvRecords.count(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8,
                new CsvRecords.Dialect(',', '"', escape, true, columns));
    }

    @Test
    void countsRecordsNotLines() throws IOException {
        assertThat(count("id,v\r\n1,\"two\r\nlines\"\r\n2,\"say \"\"hi\"\"\"\r\n3,\"\"\"\"\r\n4,plain", '"', 2).records()).isEqualTo(4);
        assertThat(count("id,v\n1,x\"y\n2,z\n", '"', 2).records()).isEqualTo(2);
        assertThat(count("id,v\n1,\"a\\\"b\n c\"\n", '\\', 2).records()).isEqualTo(1);
    }

    @Test
    void blankLinesAreRecordsOnlyInASingleColumnFile() throws IOException {
        assertThat(count("a,b\n1,x\n\n\n2,y\n\n", '"', 2).records()).isEqualTo(2);
        assertThat(count("a\n1\n\n2\n\n", '"', 1).records()).isEqualTo(4);
    }

    @Test
    void findsTheLineWhereARecordStarts() throws IOException {
        String text = "id,v\n1,\"a\nb\"\n\n2,c\n";
        CsvRecords.Dialect d = new CsvRecords.Dialect(',', '"', '"', true, 2);
        assertThat(CsvRecords.lineOfRecord(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8, d, 2))
                .isEqualTo(OptionalLong.of(5));
        assertThat(CsvRecords.lineOfRecord(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8, d, 3)).isEmpty();
    }

    @Test
    void readerRowsCountEmptyLinesButNotQuotedLineEnds() throws IOException {
        String text = "id,v\n1,\"a\nb\"\n\n2,c,d,e\n";
        CsvRecords.Dialect d = new CsvRecords.Dialect(',', '"', '"', true, 2);
        assertThat(CsvRecords.locateReaderRow(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8, d, 4))
                .contains(new CsvRecords.Located(5, 4));
    }

    @Test
    void quoteStillOpenAtTheEndNamesTheLineOfItsRecord() throws IOException {
        assertThat(count("id,v\n1,a\n2,b\n3,\"c\n4,d\n5,e\n", '"', 2).unterminatedQuoteLine()).isEqualTo(OptionalLong.of(4));
        assertThat(count("id,name,\"note\n1,a,b\n", '"', 3).unterminatedQuoteLine()).isEqualTo(OptionalLong.of(1));
        assertThat(count("id,v\n1,\"a\"\n", '"', 2).unterminatedQuoteLine()).isEmpty();
    }

    /** Issue 11 item 2: what a lenient read of a file with mixed line ends is checked against. */
    @Test
    void tellsMixedLineEndsAndTheFirstRecordWithAnotherFieldCount() throws IOException {
        CsvRecords.Count mixed = count("a,b\r\n1,2\n3,4\r", '"', 2);
        assertThat(mixed.records()).isEqualTo(2);
        assertThat(mixed.mixedLineEnds()).isTrue();
        assertThat(mixed.otherFieldCount()).isEmpty();
        assertThat(count("a,b\r\n1,\"x\ny\"\r\n3,4\r\n", '"', 2).mixedLineEnds()).isFalse();
        CsvRecords.Count ragged = count("a,b\n1,2\n\n3,4,5\n6\n", '"', 2);
        assertThat(ragged.mixedLineEnds()).isFalse();
        assertThat(ragged.otherFieldCount()).contains(new CsvRecords.Located(4, 3));
        assertThat(count("a,b\n1,2\n3", '"', 2).otherFieldCount()).contains(new CsvRecords.Located(3, 1));
    }
}
