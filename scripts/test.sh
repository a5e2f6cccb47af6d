#!/usr/bin/env bash
# Every test: lints, Rust unit tests, Go tests (k6's modulestest runtime
# over the real Rust library), and end-to-end runs of the built k6 against
# cargo lambda watch and tests/lambdaserver. Prints "N passed, M failed"
# and exits non-zero if anything failed.
#
#   scripts/test.sh           everything (CI runs this)
#   scripts/test.sh --quick   the inner loop: lints, unit tests and the
#                             end-to-end scripts against the existing
#                             build/k6 and build/lambda-invoke (run
#                             scripts/build.sh first); no release, xk6
#                             builds, valgrind, licences, soak or bench
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

passed=0
failed=0
failures=()
timings=() # "seconds  step", printed at the end: CI must stay well under its limit
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

QUICK=0
case ${1:-} in
--quick) QUICK=1 ;;
"") ;;
*)
  echo "usage: scripts/test.sh [--quick]" >&2
  exit 2
  ;;
esac

# step NAME COMMAND...: runs one test step and records its result.
step() {
  local name=$1 started=$SECONDS
  shift
  log "$name"
  local status=0
  "$@" || status=$?
  timings+=("$(printf '%5ds  %s' $((SECONDS - started)) "$name")")
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf 'FAILED: %s\n' "$name" >&2
  fi
}

