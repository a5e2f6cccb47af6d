#!/usr/bin/env bash
# Benchmark: k6/x/lambda's invoke against its peers, side by side in one
# run, against nginx on 127.0.0.1 answering every Invoke with 200 and `3`
# (scripts/nginx.sh's endpoint, shared with scripts/soak.sh):
#   A  `await client.invoke(...)` from k6/x/lambda (tests/bench/invoke.js)
#   B  k6's own blocking `http.post`, the same request unsigned
#      (tests/bench/http.js): the baseline of the targets
#   C  wrk, the same request: the endpoint's ceiling
#   D  `await http.asyncRequest('POST', ...)` (tests/bench/http_async.js):
#      k6/http's async path, the closest peer of an awaited invoke
#   E  k6-jslib-aws's `await LambdaClient.invoke(...)`, only when
#      JSLIB_AWS_LAMBDA names its lambda.js: a URL (e.g.
#      https://jslib.k6.io/aws/0.14.0/lambda.js, needs the internet) or a
#      local copy. k6's imports are static, so the script is written into
#      the work directory from the template tests/bench/jslib_aws.js with
#      that specifier. Unset: E is skipped, and the tables say so.
#
# The streaming case, against tests/lambdaserver (-no-auth) rather than
# nginx: its `sleep` function on the InvokeWithResponseStream route, which
# waits STREAM_DELAY_MS, then sends the answer's head and one PayloadChunk:
#   S  `await client.invokeWithResponseStream(...)` (tests/bench/stream.js):
#      lambda_stream_first_chunk, from the call's start to the first chunk
#   H  k6's http.post of the same request, unsigned
#      (tests/bench/stream_http.js): http_req_waiting, its time to the first
#      byte
# at each of STREAM_VUS (constant-vus), ROUNDS rounds of S then H: the
# table gives both times, each less the server's delay (the overhead of
# the client), and S−H.
#
# At each VU level (constant-vus), ROUNDS rounds of A, B, D, E, C one after
# another (so that machine drift hits all alike).
#
# Then the fixed arrival rates (what a load test at a set rate pays, issue
# 24): at each of BENCH_RATES iterations/s (constant-arrival-rate, 200
# pre-allocated VUs, at most 1,000), RATE_ROUNDS rounds of A, B and D for
# RATE_DURATION each, the order rotated every round (A B D, B D A, D A B)
# so that drift, and whatever the run before left behind, hits all alike.
# Per tool: CPU-µs per iteration, voluntary context switches per
# iteration (the process's, all threads: /usr/bin/time -v), dropped
# iterations and p50; the targets: A/D CPU per iteration <= 1.0 at 500,
# 2,000 and 6,000/s (D, http.asyncRequest, is k6's own async request: the
# fair floor of an awaited invoke).
#
# The scripts share their load and endpoint through
# tests/bench/bench_lib.js. Each k6 runs under /usr/bin/time -v (CPU time,
# peak RSS, context switches) while its OS threads are sampled every 0.2 s.
# tests/bench/report.py prints markdown tables of throughput, CPU per
# iteration, memory, threads and latency (A/B, A/D, A/E ratios), the
# fixed-rate table, the targets with PASS/FAIL, and writes them to
# tests/bench/RESULTS.md (keeping its "## Findings" section).
#
# The targets, judged at the levels and rates that were run: A/B
# iterations/s >= 1 and A/B CPU per iteration <= 1 at 10, 100 and 1,000
# VUs; p50 A-B <= +50 us at 10 and 100 VUs; peak RSS A/B <= 1.2 and fewer
# than 64 OS threads at 1,000 VUs (issue 12); A/D CPU per iteration <= 1
# at 500, 2,000 and 6,000/s (issue 24). Other ratios against D and E are
# informative.
#
#   scripts/bench.sh                    # 10, 100, 1000 VUs, 10 s, 2 rounds; 500, 2,000, 6,000/s, 15 s, 2 rounds; streaming at 10, 100 VUs
#   scripts/bench.sh --quick            # 10 VUs, 3 s, 1 round; 500/s, 3 s; streaming at 10, 100 VUs: every column runs (scripts/test.sh)
#   BENCH_VUS="10 100" BENCH_DURATION=5s ROUNDS=1 BENCH_RATES="" scripts/bench.sh
#   BENCH_VUS="" STREAM_VUS="" RATE_ROUNDS=3 scripts/bench.sh      # the fixed-rate table alone
#   BENCH_VUS="" BENCH_RATES="" STREAM_DELAY_MS=20 scripts/bench.sh   # the streaming case alone
#   JSLIB_AWS_LAMBDA=https://jslib.k6.io/aws/0.14.0/lambda.js scripts/bench.sh
#
# Environment (unset: the default; set to empty: none, where a list):
#   BENCH_VUS        VU levels (constant-vus), default "10 100 1000"
#   BENCH_DURATION   each run at a VU level, default 10s
#   ROUNDS           rounds at each VU level and streaming level, default 2
#   BENCH_RATES      fixed arrival rates, iterations/s, default
#                    "500 2000 6000" (it replaces BENCH_RATE, refused now)
#   RATE_DURATION    each fixed-rate run, default 15s
#   RATE_ROUNDS      rounds at each rate, default ROUNDS
#   STREAM_VUS       VU levels of the streaming case, default "10 100"
#   STREAM_DELAY_MS  the server's first-chunk delay, default 50
#   K6               the k6 binary, default build/k6
#   JSLIB_AWS_LAMBDA k6-jslib-aws's lambda.js (column E), default none
#   BENCH_RESULTS    the file the tables are written to, default
#                    tests/bench/RESULTS.md (its "## Findings" kept); e.g.
#                    a scratch file for a partial run that should not
#                    replace the "Latest run" section
# --quick changes the defaults (10 VUs, 3 s, 1 round, 500/s for 3 s; set
# variables still win), and prints the tables without writing RESULTS.md:
# a check, ~45 s, that every column runs without an error; its timings are
# not asserted.
#
# A missed target is reported, not an error; a run that failed (k6 or wrk
# exit code, failed checks or requests, iterations that ended before their
# check, nginx or the test server down) fails the script. Needs build/k6
# (scripts/build.sh) and Go (the test server); installs nginx, wrk and GNU
# time from Debian when missing.
set -euo pipefail
# JSLIB_AWS_LAMBDA may be a path relative to where the script was started.
caller_dir=$PWD
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/nginx.sh
source scripts/nginx.sh

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

