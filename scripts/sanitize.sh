#!/usr/bin/env bash
# Memory checks of the C ABI: the library's src/ffi unit tests,
# tests/ffi_abi.rs, tests/ffi_ring.rs, tests/ffi_stream.rs and
# tests/ffi_examples.rs under a
# memory checker, built with the system allocator (the `system-allocator`
# feature: the checkers see what goes through malloc, and mimalloc takes
# its memory from mmap).
#
#   scripts/sanitize.sh           valgrind memcheck (what scripts/test.sh
#                                 runs): stable Rust, target/debug; only
#                                 this crate is rebuilt (about a minute)
#   scripts/sanitize.sh --asan    AddressSanitizer and LeakSanitizer:
#                                 nightly Rust, every crate instrumented
#                                 (not std: no rust-src here), in
#                                 target/asan; the first build compiles the
#                                 whole dependency tree (several minutes)
#
# Both first run tests/ffi_abi.rs's leak_canary, which leaks one completion
# on purpose: the checker must report that leak and nothing else, or it is
# blind (and a clean run would prove nothing). Then every test must pass, with no memory error and
# no leak: valgrind fails on blocks "definitely" or "possibly" lost (less
# the one-time globals and live threads of tests/valgrind.supp), ASAN on
# any error or leak. Prints PASS or FAIL; exits non-zero on FAIL.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

mode=valgrind
case "${1:-}" in
  "") ;;
  --valgrind) mode=valgrind ;;
  --asan) mode=asan ;;
  *) die "usage: scripts/sanitize.sh [--valgrind | --asan]" ;;
esac

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  status=1
}

TARGETS=(--lib --test ffi_abi --test ffi_ring --test ffi_stream --test ffi_examples)

# test_binaries TOOLCHAIN [CARGO_TEST_ARGS...]: builds the test executables
# and prints "name path" for each (xk6_lambda is the library's unit tests).
# TOOLCHAIN is +nightly, or empty for the default one.
test_binaries() {
  local toolchain=("$1")
  [ -n "$1" ] || toolchain=()
  shift
  cargo "${toolchain[@]}" test --locked --no-run --features system-allocator "${TARGETS[@]}" "$@" \
    --message-format=json-render-diagnostics |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["target"]["name"], m["executable"])
'
}

# checked NAME LOG COMMAND...: runs one test binary under the checker; the
# log is printed when it fails.
checked() {
  local name=$1 log=$2
  shift 2
  local started=$SECONDS rc=0
  "$@" >"$log" 2>&1 || rc=$?
  printf '  %-40s exit %d, %ds\n' "$name" "$rc" $((SECONDS - started))
  return "$rc"
}

if [ "$mode" = valgrind ]; then
  command -v valgrind >/dev/null || {
    log "installing valgrind (apt)"
    apt_install valgrind
  }
  command -v valgrind >/dev/null || die "valgrind not found"
  log "building the FFI tests with the system allocator"
  binaries=$(test_binaries "") || die "build failed"
  # The unit tests of src/ffi only: the others never cross the C ABI, and
  # valgrind is slow.
  lib_filter=ffi::
  # Under valgrind the library runs about a hundred times slower: the tests'
  # bounds on waiting stretch by this factor.
  export XK6_LAMBDA_TEST_PATIENCE=20
  checker=(valgrind --leak-check=full "--show-leak-kinds=definite,possible"
    "--errors-for-leak-kinds=definite,possible" --suppressions=tests/valgrind.supp
    --num-callers=40 --error-exitcode=99)
  # A leak of either kind the FFI tests fail on. The canary's completion is
  # usually "definitely" lost, but a stale copy of an interior pointer on a
  # live thread's stack (the runtime's worker) makes it "possibly" lost: a
  # CI run reported it so, with no "definitely", and the canary failed.
  found_leak() { grep -Eq '(definitely|possibly) lost in loss record' "$1"; }
  # Any of memcheck's reports that is not about a leak.
  found_memory_error() {
    grep -Eq '== (Invalid (read|write|free)|Mismatched free|Conditional jump|Use of uninitialised|Syscall param|Source and destination overlap)' "$1"
  }
