package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 7: a column of a table's {@code columns} that a file does not have, and the table
 * does not have either, used to be ignored silently (a misspelt {@code amout} left {@code amount}
 * inferred and the declaration without effect). The file now fails, naming the column, the file's
 * columns and the closest one; once the table has the column, a file without it loads (NULLs).
 */
class DeclaredColumnMissingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path root;

    @Test
    void declaredColumnInNeitherFileNorTableFailsTheFileNamingTheColumnsItHas() throws Exception {
        ChuteConfig config = ChuteConfig.parse("tables:\n  shop.sales:\n    columns:\n      amout: DECIMAL(18,2)\n", "chute.yaml");
        try (EmbeddedHome h = new EmbeddedHome(root, config)) {
            h.drop("shop/sales/a.csv", "id,amount\n1,2.50\n");
            Path sidecar = h.failed("shop/sales/a.csv.error.json");
            await().atMost(WAIT).until(() -> Files.exists(sidecar) && Files.exists(h.failed("shop/sales/a.csv")));
            JsonNode reason = Json.mapper().readTree(sidecar.toFile());
            assertThat(reason.get("kind").asText()).isEqualTo("SCHEMA_CONFLICT");
            assertThat(reason.get("reason").asText()).isEqualTo("shop/sales/a.csv: column 'amout' is declared in the columns of table shop.sales"
                    + " (its columns.amout in the configuration), but neither the file nor the table has it; the file has columns id, amount"
                    + " (did you mean 'amount'?). Fix the name in the configuration (or remove it) and replay the file");
            assertThat(h.tableExists("shop", "sales")).isFalse();
        }
    }

    @Test
    void aFileWithoutADeclaredColumnTheTableHasLoadsWithNulls() throws Exception {
        ChuteConfig config = ChuteConfig.parse("tables:\n  shop.sales:\n    columns:\n      discount: DECIMAL(18,2)\n", "chute.yaml");
        try (EmbeddedHome h = new EmbeddedHome(root, config)) {
            h.drop("shop/sales/a.csv", "id,discount\n1,0.50\n");
            await().atMost(WAIT).until(() -> Files.exists(h.archive("shop/sales/a.csv")));
            h.drop("shop/sales/b.csv", "id\n2\n");
            await().atMost(WAIT).until(() -> Files.exists(h.archive("shop/sales/b.csv")));
            assertThat(h.count("shop.sales")).isEqualTo(2);
            assertThat(h.scalar("SELECT count(*) FROM shop.sales WHERE discount IS NULL")).isEqualTo(1L);
        }
    }
}
