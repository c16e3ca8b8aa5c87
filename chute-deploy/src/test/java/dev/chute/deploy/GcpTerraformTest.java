package dev.chute.deploy;

import static dev.chute.deploy.TerraformConfig.attribute;
import static dev.chute.deploy.TerraformConfig.nested;
import static org.assertj.core.api.Assertions.assertThat;

import com.bertramlabs.plugins.hcl4j.symbols.HCLBlock;
import com.bertramlabs.plugins.hcl4j.symbols.Symbol;
import dev.chute.deploy.TerraformConfig.Block;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/gcp's Terraform, parsed with hcl4j (no terraform binary or provider can be downloaded
 * here, so nothing is planned or applied): references, variables, least-privilege IAM, the two
 * deploy modes, the archive's lifecycle and retention. Each rule is also shown to catch a broken
 * copy of the configuration.
 */
class GcpTerraformTest {

    static final Path DEPLOY = Path.of("..", "deploy", "gcp").toAbsolutePath().normalize();

    private final TerraformConfig config = TerraformConfig.parse(DEPLOY);

    @Test
    void everyFileParsesIntoTheExpectedResources() {
        assertThat(config.blocks()).extracting(b -> b.file().getFileName().toString()).contains(
                "versions.tf", "variables.tf", "main.tf", "buckets.tf", "bigquery.tf", "iam.tf", "function.tf", "cloudrun.tf", "outputs.tf");
        assertThat(config.blocks("resource").map(Block::address)).contains(
                "google_storage_bucket.upload", "google_storage_bucket.archive", "google_storage_bucket.failed",
                "google_bigquery_dataset.data", "google_bigquery_dataset.ledger", "google_bigquery_table.order_events",
                "google_cloudfunctions2_function.chute", "google_cloud_run_v2_service.chute", "google_eventarc_trigger.chute",
                "google_service_account.runtime", "google_service_account.trigger");
    }

    @Test
    void everyReferenceResolvesAndEveryVariableIsUsed() {
        assertThat(TerraformChecks.unresolvedReferences(config)).isEmpty();
        assertThat(TerraformChecks.unusedVariables(config)).isEmpty();
        // the variables live in variables.tf
        assertThat(config.blocks("variable")).allSatisfy(b -> assertThat(b.file().getFileName()).hasToString("variables.tf"));
    }

    @Test
    void anUndeclaredVariableADanglingResourceAndAnUnusedVariableAreCaught(@TempDir Path dir) throws IOException {
        TerraformConfig broken = copyWith(dir, "broken.tf", """
                variable "never_used" {
                  type        = string
                  description = "declared, used nowhere"
                }
                resource "google_storage_bucket" "extra" {
                  name     = "${var.not_declared}-x"
                  location = google_storage_bucket.nowhere.location
                  labels   = local.missing
                }
                """);
        assertThat(TerraformChecks.unresolvedReferences(broken)).containsExactlyInAnyOrder(
                "broken.tf:6 undeclared variable: var.not_declared",
                "broken.tf:7 undeclared resource: google_storage_bucket.nowhere.location",
                "broken.tf:8 undeclared local value: local.missing");
        assertThat(TerraformChecks.unusedVariables(broken)).containsExactly("never_used");
    }

