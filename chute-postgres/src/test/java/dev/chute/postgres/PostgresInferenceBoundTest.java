package dev.chute.postgres;

import dev.chute.testkit.contract.InferenceBoundContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresInferenceBoundTest extends InferenceBoundContract {
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
