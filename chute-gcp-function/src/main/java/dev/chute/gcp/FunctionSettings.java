package dev.chute.gcp;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chute.core.ChuteConfig;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * The function's configuration, read from its environment once per instance.
 *
 * <ul>
 *   <li>{@code DW_PROJECT_ID} (required with the BigQuery warehouse): the BigQuery project;</li>
 *   <li>{@code GCS_ARCHIVE_BUCKET} (required): where loaded objects go, under their own names;</li>
 *   <li>{@code GCS_FAILED_BUCKET}: where failed objects go with {@code <name>.error.json}; without
 *       it, prefix {@code failed/} of the archive bucket, and then the archived objects go under
 *       {@code archive/} there (the two areas may not overlap: a dataset may be called
 *       {@code failed});</li>
 *   <li>{@code CHUTE_BQ_LOCATION} (default {@code US}): the location of the datasets Chute creates;</li>
 *   <li>{@code CHUTE_CONFIG_YAML}: more {@code chute.yaml} (tables, routes, retry, or other
 *       {@code store:}/{@code warehouse:} keys); a section given there wins over the one made from
 *       the variables, key by key, or whole when it names another {@code type};</li>
 *   <li>{@code CHUTE_WAIT_LIMIT} (default {@code 8m}): how long one invocation waits for its object
 *       before it fails and lets Eventarc deliver the event again; keep it below the function's
 *       timeout;</li>
 *   <li>{@code CHUTE_HOME} (default {@code <tmp>/chute-function}): local state (staged files);</li>
 *   <li>{@code CHUTE_GCS_ENDPOINT}, {@code CHUTE_BQ_ENDPOINT}: other API endpoints, for emulators and
 *       the tests' contract servers (a plain {@code http} endpoint is reached without credentials);
 *       the store's Cloud Storage endpoint is also the one the BigQuery warehouse reads CSV heads from.</li>
 * </ul>
 * The landing bucket is not configured: it is the bucket of the first event the instance receives
 * (the trigger's bucket); objects are {@code <dataset>/<table>/<file>} as in {@code chute up}.
 */
public record FunctionSettings(Optional<String> project, String archiveBucket, Optional<String> failedBucket, String location,
                               Optional<String> extraYaml, Duration waitLimit, Path home, Optional<String> gcsEndpoint,
                               Optional<String> bqEndpoint) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public FunctionSettings {
        requireNonNull(project, "project is null");
        requireNonNull(archiveBucket, "archiveBucket is null");
        requireNonNull(failedBucket, "failedBucket is null");
        requireNonNull(location, "location is null");
        requireNonNull(extraYaml, "extraYaml is null");
        requireNonNull(waitLimit, "waitLimit is null");
        requireNonNull(home, "home is null");
        requireNonNull(gcsEndpoint, "gcsEndpoint is null");
        requireNonNull(bqEndpoint, "bqEndpoint is null");
    }

    /** Reads the variables; a missing required one fails naming it and what it is for. */
    public static FunctionSettings fromEnvironment(Map<String, String> env) {
        String archive = value(env, "GCS_ARCHIVE_BUCKET").orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION,
                "environment variable GCS_ARCHIVE_BUCKET is missing; expected the name of the bucket loaded objects are archived to"));
        Duration wait;
        String waitText = value(env, "CHUTE_WAIT_LIMIT").orElse("8m");
        try {
            wait = ChuteConfig.RETRY_MAX.parse(waitText);
        } catch (ChuteException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "environment variable CHUTE_WAIT_LIMIT has value '" + waitText
                    + "'; expected a duration such as 500s or 8m");
        }
        if (wait.isZero()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "environment variable CHUTE_WAIT_LIMIT has value '" + waitText + "'; expected a duration above 0");
        }
        Path home = value(env, "CHUTE_HOME").map(Path::of).orElse(Path.of(System.getProperty("java.io.tmpdir"), "chute-function"));
        return new FunctionSettings(value(env, "DW_PROJECT_ID"), archive, value(env, "GCS_FAILED_BUCKET"),
                value(env, "CHUTE_BQ_LOCATION").orElse("US"), value(env, "CHUTE_CONFIG_YAML"), wait, home.toAbsolutePath(),
                value(env, "CHUTE_GCS_ENDPOINT"), value(env, "CHUTE_BQ_ENDPOINT"));
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(v -> !v.isEmpty());
    }

    /**
     * The engine's configuration for an upload bucket: the GCS store on that bucket with the archive
     * and failed areas, the BigQuery warehouse, then {@code CHUTE_CONFIG_YAML} over them.
     */
    public ChuteConfig config(String landingBucket) {
        requireNonNull(landingBucket, "landingBucket is null");
        ObjectNode root = YAML.createObjectNode();
        ObjectNode store = root.putObject("store");
        store.put("type", "gcs");
        store.put("landing", "gs://" + landingBucket + "/");
        if (failedBucket.isPresent()) {
            store.put("archive", "gs://" + archiveBucket + "/");
            store.put("failed", "gs://" + failedBucket.get() + "/");
        } else {
            store.put("archive", "gs://" + archiveBucket + "/archive/");
            store.put("failed", "gs://" + archiveBucket + "/failed/");
        }
        gcsEndpoint.ifPresent(e -> store.put("endpoint", e));
        ObjectNode warehouse = root.putObject("warehouse");
        warehouse.put("type", "bigquery");
        project.ifPresent(p -> warehouse.put("project", p));
        warehouse.put("location", location);
        bqEndpoint.ifPresent(e -> warehouse.put("endpoint", e));
        // Eventarc retries with its own backoff; the engine's own retries only bridge short blips
        root.putObject("retry").put("initial_backoff", "200ms").put("max_backoff", "10s");
        if (extraYaml.isPresent()) {
            merge(root, parseExtra(extraYaml.get()));
        }
        JsonNode storeSection = root.path("store");
        if (root.path("warehouse") instanceof ObjectNode bq && bq.path("type").asText().equals("bigquery") && storeSection.path("type").asText().equals("gcs")
                && storeSection.has("endpoint") && !bq.has("storage_endpoint")) {
            // the warehouse reads the first line of CSV objects (header detection) from the store's Cloud Storage: one knob for both
            bq.put("storage_endpoint", storeSection.path("endpoint").asText());
        }
        if (root.path("warehouse").path("type").asText().equals("bigquery") && !root.path("warehouse").has("project")) {
            throw new ChuteException(ErrorCode.CONFIGURATION,
                    "environment variable DW_PROJECT_ID is missing; expected the Google Cloud project of the BigQuery datasets Chute loads into");
        }
        try {
            return ChuteConfig.parse(YAML.writeValueAsString(root), "the function's environment (CHUTE_CONFIG_YAML and the variables)");
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.INTERNAL, "cannot write the function's configuration: " + e.getMessage(), e);
        }
    }

    private static ObjectNode parseExtra(String text) {
        JsonNode extra;
        try {
            extra = YAML.readTree(text);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "environment variable CHUTE_CONFIG_YAML is not valid YAML: " + e.getMessage());
        }
        if (extra == null || extra.isMissingNode() || extra.isNull()) {
            return YAML.createObjectNode();
        }
        if (!extra.isObject()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "environment variable CHUTE_CONFIG_YAML: expected a mapping of chute.yaml sections, found "
                    + extra.getNodeType());
        }
        return (ObjectNode) extra;
    }

    /** Sections of {@code extra} over {@code base}: mappings key by key, a store or warehouse of another type whole. */
    private static void merge(ObjectNode base, ObjectNode extra) {
        for (Iterator<Map.Entry<String, JsonNode>> it = extra.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> section = it.next();
            JsonNode mine = base.get(section.getKey());
            JsonNode theirs = section.getValue();
            boolean otherType = theirs.has("type") && mine != null && !theirs.path("type").asText().equals(mine.path("type").asText());
            if (mine instanceof ObjectNode target && theirs.isObject() && !otherType) {
                target.setAll((ObjectNode) theirs);
            } else {
                base.set(section.getKey(), theirs);
            }
        }
    }
}
