#!/usr/bin/env bash
# Signals and stops: k6 stopped with invocations in flight, against its own
# tests/lambdaserver, through the built k6.
#   1. SIGINT while 300 VUs each await a 30 s slow-headers: k6 exits 105
#      (exitcodes.ExternalAbort) within 15 s, prints the end-of-test
#      summary, runs teardown() (its invocation counted), no panic.
#   2. SIGTERM: the same.
#   3. A second SIGINT while teardown() awaits a 30 s invocation: k6 exits
#      105 at once (within 5 s), without the summary, no panic.
#   4. gracefulStop expiring (signals_graceful.js): the run ends after
#      duration + gracefulStop (4 s, and within 7 s), the cut iterations
#      are interrupted, the answered invocations counted, the cut ones not.
#   5. Back-to-back invocations cut by the end of a run (signals_churn.js):
#      none counted twice, none counted that the server did not receive,
#      the uncounted ones all in interrupted iterations.
#   6. Answers that came before the stop, to a VU too busy to settle them
#      (signals_answered.js): counted.
# check_signals.py compares k6's samples (--out json) with the server's
# counters after each run. Takes about 30 s.
#
# Environment: K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
K6=${K6:-build/k6}

scratch_dir_with_server
work=$WORK
k6_pid=
# A k6 still running when this script ends (a failed bound) is killed too.
trap 'stop_pid "$k6_pid"; stop_pid "$SERVER_PID"; rm -rf "$work"' EXIT

failures=0
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}
ok() { printf 'ok   %s\n' "$*"; }

start_lambdaserver "$work"
URL=$LAMBDASERVER_URL

# now_ms: the wall clock in milliseconds.
now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((t / 1000))
}

# stat KEY: a server counter, "invocations" or "byFunction.echo".
stat() {
  curl -sf "$URL/_test/stats" | python3 -c '
import json, sys
stats, key = json.load(sys.stdin), sys.argv[1]
group, _, name = key.partition(".")
value = stats.get(group, 0)
print(value.get(name, 0) if name else value)' "$1"
}

# wait_stat KEY N SECONDS: until the counter reaches N; fails after SECONDS.
wait_stat() {
  local deadline=$(($(now_ms) + $3 * 1000))
  until [ "$(stat "$1")" -ge "$2" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# start_k6 NAME SCRIPT [k6 args...]: k6 in the background, samples in
# NAME.json, stdout and stderr in NAME.out and NAME.err. Sets k6_pid and
# started (ms). The server's counters are reset first.
start_k6() {
  local name=$1 script=$2
  shift 2
  curl -sf -X POST "$URL/_test/reset" >/dev/null
  started=$(now_ms)
  # No REST API (its port may be taken by another k6) and no usage report.
  "$K6" run --address '' --no-usage-report --out "json=$work/$name.json" \
    -e LAMBDA_ENDPOINT="$URL" "$@" "$script" >"$work/$name.out" 2>"$work/$name.err" &
  k6_pid=$!
}

# wait_k6 SECONDS: waits for k6 to exit, at most SECONDS from now (then
# kills it: a hang). Sets status (k6's exit code, or "hang") and ended (ms).
wait_k6() {
  local deadline=$(($(now_ms) + $1 * 1000))
  while kill -0 "$k6_pid" 2>/dev/null; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      kill -KILL "$k6_pid" 2>/dev/null || true
      wait "$k6_pid" 2>/dev/null || true
      k6_pid=
      status=hang
      ended=$(now_ms)
      return
    fi
    sleep 0.05
  done
  status=0
  wait "$k6_pid" || status=$?
  k6_pid=
  ended=$(now_ms)
}

# stop_k6: kills k6 after a failure that leaves it running.
stop_k6() {
  if [ -n "$k6_pid" ]; then
    kill -KILL "$k6_pid" 2>/dev/null || true
    wait "$k6_pid" 2>/dev/null || true
    k6_pid=
  fi
}

# no_crash NAME: nothing in k6's stderr says a Go panic or fatal error.
no_crash() {
  if grep -Eq 'panic|fatal error|goroutine ' "$work/$1.err"; then
    fail "$1: k6's stderr shows a crash:"
    grep -E -m5 'panic|fatal error|goroutine ' "$work/$1.err" >&2
  else
    ok "$1: no panic, fatal error or goroutine dump in stderr"
  fi
}

# expect_status NAME WANT: k6's exit code.
expect_status() {
  if [ "$status" = "$2" ]; then
    ok "$1: exit code $status"
  else
    fail "$1: exit code $status, want $2"
    tail -20 "$work/$1.err" >&2
  fi
}

# expect_within NAME FROM_MS MAX_S [MIN_S]: ended - FROM_MS in [MIN_S, MAX_S).
expect_within() {
  local elapsed=$((ended - $2)) min=${4:-0}
  local shown
  shown=$(printf '%d.%03d s' $((elapsed / 1000)) $((elapsed % 1000)))
  if [ "$elapsed" -lt $(($3 * 1000)) ] && [ "$elapsed" -ge $((min * 1000)) ]; then
    ok "$1: took $shown (bounds: ${min} s to $3 s)"
  else
    fail "$1: took $shown, want ${min} s to $3 s"
  fi
}

# expect_text NAME FILE PATTERN WHAT: PATTERN (grep -E) is in NAME.FILE.
expect_text() {
  if grep -Eq "$3" "$work/$1.$2"; then ok "$1: $4"; else fail "$1: $4: no /$3/ in $2"; fi
}

# check_counts CASE NAME [VUS]: check_signals.py on the run's samples and
# the server's counters.
check_counts() {
  curl -sf "$URL/_test/stats" >"$work/$2.stats"
  python3 tests/e2e/check_signals.py "$1" "$work/$2.json" "$work/$2.stats" "$work/$2.out" "${@:3}" ||
    fail "$2: counts (above)"
}

# 1 and 2: a signal with 300 invocations in flight.
VUS=300
for sig in INT TERM; do
  name="sig$sig"
  log "SIG$sig with $VUS invocations in flight"
  start_k6 "$name" tests/e2e/signals.js -e VUS="$VUS" -e SLOW_MS=30000
  if ! wait_stat byFunction.slow-headers "$VUS" 60; then
    fail "$name: $(stat byFunction.slow-headers) of $VUS slow-headers reached the server in 60 s"
    stop_k6
    continue
  fi
  signalled=$(now_ms)
  kill -"$sig" "$k6_pid"
  wait_k6 30
  expect_status "$name" 105
  expect_within "$name" "$signalled" 15
  case $sig in INT) word=interrupt ;; TERM) word=terminated ;; esac
  expect_text "$name" err "test run was aborted because k6 received a '$word' signal" "k6 says why it stopped"
  expect_text "$name" out "TOTAL RESULTS" "end-of-test summary printed"
  no_crash "$name"
  # The server notices the closed connections: wait for it.
  wait_stat byStatus.client-closed "$VUS" 10 || true
  check_counts interrupted "$name" "$VUS"
