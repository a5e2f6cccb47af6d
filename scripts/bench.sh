#!/usr/bin/env bash
# Benchmark: k6/x/lambda's invoke (A, tests/bench/invoke.js) against the
# same request sent with k6/http (B, tests/bench/http.js), and wrk (C) for
# the endpoint's ceiling, side by side in one run. The endpoint is nginx on
# 127.0.0.1 answering every Invoke with 200 and `3`.
#
# At each VU level, ROUNDS rounds of A, B, C one after another (so that
# machine drift hits both sides alike). Each k6 runs under /usr/bin/time -v
# (peak RSS, CPU time) while its OS threads are sampled every 0.2 s. Prints
# a markdown table of throughput, CPU per iteration, memory, threads and
# latency, then the targets with PASS/FAIL, and writes both to
# tests/bench/RESULTS.md (keeping its "## Findings" section).
#
#   scripts/bench.sh                                   # 10, 100, 1000 VUs, 10 s, 2 rounds
#   BENCH_VUS="10 100" BENCH_DURATION=5s ROUNDS=1 scripts/bench.sh
#
# A missed target is reported, not an error; a run that failed (k6 or wrk
# exit code, failed checks or requests, nginx down) fails the script.
# Needs build/k6 (scripts/build.sh; K6=PATH for another k6); installs
# nginx, wrk and GNU time from Debian when missing. The endpoint is
# scripts/nginx.sh's, shared with scripts/soak.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/nginx.sh
source scripts/nginx.sh

VUS_LEVELS=${BENCH_VUS:-10 100 1000}
DURATION=${BENCH_DURATION:-10s}
ROUNDS=${ROUNDS:-2}
K6=${K6:-build/k6}

RUN_PID=""
work=""

# stop_tree PID: stops a run: TERM to the children of PID (k6 under
# /usr/bin/time), KILL if they are still there after 10 s, then PID.
stop_tree() {
  local pid=$1 children i
  [ -n "$pid" ] || return 0
  children=$(pgrep -P "$pid" || true)
  if [ -n "$children" ]; then
    # shellcheck disable=SC2086 # one PID a word
    kill -TERM $children 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      # shellcheck disable=SC2086
      kill -0 $children 2>/dev/null || break
      sleep 0.2
    done
    # shellcheck disable=SC2086
    kill -KILL $children 2>/dev/null || true
  fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  stop_tree "$RUN_PID"
  stop_nginx
  [ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# THREADS of /proc/$1/status, with no fork; 0 once the process is gone.
read_threads() {
  local key value rest
  THREADS=0
  { while read -r key value rest; do
    [ "$key" = Threads: ] && { THREADS=$value; break; }
  done; } 2>/dev/null <"/proc/$1/status" || true
}

# run_k6 OUT SCRIPT VUS: build/k6 run under /usr/bin/time -v; OUT.json is
# the summary export, OUT.time time's report, OUT.log k6's output, and
# OUT.threads the peak OS thread count of k6 (the child of time).
run_k6() {
  local out=$1 script=$2 vus=$3 k6_pid="" peak=0 status=0
  # --address "": no REST API server, whose port (6565) another k6 may hold
  /usr/bin/time -v -o "$out.time" "$K6" run --quiet --address "" --summary-export "$out.json" \
    -e LAMBDA_ENDPOINT="$LAMBDA_ENDPOINT" -e VUS="$vus" -e DURATION="$DURATION" \
    "$script" >"$out.log" 2>&1 &
  RUN_PID=$!
  while kill -0 "$RUN_PID" 2>/dev/null; do
    [ -n "$k6_pid" ] || k6_pid=$(pgrep -P "$RUN_PID" || true)
    if [ -n "$k6_pid" ]; then
      read_threads "$k6_pid"
      [ "$THREADS" -le "$peak" ] || peak=$THREADS
    fi
    sleep 0.2
  done
  wait "$RUN_PID" || status=$?
  RUN_PID=""
  echo "$peak" >"$out.threads"
  # 99: thresholds crossed (the scripts have none); anything else: k6 failed.
  if [ "$status" -ne 0 ] && [ "$status" -ne 99 ]; then
    tail -n 20 "$out.log" >&2
    die "k6 run $script with $vus VUs failed (exit $status)"
  fi
  [ -s "$out.json" ] || { tail -n 20 "$out.log" >&2; die "k6 wrote no summary for $script"; }
  # k6's warnings and errors (each message once, with its count)
  grep -E 'level=(warning|error)' "$out.log" | sed 's/^time="[^"]*" //' | sort | uniq -c | sort -rn | head -n 5 >&2 || true
}

# run_wrk OUT VUS: wrk with VUS connections and at most 2 threads; OUT.log.
run_wrk() {
  local out=$1 vus=$2 threads=2 status=0
  [ "$vus" -ge 2 ] || threads=1
  wrk -t "$threads" -c "$vus" -d "$DURATION" -s "$work/post.lua" \
    "$LAMBDA_ENDPOINT/2015-03-31/functions/add-numbers/invocations" >"$out.log" 2>&1 &
  RUN_PID=$!
  wait "$RUN_PID" || status=$?
  RUN_PID=""
  [ "$status" -eq 0 ] || { cat "$out.log" >&2; die "wrk with $vus connections failed (exit $status)"; }
}

[ -x "$K6" ] || die "$K6 not found: run scripts/build.sh"
ensure_debian_tools nginx wrk time
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
for vus in $VUS_LEVELS; do
  [[ "$vus" =~ ^[1-9][0-9]*$ ]] || die "BENCH_VUS must be positive integers, got '$vus'"
done
# 1,000 VUs, the same number of connections on nginx's side, and wrk.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d)
load=$(cut -d' ' -f1-3 /proc/loadavg)
start_nginx "$work/nginx" "$(free_port)"
cat >"$work/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"x":1,"y":2}'
wrk.headers["Content-Type"] = "application/json"
EOF

runs=$work/runs.tsv
: >"$runs"
for vus in $VUS_LEVELS; do
  for ((round = 1; round <= ROUNDS; round++)); do
    for tool in A B C; do
      out=$work/$vus-$round-$tool
      case $tool in
        A) run_k6 "$out" tests/bench/invoke.js "$vus" ;;
        B) run_k6 "$out" tests/bench/http.js "$vus" ;;
        C) run_wrk "$out" "$vus" ;;
      esac
      nginx_alive
      # the row of this run in $runs: see tests/bench/report.py
      if [ "$tool" = C ]; then
        files=("$out.log")
      else
        files=("$out.json" "$out.time" "$(cat "$out.threads")")
      fi
      row=("$vus" "$round" "$tool" "${files[@]}")
      (IFS=$'\t' && echo "${row[*]}") >>"$runs"
      log "$vus VUs, round $round/$ROUNDS, $tool: $(python3 tests/bench/report.py run "$tool" "${files[@]}")"
    done
  done
done

echo
python3 tests/bench/report.py table "$runs" --results tests/bench/RESULTS.md \
  --command "BENCH_VUS=\"$VUS_LEVELS\" BENCH_DURATION=$DURATION ROUNDS=$ROUNDS scripts/bench.sh" \
  --k6-version "$("$K6" version | head -n 1)" --load "$load"
log "written to tests/bench/RESULTS.md"
