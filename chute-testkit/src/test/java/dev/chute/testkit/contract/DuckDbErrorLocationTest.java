package dev.chute.testkit.contract;

import java.nio.file.Path;

/** The error location contract on DuckDB. */
class DuckDbErrorLocationTest extends ErrorLocationContract {
    @Override
    protected String warehouseYaml(Path home) {
        return DuckDbContract.YAML;
    }

    @Override
    protected String warehouseType() {
        return DuckDbContract.TYPE;
    }
}
