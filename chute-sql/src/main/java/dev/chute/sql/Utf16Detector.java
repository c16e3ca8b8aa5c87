package dev.chute.sql;

import java.util.Optional;

/**
 * Tells UTF-16 text from the start of a file, so that a warehouse reading the file as UTF-8 or
 * Latin-1 can fail it saying so instead of feeding its NUL bytes to an engine (issue 11 item 10).
 * A file is UTF-16 when it starts with a UTF-16 byte order mark ({@code FF FE} or {@code FE FF},
 * but not the UTF-32 one {@code FF FE 00 00}), or, without one, when at least a quarter of its first
 * bytes are NUL and nearly all of them sit at one parity: the high bytes of ASCII characters, as
 * UTF-16 writes them. A NUL here and there in a UTF-8 file (a stray byte in a value) is not UTF-16.
 */
public final class Utf16Detector {
    /** How many leading bytes {@link #detect} looks at, at most. */
    public static final int SAMPLE = 4096;

    /** What was found: {@code name} is {@code UTF-16LE} or {@code UTF-16BE}; {@code evidence} says why, for a message. */
    public record Utf16(String name, String evidence) {
    }

    private Utf16Detector() {
    }

    /** UTF-16 seen in {@code head}, the first bytes of a file (decompressed), if it looks like it. */
    public static Optional<Utf16> detect(byte[] head) {
        int n = Math.min(head.length, SAMPLE);
        if (n >= 2 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xFE && !(n >= 4 && head[2] == 0 && head[3] == 0)) {
            return Optional.of(new Utf16("UTF-16LE", "byte order mark FF FE"));
        }
        if (n >= 2 && (head[0] & 0xff) == 0xFE && (head[1] & 0xff) == 0xFF) {
            return Optional.of(new Utf16("UTF-16BE", "byte order mark FE FF"));
        }
        if (n < 4) {
            return Optional.empty();
        }
        int even = 0;
        int odd = 0;
        for (int i = 0; i < n; i++) {
            if (head[i] == 0) {
                if ((i & 1) == 0) {
                    even++;
                } else {
                    odd++;
                }
            }
        }
        int nuls = even + odd;
        if (nuls * 4 < n) {
            return Optional.empty();
        }
        if (odd * 10 >= nuls * 9) {
            return Optional.of(new Utf16("UTF-16LE", "a NUL byte after most characters, no byte order mark"));
        }
        if (even * 10 >= nuls * 9) {
            return Optional.of(new Utf16("UTF-16BE", "a NUL byte before most characters, no byte order mark"));
        }
        return Optional.empty();
    }
}