    @Test
    void iamIsLeastPrivilege() {
        assertThat(TerraformChecks.iamViolations(config)).isEmpty();
        Set<String> grants = TerraformChecks.grants(config);
        assertThat(grants).contains(
                "google_storage_bucket_iam_member roles/storage.objectUser",
                "google_storage_bucket_iam_member roles/storage.objectViewer",
                "google_storage_bucket_iam_member roles/storage.objectCreator",
                "google_bigquery_dataset_iam_member roles/bigquery.dataEditor",
                "google_project_iam_member roles/bigquery.jobUser",
                "google_project_iam_member roles/eventarc.eventReceiver",
                "google_project_iam_member roles/pubsub.publisher",
                "google_cloud_run_v2_service_iam_member roles/run.invoker");
        // the seed's grants are gone
        assertThat(grants).noneMatch(g -> g.contains("storage.admin") || g.contains("bigquery.admin") || g.contains("roles/editor"));
        // the loader may write the data dataset, the ledger dataset and the staging dataset, nothing else
        assertThat(config.resources("google_bigquery_dataset_iam_member")
                .map(b -> TerraformConfig.references(attribute(b.symbol(), "dataset_id").orElseThrow()).get(0).path().subList(0, 2)))
                .containsExactlyInAnyOrder(List.of("google_bigquery_dataset", "data"), List.of("google_bigquery_dataset", "ledger"),
                        List.of("google_bigquery_dataset", "staging"));
        // the archive: read and add, never delete, unless archive_allow_delete
        Set<String> archiveRoles = new TreeSet<>();
        config.resources("google_storage_bucket_iam_member")
                .filter(b -> TerraformConfig.references(attribute(b.symbol(), "bucket").orElseThrow()).get(0).text().startsWith("google_storage_bucket.archive"))
                .forEach(b -> archiveRoles.add(TerraformChecks.literal(b, "role") + " if " + gate(b)));
        assertThat(archiveRoles).containsExactlyInAnyOrder(
                "roles/storage.objectViewer if [var.archive_allow_delete]",
                "roles/storage.objectCreator if [var.archive_allow_delete]",
                "roles/storage.objectUser if [var.archive_allow_delete]");
    }

    @Test
    void projectWideStorageAdminAndOtherSeedGrantsAreCaught(@TempDir Path dir) throws IOException {
        TerraformConfig broken = copyWith(dir, "seed_iam.tf", """
                resource "google_project_iam_member" "storage_admin" {
                  project = var.project_id
                  role    = "roles/storage.admin"
                  member  = local.runtime_member
                }
                resource "google_project_iam_member" "bq_editor" {
                  project = var.project_id
                  role    = "roles/bigquery.dataEditor"
                  member  = local.runtime_member
                }
                resource "google_storage_bucket_iam_binding" "everything" {
                  bucket  = google_storage_bucket.upload.name
                  role    = "roles/storage.objectViewer"
                  members = [local.runtime_member]
                }
                resource "google_storage_bucket_iam_member" "someone_elses" {
                  bucket = "another-teams-bucket"
                  role   = "roles/storage.objectViewer"
                  member = local.runtime_member
                }
                """);
        assertThat(TerraformChecks.iamViolations(broken)).containsExactlyInAnyOrder(
                "seed_iam.tf:1 resource google_project_iam_member.storage_admin: roles/storage.admin at project level",
                "seed_iam.tf:1 resource google_project_iam_member.storage_admin: roles/storage.admin outside a bucket (expected google_storage_bucket_iam_member)",
                "seed_iam.tf:6 resource google_project_iam_member.bq_editor: roles/bigquery.dataEditor outside a dataset (expected google_bigquery_dataset_iam_member)",
                "seed_iam.tf:11 resource google_storage_bucket_iam_binding.everything: authoritative IAM (replaces grants made elsewhere); use *_iam_member",
                "seed_iam.tf:16 resource google_storage_bucket_iam_member.someone_elses: bucket grant on a bucket this configuration does not declare");
    }

    @Test
    void aRoleThatIsNotALiteralCannotSlipPast(@TempDir Path dir) throws IOException {
        TerraformConfig broken = copyWith(dir, "computed_role.tf", """
                resource "google_project_iam_member" "computed" {
                  project = var.project_id
                  role    = "roles/${var.name_prefix}"
                  member  = local.runtime_member
                }
                """);
        assertThat(TerraformChecks.iamViolations(broken)).containsExactly(
                "computed_role.tf:1 resource google_project_iam_member.computed: role is not a literal string, so it cannot be checked");
    }

