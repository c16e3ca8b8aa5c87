package dev.chute.bigquery;

import static java.util.Objects.requireNonNull;

import com.google.cloud.ReadChannel;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FileFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/** Reads the first line of a {@code gs://} object through a ranged read of its first 64 KiB. */
final class GcsHeadReader implements BigQueryHeadReader {
    private static final int LIMIT = 64 * 1024;
    private final Storage storage;

    GcsHeadReader(Storage storage) {
        this.storage = requireNonNull(storage, "storage is null");
    }

    @Override
    public Optional<String> firstLine(URI uri, FileFormat format) {
        BlobId blob = BlobId.of(uri.getHost(), uri.getRawPath().substring(1));
        byte[] head;
        try (ReadChannel reader = storage.reader(blob)) {
            reader.limit(LIMIT);
            ByteBuffer buffer = ByteBuffer.allocate(LIMIT);
            while (buffer.hasRemaining() && reader.read(buffer) >= 0) {
                // read up to the limit
            }
            head = java.util.Arrays.copyOf(buffer.array(), buffer.position());
        } catch (IOException | StorageException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot read the first line of " + uri + ": " + e.getMessage(), e);
        }
        return firstLine(head, format.compression() == FileFormat.Compression.GZIP);
    }

    /** The first line of {@code head} (gunzipped first when {@code gzip}); empty when there is no byte. */
    static Optional<String> firstLine(byte[] head, boolean gzip) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (InputStream in = gzip ? new GZIPInputStream(new ByteArrayInputStream(head)) : new ByteArrayInputStream(head)) {
            int b;
            while ((b = in.read()) >= 0 && b != '\n' && line.size() < LIMIT) {
                line.write(b);
            }
        } catch (EOFException e) {
            // a gzip stream cut at the limit: what was read is the start of the line
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.MALFORMED, "cannot read the first line: " + e.getMessage(), e);
        }
        String text = line.toString(StandardCharsets.UTF_8);
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return text.isEmpty() && head.length == 0 ? Optional.empty() : Optional.of(text);
    }
}
