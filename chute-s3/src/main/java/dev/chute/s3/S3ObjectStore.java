package dev.chute.s3;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Landing, archive and failed as bucket + prefix each, in AWS S3 or any S3-compatible store
 * (MinIO, Ceph, GCS's XML API), through the AWS SDK v2 with the SDK's default credential chain.
 *
 * <h2>What the engine gets</h2>
 * <ul>
 *   <li><b>Listing</b> is one paginated, prefix-scoped {@code ListObjectsV2} per area, streamed to
 *       the sink; keys ending in {@code /} (folder placeholders) are skipped. The areas never
 *       contain each other ({@link S3Settings} refuses that), so listing landing never lists the
 *       archive.
 *   <li><b>Fingerprint</b>: ETag, size and last-modified time (whole seconds, the precision that
 *       both listings and {@code HeadObject} report), so a listing and a stat of one object agree.
 *   <li><b>Content checksum</b>: a single-part upload's ETag is its MD5, so it becomes
 *       {@code md5:<hex>} (unless {@code etag_checksums: false}, for SSE-KMS/SSE-C buckets whose
 *       ETags are not MD5s). A multipart ETag ({@code <hex>-<parts>}) is no content checksum:
 *       {@link #stat} then offers a full-object {@code x-amz-checksum-sha256} if the object has
 *       one and the store answers {@code x-amz-checksum-mode} (not asked with
 *       {@code checksums: when_required}) as {@code sha256:<hex>}, and otherwise nothing, and the
 *       engine computes SHA-256 while reading. A listing offers the MD5 only; the full-object
 *       SHA-256 it leaves out is exactly what the engine computes, so a version is named the same
 *       whichever way it was found. The same bytes uploaded once in one part and once in several
 *       are two names (MD5 and SHA-256), so such a re-upload is loaded again rather than
 *       recognised as a duplicate.
 *   <li><b>Reads</b> stream: {@link #open} returns the response stream, {@link #materialize}
 *       downloads into the target file. Nothing holds an object in memory.
 *   <li><b>Writes</b> ({@link #write}) send objects up to one part (8 MiB) with one
 *       {@code PutObject}, longer streams as a multipart upload, one part buffer at a time. Both
 *       become visible at once, whole, when S3 acknowledges them; a failed or too long upload is
 *       aborted and leaves nothing.
 * </ul>
 *
 * <h2>Moves and their guarantees</h2>
 * S3 has no rename: {@link #move} copies on the server and then deletes the source.
 * <ol>
 *   <li>{@code HeadObject} on the source: gone is {@link ErrorCode#OBJECT_GONE}.
 *   <li>{@code HeadObject} on the target: if it exists, the move is refused ({@code false})
 *       unless the target is the expected object's copy from an earlier, interrupted move (same
 *       size, and the expected ETag either as its own ETag or in the {@code chute-source-etag}
 *       metadata every copy gets): then only the delete is redone, and the move succeeds (or,
 *       if a new upload has replaced the source meanwhile, it is left alone and the move reports
 *       {@link ErrorCode#CHANGED_WHILE_LOADING}).
 *   <li>The source's ETag or size differs from the expected fingerprint:
 *       {@link ErrorCode#CHANGED_WHILE_LOADING}.
 *   <li>Copy with {@code x-amz-copy-source-if-match: <etag>} (and the source's version id on a
 *       versioned bucket), so a source rewritten since the check is never archived in its place,
 *       and with {@code If-None-Match: *} on the target where the store supports it. Objects up
 *       to 5 GiB take one {@code CopyObject}; larger ones a multipart copy
 *       ({@code UploadPartCopy}, every part conditioned on the same ETag). Metadata (content type,
 *       encoding, user metadata) is carried over.
 *   <li>Delete the source: on a versioned bucket by its version id, so an upload that arrived in
 *       the meantime is a different version and survives; on an unversioned bucket with
 *       {@code If-Match: <etag>} (a conditional delete, which AWS S3 honours since 2025-09).
 * </ol>
 *
 * <h2>Windows that remain</h2>
 * <ul>
 *   <li><b>Unversioned buckets on stores without conditional deletes</b> (older MinIO and Ceph,
 *       S3Proxy, many S3-compatible services ignore {@code If-Match} on {@code DELETE}): a new
 *       upload to the same landing key that lands between the copy and the delete (milliseconds)
 *       is deleted with the source, unloaded. Use a versioned landing bucket, or producers that
 *       never reuse a key, where that matters.
 *   <li><b>Versioned buckets</b>: deleting the current version by id makes the previous version
 *       current again. If a producer overwrote a key before Chute loaded it, that older version
 *       then reappears in landing and is loaded as a version of its own.
 *   <li><b>Two movers to one target</b>: stores that ignore {@code If-None-Match} on copies let a
 *       copy that starts between the target check and the copy overwrite the target. Chute's own
 *       moves of one key are serialised by the ledger, so this needs a second writer.
 * </ul>
 *
 * <p>Thread-safe: the SDK client is, and the store keeps no other mutable state than what it
 * learned about the store's support for conditional headers.
 */
public final class S3ObjectStore implements ObjectStore {
    private static final Logger log = LoggerFactory.getLogger(S3ObjectStore.class);

    /** User metadata on every copy: the source's ETag, to recognise an interrupted move. */
    static final String SOURCE_ETAG = "chute-source-etag";
    /** The largest object one {@code CopyObject} can copy. */
    static final long MAX_SINGLE_COPY = 5L << 30;
    private static final int MAX_PARTS = 10_000;
    private static final Pattern MD5 = Pattern.compile("[0-9a-fA-F]{32}");

    private final S3Client s3;
    private final S3Settings settings;
    private final S3Notifications notifications;
    private final long multipartCopyThreshold;
    private final long copyPartSize;
    private final int writePartSize;
    private volatile boolean checksumMode;
    private volatile boolean conditionalCopy = true;
    private volatile boolean conditionalDelete = true;

    /** A store on a client built from the settings; the store closes it. */
    public static S3ObjectStore open(S3Settings settings) {
        return new S3ObjectStore(client(settings), settings, MAX_SINGLE_COPY, 1L << 30, 8 << 20);
    }

    /**
     * A store on the given client (closed with the store). Objects larger than
     * {@code multipartCopyThreshold} are copied in parts of {@code copyPartSize}; writes are sent
     * in parts of {@code writePartSize} bytes, which is also the memory one write holds.
     */
    S3ObjectStore(S3Client s3, S3Settings settings, long multipartCopyThreshold, long copyPartSize, int writePartSize) {
        this.s3 = requireNonNull(s3, "s3 is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.notifications = new S3Notifications(settings.landing());
        if (multipartCopyThreshold < 1 || multipartCopyThreshold > MAX_SINGLE_COPY) {
            throw new IllegalArgumentException("multipartCopyThreshold must be in 1.." + MAX_SINGLE_COPY + ", found " + multipartCopyThreshold);
        }
        if (copyPartSize < (5 << 20) || copyPartSize > MAX_SINGLE_COPY) {
            throw new IllegalArgumentException("copyPartSize must be 5 MiB..5 GiB, found " + copyPartSize);
        }
        if (writePartSize < (5 << 20)) {
            throw new IllegalArgumentException("writePartSize must be at least 5 MiB (S3's smallest part), found " + writePartSize);
        }
        this.multipartCopyThreshold = multipartCopyThreshold;
        this.copyPartSize = copyPartSize;
        this.writePartSize = writePartSize;
        this.checksumMode = settings.checksums() == S3Settings.Checksums.WHEN_SUPPORTED;
    }

    /** The SDK client for the settings: default credential chain, endpoint, region, path style, checksum policy. */
    public static S3Client client(S3Settings settings) {
        return clientBuilder(settings).build();
    }

    static S3ClientBuilder clientBuilder(S3Settings settings) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder())
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle());
        settings.endpoint().ifPresent(builder::endpointOverride);
        if (settings.checksums() == S3Settings.Checksums.WHEN_REQUIRED) {
            builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        } else {
            builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_SUPPORTED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_SUPPORTED);
        }
        return builder;
    }

    public S3Settings settings() {
        return settings;
    }

    @Override
    public String describe() {
        return settings.landing().toString() + settings.endpoint().map(e -> " at " + e).orElse("");
    }

    private S3Location location(ObjectRef.Area area) {
        return switch (area) {
            case LANDING -> settings.landing();
            case ARCHIVE -> settings.archive();
            case FAILED -> settings.failed();
        };
    }

    @Override
    public Optional<URI> uri(ObjectRef ref) {
        S3Location loc = location(ref.area());
        return Optional.of(URI.create("s3://" + loc.bucket() + "/" + encodePath(loc.key(ref.key()))));
    }

    private static String encodePath(String key) {
        StringBuilder out = new StringBuilder();
        for (byte b : key.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    @Override
    public List<ObjectEvent> decodeNotification(byte[] body, Map<String, String> attributes) {
        return notifications.decode(body, attributes);
    }

    @Override
    public void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink) {
        S3Location loc = location(area);
        String scope = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        try {
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(loc.bucket()).prefix(loc.key(scope))).contents()) {
                String key = o.key();
                if (key.endsWith("/") || !key.startsWith(loc.prefix())) {
                    continue;
                }
                String relative = key.substring(loc.prefix().length());
                if (relative.isEmpty() || relative.startsWith("/")) {
                    // "landing//x" has no relative form an ObjectRef accepts; nothing can route it anyway
                    log.debug("skipping object {} in {}: its key has no relative form", key, loc);
                    continue;
                }
                String etag = etag(o.eTag());
                sink.accept(new ObjectInfo(new ObjectRef(area, relative), o.size(), o.lastModified().truncatedTo(ChronoUnit.SECONDS),
                        fingerprint(etag, o.size(), o.lastModified()), etagChecksum(etag)));
            }
        } catch (SdkException e) {
            throw failure("list", loc + scope, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(ObjectRef ref) {
        return head(ref).map(h -> info(ref, h));
    }

    private ObjectInfo info(ObjectRef ref, HeadObjectResponse h) {
        String etag = etag(h.eTag());
        long size = h.contentLength();
        Optional<String> checksum = etagChecksum(etag).or(() -> fullObjectSha256(h));
        return new ObjectInfo(ref, size, h.lastModified().truncatedTo(ChronoUnit.SECONDS), fingerprint(etag, size, h.lastModified()), checksum);
    }

    private Optional<HeadObjectResponse> head(ObjectRef ref) {
        S3Location loc = location(ref.area());
        try {
            boolean withChecksums = checksumMode;
            return Optional.of(s3.headObject(b -> b.bucket(loc.bucket()).key(loc.key(ref.key())).checksumMode(withChecksums ? ChecksumMode.ENABLED : null)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            if (checksumMode && notImplemented(e)) {
                log.info("{} does not support x-amz-checksum-mode ({}); content checksums come from ETags or are computed", describe(), e.statusCode());
                checksumMode = false;
                return head(ref);
            }
            throw failure("stat", ref, e);
        } catch (SdkException e) {
            throw failure("stat", ref, e);
        }
    }

    private Optional<String> etagChecksum(String etag) {
        return settings.etagChecksums() && MD5.matcher(etag).matches() ? Optional.of("md5:" + etag.toLowerCase(Locale.ROOT)) : Optional.empty();
    }

    /** A SHA-256 of the whole content, which a multipart upload's composite checksum ({@code ...-N}) is not. */
    private static Optional<String> fullObjectSha256(HeadObjectResponse h) {
        String value = h.checksumSHA256();
        if (value == null || value.contains("-") || (h.checksumType() != null && h.checksumType() != ChecksumType.FULL_OBJECT)) {
            return Optional.empty();
        }
        try {
            byte[] digest = Base64.getDecoder().decode(value);
            return digest.length == 32 ? Optional.of("sha256:" + HexFormat.of().formatHex(digest)) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static String etag(String raw) {
        if (raw == null) {
            return "";
        }
        String etag = raw.startsWith("W/") ? raw.substring(2) : raw;
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
    }

    private static String fingerprint(String etag, long size, Instant lastModified) {
        return etag + "/" + size + "/" + lastModified.truncatedTo(ChronoUnit.SECONDS);
    }

    /** The ETag part of a fingerprint made by this store. */
    private static String etagOf(ObjectInfo info) {
        String f = info.fingerprint();
        int end = f.lastIndexOf('/', f.lastIndexOf('/') - 1);
        return end < 0 ? f : f.substring(0, end);
    }

    @Override
    public InputStream open(ObjectRef ref) {
        S3Location loc = location(ref.area());
        try {
            return s3.getObject(b -> b.bucket(loc.bucket()).key(loc.key(ref.key())));
        } catch (SdkException e) {
            throw failure("read", ref, e);
        }
    }

    @Override
    public void materialize(ObjectRef ref, Path target) {
        S3Location loc = location(ref.area());
        try {
            if (target.getParent() != null) {
                Files.createDirectories(target.getParent());
            }
            // the SDK writes the body to the file as it arrives: memory stays at one buffer
            s3.getObject(b -> b.bucket(loc.bucket()).key(loc.key(ref.key())), ResponseTransformer.toFile(target));
        } catch (SdkException e) {
            deleteQuietly(target);
            throw failure("download", ref, e);
        } catch (IOException e) {
            deleteQuietly(target);
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot stage " + ref + " at " + target + ": " + e, e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("could not delete the partial download {}: {}", file, e.toString());
        }
    }

    @Override
    public boolean move(ObjectInfo expected, ObjectRef.Area targetArea, String targetKey) {
        ObjectRef source = expected.ref();
        ObjectRef target = new ObjectRef(targetArea, targetKey);
        S3Location from = location(source.area());
        S3Location to = location(targetArea);
        String expectedEtag = etagOf(expected);
        HeadObjectResponse current = head(source).orElseThrow(() -> gone(source));
        String currentEtag = etag(current.eTag());
        Optional<HeadObjectResponse> existing = head(target);
        if (existing.isPresent()) {
            HeadObjectResponse t = existing.get();
            boolean copyOfSource = t.contentLength() == expected.size()
                    && (etag(t.eTag()).equals(expectedEtag) || expectedEtag.equals(t.metadata().get(SOURCE_ETAG)));
            if (!copyOfSource) {
                return false;
            }
            if (!currentEtag.equals(expectedEtag) || current.contentLength() != expected.size()) {
                // the expected version was copied; what is in the source's place now is a newer upload
                throw changed(source, expected, info(source, current));
            }
            // an earlier move copied and stopped before its delete: finish it
            deleteSource(source, current);
            return true;
        }
        if (!currentEtag.equals(expectedEtag) || current.contentLength() != expected.size()) {
            throw changed(source, expected, info(source, current));
        }
        String versionId = versioned(current) ? current.versionId() : null;
        try {
            if (current.contentLength() > multipartCopyThreshold) {
                multipartCopy(source, from, to.key(targetKey), to.bucket(), current, versionId);
            } else {
                copy(from.bucket(), from.key(source.key()), to.bucket(), to.key(targetKey), current, versionId);
            }
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return preconditionFailed(expected, target);
            }
            if (e.statusCode() == 404) {
                throw gone(source);
            }
            throw failure("move", source + " to " + target + " (copy)", e);
        } catch (SdkException e) {
            throw failure("move", source + " to " + target + " (copy)", e);
        }
        deleteSource(source, current);
        return true;
    }

    /** A conditional copy was refused: the source changed or went, or the target appeared meanwhile. */
    private boolean preconditionFailed(ObjectInfo expected, ObjectRef target) {
        HeadObjectResponse now = head(expected.ref()).orElseThrow(() -> gone(expected.ref()));
        if (!etag(now.eTag()).equals(etagOf(expected))) {
            throw changed(expected.ref(), expected, info(expected.ref(), now));
        }
        if (head(target).isPresent()) {
            return false;
        }
        throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "the store refused to copy " + expected.ref() + " to " + target
                + " (precondition failed) although the source is unchanged and the target absent; trying again later");
    }

    private static boolean versioned(HeadObjectResponse h) {
        return h.versionId() != null && !h.versionId().isEmpty() && !h.versionId().equals("null");
    }

    private Map<String, String> copyMetadata(HeadObjectResponse source) {
        Map<String, String> metadata = new HashMap<>(source.metadata());
        metadata.put(SOURCE_ETAG, etag(source.eTag()));
        return metadata;
    }

    private void copy(String fromBucket, String fromKey, String toBucket, String toKey, HeadObjectResponse source, String versionId) {
        try {
            s3.copyObject(b -> {
                b.sourceBucket(fromBucket).sourceKey(fromKey).sourceVersionId(versionId)
                        .destinationBucket(toBucket).destinationKey(toKey)
                        .copySourceIfMatch(quoted(source.eTag()))
                        .metadataDirective(MetadataDirective.REPLACE).metadata(copyMetadata(source))
                        .contentType(source.contentType()).contentEncoding(source.contentEncoding())
                        .contentDisposition(source.contentDisposition()).contentLanguage(source.contentLanguage())
                        .cacheControl(source.cacheControl());
                if (conditionalCopy) {
                    b.ifNoneMatch("*");
                }
            });
        } catch (S3Exception e) {
            if (conditionalCopy && notImplemented(e)) {
                log.info("{} does not support If-None-Match on copies ({}); copies check the target beforehand only", describe(), e.awsErrorDetails().errorCode());
                conditionalCopy = false;
                copy(fromBucket, fromKey, toBucket, toKey, source, versionId);
                return;
            }
            throw e;
        }
    }

    private void multipartCopy(ObjectRef source, S3Location from, String toKey, String toBucket, HeadObjectResponse head, String versionId) {
        long size = head.contentLength();
        long partSize = Math.max(copyPartSize, (size + MAX_PARTS - 1) / MAX_PARTS);
        String uploadId = s3.createMultipartUpload(b -> b.bucket(toBucket).key(toKey).metadata(copyMetadata(head))
                .contentType(head.contentType()).contentEncoding(head.contentEncoding())
                .contentDisposition(head.contentDisposition()).contentLanguage(head.contentLanguage())
                .cacheControl(head.cacheControl())).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long start = 0; start < size; start += partSize, number++) {
                long end = Math.min(size, start + partSize) - 1;
                int partNumber = number;
                String range = "bytes=" + start + "-" + end;
                UploadPartCopyResponse r = s3.uploadPartCopy(b -> b.sourceBucket(from.bucket()).sourceKey(from.key(source.key()))
                        .sourceVersionId(versionId).copySourceIfMatch(quoted(head.eTag())).copySourceRange(range)
                        .destinationBucket(toBucket).destinationKey(toKey).uploadId(uploadId).partNumber(partNumber));
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(r.copyPartResult().eTag()).build());
            }
            s3.completeMultipartUpload(b -> b.bucket(toBucket).key(toKey).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
        } catch (RuntimeException e) {
            abort(toBucket, toKey, uploadId);
            throw e;
        }
    }

    @Override
    public boolean deleteIf(ObjectInfo expected) {
        Optional<HeadObjectResponse> current = head(expected.ref());
        if (current.isEmpty() || !etag(current.get().eTag()).equals(etagOf(expected)) || current.get().contentLength() != expected.size()) {
            return false;
        }
        S3Location loc = location(expected.ref().area());
        String key = loc.key(expected.ref().key());
        try {
            if (versioned(current.get())) {
                s3.deleteObject(b -> b.bucket(loc.bucket()).key(key).versionId(current.get().versionId()));
            } else {
                deleteIfUnchanged(loc.bucket(), key, current.get().eTag());
            }
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return false;
            }
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("delete", expected.ref().toString(), e);
        } catch (SdkException e) {
            throw failure("delete", expected.ref().toString(), e);
        }
    }

    private void deleteSource(ObjectRef source, HeadObjectResponse current) {
        S3Location loc = location(source.area());
        String key = loc.key(source.key());
        try {
            if (versioned(current)) {
                s3.deleteObject(b -> b.bucket(loc.bucket()).key(key).versionId(current.versionId()));
                return;
            }
            deleteIfUnchanged(loc.bucket(), key, current.eTag());
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                // a new upload replaced the source after the copy: it stays in landing, and loads as a new version
                log.info("{} was replaced while it was moved; the new upload stays", source);
                return;
            }
            if (e.statusCode() == 404) {
                return;
            }
            throw failure("delete", source + " after copying it", e);
        } catch (SdkException e) {
            throw failure("delete", source + " after copying it", e);
        }
    }

    private void deleteIfUnchanged(String bucket, String key, String etag) {
        try {
            s3.deleteObject(b -> {
                b.bucket(bucket).key(key);
                if (conditionalDelete) {
                    b.ifMatch(quoted(etag));
                }
            });
        } catch (S3Exception e) {
            if (conditionalDelete && notImplemented(e)) {
                log.info("{} does not support conditional deletes ({}); see the javadoc of S3ObjectStore for the window that leaves",
                        describe(), e.awsErrorDetails().errorCode());
                conditionalDelete = false;
                deleteIfUnchanged(bucket, key, etag);
                return;
            }
            throw e;
        }
    }

    private static boolean notImplemented(S3Exception e) {
        String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
        return e.statusCode() == 501 || code.equals("NotImplemented");
    }

    private static String quoted(String etag) {
        String bare = etag(etag);
        return "\"" + bare + "\"";
    }

    @Override
    public void put(ObjectRef ref, byte[] content) {
        write(ref, new java.io.ByteArrayInputStream(content), content.length);
    }

    @Override
    public long write(ObjectRef ref, InputStream content, long maxBytes) {
        return write(ref, content, maxBytes, false);
    }

    /**
     * A conditional put ({@code If-None-Match: *}, on the single put or on completing the multipart
     * upload): S3 refuses it with 412 (or 409 while another conditional write of the key is in flight)
     * when the key exists, so of two writers exactly one gets it.
     */
    @Override
    public java.util.OptionalLong writeIfAbsent(ObjectRef ref, InputStream content, long maxBytes) {
        long written = write(ref, content, maxBytes, true);
        return written < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(written);
    }

    /** Writes; with {@code ifAbsent}, only where the key does not exist, returning -1 when it does. */
    private long write(ObjectRef ref, InputStream content, long maxBytes, boolean ifAbsent) {
        S3Location loc = location(ref.area());
        String key = loc.key(ref.key());
        // one buffer, never larger than a part: small writes (sidecars) allocate only what they need
        byte[] buffer = new byte[maxBytes >= writePartSize ? writePartSize : (int) Math.max(0, maxBytes) + 1];
        try {
            int n = fill(content, buffer);
            if (n < buffer.length) {
                s3.putObject(b -> b.bucket(loc.bucket()).key(key).contentLength((long) n).ifNoneMatch(ifAbsent ? "*" : null), body(buffer, n));
                return n;
            }
            if (buffer.length > maxBytes) {
                throw tooLarge(ref, maxBytes);
            }
            return multipartWrite(ref, loc.bucket(), key, content, buffer, n, maxBytes, ifAbsent);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot write " + ref + ": reading its content failed: " + e, e);
        } catch (S3Exception e) {
            if (ifAbsent && (e.statusCode() == 412 || e.statusCode() == 409)) {
                return -1;
            }
            throw failure("write", ref, e);
        } catch (SdkException e) {
            throw failure("write", ref, e);
        }
    }

    private long multipartWrite(ObjectRef ref, String bucket, String key, InputStream content, byte[] buffer, int first, long maxBytes,
                                boolean ifAbsent) throws IOException {
        boolean crc = settings.checksums() == S3Settings.Checksums.WHEN_SUPPORTED;
        String uploadId = s3.createMultipartUpload(b -> {
            b.bucket(bucket).key(key);
            if (crc) {
                b.checksumAlgorithm(ChecksumAlgorithm.CRC32);
            }
        }).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            long total = 0;
            int n = first;
            while (n > 0) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge(ref, maxBytes);
                }
                int partNumber = parts.size() + 1;
                if (partNumber > MAX_PARTS) {
                    throw new ChuteException(ErrorCode.CONFIGURATION, "object " + ref + " needs more than " + MAX_PARTS + " parts of " + buffer.length + " bytes");
                }
                int length = n;
                UploadPartResponse r = s3.uploadPart(b -> {
                    b.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber).contentLength((long) length);
                    if (crc) {
                        b.checksumAlgorithm(ChecksumAlgorithm.CRC32);
                    }
                }, body(buffer, length));
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(r.eTag()).checksumCRC32(crc ? r.checksumCRC32() : null).build());
                n = fill(content, buffer);
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)).ifNoneMatch(ifAbsent ? "*" : null));
            return total;
        } catch (IOException | RuntimeException e) {
            abort(bucket, key, uploadId);
            throw e;
        }
    }

    /** A body over the buffer that the SDK may read more than once (signing, retries) without copying it. */
    private static RequestBody body(byte[] buffer, int length) {
        return RequestBody.fromContentProvider(() -> new java.io.ByteArrayInputStream(buffer, 0, length), length, "application/octet-stream");
    }

    private static int fill(InputStream in, byte[] buffer) throws IOException {
        int n = 0;
        while (n < buffer.length) {
            int r = in.read(buffer, n, buffer.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    private static ChuteException tooLarge(ObjectRef ref, long maxBytes) {
        return new ChuteException(ErrorCode.CONFIGURATION, "object " + ref + " is larger than the limit of " + maxBytes + " bytes");
    }

    private void abort(String bucket, String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            // a lifecycle rule for incomplete uploads cleans what an abort could not
            log.warn("could not abort the multipart upload {} of s3://{}/{}: {}", uploadId, bucket, key, e.getMessage());
        }
    }

    @Override
    public void delete(ObjectRef ref) {
        S3Location loc = location(ref.area());
        try {
            s3.deleteObject(b -> b.bucket(loc.bucket()).key(loc.key(ref.key())));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw failure("delete", ref, e);
            }
        } catch (SdkException e) {
            throw failure("delete", ref, e);
        }
    }

    private ChuteException gone(ObjectRef ref) {
        return new ChuteException(ErrorCode.OBJECT_GONE, ref + " no longer exists in " + location(ref.area()));
    }

    private static ChuteException changed(ObjectRef ref, ObjectInfo expected, ObjectInfo found) {
        return new ChuteException(ErrorCode.CHANGED_WHILE_LOADING,
                ref + " changed since it was read: expected " + expected.fingerprint() + ", found " + found.fingerprint());
    }

    /** Maps an SDK failure: a missing object is {@link ErrorCode#OBJECT_GONE}, anything else transient. */
    private ChuteException failure(String action, Object what, SdkException e) {
        if (e instanceof S3Exception s3e) {
            String code = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorCode();
            if (s3e.statusCode() == 404 && !"NoSuchBucket".equals(code) && !"NoSuchUpload".equals(code)) {
                return new ChuteException(ErrorCode.OBJECT_GONE, what + " no longer exists (" + action + " answered 404)", e);
            }
            String hint = switch (s3e.statusCode()) {
                case 403 -> "; access denied: check the credentials the SDK found and the bucket policy";
                case 301, 400 -> code != null && code.contains("Region") || s3e.statusCode() == 301
                        ? "; check store.region and store.endpoint" : "";
                default -> "";
            };
            return new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot " + action + " " + what + " in " + describe() + ": HTTP "
                    + s3e.statusCode() + " " + (code == null ? "" : code) + " " + s3e.getMessage() + hint, e);
        }
        return new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot " + action + " " + what + " in " + describe() + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        s3.close();
    }
}