    @Test
    void eachDeployModeHasItsOwnResources() {
        assertThat(TerraformChecks.gatingViolations(config, "function",
                Set.of("google_cloudfunctions2_function", "google_storage_bucket_object"))).isEmpty();
        assertThat(TerraformChecks.gatingViolations(config, "cloud_run",
                Set.of("google_cloud_run_v2_service", "google_eventarc_trigger"))).isEmpty();
        assertThat(TerraformChecks.gatingViolations(config, "function", List.of(
                config.resource("google_cloud_run_v2_service_iam_member", "trigger_invokes_function").orElseThrow(),
                config.resource("google_service_account", "build").orElseThrow()))).isEmpty();
        assertThat(TerraformChecks.gatingViolations(config, "cloud_run", List.of(
                config.resource("google_cloud_run_v2_service_iam_member", "trigger_invokes_service").orElseThrow()))).isEmpty();
        // deploy_mode accepts exactly the two modes
        Block mode = config.blocks("variable").filter(b -> b.address().equals("deploy_mode")).findFirst().orElseThrow();
        assertThat(TerraformChecks.literal(mode, "default")).isEqualTo("function");
        assertThat(TerraformConfig.stringLiterals(nested(mode.symbol(), "validation").get(0))).contains("function", "cloud_run");
    }

    @Test
    void anUngatedServiceIsCaught(@TempDir Path dir) throws IOException {
        TerraformConfig broken = copyWith(dir, "ungated.tf", """
                resource "google_eventarc_trigger" "always" {
                  name     = "always"
                  location = var.region
                }
                resource "google_eventarc_trigger" "wrong_mode" {
                  count    = local.function_mode ? 1 : 0
                  name     = "wrong"
                  location = var.region
                }
                """);
        assertThat(TerraformChecks.gatingViolations(broken, "cloud_run", Set.of("google_eventarc_trigger")))
                .hasSize(2)
                .anySatisfy(v -> assertThat(v).startsWith("ungated.tf:1 resource google_eventarc_trigger.always: no count"))
                .anySatisfy(v -> assertThat(v).startsWith("ungated.tf:5 resource google_eventarc_trigger.wrong_mode: count is not gated by deploy_mode == \"cloud_run\""));
    }

    @Test
    void archiveLifecycleAndRetentionAreDrivenByVariables() {
        assertThat(archiveLifecycleViolations(config)).isEmpty();
    }

    @Test
    void aHardCodedArchiveAgeIsCaught(@TempDir Path dir) throws IOException {
        copyDeploy(dir);
        Path buckets = dir.resolve("buckets.tf");
        String text = Files.readString(buckets);
        int archive = text.indexOf("resource \"google_storage_bucket\" \"archive\"");
        int firstAge = text.indexOf("age = lifecycle_rule.value", archive);
        Files.writeString(buckets, text.substring(0, firstAge) + "age = 30" + text.substring(firstAge + "age = lifecycle_rule.value".length()));
        assertThat(archiveLifecycleViolations(TerraformConfig.parse(dir)))
                .containsExactly("the SetStorageClass rule's age is not driven by a variable");
    }