# full_step NAME COMMAND...: a step of the full run only (--quick skips it).
full_step() {
  if [ "$QUICK" -eq 1 ]; then
    timings+=("$(printf '%5s  %s' - "$1 (skipped: --quick)")")
    return 0
  fi
  step "$@"
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

# The version scripts/release.sh packs and tests/xk6_build.sh installs.
RELEASE_VERSION=v0.3.0

golangci_lint() {
  ensure_golangci_lint &&
    build/tools/golangci-lint run ./... &&
    (cd tests/lambdaserver && "$OLDPWD/build/tools/golangci-lint" run --config "$OLDPWD/.golangci.yml" ./...) &&
    (cd tests/companion && "$OLDPWD/build/tools/golangci-lint" run --config "$OLDPWD/.golangci.yml" ./...)
}

# The registry's checks for extensions. `versions` needs release tags,
# which do not travel from these machines (README, "Releasing");
# `vulnerability` needs govulncheck's online database, out of reach here.
xk6_lint() {
  ensure_xk6 && ensure_gosec &&
    PATH="$PWD/build/tools:$PATH" CGO_ENABLED=1 "$XK6" lint --preset strict \
      --disable versions,vulnerability --k6-version "$(k6_version)" .
}

# k6 v2 only: the modules that link k6 require go.k6.io/k6/v2 and have no
# go.k6.io/k6 (v1) anywhere in their graph (one would be a second k6 in
# the binary, and an extension registered with the k6 that does not run).
# `-e`: a few modules' .info files are refused by the proxy here; their
# go.mod and zip are served, which is all a build needs.
only_k6_v2() {
  local dir graph status=0
  for dir in . tests/companion; do
    graph=$(cd "$dir" && go list -m -e all) || return 1
    if grep -E '^go\.k6\.io/k6( |$)' <<<"$graph"; then
      echo "$dir: go.k6.io/k6 (v1) is in the module graph" >&2
      status=1
    fi
    grep -qE '^go\.k6\.io/k6/v2 v2\.' <<<"$graph" || { echo "$dir: no go.k6.io/k6/v2" >&2; status=1; }
  done
  echo "k6 in the root module: $(k6_version)"
  return "$status"
}

# A port nothing listens on, for the refused-connection test: port 1 is
# privileged and outside the ephemeral range, so no server of the run can
# take it, and no connection's own source port can be it (a port freed by
# a closed listener could be both).
closed_port() { echo "http://127.0.0.1:1"; }

ensure_rust
ensure_go
# The release rehearsed here packs a lambda-invoke built as `cargo test`
# built it (scripts/build.sh, CLI_PROFILE): the fat-LTO CLI is for real
# releases, and would cost CI minutes for nothing the tests look at.
export CLI_PROFILE=${CLI_PROFILE:-dev}
if [ "$QUICK" -eq 1 ]; then
  for built in build/k6 build/lambda-invoke "$NATIVE_LIB"; do
    [ -e "$built" ] || die "--quick tests the existing build: $built is missing (scripts/build.sh)"
  done
fi

step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy -D warnings" cargo clippy --locked --all-targets -- -D warnings
# cargo test also replays every fuzz target's seeds and regression inputs
# (tests/fuzz_replay.rs, stable toolchain), and go test the Go fuzzers'
# seed corpora: fuzzing itself is scripts/fuzz.sh, by hand (README, "Build").
step "cargo test (with the fuzz corpora replayed)" cargo test --locked
# After cargo test: it reuses that build's dependencies (only this crate is
# rebuilt, with the system allocator). The ASAN variant, a cold nightly
# build of every dependency, is for by-hand runs: scripts/sanitize.sh --asan.
full_step "valgrind memcheck over the FFI tests, leak canary first (scripts/sanitize.sh)" scripts/sanitize.sh
# One Rust release build serves build/k6 and the release: release.sh runs
# scripts/build.sh, then packs dist/goproxy and builds the static dist/k6
# from it with xk6.
full_step "build and release (scripts/release.sh $RELEASE_VERSION)" scripts/release.sh "$RELEASE_VERSION"
step "C header is up to date" scripts/check-header.sh
step "C smoke test of the header (tests/c/smoke.c against the static library)" tests/c/smoke.sh
step "gofmt" bash -c "[ -z \"\$(gofmt -l $GO_DIRS)\" ] || { gofmt -l $GO_DIRS; false; }"
step "go vet" bash -c 'go vet ./... && (cd tests/lambdaserver && go vet ./...) && cd tests/companion && go vet ./...'
step "k6 v2 only: go.k6.io/k6/v2 in every module that links k6, no go.k6.io/k6" only_k6_v2
full_step "licences: Rust crates and Go modules, k6 the one copyleft module (scripts/licenses.sh)" scripts/licenses.sh
step "golangci-lint $GOLANGCI_LINT_VERSION" golangci_lint
full_step "xk6 lint --preset strict (all but versions, vulnerability)" xk6_lint
step "TypeScript: tsc --strict over index.d.ts and the examples" scripts/typecheck.sh
step "go test (modulestest over the Rust library)" \
  bash -c "CGO_ENABLED=1 go test -count=1 -ldflags '$(native_ldflags)' ./..."
step "go test tests/lambdaserver (the test server against the API reference: SigV4, event streams, function URLs)" \
  bash -c 'cd tests/lambdaserver && go test -count=1 ./...'
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
step "e2e: fault suite (10 faults, 1 and 20 VUs, both transports; its own server)" \
  tests/e2e/run_faults.sh
step "e2e: answers over Lambda's limits are bounded: 64 MiB answers at 8 VUs, streams past 200 MiB, peak RSS (its own server)" \
  tests/e2e/run_bounds.sh
step "e2e: no password in k6's output (endpoints, function URLs, proxies, a credential process; its own server)" \
  tests/e2e/run_secrets.sh
step "e2e: k6 network options (blacklistIPs, blockHostnames, hosts, dns, TLS, localIPs, proxies; both transports)" \
  tests/e2e/run_network_policy.sh
step "e2e: signals and stops (SIGINT, SIGTERM with 300 in flight, gracefulStop; its own server)" \
  tests/e2e/run_signals.sh
step "e2e: nothing leaks (liveCounts() in teardown after every outcome and stopped VUs)" \
  env LAMBDASERVER_URL="$LAMBDASERVER_URL" tests/e2e/run_leaks.sh
step "e2e: metrics, tags, data_sent, thresholds (--out json)" \
  env LAMBDASERVER_URL="$LAMBDASERVER_URL" tests/e2e/run_metrics.sh
step "e2e: tenant isolation, durable executions, SnapStart restores (both transports, --out json)" \
  env LAMBDASERVER_URL="$LAMBDASERVER_URL" tests/e2e/run_invoke_features.sh
# Both start their own test server; each installs its Debian package
# (chromium-headless-shell, prometheus) when missing.
step "e2e: k6's web dashboard with dashboards/web-dashboard.json: the exported HTML report's data, every panel's metric with data, rendered by headless Chromium" \
  tests/e2e/run_dashboard.sh
step "e2e: dashboards/grafana-prometheus.json: one test over two k6 instances into Prometheus (remote write, native histograms), every panel query with data, the invocation count exactly the server's" \
  tests/e2e/run_prometheus.sh
step "e2e: response streaming and function URLs (both transports; stream-lines on cargo lambda watch)" \
  env LAMBDASERVER_URL="$LAMBDASERVER_URL" WATCH_URL="$WATCH_URL" tests/e2e/run_streaming.sh
step "lambda-invoke against watch, moto and lambdaserver" env LAMBDA_INVOKE=build/lambda-invoke \
  WATCH_URL="$WATCH_URL" MOTO_URL="$MOTO_URL" LAMBDASERVER_URL="$LAMBDASERVER_URL" tests/cli_e2e.sh
step "e2e: region and keys from the AWS chain at the first invocation" \
  env LAMBDASERVER_URL="$LAMBDASERVER_URL" tests/e2e/run_region_chain.sh
step "e2e: examples/invoke.ts (TypeScript, run by k6)" k6_e2e examples/invoke.ts "$WATCH_URL" \
  -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
  -e AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
full_step "xk6 build --with $MODULE_PATH@$RELEASE_VERSION from dist/goproxy, outside the checkout" \
  env WATCH_URL="$WATCH_URL" VERSION="$RELEASE_VERSION" tests/xk6_build.sh
full_step "static dist/k6 in an empty root (busybox, /etc/hosts)" env WATCH_URL="$WATCH_URL" tests/static_root.sh
full_step "k6-operator split: 3 execution segments in network namespaces" tests/e2e/segments.sh
full_step "1,000 VUs stay under 64 OS threads" scripts/threads.sh
full_step "bench --quick: every column runs, no timing asserted" scripts/bench.sh --quick
full_step "soak --short: 120,000 invocations a side, no fd, thread or RSS growth beyond http.post's" \
  scripts/soak.sh --short

echo
if [ "$failed" -gt 0 ]; then
  printf 'failed: %s\n' "${failures[@]}"
fi
printf '%s\n' "step times:" "${timings[@]}"
echo "$passed passed, $failed failed (${SECONDS}s)"
[ "$failed" -eq 0 ]
