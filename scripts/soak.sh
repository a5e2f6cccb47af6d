#!/usr/bin/env bash
# Soak: SOAK_INVOCATIONS invocations (default 10^6) at SOAK_RATE a second
# (default 2,000: 500 s) with k6's constant-arrival-rate executor on
# SOAK_VUS pre-allocated VUs (default 50, no VU added during the run: at
# ~0.5 ms an invocation 2,000/s keeps one or two busy, and 50 ride out a
# 25 ms stall of a shared machine without dropping), against
# scripts/nginx.sh's fixed-response endpoint (200, `3`): first through
# k6/x/lambda (tests/bench/soak-invoke.js), then the same load with k6's own
# http.post (tests/bench/soak-http.js), the baseline. Every SOAK_INTERVAL
# seconds (default 1) it samples the k6 process's RSS (VmRSS) and OS threads
# (/proc/PID/status), its open file descriptors and which are sockets
# (/proc/PID/fd), and Go's memory (runtime.MemStats Sys and HeapReleased,
# from k6's pprof endpoint, --profiling-enabled), against the invocations
# nginx has answered so far (its stub_status, less the polls); Go's GC
# trace (GODEBUG=gctrace=1) gives the live heap at each collection.
# tests/bench/soak.py prints, per run, the invocations completed and, over
# the samples after warm-up (the first 10% of the invocations) up to the end
# of the scenario, the least-squares slopes (KiB, fds, threads per 10^5
# invocations) and the first, start (end of warm-up), end and max values of
# RSS, RSS outside Go (RSS less Go's Sys − HeapReleased: the Rust core, C,
# the binary), Go's live heap, fds (sockets, others) and threads; then the
# RSS slope of the lambda run less that of the http.post run: ours.
#
# k6 keeps every Trend sample for its end-of-test summary, so both runs
# grow (~180 bytes an invocation here): an http.post makes 9 Trend samples,
# an invocation 2, so soak-invoke.js adds SOAK_TREND_PAD (7) Trends of its
# own, of a sample an iteration each, to make k6's share the same on both
# sides (soak.py checks the counts match). Without them the baseline grew
# ~14 MiB per 10^5 invocations more, which would hide a leak of ~140 bytes
# an invocation. With one Trend of 7 samples an iteration instead, its one
# array grew at other moments than the baseline's nine, and the difference
# of the two runs' RSS swung from -15 to +43 MiB over a 10^6 run; with 7
# Trends it stayed between 6.1 and 18.5 MiB (the Rust core, ~16 MiB).
#
#   scripts/soak.sh                    # 10^6 a side, ~17 min; writes tests/bench/SOAK.md
#   scripts/soak.sh --short            # 120,000 a side at 2,000/s, ~2 min (scripts/test.sh)
#   SOAK_INVOCATIONS=500000 SOAK_RATE=1000 K6=/path/to/k6 scripts/soak.sh
#
# Bounds (soak.py's BOUNDS; `soak.py --self-test`, run first, checks that
# each can fail). It fails (exit 1) if, in either run, k6 failed or a check
# failed, fewer than 99% (--short: 95%) of the invocations were made (k6
# drops iterations when all VUs are busy: the machine is too loaded for the
# rate, lower SOAK_RATE; the short run's 60 s weigh a stall of the shared CI
# machine more), nginx's count differs from k6's, or the two runs keep
# different numbers of Trend samples; or, in the lambda run, after warm-up:
#   - the fds other than sockets (files, pipes, epoll, eventfds: 12) grew:
#     end > start + 2. They are all open once the first invocation is made;
#     one leaked per invocation, or per connection, adds thousands, or tens;
#   - the sockets exceed 2 per VU (100). The connection pool holds one per
#     invocation in flight (at most one per VU) plus those a connect race
#     leaves idle, and closes them after 60 s idle: they come and go (46 to
#     78 fds in a 200,000-invocation run), so their start and end say
#     nothing; a socket leaked per invocation crosses the bound within 100
#     invocations, one per connection after ~50 reconnections;
#   - the OS threads grew: end > start + 4, or the max is above 64 (the
#     bound of scripts/threads.sh at 1,000 VUs). The Tokio workers start
#     with the first invocation; Go's threads never exit, so their count is
#     the high-water mark of threads blocked at once in system calls or C,
#     which a loaded machine raises by one or two at any time; a thread per
#     invocation or connection would add thousands, or tens;
#   - the RSS slope exceeds the http.post run's by more than 1,024 KiB per
#     10^5 invocations (~10 bytes an invocation; --short: 8,192, ~84 bytes).
#     A leaked request, response, buffer or promise is hundreds of bytes:
#     a 128-byte leak built into the library for the test measured 11,511.8
#     in the short run (its RSS outside Go, 129.3 bytes an invocation). The
#     short run's bound is looser because over 60 s one step of Go's heap,
#     of the connection pool growing to the run's peak concurrency, or of a
#     new thread's allocator cache weighs ten times what it does over 10^6:
#     clean short runs measured -1,400 to +2,755 here and 4,377.6 and
#     4,569.9 on CI (the full soak of the same commits: -106.6). After the
#     table, soak.py repeats which part moved: all RSS, RSS outside Go (the
#     Rust core, C) or Go's live heap.
# RSS outside Go and the live heap are reported, not bounded: the pool's
# connections (their buffers) come and go in the first, and the second
# moves in 1 MB steps.
#
# SOAK_K6_ARGS adds k6 run flags (for experiments: e.g.
# "--summary-mode=disabled --no-thresholds" keeps no Trend samples, but
# then there is no summary to count from and the run fails its checks).
# SOAK_KEEP=1 keeps the samples and k6's output (the path is printed).
# Needs build/k6 (scripts/build.sh; K6=PATH for another k6); installs nginx
# from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/nginx.sh
source scripts/nginx.sh

