package dev.chute.postgres;

import dev.chute.testkit.contract.RaggedContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresRaggedTest extends RaggedContract {
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
}
