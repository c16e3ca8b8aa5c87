package dev.chute.postgres;

import dev.chute.testkit.contract.ChuteHome;
import dev.chute.testkit.contract.FormatTypesContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresFormatTypesTest extends FormatTypesContract {
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

    /** With the type's modifiers ({@code numeric(38,9)}), which information_schema's data_type leaves out. */
    @Override
    protected List<String> columnTypes(ChuteHome h, String schema, String table) {
        return h.column("SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '" + schema + "' AND c.relname = '" + table
                + "' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum");
    }

    @Override
    protected String timestampTz() {
        return "timestamp with time zone";
    }
}
