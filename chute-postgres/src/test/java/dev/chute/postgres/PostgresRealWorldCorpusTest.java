package dev.chute.postgres;

import dev.chute.testkit.contract.RealWorldCorpusContract;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresRealWorldCorpusTest extends RealWorldCorpusContract {
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
     * {@code nullbyte.csv} holds a NUL byte (0x00) inside a value. PostgreSQL text cannot store
     * U+0000 in any encoding, and Chute never alters a value, so on PostgreSQL the file cannot load
     * byte for byte: it fails naming the byte (issue 11, PostgreSQL corpus item 3). DuckDB loads it.
     */
    @Override
    protected Map<String, String> expectedFailures() {
        Map<String, String> failures = new HashMap<>(super.expectedFailures());
        failures.put("duckdb/nullbyte.csv", "0x00");
        return failures;
    }
}
