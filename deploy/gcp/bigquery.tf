# The seed's dataset and table, and Chute's ledger and staging datasets. Chute can write only to these datasets:
# a file routed to another dataset fails (to the failed bucket, with the permission error) until
# that dataset is added here with the same grant.

resource "google_bigquery_dataset" "data" {
  dataset_id  = var.dataset_id
  description = "Tables loaded by Chute from the upload bucket (<dataset>/<table>/<file>)."
  location    = var.bq_location
  labels      = local.labels

  # destroy removes the tables Chute created too, as the seed's cleanup does.
  delete_contents_on_destroy = !var.table_deletion_protection

  depends_on = [google_project_service.apis]
}

resource "google_bigquery_dataset" "ledger" {
  dataset_id                 = local.ledger_dataset_id
  description                = "Chute's ledger: which object versions were loaded, when and by which load; failures and rejects."
  location                   = var.bq_location
  labels                     = local.labels
  delete_contents_on_destroy = true

  depends_on = [google_project_service.apis]
}

# One staging table per batch (loaded, then merged into its table in one transaction); a table a
# crash left behind expires after a day, as the warehouse sets when it makes the dataset itself.
resource "google_bigquery_dataset" "staging" {
  dataset_id                  = local.staging_dataset_id
  description                 = "Chute's staging tables: one per batch, merged into the target table in the commit transaction."
  location                    = var.bq_location
  labels                      = local.labels
  default_table_expiration_ms = 86400000
  delete_contents_on_destroy  = true

  depends_on = [google_project_service.apis]
}

locals {
  # The seed's schema.
  order_events_schema = [
    { name = "order_id", type = "STRING", mode = "NULLABLE" },
    { name = "customer_email", type = "STRING", mode = "NULLABLE" },
    { name = "action", type = "STRING", mode = "NULLABLE" },
    { name = "action_time", type = "TIMESTAMP", mode = "NULLABLE" },
  ]
}

resource "google_bigquery_table" "order_events" {
  dataset_id          = google_bigquery_dataset.data.dataset_id
  table_id            = "order_events"
  description         = "Order events (the seed's sample), one partition per day of action_time."
  deletion_protection = var.table_deletion_protection
  labels              = local.labels

  time_partitioning {
    type  = "DAY"
    field = "action_time"
  }

  clustering = length(var.order_events_clustering) > 0 ? var.order_events_clustering : null

  schema = jsonencode(local.order_events_schema)

  lifecycle {
    # Chute adds its lineage columns (_chute_source, _chute_load_id, _chute_loaded_at) and new
    # columns of later files; reverting them would make Terraform replace the table and lose rows.
    ignore_changes = [schema]
  }
}
