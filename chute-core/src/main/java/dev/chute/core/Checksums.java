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
}
