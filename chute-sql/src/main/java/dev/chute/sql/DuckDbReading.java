package dev.chute.sql;

import dev.chute.spi.FileFormat;
import dev.chute.spi.TableSpec;
import java.nio.charset.Charset;

/**
 * How a staged file's settings read in DuckDB's reader functions ({@code read_csv}, {@code sniff_csv}),
 * for the warehouses that read files with DuckDB in-process (the DuckDB warehouse, and the PostgreSQL
 * warehouse's converter).
 */
public final class DuckDbReading {
    private DuckDbReading() {
    }

    /** DuckDB's name for a table's {@code encoding}: {@code utf-8}, {@code latin-1} or {@code utf-16} (the names Chute's configuration uses). */
    public static String encoding(TableSpec.Encoding configured) {
        return configured.configName();
    }

    /** The Java charset of a table's {@code encoding}, for reading a file's first line. */
    public static Charset charset(TableSpec.Encoding configured) {
        return configured.charset();
    }

    /** The {@code , compression = '...'} option of {@code read_csv} for a file's compression. */
    public static String compressionOption(FileFormat.Compression compression) {
        return switch (compression) {
            case NONE -> ", compression = 'none'";
            case GZIP -> ", compression = 'gzip'";
            case ZSTD -> ", compression = 'zstd'";
        };
    }
}