else
  rustup run nightly rustc --version >/dev/null 2>&1 || die "nightly Rust is needed for --asan (rustup toolchain install nightly)"
  log "building the FFI tests with AddressSanitizer (nightly, target/asan)"
  # --target keeps the flags off build scripts and proc macros; line tables
  # are enough for the reports' file:line and build faster than full debug.
  binaries=$(RUSTFLAGS="-Zsanitizer=address" CARGO_PROFILE_DEV_DEBUG=line-tables-only \
    CARGO_TARGET_DIR=target/asan test_binaries +nightly --target x86_64-unknown-linux-gnu) ||
    die "build failed"
  lib_filter="" # all of the library's unit tests: a second under ASAN
  export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
  export XK6_LAMBDA_TEST_PATIENCE=2
  checker=()
  found_leak() { grep -q 'ERROR: LeakSanitizer: detected memory leaks' "$1"; }
  found_memory_error() { grep -q 'ERROR: AddressSanitizer:' "$1"; }
fi
binary() { awk -v n="$1" '$1 == n { print $2 }' <<<"$binaries"; }
lib_tests=$(binary xk6_lambda)
abi_tests=$(binary ffi_abi)
example_tests=$(binary ffi_examples)
stream_tests=$(binary ffi_stream)
ring_tests=$(binary ffi_ring)
if [ -z "$lib_tests" ] || [ -z "$abi_tests" ] || [ -z "$example_tests" ] || [ -z "$stream_tests" ] || [ -z "$ring_tests" ]; then
  die "test executables not found in cargo's output: $binaries"
fi

log "$mode: the leak canary must be reported"
rc=0
checked "leak_canary (a deliberate leak)" "$logs/canary.log" \
  "${checker[@]}" "$abi_tests" leak_canary --exact --ignored || rc=$?
if found_memory_error "$logs/canary.log"; then
  cat "$logs/canary.log" >&2
  fail "leak_canary: a memory error besides its deliberate leak"
elif [ "$rc" -ne 0 ] && found_leak "$logs/canary.log" && grep -q '1 passed' "$logs/canary.log"; then
  echo "  the deliberate leak was reported"
else
  cat "$logs/canary.log" >&2
  fail "$mode did not report leak_canary's leaked completion: the checker does not see the library's allocations"
fi

log "$mode: the FFI tests"
checked "library unit tests ${lib_filter:-(all)}" "$logs/lib.log" "${checker[@]}" "$lib_tests" $lib_filter ||
  { cat "$logs/lib.log" >&2; fail "the library's unit tests"; }
checked "tests/ffi_abi.rs" "$logs/abi.log" "${checker[@]}" "$abi_tests" ||
  { cat "$logs/abi.log" >&2; fail "tests/ffi_abi.rs"; }
checked "tests/ffi_ring.rs" "$logs/ring.log" "${checker[@]}" "$ring_tests" ||
  { cat "$logs/ring.log" >&2; fail "tests/ffi_ring.rs"; }
checked "tests/ffi_stream.rs" "$logs/stream.log" "${checker[@]}" "$stream_tests" ||
  { cat "$logs/stream.log" >&2; fail "tests/ffi_stream.rs"; }
checked "tests/ffi_examples.rs" "$logs/examples.log" "${checker[@]}" "$example_tests" ||
  { cat "$logs/examples.log" >&2; fail "tests/ffi_examples.rs"; }
if [ "$mode" = valgrind ]; then
  # The suppressed blocks, for the record (what tests/valgrind.supp hides).
  for f in lib abi ring stream examples; do
    grep -h 'suppressed: .* bytes' "$logs/$f.log" | tail -1 | sed "s/^==[0-9]*==/  $f:/"
  done
fi

if [ "$status" -eq 0 ]; then
  echo "PASS: $mode over the FFI tests: no memory error, no leak; the canary's leak was seen"
else
  echo "FAIL: $mode over the FFI tests (see above)"
fi
exit "$status"
