//! The panic boundary and the pointer helpers every entry point uses.

use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{live, LambdaStatus};

/// Runs an entry point's body; a panic becomes `LambdaStatus::Panic`
/// instead of unwinding into C (undefined behaviour) or aborting k6.
pub(super) fn guard(body: impl FnOnce() -> LambdaStatus) -> LambdaStatus {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(LambdaStatus::Panic)
}

/// Same, for entry points that return a value: `fallback` after a panic.
pub(super) fn guard_with<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Same, for entry points with nothing to return.
pub(super) fn guard_void(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

/// Borrows `len` bytes at `ptr`. A zero length needs no pointer.
///
/// # Safety
/// `ptr` must point to `len` readable bytes that outlive the borrow.
pub(super) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], LambdaStatus> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(LambdaStatus::NullArgument);
    }
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// Borrows a UTF-8 string given as pointer and length.
///
/// # Safety
/// As [`bytes`].
pub(super) unsafe fn text<'a>(ptr: *const u8, len: usize) -> Result<&'a str, LambdaStatus> {
    std::str::from_utf8(bytes(ptr, len)?).map_err(|_| LambdaStatus::InvalidUtf8)
}

/// Hands a string to the caller through `out` (which may be NULL when the
/// caller does not want it). Freed with `lambda_string_free`.
///
/// # Safety
/// `out` is NULL or valid for one pointer write.
pub(super) unsafe fn give_string(out: *mut *mut c_char, value: Vec<u8>) {
    if out.is_null() {
        return;
    }
    // JSON from serde never holds a NUL byte; strip defensively rather than fail.
    let value: Vec<u8> = value.into_iter().filter(|&b| b != 0).collect();
    let owned = CString::new(value).unwrap_or_default();
    *out = owned.into_raw();
    live::STRINGS.add(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_a_status() {
        let status = guard(|| panic!("boom"));
        assert_eq!(status, LambdaStatus::Panic);
    }

    #[test]
    fn null_pointers_with_length_are_refused() {
        assert_eq!(
            unsafe { bytes(std::ptr::null(), 3) },
            Err(LambdaStatus::NullArgument)
        );
        assert_eq!(unsafe { bytes(std::ptr::null(), 0) }, Ok(&[][..]));
        let invalid = [0xffu8, 0xfe];
        assert_eq!(
            unsafe { text(invalid.as_ptr(), 2) },
            Err(LambdaStatus::InvalidUtf8)
        );
    }
}
