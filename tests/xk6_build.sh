#!/usr/bin/env bash
# What a k6 user does: `CGO_ENABLED=1 xk6 build v2.2.0 --with
# github.com/xk6-lambda/xk6-lambda@VERSION`, with the real xk6, in an empty
# directory outside the checkout, the module served from the Go module proxy
# directory scripts/release.sh wrote (dist/goproxy; no Rust, no clone),
# then the example run with the k6 that came out. Then the same build with
# a second k6 v2 extension beside it (tests/companion, `--with
# MODULE=./companion`), and a script that calls both. And the same build with
# CGO_ENABLED=0 must fail saying to set CGO_ENABLED=1. Last, the recipe
# for platforms without a prebuilt library (README, "Other platforms").
# Environment: WATCH_URL (cargo lambda watch), VERSION (default v0.3.0).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
: "${WATCH_URL:?set WATCH_URL}"
version=${VERSION:-v0.3.0}
proxy=$PWD/dist/goproxy
[ -f "$proxy/$MODULE_PATH/@v/$version.zip" ] || die "no $version in $proxy: run scripts/release.sh $version"
ensure_xk6
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# xk6 checks the extensions for conflicting k6 versions with `go list -m
# all` in its build module, which fails here unless the module versions
# whose metadata the proxy refuses are answered (lib.sh,
# write_refused_infos): with them, the check runs.
write_refused_infos "$out/infos" . tests/companion
export XK6_INFO_PROXY=$out/infos

# no_conflict LOG: xk6 builds anyway when an extension requires another k6
# major than the build's, and only warns that such extensions "will not be
# active"; that warning fails the test, and so does a check that could not
# run (it would let a conflict through unseen).
no_conflict() {
  ! grep -i 'conflicting k6 versions' "$1" || die "xk6 saw conflicting k6 versions (above)"
  ! grep -i 'could not check for k6 version conflicts' "$1" || die "xk6 could not check for k6 version conflicts (above)"
}

log "xk6 build $(k6_version) --with $MODULE_PATH@$version (from dist/goproxy)"
XK6_LOG=$out/xk6.log xk6_from_proxy "$proxy" "$version" "$out/k6"
no_conflict "$out/xk6.log"
"$out/k6" version | tee "$out/version.txt"
grep -q "$MODULE_PATH $version, k6/x/lambda \[js\]" "$out/version.txt" ||
  die "k6 version does not list $MODULE_PATH $version"

log "the example, with the k6 xk6 built"
(cd "$out" && "$out/k6" run --quiet -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
  -e AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY -e LAMBDA_ENDPOINT="$WATCH_URL" \
  "$OLDPWD/examples/invoke.js")

# The companion requires k6 v2.1.0, the build is $(k6_version): xk6 must
# resolve both to one k6 v2, and both modules must answer in one script.
COMPANION=github.com/xk6-lambda/xk6-companion
log "two extensions in one k6: --with $MODULE_PATH@$version --with $COMPANION=./companion"
mkdir "$out/two"
cp -r tests/companion "$out/two/companion"
XK6_DIR=$out/two XK6_LOG=$out/two.log xk6_from_proxy "$proxy" "$version" "$out/k6-two" \
  --with "$COMPANION=./companion"
no_conflict "$out/two.log"
"$out/k6-two" version | tee "$out/two-version.txt"
if ! grep -q "$MODULE_PATH $version, k6/x/lambda \[js\]" "$out/two-version.txt" ||
  ! grep -q "$COMPANION .*k6/x/companion \[js\]" "$out/two-version.txt" ||
  [ "$(grep -c 'k6/x/' "$out/two-version.txt")" -ne 2 ]; then
  die "k6 version does not list both extensions"
fi
(cd "$out" && "$out/k6-two" run --quiet -e LAMBDA_ENDPOINT="$WATCH_URL" "$OLDPWD/tests/e2e/two_extensions.js")

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
