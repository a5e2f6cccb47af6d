#!/usr/bin/env bash
# dashboards/grafana-prometheus.json against a real Prometheus: Debian's
# prometheus (installed when missing) on loopback, with its remote-write
# receiver and native histograms; one test (dashboard.js) split over two
# k6 instances, as k6-operator's parallel runners are (execution segments,
# each tagged instance_id and the same testid), both writing with
# -o experimental-prometheus-rw and Trends as native histograms, against
# one tests/lambdaserver. Then check_grafana.py evaluates every panel's
# queries through Prometheus's HTTP API, with the dashboard's variables
# filled in as Grafana would: each must return data, and the invocation
# count panel must equal what the server served, exactly.
# Environment: K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
K6=${K6:-build/k6}
[ -x "$K6" ] || die "$K6 is missing: run scripts/build.sh"
command -v prometheus >/dev/null || {
  log "installing prometheus (Debian)"
  apt_install prometheus || die "cannot install prometheus"
}
scratch_dir_with_server
PROMETHEUS_PID=""
trap 'stop_pid "$PROMETHEUS_PID"; stop_pid "$SERVER_PID"; rm -rf "$WORK"' EXIT
start_lambdaserver "$WORK" -cold-every 3

# Prometheus on a port of its own choosing (port 0), read from its log.
# Remote write alone feeds it: no scrape configuration at all.
echo "global: {}" >"$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address=127.0.0.1:0 --web.enable-remote-write-receiver \
  --enable-feature=native-histograms >"$WORK/prometheus.log" 2>&1 &
PROMETHEUS_PID=$!
deadline=$((SECONDS + 30))
until prometheus_address=$(grep -o 'msg="Listening on" address=127\.0\.0\.1:[0-9]*' "$WORK/prometheus.log"); do
  if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$PROMETHEUS_PID" 2>/dev/null; then
    cat "$WORK/prometheus.log"
    die "prometheus did not start"
  fi
  sleep 0.1
done
PROMETHEUS_URL="http://${prometheus_address##*address=}"
until curl -sf "$PROMETHEUS_URL/-/ready" >/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || { cat "$WORK/prometheus.log"; die "prometheus is not ready"; }
  sleep 0.1
done

curl -sf -X POST "$LAMBDASERVER_URL/_test/reset" >/dev/null
testid=e2e-$$-$RANDOM
# K6_PROMETHEUS_RW_PUSH_INTERVAL=1s: several points in a run of seconds
# (the default is 5 s).
run_instance() {
  local id=$1 segment=$2
  K6_PROMETHEUS_RW_SERVER_URL="$PROMETHEUS_URL/api/v1/write" K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true \
    K6_PROMETHEUS_RW_PUSH_INTERVAL=1s \
    "$K6" run --quiet -o experimental-prometheus-rw --execution-segment "$segment" \
    --execution-segment-sequence 0,1/2,1 --tag "instance_id=$id" --tag "testid=$testid" \
    -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" tests/e2e/dashboard.js >"$WORK/k6-$id.log" 2>&1
}
run_instance 0 0:1/2 &
first=$!
run_instance 1 1/2:1 &
second=$!
status=0
wait "$first" || { cat "$WORK/k6-0.log"; echo "FAIL: instance 0"; status=1; }
wait "$second" || { cat "$WORK/k6-1.log"; echo "FAIL: instance 1"; status=1; }
[ "$status" -eq 0 ] || exit 1
# The k6 instances have exited: their last remote write has been answered,
# so Prometheus holds every sample before this.
curl -sf "$LAMBDASERVER_URL/_test/stats" >"$WORK/stats.json"
python3 tests/e2e/check_grafana.py "$PROMETHEUS_URL" dashboards/grafana-prometheus.json "$testid" "$WORK/stats.json"
