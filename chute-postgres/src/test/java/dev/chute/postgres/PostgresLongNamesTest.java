package dev.chute.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.testkit.contract.ChuteHome;
import dev.chute.testkit.contract.WarehouseContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Column names longer than PostgreSQL's 63 bytes (survey exports whose headers are whole questions)
 * load into shortened, distinct columns that every later file of the same header finds again, with
 * the full name as the column's comment (issue 11, PostgreSQL corpus item 4).
 */
class PostgresLongNamesTest extends WarehouseContract {
    @RegisterExtension
    static final PgContractDatabase DB = new PgContractDatabase();

    /** Two questions that share their first 63 bytes and differ only at the end. */
    private static final String Q1 = "How likely are you to recommend this survey to a friend or a colleague, on a scale? (first wave)";
    private static final String Q2 = "How likely are you to recommend this survey to a friend or a colleague, on a scale? (second wave)";
    /** Multi-byte characters around the cut: the short name must stay valid UTF-8. */
    private static final String Q3 = "Wie zufrieden sind Sie mit der Qualität der Überprüfung der Größenänderungen äöü?";

    @Override
    protected String warehouseYaml(Path home) {
        return DB.yaml();
    }

    @Override
    protected String warehouseType() {
        return "postgres";
    }

    /** Column name -> comment of a table's columns other than lineage, in table order. */
    private static Map<String, String> columns(ChuteHome h, String schema, String table) {
        Map<String, String> out = new LinkedHashMap<>();
        for (List<Object> row : h.query("SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a JOIN pg_class c ON"
                + " c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '" + schema + "' AND c.relname = '" + table
                + "' AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT LIKE '\\_chute\\_%' ORDER BY a.attnum").rows()) {
            out.put((String) row.get(0), (String) row.get(1));
        }
        return out;
    }

    private static String csv(String... fields) {
        return String.join(",", java.util.Arrays.stream(fields).map(f -> "\"" + f + "\"").toList());
    }

    @Test
    void twoLongNamesSharingTheirFirst63BytesLoadIntoTwoDistinctColumnsCommentedWithTheFullNames() {
        ChuteHome h = start();
        h.drop("long_two/t/a.csv", csv("id", Q1, Q2) + "\n1,yes,no\n2,maybe,never\n");
        h.awaitArchived("long_two/t/a.csv");
        Map<String, String> cols = columns(h, "long_two", "t");
        assertThat(cols).hasSize(3);
        assertThat(cols.keySet()).allMatch(n -> n.getBytes(StandardCharsets.UTF_8).length <= 63);
        assertThat(cols.values()).containsExactly(null, Q1, Q2);
        List<String> names = List.copyOf(cols.keySet());
        assertThat(names.get(1)).isNotEqualTo(names.get(2)).startsWith("How likely are you");
        assertThat(h.column("SELECT \"" + names.get(2) + "\" FROM long_two.t ORDER BY id")).containsExactly("no", "never");
    }

    @Test
    void aLaterFileWithTheSameLongHeaderAppendsToTheSameColumnsWhateverTheCase() {
        ChuteHome h = start();
        h.drop("long_again/t/a.csv", csv("id", Q1, Q2) + "\n1,yes a,no a\n");
        h.awaitArchived("long_again/t/a.csv");
        h.drop("long_again/t/b.csv", csv("id", Q2.toUpperCase(java.util.Locale.ROOT), Q1) + "\n2,no b,yes b\n");
        h.awaitArchived("long_again/t/b.csv");
        Map<String, String> cols = columns(h, "long_again", "t");
        assertThat(cols).hasSize(3);
        List<String> names = List.copyOf(cols.keySet());
        assertThat(h.column("SELECT \"" + names.get(1) + "\" FROM long_again.t ORDER BY id")).containsExactly("yes a", "yes b");
        assertThat(h.column("SELECT \"" + names.get(2) + "\" FROM long_again.t ORDER BY id")).containsExactly("no a", "no b");
    }

    @Test
    void aNewLongColumnOfALaterFileIsAddedWithItsCommentAndMultiByteNamesAreCutAtACharacter() {
        ChuteHome h = start();
        h.drop("long_evolve/t/a.csv", csv("id", Q1) + "\n1,yes\n");
        h.awaitArchived("long_evolve/t/a.csv");
        h.drop("long_evolve/t/b.csv", csv("id", Q1, Q3) + "\n2,no,sehr\n");
        h.awaitArchived("long_evolve/t/b.csv");
        Map<String, String> cols = columns(h, "long_evolve", "t");
        assertThat(cols.values()).containsExactly(null, Q1, Q3);
        String shortQ3 = List.copyOf(cols.keySet()).get(2);
        assertThat(shortQ3.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(63);
        assertThat(shortQ3).startsWith("Wie zufrieden").matches("(?s).*_[0-9a-f]{8}");
        assertThat(h.column("SELECT \"" + shortQ3 + "\" FROM long_evolve.t")).containsExactly(null, "sehr");
    }

    @Test
    void aValueThatDoesNotFitALongNamedColumnWidensThatColumn() {
        ChuteHome h = start("tables:\n  long_widen.t:\n    on_type_conflict: widen\n");
        h.drop("long_widen/t/a.csv", csv("id", Q1) + "\n1,10\n2,20\n");
        h.awaitArchived("long_widen/t/a.csv");
        h.drop("long_widen/t/b.csv", csv("id", Q1) + "\n3,lots\n");
        h.awaitArchived("long_widen/t/b.csv");
        String name = List.copyOf(columns(h, "long_widen", "t").keySet()).get(1);
        assertThat(h.column("SELECT \"" + name + "\" FROM long_widen.t ORDER BY id")).containsExactly("10", "20", "lots");
    }

    @Test
    void aTypeConflictInALongNamedColumnNamesTheColumnByItsHeader() {
        ChuteHome h = start();
        h.drop("long_conflict/t/a.csv", csv("id", Q1) + "\n1,10\n");
        h.awaitArchived("long_conflict/t/a.csv");
        h.drop("long_conflict/t/b.csv", csv("id", Q1) + "\n2,lots\n");
        com.fasterxml.jackson.databind.JsonNode error = h.awaitFailed("long_conflict/t/b.csv");
        assertThat(error.get("reason").asText()).contains(Q1).contains("'lots'");
        assertThat(error.get("column").asText()).isEqualTo(Q1);
    }

    @Test
    void configuredTypeOfALongNamedColumnApplies() {
        ChuteHome h = start("tables:\n  long_typed.t:\n    columns:\n      \"" + Q1 + "\": TEXT\n");
        h.drop("long_typed/t/a.csv", csv("id", Q1) + "\n1,007\n");
        h.awaitArchived("long_typed/t/a.csv");
        String name = List.copyOf(columns(h, "long_typed", "t").keySet()).get(1);
        assertThat(h.column("SELECT \"" + name + "\" FROM long_typed.t")).containsExactly("007");
    }

    @Test
    void tableNameLongerThan63BytesStillFailsNamingTheLimit() {
        ChuteHome h = start();
        String table = "t".repeat(70);
        h.drop("long_table/" + table + "/a.csv", "id\n1\n");
        assertThat(h.awaitFailed("long_table/" + table + "/a.csv").get("reason").asText()).contains("63 bytes");
    }
}
