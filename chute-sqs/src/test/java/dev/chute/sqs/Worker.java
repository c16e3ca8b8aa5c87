package dev.chute.sqs;

import dev.chute.testkit.BrokerWorker;
import java.nio.file.Path;

/** One Chute worker whose pipeline is fed by the SQS source of the {@code events:} entry. */
final class Worker extends BrokerWorker<SqsEventSource> {
    Worker(Path home, String yaml, boolean archiveWorks) {
        super(home, yaml, archiveWorks, new SqsEventSourceFactory());
    }
}
