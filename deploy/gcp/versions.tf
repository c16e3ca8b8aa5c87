# Chute on Google Cloud: the seed's event-driven loader (upload bucket -> Eventarc -> loader ->
# BigQuery, archive bucket), deployed as a Cloud Function gen2 or as a Cloud Run service.
# Run it through Cloud Build (cloudbuild.yaml) after prereq.sh; see docs/gcp.md.

terraform {
  required_version = ">= 1.5"

  # Configured by `terraform init -backend-config=...` in cloudbuild.yaml: bucket <project>-tf-state
  # (made by prereq.sh), prefix chute.
  backend "gcs" {}

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 8.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project_id
}

# The Cloud Storage service agent publishes the bucket's events to Eventarc's Pub/Sub transport.
data "google_storage_project_service_account" "gcs" {
  project = var.project_id
}
