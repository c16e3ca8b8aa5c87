/**
 * Amazon SQS event source: S3 event notifications (directly, or through SNS) received from a queue
 * with long polling, and deleted after commit and archive.
 */
package dev.chute.sqs;