    @Test
    void theFunctionFollowsTheSharedInterface() {
        Block function = config.resource("google_cloudfunctions2_function", "chute").orElseThrow();
        HCLBlock build = nested(function.symbol(), "build_config").get(0);
        assertThat(TerraformChecks.literal(build, "runtime")).isEqualTo("java21");
        assertThat(TerraformChecks.literal(build, "entry_point")).isEqualTo("dev.chute.gcp.ChuteFunction");
        HCLBlock trigger = nested(function.symbol(), "event_trigger").get(0);
        assertThat(TerraformChecks.literal(trigger, "event_type")).isEqualTo("google.cloud.storage.object.v1.finalized");
        assertThat(TerraformChecks.literal(trigger, "retry_policy")).isEqualTo("RETRY_POLICY_RETRY");
        assertThat(refs(trigger, "service_account_email")).containsExactly("google_service_account.trigger.email");
        HCLBlock filter = nested(trigger, "event_filters").get(0);
        assertThat(TerraformChecks.literal(filter, "attribute")).isEqualTo("bucket");
        assertThat(refs(filter, "value")).containsExactly("google_storage_bucket.upload.name");

        HCLBlock service = nested(function.symbol(), "service_config").get(0);
        assertThat(refs(service, "service_account_email")).containsExactly("google_service_account.runtime.email");
        assertThat(refs(service, "timeout_seconds")).containsExactly("var.function_timeout_seconds");
        assertThat(refs(service, "available_memory")).containsExactly("var.function_memory");
        assertThat(refs(service, "max_instance_count")).containsExactly("var.function_max_instances");
        assertThat(refs(service, "environment_variables")).containsExactly("local.loader_env");
        Set<String> env = new TreeSet<>();
        TerraformConfig.walk(config.locals().get("loader_env_base"), s -> {
            if (s instanceof com.bertramlabs.plugins.hcl4j.symbols.HCLAttribute a) {
                env.add(a.getName());
            }
        });
        assertThat(env).contains("DW_PROJECT_ID", "GCS_ARCHIVE_BUCKET", "GCS_FAILED_BUCKET", "CHUTE_BQ_LOCATION", "CHUTE_WAIT_LIMIT");
        assertThat(TerraformConfig.references(config.locals().get("loader_env")))
                .extracting(TerraformConfig.Reference::text).contains("var.chute_config_yaml");
    }

    @Test
    void cloudRunModePostsEventsToTheIntakeWithTheTriggersIdentity() {
        Block trigger = config.resource("google_eventarc_trigger", "chute").orElseThrow();
        HCLBlock run = nested(nested(trigger.symbol(), "destination").get(0), "cloud_run_service").get(0);
        assertThat(TerraformChecks.literal(run, "path")).isEqualTo("/api/intake/cloudevents");
        assertThat(refs(run, "service")).containsExactly("google_cloud_run_v2_service.chute.name");
        assertThat(refs(trigger.symbol(), "service_account")).containsExactly("google_service_account.trigger.email");
        assertThat(nested(trigger.symbol(), "matching_criteria")).extracting(m -> TerraformChecks.literal(m, "attribute"))
                .containsExactlyInAnyOrder("type", "bucket");

        Block service = config.resource("google_cloud_run_v2_service", "chute").orElseThrow();
        HCLBlock container = nested(nested(service.symbol(), "template").get(0), "containers").get(0);
        assertThat(refs(container, "image")).containsExactly("var.container_image");
        // `chute up` reads only CHUTE_CONFIG_YAML (and PORT, set by Cloud Run)
        assertThat(nested(container, "env")).extracting(e -> TerraformChecks.literal(e, "name")).containsExactly("CHUTE_CONFIG_YAML");
        // the OIDC audience Chute checks is the URL Eventarc calls, the e-mail the trigger's account
        Set<String> runConfig = TerraformConfig.stringLiterals(config.locals().get("run_config"));
        assertThat(runConfig).contains("gcs", "bigquery", "http", "0.0.0.0");
        assertThat(TerraformConfig.references(config.locals().get("run_config"))).extracting(TerraformConfig.Reference::text)
                .contains("local.intake_audience", "google_service_account.trigger.email");
        assertThat(TerraformConfig.stringLiterals(config.locals().get("intake_audience")))
                .anySatisfy(s -> assertThat(s).endsWith(".run.app/api/intake/cloudevents"));
    }

