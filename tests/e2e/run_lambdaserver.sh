#!/usr/bin/env bash
# The Invoke API end to end against tests/lambdaserver, through the built
# k6, with both transports: every response and error (api_semantics.js),
# nothing lost or doubled, and retries (counts.js), then timeouts, broken
# connections, which errors are retried and the backoff's spread (network.js),
# then a peer that resets during a 5 MB upload (sigpipe.js: k6 used to die
# of SIGPIPE).
# Environment: LAMBDASERVER_URL; K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LAMBDASERVER_URL:?set LAMBDASERVER_URL}"
K6=${K6:-build/k6}
for script in api_semantics counts network sigpipe; do
  if ! "$K6" run --quiet -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" "tests/e2e/$script.js"; then
    echo "FAIL: tests/e2e/$script.js" >&2
    exit 1
  fi
done
