package dev.chute.testkit.contract;

import java.nio.file.Path;

class DuckDbFormatTypesTest extends FormatTypesContract {
    @Override
    protected String warehouseYaml(Path home) {
        return DuckDbContract.YAML;
    }

    @Override
    protected String warehouseType() {
        return DuckDbContract.TYPE;
    }

    @Override
    protected String timestampTz() {
        return "TIMESTAMP WITH TIME ZONE";
    }
}
