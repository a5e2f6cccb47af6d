#!/usr/bin/env bash
# Builds the Rust core (release static library) and build/lambda-invoke,
# regenerates the C header, and links build/k6: k6 with k6/x/lambda, self-contained (the Rust library
# is linked statically; no LD_LIBRARY_PATH, nothing beside the binary).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_rust
ensure_go
ensure_cbindgen

log "building the Rust core (release)"
cargo build --release --locked --lib

log "building build/lambda-invoke"
cargo build --release --locked --bin lambda-invoke
mkdir -p build
cp target/release/lambda-invoke build/lambda-invoke

log "generating include/xk6_lambda.h"
cbindgen --quiet --config cbindgen.toml --output include/xk6_lambda.h .

# What xk6 does (`xk6 build --with github.com/xk6-lambda/xk6-lambda/go=./go`),
# done with the Go toolchain directly: the main package in go/cmd/k6 pins
# k6 through go/go.mod. cgo is required to link the Rust library.
log "building build/k6 (k6 $(k6_version) with k6/x/lambda)"
mkdir -p build
# Removed first: an existing binary that looks up to date to Go's build
# cache was seen not relinked after a Rust-only change.
rm -f build/k6
(cd go && CGO_ENABLED=1 go build -trimpath -ldflags "$(native_ldflags)" -o ../build/k6 ./cmd/k6)
log "built $(pwd)/build/k6"
