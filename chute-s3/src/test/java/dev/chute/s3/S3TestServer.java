package dev.chute.s3;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 protocol server in the test JVM: S3Proxy over jclouds' filesystem backend in a
 * directory, on a free loopback port, with signature checks on. Credentials go to the SDK's
 * default chain through the {@code aws.accessKeyId}/{@code aws.secretAccessKey} system properties,
 * as an operator's environment would provide them.
 */
final class S3TestServer implements AutoCloseable {
    static final String ACCESS_KEY = "chute-test-access";
    static final String SECRET_KEY = "chute-test-secret-key";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final URI endpoint;

    S3TestServer(Path dir, String... buckets) throws Exception {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        Files.createDirectories(dir);
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", dir.toString());
        context = ContextBuilder.newBuilder("filesystem").overrides(properties).build(BlobStoreContext.class);
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

    URI endpoint() {
        return endpoint;
    }

    /** Store settings for this server: path style and the relaxed checksum policy S3Proxy needs. */
    Map<String, String> settings(String landing, String archive, String failed) {
        return Map.of("type", "s3", "endpoint", endpoint.toString(), "path_style", "true", "checksums", "when_required",
                "landing", landing, "archive", archive, "failed", failed);
    }

    /** A plain SDK client, as a producer would use it. */
    S3Client client() {
        return S3ObjectStore.client(S3Settings.from(new dev.chute.spi.ConnectorContext(Path.of("."), settings("s3://x/l/", "s3://x/a/", "s3://x/f/"))));
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
