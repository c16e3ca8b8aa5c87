package dev.chute.s3;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.util.regex.Pattern;

/**
 * A bucket and a key prefix that together hold one area (landing, archive or failed). The prefix
 * is empty (the whole bucket) or ends with {@code /}; keys in the area are relative to it.
 */
public record S3Location(String bucket, String prefix) {
    // lenient on purpose: MinIO, Ceph and older AWS buckets allow names that today's AWS rules refuse
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    public S3Location {
        requireNonNull(bucket, "bucket is null");
        requireNonNull(prefix, "prefix is null");
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("bucket name must be letters, digits, '.', '-' or '_', found '" + bucket + "'");
        }
        if (prefix.startsWith("/") || (!prefix.isEmpty() && !prefix.endsWith("/")) || prefix.contains("//")) {
            throw new IllegalArgumentException("prefix must be empty or end with '/', without leading or doubled '/', found '" + prefix + "'");
        }
    }

    /**
     * Parses {@code s3://bucket/prefix/} (a missing trailing {@code /} is added: an area is a folder)
     * for the configuration key {@code key}.
     */
    public static S3Location parse(String key, String text) {
        requireNonNull(text, "text is null");
        String expected = "; expected s3://bucket/prefix/ (or s3://bucket/ for a whole bucket)";
        if (!text.startsWith("s3://")) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + key + "' has value '" + text + "'" + expected);
        }
        String rest = text.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        try {
            return new S3Location(bucket, prefix);
        } catch (IllegalArgumentException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + key + "' has value '" + text + "': " + e.getMessage() + expected);
        }
    }

    /** The full object key of a key relative to this area. */
    public String key(String relative) {
        return prefix + relative;
    }

    /** Whether a full object key of {@code bucket} lies in this area. */
    public boolean holds(String bucketName, String fullKey) {
        return bucket.equals(bucketName) && fullKey.startsWith(prefix) && fullKey.length() > prefix.length();
    }

    /** Whether one of the two areas lies inside the other (listing one would list the other's objects). */
    public boolean overlaps(S3Location other) {
        return bucket.equals(other.bucket) && (prefix.startsWith(other.prefix) || other.prefix.startsWith(prefix));
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + prefix;
    }
}
