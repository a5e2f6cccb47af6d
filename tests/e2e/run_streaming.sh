#!/usr/bin/env bash
# Response streaming and function URLs end to end, through the built k6:
# - streaming.js against tests/lambdaserver (LAMBDASERVER_URL), both
#   transports: invokeWithResponseStream's chunks, DryRun, Tail, function
#   errors, every broken stream, onChunk throwing; invokeUrl's methods,
#   bodies, headers, statuses and streamed bodies; with no AWS credentials
#   in the environment (the script's keys only);
# - examples/streaming.js against the same server (stream-chunks and the
#   url-stream function URL), as a user would run it;
# - streaming_watch.js against `cargo lambda watch` (WATCH_URL, optional):
#   tests/functions' stream-lines on watch's function URL route, a real
#   Lambda runtime streaming, its first chunk long before its end.
# Each k6 run fails on a failed check (thresholds: exit 99), and so does
# this script.
# Environment: LAMBDASERVER_URL; WATCH_URL (skipped when unset, with a
# note); K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
: "${LAMBDASERVER_URL:?set LAMBDASERVER_URL}"
K6=${K6:-build/k6}

# run NAME ENDPOINT SCRIPT [k6 args...]: one k6 run, with no credentials
# anywhere in the AWS chain and no metadata service probe.
run() {
  local name=$1 endpoint=$2 script=$3
  shift 3
  log "$name"
  if ! env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
    -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    -u AWS_WEB_IDENTITY_TOKEN_FILE AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
    "$K6" run --quiet -e LAMBDA_ENDPOINT="$endpoint" "$@" "$script"; then
    echo "FAIL: $name ($script)" >&2
    exit 1
  fi
}

run "streaming and function URLs against the test server, both transports" "$LAMBDASERVER_URL" \
  tests/e2e/streaming.js
run "examples/streaming.js against the test server" "$LAMBDASERVER_URL" examples/streaming.js \
  -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
  -e AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
  -e FUNCTION=stream-chunks -e FUNCTION_URL="$LAMBDASERVER_URL/lambda-url/url-stream/?chunks=5&gapMs=50"
if [ -n "${WATCH_URL:-}" ]; then
  run "a function URL on cargo lambda watch: stream-lines, a real runtime streaming" "$WATCH_URL" \
    tests/e2e/streaming_watch.js
else
  echo "note: WATCH_URL is not set: streaming_watch.js (cargo lambda watch) skipped" >&2
fi
echo "ok: streaming and function URLs"
