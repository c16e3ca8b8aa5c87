#!/usr/bin/env bash
# Prerequisites of Chute's Google Cloud deployment (step 1 of 3, as in the seed):
#   1. bash deploy/gcp/prereq.sh
#   2. gcloud builds submit . --config deploy/gcp/cloudbuild.yaml
#   3. gcloud builds submit . --config deploy/gcp/cloudbuild_destroy.yaml   (clean up)
#
# Makes the Terraform state bucket, enables the APIs, grants Cloud Build's service account what
# Terraform needs to deploy, grants Eventarc's prerequisites, and then WAITS until those grants
# are visible, so that the first deploy does not fail with "Permission denied while using the
# Eventarc Service Agent" (the seed's known issue) and need a retry by hand.
#
# Environment: GOOGLE_CLOUD_PROJECT (else the gcloud default project, else asked),
# PREREQ_WAIT_SECONDS (how long to wait for the grants, default 600), PREREQ_POLL_SECONDS (first
# pause between checks, default 5; doubles up to 60).
set -euo pipefail

WAIT_SECONDS="${PREREQ_WAIT_SECONDS:-600}"
POLL_SECONDS="${PREREQ_POLL_SECONDS:-5}"

say() { printf 'prereq: %s\n' "$*" >&2; }
fail() { printf 'prereq: ERROR: %s\n' "$*" >&2; exit 1; }

command -v gcloud >/dev/null 2>&1 || fail "gcloud is needed (Cloud Shell has it; elsewhere install the Google Cloud CLI)"

PROJECT_ID="${GOOGLE_CLOUD_PROJECT:-}"
if [[ -z "$PROJECT_ID" ]]; then
  PROJECT_ID="$(gcloud config get-value project 2>/dev/null || true)"
fi
if [[ -z "$PROJECT_ID" || "$PROJECT_ID" == "(unset)" ]]; then
  [[ -t 0 ]] || fail "no project: set GOOGLE_CLOUD_PROJECT or 'gcloud config set project <id>'"
  read -r -p "Project id to deploy Chute into: " PROJECT_ID
  [[ -n "$PROJECT_ID" ]] || fail "no project given"
fi
gcloud config set project "$PROJECT_ID" >/dev/null
PROJECT_NUMBER="$(gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)')"
[[ -n "$PROJECT_NUMBER" ]] || fail "project '$PROJECT_ID' not found or not readable"
say "project $PROJECT_ID ($PROJECT_NUMBER)"

say "enabling APIs (this can take a minute)"
gcloud services enable --project "$PROJECT_ID" \
  cloudbuild.googleapis.com cloudresourcemanager.googleapis.com serviceusage.googleapis.com \
  iam.googleapis.com storage.googleapis.com bigquery.googleapis.com pubsub.googleapis.com \
  eventarc.googleapis.com eventarcpublishing.googleapis.com run.googleapis.com \
  cloudfunctions.googleapis.com artifactregistry.googleapis.com logging.googleapis.com

STATE_BUCKET="gs://${PROJECT_ID}-tf-state"
if gcloud storage buckets describe "$STATE_BUCKET" --project "$PROJECT_ID" >/dev/null 2>&1; then
  say "Terraform state bucket $STATE_BUCKET exists"
else
  say "creating Terraform state bucket $STATE_BUCKET"
  gcloud storage buckets create "$STATE_BUCKET" --project "$PROJECT_ID" \
    --uniform-bucket-level-access --public-access-prevention
  gcloud storage buckets update "$STATE_BUCKET" --versioning
fi

grant() { # member role
  gcloud projects add-iam-policy-binding "$PROJECT_ID" --member="$1" --role="$2" \
    --condition=None --quiet >/dev/null
  say "granted $2 to $1"
}

# Cloud Build runs Terraform as the project's default build service account (the legacy
# <number>@cloudbuild.gserviceaccount.com, or the Compute Engine default account in newer projects).
BUILD_SA="$(gcloud builds get-default-service-account --project "$PROJECT_ID" --format='value(serviceAccountEmail)' 2>/dev/null || true)"
BUILD_SA="${BUILD_SA##*/}"
[[ -n "$BUILD_SA" ]] || BUILD_SA="${PROJECT_NUMBER}@cloudbuild.gserviceaccount.com"
BUILD_MEMBER="serviceAccount:${BUILD_SA}"

