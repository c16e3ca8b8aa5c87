package dev.chute.sqs;

import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** ElasticMQ, an SQS-compatible server, in this JVM on a free loopback port; a unique queue per test. */
final class SqsFixture implements AutoCloseable {
    private static SQSRestServer server;
    private static URI endpoint;

    final String queueUrl;
    private final SqsClient client;

    /** Starts the server once for the test class. */
    static synchronized void startServer() {
        if (server == null) {
            server = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
            endpoint = URI.create("http://127.0.0.1:" + server.waitUntilStarted().localAddress().getPort());
        }
    }

    static synchronized void stopServer() {
        if (server != null) {
            server.stopAndWait();
            server = null;
        }
    }

    SqsFixture() {
        client = SqsClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build();
        String name = "chute-test-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        queueUrl = client.createQueue(r -> r.queueName(name)).queueUrl();
    }

    /** The events: entry for this fixture's queue; {@code extra} adds keys ("visibility_timeout: 2s"). */
    String entry(String extra) {
        return "{type: sqs, queue_url: '" + queueUrl + "', endpoint: '" + endpoint + "', region: us-east-1"
                + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    static URI endpoint() {
        return endpoint;
    }

    void send(String body) {
        client.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
    }

    /** Messages waiting to be received. */
    long visible() {
        return attribute(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
    }

    /** Messages received and neither deleted nor visible again. */
    long inFlight() {
        return attribute(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
    }

    private long attribute(QueueAttributeName name) {
        Map<QueueAttributeName, String> attributes = client.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(name)).attributes();
        return Long.parseLong(attributes.get(name));
    }

    @Override
    public void close() {
        try {
            client.deleteQueue(r -> r.queueUrl(queueUrl));
        } finally {
            client.close();
        }
    }
}
