package dev.chute.spi;

import static java.util.Objects.requireNonNull;

/**
 * An object in a store: the area it lives in ({@code landing}, {@code archive} or {@code failed};
 * a bucket + prefix for cloud stores, a directory for the local store) and its key relative to
 * that area, with {@code /} as separator and no leading slash.
 */
public record ObjectRef(Area area, String key) {
    public ObjectRef {
        requireNonNull(area, "area is null");
        requireNonNull(key, "key is null");
        if (key.isEmpty() || key.startsWith("/")) {
            throw new IllegalArgumentException("object key must be relative and non-empty, found: '" + key + "'");
        }
    }

    public static ObjectRef landing(String key) {
        return new ObjectRef(Area.LANDING, key);
    }

    /** The last segment of the key. */
    public String fileName() {
        int slash = key.lastIndexOf('/');
        return slash < 0 ? key : key.substring(slash + 1);
    }

    public ObjectRef in(Area other) {
        return new ObjectRef(other, key);
    }

    @Override
    public String toString() {
        return area.dirName() + "/" + key;
    }

    /** The three places an object can be in. */
    public enum Area {
        LANDING, ARCHIVE, FAILED;

        public String dirName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
