package dev.chute.sqs;

/**
 * What an {@link SqsEventSource} has done since it started.
 *
 * @param received messages received (receives of the same message again included)
 * @param acknowledged messages deleted: their objects handled, naming none, or undecodable
 * @param withoutObjects messages that named no object in landing (another bucket, S3's test
 *     event), deleted at once
 * @param rejected messages the store could not decode, deleted
 * @param released messages held longer than {@code max_hold}, made visible again
 * @param pending messages held now, waiting for their objects
 */
public record SqsCounts(long received, long acknowledged, long withoutObjects, long rejected, long released, int pending) {
}
