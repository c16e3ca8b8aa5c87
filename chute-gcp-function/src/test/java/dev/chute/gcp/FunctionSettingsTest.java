package dev.chute.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.core.ChuteConfig;
import dev.chute.spi.ChuteException;
import dev.chute.spi.TableId;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The function's environment turned into Chute's configuration. */
class FunctionSettingsTest {
    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of("DW_PROJECT_ID", "my-project", "GCS_ARCHIVE_BUCKET", "my-archive"));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void seedVariablesMakeTheGcsStoreAndTheBigQueryWarehouse() {
        ChuteConfig config = FunctionSettings.fromEnvironment(env("CHUTE_BQ_LOCATION", "EU")).config("my-uploads");

        assertThat(config.get(ChuteConfig.STORE_TYPE)).isEqualTo("gcs");
        assertThat(config.storeSettings()).containsEntry("landing", "gs://my-uploads/")
                .containsEntry("archive", "gs://my-archive/archive/").containsEntry("failed", "gs://my-archive/failed/");
        assertThat(config.get(ChuteConfig.WAREHOUSE_TYPE)).isEqualTo("bigquery");
        assertThat(config.warehouseSettings()).containsEntry("project", "my-project").containsEntry("location", "EU");
        assertThat(config.get(ChuteConfig.RETRY_MAX)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void failedBucketKeepsArchivedNamesAtTheArchiveBucketsRoot() {
        ChuteConfig config = FunctionSettings.fromEnvironment(env("GCS_FAILED_BUCKET", "my-failed")).config("my-uploads");

        assertThat(config.storeSettings()).containsEntry("archive", "gs://my-archive/").containsEntry("failed", "gs://my-failed/");
    }

    @Test
    void configYamlAddsTablesAndOverridesKeysOrWholeSectionsOfAnotherType() {
        String yaml = """
                tables:
                  ecommerce.order_events:
                    columns: {order_id: VARCHAR, action_time: TIMESTAMP}
                warehouse:
                  location: asia-northeast1
                retry:
                  max_backoff: 30s
                """;
        ChuteConfig config = FunctionSettings.fromEnvironment(env("CHUTE_CONFIG_YAML", yaml)).config("my-uploads");
        assertThat(config.warehouseSettings()).containsEntry("project", "my-project").containsEntry("location", "asia-northeast1");
        assertThat(config.tables()).containsKey(new TableId("ecommerce", "order_events"));
        assertThat(config.get(ChuteConfig.RETRY_MAX)).isEqualTo(Duration.ofSeconds(30));

        ChuteConfig duck = FunctionSettings.fromEnvironment(env("CHUTE_CONFIG_YAML", "warehouse: {type: duckdb}")).config("my-uploads");
        assertThat(duck.warehouseSettings()).containsOnlyKeys("type");
    }

    @Test
    void missingOrBadVariablesAreNamed() {
        Map<String, String> noArchive = env();
        noArchive.remove("GCS_ARCHIVE_BUCKET");
        assertThatThrownBy(() -> FunctionSettings.fromEnvironment(noArchive)).isInstanceOf(ChuteException.class).hasMessageContaining("GCS_ARCHIVE_BUCKET");

        Map<String, String> noProject = env();
        noProject.remove("DW_PROJECT_ID");
        assertThatThrownBy(() -> FunctionSettings.fromEnvironment(noProject).config("my-uploads")).hasMessageContaining("DW_PROJECT_ID");

        assertThatThrownBy(() -> FunctionSettings.fromEnvironment(env("CHUTE_WAIT_LIMIT", "soon"))).hasMessageContaining("CHUTE_WAIT_LIMIT")
                .hasMessageContaining("'soon'");
        assertThatThrownBy(() -> FunctionSettings.fromEnvironment(env("CHUTE_CONFIG_YAML", "- a list")).config("my-uploads"))
                .hasMessageContaining("CHUTE_CONFIG_YAML").hasMessageContaining("mapping");
    }

    @Test
    void gcsEndpointIsAlsoWhereTheWarehouseReadsCsvHeads() {
        ChuteConfig config = FunctionSettings.fromEnvironment(env("CHUTE_GCS_ENDPOINT", "http://127.0.0.1:9000")).config("my-uploads");
        assertThat(config.storeSettings()).containsEntry("endpoint", "http://127.0.0.1:9000");
        assertThat(config.warehouseSettings()).containsEntry("storage_endpoint", "http://127.0.0.1:9000");

        // the store's endpoint given in CHUTE_CONFIG_YAML is followed too; the warehouse's own setting wins
        ChuteConfig yaml = FunctionSettings.fromEnvironment(env("CHUTE_CONFIG_YAML", "store: {endpoint: 'http://127.0.0.1:9001'}")).config("my-uploads");
        assertThat(yaml.warehouseSettings()).containsEntry("storage_endpoint", "http://127.0.0.1:9001");
        ChuteConfig own = FunctionSettings.fromEnvironment(env("CHUTE_GCS_ENDPOINT", "http://127.0.0.1:9000",
                "CHUTE_CONFIG_YAML", "warehouse: {storage_endpoint: 'http://127.0.0.1:9002'}")).config("my-uploads");
        assertThat(own.warehouseSettings()).containsEntry("storage_endpoint", "http://127.0.0.1:9002");

        assertThat(FunctionSettings.fromEnvironment(env()).config("my-uploads").warehouseSettings()).doesNotContainKey("storage_endpoint");
    }
}
