package dev.chute.nats;

/**
 * What a {@link NatsEventSource} has done since it started.
 *
 * @param received messages taken from the stream
 * @param acknowledged messages acknowledged: their objects handled, or naming none
 * @param withoutObjects messages that named no object in landing (another bucket, a test event),
 *     acknowledged at once
 * @param rejected messages the store could not decode, terminated
 * @param released messages held longer than {@code max_hold}, handed back for redelivery
 * @param pending messages held now, waiting for their objects
 */
public record NatsCounts(long received, long acknowledged, long withoutObjects, long rejected, long released, int pending) {
}
