package dev.chute.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsvLineTest {
    @Test
    void quotedDelimitersAndDoubledQuotesStayInTheirField() {
        assertThat(CsvLine.split("id,\"name, full\",\"say \"\"hi\"\"\",", ',', '"')).containsExactly("id", "name, full", "say \"hi\"", "");
    }

    @Test
    void withoutAQuoteCharacterEveryDelimiterSplits() {
        assertThat(CsvLine.split("a\0b;c", ';', '\0')).containsExactly("a\0b", "c");
    }

    @Test
    void theMostFrequentDelimiterOutsideQuotesWins() {
        assertThat(CsvLine.guessDelimiter("id;\"a,b,c\";price", '"')).isEqualTo(';');
        assertThat(CsvLine.guessDelimiter("id\tname\tprice", '"')).isEqualTo('\t');
        assertThat(CsvLine.guessDelimiter("single", '"')).isEqualTo(',');
    }
}
