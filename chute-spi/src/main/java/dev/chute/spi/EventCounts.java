package dev.chute.spi;

/**
 * What an {@link EventSource} has done since it started, for status and metrics.
 *
 * @param received messages or deliveries taken in
 * @param acknowledged messages acknowledged: their objects handled, or naming none
 * @param withoutObjects messages that named no object in landing (another bucket, a test event), acknowledged at once
 * @param rejected payloads the store could not decode, removed so they cannot loop
 * @param released messages held longer than allowed, handed back to the broker for redelivery
 * @param pending messages held now, waiting for their objects
 */
public record EventCounts(long received, long acknowledged, long withoutObjects, long rejected, long released, int pending) {
    /** A source that does not count (a filesystem watch). */
    public static final EventCounts NONE = new EventCounts(0, 0, 0, 0, 0, 0);
}
