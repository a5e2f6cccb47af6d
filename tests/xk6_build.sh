#!/usr/bin/env bash
# What a k6 user does: `CGO_ENABLED=1 xk6 build v1.8.1 --with
# github.com/xk6-lambda/xk6-lambda@VERSION`, with the real xk6, in an empty
# directory outside the checkout, the module served from the Go module proxy
# directory scripts/release.sh wrote (dist/goproxy; no Rust, no clone),
# then the example run with the k6 that came out. And the same build with
# CGO_ENABLED=0 must fail saying to set CGO_ENABLED=1. Last, the recipe
# for platforms without a prebuilt library (README, "Other platforms").
# Environment: WATCH_URL (cargo lambda watch), VERSION (default v0.2.0).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
: "${WATCH_URL:?set WATCH_URL}"
version=${VERSION:-v0.2.0}
proxy=$PWD/dist/goproxy
[ -f "$proxy/$MODULE_PATH/@v/$version.zip" ] || die "no $version in $proxy: run scripts/release.sh $version"
ensure_xk6
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

log "xk6 build $(k6_version) --with $MODULE_PATH@$version (from dist/goproxy)"
xk6_from_proxy "$proxy" "$version" "$out/k6"
"$out/k6" version | tee "$out/version.txt"
grep -q "$MODULE_PATH $version, k6/x/lambda \[js\]" "$out/version.txt" ||
  die "k6 version does not list $MODULE_PATH $version"

log "the example, with the k6 xk6 built"
(cd "$out" && "$out/k6" run --quiet -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
  -e AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY -e LAMBDA_ENDPOINT="$WATCH_URL" \
  "$OLDPWD/examples/invoke.js")

log "CGO_ENABLED=0 must fail with a message that says what to do"
# xk6 shows the compiler's messages with -v only.
if CGO_ENABLED=0 xk6_from_proxy "$proxy" "$version" "$out/k6-nocgo" -v >"$out/nocgo.log" 2>&1; then
  die "the build succeeded without cgo"
fi
# The message, and nothing else from this module.
grep -q 'undefined: xk6_lambda_needs_cgo__build_with_CGO_ENABLED_1' "$out/nocgo.log" &&
  [ "$(grep -c "$MODULE_PATH@$version/.*: " "$out/nocgo.log")" -eq 1 ] ||
  { cat "$out/nocgo.log" >&2; die "the cgo-less build failed without saying to set CGO_ENABLED=1"; }
log "other platforms' recipe (README): the library from CGO_LDFLAGS, tag xk6_lambda_custom_lib"
# Here with this platform's library, from the checkout, so it is the
# mechanism that is tested: no prebuilt library is linked with the tag.
(cd "$out" && CGO_ENABLED=1 CGO_LDFLAGS="$OLDPWD/target/release/libxk6_lambda.a -lutil -lrt -lpthread -lm -ldl" \
  GODEBUG=goindex=0 "$XK6" build "$(cd "$OLDPWD" && k6_version)" --with "$MODULE_PATH=$OLDPWD" \
  --build-flags=-tags=xk6_lambda_custom_lib --output "$out/k6-custom")
"$out/k6-custom" run --quiet -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
  -e AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY -e LAMBDA_ENDPOINT="$WATCH_URL" examples/invoke.js
log "xk6 build: all passed"
