package dev.chute.s3;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code store:} section for {@code type: s3}. Each key is declared here once:
 *
 * <ul>
 *   <li>{@code landing} (required): {@code s3://bucket/prefix/} where producers put files.
 *   <li>{@code archive}, {@code failed}: {@code s3://bucket/prefix/}; by default the folders
 *       {@code archive/} and {@code failed/} beside the landing prefix in the landing bucket. The
 *       three areas may share a bucket, but none may lie inside another.
 *   <li>{@code endpoint}: the S3 API's base URL for S3-compatible stores (MinIO, Ceph, GCS's XML
 *       API); empty for AWS S3.
 *   <li>{@code region}: the signing region, default {@code us-east-1}.
 *   <li>{@code path_style}: {@code true} for {@code https://host/bucket/key} URLs (MinIO, most
 *       self-hosted stores), default {@code false} (virtual-hosted {@code https://bucket.host/key}).
 *   <li>{@code checksums}: {@code when_supported} (default: the SDK sends and checks CRC checksums
 *       on every request that allows them, and stats ask for stored checksums with
 *       {@code x-amz-checksum-mode}) or {@code when_required} (only where the API demands one, and
 *       no {@code x-amz-checksum-mode}: for stores that reject the SDK's newer checksum headers,
 *       such as S3Proxy and some older S3-compatible servers).
 *   <li>{@code etag_checksums}: {@code true} (default) to take a single-part upload's ETag as
 *       its MD5; {@code false} where ETags are not MD5s (SSE-KMS or SSE-C encrypted buckets),
 *       so content checksums are read from checksum headers or computed.
 * </ul>
 *
 * Credentials are never configured here: the SDK's default chain finds them (the
 * {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY} environment variables, the
 * {@code aws.accessKeyId}/{@code aws.secretAccessKey} system properties, a profile in
 * {@code ~/.aws}, web identity, or the instance or container role).
 */
public record S3Settings(S3Location landing, S3Location archive, S3Location failed, Optional<URI> endpoint, String region,
                         boolean pathStyle, Checksums checksums, boolean etagChecksums) {
    public static final Set<String> KEYS = Set.of("landing", "archive", "failed", "endpoint", "region", "path_style", "checksums", "etag_checksums");

    /** When the SDK computes request checksums and validates response checksums. */
    public enum Checksums {
        WHEN_SUPPORTED, WHEN_REQUIRED
    }

    public S3Settings {
        requireNonNull(landing, "landing is null");
        requireNonNull(archive, "archive is null");
        requireNonNull(failed, "failed is null");
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(region, "region is null");
        requireNonNull(checksums, "checksums is null");
        Map<String, S3Location> areas = new java.util.LinkedHashMap<>();
        areas.put("landing", landing);
        areas.put("archive", archive);
        areas.put("failed", failed);
        List<String> names = List.copyOf(areas.keySet());
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                S3Location a = areas.get(names.get(i));
                S3Location b = areas.get(names.get(j));
                if (a.overlaps(b)) {
                    throw new ChuteException(ErrorCode.CONFIGURATION, "store." + names.get(i) + " (" + a + ") and store." + names.get(j) + " (" + b
                            + ") overlap: one lies inside the other, so listing one would list the other's objects; expected separate prefixes such as s3://"
                            + a.bucket() + "/landing/ and s3://" + a.bucket() + "/archive/, or separate buckets");
                }
            }
        }
    }

    /** Reads and validates the section; errors name the key, the value and what is allowed. */
    public static S3Settings from(ConnectorContext context) {
        context.requireKnown("store", KEYS);
        S3Location landing = S3Location.parse("store.landing", context.setting("landing").orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION,
                "configuration key 'store.landing' is missing; expected s3://bucket/prefix/ where producers put files")));
        S3Location archive = area(context, "archive", landing);
        S3Location failed = area(context, "failed", landing);
        Optional<URI> endpoint = context.setting("endpoint").filter(s -> !s.isBlank()).map(S3Settings::endpoint);
        String region = context.setting("region").orElse("us-east-1");
        if (region.isBlank() || !region.matches("[a-z0-9-]+")) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'store.region' has value '" + region + "'; expected a region name such as us-east-1");
        }
        boolean pathStyle = context.bool("store", "path_style", false);
        String checksumsText = context.setting("checksums").orElse("when_supported");
        Checksums checksums = switch (checksumsText.toLowerCase(Locale.ROOT)) {
            case "when_supported" -> Checksums.WHEN_SUPPORTED;
            case "when_required" -> Checksums.WHEN_REQUIRED;
            default -> throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'store.checksums' has value '" + checksumsText
                    + "'; expected when_supported or when_required");
        };
        return new S3Settings(landing, archive, failed, endpoint, region, pathStyle, checksums, context.bool("store", "etag_checksums", true));
    }

    private static S3Location area(ConnectorContext context, String name, S3Location landing) {
        Optional<String> text = context.setting(name);
        if (text.isPresent()) {
            return S3Location.parse("store." + name, text.get());
        }
        if (landing.prefix().isEmpty()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'store." + name + "' is missing: store.landing (" + landing
                    + ") is a whole bucket, so the default " + name + "/ folder would lie inside it; expected s3://another-bucket/" + name + "/");
        }
        String parent = landing.prefix().substring(0, landing.prefix().length() - 1);
        int slash = parent.lastIndexOf('/');
        return new S3Location(landing.bucket(), (slash < 0 ? "" : parent.substring(0, slash + 1)) + name + "/");
    }

    private static URI endpoint(String text) {
        try {
            URI uri = new URI(text);
            if ((!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(text, "not an http(s) URL with a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'store.endpoint' has value '" + text
                    + "'; expected the store's http(s) URL, such as http://127.0.0.1:9000");
        }
    }
}
