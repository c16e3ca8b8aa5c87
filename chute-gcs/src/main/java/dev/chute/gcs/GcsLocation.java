package dev.chute.gcs;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.util.regex.Pattern;

/**
 * One area of the store: a bucket and a prefix inside it ({@code gs://bucket/prefix/}). The prefix
 * is empty (the whole bucket) or ends with {@code /}, so {@code landing/} never matches
 * {@code landing2/x}.
 */
public record GcsLocation(String bucket, String prefix) {
    // bucket naming rules: 3-63 characters per dot-separated part, at most 222 in all, lower case letters, digits, '-', '_', '.'
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");

    public GcsLocation {
        requireNonNull(bucket, "bucket is null");
        requireNonNull(prefix, "prefix is null");
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw new IllegalArgumentException("bucket name must be 3-222 lower-case letters, digits, '-', '_' or '.', starting and ending with a letter or digit; found '" + bucket + "'");
        }
        if (!prefix.isEmpty() && (!prefix.endsWith("/") || prefix.startsWith("/") || prefix.contains("//"))) {
            throw new IllegalArgumentException("prefix must be empty or 'segment/.../' without empty segments; found '" + prefix + "'");
        }
    }

    /**
     * Parses {@code gs://bucket} or {@code gs://bucket/prefix} ({@code /} is added to a prefix that
     * lacks it). {@code key} names the setting in the error message.
     */
    public static GcsLocation parse(String key, String value) {
        requireNonNull(value, "value is null");
        String text = value.trim();
        if (!text.startsWith("gs://")) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + key + "' has value '" + value + "'; expected gs://bucket/prefix/");
        }
        String rest = text.substring("gs://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        try {
            return new GcsLocation(bucket, prefix);
        } catch (IllegalArgumentException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + key + "' has value '" + value + "': " + e.getMessage());
        }
    }

    /** The object name of a key in this area. */
    public String name(String key) {
        return prefix + key;
    }

    /** Whether an object name lies in this area (and names an object, not the prefix itself). */
    public boolean holds(String bucketName, String objectName) {
        return bucket.equals(bucketName) && objectName.startsWith(prefix) && objectName.length() > prefix.length();
    }

    /** The key of an object name in this area; call {@link #holds} first. */
    public String key(String objectName) {
        return objectName.substring(prefix.length());
    }

    /** Whether one area lies inside the other (or they are the same), so that listing one would show the other's objects. */
    public boolean overlaps(GcsLocation other) {
        return bucket.equals(other.bucket) && (prefix.startsWith(other.prefix) || other.prefix.startsWith(prefix));
    }

    /** {@code gs://bucket/prefix/}. */
    @Override
    public String toString() {
        return "gs://" + bucket + "/" + prefix;
    }
}
