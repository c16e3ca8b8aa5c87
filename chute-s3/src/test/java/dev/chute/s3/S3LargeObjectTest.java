package dev.chute.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListener;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An object several times larger than the heap goes through the whole pipeline: the test runs in
 * its own JVM with {@code -Xmx256m} (the {@code large-object} execution in this module's pom),
 * which also holds the S3 server, and a ~1 GB CSV generated on the fly is uploaded, downloaded
 * into the stage, loaded into DuckDB and archived by a server-side copy.
 */
class S3LargeObjectTest {
    private static final Logger log = LoggerFactory.getLogger(S3LargeObjectTest.class);
    private static final long ROWS = 10_000_000;
    /** Every row has the same length: {@code 0000000042,<payload>,0000000294\n}. */
    private static final int ROW_BYTES = 100;
    private static final byte[] HEADER = "id,payload,amount\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
    void objectSeveralTimesLargerThanTheHeapIsLoadedWithBoundedMemory() throws Exception {
        long maxHeap = Runtime.getRuntime().maxMemory();
        // a test that cannot run here fails, it never skips
        assertThat(maxHeap).as("runs in the large-object surefire execution with -Xmx256m; this JVM has a heap of " + (maxHeap >> 20) + " MiB").isLessThanOrEqualTo(512L << 20);
        long free = Files.getFileStore(dir).getUsableSpace();
        assertThat(free).as("needs 4 GB of free disk for the object, its staged copy, its archived copy and the table; "
                + (free >> 20) + " MiB free in " + dir).isGreaterThanOrEqualTo(4L << 30);
        long size = HEADER.length + ROWS * ROW_BYTES;
        assertThat(size).isGreaterThan(3 * maxHeap);

        Path home = dir.resolve("home");
        long started = System.nanoTime();
        try (S3TestServer server = new S3TestServer(dir.resolve("s3"), "lake");
             S3Client producer = server.client()) {
            producer.putObject(b -> b.bucket("lake").key("landing/big/rows/rows.csv").contentType("text/csv").contentLength(size),
                    RequestBody.fromContentProvider(CsvGenerator::new, size, "text/csv"));
            long uploaded = System.nanoTime();
            String yaml = "store:\n  type: s3\n  endpoint: " + server.endpoint() + "\n  path_style: true\n  checksums: when_required\n"
                    + "  landing: s3://lake/landing/\n"
                    + "intake:\n  reconcile_interval: 200ms\n";
            try (Chute chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, PipelineListener.NONE)) {
                chute.start();
                await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> keys(producer, "archive/").contains("archive/big/rows/rows.csv"));
                assertThat(((Number) chute.query("SELECT count(*) FROM big.rows").rows().get(0).get(0)).longValue()).isEqualTo(ROWS);
                assertThat(((Number) chute.query("SELECT max(CAST(id AS BIGINT)) FROM big.rows").rows().get(0).get(0)).longValue()).isEqualTo(ROWS - 1);
                assertThat(keys(producer, "landing/")).isEmpty();
                assertThat(producer.headObject(b -> b.bucket("lake").key("archive/big/rows/rows.csv")).contentLength()).isEqualTo(size);
            }
            log.warn("1 GB object: upload {} s, load and archive {} s, heap {} MiB",
                    (uploaded - started) / 1_000_000_000, (System.nanoTime() - uploaded) / 1_000_000_000, maxHeap >> 20);
            producer.deleteObject(b -> b.bucket("lake").key("archive/big/rows/rows.csv"));
        }
        // the rest (the DuckDB file, the server's directory) goes with the temporary directory
    }

    private static java.util.List<String> keys(S3Client s3, String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket("lake").prefix(prefix)).contents().stream()
                .map(S3Object::key).filter(k -> !k.endsWith("/")).toList();
    }

    /** The CSV, produced as it is read: the header, then {@link #ROWS} rows of {@link #ROW_BYTES} bytes. */
    private static final class CsvGenerator extends InputStream {
        private final byte[] row = new byte[ROW_BYTES];
        private long next;
        private int headerPos;
        private int rowPos = ROW_BYTES;

        CsvGenerator() {
            row[10] = ',';
            for (int i = 11; i < 88; i++) {
                row[i] = (byte) ('a' + (i % 26));
            }
            row[88] = ',';
            row[99] = '\n';
        }

        private boolean advance() {
            if (rowPos < ROW_BYTES) {
                return true;
            }
            if (next >= ROWS) {
                return false;
            }
            digits(next, 0);
            digits((next * 7) % 1_000_000_007L, 89);
            next++;
            rowPos = 0;
            return true;
        }

        private void digits(long value, int at) {
            long v = value;
            for (int i = at + 9; i >= at; i--) {
                row[i] = (byte) ('0' + (v % 10));
                v /= 10;
            }
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            int n = 0;
            while (n < len && headerPos < HEADER.length) {
                b[off + n++] = HEADER[headerPos++];
            }
            while (n < len && advance()) {
                int chunk = Math.min(len - n, ROW_BYTES - rowPos);
                System.arraycopy(row, rowPos, b, off + n, chunk);
                rowPos += chunk;
                n += chunk;
            }
            return n == 0 ? -1 : n;
        }
    }
}
