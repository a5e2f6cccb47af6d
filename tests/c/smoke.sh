#!/usr/bin/env bash
# The C smoke test of the header: compiles tests/c/smoke.c against
# include/xk6_lambda.h (with -Wall -Wextra -Werror, as C11) and the static
# library the Go module ships (lib/linux_amd64/libxk6_lambda.a), with the
# same system libraries cgo links, then runs it against a closed port.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
[ -f "$NATIVE_LIB" ] || die "$NATIVE_LIB is missing: run scripts/build.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -std=c11 -Wall -Wextra -Werror -Iinclude tests/c/smoke.c "$NATIVE_LIB" \
  -lutil -lrt -lpthread -lm -ldl -o "$work/smoke"
"$work/smoke" "http://127.0.0.1:$(free_port)"
