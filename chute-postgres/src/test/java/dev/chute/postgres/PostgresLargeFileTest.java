package dev.chute.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.spi.FileFormat;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadFile;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.TableSpec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CSV file several times larger than the heap loads: run in a forked JVM with {@code -Xmx64m},
 * which fails with OutOfMemoryError if any step holds the whole file in memory.
 */
class PostgresLargeFileTest {
    private static final long ROWS = 4_500_000;
    private static final int HEAP_MB = 64;

    @TempDir
    Path stage;

    @Test
    void fileLargerThanTheHeapStreamsIntoCopy() throws Exception {
        Path file = stage.resolve("big.csv");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("id,name,at,amount\n");
            for (long i = 0; i < ROWS; i++) {
                w.write(i + ",customer-number-" + i + ",2024-01-02T03:04:05Z," + (i % 1000) + ".25\n");
            }
        }
        assertThat(Files.size(file)).isGreaterThan(3L * HEAP_MB * 1024 * 1024);
        try (PgTestDatabase db = new PgTestDatabase()) {
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + HEAP_MB + "m",
                    "--enable-native-access=ALL-UNNAMED", "-cp", classpath, LoadOneFile.class.getName(), db.url, db.reader, stage.toString(),
                    file.toString()));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(stage.resolve("child.log").toFile()).start();
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            String log = Files.readString(stage.resolve("child.log"));
            assertThat(p.exitValue()).as(log).isZero();
            assertThat(log).contains("COMMITTED " + ROWS);
            assertThat(db.count("SELECT count(*) FROM big.rows")).isEqualTo(ROWS);
            assertThat(db.count("SELECT max(id) FROM big.rows")).isEqualTo(ROWS - 1);
        }
    }

    /** The child: opens the warehouse with the given database and loads one staged file. */
    public static final class LoadOneFile {
        public static void main(String[] args) throws IOException {
            PostgresSettings settings = new PostgresSettings(args[0], "postgres", Optional.empty(), 2, Optional.of(args[1]), Optional.empty(),
                    Duration.ofSeconds(60));
            Path file = Path.of(args[3]);
            try (PostgresWarehouse w = PostgresWarehouse.open(settings, Path.of(args[2]))) {
                LoadFile f = new LoadFile(new ObjectVersion("big/rows/big.csv", "size:" + Files.size(file), Files.size(file)), file,
                        new FileFormat(FileFormat.Kind.CSV, FileFormat.Compression.NONE));
                FileOutcome o = w.load(PgTestDatabase.batch("big.rows", TableSpec.defaults(), f), x -> true).get(0);
                System.out.println(o.status() + " " + o.rows() + " " + o.error().map(Object::toString).orElse(""));
                System.out.println("max heap used (MB) ~ " + (Runtime.getRuntime().totalMemory() >> 20));
            }
        }
    }
}
