package dev.chute.testkit.contract;

import java.nio.file.Path;

class DuckDbEscapeTest extends EscapeContract {
    @Override
    protected String warehouseYaml(Path home) {
        return DuckDbContract.YAML;
    }

    @Override
    protected String warehouseType() {
        return DuckDbContract.TYPE;
    }
}
