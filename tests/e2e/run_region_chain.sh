#!/usr/bin/env bash
# tests/e2e/region_chain.js twice against tests/lambdaserver: the region and
# keys exported in the environment (not passed with -e), then no region
# anywhere (no variable, no config file, instance metadata off, so the
# chain ends without any network probe).
# Environment: LAMBDASERVER_URL; K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LAMBDASERVER_URL:?set LAMBDASERVER_URL}"
K6=${K6:-build/k6}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# Nothing of the caller's AWS setup may leak in.
clean=(env -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_PROFILE -u AWS_ACCESS_KEY_ID
  -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN HOME="$home"
  AWS_CONFIG_FILE="$home/none" AWS_SHARED_CREDENTIALS_FILE="$home/none" AWS_EC2_METADATA_DISABLED=true)

"${clean[@]}" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
  AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
  "$K6" run --quiet -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" -e EXPECT=ok tests/e2e/region_chain.js
"${clean[@]}" "$K6" run --quiet -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" -e EXPECT=no-region \
  tests/e2e/region_chain.js
