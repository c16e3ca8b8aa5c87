package dev.chute.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.testkit.contract.ChuteHome;
import dev.chute.testkit.contract.WarehouseContract;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bytes PostgreSQL cannot take fail the file for good with a reason that says why (issue 11,
 * PostgreSQL corpus items 2, 3 and 6): a NUL byte in a header is never sent to the server (where it
 * broke the connection and the file was retried as a warehouse outage, forever); a NUL byte in a
 * value is named with its line and column instead of advice to change the encoding; a Parquet file
 * whose codec the reader lacks names the codec, without internal paths or raw engine text.
 */
class PostgresNulBytesTest extends WarehouseContract {
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

    @Test
    void nulByteInAHeaderFailsTheFileForGoodNamingLine1TheColumnAndTheByte() {
        ChuteHome h = start();
        h.drop("nul_header/t/a.csv", "a,b\0c,d\n1,2,3\n");
        JsonNode error = h.awaitFailed("nul_header/t/a.csv");
        assertThat(error.get("line").asLong()).isEqualTo(1);
        assertThat(error.get("reason").asText()).contains("line 1").contains("column 2").contains("0x00").doesNotContain("\0");
        assertThat(error.get("kind").asText()).isNotEqualTo("WAREHOUSE_UNAVAILABLE");
        assertThat(h.ledgerRows("nul_header/t/a.csv")).isEqualTo(-1);
        // the warehouse is still fine: the next file loads
        h.drop("nul_header/t/b.csv", "a,b\n1,2\n");
        h.awaitArchived("nul_header/t/b.csv");
    }

    @Test
    void nulByteInAJsonKeyFailsTheFileForGood() {
        ChuteHome h = start();
        h.drop("nul_json/t/a.jsonl", "{\"a\\u0000b\": 1}\n");
        JsonNode error = h.awaitFailed("nul_json/t/a.jsonl");
        assertThat(error.get("reason").asText()).contains("0x00");
    }

    @Test
    void nulByteInAValueFailsNamingLineColumnAndThatPostgresTextCannotStoreIt() {
        ChuteHome h = start();
        h.drop("nul_value/t/a.csv", "a,b\n1,ok\n2,\"x\ny\"\n3,x\0y\n");
        JsonNode error = h.awaitFailed("nul_value/t/a.csv");
        String reason = error.get("reason").asText();
        assertThat(reason).contains("line 5").contains("\"b\"").contains("0x00").contains("PostgreSQL").contains("cannot store")
                .doesNotContain("set 'encoding'");
        assertThat(error.get("line").asLong()).isEqualTo(5);
        assertThat(error.get("column").asText()).isEqualTo("b");
        assertThat(h.ledgerRows("nul_value/t/a.csv")).isEqualTo(-1);
    }

    @Test
    void nulByteInAJsonValueFailsNamingItsLineAndColumn() {
        ChuteHome h = start();
        h.drop("nul_jvalue/t/a.jsonl", "{\"a\": 1, \"b\": \"ok\"}\n{\"a\": 2, \"b\": \"x\\u0000y\"}\n");
        JsonNode error = h.awaitFailed("nul_jvalue/t/a.jsonl");
        assertThat(error.get("reason").asText()).contains("line 2").contains("\"b\"").contains("0x00").contains("cannot store");
    }

    @Test
    void parquetWithHadoopLz4FailsNamingTheCodecWithoutInternalPathsOrEngineText() throws IOException {
        ChuteHome h = start();
        byte[] parquet;
        try (InputStream in = getClass().getResourceAsStream("/realworld/duckdbpq/arrow__hadoop_lz4_compressed.parquet")) {
            parquet = in.readAllBytes();
        }
        h.drop("lz4/t/a.parquet", parquet);
        JsonNode error = h.awaitFailed("lz4/t/a.parquet");
        String reason = error.get("reason").asText();
        assertThat(reason).contains("lz4/t/a.parquet").contains("LZ4").doesNotContain("/stage/").doesNotContain(".chute")
                .doesNotContain(tmp.toString()).doesNotContain("Invalid Input Error").doesNotContain("Failed to read file");
    }
}
