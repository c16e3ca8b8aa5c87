package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DuckDB-only inference cases. They belong in {@link InferenceBoundContract} once PostgreSQL keeps
 * every digit too (issue 11 item 5: today PostgreSQL stores these values as double precision).
 */
class DuckDbInferenceTest extends WarehouseContract {
    @Override
    protected String warehouseYaml(Path home) {
        return DuckDbContract.YAML;
    }

    @Override
    protected String warehouseType() {
        return DuckDbContract.TYPE;
    }

    /** Issue 11 item 8: the DOUBLE guard still keeps values that a double would round, digit for digit. */
    @Test
    void valueWithMoreDigitsThanADoubleKeepsIsNotRounded() {
        ChuteHome h = start();
        h.drop("infexact/t/a.csv", "id,x\n1,0.5\n2,0.12345678901234567890\n3,9999999999999999\n4,0.30000000000000003\n");
        h.awaitArchived("infexact/t/a.csv");
        List<String> xs = h.column("SELECT CAST(x AS VARCHAR) FROM infexact.t ORDER BY id");
        assertThat(new BigDecimal(xs.get(1))).isEqualByComparingTo("0.12345678901234567890");
        assertThat(new BigDecimal(xs.get(2))).isEqualByComparingTo("9999999999999999");
        // 17 digits that read as the same double as 0.30000000000000004, which a DOUBLE would print back
        assertThat(new BigDecimal(xs.get(3))).isEqualByComparingTo("0.30000000000000003");
    }

    /** The 40-column file of {@link InferenceBoundContract}: every too-precise value is kept, each column as text. */
    @Test
    void everyColumnInferenceGivesUpOnKeepsItsDigits() {
        ChuteHome h = start();
        StringBuilder b = new StringBuilder("id");
        for (int c = 0; c < 40; c++) {
            b.append(",x").append(c);
        }
        b.append('\n');
        for (int r = 0; r < 30; r++) {
            b.append(r);
            for (int c = 0; c < 40; c++) {
                b.append(',').append(r == 29 ? "0.1234567890123456789" + (c % 10) : "0." + (r + c));
            }
            b.append('\n');
        }
        h.drop("infwide/t/a.csv", b.toString());
        h.awaitArchived("infwide/t/a.csv");
        assertThat(h.column("SELECT CAST(x7 AS VARCHAR) FROM infwide.t WHERE id = 29")).containsExactly("0.12345678901234567897");
    }
}
