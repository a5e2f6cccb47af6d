//! Every fuzz target's seeds and regression inputs, replayed as plain tests
//! on the stable toolchain: the same `run` each cargo-fuzz target calls
//! (`fuzz/targets/`), on each file of `fuzz/seeds/TARGET` and
//! `fuzz/regressions/TARGET`, and of `fuzz/corpus/TARGET` when a fuzzing
//! run by hand left one there (not committed). So a finding, once its input
//! is kept as a regression, stays fixed without a nightly build in CI;
//! fuzzing itself is `scripts/fuzz.sh`, by hand.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[path = "../fuzz/targets/error_parser.rs"]
mod error_parser;
#[path = "../fuzz/targets/eventstream_decoder.rs"]
mod eventstream_decoder;
#[path = "../fuzz/targets/ffi_config.rs"]
mod ffi_config;
#[path = "../fuzz/targets/ffi_invoke_request.rs"]
mod ffi_invoke_request;
#[path = "../fuzz/targets/report_parser.rs"]
mod report_parser;

/// One target at a time: the FFI targets set process environment variables
/// (as the fuzzer's single-threaded process does) before the library
/// reads them.
static SERIAL: Mutex<()> = Mutex::new(());

/// The committed inputs of `target` (at least one seed), and any local
/// corpus.
fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for kind in ["seeds", "regressions", "corpus"] {
        let Ok(dir) = fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        for entry in dir {
            let path = entry.expect("a readable corpus directory").path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(
        files.iter().any(|f| f.starts_with(root.join("seeds"))),
        "no seeds for {target} in fuzz/seeds/{target}"
    );
    files
}

/// Feeds every input of `target` to `run`; fails naming each input whose
/// run panicked (a property the target asserts did not hold).
fn replay(target: &str, run: fn(&[u8])) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let files = inputs(target);
    let failed: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let data = fs::read(file).expect("a readable input");
            catch_unwind(AssertUnwindSafe(|| run(&data)))
                .is_err()
                .then(|| file.display().to_string())
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs failed: {failed:#?}",
        failed.len(),
        files.len()
    );
    eprintln!("{target}: {} inputs replayed", files.len());
}

#[test]
fn report_parser_inputs() {
    replay("report_parser", report_parser::run);
}

#[test]
fn error_parser_inputs() {
    replay("error_parser", error_parser::run);
}

#[test]
fn eventstream_decoder_inputs() {
    replay("eventstream_decoder", eventstream_decoder::run);
}

#[test]
fn ffi_config_inputs() {
    replay("ffi_config", ffi_config::run);
}

#[test]
fn ffi_invoke_request_inputs() {
    replay("ffi_invoke_request", ffi_invoke_request::run);
}
