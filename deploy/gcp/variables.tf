# Every input of the deployment. Only project_id is required; the rest reproduce the seed's defaults
# (dataset ecommerce, table order_events) plus Chute's own choices. Copy terraform.tfvars.example to
# terraform.tfvars to change them, or pass TF_VAR_* / substitutions through cloudbuild.yaml.

variable "project_id" {
  type        = string
  description = "Project to deploy into (Cloud Build passes its own project)."
}

variable "region" {
  type        = string
  description = "Region of the buckets, the function or service, and the Eventarc trigger (a GCS trigger must be in the bucket's region)."
  default     = "us-central1"
}

variable "deploy_mode" {
  type        = string
  description = "function: a Cloud Function gen2 per event (the seed's shape); cloud_run: one Chute service (`chute up`) that batches across events."
  default     = "function"

  validation {
    condition     = contains(["function", "cloud_run"], var.deploy_mode)
    error_message = "deploy_mode must be \"function\" or \"cloud_run\"."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of service accounts, the function or service and the trigger (lower case, 3 to 18 characters)."
  default     = "chute"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,17}$", var.name_prefix))
    error_message = "name_prefix must be 3 to 18 characters: a lower-case letter, then lower-case letters, digits or dashes."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every bucket, dataset, function and service."
  default     = {}
}

variable "enable_apis" {
  type        = bool
  description = "Enable the APIs the deployment uses (prereq.sh enables them too; false leaves them alone)."
  default     = true
}

# --- buckets ---------------------------------------------------------------------------------

variable "upload_bucket_name" {
  type        = string
  description = "Upload (landing) bucket; empty: <project>-<prefix>-upload. Objects are <dataset>/<table>/<file>."
  default     = ""
}

variable "archive_bucket_name" {
  type        = string
  description = "Archive bucket (loaded files, same key); empty: <project>-<prefix>-archive."
  default     = ""
}

variable "failed_bucket_name" {
  type        = string
  description = "Bucket for files that cannot be loaded, each with <key>.error.json; empty: <project>-<prefix>-failed."
  default     = ""
}

variable "force_destroy" {
  type        = bool
  description = "Let `terraform destroy` delete buckets that still hold objects (the seed's cleanup). The archive is never force-destroyed while it has a retention policy."
  default     = true
}

variable "archive_cold_after_days" {
  type        = number
  description = "Archived files move to archive_cold_storage_class after this many days; 0: never."
  default     = 30

  validation {
    condition     = var.archive_cold_after_days >= 0
    error_message = "archive_cold_after_days must be 0 (off) or a number of days."
  }
}

variable "archive_cold_storage_class" {
  type        = string
  description = "Colder storage class for old archived files: NEARLINE, COLDLINE or ARCHIVE."
  default     = "COLDLINE"

  validation {
    condition     = contains(["NEARLINE", "COLDLINE", "ARCHIVE"], var.archive_cold_storage_class)
    error_message = "archive_cold_storage_class must be NEARLINE, COLDLINE or ARCHIVE."
  }
}

variable "archive_delete_after_days" {
  type        = number
  description = "Archived files are deleted after this many days (the end of the retention period); 0: kept forever."
  default     = 2555

  validation {
    condition     = var.archive_delete_after_days >= 0
    error_message = "archive_delete_after_days must be 0 (keep forever) or a number of days."
  }
}

variable "archive_retention_policy_days" {
  type        = number
  description = "Bucket retention policy of the archive: no archived file can be deleted or replaced for this many days; 0: no policy."
  default     = 0

  validation {
    condition     = var.archive_retention_policy_days >= 0
    error_message = "archive_retention_policy_days must be 0 (no policy) or a number of days."
  }
}

variable "archive_retention_policy_locked" {
  type        = bool
  description = "Lock the archive's retention policy. Irreversible: a locked policy can never be shortened or removed, and the bucket cannot be deleted until every object has aged out."
  default     = false
}

variable "archive_allow_delete" {
  type        = bool
  description = "Let Chute delete from the archive (needed by the console's restore of a load's files). false: Chute can only add to the archive."
  default     = false
}