K6=${K6:-build/k6}
mode=full
case ${1:-} in
  "") ;;
  --short) mode=short ;;
  *) die "usage: scripts/soak.sh [--short]" ;;
esac
if [ "$mode" = short ]; then
  INVOCATIONS=${SOAK_INVOCATIONS:-120000}
else
  INVOCATIONS=${SOAK_INVOCATIONS:-1000000}
fi
RATE=${SOAK_RATE:-2000}
VUS=${SOAK_VUS:-50}
TREND_PAD=${SOAK_TREND_PAD:-7}
INTERVAL=${SOAK_INTERVAL:-1}

for v in INVOCATIONS RATE VUS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "SOAK_$v must be a positive integer, got '${!v}'"
done
[[ "$TREND_PAD" =~ ^[0-9]+$ ]] || die "SOAK_TREND_PAD must be a whole number, got '$TREND_PAD'"
[[ "$INTERVAL" =~ ^[0-9]*\.?[0-9]+$ ]] || die "SOAK_INTERVAL must be a number of seconds, got '$INTERVAL'"
[ $((INVOCATIONS % RATE)) -eq 0 ] || die "SOAK_INVOCATIONS ($INVOCATIONS) must be a multiple of SOAK_RATE ($RATE)"
DURATION=$((INVOCATIONS / RATE))
[ -x "$K6" ] || die "$K6 not found: run scripts/build.sh"

K6_PID=""
work=""
cleanup() {
  if [ -n "$K6_PID" ]; then
    kill -TERM "$K6_PID" 2>/dev/null || true
    wait "$K6_PID" 2>/dev/null || true
  fi
  stop_nginx
  if [ -n "$work" ] && [ -n "${SOAK_KEEP:-}" ]; then
    log "samples and k6 output kept in $work"
  elif [ -n "$work" ]; then
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# sample PID API: one line of samples.tsv: the time, the invocations nginx
# has answered in this run, and of PID: its RSS (KiB), open fds, of which
# sockets, OS threads, and Go's Sys and HeapReleased (bytes: the
# runtime.MemStats at the end of k6's pprof heap profile, served at API;
# empty if it did not answer). Returns 1 once PID is gone. Counts its
# nginx poll in $polls.
sample() {
  local pid=$1 api=$2 requests key value rest rss="" threads="" fds sockets memstats
  requests=$(nginx_requests)
  polls=$((polls + 1))
  { while read -r key value rest; do
    case $key in
      VmRSS:) rss=$value ;;
      Threads:) threads=$value ;;
    esac
  done; } 2>/dev/null <"/proc/$pid/status" || return 1
  fds=("/proc/$pid/fd/"*)
  [ -e "${fds[0]}" ] && [ -n "$rss" ] && [ -n "$threads" ] && [ -n "$requests" ] || return 1
  sockets=$(find "/proc/$pid/fd" -mindepth 1 -lname 'socket:*' 2>/dev/null | wc -l)
  memstats=$(curl -s --max-time 5 "http://$api/debug/pprof/heap?debug=1" |
    awk '$1 == "#" && $2 == "Sys" {s = $4} $1 == "#" && $2 == "HeapReleased" {r = $4} END {print s "\t" r}') || true
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$EPOCHREALTIME" $((requests - base - polls)) "$rss" "${#fds[@]}" \
    "$sockets" "$threads" "$memstats"
}