    @Test
    void orderEventsHasTheSeedsSchemaPartitionedByDayOnActionTime() {
        Block table = config.resource("google_bigquery_table", "order_events").orElseThrow();
        assertThat(TerraformChecks.literal(table, "table_id")).isEqualTo("order_events");
        HCLBlock partitioning = nested(table.symbol(), "time_partitioning").get(0);
        assertThat(TerraformChecks.literal(partitioning, "type")).isEqualTo("DAY");
        assertThat(TerraformChecks.literal(partitioning, "field")).isEqualTo("action_time");
        assertThat(refs(table.symbol(), "clustering")).contains("var.order_events_clustering");
        assertThat(refs(table.symbol(), "schema")).containsExactly("local.order_events_schema");
        assertThat(TerraformConfig.stringLiterals(config.locals().get("order_events_schema")))
                .contains("order_id", "customer_email", "action", "action_time", "STRING", "TIMESTAMP");
        assertThat(refs(table.symbol(), "dataset_id")).containsExactly("google_bigquery_dataset.data.dataset_id");
        Block ledger = config.resource("google_bigquery_dataset", "ledger").orElseThrow();
        assertThat(refs(ledger.symbol(), "dataset_id")).containsExactly("local.ledger_dataset_id");
        Block staging = config.resource("google_bigquery_dataset", "staging").orElseThrow();
        assertThat(refs(staging.symbol(), "dataset_id")).containsExactly("local.staging_dataset_id");
    }

    /** The archive bucket's cold-storage rule, delete rule and retention policy all come from variables. */
    static List<String> archiveLifecycleViolations(TerraformConfig config) {
        Block archive = config.resource("google_storage_bucket", "archive").orElseThrow();
        List<String> out = new java.util.ArrayList<>();
        Set<String> actions = new HashSet<>();
        for (HCLBlock rule : nested(archive.symbol(), "lifecycle_rule")) {
            Symbol content = TerraformConfig.content(rule);
            HCLBlock action = nested(content, "action").get(0);
            HCLBlock condition = nested(content, "condition").get(0);
            String type = TerraformChecks.literal(action, "type");
            actions.add(type);
            if (!TerraformChecks.drivenByVariable(config, rule, condition, "age")) {
                out.add("the " + type + " rule's age is not driven by a variable");
            }
            if ("SetStorageClass".equals(type) && !TerraformChecks.drivenByVariable(config, rule, action, "storage_class")) {
                out.add("the SetStorageClass rule's storage class is not driven by a variable");
            }
        }
        if (!actions.containsAll(Set.of("SetStorageClass", "Delete"))) {
            out.add("expected a SetStorageClass and a Delete lifecycle rule, found " + actions);
        }
        List<HCLBlock> retention = nested(archive.symbol(), "retention_policy");
        if (retention.size() != 1 || !TerraformConfig.isDynamic(retention.get(0))) {
            out.add("expected one optional (dynamic) retention_policy");
        } else {
            Symbol content = TerraformConfig.content(retention.get(0));
            if (!TerraformChecks.drivenByVariable(config, retention.get(0), content, "retention_period")) {
                out.add("retention_period is not driven by a variable");
            }
            if (!TerraformChecks.drivenByVariable(config, retention.get(0), content, "is_locked")) {
                out.add("is_locked is not driven by a variable");
            }
        }
        return out;
    }

    private static List<String> refs(Symbol block, String attributeName) {
        return TerraformConfig.references(attribute(block, attributeName).orElseThrow(
                () -> new AssertionError("no attribute " + attributeName))).stream().map(TerraformConfig.Reference::text).toList();
    }

    private Set<String> gate(Block block) {
        Set<String> variables = new TreeSet<>();
        TerraformChecks.follow(config, attribute(block.symbol(), "count").orElseThrow(), variables, new TreeSet<>(), new HashSet<>());
        return variables;
    }

    static void copyDeploy(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(DEPLOY)) {
            for (Path file : files.toList()) {
                if (Files.isRegularFile(file)) {
                    Files.copy(file, dir.resolve(file.getFileName()));
                }
            }
        }
    }

    private static TerraformConfig copyWith(Path dir, String name, String content) throws IOException {
        copyDeploy(dir);
        Files.writeString(dir.resolve(name), content);
        return TerraformConfig.parse(dir);
    }
}
