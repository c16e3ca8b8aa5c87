package dev.chute.amqp;

/**
 * What an {@link AmqpEventSource} has done since it started.
 *
 * @param received deliveries taken from the queue (redeliveries included)
 * @param acknowledged deliveries acknowledged: their objects handled, or naming none
 * @param withoutObjects deliveries that named no object in landing, acknowledged at once
 * @param rejected deliveries the store could not decode, rejected without requeueing
 * @param released deliveries held longer than {@code max_hold}, requeued
 * @param pending deliveries held now, waiting for their objects
 * @param reconnects times the source reconnected after losing its connection or channel
 */
public record AmqpCounts(long received, long acknowledged, long withoutObjects, long rejected, long released, int pending, long reconnects) {
}
