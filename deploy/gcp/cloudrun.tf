# deploy_mode = "cloud_run": Chute's image (`chute up`: GCS store, BigQuery warehouse, Eventarc
# intake) as one Cloud Run service that batches files across events, with an Eventarc trigger that
# posts each object-finalized CloudEvent to /api/intake/cloudevents with an OIDC token.

resource "google_cloud_run_v2_service" "chute" {
  count = local.cloud_run_mode ? 1 : 0

  name                = local.run_service_name
  location            = var.region
  ingress             = var.run_ingress
  deletion_protection = false
  labels              = local.labels

  template {
    service_account = google_service_account.runtime.email

    scaling {
      min_instance_count = var.run_min_instances
      max_instance_count = var.run_max_instances
    }

    containers {
      image = var.container_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.run_cpu
          memory = var.run_memory
        }
        # Chute batches and reconciles in the background, between requests.
        cpu_idle = false
      }

      # `chute up` reads its whole configuration from this variable (and the port from $PORT, which
      # Cloud Run sets to container_port); the function's other variables mean nothing to it.
      env {
        name  = "CHUTE_CONFIG_YAML"
        value = local.run_config_yaml
      }

      startup_probe {
        tcp_socket {
          port = 8080
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.container_image != ""
      error_message = "deploy_mode \"cloud_run\" needs container_image: Chute's image built with Jib (see docs/gcp.md)."
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_eventarc_trigger" "chute" {
  count = local.cloud_run_mode ? 1 : 0

  name            = "${var.name_prefix}-upload"
  location        = var.region
  service_account = google_service_account.trigger.email
  labels          = local.labels

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.storage.object.v1.finalized"
  }
  matching_criteria {
    attribute = "bucket"
    value     = google_storage_bucket.upload.name
  }

  # A delivery that is not answered 2xx is retried by the trigger's Pub/Sub subscription with
  # exponential backoff; Chute answers 200 once the object is handed to its pipeline, and its
  # reconciling listing picks up any object whose event was lost.
  destination {
    cloud_run_service {
      service = google_cloud_run_v2_service.chute[0].name
      region  = var.region
      path    = "/api/intake/cloudevents"
    }
  }

  depends_on = [
    google_project_iam_member.gcs_agent_publisher,
    google_project_iam_member.trigger_event_receiver,
    google_cloud_run_v2_service_iam_member.trigger_invokes_service,
  ]
}
