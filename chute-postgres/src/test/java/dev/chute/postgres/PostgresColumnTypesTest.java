package dev.chute.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 7: column types are checked by the real PostgreSQL (its own type-name parser, through
 * {@code regtype}) when Chute opens, so {@code DECIMAL(18,} stops the start naming the key path
 * instead of failing each file at load time.
 */
class PostgresColumnTypesTest {
    @TempDir
    Path dir;

    private PgTestDatabase db;
    private PostgresWarehouse warehouse;

    @BeforeEach
    void open() throws Exception {
        db = new PgTestDatabase();
        warehouse = db.open(dir.resolve("stage"));
    }

    @AfterEach
    void close() throws Exception {
        warehouse.close();
        db.close();
    }

    @Test
    void postgresSaysWhichColumnTypesItDoesNotKnow() {
        assertThat(warehouse.rejectsType("DECIMAL(18,")).contains("syntax error at end of input");
        assertThat(warehouse.rejectsType("DECIML(18,2)")).contains("type \"deciml\" does not exist");
        assertThat(warehouse.rejectsType("NUMERIC(1001,2)")).contains("NUMERIC precision 1001 must be between 1 and 1000");
        assertThat(warehouse.rejectsType("INTEGER) FROM PG_CLASS")).hasValueSatisfying(why -> assertThat(why).startsWith("syntax error at or near \")\""));
        for (String known : List.of("DECIMAL(18,2)", "BIGINT", "DOUBLE", "DOUBLE PRECISION", "VARCHAR", "TIMESTAMPTZ", "TIMESTAMP", "DATE", "BOOLEAN",
                "JSON", "UUID", "CHARACTER VARYING(20)", "INT4")) {
            assertThat(warehouse.rejectsType(known)).as(known).isEmpty();
        }
    }

    /** A declared column that neither the file nor the table has fails the file, naming the file's columns (it was ignored silently). */
    @Test
    void declaredColumnInNeitherFileNorTableFailsTheFile() throws Exception {
        dev.chute.spi.TableSpec spec = ChuteConfig.parse("tables:\n  shop.sales:\n    columns:\n      amout: DECIMAL(18,2)\n", "chute.yaml")
                .tableSpec(dev.chute.spi.TableId.parse("shop.sales"));
        dev.chute.spi.LoadFile file = PgTestDatabase.stage(dir.resolve("stage"), "shop/sales/a.csv", "id,amount\n1,2.50\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(warehouse.load(PgTestDatabase.batch("shop.sales", spec, file), f -> true)).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(dev.chute.spi.FileOutcome.Status.FAILED);
            assertThat(o.error().orElseThrow().code()).isEqualTo(ErrorCode.SCHEMA_CONFLICT);
            assertThat(o.error().orElseThrow().reason()).isEqualTo("shop/sales/a.csv: column 'amout' is declared in the columns of table shop.sales"
                    + " (its columns.amout in the configuration), but neither the file nor the table has it; the file has columns id, amount"
                    + " (did you mean 'amount'?). Fix the name in the configuration (or remove it) and replay the file");
        });
    }

    @Test
    void unknownColumnTypeStopsChuteOpeningOnPostgres() {
        ChuteConfig config = ChuteConfig.parse("warehouse:\n  type: postgres\n  url: " + db.url + "\n  user: postgres\n  reader_role: " + db.reader + "\n"
                + "routes:\n  - match: 'sales/*.csv'\n    table: shop.sales\n    columns:\n      amount: DECIMAL(18,\n", "chute.yaml");
        assertThatThrownBy(() -> Chute.open(dir.resolve("home"), config, false, dev.chute.core.PipelineListener.NONE).close())
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessage("configuration key 'routes[0].columns.amount' has value 'DECIMAL(18,', which is not a type the postgres warehouse knows:"
                        + " syntax error at end of input");
    }
}
