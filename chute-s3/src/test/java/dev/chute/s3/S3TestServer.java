package dev.chute.s3;

import dev.chute.testkit.S3ProxyServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 protocol server in the test JVM: S3Proxy over jclouds' filesystem backend in a
 * directory, on a free loopback port, with signature checks on. Credentials go to the SDK's
 * default chain through the {@code aws.accessKeyId}/{@code aws.secretAccessKey} system properties,
 * as an operator's environment would provide them.
 */
final class S3TestServer implements AutoCloseable {
    static final String ACCESS_KEY = S3ProxyServer.ACCESS_KEY;
    static final String SECRET_KEY = S3ProxyServer.SECRET_KEY;

    private final S3ProxyServer server;

    S3TestServer(Path dir, String... buckets) throws Exception {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        server = new S3ProxyServer(dir, buckets);
    }

    URI endpoint() {
        return server.endpoint();
    }

    /** Store settings for this server: path style and the relaxed checksum policy S3Proxy needs. */
    Map<String, String> settings(String landing, String archive, String failed) {
        return Map.of("type", "s3", "endpoint", endpoint().toString(), "path_style", "true", "checksums", "when_required",
                "landing", landing, "archive", archive, "failed", failed);
    }

    /** A plain SDK client, as a producer would use it. */
    S3Client client() {
        return S3ObjectStore.client(S3Settings.from(new dev.chute.spi.ConnectorContext(Path.of("."), settings("s3://x/l/", "s3://x/a/", "s3://x/f/"))));
    }

    @Override
    public void close() {
        server.close();
    }
}
