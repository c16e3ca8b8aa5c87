package dev.chute.testkit;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 protocol server in the test JVM: S3Proxy over jclouds' filesystem backend in a
 * directory (or in memory), on a free loopback port, with signature checks on. Clients in other processes reach it
 * at {@link #endpoint()} with {@link #ACCESS_KEY}/{@link #SECRET_KEY}.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "chute-test-access";
    public static final String SECRET_KEY = "chute-test-secret-key";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final URI endpoint;

    public S3ProxyServer(Path dir, String... buckets) throws Exception {
        this(filesystem(dir), buckets);
    }

    /**
     * Over jclouds' in-memory backend. Unlike the filesystem backend, it never lists an upload that is
     * still being written (the filesystem backend writes to a temporary {@code <key>-<uuid>} file first,
     * which a concurrent listing can see, as no real S3 does).
     */
    public static S3ProxyServer inMemory(String... buckets) throws Exception {
        return new S3ProxyServer(ContextBuilder.newBuilder("transient").build(BlobStoreContext.class), buckets);
    }

    private static BlobStoreContext filesystem(Path dir) throws java.io.IOException {
        Files.createDirectories(dir);
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", dir.toString());
        return ContextBuilder.newBuilder("filesystem").overrides(properties).build(BlobStoreContext.class);
    }

    private S3ProxyServer(BlobStoreContext context, String... buckets) throws Exception {
        this.context = context;
        proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> "STARTED".equals(proxy.getState()));
        endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        for (String bucket : buckets) {
            context.getBlobStore().createContainerInLocation(null, bucket);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The backend's own view of the buckets, for assertions that must not go through the code under test. */
    public BlobStore blobStore() {
        return context.getBlobStore();
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop: " + e, e);
        } finally {
            context.close();
        }
    }
}
