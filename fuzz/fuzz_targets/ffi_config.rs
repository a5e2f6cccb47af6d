//! The `ffi_config` fuzz target: its input and properties are in
//! `fuzz/targets/ffi_config.rs`, which `tests/fuzz_replay.rs` also runs on every
//! seed and regression input with the stable toolchain.

#![no_main]

#[path = "../targets/ffi_config.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
