package dev.chute.postgres;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A database of its own for one warehouse contract test class on the real PostgreSQL, dropped after
 * it: {@code @RegisterExtension static final PgContractDatabase DB = new PgContractDatabase();}.
 */
final class PgContractDatabase implements BeforeAllCallback, AfterAllCallback {
    private PgTestDatabase db;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        db = new PgTestDatabase();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        db.close();
    }

    PgTestDatabase db() {
        return db;
    }

    /** The {@code warehouse:} section for this database. */
    String yaml() {
        return "warehouse:\n  type: postgres\n  url: " + db.url + "\n  user: postgres\n  reader_role: " + db.reader + "\n  pool_size: 2\n";
    }
}
