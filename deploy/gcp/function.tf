# deploy_mode = "function": a Cloud Function gen2 (Java 21) run once per object-finalized event,
# as the seed deploys, with Chute's engine inside (docs/gcp-function.md).

resource "google_cloudfunctions2_function" "chute" {
  count = local.function_mode ? 1 : 0

  name        = "${var.name_prefix}-loader"
  location    = var.region
  description = "Chute: loads each file of the upload bucket into BigQuery exactly once, then archives it"
  labels      = local.labels

  build_config {
    runtime         = "java21"
    entry_point     = "dev.chute.gcp.ChuteFunction"
    service_account = google_service_account.build[0].id

    source {
      storage_source {
        bucket = google_storage_bucket.source[0].name
        object = google_storage_bucket_object.function_zip[0].name
      }
    }
  }

  service_config {
    available_memory               = var.function_memory
    timeout_seconds                = var.function_timeout_seconds
    max_instance_count             = var.function_max_instances
    min_instance_count             = 0
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.runtime.email
    environment_variables          = local.loader_env
  }

  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.storage.object.v1.finalized"
    # A retryable failure (BigQuery unavailable) throws and the event comes again with backoff;
    # Chute's ledger makes the redelivery load nothing twice.
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email          = google_service_account.trigger.email

    event_filters {
      attribute = "bucket"
      value     = google_storage_bucket.upload.name
    }
  }

  depends_on = [
    google_project_iam_member.gcs_agent_publisher,
    google_project_iam_member.trigger_event_receiver,
    google_project_iam_member.build_log_writer,
    google_project_iam_member.build_image_writer,
    google_storage_bucket_iam_member.build_source,
  ]
}
