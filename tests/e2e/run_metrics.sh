#!/usr/bin/env bash
# Metrics end to end: runs metrics.js with --out json against the test
# server and checks, from k6's own output, that every invocation the server
# counted has exactly one lambda_invocations sample, that cold starts, tags
# and data_sent agree with the server, that the summary shows sensible
# units, and that a threshold on lambda_invocation_failed decides k6's exit
# code. The streaming scenario adds invokeWithResponseStream and invokeUrl
# calls: the operation tag on every sample, the stream metrics
# (lambda_stream_first_chunk, lambda_stream_chunk_gap, lambda_stream_chunks)
# case by case, and function URL tags and failures (a 5xx is one).
# Environment: LAMBDASERVER_URL; K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
: "${LAMBDASERVER_URL:?set LAMBDASERVER_URL}"
K6=${K6:-build/k6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$K6" run --out "json=$work/samples.json" -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" \
  tests/e2e/metrics.js >"$work/summary.txt" 2>&1 || { cat "$work/summary.txt"; exit 1; }
curl -sf "$LAMBDASERVER_URL/_test/stats" >"$work/stats.json"
python3 tests/e2e/check_metrics.py "$work/samples.json" "$work/stats.json" "$work/summary.txt" "$LAMBDASERVER_URL"

# Thresholds decide the exit code: every 2nd invocation fails -> exit 99.
status=0
"$K6" run --quiet -e THRESHOLD_ONLY=1 -e FAIL_EVERY=2 -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" \
  tests/e2e/metrics.js >"$work/failing.txt" 2>&1 || status=$?
if [ "$status" -ne 99 ]; then
  cat "$work/failing.txt"
  echo "FAIL: lambda_invocation_failed rate<0.01 with half the calls failing: exit $status, want 99"
  exit 1
fi
echo "ok: a crossed threshold on lambda_invocation_failed exits 99"
"$K6" run --quiet -e THRESHOLD_ONLY=1 -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" \
  tests/e2e/metrics.js >"$work/passing.txt" 2>&1 || { cat "$work/passing.txt"; echo "FAIL: no failures, yet k6 failed"; exit 1; }
echo "ok: the same threshold with no failures exits 0"