QUICK=0
for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$arg'" ;;
  esac
done

# BENCH_RATE (one rate) became BENCH_RATES: refused rather than ignored.
[ -z "${BENCH_RATE+set}" ] || die "BENCH_RATE is now BENCH_RATES (a list, e.g. \"500 2000 6000\"; empty: none)"
if [ "$QUICK" = 1 ]; then
  VUS_LEVELS=${BENCH_VUS-10}
  DURATION=${BENCH_DURATION:-3s}
  ROUNDS=${ROUNDS:-1}
  RATES=${BENCH_RATES-500}
  RATE_DURATION=${RATE_DURATION:-3s}
else
  VUS_LEVELS=${BENCH_VUS-10 100 1000}
  DURATION=${BENCH_DURATION:-10s}
  ROUNDS=${ROUNDS:-2}
  RATES=${BENCH_RATES-500 2000 6000}
  RATE_DURATION=${RATE_DURATION:-15s}
fi
RATE_ROUNDS=${RATE_ROUNDS:-$ROUNDS}
RESULTS=tests/bench/RESULTS.md
if [ -n "${BENCH_RESULTS:-}" ]; then
  # relative to where the script was started, as a user would mean it
  RESULTS=$BENCH_RESULTS
  [[ "$RESULTS" = /* ]] || RESULTS=$caller_dir/$RESULTS
fi
STREAM_LEVELS=${STREAM_VUS-10 100}
STREAM_DELAY=${STREAM_DELAY_MS:-50}
K6=${K6:-build/k6}
JSLIB=${JSLIB_AWS_LAMBDA:-}

RUN_PID=""
SERVER_PID=""
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
  stop_pid "$SERVER_PID"
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

# run_k6 OUT SCRIPT WHAT [-e NAME=VALUE...]: build/k6 run under
# /usr/bin/time -v, with the endpoint and the given variables (the load:
# DURATION and VUS or RATE, tests/bench/bench_lib.js); WHAT names the load
# in messages. OUT.json is the summary export, OUT.time time's report, OUT.log
# k6's output, and OUT.threads the peak OS thread count of k6 (the child
# of time).
run_k6() {
  local out=$1 script=$2 what=$3 k6_pid="" peak=0 status=0
  shift 3
  # --address "": no REST API server, whose port (6565) another k6 may hold
  /usr/bin/time -v -o "$out.time" "$K6" run --quiet --address "" --summary-export "$out.json" \
    -e LAMBDA_ENDPOINT="$LAMBDA_ENDPOINT" "$@" \
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
    die "k6 run $script at $what failed (exit $status)"
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

# script_of TOOL: the k6 script of a column.
script_of() {
  case $1 in
    A) echo tests/bench/invoke.js ;;
    B) echo tests/bench/http.js ;;
    D) echo tests/bench/http_async.js ;;
    E) echo "$work/jslib_aws.js" ;;
    S) echo tests/bench/stream.js ;;
    H) echo tests/bench/stream_http.js ;;
    *) die "no script for column $1" ;;
  esac
}

# record TSV LEVEL ROUND TOOL OUT WHAT: after a run, checks that nginx is
# up, appends the run's row to TSV (see tests/bench/report.py) and logs its
# figures.
record() {
  local tsv=$1 level=$2 round=$3 tool=$4 out=$5 what=$6 files row
  case $tool in
    S | H) kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$work/lambdaserver/lambdaserver.log" >&2; die "the test server stopped"; } ;;
    *) nginx_alive ;;
  esac
  if [ "$tool" = C ]; then
    files=("$out.log")
  else
    files=("$out.json" "$out.time" "$(cat "$out.threads")")
  fi
  row=("$level" "$round" "$tool" "${files[@]}")
  (IFS=$'\t' && echo "${row[*]}") >>"$tsv"
  log "$what, round $round, $tool: $(python3 tests/bench/report.py run "$tool" "${files[@]}")"
}

# jslib_script: writes E's script, $work/jslib_aws.js, from the template
# tests/bench/jslib_aws.js with JSLIB as its module specifier (a URL as it
# is, a path made absolute, in JSLIB too), and bench_lib.js beside it.
jslib_script() {
  local spec=$JSLIB template
  case $spec in
    http://* | https://* | file://*) ;;
    *)
      [[ "$spec" = /* ]] || spec=$caller_dir/$spec
      [ -f "$spec" ] || die "JSLIB_AWS_LAMBDA: no file $spec"
      spec=$(realpath "$spec")
      ;;
  esac
  # it goes into a JavaScript string between single quotes
  case $spec in
    *\'* | *\\* | *$'\n'*) die "JSLIB_AWS_LAMBDA: no quotes, backslashes or newlines, got '$spec'" ;;
  esac
  JSLIB=$spec
  template=$(<tests/bench/jslib_aws.js)
  [[ "$template" = *__JSLIB_AWS_LAMBDA__* ]] || die "tests/bench/jslib_aws.js has no __JSLIB_AWS_LAMBDA__"
  printf '%s\n' "${template//__JSLIB_AWS_LAMBDA__/"$spec"}" >"$work/jslib_aws.js"
  cp tests/bench/bench_lib.js "$work/bench_lib.js"
}

[ -x "$K6" ] || die "$K6 not found: run scripts/build.sh"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
for vus in $VUS_LEVELS; do
  [[ "$vus" =~ ^[1-9][0-9]*$ ]] || die "BENCH_VUS must be positive integers, got '$vus'"
done
for vus in $STREAM_LEVELS; do
  [[ "$vus" =~ ^[1-9][0-9]*$ ]] || die "STREAM_VUS must be positive integers, got '$vus'"
done
[[ "$STREAM_DELAY" =~ ^[0-9]+$ ]] || die "STREAM_DELAY_MS must be a whole number of milliseconds, got '$STREAM_DELAY'"
[[ "$RATE_ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "RATE_ROUNDS must be a positive integer, got '$RATE_ROUNDS'"
for rate in $RATES; do
  [[ "$rate" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RATES must be positive whole numbers of iterations/s, got '$rate'"
done
ensure_debian_tools nginx wrk time
# 1,000 VUs, the same number of connections on nginx's side, and wrk.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d)
load=$(cut -d' ' -f1-3 /proc/loadavg)
tools=(A B D)
if [ -n "$JSLIB" ]; then
  jslib_script
  tools+=(E)
else
  log "E (k6-jslib-aws) skipped: JSLIB_AWS_LAMBDA is not set"
fi
tools+=(C)
start_nginx "$work/nginx" "$(free_port)"
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"x":1,"y":2}'
wrk.headers["Content-Type"] = "application/json"
LUA

runs=$work/runs.tsv
: >"$runs"
for vus in $VUS_LEVELS; do
  for ((round = 1; round <= ROUNDS; round++)); do
    for tool in "${tools[@]}"; do
      out=$work/$vus-$round-$tool
      if [ "$tool" = C ]; then
        run_wrk "$out" "$vus"
      else
        run_k6 "$out" "$(script_of "$tool")" "$vus VUs" -e VUS="$vus" -e DURATION="$DURATION"
      fi
      record "$runs" "$vus" "$round" "$tool" "$out" "$vus VUs"
    done
  done
done

# The fixed-rate runs: A, B and D only. E's cost per iteration is in the
# tables above: at the 500-630 CPU-us an iteration it took here, 2,000/s
# would need more than one of this machine's 2 cores. Each round starts
# with the next tool (A B D, B D A, D A B, ...): the first run after nginx
# started, or after the runs at another rate, is not always the same
# tool's.
rate_tools=(A B D)
rates=$work/rates.tsv
: >"$rates"
for rate in $RATES; do
  for ((round = 1; round <= RATE_ROUNDS; round++)); do
    for ((i = 0; i < ${#rate_tools[@]}; i++)); do
      tool=${rate_tools[(round - 1 + i) % ${#rate_tools[@]}]}
      out=$work/rate-$rate-$round-$tool
      run_k6 "$out" "$(script_of "$tool")" "$rate/s" -e RATE="$rate" -e DURATION="$RATE_DURATION"
      record "$rates" "$rate" "$round" "$tool" "$out" "$rate/s"
    done
  done
done

# The streaming case: S and H against the test server.
streams=$work/streams.tsv
: >"$streams"
if [ -n "$STREAM_LEVELS" ]; then
  mkdir -p "$work/lambdaserver"
  log "starting tests/lambdaserver -no-auth (the streaming case)"
  start_lambdaserver "$work/lambdaserver" -no-auth
  for vus in $STREAM_LEVELS; do
    for ((round = 1; round <= ROUNDS; round++)); do
      for tool in S H; do
        out=$work/stream-$vus-$round-$tool
        run_k6 "$out" "$(script_of "$tool")" "$vus VUs (streaming)" -e VUS="$vus" -e DURATION="$DURATION" \
          -e STREAM_ENDPOINT="$LAMBDASERVER_URL" -e STREAM_DELAY_MS="$STREAM_DELAY"
        record "$streams" "$vus" "$round" "$tool" "$out" "$vus VUs (streaming, ${STREAM_DELAY} ms)"
      done
    done
  done
fi

command="BENCH_VUS=\"$VUS_LEVELS\" BENCH_DURATION=$DURATION ROUNDS=$ROUNDS"
command+=" BENCH_RATES=\"$RATES\" RATE_DURATION=$RATE_DURATION RATE_ROUNDS=$RATE_ROUNDS"
command+=" STREAM_VUS=\"$STREAM_LEVELS\" STREAM_DELAY_MS=$STREAM_DELAY"
[ -z "$JSLIB" ] || command+=" JSLIB_AWS_LAMBDA=$JSLIB"
[ "$K6" = build/k6 ] || command+=" K6=$K6"
[ "$RESULTS" = tests/bench/RESULTS.md ] || command+=" BENCH_RESULTS=$RESULTS"
command+=" scripts/bench.sh"
[ "$QUICK" = 0 ] || command+=" --quick"
args=("$runs" --rates "$rates" --streams "$streams" --stream-delay-ms "$STREAM_DELAY"
  --command "$command" --load "$load" --jslib "$JSLIB"
  --k6-version "$("$K6" version | head -n 1)")
if [ "$QUICK" = 1 ]; then
  args+=(--quick)
else
  args+=(--results "$RESULTS")
fi
echo
python3 tests/bench/report.py table "${args[@]}"
if [ "$QUICK" = 1 ]; then
  log "every run succeeded (--quick: timings not asserted, RESULTS.md not written)"
else
  log "written to $RESULTS"
fi
