#!/usr/bin/env bash
# Fails when include/xk6_lambda.h is not what cbindgen generates from src/ffi.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ensure_cbindgen
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
cbindgen --quiet --config cbindgen.toml --output "$fresh" .
if ! diff -u include/xk6_lambda.h "$fresh"; then
  die "include/xk6_lambda.h is stale: run scripts/build.sh and commit it"
fi
echo "include/xk6_lambda.h is up to date"
