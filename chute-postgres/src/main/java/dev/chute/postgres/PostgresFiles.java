package dev.chute.postgres;

import dev.chute.spi.FileFormat;
import dev.chute.spi.TableSpec;
import dev.chute.sql.TextHead;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/** Streams over staged files: decompressed on the fly, the first line peeked without reading the rest. */
final class PostgresFiles {
    private PostgresFiles() {
    }

    /** The file's content, decompressed while it is read, with a UTF-8 byte order mark dropped. */
    static InputStream open(Path file, FileFormat.Compression compression) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        InputStream in = switch (compression) {
            case GZIP -> new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
            case ZSTD -> new BufferedInputStream(new com.github.luben.zstd.ZstdInputStream(raw), 1 << 16);
            case NONE -> raw;
        };
        PushbackInputStream p = new PushbackInputStream(in, 3);
        byte[] bom = new byte[3];
        int n = p.readNBytes(bom, 0, 3);
        if (!(n == 3 && (bom[0] & 0xff) == 0xEF && (bom[1] & 0xff) == 0xBB && (bom[2] & 0xff) == 0xBF) && n > 0) {
            p.unread(bom, 0, n);
        }
        return p;
    }

    /** Up to {@code limit} first bytes of the file's content (decompressed), as they are: a byte order mark included. */
    static byte[] peek(Path file, FileFormat.Compression compression, int limit) throws IOException {
        if (Files.size(file) == 0) {
            return new byte[0];
        }
        InputStream raw = Files.newInputStream(file);
        try (InputStream in = switch (compression) {
            case GZIP -> new GZIPInputStream(raw);
            case ZSTD -> new com.github.luben.zstd.ZstdInputStream(raw);
            case NONE -> raw;
        }) {
            return in.readNBytes(limit);
        } finally {
            raw.close();
        }
    }

    /**
     * The first line of a JSON file that does not hold whole JSON values, for newline-delimited JSON
     * (one value per line); when the first line is not a whole value (a document spread over lines),
     * the line where the whole file stops parsing. Empty if the file parses, or cannot be read.
     */
    static java.util.OptionalLong firstMalformedJsonLine(Path file, FileFormat.Compression compression) {
        com.fasterxml.jackson.core.JsonFactory json = new com.fasterxml.jackson.core.JsonFactory();
        try (java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(open(file, compression),
                java.nio.charset.StandardCharsets.UTF_8))) {
            String text;
            long n = 0;
            while ((text = lines.readLine()) != null) {
                n++;
                if (text.isBlank()) {
                    continue;
                }
                if (!wholeJson(json, text)) {
                    return n == 1 ? wholeFileError(json, file, compression) : java.util.OptionalLong.of(n);
                }
            }
            return java.util.OptionalLong.empty();
        } catch (IOException e) {
            return java.util.OptionalLong.empty();
        }
    }

    private static boolean wholeJson(com.fasterxml.jackson.core.JsonFactory json, String text) {
        try (com.fasterxml.jackson.core.JsonParser p = json.createParser(text)) {
            int depth = 0;
            com.fasterxml.jackson.core.JsonToken t;
            boolean any = false;
            while ((t = p.nextToken()) != null) {
                any = true;
                if (t.isStructStart()) {
                    depth++;
                } else if (t.isStructEnd()) {
                    depth--;
                }
            }
            return any && depth == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static java.util.OptionalLong wholeFileError(com.fasterxml.jackson.core.JsonFactory json, Path file, FileFormat.Compression compression) {
        try (InputStream in = open(file, compression); com.fasterxml.jackson.core.JsonParser p = json.createParser(in)) {
            while (p.nextToken() != null) {
                // read to the end or the first error
            }
            return java.util.OptionalLong.empty();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return e.getLocation() == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(e.getLocation().getLineNr());
        } catch (IOException e) {
            return java.util.OptionalLong.empty();
        }
    }

    /**
     * The start of the file, its first line decoded strictly in the table's {@code encoding}.
     *
     * @throws TextHead.InvalidTextException when the first line is not valid in {@code encoding}
     */
    static TextHead head(Path file, FileFormat format, TableSpec.Encoding encoding) throws IOException {
        if (Files.size(file) == 0) {
            return new TextHead("", false, true, false);
        }
        try (InputStream in = open(file, format.compression())) {
            return TextHead.read(in, encoding);
        }
    }

    /**
     * A control character that does not occur in the file's (decompressed) content, to give COPY as
     * the quote character of a file that has none: COPY's CSV format always has one, and one that
     * never occurs leaves every byte between two delimiters to the value. Empty when each candidate
     * occurs.
     */
    static Optional<Character> absentControlCharacter(Path file, FileFormat.Compression compression) throws IOException {
        boolean[] seen = new boolean[32];
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = open(file, compression)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    int b = buffer[i];
                    if (b >= 0 && b < 32) {
                        seen[b] = true;
                    }
                }
            }
        }
        for (char candidate : CONTROL_CANDIDATES) {
            if (!seen[candidate]) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Control characters COPY accepts as QUOTE: not NUL, not a line end, not TAB (a delimiter). */
    private static final char[] CONTROL_CANDIDATES = {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
}
