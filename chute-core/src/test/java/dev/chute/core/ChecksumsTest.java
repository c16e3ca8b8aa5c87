package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** One read of an object gives the checksums of the whole, of its complete lines, and of any prefix asked for. */
class ChecksumsTest {
    private static String of(byte[] bytes, int length) {
        return Checksums.of(new ByteArrayInputStream(Arrays.copyOf(bytes, length)), "test");
    }

    @Test
    void scanGivesTheChecksumsOfPrefixesAndOfTheCompleteLines() {
        Random random = new Random(42);
        // larger than the read buffer, so that offsets and line ends fall inside and across buffers
        byte[] bytes = new byte[200_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = random.nextInt(40) == 0 ? (byte) '\n' : (byte) ('a' + random.nextInt(26));
        }
        bytes[bytes.length - 1] = 'z';
        int lastFeed = bytes.length - 1;
        while (bytes[lastFeed] != '\n') {
            lastFeed--;
        }
        List<Long> offsets = List.of(0L, 1L, 65_535L, 65_536L, 65_537L, 131_072L, (long) lastFeed + 1, (long) bytes.length, bytes.length + 10L);
        Checksums.Scan scan = Checksums.scan(new ByteArrayInputStream(bytes), "test", offsets);
        assertThat(scan.size()).isEqualTo(bytes.length);
        assertThat(scan.checksum()).isEqualTo(of(bytes, bytes.length));
        assertThat(scan.lineEnd()).isEqualTo(lastFeed + 1);
        assertThat(scan.lineEndChecksum()).isEqualTo(of(bytes, lastFeed + 1));
        for (long offset : offsets) {
            if (offset <= bytes.length) {
                assertThat(scan.checksumAt(offset)).as("prefix of " + offset).contains(of(bytes, (int) offset));
            } else {
                assertThat(scan.checksumAt(offset)).as("beyond the end").isEmpty();
            }
        }
    }

    @Test
    void aFileWithoutALineFeedHasNoCompleteLine() {
        Checksums.Scan scan = Checksums.scan(new ByteArrayInputStream("id,name".getBytes()), "test", List.of());
        assertThat(scan.lineEnd()).isZero();
        assertThat(scan.lineEndChecksum()).isEqualTo(of(new byte[0], 0));
    }
}
