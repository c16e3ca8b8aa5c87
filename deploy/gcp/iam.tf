# Service accounts and the least privilege each needs. Unlike the seed (project-wide
# roles/storage.admin and roles/bigquery.admin for the function), every storage grant is on one
# bucket and every BigQuery data grant is on one dataset; the only project-level grants are the
# ones that exist only at project level (BigQuery job user, Eventarc event receiver, Pub/Sub
# publisher for the Cloud Storage service agent, the build's log writer and image writer).
# What Cloud Build itself needs to apply this lives in prereq.sh.

resource "google_service_account" "runtime" {
  account_id   = "${var.name_prefix}-runtime"
  display_name = "Chute loader (function or Cloud Run service)"

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "trigger" {
  account_id   = "${var.name_prefix}-trigger"
  display_name = "Chute Eventarc trigger (invokes the loader)"

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "build" {
  count = local.function_mode ? 1 : 0

  account_id   = "${var.name_prefix}-build"
  display_name = "Chute function build (Cloud Build for Cloud Functions)"

  depends_on = [google_project_service.apis]
}

# --- the loader: buckets ------------------------------------------------------------------------
# Upload: read the file, then delete it once archived. Deleting needs storage.objects.delete, which
# objectViewer + objectCreator do not have; objectUser is the smallest predefined role with it
# (objectAdmin adds only object ACL and IAM management, useless under uniform access).

resource "google_storage_bucket_iam_member" "runtime_upload" {
  bucket = google_storage_bucket.upload.name
  role   = "roles/storage.objectUser"
  member = local.runtime_member
}

# Failed: write the file and its <key>.error.json (a second failure replaces the sidecar), and
# delete it when it is replayed to the upload bucket.
resource "google_storage_bucket_iam_member" "runtime_failed" {
  bucket = google_storage_bucket.failed.name
  role   = "roles/storage.objectUser"
  member = local.runtime_member
}

# Archive: add files and read them, never delete or overwrite them (Chute archives to a key that
# must not exist yet) unless archive_allow_delete is set.
resource "google_storage_bucket_iam_member" "runtime_archive_read" {
  count = var.archive_allow_delete ? 0 : 1

  bucket = google_storage_bucket.archive.name
  role   = "roles/storage.objectViewer"
  member = local.runtime_member
}

resource "google_storage_bucket_iam_member" "runtime_archive_create" {
  count = var.archive_allow_delete ? 0 : 1

  bucket = google_storage_bucket.archive.name
  role   = "roles/storage.objectCreator"
  member = local.runtime_member
}

resource "google_storage_bucket_iam_member" "runtime_archive_user" {
  count = var.archive_allow_delete ? 1 : 0

  bucket = google_storage_bucket.archive.name
  role   = "roles/storage.objectUser"
  member = local.runtime_member
}

# --- the loader: BigQuery -----------------------------------------------------------------------

resource "google_bigquery_dataset_iam_member" "runtime_data" {
  dataset_id = google_bigquery_dataset.data.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.runtime_member
}

resource "google_bigquery_dataset_iam_member" "runtime_ledger" {
  dataset_id = google_bigquery_dataset.ledger.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.runtime_member
}

resource "google_bigquery_dataset_iam_member" "runtime_staging" {
  dataset_id = google_bigquery_dataset.staging.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.runtime_member
}

# Load and query jobs are created in the project: the permission exists only at project level.
resource "google_project_iam_member" "runtime_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = local.runtime_member
}

# --- Eventarc -----------------------------------------------------------------------------------

resource "google_project_iam_member" "trigger_event_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = local.trigger_member
}

# The trigger may invoke the loader's Cloud Run service and nothing else. A gen2 function runs as
# a Cloud Run service of the same name.
resource "google_cloud_run_v2_service_iam_member" "trigger_invokes_function" {
  count = local.function_mode ? 1 : 0

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.chute[0].name
  role     = "roles/run.invoker"
  member   = local.trigger_member
}

resource "google_cloud_run_v2_service_iam_member" "trigger_invokes_service" {
  count = local.cloud_run_mode ? 1 : 0

  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.chute[0].name
  role     = "roles/run.invoker"
  member   = local.trigger_member
}

# Cloud Storage publishes object events to the Pub/Sub topic behind the Eventarc trigger; the topic
# is made by Eventarc, so the grant cannot be narrowed to it in advance.
resource "google_project_iam_member" "gcs_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

# Pub/Sub signs the OIDC token of each push with the trigger's account (needed explicitly in
# projects made before April 2021); granted on that one account only.
resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  service_account_id = google_service_account.trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# --- the function's build -----------------------------------------------------------------------
# Cloud Functions builds the zip into an image with Cloud Build as this account: it reads the zip,
# writes logs and pushes the image to the gcf-artifacts repository (made by Cloud Functions, so the
# writer role cannot be granted on it before it exists).

resource "google_storage_bucket_iam_member" "build_source" {
  count = local.function_mode ? 1 : 0

  bucket = google_storage_bucket.source[0].name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build[0].email}"
}

resource "google_project_iam_member" "build_log_writer" {
  count = local.function_mode ? 1 : 0

  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build[0].email}"
}

resource "google_project_iam_member" "build_image_writer" {
  count = local.function_mode ? 1 : 0

  project = var.project_id
  role    = "roles/artifactregistry.writer"
  member  = "serviceAccount:${google_service_account.build[0].email}"
}
