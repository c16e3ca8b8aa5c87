/**
 * Google Cloud Storage for Chute: {@link dev.chute.gcs.GcsObjectStore} keeps landing, archive and
 * failed as {@code gs://bucket/prefix/} areas through the official client, and
 * {@link dev.chute.gcs.GcsNotifications} reads the bucket's change notifications (Eventarc
 * CloudEvents, Pub/Sub notifications, legacy Cloud Functions events). Chosen with
 * {@code store.type: gcs}; settings in {@link dev.chute.gcs.GcsStoreSettings}.
 */
package dev.chute.gcs;
