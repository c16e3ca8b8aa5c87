package dev.chute.postgres;

import dev.chute.testkit.contract.HeaderContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresHeaderTest extends HeaderContract {
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
