#!/usr/bin/env bash
# Builds the Rust core (release static library, copied to lib/linux_amd64/
# where the cgo directives of internal/native find it, as in a release),
# build/lambda-invoke, regenerates the C header, and links build/k6: k6
# with k6/x/lambda, self-contained (the Rust library is linked statically;
# no LD_LIBRARY_PATH, nothing beside the binary).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_rust
ensure_go
ensure_cbindgen

# Only the static library (crate-type staticlib alone: with the rlib and
# cdylib types beside it, rustc skips LTO and ships every crate's bitcode,
# 145 MB instead of 30), and none of the CLI's crates.
log "building the Rust core (release static library: LTO, one codegen unit)"
cargo rustc --release --locked --lib --no-default-features --crate-type staticlib
mkdir -p "$(dirname "$NATIVE_LIB")"
# Debug sections of the precompiled std come along in a staticlib; the
# shipped archive has none.
strip --strip-debug -o "$NATIVE_LIB.tmp" target/release/libxk6_lambda.a
mv "$NATIVE_LIB.tmp" "$NATIVE_LIB"
log "$NATIVE_LIB: $(du -h "$NATIVE_LIB" | cut -f1)"

log "generating include/xk6_lambda.h"
cbindgen --quiet --config cbindgen.toml --output include/xk6_lambda.h .

# build/lambda-invoke beside build/k6, with the Cargo profile CLI_PROFILE:
#  - release (the default, what a release ships): whole-program fat LTO, which
#    ends in minutes on one core (2 min 52 s here), overlapped by the Go
#    build's two cores on a cold cache;
#  - dev (scripts/test.sh): the CLI as `cargo test` already built it for
#    tests/cli.rs, unoptimised, in seconds. A CLI makes one invocation: the
#    tests check what it does, not how fast, and CI saves the minutes.
# Its output goes to a log, shown when it is done.
CLI_PROFILE=${CLI_PROFILE:-release}
case $CLI_PROFILE in
release | dev) ;;
*) die "CLI_PROFILE is release or dev, not $CLI_PROFILE" ;;
esac
cli_target=target/$([ "$CLI_PROFILE" = dev ] && echo debug || echo release)/lambda-invoke
log "building build/lambda-invoke (profile $CLI_PROFILE, in the background, beside build/k6)"
cli_log=$(mktemp)
cargo build --profile "$CLI_PROFILE" --locked --bin lambda-invoke >"$cli_log" 2>&1 &
cli_pid=$!
cli_done() {
  local status=0
  wait "$cli_pid" || status=$?
  cat "$cli_log" >&2
  rm -f "$cli_log"
  [ "$status" -eq 0 ] || die "building build/lambda-invoke failed (exit $status)"
  mkdir -p build
  cp "$cli_target" build/lambda-invoke
  log "built $(pwd)/build/lambda-invoke"
}
# A failed Go build still waits for cargo: it must not outlive the script.
trap 'kill "$cli_pid" 2>/dev/null || true; wait "$cli_pid" 2>/dev/null || true; rm -f "$cli_log"' EXIT

# cmd/k6 is the main package xk6 generates for
# `xk6 build --with github.com/xk6-lambda/xk6-lambda=.`, built with the Go
# toolchain directly (k6 pinned in go.mod). cgo is required to link the
# Rust library.
log "building build/k6 (k6 $(k6_version) with k6/x/lambda)"
# Removed first: an existing binary that looks up to date to Go's build
# cache was seen not relinked after a Rust-only change.
rm -f build/k6
CGO_ENABLED=1 go build -trimpath -ldflags "$(native_ldflags)" -o build/k6 ./cmd/k6
log "built $(pwd)/build/k6"
cli_done
trap - EXIT
