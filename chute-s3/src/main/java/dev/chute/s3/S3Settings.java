package dev.chute.s3;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ConnectorKey;
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
    static final ConnectorKey<String> LANDING = ConnectorKey.text("landing", "s3://bucket/prefix/", Optional.empty(), "where producers put files (required)");
    static final ConnectorKey<String> ARCHIVE = ConnectorKey.text("archive", "s3://bucket/prefix/", Optional.empty(),
            "where loaded files go; by default archive/ beside the landing prefix");
    static final ConnectorKey<String> FAILED = ConnectorKey.text("failed", "s3://bucket/prefix/", Optional.empty(),
            "where failed files go; by default failed/ beside the landing prefix");
    static final ConnectorKey<String> ENDPOINT = ConnectorKey.text("endpoint", "the store's http(s) URL, such as http://127.0.0.1:9000", Optional.empty(),
            "the S3 API's base URL for S3-compatible stores; empty for AWS S3");
    static final ConnectorKey<String> REGION = ConnectorKey.string("region", "us-east-1", "the signing region");
    static final ConnectorKey<Boolean> PATH_STYLE = ConnectorKey.bool("path_style", false, "true for https://host/bucket/key URLs (MinIO, most self-hosted stores)");
    static final ConnectorKey<Checksums> CHECKSUMS = new ConnectorKey<>("checksums", "when_supported or when_required", Optional.of("when_supported"),
            "when the SDK computes request checksums and validates response checksums", text -> Checksums.valueOf(text.toUpperCase(Locale.ROOT)));
    static final ConnectorKey<Boolean> ETAG_CHECKSUMS = ConnectorKey.bool("etag_checksums", true, "take a single-part upload's ETag as its MD5");
    /** Every key of the section besides {@code type}, declared once. */
    static final List<ConnectorKey<?>> DECLARED = List.of(LANDING, ARCHIVE, FAILED, ENDPOINT, REGION, PATH_STYLE, CHECKSUMS, ETAG_CHECKSUMS);
    public static final Set<String> KEYS = ConnectorKey.names(DECLARED);

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
        S3Location landing = S3Location.parse("store.landing", context.value("store", LANDING).orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION,
                "configuration key 'store.landing' is missing; expected s3://bucket/prefix/ where producers put files")));
        S3Location archive = area(context, "archive", landing);
        S3Location failed = area(context, "failed", landing);
        Optional<URI> endpoint = context.value("store", ENDPOINT).filter(s -> !s.isBlank()).map(S3Settings::endpoint);
        String region = context.require("store", REGION);
        if (region.isBlank() || !region.matches("[a-z0-9-]+")) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'store.region' has value '" + region + "'; expected a region name such as us-east-1");
        }
        boolean pathStyle = context.require("store", PATH_STYLE);
        Checksums checksums = context.require("store", CHECKSUMS);
        return new S3Settings(landing, archive, failed, endpoint, region, pathStyle, checksums, context.require("store", ETAG_CHECKSUMS));
    }

    private static S3Location area(ConnectorContext context, String name, S3Location landing) {
        Optional<String> text = context.value("store", name.equals("archive") ? ARCHIVE : FAILED);
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
