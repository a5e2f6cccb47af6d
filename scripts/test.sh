#!/usr/bin/env bash
# Every test: lints, Rust unit tests, Go tests (k6's modulestest runtime
# over the real Rust library), and end-to-end runs of the built k6 against
# cargo lambda watch and tests/lambdaserver. Prints "N passed, M failed"
# and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

passed=0
failed=0
failures=()
work=$(mktemp -d)
WATCH_PID=""
SERVER_PID=""
MOTO_PID=""
cleanup() {
  stop_pid "$WATCH_PID"
  stop_pid "$SERVER_PID"
  stop_pid "$MOTO_PID"
  rm -rf "$work"
}
trap cleanup EXIT

# step NAME COMMAND...: runs one test step and records its result.
step() {
  local name=$1
  shift
  log "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf 'FAILED: %s\n' "$name" >&2
  fi
}

# k6_e2e SCRIPT ENDPOINT [k6 args...]: runs an end-to-end script with the
# built k6; a failed check fails it through the script's thresholds.
k6_e2e() {
  local script=$1 endpoint=$2
  shift 2
  build/k6 run --quiet -e LAMBDA_ENDPOINT="$endpoint" "$@" "$script"
}

# k6 inspect and k6 archive need no endpoint and no credentials (k6-operator
# runs both before a distributed test).
offline_inspect_and_archive() {
  (cd "$work" && env -u AWS_REGION -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
    "$OLDPWD/build/k6" inspect "$OLDPWD/examples/invoke.js" >/dev/null &&
    env -u AWS_REGION -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
      "$OLDPWD/build/k6" archive -O "$work/archive.tar" "$OLDPWD/examples/invoke.js" &&
    tar -tf "$work/archive.tar" >/dev/null)
}

# The binary carries the Rust library: no library of ours in ldd, and it
# runs from another directory.
self_contained() {
  ! ldd build/k6 | grep -Ei 'xk6|lambda|not found' &&
    (cd / && "$OLDPWD/build/k6" version >/dev/null)
}

# A port nothing listens on, for the refused-connection test.
closed_port() {
  local port
  port=$(free_port)
  echo "http://127.0.0.1:$port"
}

ensure_rust
ensure_go

step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy -D warnings" cargo clippy --locked --all-targets -- -D warnings
step "cargo test" cargo test --locked
step "build (scripts/build.sh)" scripts/build.sh
step "C header is up to date" scripts/check-header.sh
step "gofmt" bash -c '[ -z "$(gofmt -l go tests/lambdaserver)" ] || { gofmt -l go tests/lambdaserver; false; }'
step "go vet" bash -c 'cd go && go vet ./... && cd ../tests/lambdaserver && go vet ./...'
step "go test (modulestest over the Rust library)" \
  bash -c "cd go && CGO_ENABLED=1 go test -count=1 -ldflags '$(native_ldflags)' ./..."
step "k6 binary is self-contained" self_contained
step "k6 inspect and archive offline" offline_inspect_and_archive

port=$(free_port)
start_watch "$port" "$work/watch.log"
WATCH_URL="http://127.0.0.1:$port"
start_lambdaserver "$work"
start_moto "$work"

step "e2e: cargo lambda watch" k6_e2e tests/e2e/watch.js "$WATCH_URL"
step "e2e: moto_server (Event 202, DryRun 204)" k6_e2e tests/e2e/moto.js "$MOTO_URL"
step "e2e: bad input gets clear errors" k6_e2e tests/e2e/bad_input.js "$WATCH_URL"
step "e2e: refused connections, k6 goes on" k6_e2e tests/e2e/refused.js "$(closed_port)"
step "e2e: the example script" k6_e2e examples/invoke.js "$WATCH_URL" \
  -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
  -e AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
step "e2e: the Invoke API against the test server, both transports" \
  env LAMBDASERVER_URL="$LAMBDASERVER_URL" tests/e2e/run_lambdaserver.sh
step "e2e: metrics, tags, data_sent, thresholds (--out json)" \
  env LAMBDASERVER_URL="$LAMBDASERVER_URL" tests/e2e/run_metrics.sh
step "lambda-invoke against watch, moto and lambdaserver" env LAMBDA_INVOKE=build/lambda-invoke \
  WATCH_URL="$WATCH_URL" MOTO_URL="$MOTO_URL" LAMBDASERVER_URL="$LAMBDASERVER_URL" tests/cli_e2e.sh
step "1,000 VUs stay under 64 OS threads" scripts/threads.sh

echo
if [ "$failed" -gt 0 ]; then
  printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
