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

  # How long one invocation waits for its object before it fails and lets Eventarc deliver again:
  # below the function's timeout, so that the function answers before it is killed.
  function_wait_limit_seconds = floor(var.function_timeout_seconds * 8 / 9)

  # The loader's environment: the seed's two variables, then Chute's own (see docs/gcp-function.md;
  # the names are FunctionSettings', checked by chute-deploy's tests).
  loader_env_base = {
    DW_PROJECT_ID      = var.project_id
    GCS_ARCHIVE_BUCKET = google_storage_bucket.archive.name
    GCS_FAILED_BUCKET  = google_storage_bucket.failed.name
    CHUTE_BQ_LOCATION  = var.bq_location
    CHUTE_WAIT_LIMIT   = "${local.function_wait_limit_seconds}s"
  }
  loader_env = merge(local.loader_env_base, var.chute_config_yaml == "" ? {} : { CHUTE_CONFIG_YAML = var.chute_config_yaml })

  # Datasets the BigQuery warehouse uses besides the data: its ledger (fixed name) and its staging
  # dataset (warehouse.staging_dataset's default). Both are made here, so the warehouse only reads
  # them: creating a dataset needs a project-level grant the loader does not have.
  ledger_dataset_id  = "_chute"
  staging_dataset_id = "_chute_staging"

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
  # chute_config_yaml's top-level sections (tables:, routes: ...) are added to it, as for the function.
  run_config_yaml = jsonencode(merge(local.run_config, var.chute_config_yaml == "" ? {} : yamldecode(var.chute_config_yaml)))

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
