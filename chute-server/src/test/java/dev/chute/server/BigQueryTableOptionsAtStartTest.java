package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListener;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.testkit.bigquery.BigQueryContractServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 5, "parity, never silence": a table option the BigQuery warehouse cannot honour
 * ({@code on_overwrite: replace}, {@code on_type_conflict: widen}, {@code max_bad_rows} above 0, an escape
 * character, {@code encoding: utf-16}) stops Chute from opening with a {@link ErrorCode#CONFIGURATION} error
 * (exit 2 in the CLI) naming the key path (and so the table), the value, the warehouse and what it supports;
 * before, BigQuery loaded such tables with the option silently ignored. Through {@link Chute#open}, which
 * every command and {@code chute doctor} use, against {@link BigQueryContractServer} (the check itself
 * makes no call).
 */
class BigQueryTableOptionsAtStartTest {
    private static final String PROJECT = "chute-options-test";

    @TempDir
    Path home;
    BigQueryContractServer bigquery;

    @BeforeEach
    void start() {
        bigquery = BigQueryContractServer.start(PROJECT);
    }

    @AfterEach
    void stop() {
        bigquery.close();
    }

    private ChuteConfig config(String tables) {
        return ChuteConfig.parse("""
                warehouse:
                  type: bigquery
                  project: %s
                  endpoint: %s
                """.formatted(PROJECT, bigquery.endpoint()) + tables, "chute.yaml");
    }

    private void refused(String tables, String message) {
        ChuteConfig config = config(tables);
        for (boolean run : new boolean[] {false, true}) {
            assertThatThrownBy(() -> Chute.open(home, config, run, PipelineListener.NONE).close())
                    .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                    .hasMessageStartingWith(message);
        }
    }

    @Test
    void eachOptionBigQueryCannotHonourStopsTheStartNamingKeyTableAndWarehouse() {
        refused("""
                tables:
                  shop.orders:
                    on_type_conflict: widen
                """, "configuration key 'tables.shop.orders.on_type_conflict': 'widen' is not supported on warehouse bigquery (supported: fail): ");
        refused("""
                tables:
                  shop.orders:
                    on_overwrite: replace
                """, "configuration key 'tables.shop.orders.on_overwrite': 'replace' is not supported on warehouse bigquery (supported: append): ");
        refused("""
                tables:
                  shop.orders:
                    max_bad_rows: 5
                """, "configuration key 'tables.shop.orders.max_bad_rows': '5' is not supported on warehouse bigquery (supported: 0): ");
        refused("""
                tables:
                  shop.orders:
                    encoding: UTF16
                """, "configuration key 'tables.shop.orders.encoding': 'utf-16' is not supported on warehouse bigquery (supported: utf-8, latin-1): ");
        refused("""
                tables:
                  shop.orders:
                    escape: '\\'
                """, "configuration key 'tables.shop.orders.escape': '\\' is not supported on warehouse bigquery (supported: auto, none, \"): ");
        refused("""
                routes:
                  - match: 'sales/*.csv'
                    table: shop.sales
                    on_type_conflict: widen
                """, "configuration key 'routes[0].on_type_conflict': 'widen' is not supported on warehouse bigquery (supported: fail): ");
    }

    @Test
    void everyUnsupportedOptionIsNamedAtOnceWithWhatToDo() {
        ChuteConfig config = config("""
                tables:
                  shop.orders:
                    on_type_conflict: widen
                    max_bad_rows: 3
                """);
        assertThatThrownBy(() -> Chute.open(home, config, false, PipelineListener.NONE).close())
                .hasMessageContaining("'tables.shop.orders.on_type_conflict'")
                .hasMessageContaining("'tables.shop.orders.max_bad_rows'")
                .hasMessageContaining("skips")
                .hasMessageContaining("remove the key")
                .hasMessageContaining("duckdb or postgres");
    }

    @Test
    void supportedValuesAndDefaultsOpen() {
        ChuteConfig config = config("""
                tables:
                  shop.orders:
                    on_overwrite: append
                    on_type_conflict: fail
                    max_bad_rows: 0
                    encoding: iso-8859-1
                    escape: none
                  shop.plain: {}
                """);
        try (Chute chute = Chute.open(home, config, false, PipelineListener.NONE)) {
            assertThat(chute.warehouse().describe()).contains("bigquery");
        }
    }
}
