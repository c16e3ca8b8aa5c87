package dev.chute.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.bertramlabs.plugins.hcl4j.HCLParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chute.bigquery.BigQuerySettings;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PushEventSource;
import dev.chute.gcp.FunctionSettings;
import dev.chute.gcs.GcsStoreSettings;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.TableId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/gcp's Terraform against the code that reads what it sets: the Cloud Run service's
 * chute.yaml against {@link ChuteConfig} and the connectors' own validation, the function's
 * environment against {@link FunctionSettings}, the datasets against the BigQuery warehouse's
 * names. hcl4j evaluates {@code main.tf}'s locals with each reference left as its text
 * ({@code var.project_id}); the test puts a sample value in its place, and fails on any reference
 * it does not know, so a new one is looked at rather than passed through.
 */
class GcpConfigConsistencyTest {
    private static final Path MAIN = GcpTerraformTest.DEPLOY.resolve("main.tf");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern UNKNOWN_REFERENCE = Pattern.compile("\\b(var|local|data|google_[a-z0-9_]+)\\.[a-z_]");

    /** Sample values for the references of main.tf's locals, longest first so that none shadows another. */
    private static final Map<String, String> SAMPLES = new LinkedHashMap<>();

    static {
        SAMPLES.put("google_service_account.trigger.email", "chute-trigger@chute-demo-1.iam.gserviceaccount.com");
        SAMPLES.put("google_storage_bucket.archive.name", "chute-demo-1-chute-archive");
        SAMPLES.put("google_storage_bucket.failed.name", "chute-demo-1-chute-failed");
        SAMPLES.put("google_storage_bucket.upload.name", "chute-demo-1-chute-upload");
        SAMPLES.put("data.google_project.this.number", "123456789012");
        SAMPLES.put("local.run_service_name", "chute-service");
        SAMPLES.put("local.intake_audience", "https://chute-service-123456789012.europe-west1.run.app/api/intake/cloudevents");
        SAMPLES.put("var.project_id", "chute-demo-1");
        SAMPLES.put("var.bq_location", "EU");
        SAMPLES.put("var.name_prefix", "chute");
        SAMPLES.put("var.region", "europe-west1");
    }

    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> locals() throws Exception {
        Map<String, Object> parsed = new HCLParser().parse(MAIN.toFile(), "UTF-8");
        return (Map<String, Object>) parsed.get("locals");
    }

