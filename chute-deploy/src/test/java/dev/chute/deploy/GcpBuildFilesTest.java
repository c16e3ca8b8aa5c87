package dev.chute.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Cloud Build files and prereq.sh of deploy/gcp: they parse, refer to files and Terraform
 * variables that exist, and agree with each other. prereq.sh's waiting is run for real against a
 * scripted {@code gcloud} on PATH that stands in for Google Cloud (unreachable here): it answers
 * the calls the script makes, and shows a grant in the IAM policy only after a few checks.
 */
class GcpBuildFilesTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path DEPLOY = GcpTerraformTest.DEPLOY;
    private static final Pattern SUBSTITUTION = Pattern.compile("(?<!\\$)\\$\\{(_[A-Z0-9_]+)}");

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    private final TerraformConfig terraform = TerraformConfig.parse(DEPLOY);

    @ParameterizedTest
    @ValueSource(strings = {"cloudbuild.yaml", "cloudbuild_destroy.yaml"})
    void cloudBuildFileReferencesWhatExists(String name) throws IOException {
        String text = Files.readString(DEPLOY.resolve(name));
        JsonNode build = yaml.readTree(text);
        assertThat(build.path("steps").isArray()).as("%s has steps", name).isTrue();
        for (JsonNode step : build.path("steps")) {
            assertThat(step.path("name").asText()).as("%s step %s image", name, step.path("id")).isNotBlank();
            if (step.has("dir")) {
                assertThat(ROOT.resolve(step.path("dir").asText())).as("%s step %s dir", name, step.path("id")).isDirectory();
            }
        }
        // every TF_VAR_x is a declared variable
        Set<String> tfVars = new TreeSet<>();
        for (JsonNode env : build.path("options").path("env")) {
            String entry = env.asText();
            if (entry.startsWith("TF_VAR_")) {
                tfVars.add(entry.substring("TF_VAR_".length(), entry.indexOf('=')));
            }
        }
        assertThat(tfVars).isNotEmpty();
        assertThat(terraform.variableNames()).containsAll(tfVars);
        // every user substitution used is declared with a default, and every declared one is used
        Set<String> used = new TreeSet<>();
        Matcher m = SUBSTITUTION.matcher(text.replaceAll("(?m)^#.*$", ""));
        while (m.find()) {
            used.add(m.group(1));
        }
        Set<String> declared = new TreeSet<>();
        build.path("substitutions").fieldNames().forEachRemaining(declared::add);
        assertThat(declared).isEqualTo(used);
        // the same state bucket as prereq.sh makes
        assertThat(text).contains("bucket=${PROJECT_ID}-tf-state");
        assertThat(Files.readString(DEPLOY.resolve("prereq.sh"))).contains("gs://${PROJECT_ID}-tf-state");
    }

    @Test
    void theZipTheBuildMakesIsTheZipTerraformUploads() throws IOException {
        JsonNode build = yaml.readTree(DEPLOY.resolve("cloudbuild.yaml").toFile());
        String script = build.path("steps").get(0).path("args").get(1).asText();
        Matcher zip = Pattern.compile("\\s(\\S+\\.zip)").matcher(script);
        assertThat(zip.find()).as("the build step names the zip").isTrue();
        String fromRoot = zip.group(1);
        TerraformConfig.Block variable = terraform.blocks("variable").filter(b -> b.address().equals("function_source_zip")).findFirst().orElseThrow();
        String fromDeploy = TerraformChecks.literal(variable, "default");
        assertThat(DEPLOY.resolve(fromDeploy).normalize()).isEqualTo(ROOT.resolve(fromRoot).normalize());
        assertThat(fromRoot).isEqualTo("chute-gcp-function/target/chute-gcp-function-function.zip");
        assertThat(script).contains("-pl chute-gcp-function");
    }

    @Test
    void theFunctionModuleTheBuildPackagesExists() {
        assertThat(ROOT.resolve("chute-gcp-function/pom.xml")).isRegularFile();
    }

    @Test
    void prereqScriptIsStrictValidBash(@TempDir Path dir) throws Exception {
        Path script = DEPLOY.resolve("prereq.sh");
        assertThat(Files.readString(script)).contains("set -euo pipefail");
        assertThat(run(List.of("bash", "-n", script.toString()), Map.of()).exit()).isZero();
        // and `bash -n` does reject a broken copy
        Path broken = dir.resolve("prereq.sh");
        Files.writeString(broken, Files.readString(script).replaceFirst("\ndone\n", "\n"));
        assertThat(run(List.of("bash", "-n", broken.toString()), Map.of()).exit()).isNotZero();
    }

    @Test
    void prereqWaitsUntilTheGrantsAreVisible(@TempDir Path dir) throws Exception {
        Result result = runPrereq(dir, 2, "60");
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).contains("waiting", "all grants visible");
        List<String> calls = Files.readAllLines(dir.resolve("calls.log"));
        assertThat(calls).anyMatch(c -> c.contains("--member=serviceAccount:service-123@gs-project-accounts.iam.gserviceaccount.com")
                && c.contains("--role=roles/pubsub.publisher"));
        assertThat(calls).anyMatch(c -> c.contains("--member=serviceAccount:service-123@gcp-sa-eventarc.iam.gserviceaccount.com")
                && c.contains("--role=roles/eventarc.serviceAgent"));
        assertThat(calls).anyMatch(c -> c.contains("--member=serviceAccount:123@cloudbuild.gserviceaccount.com")
                && c.contains("--role=roles/run.admin"));
        assertThat(calls).noneMatch(c -> c.contains("roles/editor") || c.contains("roles/owner"));
        assertThat(calls).anyMatch(c -> c.startsWith("storage buckets create gs://demo-project-tf-state"));
        assertThat(calls.stream().filter(c -> c.startsWith("projects get-iam-policy")).count()).isGreaterThan(3);
    }

    @Test
    void prereqGivesUpWithAClearMessageWhenGrantsNeverShow(@TempDir Path dir) throws Exception {
        Result result = runPrereq(dir, Integer.MAX_VALUE, "3");
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.output())
                .contains("after 3s these grants are still not visible in the IAM policy of demo-project")
                .contains("serviceAccount:service-123@gcp-sa-eventarc.iam.gserviceaccount.com roles/eventarc.serviceAgent")
                .contains("run this script again");
    }

    /** Runs prereq.sh with a scripted gcloud whose IAM policy shows grants after {@code visibleAfter} reads. */
    private Result runPrereq(Path dir, int visibleAfter, String waitSeconds) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path gcloud = bin.resolve("gcloud");
        Files.writeString(gcloud, """
                #!/usr/bin/env bash
                # Stands in for the Google Cloud CLI: records each call, answers what prereq.sh reads.
                echo "$*" >> "%1$s/calls.log"
                case "$1 $2" in
                  "config get-value") echo demo-project ;;
                  "projects describe") echo 123 ;;
                  "builds get-default-service-account") echo "projects/demo-project/serviceAccounts/123@cloudbuild.gserviceaccount.com" ;;
                  "storage buckets") [ "$3" = describe ] && exit 1 ; exit 0 ;;
                  "storage service-agent") echo "service-123@gs-project-accounts.iam.gserviceaccount.com" ;;
                  "projects get-iam-policy")
                    n=$(( $(cat "%1$s/reads" 2>/dev/null || echo 0) + 1 )); echo "$n" > "%1$s/reads"
                    if [ "$n" -gt %2$d ]; then
                      for a in "$@"; do case "$a" in --filter=*) r="${a#--filter=bindings.role=}"; echo "${r%%%% *}" ;; esac; done
                    fi ;;
                esac
                exit 0
                """.formatted(dir, visibleAfter == Integer.MAX_VALUE ? 999999 : visibleAfter * 13));
        gcloud.toFile().setExecutable(true);
        return run(List.of("bash", DEPLOY.resolve("prereq.sh").toString()), Map.of(
                "PATH", bin + ":" + System.getenv("PATH"),
                "GOOGLE_CLOUD_PROJECT", "",
                "PREREQ_WAIT_SECONDS", waitSeconds,
                "PREREQ_POLL_SECONDS", "1"));
    }

    record Result(int exit, String output) {
    }

    private static Result run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
