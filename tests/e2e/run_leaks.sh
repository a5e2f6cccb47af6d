#!/usr/bin/env bash
# The leak check (tests/e2e/leaks.js) against tests/lambdaserver, through
# the built k6: many invocations of every outcome, VUs stopped with
# invocations in flight, then liveCounts() in teardown() must show nothing
# in flight and nothing the native library handed over still held. The
# script's thresholds fail the run otherwise.
#
# Environment: LAMBDASERVER_URL, when the harness started the server;
# without it this script builds and starts one itself, and stops it at the
# end. K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
K6=${K6:-build/k6}

server_pid=
work=$(mktemp -d)
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${LAMBDASERVER_URL:-}" ]; then
  (cd tests/lambdaserver && go build -o "$work/lambdaserver" .)
  "$work/lambdaserver" -addr 127.0.0.1:0 -port-file "$work/port" >"$work/lambdaserver.log" 2>&1 &
  server_pid=$!
  deadline=$((SECONDS + 20))
  until [ -s "$work/port" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "lambdaserver did not start: $(cat "$work/lambdaserver.log")"
    sleep 0.1
  done
  LAMBDASERVER_URL="http://127.0.0.1:$(cat "$work/port")"
  wait_for_port 127.0.0.1 "${LAMBDASERVER_URL##*:}" 10 || die "lambdaserver is not accepting connections"
fi

if ! "$K6" run --quiet -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" tests/e2e/leaks.js; then
  echo "FAIL: tests/e2e/leaks.js" >&2
  exit 1
fi
