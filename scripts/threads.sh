#!/usr/bin/env bash
# Runs 1,000 VUs that each await a 200 ms invocation and prints the peak
# OS thread count of the k6 process (from /proc/PID/status). Fails if it
# reaches MAX_THREADS (64) or if a check failed.
# Needs build/k6 (scripts/build.sh). Starts its own tests/lambdaserver.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

MAX_THREADS=${MAX_THREADS:-64}
work=$(mktemp -d)
trap 'stop_pid "${SERVER_PID:-}"; rm -rf "$work"' EXIT

start_lambdaserver "$work"
log "1000 VUs awaiting 200 ms invocations; sampling k6's threads"
build/k6 run -q --summary-mode=disabled -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" tests/e2e/threads.js >"$work/k6.log" 2>&1 &
k6_pid=$!
peak=0
while kill -0 "$k6_pid" 2>/dev/null; do
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$k6_pid/status" 2>/dev/null || echo 0)
  [ "${threads:-0}" -gt "$peak" ] && peak=$threads
  sleep 0.1
done
status=0
wait "$k6_pid" || status=$?
served=$(curl -s "$LAMBDASERVER_URL/_test/stats")
echo "k6 exit code: $status; peak OS threads: $peak (limit $MAX_THREADS); server: $served"
if [ "$status" -ne 0 ]; then
  tail -n 20 "$work/k6.log" >&2
  die "k6 failed (exit $status)"
fi
[ "$peak" -gt 0 ] || die "could not read the thread count"
[ "$peak" -lt "$MAX_THREADS" ] || die "peak $peak threads: not under $MAX_THREADS"
