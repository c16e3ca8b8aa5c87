package dev.chute.gcs;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ConnectorKey;
import dev.chute.spi.ErrorCode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code store:} section for {@code type: gcs}, validated.
 *
 * <ul>
 *   <li>{@code landing} (required): {@code gs://bucket/prefix/} where producers upload;</li>
 *   <li>{@code archive}, {@code failed}: {@code gs://bucket/prefix/}; by default {@code archive/}
 *       and {@code failed/} beside the landing prefix in the landing bucket. No area may lie inside
 *       another (listing landing would otherwise find archived objects);</li>
 *   <li>{@code project}: the Google Cloud project to bill and report against; by default the one
 *       of the credentials or the environment;</li>
 *   <li>{@code endpoint}: {@code scheme://host[:port]} instead of {@code https://storage.googleapis.com},
 *       for emulators, test servers and private endpoints. A plain {@code http} endpoint is
 *       reached without credentials (tokens are never sent in clear text); otherwise Application
 *       Default Credentials are used.</li>
 * </ul>
 */
public record GcsStoreSettings(GcsLocation landing, GcsLocation archive, GcsLocation failed, Optional<String> project, Optional<URI> endpoint) {
    /** The keys of the section besides {@code type}. */
    static final ConnectorKey<String> LANDING = ConnectorKey.text("landing", "gs://bucket/prefix/", Optional.empty(), "where producers upload (required)");
    static final ConnectorKey<String> ARCHIVE = ConnectorKey.text("archive", "gs://bucket/prefix/", Optional.empty(),
            "where loaded objects go; by default archive/ beside the landing prefix");
    static final ConnectorKey<String> FAILED = ConnectorKey.text("failed", "gs://bucket/prefix/", Optional.empty(),
            "where failed objects go; by default failed/ beside the landing prefix");
    static final ConnectorKey<String> PROJECT_KEY = ConnectorKey.text("project", "a project id", Optional.empty(),
            "the Google Cloud project to bill and report against; by default the credentials' or the environment's");
    static final ConnectorKey<String> ENDPOINT = ConnectorKey.text("endpoint", "http://host:port or https://host[:port] without a path", Optional.empty(),
            "scheme://host[:port] instead of https://storage.googleapis.com");
    /** Every key of the section besides {@code type}, declared once. */
    static final List<ConnectorKey<?>> DECLARED = List.of(LANDING, ARCHIVE, FAILED, PROJECT_KEY, ENDPOINT);
    public static final Set<String> KEYS = ConnectorKey.names(DECLARED);

    // project ids: 6-30 characters; older projects may carry a domain prefix ("example.com:my-project")
    private static final Pattern PROJECT = Pattern.compile("([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]");

    public GcsStoreSettings {
        requireNonNull(landing, "landing is null");
        requireNonNull(archive, "archive is null");
        requireNonNull(failed, "failed is null");
        requireNonNull(project, "project is null");
        requireNonNull(endpoint, "endpoint is null");
        Map<String, GcsLocation> areas = Map.of("landing", landing, "archive", archive, "failed", failed);
        for (List<String> pair : List.of(List.of("landing", "archive"), List.of("landing", "failed"), List.of("archive", "failed"))) {
            GcsLocation a = areas.get(pair.get(0));
            GcsLocation b = areas.get(pair.get(1));
            if (a.overlaps(b)) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "configuration keys 'store." + pair.get(0) + "' (" + a + ") and 'store." + pair.get(1) + "' (" + b
                        + ") overlap; expected separate prefixes, such as gs://" + landing.bucket() + "/landing/, gs://" + landing.bucket() + "/archive/ and gs://"
                        + landing.bucket() + "/failed/, or separate buckets");
            }
        }
    }

    /** Reads and validates the section; errors name the key, the value and what is allowed. */
    public static GcsStoreSettings from(ConnectorContext context) {
        context.requireKnown("store", KEYS);
        GcsLocation landing = GcsLocation.parse("store.landing", context.value("store", LANDING).orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION,
                "configuration key 'store.landing' is missing; store.type gcs needs the landing area as gs://bucket/prefix/")));
        String parent = parentPrefix(landing.prefix());
        GcsLocation archive = context.value("store", ARCHIVE).map(v -> GcsLocation.parse("store.archive", v))
                .orElse(new GcsLocation(landing.bucket(), parent + "archive/"));
        GcsLocation failed = context.value("store", FAILED).map(v -> GcsLocation.parse("store.failed", v))
                .orElse(new GcsLocation(landing.bucket(), parent + "failed/"));
        Optional<String> project = context.value("store", PROJECT_KEY).filter(p -> !p.isEmpty());
        if (project.isPresent() && !PROJECT.matcher(project.get()).matches()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'store.project' has value '" + project.get()
                    + "'; expected a project id: 6-30 lower-case letters, digits and hyphens, starting with a letter");
        }
        Optional<URI> endpoint = context.value("store", ENDPOINT).filter(e -> !e.isEmpty()).map(GcsStoreSettings::endpoint);
        return new GcsStoreSettings(landing, archive, failed, project, endpoint);
    }

    /** {@code a/b/landing/} -> {@code a/b/}; {@code landing/} and the bucket root -> empty. */
    private static String parentPrefix(String prefix) {
        if (prefix.isEmpty()) {
            return "";
        }
        int slash = prefix.lastIndexOf('/', prefix.length() - 2);
        return slash < 0 ? "" : prefix.substring(0, slash + 1);
    }

    private static URI endpoint(String value) {
        String expected = "; expected http://host:port or https://host[:port] without a path";
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'store.endpoint' has value '" + value + "'" + expected);
        }
        boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
        boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")) && uri.getRawQuery() == null
                && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
        if (!web || uri.getHost() == null || !bare) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'store.endpoint' has value '" + value + "'" + expected);
        }
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
    }

    /** Whether the endpoint is plain HTTP (an emulator or a test server), reached without credentials. */
    public boolean anonymous() {
        return endpoint.map(e -> e.getScheme().equals("http")).orElse(false);
    }
}
