package dev.chute.duckdb;

import dev.chute.spi.FileFormat;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the first lines of a (possibly compressed) text file without reading all of it: to tell
 * empty and header-only files (0 rows, nothing to create) and to group files by header line.
 */
final class FilePeek {
    private static final int LIMIT = 64 * 1024;

    /**
     * The first line (without line end), whether any non-blank line follows it, and the UTF-16
     * byte order its first bytes show (a byte-order mark, or ASCII text with every other byte 0),
     * if they show one.
     */
    record Head(String firstLine, boolean hasMoreLines, boolean empty, java.util.Optional<String> utf16) {
        Head(String firstLine, boolean hasMoreLines, boolean empty) {
            this(firstLine, hasMoreLines, empty, java.util.Optional.empty());
        }
    }

    private FilePeek() {
    }

    static Head head(Path file, FileFormat format, java.nio.charset.Charset charset) throws IOException {
        if (Files.size(file) == 0) {
            return new Head("", false, true);
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
             InputStream in = decompress(raw, format.compression())) {
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            int b;
            int read = 0;
            while ((b = in.read()) >= 0 && b != '\n' && read++ < LIMIT) {
                first.write(b);
            }
            byte[] line = first.toByteArray();
            int len = line.length;
            if (len > 0 && line[len - 1] == '\r') {
                len--;
            }
            String text = new String(line, 0, len, charset);
            if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
                text = text.substring(1);
            }
            boolean more = false;
            while ((b = in.read()) >= 0 && read++ < LIMIT * 2) {
                if (b != '\n' && b != '\r' && b != ' ' && b != '\t') {
                    more = true;
                    break;
                }
            }
            boolean empty = text.isBlank() && !more;
            return new Head(text, more, empty, utf16(line));
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
