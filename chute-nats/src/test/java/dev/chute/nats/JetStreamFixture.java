package dev.chute.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import java.io.IOException;
import java.util.UUID;

/** The test's own connection to the NATS server on loopback: a unique stream and subject per test, deleted afterwards. */
final class JetStreamFixture implements AutoCloseable {
    static final String URL = "nats://127.0.0.1:4222";

    final String stream;
    final String subject;
    private final Connection connection;

    JetStreamFixture() throws IOException, InterruptedException {
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        this.stream = "chute_test_" + id;
        this.subject = "chute.test." + id;
        this.connection = Nats.connect(URL);
    }

    /** The events: entry for this fixture's stream; {@code extra} adds keys ("ack_wait: 2s"). */
    String entry(String extra) {
        return "{type: nats, url: '" + URL + "', stream: " + stream + ", subject: " + subject + ", durable: workers, create_stream: true"
                + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    void publish(byte[] body) throws IOException, JetStreamApiException {
        connection.jetStream().publish(subject, body);
    }

    ConsumerInfo consumer() throws IOException, JetStreamApiException {
        return connection.jetStreamManagement().getConsumerInfo(stream, "workers");
    }

    long ackPending() throws IOException, JetStreamApiException {
        return consumer().getNumAckPending();
    }

    /** Deliveries so far, redeliveries included. */
    long deliveries() throws IOException, JetStreamApiException {
        return consumer().getDelivered().getConsumerSequence();
    }

    /** Messages left in the work-queue stream: acknowledged ones are removed. */
    long messagesInStream() throws IOException, JetStreamApiException {
        return connection.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
    }

    @Override
    public void close() throws Exception {
        try {
            connection.jetStreamManagement().deleteStream(stream);
        } catch (JetStreamApiException e) {
            // never created: the test failed before its source started
        } finally {
            connection.close();
        }
    }
}
