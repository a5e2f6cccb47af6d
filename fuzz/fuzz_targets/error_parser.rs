//! The `error_parser` fuzz target: its input and properties are in
//! `fuzz/targets/error_parser.rs`, which `tests/fuzz_replay.rs` also runs on every
//! seed and regression input with the stable toolchain.

#![no_main]

#[path = "../targets/error_parser.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
