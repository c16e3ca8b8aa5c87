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
