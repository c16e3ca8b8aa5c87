package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How a delimited file is split and decoded, the same on every warehouse (issue 11 items 4 and 7):
 * quote characters that are text in tab-separated files stay in their values, {@code quote: none}
 * reads every byte between delimiters as the value, properly quoted TSV keeps its quoting, and a
 * header line is decoded by the same strict rules as the rows below it.
 */
public abstract class DialectContract extends WarehouseContract {

    /** Issue 11 item 7: IMDB's title.basics.tsv writes titles as they are, quotes included, without quoting. */
    @Test
    void tsvWithQuotesInsideFieldsLoadsByteForByte() {
        ChuteHome h = start();
        h.drop("dialect_imdb/titles/t.tsv", "tconst\tprimary_title\tstart_year\n"
                + "tt0000001\t\"Swing it\" magistern\t1940\n"
                + "tt0000002\tThe \"Best\" one\t1941\n"
                + "tt0000003\t5\" floppy\t1942\n"
                + "tt0000004\tPlain title\t1943\n");
        h.awaitArchived("dialect_imdb/titles/t.tsv");
        assertThat(h.column("SELECT primary_title FROM dialect_imdb.titles ORDER BY tconst"))
                .containsExactly("\"Swing it\" magistern", "The \"Best\" one", "5\" floppy", "Plain title");
        assertThat(h.column("SELECT CAST(start_year AS VARCHAR) FROM dialect_imdb.titles ORDER BY tconst"))
                .containsExactly("1940", "1941", "1942", "1943");
    }

    /** Issue 11 item 7: Wikipedia has pages titled {@code "} and {@code ""}; page view dumps list them bare. */
    @Test
    void wikipediaTitlesThatAreQuotesLoadUnchanged() {
        ChuteHome h = start();
        h.drop("dialect_wiki/views/a.tsv", "page_title\tviews\n\"\t12\n\"\"\t7\nMain_Page\t3\n");
        h.drop("dialect_wiki/bare/b.tsv", "page_title\tviews\nMain_Page\t3\n\"\"\t7\n");
        h.awaitArchived("dialect_wiki/views/a.tsv");
        h.awaitArchived("dialect_wiki/bare/b.tsv");
        assertThat(h.column("SELECT page_title FROM dialect_wiki.views ORDER BY views")).containsExactly("Main_Page", "\"\"", "\"");
        assertThat(h.column("SELECT page_title FROM dialect_wiki.bare ORDER BY views")).containsExactly("Main_Page", "\"\"");
    }

    /** Issue 11 item 7: {@code quote: none} reads a CSV file with every quote as part of its value. */
    @Test
    void quoteNoneKeepsEveryQuoteOfACsvFile() {
        ChuteHome h = start("tables:\n  dialect_none.t:\n    quote: none\n");
        h.drop("dialect_none/t/a.csv", "id,v\n1,\"a\"\n2,say \"hi\"\n3,\"\"\n4,\"\n");
        h.awaitArchived("dialect_none/t/a.csv");
        assertThat(h.column("SELECT v FROM dialect_none.t ORDER BY id")).containsExactly("\"a\"", "say \"hi\"", "\"\"", "\"");
    }

    /** Issue 11 item 7: a TSV whose quotes are CSV quoting (line breaks, tabs, doubled quotes inside) is read with them. */
    @Test
    void properlyQuotedTsvIsStillParsedWithQuotes() {
        ChuteHome h = start();
        // CR-only line ends and a quoted field holding line breaks, as FiveThirtyEight's poll-of-pollsters.tsv
        h.drop("dialect_quoted/notes/n.tsv", "id\tnote\r1\t\"two\rlines\"\r2\t\"a \"\"quoted\"\" word\"\r3\t\"tab\there\"\r4\tplain\r");
        h.awaitArchived("dialect_quoted/notes/n.tsv");
        assertThat(h.column("SELECT note FROM dialect_quoted.notes ORDER BY id"))
                .containsExactly("two\rlines", "a \"quoted\" word", "tab\there", "plain");
    }

