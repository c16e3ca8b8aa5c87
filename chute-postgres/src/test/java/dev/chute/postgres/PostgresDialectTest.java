package dev.chute.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.testkit.contract.ChuteHome;
import dev.chute.testkit.contract.DialectContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresDialectTest extends DialectContract {
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

    /**
     * Issue 11 item 7, PostgreSQL only: COPY's CSV format always has a quote, so a file without quoting
     * gets a control character it does not hold; one holding every candidate goes through DuckDB's reader.
     */
    @Test
    void aFileWithoutQuotingThatHoldsEveryControlCharacterLoadsUnchanged() {
        StringBuilder controls = new StringBuilder();
        for (char ch = 1; ch < 32; ch++) {
            if (ch != '\t' && ch != '\n' && ch != '\r') {
                controls.append(ch);
            }
        }
        ChuteHome h = start("tables:\n  dialect_controls.t:\n    quote: none\n  dialect_controls.u:\n    quote: none\n");
        h.drop("dialect_controls/t/a.tsv", "id\tv\n1\t\"x" + controls + "\"\n2\tsay \"hi\"\n");
        h.drop("dialect_controls/u/a.tsv", "id\tv\n1\t\"a\u0001b\"\n2\t\"\n");
        h.awaitArchived("dialect_controls/t/a.tsv");
        h.awaitArchived("dialect_controls/u/a.tsv");
        assertThat(h.column("SELECT v FROM dialect_controls.t ORDER BY id")).containsExactly("\"x" + controls + "\"", "say \"hi\"");
        assertThat(h.column("SELECT v FROM dialect_controls.u ORDER BY id")).containsExactly("\"a\u0001b\"", "\"");
    }
}
