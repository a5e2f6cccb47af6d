#!/usr/bin/env bash
# The fault suite (tests/e2e/faults.js) against tests/lambdaserver, through
# the built k6: refused, reset during upload and before the answer, a
# truncated body, bytes that are not HTTP, no answer (timeout), a proxy's
# 502, a 7 MB response, an X-Amz-Log-Result that is not base64, and a TLS
# certificate of an unknown authority; 1 VU then 20, both transports; the
# server's counts must equal k6's samples.
#
# Environment: LAMBDASERVER_URL and LAMBDASERVER_TLS_URL (the server's
# -addr and -tls-listen, e.g. http://127.0.0.1:P and https://127.0.0.1:Q),
# when the harness started the server; without LAMBDASERVER_URL this script
# builds and starts one itself, and stops it at the end. K6 (default
# build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
K6=${K6:-build/k6}

scratch_dir_with_server
work=$WORK

if [ -z "${LAMBDASERVER_URL:-}" ]; then
  start_lambdaserver "$work" -tls-listen 127.0.0.1:0 -tls-port-file "$work/tls-port"
  LAMBDASERVER_TLS_URL="https://127.0.0.1:$(cat "$work/tls-port")"
fi
: "${LAMBDASERVER_TLS_URL:?set LAMBDASERVER_TLS_URL (tests/lambdaserver -tls-listen 127.0.0.1:0 -tls-port-file FILE)}"

if ! "$K6" run --quiet -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" -e LAMBDA_TLS_ENDPOINT="$LAMBDASERVER_TLS_URL" \
  tests/e2e/faults.js; then
  echo "FAIL: tests/e2e/faults.js" >&2
  exit 1
fi
