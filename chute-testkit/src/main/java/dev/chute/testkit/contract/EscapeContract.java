package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * Escape characters, the same on every warehouse (issue 11 item 7 and the real-file corpus's
 * {@code unquoted_escape/human_eval.tsv}): a tab-separated file written by MySQL's
 * {@code SELECT ... INTO OUTFILE} (no quoting, a backslash before a line feed or a TAB inside a
 * value, {@code \\} for a backslash, {@code \N} for NULL) loads byte for byte without
 * configuration; a table's {@code escape} works inside quoted values, and everywhere in a file
 * read without quoting; backslashes of an ordinary TSV (Windows paths) stay text.
 */
public abstract class EscapeContract extends WarehouseContract {
    /** HumanEval as MySQL writes it: code over many lines, indented with tabs, no header. */
    static final String HUMAN_EVAL = "HumanEval/0\tfrom typing import List\\\n\\\n\\\ndef has_close_elements(numbers):\\\n"
            + "\\\t\"\"\" Check \"closer\" than\\\n\\\t\"\"\"\\\n\thas_close_elements\t\\\tfor idx in numbers:\\\n\\\t\\\treturn True\\\n\t\\N\n"
            + "HumanEval/1\tdef separate(s: str):\\\n\\\t\"\"\" C:\\\\temp \\\\N \"\"\"\\\n\tseparate\t\\\treturn []\\\n\t\n"
            + "HumanEval/2\tdef truncate(x):\\\n\\\tpass\\\n\ttruncate\t\\\treturn x % 1\\\n\t\\\\N\n";

    @Test
    void mysqlOutfileTsvLoadsEveryValueByteForByte() {
        ChuteHome h = start();
        h.drop("esc_mysql/human_eval/h.tsv", HUMAN_EVAL);
        h.awaitArchived("esc_mysql/human_eval/h.tsv");
        assertThat(h.ledgerRows("esc_mysql/human_eval/h.tsv")).isEqualTo(3);
        assertThat(h.column("SELECT column0 FROM esc_mysql.human_eval ORDER BY column0")).containsExactly("HumanEval/0", "HumanEval/1", "HumanEval/2");
        assertThat(h.column("SELECT column1 FROM esc_mysql.human_eval ORDER BY column0")).containsExactly(
                "from typing import List\n\n\ndef has_close_elements(numbers):\n\t\"\"\" Check \"closer\" than\n\t\"\"\"\n",
                "def separate(s: str):\n\t\"\"\" C:\\temp \\N \"\"\"\n",
                "def truncate(x):\n\tpass\n");
        assertThat(h.column("SELECT column2 FROM esc_mysql.human_eval ORDER BY column0")).containsExactly("has_close_elements", "separate", "truncate");
        assertThat(h.column("SELECT column3 FROM esc_mysql.human_eval ORDER BY column0"))
                .containsExactly("\tfor idx in numbers:\n\t\treturn True\n", "\treturn []\n", "\treturn x % 1\n");
        // \N alone is NULL, an empty field an empty string, \\N the text \N (MySQL's and PostgreSQL's text format's rules)
        assertThat(h.column("SELECT column4 FROM esc_mysql.human_eval ORDER BY column0")).containsExactly(null, "", "\\N");
    }

    /** A quoted CSV with {@code escape: '\'}: the escape works inside quoted values. */
    @Test
    void configuredEscapeWorksInsideQuotedValuesOfACsv() {
        ChuteHome h = start("tables:\n  esc_quoted.t:\n    escape: '\\'\n");
        h.drop("esc_quoted/t/a.csv", "id,v\n1,\"say \\\"hi\\\"\"\n2,\"back\\\\slash\"\n3,plain\n");
        h.awaitArchived("esc_quoted/t/a.csv");
        assertThat(h.column("SELECT v FROM esc_quoted.t ORDER BY id")).containsExactly("say \"hi\"", "back\\slash", "plain");
    }

    /** A CSV with {@code quote: none} and {@code escape: '\'}: the escape works everywhere, quotes are text. */
    @Test
    void configuredEscapeWorksEverywhereInACsvWithoutQuoting() {
        ChuteHome h = start("tables:\n  esc_unquoted.t:\n    quote: none\n    escape: '\\'\n");
        h.drop("esc_unquoted/t/a.csv", "id,v\n1,a\\,b\n2,line\\\ntwo\n3,\"quoted\"\n4,C:\\\\temp\n");
        h.awaitArchived("esc_unquoted/t/a.csv");
        assertThat(h.column("SELECT v FROM esc_unquoted.t ORDER BY id")).containsExactly("a,b", "line\ntwo", "\"quoted\"", "C:\\temp");
    }

    /** Windows paths in an ordinary TSV, one ending a line with a backslash: not escapes, every value as it is. */
    @Test
    void backslashesOfAnOrdinaryTsvAreText() {
        ChuteHome h = start();
        h.drop("esc_paths/files/a.tsv", "id\tpath\tnote\n1\tC:\\temp\\x\tplain\n2\t\\\\server\\share\\N\tC:\\temp\\\n3\tD:\\\tend\n");
        h.awaitArchived("esc_paths/files/a.tsv");
        assertThat(h.column("SELECT path FROM esc_paths.files ORDER BY id")).containsExactly("C:\\temp\\x", "\\\\server\\share\\N", "D:\\");
        assertThat(h.column("SELECT note FROM esc_paths.files ORDER BY id")).containsExactly("plain", "C:\\temp\\", "end");
    }

    /** The un-escaped file is read on the lines of the original: a ragged record is named by the line it starts on. */
    @Test
    void raggedRecordOfAnEscapedFileFailsNamingItsLine() {
        ChuteHome h = start("tables:\n  esc_ragged.t:\n    quote: none\n    escape: '\\'\n    header: false\n");
        h.drop("esc_ragged/t/a.tsv", "1\tb\\\nc\n2\te\tf\n3\tg\n");
        JsonNode error = h.awaitFailed("esc_ragged/t/a.tsv");
        assertThat(error.get("line").asLong()).as(error.toString()).isEqualTo(3);
        assertThat(error.get("reason").asText()).contains("expected 2 columns, found 3").doesNotContain("/.chute/").doesNotContain("unescaped");
        assertThat(h.ledgerRows("esc_ragged/t/a.tsv")).isEqualTo(-1);
    }
}
