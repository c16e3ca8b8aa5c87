/**
 * Chute as a Cloud Functions (gen2) function: {@link dev.chute.gcp.ChuteFunction} takes the
 * {@code google.cloud.storage.object.v1.finalized} CloudEvents of an upload bucket and runs the
 * engine of {@code chute-core} for each event's object (route, dedup, load, archive, failed with a
 * reason), configured by environment variables ({@link dev.chute.gcp.FunctionSettings}).
 */
package dev.chute.gcp;