variable "failed_delete_after_days" {
  type        = number
  description = "Files in the failed bucket are deleted after this many days; 0: kept until replayed or removed by hand."
  default     = 0

  validation {
    condition     = var.failed_delete_after_days >= 0
    error_message = "failed_delete_after_days must be 0 (keep) or a number of days."
  }
}

# --- BigQuery ---------------------------------------------------------------------------------

variable "dataset_id" {
  type        = string
  description = "Dataset the sample loads into (the seed's ecommerce); Chute may write only to the datasets this deployment grants."
  default     = "ecommerce"
}

variable "bq_location" {
  type        = string
  description = "Location of the datasets (US, EU or a region)."
  default     = "US"
}

variable "order_events_clustering" {
  type        = list(string)
  description = "Clustering columns of ecommerce.order_events (at most four); empty: none."
  default     = ["action"]

  validation {
    condition     = length(var.order_events_clustering) <= 4
    error_message = "BigQuery clusters by at most four columns."
  }
}

variable "table_deletion_protection" {
  type        = bool
  description = "Refuse to delete order_events on destroy (false matches the seed's cleanup)."
  default     = false
}

# --- the loader -------------------------------------------------------------------------------

variable "chute_config_yaml" {
  type        = string
  description = "Extra chute.yaml content (tables: explicit columns, routes...), passed as CHUTE_CONFIG_YAML to the function, and its top-level sections added to the Cloud Run service's chute.yaml; empty: none."
  default     = ""
}

variable "function_source_zip" {
  type        = string
  description = "The function's zip (`mvn -pl chute-gcp-function -am package`), relative to deploy/gcp."
  default     = "../../chute-gcp-function/target/chute-gcp-function-function.zip"
}

variable "function_memory" {
  type        = string
  description = "Memory of one function instance."
  default     = "1Gi"
}

variable "function_timeout_seconds" {
  type        = number
  description = "Time limit of one invocation (60 to 540 s); CHUTE_WAIT_LIMIT is set to 8/9 of it. A load that outlives it is finished by the retried event."
  default     = 540

  validation {
    condition     = var.function_timeout_seconds >= 60 && var.function_timeout_seconds <= 540
    error_message = "function_timeout_seconds must be between 60 (a Java function's cold start plus one load) and 540 (the limit of event-driven functions)."
  }
}

variable "function_max_instances" {
  type        = number
  description = "Most function instances at once (bounds BigQuery load jobs running in parallel)."
  default     = 10
}

variable "container_image" {
  type        = string
  description = "Chute's image (Jib build of chute-app) for deploy_mode cloud_run, the full name in your Artifact Registry repository, e.g. <repository>/chute:0.1.0."
  default     = ""
}

variable "run_memory" {
  type        = string
  description = "Memory of the Cloud Run service's instance."
  default     = "1Gi"
}

variable "run_cpu" {
  type        = string
  description = "CPUs of the Cloud Run service's instance."
  default     = "1"
}

variable "run_max_instances" {
  type        = number
  description = "Most Cloud Run instances (the ledger keeps loads exactly-once across them)."
  default     = 3
}

variable "run_min_instances" {
  type        = number
  description = "Instances kept warm; 1 keeps the reconciling listing of the upload bucket running between events."
  default     = 0
}

variable "run_ingress" {
  type        = string
  description = "Who may reach the service: INGRESS_TRAFFIC_INTERNAL_ONLY (Eventarc only, the default) or INGRESS_TRAFFIC_ALL (also the console, still behind IAM and Chute's tokens)."
  default     = "INGRESS_TRAFFIC_INTERNAL_ONLY"

  validation {
    condition     = contains(["INGRESS_TRAFFIC_INTERNAL_ONLY", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", "INGRESS_TRAFFIC_ALL"], var.run_ingress)
    error_message = "run_ingress must be INGRESS_TRAFFIC_INTERNAL_ONLY, INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER or INGRESS_TRAFFIC_ALL."
  }
}
