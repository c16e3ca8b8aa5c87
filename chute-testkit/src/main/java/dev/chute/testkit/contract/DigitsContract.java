package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/**
 * Every digit, on every warehouse (issue 11 item 5): inference and explicit decimals never round.
 * A value is stored in a type that holds all its digits, or as text; where neither can be had (an
 * explicit type too narrow, a Parquet decimal wider than the reader keeps) the file fails with a
 * reason that names the column, instead of loading a rounded value.
 */
public abstract class DigitsContract extends WarehouseContract {
    /** {@code DECIMAL(77,38)}, as BigQuery exports {@code BIGNUMERIC}; see SOURCES.md beside it. */
    static final String BIGNUMERIC_FIXTURE = "bignumeric_77_38.parquet";

    @Test
    void integersAndDecimalsWithMoreDigitsThanADoubleKeepsAreStoredExactly() {
        ChuteHome h = start();
        h.drop("digits_infer/t/a.csv", "id,amount,ratio\n1026999921509573722112,82544000000000707.52,0.5\n7,1.5,0.25\n");
        h.awaitArchived("digits_infer/t/a.csv");
        assertThat(h.column("SELECT CAST(id AS VARCHAR) FROM digits_infer.t")).containsExactlyInAnyOrder("1026999921509573722112", "7");
        assertThat(h.column("SELECT CAST(amount AS VARCHAR) FROM digits_infer.t")).containsExactlyInAnyOrder("82544000000000707.52", "1.5");
        assertThat(h.column("SELECT CAST(ratio AS VARCHAR) FROM digits_infer.t")).containsExactlyInAnyOrder("0.5", "0.25");
    }

    @Test
    void valueWithMoreDecimalsThanAnExplicitScaleFailsTheFileInsteadOfRounding() {
        ChuteHome h = start("tables:\n  digits_scale.t:\n    columns:\n      amount: DECIMAL(10,2)\n");
        h.drop("digits_scale/t/a.csv", "id,amount\n1,1.25\n2,1.20\n3,1.234\n");
        JsonNode error = h.awaitFailed("digits_scale/t/a.csv");
        assertThat(error.get("line").asLong()).isEqualTo(4);
        assertThat(error.get("column").asText()).isEqualTo("amount");
        assertThat(error.get("value").asText()).isEqualTo("1.234");
        assertThat(error.get("reason").asText()).contains("amount").contains("1.234").containsIgnoringCase("DECIMAL(10,2)");
        assertThat(h.ledgerRows("digits_scale/t/a.csv")).isEqualTo(-1);
    }

    @Test
    void valuesThatFitAnExplicitDecimalLoadExactly() {
        ChuteHome h = start("tables:\n  digits_fit.t:\n    columns:\n      amount: DECIMAL(38,2)\n");
        h.drop("digits_fit/t/a.csv", "id,amount\n1,1.20\n2,123456789012345678901234567890123456.78\n3,5\n");
        h.awaitArchived("digits_fit/t/a.csv");
        assertThat(h.column("SELECT CAST(amount AS VARCHAR) FROM digits_fit.t"))
                .containsExactlyInAnyOrder("1.20", "123456789012345678901234567890123456.78", "5.00");
    }

    @Test
    void parquetDecimalWiderThanTheReaderKeepsIsNeverRounded() {
        ChuteHome h = start();
        h.drop("digits_pq/t/big.parquet", fixture(BIGNUMERIC_FIXTURE));
        JsonNode error = h.awaitFailed("digits_pq/t/big.parquet");
        assertThat(error.get("column").asText()).isEqualTo("amount");
        assertThat(error.get("reason").asText()).contains("amount").contains("DECIMAL(77,38)").doesNotContain("/.chute/");
        assertThat(h.ledgerRows("digits_pq/t/big.parquet")).isEqualTo(-1);
    }

    static byte[] fixture(String name) {
        try (InputStream in = DigitsContract.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
