package dev.chute.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 7: BigQuery's contract server runs no SQL, so its column types are checked against
 * BigQuery's documented type names and decimal bounds; {@code DECIMAL(18,} is refused at start with
 * the types BigQuery has, not at the first load job.
 */
class BigQueryTypesTest {
    private static final String KNOWN = "BigQuery's types are BIGINT/INT64, DOUBLE/FLOAT64, DECIMAL(p,s)/NUMERIC, BIGNUMERIC, VARCHAR/STRING, BOOLEAN,"
            + " DATE, TIME, DATETIME, TIMESTAMP, JSON, BYTES, GEOGRAPHY";

    @Test
    void typesBigQueryDoesNotHaveAreRefusedWithTheOnesItHas() {
        assertThat(BigQueryTypes.problem("DECIMAL(18,")).contains(KNOWN);
        assertThat(BigQueryTypes.problem("DECIML(18,2)")).contains(KNOWN);
        assertThat(BigQueryTypes.problem("HSTORE")).contains(KNOWN);
    }

    @Test
    void decimalsOutsideBigQuerysBoundsAreRefusedNamingThem() {
        String bounds = "BigQuery's decimals take a scale from 0 to 38 and a precision from max(1, scale) to scale + 38, found precision ";
        assertThat(BigQueryTypes.problem("DECIMAL(77,0)")).contains(bounds + "77 and scale 0");
        assertThat(BigQueryTypes.problem("NUMERIC(40,39)")).contains(bounds + "40 and scale 39");
        assertThat(BigQueryTypes.problem("DECIMAL(2,5)")).contains(bounds + "2 and scale 5");
        assertThat(BigQueryTypes.problem("DECIMAL(0)")).contains(bounds + "0 and scale 0");
        assertThat(BigQueryTypes.problem("DECIMAL(99999999999,2)")).contains(bounds + "99999999999 and scale 2");
    }

    @Test
    void typesBigQueryHasAreAccepted() {
        for (String known : List.of("DECIMAL(18,2)", "NUMERIC(38,9)", "DECIMAL(76,38)", "BIGINT", "INT64", "DOUBLE", "VARCHAR", "STRING", "TIMESTAMPTZ",
                "TIMESTAMP", "DATE", "BOOLEAN", "JSON", "BYTES", "DOUBLE PRECISION")) {
            assertThat(BigQueryTypes.problem(known)).as(known).isEmpty();
        }
    }
}
