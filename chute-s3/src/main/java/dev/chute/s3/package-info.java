/**
 * {@code store.type: s3}: landing, archive and failed areas in S3-compatible buckets through the
 * AWS SDK v2 ({@link dev.chute.s3.S3ObjectStore}, configured by {@link dev.chute.s3.S3Settings}),
 * and the S3, MinIO, SNS and EventBridge notification formats ({@link dev.chute.s3.S3Notifications}).
 */
package dev.chute.s3;
