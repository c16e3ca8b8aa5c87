package dev.chute.testkit.contract;

import java.nio.file.Path;

class DuckDbLineEndingsAndBytesTest extends LineEndingsAndBytesContract {
    @Override
    protected String warehouseYaml(Path home) {
        return DuckDbContract.YAML;
    }

    @Override
    protected String warehouseType() {
        return DuckDbContract.TYPE;
    }
}