    /**
     * Classic Mac line ends (a lone CR), as FiveThirtyEight's bachelorette.csv: the first line ends at
     * the first CR, so the file is not taken for a header-only file of 0 rows (DuckDB did, issue 11).
     */
    @Test
    void crOnlyLineEndsLoadEveryRow() {
        ChuteHome h = start();
        h.drop("dialect_cr/rows/a.csv", "id,name\r1,x\r2,y\r3,z");
        h.awaitArchived("dialect_cr/rows/a.csv");
        assertThat(h.column("SELECT name FROM dialect_cr.rows ORDER BY id")).containsExactly("x", "y", "z");
    }

    /** Issue 11 item 4: the DuckDB project's test/invalid_utf_header.csv, whose quoted header holds 0xFF 0xFF. */
    @Test
    void invalidUtf8InTheHeaderFailsNamingLineOneTheByteAndTheEncoding() {
        ChuteHome h = start();
        h.drop("dialect_enc/header/f.csv", invalidUtfHeader());
        JsonNode e = h.awaitFailed("dialect_enc/header/f.csv");
        assertThat(e.get("kind").asText()).isEqualTo("ENCODING");
        assertThat(e.get("line").asLong()).isEqualTo(1);
        assertThat(e.get("reason").asText())
                .startsWith("dialect_enc/header/f.csv line 1: expected utf-8 text (the table's encoding), found byte 0xFF")
                .contains("valid LATIN-1 text")
                .doesNotContain("\uFFFD");
        assertThat(e.get("value").asText()).isEqualTo("0xFF");
        assertThat(h.ledgerRows("dialect_enc/header/f.csv")).isEqualTo(-1);
    }

    /** Issue 11 item 4: the same header bytes are valid latin-1, and a latin-1 table loads them. */
    @Test
    void aLatin1TableLoadsTheSameHeaderBytes() {
        ChuteHome h = start("tables:\n  dialect_latin.header:\n    encoding: latin-1\n");
        h.drop("dialect_latin/header/f.csv", invalidUtfHeader());
        h.awaitArchived("dialect_latin/header/f.csv");
        assertThat(h.count("dialect_latin.header")).isEqualTo(3);
        assertThat(columns(h, "dialect_latin", "header")).contains("invalid_\u00ff\u00ff_part");
    }

    /** Issue 11 item 4: a Mac Roman header (0xD5 is its right single quote, 0x8E its e acute) fails and says what it may be. */
    @Test
    void aMacRomanHeaderFailsSayingItIsNotAnEncodingChuteReads() {
        ChuteHome h = start();
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("rank,The Hitchhiker".getBytes(StandardCharsets.US_ASCII));
        file.writeBytes(new byte[] {(byte) 0xD5, 's', ' ', 'G', 'u', 'i', 'd', 'e', ' ', 't', 'o', ' ', 't', 'h', 'e', ' ', 'U', 'n', 'i', 'v', 'e', 'r', 's', 'e',
            ' ', 'c', 'a', 'f', (byte) 0x8E, (byte) 0x8E});
        file.writeBytes("\n1,42\n2,43\n".getBytes(StandardCharsets.US_ASCII));
        h.drop("dialect_mac/roman/f.csv", file.toByteArray());
        JsonNode e = h.awaitFailed("dialect_mac/roman/f.csv");
        assertThat(e.get("kind").asText()).isEqualTo("ENCODING");
        assertThat(e.get("line").asLong()).isEqualTo(1);
        assertThat(e.get("reason").asText()).contains("line 1: expected utf-8 text", "found byte 0xD5", "Mac Roman");
    }

    private static byte[] invalidUtfHeader() {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("valid,\"invalid_".getBytes(StandardCharsets.US_ASCII));
        file.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFF});
        file.writeBytes("_part\",valid\nvalid,\"valid\",valid\nvalid,\"valid\",valid\nvalid,\"valid\",valid\n".getBytes(StandardCharsets.US_ASCII));
        return file.toByteArray();
    }

    private static List<String> columns(ChuteHome h, String schema, String table) {
        return h.column("SELECT column_name FROM information_schema.columns WHERE table_schema = '" + schema + "' AND table_name = '" + table
                + "' ORDER BY ordinal_position");
    }
}
