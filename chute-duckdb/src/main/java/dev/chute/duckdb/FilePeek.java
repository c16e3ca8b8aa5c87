package dev.chute.duckdb;

import dev.chute.spi.FileFormat;
import dev.chute.sql.TextHead;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the start of a (possibly compressed) text file without reading all of it: to tell empty
 * and header-only files (0 rows, nothing to create), to group files by header line and to choose
 * their quoting. The header is decoded strictly ({@link TextHead}).
 */
final class FilePeek {
    private FilePeek() {
    }

    /**
     * @throws TextHead.InvalidTextException when the first line is not valid in {@code encoding}
     */
    static TextHead head(Path file, FileFormat format, String encoding) throws IOException {
        if (Files.size(file) == 0) {
            return new TextHead("", false, true, false);
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
             InputStream in = decompress(raw, format.compression())) {
            return TextHead.read(in, encoding);
        }
    }

    private static InputStream decompress(InputStream raw, FileFormat.Compression compression) throws IOException {
        return switch (compression) {
            case GZIP -> new GZIPInputStream(raw);
            case ZSTD -> new com.github.luben.zstd.ZstdInputStream(raw);
            case NONE -> raw;
        };
    }
}
