//! Answers that arrive in pieces: Lambda's InvokeWithResponseStream.
//!
//! - [`eventstream`]: the `application/vnd.amazon.eventstream` decoder.

pub mod eventstream;
