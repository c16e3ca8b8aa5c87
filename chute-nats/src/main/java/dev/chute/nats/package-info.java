/**
 * NATS JetStream event source: bucket notifications (MinIO's NATS target, or any publisher) read
 * through a durable pull consumer shared by all workers, acknowledged after commit and archive.
 */
package dev.chute.nats;
