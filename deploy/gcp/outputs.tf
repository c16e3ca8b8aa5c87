output "upload_bucket" {
  description = "Copy files here as <dataset>/<table>/<file>, e.g. gsutil cp samples/order_events_001.csv gs://<this>/ecommerce/order_events/"
  value       = google_storage_bucket.upload.name
}

output "archive_bucket" {
  description = "Loaded files, under the same key."
  value       = google_storage_bucket.archive.name
}

output "failed_bucket" {
  description = "Files that could not be loaded, each with <key>.error.json."
  value       = google_storage_bucket.failed.name
}

output "order_events_table" {
  description = "The seed's table."
  value       = "${var.project_id}.${google_bigquery_dataset.data.dataset_id}.${google_bigquery_table.order_events.table_id}"
}

output "runtime_service_account" {
  description = "The loader's identity."
  value       = google_service_account.runtime.email
}

output "function_name" {
  description = "The Cloud Function (deploy_mode function)."
  value       = local.function_mode ? google_cloudfunctions2_function.chute[0].name : null
}

output "service_url" {
  description = "The Cloud Run service (deploy_mode cloud_run)."
  value       = local.cloud_run_mode ? google_cloud_run_v2_service.chute[0].uri : null
}