done

# 3: a second SIGINT while teardown() awaits a 30 s invocation.
name=sigINT2
log "a second SIGINT during teardown()"
start_k6 "$name" tests/e2e/signals.js -e VUS=10 -e SLOW_MS=30000 -e TEARDOWN_MS=30000
if wait_stat byFunction.slow-headers 10 30; then
  kill -INT "$k6_pid"
  # teardown's slow-headers is the 11th.
  if wait_stat byFunction.slow-headers 11 15; then
    signalled=$(now_ms)
    kill -INT "$k6_pid"
    wait_k6 20
    expect_status "$name" 105
    expect_within "$name" "$signalled" 5
    expect_text "$name" err "Aborting k6 in response to signal" "k6 forced the exit"
    if grep -q "TOTAL RESULTS" "$work/$name.out"; then
      fail "$name: a summary was printed: the second signal did not cut teardown() short"
    else
      ok "$name: no summary (k6 exits at once)"
    fi
    no_crash "$name"
    if wait_stat byStatus.client-closed 11 10; then
      ok "$name: the server saw all 11 slow-headers closed by the client"
    else
      fail "$name: $(stat byStatus.client-closed) of 11 slow-headers closed by the client"
    fi
  else
    fail "$name: teardown's invocation did not reach the server after the first SIGINT"
    stop_k6
  fi
else
  fail "$name: the 10 slow-headers did not reach the server"
  stop_k6
fi

# 4: gracefulStop expires: duration 2 s + gracefulStop 2 s.
name=graceful
log "gracefulStop expiring with invocations in flight"
start_k6 "$name" tests/e2e/signals_graceful.js
wait_k6 30
expect_status "$name" 0
expect_within "$name" "$started" 7 4
no_crash "$name"
# The 10 cut invocations are closed when the VUs stop, not when their 10 s end.
if wait_stat byStatus.client-closed 10 2; then
  ok "$name: the server saw the 10 cut invocations closed within 2 s"
else
  fail "$name: $(stat byStatus.client-closed) of the 10 cut invocations closed by the client 2 s after the run"
fi
check_counts graceful "$name"

# 5: back-to-back invocations cut by the end of the run.
name=churn
log "the end of a run cuts invocations at every stage"
start_k6 "$name" tests/e2e/signals_churn.js
wait_k6 30
expect_status "$name" 0
expect_within "$name" "$started" 10
no_crash "$name"
check_counts churn "$name"

# 6: answers that came before the stop, to VUs too busy to settle them.
name=answered
log "answers that came before the stop are counted"
start_k6 "$name" tests/e2e/signals_answered.js
wait_k6 30
expect_status "$name" 0
expect_within "$name" "$started" 10
no_crash "$name"
check_counts answered "$name"

if [ "$failures" -gt 0 ]; then
  echo "run_signals: $failures failed" >&2
  exit 1
fi
echo "run_signals: all passed"
