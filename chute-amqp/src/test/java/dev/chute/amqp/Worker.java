package dev.chute.amqp;

import dev.chute.testkit.BrokerWorker;
import java.nio.file.Path;

/** One Chute worker whose pipeline is fed by the AMQP source of the {@code events:} entry. */
final class Worker extends BrokerWorker<AmqpEventSource> {
    Worker(Path home, String yaml, boolean archiveWorks) {
        super(home, yaml, archiveWorks, new AmqpEventSourceFactory());
    }
}
