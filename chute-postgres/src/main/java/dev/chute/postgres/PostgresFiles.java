package dev.chute.postgres;

import dev.chute.spi.FileFormat;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Streams over staged files: decompressed on the fly, the first line peeked without reading the rest. */
final class PostgresFiles {
    private static final int PEEK_LIMIT = 64 * 1024;

    /** The first line (without line end), and whether any non-blank content follows it. */
    record Head(String firstLine, boolean hasMoreLines, boolean empty) {
    }

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

    static Head head(Path file, FileFormat format, Charset charset) throws IOException {
        if (Files.size(file) == 0) {
            return new Head("", false, true);
        }
        try (InputStream in = open(file, format.compression())) {
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            int b;
            int read = 0;
            // a line ends at \n, \r\n or a lone \r (old Mac files): the rest of a CR-only file is not "no more lines"
            while ((b = in.read()) >= 0 && b != '\n' && b != '\r' && read++ < PEEK_LIMIT) {
                first.write(b);
            }
            byte[] line = first.toByteArray();
            int len = line.length;
            String text = new String(line, 0, len, charset);
            boolean more = false;
            while ((b = in.read()) >= 0 && read++ < PEEK_LIMIT * 2) {
                if (b != '\n' && b != '\r' && b != ' ' && b != '\t') {
                    more = true;
                    break;
                }
            }
            return new Head(text, more, text.isBlank() && !more);
        }
    }
}
