package dev.chute.duckdb;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ConfigValues;
import dev.chute.spi.ConnectorContext;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * What the embedded database may take of the machine. DuckDB's {@code memory_limit} and
 * {@code threads} hold for the whole database, not per connection: loads and console queries share
 * them, so they are chosen for both together (see docs/configuration.md). Operators that outgrow
 * the memory limit spill to {@code tempDirectory}, which is itself bounded so that a query cannot
 * fill the disk that landing and archive live on.
 *
 * @param memoryLimit bytes of memory DuckDB may use (buffers, hash tables, sorts), all connections together
 * @param threads DuckDB's worker threads, shared by every statement that runs
 * @param tempDirectory where DuckDB spills what does not fit in memory
 * @param maxTempSize bytes that may be spilled at once
 */
public record DuckDbLimits(long memoryLimit, int threads, Path tempDirectory, long maxTempSize) {
    /** A quarter of the machine's (or container's) memory: the JVM's default heap takes another quarter. */
    static final int DEFAULT_MEMORY_PERCENT = 25;
    /** A quarter of the free disk space where spilled data goes. */
    static final int DEFAULT_TEMP_PERCENT = 25;
    private static final long MIN_MEMORY = 128L << 20;

    public DuckDbLimits {
        requireNonNull(tempDirectory, "tempDirectory is null");
        if (memoryLimit < 1 || threads < 1 || maxTempSize < 0) {
            throw new IllegalArgumentException("memoryLimit and threads must be positive, maxTempSize not negative");
        }
    }

    /** The defaults for a database whose spill directory is {@code tempDirectory}. */
    public static DuckDbLimits defaults(Path tempDirectory) {
        return new DuckDbLimits(percentOfMemory(DEFAULT_MEMORY_PERCENT), Runtime.getRuntime().availableProcessors(), tempDirectory,
                percentOfFreeDisk(tempDirectory, DEFAULT_TEMP_PERCENT));
    }

    /** From {@code warehouse.memory_limit}, {@code warehouse.threads} and {@code warehouse.max_temp_directory_size}. */
    static DuckDbLimits of(ConnectorContext context, Path tempDirectory) {
        long memory = context.value("warehouse", DuckDbWarehouseFactory.MEMORY_LIMIT).map(text -> size("memory_limit", text, DuckDbLimits::percentOfMemory))
                .orElseGet(() -> percentOfMemory(DEFAULT_MEMORY_PERCENT));
        if (memory < MIN_MEMORY) {
            throw ConnectorContext.invalid("warehouse", "memory_limit", context.setting("memory_limit").orElseThrow(), "at least 128MB");
        }
        int threads = context.require("warehouse", DuckDbWarehouseFactory.THREADS);
        long temp = context.value("warehouse", DuckDbWarehouseFactory.MAX_TEMP_DIRECTORY_SIZE)
                .map(text -> size("max_temp_directory_size", text, percent -> percentOfFreeDisk(tempDirectory, percent)))
                .orElseGet(() -> percentOfFreeDisk(tempDirectory, DEFAULT_TEMP_PERCENT));
        return new DuckDbLimits(memory, threads, tempDirectory, temp);
    }

    /** A size in the one grammar of {@link ConfigValues}, or a percentage from 1% to 100% of what {@code percent} measures. */
    private static long size(String key, String text, java.util.function.IntToLongFunction percent) {
        String trimmed = text.trim();
        if (trimmed.endsWith("%")) {
            String number = trimmed.substring(0, trimmed.length() - 1).trim();
            if (number.matches("\\d{1,3}") && Integer.parseInt(number) >= 1 && Integer.parseInt(number) <= 100) {
                return percent.applyAsLong(Integer.parseInt(number));
            }
        } else {
            OptionalLong bytes = ConfigValues.bytes(trimmed);
            if (bytes.isPresent()) {
                return bytes.getAsLong();
            }
        }
        throw ConnectorContext.invalid("warehouse", key, text, "a size such as 512MB or 2GB, or a percentage from 1% to 100%");
    }

    /** {@code percent} of the memory of the machine, or of the container when the JVM runs in one. */
    static long percentOfMemory(int percent) {
        long total = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        return Math.max(MIN_MEMORY, total / 100 * percent);
    }

    private static long percentOfFreeDisk(Path directory, int percent) {
        try {
            Path existing = directory.toAbsolutePath();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            long free = Files.getFileStore(existing == null ? Path.of("/") : existing).getUsableSpace();
            return free / 100 * percent;
        } catch (IOException e) {
            return 0;
        }
    }

    /** In DuckDB's own words, for {@code SET}: whole mebibytes. */
    static String duckDbSize(long bytes) {
        return Math.max(1, bytes >> 20) + "MiB";
    }

    /** For messages: the size in MB or GB. */
    static String human(long bytes) {
        return bytes >= 10L << 30 ? (bytes >> 30) + " GB" : (bytes >> 20) + " MB";
    }

    @Override
    public String toString() {
        return "memory_limit " + human(memoryLimit) + ", threads " + threads + ", spill to " + tempDirectory + " (at most " + human(maxTempSize) + ")";
    }
}
