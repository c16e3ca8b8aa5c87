package dev.chute.gcs;

import static java.util.Objects.requireNonNull;

import com.google.api.gax.paging.Page;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobField;
import com.google.cloud.storage.Storage.BlobGetOption;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.BlobSourceOption;
import com.google.cloud.storage.Storage.BlobTargetOption;
import com.google.cloud.storage.Storage.CopyRequest;
import com.google.cloud.storage.StorageException;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Landing, archive and failed as three {@code gs://bucket/prefix/} areas of Google Cloud Storage,
 * through the official client (JSON API).
 *
 * <ul>
 *   <li>A version's checksum is the object's MD5 ({@code md5:<hex>}), or its CRC32C
 *       ({@code crc32c:<hex>}) for composite objects, which have no MD5. Both survive copies, so
 *       re-uploading the same bytes yields the same checksum.</li>
 *   <li>The fingerprint is {@code g<generation>/m<metageneration>/s<size>}: it changes with every
 *       upload and every metadata update.</li>
 *   <li>{@link #move} is a server-side rewrite conditioned on the source generation
 *       ({@code ifSourceGenerationMatch}) and on the target not existing
 *       ({@code ifGenerationMatch=0}), then a delete conditioned on the same generation, so an
 *       object uploaded under the key in between is never deleted.</li>
 *   <li>Reads stream through the client's read channel (2 MiB chunks); writes stream through a
 *       resumable upload that GCS makes visible only when it is finalized.</li>
 * </ul>
 * Thread-safe: the client is.
 */
public final class GcsObjectStore implements ObjectStore {
    private static final Logger log = LoggerFactory.getLogger(GcsObjectStore.class);
    private static final Pattern FINGERPRINT = Pattern.compile("g(\\d+)/m(\\d+)/s(\\d+)");
    private static final BlobField[] FIELDS = {BlobField.NAME, BlobField.BUCKET, BlobField.GENERATION, BlobField.METAGENERATION, BlobField.SIZE,
            BlobField.MD5HASH, BlobField.CRC32C, BlobField.UPDATED};
    private static final int CHUNK = 8 * 1024 * 1024;
    private static final int MOVE_ATTEMPTS = 3;

    private final Storage storage;
    private final Map<ObjectRef.Area, GcsLocation> areas = new EnumMap<>(ObjectRef.Area.class);

    /** The store on an open client, which it closes on {@link #close}. */
    public GcsObjectStore(Storage storage, GcsLocation landing, GcsLocation archive, GcsLocation failed) {
        this.storage = requireNonNull(storage, "storage is null");
        areas.put(ObjectRef.Area.LANDING, requireNonNull(landing, "landing is null"));
        areas.put(ObjectRef.Area.ARCHIVE, requireNonNull(archive, "archive is null"));
        areas.put(ObjectRef.Area.FAILED, requireNonNull(failed, "failed is null"));
    }

    @Override
    public String describe() {
        return areas.get(ObjectRef.Area.LANDING).toString();
    }

    /** Where an area is. */
    public GcsLocation location(ObjectRef.Area area) {
        return areas.get(area);
    }

    private BlobId blobId(ObjectRef ref) {
        GcsLocation location = areas.get(ref.area());
        return BlobId.of(location.bucket(), location.name(ref.key()));
    }

    private static String gs(BlobId id) {
        return "gs://" + id.getBucket() + "/" + id.getName();
    }

    @Override
    public void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink) {
        GcsLocation location = areas.get(area);
        String namePrefix = location.name(prefix);
        try {
            // iterateAll fetches the next page only when this one is consumed: a large bucket is never held in memory
            Page<Blob> page = storage.list(location.bucket(), BlobListOption.prefix(namePrefix), BlobListOption.fields(FIELDS));
            for (Blob blob : page.iterateAll()) {
                String name = blob.getName();
                if (name.endsWith("/") || !location.holds(location.bucket(), name)) {
                    continue;
                }
                sink.accept(info(new ObjectRef(area, location.key(name)), blob));
            }
        } catch (StorageException e) {
            throw translate(e, "cannot list gs://" + location.bucket() + "/" + namePrefix);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(ObjectRef ref) {
        BlobId id = blobId(ref);
        try {
            return Optional.ofNullable(storage.get(id, BlobGetOption.fields(FIELDS))).map(blob -> info(ref, blob));
        } catch (StorageException e) {
            throw translate(e, "cannot stat " + gs(id));
        }
    }

    private static ObjectInfo info(ObjectRef ref, Blob blob) {
        long size = blob.getSize() == null ? 0 : blob.getSize();
        OffsetDateTime updated = blob.getUpdateTimeOffsetDateTime();
        Instant modified = updated == null ? Instant.EPOCH : updated.toInstant();
        String fingerprint = "g" + blob.getGeneration() + "/m" + blob.getMetageneration() + "/s" + size;
        return new ObjectInfo(ref, size, modified, fingerprint, checksum(blob));
    }

    /** {@code md5:<hex>} from the object's MD5, else {@code crc32c:<hex>} (composite objects have no MD5). */
    static Optional<String> checksum(Blob blob) {
        if (blob.getMd5() != null && !blob.getMd5().isEmpty()) {
            return Optional.of("md5:" + hex(blob.getMd5()));
        }
        if (blob.getCrc32c() != null && !blob.getCrc32c().isEmpty()) {
            return Optional.of("crc32c:" + hex(blob.getCrc32c()));
        }
        return Optional.empty();
    }

    private static String hex(String base64) {
        return HexFormat.of().formatHex(Base64.getDecoder().decode(base64));
    }

    /** The generation an {@link ObjectInfo} of this store was taken at, from its fingerprint. */
    static long generationOf(ObjectInfo info) {
        Matcher m = FINGERPRINT.matcher(info.fingerprint());
        if (!m.matches()) {
            throw new ChuteException(ErrorCode.INTERNAL, info.ref() + " has fingerprint '" + info.fingerprint()
                    + "', which is not one of this store's (expected g<generation>/m<metageneration>/s<size>)");
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public InputStream open(ObjectRef ref) {
        BlobId id = blobId(ref);
        ReadChannel channel;
        try {
            channel = storage.reader(id);
        } catch (StorageException e) {
            throw translate(e, "cannot read " + gs(id));
        }
        return new ReadStream(Channels.newInputStream(channel), ref, id);
    }

    /** The object's bytes; a missing object shows as {@link ErrorCode#OBJECT_GONE} at the first read (the channel opens lazily). */
    private static final class ReadStream extends FilterInputStream {
        private final ObjectRef ref;
        private final BlobId id;

        ReadStream(InputStream in, ObjectRef ref, BlobId id) {
            super(in);
            this.ref = ref;
            this.id = id;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException | StorageException e) {
                throw translateRead(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException | StorageException e) {
                throw translateRead(e);
            }
        }

        private IOException translateRead(Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof StorageException se) {
                    if (se.getCode() == 404) {
                        throw new ChuteException(ErrorCode.OBJECT_GONE, ref + " (" + gs(id) + ") no longer exists", e);
                    }
                    throw translate(se, "cannot read " + gs(id));
                }
            }
            return e instanceof IOException io ? io : new IOException(e);
        }
    }

    @Override
    public void materialize(ObjectRef ref, Path target) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot create the directory of " + target + ": " + e, e);
        }
        if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new ChuteException(ErrorCode.INTERNAL, "cannot download " + gs(blobId(ref)) + " to " + target + ": the file exists already");
        }
        try (InputStream in = open(ref)) {
            Files.copy(in, target);
        } catch (IOException | RuntimeException e) {
            try {
                // a partial download is never left for an engine to read
                Files.deleteIfExists(target);
            } catch (IOException ignored) {
                // the staging directory is removed with its batch
            }
            if (e instanceof ChuteException ce) {
                throw ce;
            }
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot download " + gs(blobId(ref)) + " to " + target + ": " + e, e);
        }
    }

    @Override
    public boolean move(ObjectInfo expected, ObjectRef.Area targetArea, String targetKey) {
        BlobId source = blobId(expected.ref());
        BlobId target = blobId(new ObjectRef(targetArea, targetKey));
        long generation = generationOf(expected);
        String what = "cannot move " + gs(source) + " to " + gs(target);
        for (int attempt = 0; attempt < MOVE_ATTEMPTS; attempt++) {
            int refused;
            try {
                // a rewrite: one call for most objects, more (with a rewrite token) for large ones or across locations
                storage.copy(CopyRequest.newBuilder()
                        .setSource(source)
                        .setSourceOptions(BlobSourceOption.generationMatch(generation))
                        .setTarget(target, BlobTargetOption.doesNotExist())
                        .build()).getResult();
                deleteSource(source, generation);
                return true;
            } catch (StorageException e) {
                if (e.getCode() != 412 && e.getCode() != 404) {
                    throw translate(e, what);
                }
                refused = e.getCode();
            }
            // a precondition failed (or something was not found): look at both objects to tell which
            Blob current;
            Blob existing;
            try {
                current = storage.get(source, BlobGetOption.fields(FIELDS));
                existing = current == null ? null : storage.get(target, BlobGetOption.fields(FIELDS));
            } catch (StorageException e) {
                throw translate(e, what);
            }
            if (current == null) {
                throw new ChuteException(ErrorCode.OBJECT_GONE, expected.ref() + " (" + gs(source) + ") no longer exists");
            }
            if (existing != null) {
                if (current.getGeneration() == generation && sameContent(current, existing)) {
                    // an earlier move copied and stopped before deleting the source: finish it
                    deleteSource(source, generation);
                    return true;
                }
                return false;
            }
            if (current.getGeneration() != generation) {
                throw new ChuteException(ErrorCode.CHANGED_WHILE_LOADING, expected.ref() + " (" + gs(source) + ") changed since it was read: expected generation "
                        + generation + ", found " + current.getGeneration());
            }
            if (refused == 404) {
                throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, what + ": the target bucket " + target.getBucket() + " was not found");
            }
            // both conditions hold again (the target came and went): try once more
        }
        throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, what + ": source or target kept changing during " + MOVE_ATTEMPTS + " attempts");
    }

    @Override
    public boolean deleteIf(ObjectInfo expected) {
        BlobId id = blobId(expected.ref());
        try {
            return storage.delete(id, BlobSourceOption.generationMatch(generationOf(expected)));
        } catch (StorageException e) {
            if (e.getCode() == 412) {
                return false;
            }
            throw translate(e, "cannot delete " + gs(id));
        }
    }

    /** Deletes the source of a move only at the generation that was copied; a newer upload stays. */
    private void deleteSource(BlobId source, long generation) {
        try {
            if (!storage.delete(source, BlobSourceOption.generationMatch(generation))) {
                log.debug("{} was already gone after its move", gs(source));
            }
        } catch (StorageException e) {
            if (e.getCode() == 412) {
                log.info("{} was uploaded again after generation {} was archived; the new upload stays in landing", gs(source), generation);
                return;
            }
            throw translate(e, "copied " + gs(source) + " but cannot delete it");
        }
    }

    private static boolean sameContent(Blob a, Blob b) {
        if (a.getSize() == null || !a.getSize().equals(b.getSize())) {
            return false;
        }
        if (a.getMd5() != null && b.getMd5() != null) {
            return a.getMd5().equals(b.getMd5());
        }
        return a.getCrc32c() != null && a.getCrc32c().equals(b.getCrc32c());
    }

    @Override
    public long write(ObjectRef ref, InputStream content, long maxBytes) {
        return write(ref, content, maxBytes, false);
    }

    /**
     * A write conditioned on the object not existing (generation 0): GCS refuses it with 412 when the
     * name exists, so of two writers exactly one gets it.
     */
    @Override
    public java.util.OptionalLong writeIfAbsent(ObjectRef ref, InputStream content, long maxBytes) {
        long written = write(ref, content, maxBytes, true);
        return written < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(written);
    }

    /** Writes; with {@code ifAbsent}, only where no object has the name, returning -1 when one does. */
    private long write(ObjectRef ref, InputStream content, long maxBytes, boolean ifAbsent) {
        BlobId id = blobId(ref);
        long written = 0;
        try {
            WriteChannel channel = ifAbsent ? storage.writer(BlobInfo.newBuilder(id).build(), Storage.BlobWriteOption.doesNotExist())
                    : storage.writer(BlobInfo.newBuilder(id).build());
            channel.setChunkSize(CHUNK);
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = content.read(buffer)) >= 0) {
                written += n;
                if (written > maxBytes) {
                    // the channel is left unclosed: an upload that is never finalized never becomes an object
                    throw new ChuteException(ErrorCode.CONFIGURATION, "object " + ref + " is larger than the limit of " + maxBytes + " bytes");
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
            }
            channel.close();
            return written;
        } catch (IOException e) {
            StorageException cause = storageCause(e);
            if (cause != null) {
                if (ifAbsent && cause.getCode() == 412) {
                    return -1;
                }
                throw translate(cause, "cannot write " + gs(id));
            }
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot write " + gs(id) + " after " + written + " bytes: " + e, e);
        } catch (StorageException e) {
            if (ifAbsent && e.getCode() == 412) {
                return -1;
            }
            throw translate(e, "cannot write " + gs(id));
        }
    }

    @Override
    public void put(ObjectRef ref, byte[] content) {
        BlobId id = blobId(ref);
        try {
            BlobInfo.Builder info = BlobInfo.newBuilder(id);
            if (ref.key().endsWith(".json")) {
                info.setContentType("application/json");
            }
            storage.create(info.build(), content);
        } catch (StorageException e) {
            throw translate(e, "cannot write " + gs(id));
        }
    }

    @Override
    public void delete(ObjectRef ref) {
        BlobId id = blobId(ref);
        try {
            storage.delete(id);
        } catch (StorageException e) {
            throw translate(e, "cannot delete " + gs(id));
        }
    }

    @Override
    public Optional<URI> uri(ObjectRef ref) {
        BlobId id = blobId(ref);
        try {
            return Optional.of(new URI("gs", id.getBucket(), "/" + id.getName(), null));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** One event per notification naming an object in landing; other buckets and prefixes are left out. */
    @Override
    public List<ObjectEvent> decodeNotification(byte[] body, Map<String, String> attributes) {
        GcsLocation landing = areas.get(ObjectRef.Area.LANDING);
        return GcsNotifications.decode(body, attributes)
                .filter(n -> landing.holds(n.bucket(), n.name()) && !n.name().endsWith("/"))
                .map(n -> List.of(new ObjectEvent(landing.key(n.name()), n.kind(), n.time(), "gcs " + n.format())))
                .orElse(List.of());
    }

    private static StorageException storageCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StorageException se) {
                return se;
            }
        }
        return null;
    }

    /** Client failures as Chute's: all retryable, with what GCS said; 403 says which roles the store needs. */
    static ChuteException translate(StorageException e, String what) {
        String said = "HTTP " + e.getCode() + (e.getReason() == null ? "" : " " + e.getReason()) + ": " + e.getMessage();
        if (e.getCode() == 401 || e.getCode() == 403) {
            return new ChuteException(ErrorCode.STORE_UNAVAILABLE, what + ": permission denied (" + said
                    + "); the store's credentials need roles/storage.objectUser on the landing, archive and failed buckets", e);
        }
        if (e.getCode() == 404) {
            return new ChuteException(ErrorCode.STORE_UNAVAILABLE, what + ": not found (" + said + "); does the bucket exist?", e);
        }
        return new ChuteException(ErrorCode.STORE_UNAVAILABLE, what + " (" + said + ")", e);
    }

    @Override
    public void close() {
        try {
            storage.close();
        } catch (Exception e) {
            log.debug("closing the storage client: {}", e.toString());
        }
    }
}
