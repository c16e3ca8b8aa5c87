package dev.chute.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Issue 11 item 10: UTF-16 is told apart from UTF-8 with a stray NUL. */
class Utf16DetectorTest {
    @Test
    void byteOrderMarksNameTheByteOrder() {
        assertThat(Utf16Detector.detect(new byte[] {(byte) 0xFF, (byte) 0xFE, 'a', 0})).hasValueSatisfying(u -> assertThat(u.name()).isEqualTo("UTF-16LE"));
        assertThat(Utf16Detector.detect(new byte[] {(byte) 0xFE, (byte) 0xFF, 0, 'a'})).hasValueSatisfying(u -> assertThat(u.name()).isEqualTo("UTF-16BE"));
        assertThat(Utf16Detector.detect(new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0})).isEmpty();
    }

    @Test
    void asciiTextInUtf16WithoutByteOrderMarkIsFound() {
        assertThat(Utf16Detector.detect("id,name\n1,x\n".getBytes(StandardCharsets.UTF_16LE))).hasValueSatisfying(u -> assertThat(u.name()).isEqualTo("UTF-16LE"));
        assertThat(Utf16Detector.detect("id,name\n1,x\n".getBytes(StandardCharsets.UTF_16BE))).hasValueSatisfying(u -> assertThat(u.name()).isEqualTo("UTF-16BE"));
    }

    @Test
    void utf8WithAStrayNulIsNotUtf16() {
        assertThat(Utf16Detector.detect("a,b\n1,x\0y\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(Utf16Detector.detect("a\0b,c\n1,2\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(Utf16Detector.detect(new byte[0])).isEmpty();
    }
}
