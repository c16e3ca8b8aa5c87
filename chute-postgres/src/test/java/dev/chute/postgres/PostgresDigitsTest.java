package dev.chute.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.testkit.contract.ChuteHome;
import dev.chute.testkit.contract.DigitsContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresDigitsTest extends DigitsContract {
    @RegisterExtension
    static final PgContractDatabase DB = new PgContractDatabase();

    @Override
    protected String warehouseYaml(Path home) {
        return DB.yaml();
    }

    @Override
    protected String warehouseType() {
        return "postgres";
    }

    private static String typeOf(ChuteHome h, String schema, String table, String column) {
        return h.column("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '" + schema + "' AND c.relname = '" + table
                + "' AND a.attname = '" + column + "'").get(0);
    }

    /** Issue 11 item 5: only a column whose values need it becomes numeric; doubles that read back exactly stay doubles. */
    @Test
    void doublesThatReadBackExactlyStayDoublePrecisionAndWideValuesMakeNumeric() {
        ChuteHome h = start();
        h.drop("digits_pgtype/t/a.csv", "x,y\n0.1,1026999921509573722112\n0.30000000000000004,2\n0.8018993331652786,3.5\n");
        h.awaitArchived("digits_pgtype/t/a.csv");
        assertThat(typeOf(h, "digits_pgtype", "t", "x")).isEqualTo("double precision");
        assertThat(typeOf(h, "digits_pgtype", "t", "y")).isEqualTo("numeric");
        assertThat(h.column("SELECT CAST(y AS VARCHAR) FROM digits_pgtype.t")).containsExactlyInAnyOrder("1026999921509573722112", "2", "3.5");
    }

    /** Issue 11 item 5: an existing double precision column never takes a value it would round. */
    @Test
    void valueTooPreciseForAnExistingDoubleColumnFailsNamingLineColumnAndValue() {
        ChuteHome h = start();
        h.drop("digits_pgold/t/a.csv", "id,x\n1,0.5\n");
        h.awaitArchived("digits_pgold/t/a.csv");
        h.drop("digits_pgold/t/b.csv", "id,x\n2,\"1.5\"\n3,82544000000000707.52\n");
        JsonNode error = h.awaitFailed("digits_pgold/t/b.csv");
        assertThat(error.get("line").asLong()).isEqualTo(3);
        assertThat(error.get("column").asText()).isEqualTo("x");
        assertThat(error.get("value").asText()).isEqualTo("82544000000000707.52");
        assertThat(error.get("reason").asText()).contains("DOUBLE PRECISION");
        assertThat(h.count("digits_pgold.t")).isEqualTo(1);
    }
}
