package dev.chute.nats;

import dev.chute.testkit.BrokerWorker;
import java.nio.file.Path;

/** One Chute worker whose pipeline is fed by the NATS source of the {@code events:} entry. */
final class Worker extends BrokerWorker<NatsEventSource> {
    Worker(Path home, String yaml, boolean archiveWorks) {
        super(home, yaml, archiveWorks, new NatsEventSourceFactory());
    }
}
