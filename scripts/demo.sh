#!/usr/bin/env bash
# The demo: builds everything, starts `cargo lambda watch` with the bundled
# example functions on 127.0.0.1, runs examples/invoke.js (the k6-jslib-aws
# example with its import changed to k6/x/lambda) and prints k6's summary.
# Exits 0 only if every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

scripts/build.sh

work=$(mktemp -d)
WATCH_PID=""
trap 'stop_pid "$WATCH_PID"; rm -rf "$work"' EXIT
port=${DEMO_PORT:-$(free_port)}
start_watch "$port" "$work/watch.log"

log "running examples/invoke.js against http://127.0.0.1:$port"
# The emulator does not check signatures; any well-formed keys will do.
AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
  AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
  LAMBDA_ENDPOINT="http://127.0.0.1:$port" \
  build/k6 run examples/invoke.js
