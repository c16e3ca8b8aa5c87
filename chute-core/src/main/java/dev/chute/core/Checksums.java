package dev.chute.core;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Content checksums that identify object versions. SHA-256: collisions between two versions of
 * one key are out of the question, and the JDK computes it with the CPU's SHA instructions.
 */
public final class Checksums {
    public static final String ALGORITHM = "sha256";

    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    });
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[1 << 16]);

    private Checksums() {
    }

    /** Reads the stream to its end and returns {@code sha256:<hex>}. */
    public static String of(InputStream in, String what) {
        // one digest and one buffer per thread: intake hashes thousands of small files a second
        MessageDigest digest = DIGEST.get();
        digest.reset();
        byte[] buffer = BUFFER.get();
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot read " + what + " to compute its checksum: " + e, e);
        }
        return ALGORITHM + ":" + HexFormat.of().formatHex(digest.digest());
    }

    /**
     * What one read of an object tells about its versions: the checksum and size of the whole, of
     * the part up to and including its last line feed (what a reader may load while a writer is
     * still appending), and the digest state at each requested offset (to check whether an earlier
     * committed version is a prefix of this one, and to go on hashing from there).
     */
    public record Scan(long size, String checksum, long lineEnd, String lineEndChecksum, java.util.Map<Long, MessageDigest> at) {
        /** The checksum of the first {@code offset} bytes, if that offset was asked for. */
        public java.util.Optional<String> checksumAt(long offset) {
            MessageDigest d = at.get(offset);
            if (d == null) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(finish(copy(d)));
        }
    }

    /** A fresh SHA-256 digest. */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** {@code sha256:<hex>} of what the digest has seen (which it resets). */
    public static String finish(MessageDigest digest) {
        return ALGORITHM + ":" + HexFormat.of().formatHex(digest.digest());
    }

    /** A copy of a digest's state, to go on hashing from it without changing it. */
    public static MessageDigest copy(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests of this JDK cannot be copied", e);
        }
    }

    /**
     * Reads the stream to its end once and returns what {@link Scan} holds; {@code offsets} are the
     * prefix lengths whose digest state is kept (those beyond the end are left out).
     */
    public static Scan scan(InputStream in, String what, java.util.Collection<Long> offsets) {
        MessageDigest digest = newDigest();
        java.util.TreeSet<Long> wanted = new java.util.TreeSet<>(offsets);
        java.util.Map<Long, MessageDigest> at = new java.util.HashMap<>();
        byte[] buffer = BUFFER.get();
        long position = 0;
        long lineEnd = 0;
        MessageDigest atLineEnd = null;
        if (wanted.remove(0L)) {
            at.put(0L, copy(digest));
        }
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                int done = 0;
                while (done < n) {
                    // one segment: up to the next wanted offset inside this buffer, or to its end
                    Long next = wanted.ceiling(position + done + 1);
                    int end = next != null && next <= position + n ? (int) (next - position) : n;
                    int lastFeed = -1;
                    for (int i = end - 1; i >= done; i--) {
                        if (buffer[i] == '\n') {
                            lastFeed = i;
                            break;
                        }
                    }
                    if (lastFeed >= 0) {
                        digest.update(buffer, done, lastFeed + 1 - done);
                        lineEnd = position + lastFeed + 1;
                        atLineEnd = copy(digest);
                        digest.update(buffer, lastFeed + 1, end - lastFeed - 1);
                    } else {
                        digest.update(buffer, done, end - done);
                    }
                    done = end;
                    if (next != null && next == position + end) {
                        at.put(next, copy(digest));
                        wanted.remove(next);
                    }
                }
                position += n;
            }
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot read " + what + " to compute its checksum: " + e, e);
        }
        String whole = finish(copy(digest));
        String upToLineEnd = lineEnd == position ? whole : atLineEnd != null ? finish(atLineEnd) : finish(newDigest());
        return new Scan(position, whole, lineEnd, upToLineEnd, at);
    }
}
