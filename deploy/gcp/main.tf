locals {
  function_mode  = var.deploy_mode == "function"
  cloud_run_mode = var.deploy_mode == "cloud_run"

  upload_bucket  = coalesce(var.upload_bucket_name, "${var.project_id}-${var.name_prefix}-upload")
  archive_bucket = coalesce(var.archive_bucket_name, "${var.project_id}-${var.name_prefix}-archive")
  failed_bucket  = coalesce(var.failed_bucket_name, "${var.project_id}-${var.name_prefix}-failed")
  source_bucket  = "${var.project_id}-${var.name_prefix}-source"

  labels = merge(var.labels, {
    app         = "chute"
    deployed_by = "terraform"
  })

  runtime_member = "serviceAccount:${google_service_account.runtime.email}"
  trigger_member = "serviceAccount:${google_service_account.trigger.email}"

  # Cloud Run gives a service a deterministic URL (https://<name>-<project number>.<region>.run.app);
  # Chute checks that Eventarc's OIDC token was minted for exactly this audience.
  run_service_name = "${var.name_prefix}-service"
  intake_audience  = "https://${local.run_service_name}-${data.google_project.this.number}.${var.region}.run.app/api/intake/cloudevents"

  # The loader's environment: the seed's two variables, then Chute's own (see docs/gcp-function.md).
  loader_env = merge({
    DW_PROJECT_ID      = var.project_id
    GCS_ARCHIVE_BUCKET = google_storage_bucket.archive.name
    GCS_FAILED_BUCKET  = google_storage_bucket.failed.name
    CHUTE_BQ_LOCATION  = var.bq_location
  }, var.chute_config_yaml == "" ? {} : { CHUTE_CONFIG_YAML = var.chute_config_yaml })

  # The Cloud Run service runs `chute up` with this whole chute.yaml (as JSON, which is YAML).
  run_config = {
    store = {
      type    = "gcs"
      project = var.project_id
      landing = "gs://${google_storage_bucket.upload.name}/"
      archive = "gs://${google_storage_bucket.archive.name}/"
      failed  = "gs://${google_storage_bucket.failed.name}/"
    }
    warehouse = {
      type     = "bigquery"
      project  = var.project_id
      location = var.bq_location
    }
    events = [{
      type          = "http"
      oidc_audience = local.intake_audience
      oidc_email    = google_service_account.trigger.email
    }]
    server = {
      bind = "0.0.0.0"
    }
  }
  run_config_yaml = jsonencode(local.run_config)

  apis = [
    "bigquery.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "artifactregistry.googleapis.com",
    "eventarc.googleapis.com",
    "iam.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "storage.googleapis.com",
  ]
}

resource "google_project_service" "apis" {
  for_each = var.enable_apis ? toset(local.apis) : toset([])

  project = var.project_id
  service = each.value

  # Turning an API off on destroy would break anything else in the project that uses it.
  disable_on_destroy = false
}
