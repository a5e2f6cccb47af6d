#!/usr/bin/env bash
# Voluntary context switches of each of a running k6's threads, per
# iteration, over WINDOW seconds of its steady state (no VU init in them),
# and its CPU-µs per iteration over the same window. Start it beside
# scripts/bench.sh: it waits for the k6 whose command line has RATE=RATE
# and SCRIPT (e.g. invoke.js), lets it run 5 s, then samples
# /proc/PID/task/*/status twice, WINDOW seconds apart. The figures assume
# the rate was kept (no dropped iterations in the window).
#
#   tests/bench/thread_switches.sh invoke.js 2000 [WINDOW]
set -euo pipefail
script=$1 rate=$2 window=${3:-5}
pid=""
for ((i = 0; i < 1800 && ${#pid} == 0; i++)); do
  for p in $(pgrep -x k6 || true); do
    if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "RATE=$rate .*$script"; then
      pid=$p
      break
    fi
  done
  [ -n "$pid" ] || sleep 0.5
done
[ -n "$pid" ] || { echo "no k6 running $script at RATE=$rate" >&2; exit 1; }

# TID COMM SWITCHES per thread, then the process's user + system ticks.
snapshot() {
  local task
  for task in /proc/"$pid"/task/*; do
    printf '%s %s %s\n' "${task##*/}" "$(cat "$task/comm")" \
      "$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$task/status")"
  done | sort
  awk '{ print "cpu", "ticks", $14 + $15 }' "/proc/$pid/stat"
}
sleep 5
before=$(snapshot)
sleep "$window"
after=$(snapshot)
join <(echo "$before") <(echo "$after") | awk -v n="$((rate * window))" -v hz="$(getconf CLK_TCK)" '
  $1 == "cpu" { printf "CPU-µs/it: %.0f\n", ($5 - $3) / hz * 1e6 / n; next }
  { d = $5 - $3; total += d; printf "%s %s: %.2f/it\n", $1, $2, d / n }
  END { printf "all threads: %.2f/it\n", total / n }'
