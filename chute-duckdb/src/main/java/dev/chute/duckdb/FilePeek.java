package dev.chute.duckdb;

import dev.chute.spi.FileFormat;
import dev.chute.spi.TableSpec;
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
    static TextHead head(Path file, FileFormat format, TableSpec.Encoding encoding) throws IOException {
        if (Files.size(file) == 0) {
            return new TextHead("", false, true, false);
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
             InputStream in = decompress(raw, format.compression())) {
            return TextHead.read(in, encoding);
        }
    }

    /** The UTF-16 byte order the file's first bytes show, if they show one. */
    static java.util.Optional<String> utf16(Path file, FileFormat.Compression compression) {
        try (InputStream in = open(file, compression)) {
            return utf16(in.readNBytes(4));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** "little-endian" or "big-endian" when the first bytes are UTF-16 text (issue 11 item 10). */
    static java.util.Optional<String> utf16(byte[] start) {
        if (start.length >= 2 && (start[0] & 0xFF) == 0xFF && (start[1] & 0xFF) == 0xFE) {
            return java.util.Optional.of("little-endian, with byte-order mark FF FE");
        }
        if (start.length >= 2 && (start[0] & 0xFF) == 0xFE && (start[1] & 0xFF) == 0xFF) {
            return java.util.Optional.of("big-endian, with byte-order mark FE FF");
        }
        if (start.length >= 4 && start[0] != 0 && start[1] == 0 && start[2] != 0 && start[3] == 0) {
            return java.util.Optional.of("little-endian");
        }
        if (start.length >= 4 && start[0] == 0 && start[1] != 0 && start[2] == 0 && start[3] != 0) {
            return java.util.Optional.of("big-endian");
        }
        return java.util.Optional.empty();
    }

    /** The file's content, decompressed and buffered. */
    static InputStream open(Path file, FileFormat.Compression compression) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            return decompress(raw, compression);
        } catch (IOException e) {
            raw.close();
            throw e;
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
