//! Strings handed to the caller, and the library's version.

use std::ffi::{c_char, CString};

use super::boundary::guard_void;
use super::live;

/// Frees a string this library returned. NULL is a no-op.
///
/// # Safety
/// `s` is NULL or a string returned by this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lambda_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    guard_void(|| {
        drop(CString::from_raw(s));
        live::STRINGS.sub(1);
    });
}

/// The library's version, a static NUL-terminated string: do not free it.
#[no_mangle]
pub extern "C" fn lambda_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
