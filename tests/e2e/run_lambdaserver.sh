#!/usr/bin/env bash
# The Invoke API end to end against tests/lambdaserver, through the built
# k6, with both transports: every response and error (api_semantics.js),
# nothing lost or doubled, and retries (counts.js), then timeouts, broken
# connections, which errors are retried and the backoff's spread (network.js),
# then a peer that resets during a 5 MB upload (sigpipe.js: k6 used to die
# of SIGPIPE), then the robustness findings (robustness.js: init context,
# tags at the call, what lambda_invocations and data_sent count), with no
# AWS credentials in the environment.
# Environment: LAMBDASERVER_URL; K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LAMBDASERVER_URL:?set LAMBDASERVER_URL}"
K6=${K6:-build/k6}
for script in api_semantics counts network sigpipe robustness; do
  # No credentials anywhere in the AWS chain, and no metadata service probe.
  if ! env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
    -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    -u AWS_WEB_IDENTITY_TOKEN_FILE AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
    "$K6" run --quiet -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" "tests/e2e/$script.js"; then
    echo "FAIL: tests/e2e/$script.js" >&2
    exit 1
  fi
done
