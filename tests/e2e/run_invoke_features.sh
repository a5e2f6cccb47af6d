#!/usr/bin/env bash
# Tenant isolation, durable executions and SnapStart restores end to end
# against tests/lambdaserver, through the built k6, on both transports:
# invoke_features.js fails the run when a check fails (its thresholds),
# and its --out json file must show the lambda_restore_duration points,
# the per-tenant cold starts and the restore's cost
# (check_invoke_features.py). The script's names are new to each run, so
# it shares the server with the other steps.
# Environment: LAMBDASERVER_URL; K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LAMBDASERVER_URL:?set LAMBDASERVER_URL}"
K6=${K6:-build/k6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! "$K6" run --quiet --out "json=$work/samples.json" -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" \
  tests/e2e/invoke_features.js >"$work/k6.txt" 2>&1; then
  cat "$work/k6.txt"
  echo "FAIL: tests/e2e/invoke_features.js" >&2
  exit 1
fi
python3 tests/e2e/check_invoke_features.py "$work/samples.json"