# What Terraform needs to create deploy/gcp, instead of the seed's roles/editor + security admin.
# These are project-level because the resources do not exist yet; the loader itself gets only
# bucket- and dataset-level roles (deploy/gcp/iam.tf).
DEPLOY_ROLES=(
  roles/storage.admin                    # create the buckets, their lifecycle, retention and IAM; upload the zip; state
  roles/bigquery.dataOwner               # create the datasets and table, and grant on the datasets
  roles/cloudfunctions.developer         # the function (deploy_mode function)
  roles/run.admin                        # the Cloud Run service and its run.invoker grant
  roles/eventarc.developer               # the Eventarc trigger (deploy_mode cloud_run)
  roles/iam.serviceAccountAdmin          # the runtime, trigger and build service accounts
  roles/iam.serviceAccountUser           # attach those accounts to the function, service and trigger
  roles/resourcemanager.projectIamAdmin  # the few project-level grants (job user, event receiver...)
  roles/serviceusage.serviceUsageAdmin   # google_project_service
  roles/logging.logWriter                # the build's own logs
)
for role in "${DEPLOY_ROLES[@]}"; do
  grant "$BUILD_MEMBER" "$role"
done

# Eventarc for Cloud Storage: the Cloud Storage service agent publishes to Pub/Sub, and the
# Eventarc service agent must exist with its role before a trigger can be made.
GCS_AGENT="$(gcloud storage service-agent --project "$PROJECT_ID")"
[[ -n "$GCS_AGENT" ]] || fail "could not read the Cloud Storage service agent of $PROJECT_ID"
grant "serviceAccount:${GCS_AGENT}" roles/pubsub.publisher

EVENTARC_AGENT="service-${PROJECT_NUMBER}@gcp-sa-eventarc.iam.gserviceaccount.com"
gcloud beta services identity create --service=eventarc.googleapis.com --project "$PROJECT_ID" >/dev/null 2>&1 \
  || say "could not ask for the Eventarc service agent explicitly; waiting for it to appear"
grant "serviceAccount:${EVENTARC_AGENT}" roles/eventarc.serviceAgent

# Wait until every grant shows in the project's policy, with a bounded exponential backoff.
has_binding() { # member role
  local found
  found="$(gcloud projects get-iam-policy "$PROJECT_ID" --flatten='bindings[].members' \
    --filter="bindings.role=$2 AND bindings.members=$1" --format='value(bindings.role)' 2>/dev/null || true)"
  [[ -n "$found" ]]
}

EXPECTED=("serviceAccount:${GCS_AGENT} roles/pubsub.publisher"
          "serviceAccount:${EVENTARC_AGENT} roles/eventarc.serviceAgent")
for role in "${DEPLOY_ROLES[@]}"; do
  EXPECTED+=("$BUILD_MEMBER $role")
done

deadline=$(( SECONDS + WAIT_SECONDS ))
pause="$POLL_SECONDS"
while :; do
  missing=()
  for pair in "${EXPECTED[@]}"; do
    has_binding "${pair% *}" "${pair##* }" || missing+=("$pair")
  done
  if (( ${#missing[@]} == 0 )); then
    break
  fi
  if (( SECONDS >= deadline )); then
    printf 'prereq: ERROR: after %ss these grants are still not visible in the IAM policy of %s:\n' "$WAIT_SECONDS" "$PROJECT_ID" >&2
    printf 'prereq:   %s\n' "${missing[@]}" >&2
    printf 'prereq: run this script again in a few minutes (it is safe to repeat), or raise PREREQ_WAIT_SECONDS.\n' >&2
    exit 1
  fi
  say "waiting ${pause}s for ${#missing[@]} grant(s) to propagate (first: ${missing[0]})"
  sleep "$pause"
  pause=$(( pause * 2 > 60 ? 60 : pause * 2 ))
done

say "all grants visible. Next: gcloud builds submit . --config deploy/gcp/cloudbuild.yaml"
