package dev.chute.amqp;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.util.UUID;

/** The test's own connection to RabbitMQ on loopback: a unique queue (and exchange) per test, deleted afterwards. */
final class RabbitFixture implements AutoCloseable {
    static final String URI = "amqp://guest:guest@127.0.0.1:5672/%2F";

    final String queue;
    final String exchange;
    private final Connection connection;
    private final Channel channel;

    RabbitFixture() throws Exception {
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        this.queue = "chute.test." + id;
        this.exchange = "chute.test.x." + id;
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(URI);
        this.connection = factory.newConnection("chute-test");
        this.channel = connection.createChannel();
    }

    /** The events: entry for this fixture's queue; {@code extra} adds keys ("declare: true"). */
    String entry(String extra) {
        return "{type: amqp, uri: '" + URI + "', queue: '" + queue + "'" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    void declareQueue() throws IOException {
        channel.queueDeclare(queue, true, false, false, null);
    }

    /** A topic exchange like the one MinIO's AMQP target publishes to. */
    void declareExchange() throws IOException {
        channel.exchangeDeclare(exchange, "topic", true);
    }

    /** Publishes straight to the queue through the default exchange. */
    void publish(byte[] body) throws IOException {
        channel.basicPublish("", queue, null, body);
    }

    void publishToExchange(String routingKey, byte[] body) throws IOException {
        channel.basicPublish(exchange, routingKey, null, body);
    }

    /** Messages ready in the queue: neither delivered to a consumer nor acknowledged. */
    long ready() throws IOException {
        return channel.queueDeclarePassive(queue).getMessageCount();
    }

    void deleteQueue() throws IOException {
        channel.queueDelete(queue);
    }

    @Override
    public void close() throws Exception {
        try {
            channel.queueDelete(queue);
            channel.exchangeDelete(exchange);
        } finally {
            connection.close();
        }
    }
}
