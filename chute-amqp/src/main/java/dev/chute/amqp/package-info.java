/**
 * RabbitMQ / AMQP 0-9-1 event source: bucket notifications (MinIO's AMQP target, or any publisher)
 * consumed from a queue with manual acknowledgements, sent after commit and archive.
 */
package dev.chute.amqp;