# run_side NAME SCRIPT: one soak run of SCRIPT into $work/NAME: k6's
# summary export (summary.json), output and Go's GC trace (k6.log), exit
# code (status) and start time (started), the samples (samples.tsv) and
# nginx's final count (served).
run_side() {
  local name=$1 script=$2 dir=$work/$1 status=0 started=$SECONDS api
  mkdir -p "$dir"
  # k6's REST API, with pprof: Go's memory statistics.
  api=127.0.0.1:$(free_port)
  # nginx's count before the run: each later poll counts itself too.
  polls=0
  base=$(nginx_requests)
  [ -n "$base" ] || die "could not read nginx's stub_status"
  log "$name: $INVOCATIONS invocations at $RATE/s ($DURATION s, $VUS VUs), sampling every ${INTERVAL}s"
  # gctrace: a line on stderr (k6.log) at each of Go's collections, with
  # the live heap it found, timed from the start of the process.
  echo "$EPOCHREALTIME" >"$dir/started"
  # shellcheck disable=SC2086 # SOAK_K6_ARGS: words
  GODEBUG="${GODEBUG:+$GODEBUG,}gctrace=1" "$K6" run --quiet --summary-export "$dir/summary.json" \
    --address "$api" --profiling-enabled ${SOAK_K6_ARGS:-} -e LAMBDA_ENDPOINT="$LAMBDA_ENDPOINT" \
    -e RATE="$RATE" -e DURATION="$DURATION" -e VUS="$VUS" -e TREND_PAD="$TREND_PAD" "$script" >"$dir/k6.log" 2>&1 &
  K6_PID=$!
  : >"$dir/samples.tsv"
  while kill -0 "$K6_PID" 2>/dev/null; do
    sample "$K6_PID" "$api" >>"$dir/samples.tsv" || true
    sleep "$INTERVAL"
  done
  wait "$K6_PID" || status=$?
  K6_PID=""
  echo "$status" >"$dir/status"
  nginx_alive
  local requests
  requests=$(nginx_requests)
  polls=$((polls + 1))
  echo $((requests - base - polls)) >"$dir/served"
  # k6's warnings and errors (each message once, with its count)
  grep -E 'level=(warning|error)' "$dir/k6.log" | sed 's/^time="[^"]*" //' | sort | uniq -c | sort -rn | head -n 5 >&2 || true
  [ "$status" -eq 0 ] || tail -n 20 "$dir/k6.log" >&2
  log "$name: k6 exit code $status, $(cat "$dir/served") invocations served, $((SECONDS - started)) s"
}

python3 tests/bench/soak.py --self-test
ensure_debian_tools nginx
work=$(mktemp -d)
load=$(cut -d' ' -f1-3 /proc/loadavg)
start_nginx "$work/nginx" "$(free_port)"
polls=0
base=0
run_side lambda tests/bench/soak-invoke.js
run_side http tests/bench/soak-http.js

command="scripts/soak.sh"
[ "$mode" = full ] || command+=" --short"
args=(--mode "$mode" --invocations "$INVOCATIONS" --rate "$RATE" --vus "$VUS"
  --lambda "$work/lambda" --http "$work/http")
if [ "$mode" = full ]; then
  args+=(--write tests/bench/SOAK.md --k6-version "$("$K6" version | head -n 1)" --load "$load"
    --command "SOAK_INVOCATIONS=$INVOCATIONS SOAK_RATE=$RATE SOAK_VUS=$VUS $command")
fi
echo
python3 tests/bench/soak.py "${args[@]}"
