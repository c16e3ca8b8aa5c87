package dev.chute.sql;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Which other of the encodings Chute reads (utf-8, utf-16, latin-1) some bytes look like, for the
 * message of a file whose bytes are not valid in its table's encoding.
 */
final class EncodingGuess {
    private EncodingGuess() {
    }

    /**
     * The encoding, other than {@code tableEncoding} (as DuckDB names it), that the first {@code length}
     * bytes look like: utf-16 for a UTF-16 byte order mark or many NUL bytes, utf-8 when they decode
     * as UTF-8, latin-1 when they hold no NUL and no C1 control byte (0x80-0x9F: text in latin-1 has
     * none, while windows-1252 and Mac Roman use them for letters and punctuation).
     */
    static Optional<String> of(byte[] bytes, int length, String tableEncoding) {
        int nul = 0;
        int c1 = 0;
        for (int i = 0; i < length; i++) {
            int b = bytes[i] & 0xff;
            if (b == 0) {
                nul++;
            } else if (b >= 0x80 && b <= 0x9f) {
                c1++;
            }
        }
        boolean bom16 = length >= 2 && ((bytes[0] & 0xff) == 0xFE && (bytes[1] & 0xff) == 0xFF
                || (bytes[0] & 0xff) == 0xFF && (bytes[1] & 0xff) == 0xFE);
        if (!tableEncoding.equals("utf-16") && (bom16 || length >= 4 && nul * 4 >= length)) {
            return Optional.of("utf-16");
        }
        if (!tableEncoding.equals("utf-8") && validUtf8(bytes, length)) {
            return Optional.of("utf-8");
        }
        if (!tableEncoding.equals("latin-1") && nul == 0 && c1 == 0) {
            return Optional.of("latin-1");
        }
        return Optional.empty();
    }

    private static boolean validUtf8(byte[] bytes, int length) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, length));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
