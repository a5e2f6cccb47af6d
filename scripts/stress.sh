#!/usr/bin/env bash
# The trap's function and the suites are called indirectly (run_many):
# shellcheck disable=SC2317
# scripts/stress.sh [RUNS] [SUITE...]: the tests as a shared CI machine runs
# them. Busy loops hold every core (one per core, as other jobs would),
# and each suite runs RUNS times in a row (default 5); every failure is
# counted and its failing tests named. A test that fails here is flaky:
# fix it at its cause (README, "Tests that never flake"), never by a retry
# or a wider timeout.
#
#   scripts/stress.sh                 # cargo and go, 5 runs each
#   scripts/stress.sh 10 cargo        # cargo test only, 10 runs
#   scripts/stress.sh 3 e2e           # the e2e scripts against build/k6
#
# Suites:
#   cargo  every test binary of `cargo test` (built once, then run)
#   go     the Go tests of the module and of tests/lambdaserver (built once)
#   e2e    the end-to-end scripts that need no build of their own, with
#          build/k6 (scripts/build.sh first): those scripts/test.sh runs on
#          the shared cargo lambda watch and tests/lambdaserver, then those
#          that start a server of their own (faults, bounds, secrets,
#          network options, signals, the two dashboards)
# Exit status: 0 when every run of every suite passed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

RUNS=${1:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "usage: scripts/stress.sh [RUNS] [cargo|go|e2e ...]"
shift || true
SUITES=("$@")
[ "${#SUITES[@]}" -gt 0 ] || SUITES=(cargo go)

work=$(mktemp -d)
busy=()
WATCH_PID=""
SERVER_PID=""
cleanup() {
  [ "${#busy[@]}" -eq 0 ] || kill "${busy[@]}" 2>/dev/null
  stop_pid "$WATCH_PID"
  stop_pid "$SERVER_PID"
  rm -rf "$work"
}
trap cleanup EXIT

summary=()
failed_any=0

# run_many NAME COMMAND...: runs COMMAND RUNS times under the load, keeps
# each failed run's output, and records the failing test names it printed
# (cargo: "test NAME ... FAILED"; go: "--- FAIL: NAME").
run_many() {
  local name=$1 failures=0 i names=() started=$SECONDS
  shift
  for i in $(seq 1 "$RUNS"); do
    local out="$work/$name.$i.log"
    if "$@" >"$out" 2>&1; then
      printf '%s run %d/%d: passed\n' "$name" "$i" "$RUNS"
    else
      failures=$((failures + 1))
      mapfile -t -O "${#names[@]}" names < <(
        sed -n -e 's/^test \(.*\) \.\.\. FAILED$/\1/p' -e 's/^ *--- FAIL: \([^ ]*\).*/\1/p' \
          -e 's/^FAILED: \(.*\)$/\1/p' "$out"
      )
      printf '%s run %d/%d: FAILED (output kept: %s)\n' "$name" "$i" "$RUNS" "$out"
      tail -n 40 "$out"
      cp "$out" "build/stress-$name.$i.log" 2>/dev/null || true
    fi
  done
  local which=""
  [ "${#names[@]}" -eq 0 ] || which=" ($(printf '%s\n' "${names[@]}" | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}'))"
  summary+=("$(printf '%-6s %d runs, %d failed, %ds%s' "$name" "$RUNS" "$failures" $((SECONDS - started)) "$which")")
  [ "$failures" -eq 0 ] || failed_any=1
}

# cargo: the test binaries `cargo test` runs, built once; each run is all
# of them, in cargo's order, with cargo's default test threads.
cargo_binaries() {
  cargo test --locked --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])'
}
cargo_suite() {
  local binary status=0
  while IFS= read -r binary; do
    echo "== $binary"
    "$binary" || status=1
  done <"$work/cargo.binaries"
  return "$status"
}

go_suite() {
  local binary status=0
  for binary in "$work"/go/*.test; do
    echo "== $binary"
    (cd "$(cat "$binary.dir")" && "$binary" -test.count=1) || status=1
  done
  return "$status"
}

e2e_suite() {
  local status=0 script
  # On the shared servers, as scripts/test.sh runs them.
  for script in tests/e2e/run_leaks.sh tests/e2e/run_metrics.sh tests/e2e/run_lambdaserver.sh \
    tests/e2e/run_invoke_features.sh tests/e2e/run_streaming.sh; do
    env LAMBDASERVER_URL="$LAMBDASERVER_URL" "$script" || { echo "FAILED: $script"; status=1; }
  done
  # Each with a server of its own.
  for script in tests/e2e/run_faults.sh tests/e2e/run_bounds.sh tests/e2e/run_secrets.sh \
    tests/e2e/run_network_policy.sh tests/e2e/run_signals.sh tests/e2e/run_dashboard.sh \
    tests/e2e/run_prometheus.sh; do
    "$script" || { echo "FAILED: $script"; status=1; }
  done
  for script in tests/e2e/watch.js tests/e2e/bad_input.js; do
    build/k6 run --quiet -e LAMBDA_ENDPOINT="$WATCH_URL" "$script" || { echo "FAILED: $script"; status=1; }
  done
  return "$status"
}

# Built before the load starts: the runs measure the tests, not the builds.
for suite in "${SUITES[@]}"; do
  case $suite in
  cargo)
    log "building the cargo test binaries"
    cargo_binaries >"$work/cargo.binaries"
    [ -s "$work/cargo.binaries" ] || die "cargo test --no-run failed"
    ;;
  go)
    log "building the Go test binaries"
    mkdir -p "$work/go"
    for pkg in ./internal/js ./internal/native; do
      CGO_ENABLED=1 go test -c -o "$work/go/$(basename "$pkg").test" -ldflags "$(native_ldflags)" "$pkg" ||
        die "go test -c $pkg failed"
      echo "$PWD/$pkg" >"$work/go/$(basename "$pkg").test.dir"
    done
    (cd tests/lambdaserver && go test -c -o "$work/go/lambdaserver.test" .) || die "go test -c tests/lambdaserver failed"
    echo "$PWD/tests/lambdaserver" >"$work/go/lambdaserver.test.dir"
    ;;
  e2e)
    [ -x build/k6 ] || die "build/k6 is missing: run scripts/build.sh"
    port=$(free_port)
    start_watch "$port" "$work/watch.log"
    export WATCH_URL="http://127.0.0.1:$port"
    start_lambdaserver "$work"
    ;;
  *) die "unknown suite $suite (cargo, go, e2e)" ;;
  esac
done

cores=$(nproc)
log "holding all $cores cores with busy loops"
for _ in $(seq 1 "$cores"); do
  (while :; do :; done) &
  busy+=($!)
done

for suite in "${SUITES[@]}"; do
  log "$suite: $RUNS runs under load"
  run_many "$suite" "${suite}_suite"
done

echo
echo "stress: $RUNS runs per suite, $cores busy loops on $cores cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${summary[@]}"
exit "$failed_any"
