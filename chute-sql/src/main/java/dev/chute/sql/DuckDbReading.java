package dev.chute.sql;

import dev.chute.spi.FileFormat;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * How a staged file's settings read in DuckDB's reader functions ({@code read_csv}, {@code sniff_csv}),
 * for the warehouses that read files with DuckDB in-process (the DuckDB warehouse, and the PostgreSQL
 * warehouse's converter).
 */
public final class DuckDbReading {
    private DuckDbReading() {
    }

    /** DuckDB's name for a table's {@code encoding}: {@code utf-8}, {@code latin-1} or {@code utf-16}. */
    public static String encoding(String configured) {
        return switch (configured.toLowerCase(Locale.ROOT).replace("_", "-")) {
            case "latin-1", "latin1", "iso-8859-1", "iso8859-1" -> "latin-1";
            case "utf-16", "utf16" -> "utf-16";
            default -> "utf-8";
        };
    }

    /** The Java charset of a table's {@code encoding}, for reading a file's first line. */
    public static Charset charset(String configured) {
        return switch (encoding(configured)) {
            case "latin-1" -> StandardCharsets.ISO_8859_1;
            case "utf-16" -> StandardCharsets.UTF_16;
            default -> StandardCharsets.UTF_8;
        };
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
