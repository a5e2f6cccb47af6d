//! Entry points for the fuzz targets in `fuzz/` (a separate crate, so it
//! sees only public items). Not part of the library's API: hidden from its
//! documentation, and free to change with the fuzz targets.
#![doc(hidden)]

use crate::error::InvokeError;

/// The service-error parser both transports use (`error::service_error`):
/// an HTTP status, a header lookup (lower-case names) and the body.
pub fn service_error<'a>(
    status: u16,
    header: impl Fn(&str) -> Option<&'a str>,
    body: &[u8],
) -> InvokeError {
    crate::error::service_error(status, header, body)
}
