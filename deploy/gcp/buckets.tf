# Upload (landing), archive and failed buckets, plus the bucket holding the function's source zip.
# All use uniform bucket-level access (IAM only, no object ACLs) and refuse public access.

resource "google_storage_bucket" "upload" {
  name                        = local.upload_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = local.labels

  depends_on = [google_project_service.apis]
}

# The archive serves the seed's compliance use case: files move to a colder class after
# archive_cold_after_days, are deleted after archive_delete_after_days, and an optional retention
# policy keeps any of them from being deleted or replaced earlier.
resource "google_storage_bucket" "archive" {
  name                        = local.archive_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy && var.archive_retention_policy_days == 0
  labels                      = local.labels

  dynamic "lifecycle_rule" {
    for_each = var.archive_cold_after_days > 0 ? [var.archive_cold_after_days] : []
    content {
      condition {
        age = lifecycle_rule.value
      }
      action {
        type          = "SetStorageClass"
        storage_class = var.archive_cold_storage_class
      }
    }
  }

  dynamic "lifecycle_rule" {
    for_each = var.archive_delete_after_days > 0 ? [var.archive_delete_after_days] : []
    content {
      condition {
        age = lifecycle_rule.value
      }
      action {
        type = "Delete"
      }
    }
  }

  dynamic "retention_policy" {
    for_each = var.archive_retention_policy_days > 0 ? [var.archive_retention_policy_days] : []
    content {
      retention_period = retention_policy.value * 86400
      is_locked        = var.archive_retention_policy_locked
    }
  }

  lifecycle {
    precondition {
      condition     = var.archive_delete_after_days == 0 || var.archive_delete_after_days >= var.archive_retention_policy_days
      error_message = "archive_delete_after_days must not be shorter than archive_retention_policy_days: the retention policy would block the deletion."
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "failed" {
  name                        = local.failed_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = local.labels

  dynamic "lifecycle_rule" {
    for_each = var.failed_delete_after_days > 0 ? [var.failed_delete_after_days] : []
    content {
      condition {
        age = lifecycle_rule.value
      }
      action {
        type = "Delete"
      }
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "source" {
  count = local.function_mode ? 1 : 0

  name                        = local.source_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels

  depends_on = [google_project_service.apis]
}

# Named by its MD5 so that a new build changes the object and so redeploys the function. try():
# `terraform destroy` evaluates this too, and the destroy build does not build the zip.
resource "google_storage_bucket_object" "function_zip" {
  count = local.function_mode ? 1 : 0

  name   = "chute-gcp-function-${try(filemd5(var.function_source_zip), "missing")}.zip"
  bucket = google_storage_bucket.source[0].name
  source = var.function_source_zip

  lifecycle {
    precondition {
      condition     = fileexists(var.function_source_zip)
      error_message = "The function's zip is missing: build it with `mvn -pl chute-gcp-function -am package -DskipTests` (cloudbuild.yaml does)."
    }
  }
}
