package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 7: a column type the warehouse does not know ({@code DECIMAL(18,}) stops Chute from
 * opening, naming the key path and DuckDB's own reason, instead of passing the start and failing
 * every file at load time without naming the key. Real DuckDB, through {@link Chute#open}, which
 * {@code chute up}, {@code chute load}, {@code chute doctor} and the other commands use.
 */
class ColumnTypesAtStartTest {
    @TempDir
    Path home;

    @Test
    void unknownColumnTypeStopsTheStartNamingTheKeyPathAndDuckDbsReason() {
        ChuteConfig config = ChuteConfig.parse("""
                routes:
                  - match: 'sales/*.csv'
                    table: shop.sales
                    columns:
                      id: BIGINT
                      amount: DECIMAL(18,
                tables:
                  shop.orders:
                    columns:
                      total: DECIML(18,2)
                      at: TIMESTAMPTZ
                """, "chute.yaml");
        for (boolean run : new boolean[] {false, true}) {
            assertThatThrownBy(() -> Chute.open(home, config, run, PipelineListener.NONE).close())
                    .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                    .hasMessage("configuration key 'tables.shop.orders.columns.total' has value 'DECIML(18,2)', which is not a type the duckdb"
                            + " warehouse knows: Type with name DECIML does not exist!\n"
                            + "configuration key 'routes[0].columns.amount' has value 'DECIMAL(18,', which is not a type the duckdb warehouse"
                            + " knows: syntax error at end of input");
        }
    }

    @Test
    void knownTypesOpen() {
        ChuteConfig config = ChuteConfig.parse("""
                tables:
                  shop.orders:
                    columns: {id: BIGINT, total: 'DECIMAL(18,2)', at: TIMESTAMPTZ, note: VARCHAR, ok: BOOLEAN, day: DATE, x: DOUBLE PRECISION}
                """, "chute.yaml");
        try (Chute chute = Chute.open(home, config, false, PipelineListener.NONE)) {
            assertThat(chute.warehouse().describe()).startsWith("duckdb:");
        }
        assertThat(Files.exists(home.resolve("warehouse.duckdb"))).isTrue();
    }

    @Test
    void aTypeWithMoreSqlAfterItIsNotAType() {
        ChuteConfig config = ChuteConfig.parse("""
                tables:
                  shop.orders:
                    columns:
                      id: INTEGER) FROM range(10) AS t(x
                """, "chute.yaml");
        assertThatThrownBy(() -> Chute.open(home, config, false, PipelineListener.NONE).close())
                .hasMessage("configuration key 'tables.shop.orders.columns.id' has value 'INTEGER) FROM RANGE(10) AS T(X', which is not a type the"
                        + " duckdb warehouse knows: it is more than one type name");
    }
}
