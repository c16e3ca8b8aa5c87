package dev.chute.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.TableSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Issue 11 item 4: a file's first line is decoded as strictly as the rest. */
class TextHeadTest {
    private static TextHead read(byte[] bytes, String encoding) throws IOException {
        return TextHead.read(new ByteArrayInputStream(bytes), TableSpec.Encoding.named(encoding).orElseThrow());
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] concat(String a, byte[] b, String c) {
        byte[] x = a.getBytes(StandardCharsets.US_ASCII);
        byte[] z = c.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[x.length + b.length + z.length];
        System.arraycopy(x, 0, all, 0, x.length);
        System.arraycopy(b, 0, all, x.length, b.length);
        System.arraycopy(z, 0, all, x.length + b.length, z.length);
        return all;
    }

    @Test
    void invalidUtf8InTheHeaderFailsNamingLineByteAndEncoding() {
        // the DuckDB project's test/invalid_utf_header.csv: 0xFF 0xFF inside the quoted header
        byte[] file = concat("valid,\"invalid_", bytes(0xFF, 0xFF), "_part\",valid\nvalid,\"valid\",valid\n");
        assertThatThrownBy(() -> read(file, "utf-8"))
                .isInstanceOf(TextHead.InvalidTextException.class)
                .hasMessageStartingWith("line 1: expected utf-8 text (the table's encoding), found byte 0xFF at byte 16 of the line")
                .hasMessageContaining("valid LATIN-1 text");
    }

    @Test
    void aMacRomanHeaderNamesItsBytesAndNoEncodingChuteReads() {
        // Mac Roman: 0xD5 is a right single quote, 0x8E an e with acute accent (a C1 byte in latin-1)
        byte[] withE = concat("id,The Hitchhiker", bytes(0xD5, 's', ' ', 'c', 'a', 'f', 0x8E), "\n1,a\n");
        assertThatThrownBy(() -> read(withE, "utf-8"))
                .isInstanceOfSatisfying(TextHead.InvalidTextException.class, e -> {
                    assertThat(e.line()).isEqualTo(1);
                    assertThat(e.value()).isEqualTo(0xD5);
                    assertThat(e.encoding()).isEqualTo("utf-8");
                })
                .hasMessageContaining("found byte 0xD5 at byte 18 of the line")
                .hasMessageContaining("windows-1252 or Mac Roman");
    }

    @Test
    void theSameBytesReadFineAsLatin1() throws IOException {
        TextHead head = read(concat("id,caf", bytes(0xE9, 0xFF), "\n1,a\n"), "latin-1");
        assertThat(head.firstLine()).isEqualTo("id,caf\u00e9\u00ff");
        assertThat(head.hasMoreLines()).isTrue();
    }

    @Test
    void invalidBytesAfterTheFirstLineAreLeftToTheEngine() throws IOException {
        TextHead head = read(concat("id,name\n1,", bytes(0xFF), "\n"), "utf-8");
        assertThat(head.firstLine()).isEqualTo("id,name");
        assertThat(head.hasMoreLines()).isTrue();
    }

    @Test
    void theByteIsCountedInTheLineAfterAByteOrderMark() {
        assertThatThrownBy(() -> read(bytes(0xEF, 0xBB, 0xBF, 'a', 0xFF, '\n'), "utf-8"))
                .hasMessageContaining("found byte 0xFF at byte 2 of the line");
    }

    @Test
    void utf16HeaderBytesSayUtf16() {
        assertThatThrownBy(() -> read(bytes(0xFF, 0xFE, 'i', 0, 'd', 0, '\n', 0), "utf-8"))
                .hasMessageContaining("valid UTF-16 text");
    }

    @Test
    void lineEndsAndByteOrderMarks() throws IOException {
        assertThat(read("\uFEFFa,b\r\n1,2\r\n".getBytes(StandardCharsets.UTF_8), "utf-8").firstLine()).isEqualTo("a,b");
        TextHead cr = read("a,b\r1,2\r".getBytes(StandardCharsets.UTF_8), "utf-8");
        assertThat(cr.firstLine()).isEqualTo("a,b");
        assertThat(cr.hasMoreLines()).isTrue();
        TextHead headerOnly = read("a,b\n\n".getBytes(StandardCharsets.UTF_8), "utf-8");
        assertThat(headerOnly.hasMoreLines()).isFalse();
        assertThat(headerOnly.empty()).isFalse();
        assertThat(read(" \n \n".getBytes(StandardCharsets.UTF_8), "utf-8").empty()).isTrue();
        assertThat(read("\uFEFFa\tb\n1\t2\n".getBytes(StandardCharsets.UTF_16), "utf-16").firstLine()).isEqualTo("a\tb");
    }
}
