/**
 * The BigQuery warehouse ({@code warehouse.type: bigquery}): load jobs read {@code gs://} objects
 * themselves; exactly once through deterministic job ids, a per-batch staging table and one
 * multi-statement transaction that inserts the rows and the ledger entries together.
 */
package dev.chute.bigquery;
