#!/usr/bin/env bash
# k6's web dashboard with dashboards/web-dashboard.json, end to end: runs
# dashboard.js against its own tests/lambdaserver with the dashboard on
# (no HTTP listener: K6_WEB_DASHBOARD_PORT=-1) and its HTML report
# exported, then check_dashboard.py reads the report's data back (every
# metric a panel names has data) and renders it with headless Chromium
# (Debian's chromium-headless-shell, installed when missing): every panel
# with data drawn, and a screenshot.
#
#   tests/e2e/run_dashboard.sh [SCREENSHOT.png]
#
# The screenshot goes to SCREENSHOT.png when given (docs/web-dashboard.png
# is made so), else into the scratch directory. Environment: K6 (default
# build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
K6=${K6:-build/k6}
[ -x "$K6" ] || die "$K6 is missing: run scripts/build.sh"
command -v chromium-headless-shell >/dev/null || {
  log "installing chromium-headless-shell (Debian)"
  apt_install chromium-headless-shell || die "cannot install chromium-headless-shell"
}
scratch_dir_with_server
screenshot=$(realpath -m "${1:-$WORK/report.png}")
mkdir -p "$(dirname "$screenshot")"
# -cold-every 3: a cold start in every few calls of cold-start, so the
# cold-start share is neither 0 nor 1.
start_lambdaserver "$WORK" -cold-every 3

# K6_WEB_DASHBOARD_PERIOD=1s: a point a second (the default is 10 s) for
# a run of seconds. K6_WEB_DASHBOARD_TAGS: the dashboard's default split
# (group) and error_code, which the throttle chart selects.
if ! K6_WEB_DASHBOARD=true K6_WEB_DASHBOARD_PORT=-1 K6_WEB_DASHBOARD_PERIOD=1s \
  K6_WEB_DASHBOARD_TAGS=group,error_code K6_WEB_DASHBOARD_EXPORT="$WORK/report.html" \
  XK6_DASHBOARD_CONFIG=dashboards/web-dashboard.json \
  "$K6" run --quiet -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" tests/e2e/dashboard.js >"$WORK/k6.log" 2>&1; then
  cat "$WORK/k6.log"
  die "tests/e2e/dashboard.js failed"
fi
[ -s "$WORK/report.html" ] || { cat "$WORK/k6.log"; die "k6 wrote no report"; }
python3 tests/e2e/check_dashboard.py "$WORK/report.html" dashboards/web-dashboard.json "$screenshot"
