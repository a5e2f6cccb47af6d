#!/usr/bin/env bash
# Runs every fuzzer for a while: the cargo-fuzz targets of fuzz/ (on the
# nightly toolchain) and the Go fuzz targets of internal/js, SECONDS each
# (default 20). Prints each fuzzer's executions and whether it found
# anything; exits non-zero if any did.
#
#   scripts/fuzz.sh [SECONDS]
#   FUZZ_SANITIZER=address scripts/fuzz.sh 60
#
# The Rust targets are built without a sanitizer by default (with debug
# assertions and overflow checks, as cargo fuzz always builds): the library
# allocates with mimalloc, whose memory AddressSanitizer does not see, so
# ASan would check little beyond the fuzz inputs' own buffers, for several
# times the build and run time. FUZZ_SANITIZER=address brings it back (one
# target directory per sanitizer, fuzz/target/SANITIZER, so switching does
# not rebuild). By hand: `cargo +nightly fuzz run -s none --target-dir
# fuzz/target/none TARGET`.
#
# Each cargo-fuzz target's body is `run` in fuzz/targets/TARGET.rs, which
# tests/fuzz_replay.rs also calls, with the stable toolchain, on every seed
# and regression input (and on fuzz/corpus/TARGET when a run left one): so
# `cargo test` (and CI) replays what fuzzing found, without fuzzing.
#
# What a finding leaves behind: a Rust crash input in
# fuzz/artifacts/TARGET/ (reproduce with `cargo +nightly fuzz run TARGET
# FILE`), a Go one in internal/js/testdata/fuzz/FUZZER/ (plain `go test`
# then runs it). Once fixed, keep the Rust input as
# fuzz/regressions/TARGET/NAME (every run replays those) and the Go one
# where it is. The generated corpora (fuzz/corpus, Go's cache) are not
# committed; the seeds are fuzz/seeds/TARGET and the testdata directory.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

FUZZ_SECONDS=${1:-20}
[[ "$FUZZ_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "usage: scripts/fuzz.sh [SECONDS]"

FUZZ_SANITIZER=${FUZZ_SANITIZER:-none}
RUST_TARGETS="report_parser error_parser ffi_config ffi_invoke_request eventstream_decoder"
GO_FUZZERS="FuzzReadInvokeArgs FuzzReadTags FuzzReadClientConfig"
CARGO_FUZZ_VERSION=0.13.2

ensure_rust
ensure_go
rustup run nightly rustc --version >/dev/null 2>&1 || {
  log "installing the nightly Rust toolchain (cargo fuzz needs it)"
  rustup toolchain install nightly --profile minimal
}
if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
if [ ! -f "$NATIVE_LIB" ]; then
  log "$NATIVE_LIB is missing (the Go tests link it): running scripts/build.sh"
  scripts/build.sh
fi

started=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=()
found=0

# record NAME EXECS STATUS: one line of the summary.
record() {
  results+=("$(printf '%-24s %12s execs  %s' "$1" "$2" "$3")")
  printf '%s: %s executions, %s\n' "$1" "$2" "$3"
}

# The same flags for the build and every run, or cargo fuzz rebuilds.
cargo_fuzz_flags=(-s "$FUZZ_SANITIZER" --target-dir "$PWD/fuzz/target/$FUZZ_SANITIZER")
log "building the cargo-fuzz targets (sanitizer: $FUZZ_SANITIZER; fuzz/target/$FUZZ_SANITIZER)"
cargo +nightly fuzz build "${cargo_fuzz_flags[@]}"

for target in $RUST_TARGETS; do
  log "cargo fuzz: $target, ${FUZZ_SECONDS}s"
  mkdir -p "fuzz/corpus/$target"
  # New inputs go to the first directory (not committed); the seeds and
  # the regressions are read only.
  corpora=("fuzz/corpus/$target" "fuzz/seeds/$target")
  [ -d "fuzz/regressions/$target" ] && corpora+=("fuzz/regressions/$target")
  out="$work/$target.log"
  status=0
  cargo +nightly fuzz run "${cargo_fuzz_flags[@]}" "$target" "${corpora[@]}" -- \
    -max_total_time="$FUZZ_SECONDS" -timeout=60 -print_final_stats=1 >"$out" 2>&1 || status=$?
  # "Done N runs in S second(s)" at the end of a full run; the last "#N"
  # status line otherwise.
  execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out" | tail -n 1)
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\)\t.*/\1/p' "$out" | tail -n 1)
  if [ "$status" -eq 0 ]; then
    record "$target" "${execs:-?}" "nothing found"
  else
    found=1
    tail -n 60 "$out" >&2
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$out" | tail -n 1)
    record "$target" "${execs:-?}" "FOUND (exit $status${artifact:+; input $artifact})"
  fi
done

# Go minimizes each new interesting input, for up to a minute by default,
# and does not fuzz meanwhile (whole seconds at 0 execs/s were seen): a
# tenth of the run at most, 1 s or more.
minimize=$((FUZZ_SECONDS / 10))
[ "$minimize" -ge 1 ] || minimize=1
for fuzzer in $GO_FUZZERS; do
  log "go test -fuzz: $fuzzer, ${FUZZ_SECONDS}s"
  out="$work/$fuzzer.log"
  status=0
  CGO_ENABLED=1 go test -run='^$' -fuzz="^$fuzzer\$" -fuzztime="${FUZZ_SECONDS}s" \
    -fuzzminimizetime="${minimize}s" -ldflags "$(native_ldflags)" ./internal/js/ >"$out" 2>&1 || status=$?
  # "fuzz: elapsed: 20s, execs: 123456 (6172/sec), new interesting: ..."
  execs=$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' "$out" | tail -n 1)
  # Go reports "context deadline exceeded" when -fuzztime ends while it
  # minimizes a new interesting input: no failing input, so no finding.
  if [ "$status" -ne 0 ] && grep -q 'context deadline exceeded' "$out" &&
    ! grep -q 'Failing input written' "$out"; then
    status=0
  fi
  if [ "$status" -eq 0 ]; then
    record "$fuzzer" "${execs:-?}" "nothing found"
  else
    found=1
    tail -n 60 "$out" >&2
    input=$(sed -n 's/.*Failing input written to \(.*\)$/\1/p' "$out" | tail -n 1)
    record "$fuzzer" "${execs:-?}" "FOUND (exit $status${input:+; input internal/js/$input})"
  fi
done

log "fuzz summary (${FUZZ_SECONDS}s per fuzzer, $((SECONDS - started))s in all)"
printf '%s\n' "${results[@]}"
[ "$found" -eq 0 ] || die "a fuzzer found something (see above)"
