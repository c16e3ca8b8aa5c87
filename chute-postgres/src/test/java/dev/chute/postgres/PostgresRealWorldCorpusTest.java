package dev.chute.postgres;

import dev.chute.testkit.contract.RealWorldCorpusContract;
import java.nio.file.Path;
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
}
