package dev.chute.testkit.contract;

/** How the contract tests reach the embedded DuckDB warehouse: the default, a file in each home. */
final class DuckDbContract {
    static final String YAML = "warehouse:\n  type: duckdb\n";
    static final String TYPE = "duckdb";

    private DuckDbContract() {
    }
}