    @SuppressWarnings("unchecked")
    private static Object withSamples(Object value, Map<String, String> samples) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) map).forEach((k, v) -> out.put(k, withSamples(v, samples)));
            return out;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(v -> withSamples(v, samples)).toList();
        }
        if (value != null && !(value instanceof Number) && !(value instanceof Boolean)) {
            // a string, or a reference hcl4j could not resolve, which prints as its text
            String text = value.toString();
            for (Map.Entry<String, String> e : samples.entrySet()) {
                text = text.replace(e.getKey(), e.getValue());
            }
            Matcher unknown = UNKNOWN_REFERENCE.matcher(text);
            if (unknown.find()) {
                throw new AssertionError("main.tf: no sample value for the reference in '" + text + "'; add one to SAMPLES");
            }
            return text;
        }
        return value;
    }

    @Test
    void cloudRunChuteYamlParsesAndItsSectionsPassTheConnectorsValidation() throws Exception {
        String yaml = YAML.writeValueAsString(withSamples(locals().get("run_config"), SAMPLES));
        ChuteConfig config = ChuteConfig.parse(yaml, "main.tf local.run_config");

        assertThat(config.get(ChuteConfig.STORE_TYPE)).isEqualTo("gcs");
        assertThat(config.storeSettings().keySet()).filteredOn(k -> !k.equals("type")).isSubsetOf(GcsStoreSettings.KEYS);
        GcsStoreSettings store = GcsStoreSettings.from(new ConnectorContext(dir, config.storeSettings()));
        assertThat(store.toString()).contains("chute-demo-1-chute-upload", "chute-demo-1-chute-archive", "chute-demo-1-chute-failed");

        assertThat(config.get(ChuteConfig.WAREHOUSE_TYPE)).isEqualTo("bigquery");
        assertThat(config.warehouseSettings().keySet()).filteredOn(k -> !k.equals("type")).isSubsetOf(BigQuerySettings.KEYS);
        BigQuerySettings warehouse = BigQuerySettings.from(new ConnectorContext(dir, config.warehouseSettings()));
        assertThat(warehouse.project()).contains("chute-demo-1");
        assertThat(warehouse.location()).isEqualTo("EU");

        assertThat(config.events()).singleElement().satisfies(e -> {
            assertThat(e.get("type")).isEqualTo("http");
            assertThat(e.keySet()).filteredOn(k -> !k.equals("type")).isSubsetOf(PushEventSource.KEYS);
            assertThat(e.get("oidc_audience")).endsWith(".run.app/api/intake/cloudevents");
        });
        assertThat(config.get(ChuteConfig.SERVER_BIND)).isEqualTo("0.0.0.0");
    }

    @Test
    void aKeyTheConnectorsDoNotKnowAndAReferenceWithoutASampleAreCaught() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> runConfig = (Map<String, Object>) withSamples(locals().get("run_config"), SAMPLES);
        @SuppressWarnings("unchecked")
        Map<String, Object> warehouseSection = new LinkedHashMap<>((Map<String, Object>) runConfig.get("warehouse"));
        // a guess named like the Terraform variable instead of the warehouse's key
        warehouseSection.put("bq_location", "EU");
        Map<String, Object> broken = new LinkedHashMap<>(runConfig);
        broken.put("warehouse", warehouseSection);
        ChuteConfig config = ChuteConfig.parse(YAML.writeValueAsString(broken), "broken");
        assertThatThrownBy(() -> assertThat(config.warehouseSettings().keySet()).filteredOn(k -> !k.equals("type")).isSubsetOf(BigQuerySettings.KEYS))
                .isInstanceOf(AssertionError.class).hasMessageContaining("bq_location");
        assertThatThrownBy(() -> withSamples(Map.of("archive", "gs://var.archive_bucket_name/"), SAMPLES))
                .isInstanceOf(AssertionError.class).hasMessageContaining("no sample value");
    }

    @Test
    void everyFunctionVariableIsOneFunctionSettingsReads() throws Exception {
        // at 300 s the wait limit (266 s) differs from FunctionSettings' default (8m), so dropping it shows
        Map<String, String> env = functionEnvironment(300);
        assertThat(env).containsKeys("DW_PROJECT_ID", "GCS_ARCHIVE_BUCKET", "GCS_FAILED_BUCKET", "CHUTE_BQ_LOCATION", "CHUTE_WAIT_LIMIT");
        FunctionSettings full = FunctionSettings.fromEnvironment(env);
        ChuteConfig config = full.config("chute-demo-1-chute-upload");
        assertThat(config.warehouseSettings()).containsEntry("project", "chute-demo-1").containsEntry("location", "EU");
        assertThat(config.storeSettings()).containsEntry("archive", "gs://chute-demo-1-chute-archive/").containsEntry("failed", "gs://chute-demo-1-chute-failed/");
        // each variable matters: without it the settings differ, or are refused naming it
        for (String name : env.keySet()) {
            Map<String, String> without = new HashMap<>(env);
            without.remove(name);
            FunctionSettings less;
            try {
                less = FunctionSettings.fromEnvironment(without);
            } catch (ChuteException e) {
                assertThat(e.getMessage()).as(name).contains(name);
                continue;
            }
            assertThat(less).as("FunctionSettings ignores " + name).isNotEqualTo(full);
        }
        // CHUTE_CONFIG_YAML is added from chute_config_yaml when set
        assertThat(TerraformConfig.references(TerraformConfig.parse(GcpTerraformTest.DEPLOY).locals().get("loader_env")))
                .extracting(TerraformConfig.Reference::text).contains("var.chute_config_yaml");
        Map<String, String> withYaml = new HashMap<>(env);
        withYaml.put("CHUTE_CONFIG_YAML", "tables:\n  ecommerce.order_events:\n    format: csv\n");
        assertThat(FunctionSettings.fromEnvironment(withYaml).config("u").tableSpec(TableId.parse("ecommerce.order_events")).format()).isPresent();
    }

    @Test
    void theWaitLimitIsBelowTheFunctionsTimeoutAcrossItsRange() throws Exception {
        for (int timeout : new int[] {60, 61, 300, 539, 540}) {
            Duration wait = FunctionSettings.fromEnvironment(functionEnvironment(timeout)).waitLimit();
            assertThat(wait).as("timeout " + timeout + " s").isPositive().isLessThan(Duration.ofSeconds(timeout));
        }
        // the range the formula is checked over is the variable's validation
        String variables = Files.readString(GcpTerraformTest.DEPLOY.resolve("variables.tf"));
        assertThat(variables).contains("var.function_timeout_seconds >= 60 && var.function_timeout_seconds <= 540");
    }

    @Test
    void theLedgerAndStagingDatasetsAreTheWarehousesNames() throws Exception {
        Map<String, Object> locals = locals();
        assertThat(locals.get("ledger_dataset_id")).isEqualTo(TableId.RESERVED_DATASET);
        assertThat(locals.get("staging_dataset_id")).isEqualTo(BigQuerySettings.from(new ConnectorContext(dir, Map.of())).stagingDataset());
    }

    /**
     * The function's environment for a timeout: loader_env_base with sample values; the wait limit's
     * {@code floor(var.function_timeout_seconds * a / b)} is computed from the formula in main.tf.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, String> functionEnvironment(int timeoutSeconds) throws Exception {
        String main = Files.readString(MAIN);
        Matcher formula = Pattern.compile("function_wait_limit_seconds\\s*=\\s*floor\\(var\\.function_timeout_seconds \\* (\\d+) / (\\d+)\\)").matcher(main);
        assertThat(formula.find()).as("main.tf: function_wait_limit_seconds = floor(var.function_timeout_seconds * a / b)").isTrue();
        long waitSeconds = (long) Math.floor(timeoutSeconds * Double.parseDouble(formula.group(1)) / Double.parseDouble(formula.group(2)));
        Map<String, String> samples = new LinkedHashMap<>(SAMPLES);
        samples.put("local.function_wait_limit_seconds", Long.toString(waitSeconds));
        Map<String, String> env = new LinkedHashMap<>();
        ((Map<String, Object>) withSamples(locals().get("loader_env_base"), samples)).forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }
}
