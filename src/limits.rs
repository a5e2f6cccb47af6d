//! Bounds on what a server's answer can make the library read and hold
//! (issue 20): Lambda's own limits, so that nothing Lambda sends is ever
//! refused, while an endpoint that sends more (an emulator, a proxy, a
//! hostile server) costs at most that, with a clear error, its reading
//! stopped there.
//!
//! - A synchronous Invoke's body: [`MAX_RESPONSE`].
//! - A streamed response's payload (InvokeWithResponseStream, a function
//!   URL's body): [`MAX_STREAMED_RESPONSE`], counted as it arrives
//!   (`stream::Progress`); an event stream frame: `stream::eventstream::MAX_FRAME`.
//! - An error answer (a status from 300): [`MAX_ERROR_BODY`] read, to
//!   parse it; [`MAX_ERROR_MESSAGE`] kept in the message.
//!
//! The direct transport reads through [`read_at_most`]; the SDK transport
//! through `BoundedAnswer`, an interceptor that puts `BoundedBody`
//! around the body before the SDK reads it. Where the SDK buffers
//! (aws-smithy-runtime 1.16, aws-smithy-http 0.64): the orchestrator reads
//! a non-streaming answer whole into memory (`read_body`, in
//! `client/orchestrator.rs`, right after `modify_before_deserialization`),
//! so Invoke's answers and every error answer, InvokeWithResponseStream's
//! included; an event stream's receiver buffers each frame whole, up to
//! the length its prelude claims.

use std::pin::Pin;
use std::task::{Context, Poll};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};

use crate::error::{k6_code, InvokeError};
use crate::stream::eventstream::MAX_FRAME;

/// A synchronous Invoke's answer: 6 MB. Lambda's quotas page lists
/// "Invocation payload (request and response)" as "6 MB (synchronous)"
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>);
/// the Invoke API reference: "For synchronous invocations, the maximum
/// payload size is 6 MB"; a function URL in BUFFERED mode: "The maximum
/// payload size is 6 MB"
/// (<https://docs.aws.amazon.com/lambda/latest/dg/config-rs-invoke-furls.html>).
/// In bytes the documentation says nothing; Lambda's own error for a
/// larger response, `Function.ResponseSizeTooLarge`, says "Response
/// payload size exceeded maximum allowed payload size (6291556 bytes)":
/// 6 MiB and 100 bytes, while its requests stop at 6 MiB ("Request must be
/// smaller than 6291456 bytes"). Both are quoted by Zac Charles, "Deep
/// Dive: Lambda's Response Payload Size Limit", 2022 (a third party's
/// measurement, not AWS's documentation). The bound is the response's
/// figure, the larger: no payload Lambda sends is refused.
pub const MAX_RESPONSE: usize = 6 * 1024 * 1024 + 100;

/// A streamed response: InvokeWithResponseStream's payload, and a
/// function URL's body (its RESPONSE_STREAM mode streams; BUFFERED answers
/// with at most 6 MB): "The maximum response payload size is 200 MB"
/// (<https://docs.aws.amazon.com/lambda/latest/dg/config-rs-invoke-furls.html>,
/// and the SDKs' `InvokeMode` documentation), by default since July 2025
/// (20 MB before, "however, you can request a quota increase":
/// <https://aws.amazon.com/about-aws/whats-new/2025/07/aws-lambda-response-streaming-200-mb-payloads/>).
/// Counted in MiB, the larger reading, as Lambda's "6 MB" is 6 MiB:
/// 209,715,200 bytes. An account with a raised quota is not known here.
pub const MAX_STREAMED_RESPONSE: u64 = 200 * 1024 * 1024;

/// What is read of an error answer's body (any status from 300) to parse
/// it: Lambda's errors are a JSON object of a few hundred bytes
/// (`{"Type": "User", "message": "..."}`); an emulator's carry a stack
/// trace of a few KiB. More is not read: the connection is closed.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// What an error's message keeps of the text it was given: a few KiB.
pub const MAX_ERROR_MESSAGE: usize = 4 * 1024;

/// An answer over one of the bounds: what, the bound, and whose limit it
/// is. Its text is the error's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    what: &'static str,
    limit: u64,
    whose: &'static str,
}

impl TooLarge {
    /// A synchronous Invoke's body.
    pub const RESPONSE: Self = Self {
        what: "the body",
        limit: MAX_RESPONSE as u64,
        whose: "the most Lambda answers a synchronous Invoke with (6 MB)",
    };
    /// A streamed response's payload.
    pub const STREAMED: Self = Self {
        what: "the streamed payload",
        limit: MAX_STREAMED_RESPONSE,
        whose: "the most Lambda streams in one response (200 MB)",
    };
    /// An event stream frame (the SDK transport's; the direct transport's
    /// decoder refuses one from its prelude too).
    pub const FRAME: Self = Self {
        what: "an event stream frame",
        limit: MAX_FRAME as u64,
        whose: "the largest this client takes (Lambda's chunks are far smaller)",
    };

    /// The error scripts see: `invalid response (HTTP 200): ...`, k6's
    /// 1000, never retried (the answer began: the function ran).
    pub fn error(self, status: u16, so_far: Option<&str>) -> InvokeError {
        let mut message = format!("invalid response (HTTP {status}): {self}");
        if let Some(so_far) = so_far {
            message.push_str(&format!(" ({so_far})"));
        }
        let mut error = InvokeError::network("GeneralError", k6_code::GENERIC, message);
        error.not_retryable = true;
        error
    }
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is over {} bytes, {}: reading stopped there",
            self.what,
            thousands(self.limit),
            self.whose
        )
    }
}

impl std::error::Error for TooLarge {}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Reads `body` to its end, or until it has more than `limit` bytes: the
/// bytes read, at most `limit` + 1. More than `limit` means the body is
/// longer, and the rest was not read (dropping the body then closes its
/// connection).
pub async fn read_at_most<B>(body: &mut B, limit: usize) -> Result<Bytes, B::Error>
where
    B: Body<Data = Bytes> + Unpin,
{
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut len = 0;
    while len <= limit {
        let Some(frame) = body.frame().await else {
            break;
        };
        let Ok(mut data) = frame?.into_data() else {
            continue; // trailers
        };
        data.truncate(limit + 1 - len);
        len += data.len();
        match (&mut first, &mut joined) {
            (None, None) => first = Some(data),
            (Some(only), None) => {
                let mut both = BytesMut::with_capacity(len.min(limit + 1));
                both.extend_from_slice(only);
                both.extend_from_slice(&data);
                first = None;
                joined = Some(both);
            }
            (_, Some(joined)) => joined.extend_from_slice(&data),
        }
    }
    Ok(match (first, joined) {
        (_, Some(joined)) => joined.freeze(),
        (Some(only), None) => only,
        (None, None) => Bytes::new(),
    })
}

/// An error message cut to [`MAX_ERROR_MESSAGE`] bytes (at a character
/// boundary) when longer, saying so; `body_cut`: the body it comes from
/// was longer than [`MAX_ERROR_BODY`], and not read further.
pub fn error_message(message: String, body_cut: bool) -> String {
    if message.len() <= MAX_ERROR_MESSAGE && !body_cut {
        return message;
    }
    let mut end = message.len().min(MAX_ERROR_MESSAGE);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let kept = &message[..end];
    if body_cut {
        format!(
            "{kept}… [cut: the error body is over {} bytes, and was not read further]",
            thousands(MAX_ERROR_BODY as u64)
        )
    } else {
        format!(
            "{kept}… [cut: {} of its {} bytes kept]",
            thousands(end as u64),
            thousands(message.len() as u64)
        )
    }
}

/// The SDK transport's bounds, put around each answer's body before the
/// SDK reads it: Invoke's 2xx to [`MAX_RESPONSE`] (over it, the read fails
/// with [`TooLarge`]: `SdkError::ResponseError`), an event stream's frames
/// to `MAX_FRAME`, and an error answer's body (from 300) cut after
/// [`MAX_ERROR_BODY`] and one byte, which the SDK parses as the service
/// error (`error::service_error` says it was cut).
///
/// cbindgen:ignore
#[derive(Debug, Clone, Copy)]
pub(crate) struct BoundedAnswer {
    streaming: bool,
}

impl BoundedAnswer {
    /// For Invoke.
    pub const INVOKE: Self = Self { streaming: false };
    /// For InvokeWithResponseStream.
    pub const STREAM: Self = Self { streaming: true };
}

impl Intercept for BoundedAnswer {
    fn name(&self) -> &'static str {
        "xk6-lambda answer bounds"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        let status = response.status().as_u16();
        let length = response
            .headers()
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let bound = match (status >= 300, self.streaming) {
            (true, _) => Bound::Cut {
                left: MAX_ERROR_BODY + 1,
            },
            (false, false) => Bound::Refuse {
                left: MAX_RESPONSE,
                refused: length.is_some_and(|n| n > MAX_RESPONSE as u64),
            },
            (false, true) => Bound::Frames {
                frame_left: 0,
                prelude: [0; 4],
                have: 0,
            },
        };
        let body = response.take_body();
        *response.body_mut() = SdkBody::from_body_1_x(BoundedBody { inner: body, bound });
        Ok(())
    }
}

/// A body read within its `Bound`.
pub(crate) struct BoundedBody<B> {
    inner: B,
    bound: Bound,
}

enum Bound {
    /// An error's body: ends after `left` more bytes.
    Cut { left: usize },
    /// Invoke's answer: fails with [`TooLarge::RESPONSE`] past `left` more
    /// bytes, or at once when its Content-Length said so.
    Refuse { left: usize, refused: bool },
    /// An event stream: fails with [`TooLarge::FRAME`] at a frame whose
    /// prelude claims more than `MAX_FRAME` bytes. `frame_left`: bytes
    /// left of the current frame; 0 at a frame's start, whose first
    /// `have` bytes of length are in `prelude`.
    Frames {
        frame_left: u64,
        prelude: [u8; 4],
        have: usize,
    },
}

impl Bound {
    /// Checks `data` against the bound: the part of it to pass on (None:
    /// the body ends before it), or the error.
    fn admit(&mut self, mut data: Bytes) -> Result<Option<Bytes>, TooLarge> {
        match self {
            Self::Cut { left } => {
                if *left == 0 {
                    return Ok(None);
                }
                data.truncate(*left);
                *left -= data.len();
                Ok(Some(data))
            }
            Self::Refuse { left, .. } => {
                if data.len() > *left {
                    return Err(TooLarge::RESPONSE);
                }
                *left -= data.len();
                Ok(Some(data))
            }
            Self::Frames {
                frame_left,
                prelude,
                have,
            } => {
                let mut rest = &data[..];
                while !rest.is_empty() {
                    if *frame_left > 0 {
                        let skip = rest
                            .len()
                            .min(usize::try_from(*frame_left).unwrap_or(usize::MAX));
                        *frame_left -= skip as u64;
                        rest = &rest[skip..];
                        continue;
                    }
                    let take = rest.len().min(4 - *have);
                    prelude[*have..*have + take].copy_from_slice(&rest[..take]);
                    *have += take;
                    rest = &rest[take..];
                    if *have == 4 {
                        let total = u32::from_be_bytes(*prelude) as u64;
                        if total > MAX_FRAME as u64 {
                            return Err(TooLarge::FRAME);
                        }
                        // What follows the length; an impossible one (under
                        // 16 bytes) is the SDK decoder's to report.
                        *frame_left = total.saturating_sub(4);
                        *have = 0;
                    }
                }
                Ok(Some(data))
            }
        }
    }
}

impl<B> Body for BoundedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if let Bound::Refuse { refused: true, .. } = this.bound {
            return Poll::Ready(Some(Err(TooLarge::RESPONSE.into())));
        }
        if let Bound::Cut { left: 0 } = this.bound {
            return Poll::Ready(None);
        }
        let frame = match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(Some(Ok(frame))) => frame,
        };
        let data = match frame.into_data() {
            Ok(data) => data,
            Err(trailers) => return Poll::Ready(Some(Ok(trailers))),
        };
        Poll::Ready(match this.bound.admit(data) {
            Ok(Some(data)) => Some(Ok(Frame::data(data))),
            Ok(None) => None,
            Err(too_large) => Some(Err(too_large.into())),
        })
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.bound, Bound::Cut { left: 0 }) || self.inner.is_end_stream()
    }

    /// The inner body's, capped at what the bound lets through (so that
    /// no reader sizes a buffer by a Content-Length it will not get).
    fn size_hint(&self) -> SizeHint {
        let inner = self.inner.size_hint();
        let cap = match self.bound {
            Bound::Cut { left } => left as u64,
            Bound::Refuse { left, .. } => left as u64 + 1,
            Bound::Frames { .. } => return inner,
        };
        let upper = inner.upper().map_or(cap, |u| u.min(cap));
        let mut hint = SizeHint::new();
        hint.set_upper(upper);
        hint.set_lower(inner.lower().min(upper));
        hint
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, StreamBody};

    type Pieces = std::vec::IntoIter<Result<Frame<Bytes>, std::io::Error>>;

    /// A body of these pieces, as they would arrive.
    fn body(pieces: &[&[u8]]) -> StreamBody<futures_util::stream::Iter<Pieces>> {
        let frames: Vec<_> = pieces
            .iter()
            .map(|p| Ok(Frame::data(Bytes::copy_from_slice(p))))
            .collect();
        StreamBody::new(futures_util::stream::iter(frames))
    }

    #[test]
    fn the_bounds_are_lambdas() {
        assert_eq!(MAX_RESPONSE, 6_291_556);
        assert_eq!(MAX_STREAMED_RESPONSE, 209_715_200);
        assert_eq!(thousands(MAX_RESPONSE as u64), "6,291,556");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[tokio::test]
    async fn read_at_most_stops_one_byte_past_the_bound() {
        for (pieces, want) in [
            (vec![&b""[..]], &b""[..]),
            (vec![&b"abc"[..]], &b"abc"[..]),
            (vec![&b"ab"[..], &b""[..], &b"c"[..]], &b"abc"[..]),
            (vec![&b"abcd"[..]], &b"abcd"[..]),
            (vec![&b"abcde"[..]], &b"abcde"[..]),
            (vec![&b"abcdefgh"[..]], &b"abcde"[..]),
            (
                vec![&b"ab"[..], &b"cd"[..], &b"efgh"[..], &b"ij"[..]],
                &b"abcde"[..],
            ),
        ] {
            let got = read_at_most(&mut body(&pieces), 4).await.unwrap();
            assert_eq!(&got[..], want, "{pieces:?}");
        }
        // Nothing is read past the bound: the body still has its rest.
        let mut rest = body(&[b"abcde", b"fg", b"h"]);
        read_at_most(&mut rest, 4).await.unwrap();
        let left = rest.collect().await.unwrap().to_bytes();
        assert_eq!(&left[..], b"fgh");
    }

    #[test]
    fn error_messages_keep_a_few_kib() {
        assert_eq!(error_message("short".into(), false), "short");
        let long = "é".repeat(3000); // 6,000 bytes
        let cut = error_message(long.clone(), false);
        assert!(cut.starts_with(&"é".repeat(2048)), "{cut}");
        assert!(
            cut.ends_with("… [cut: 4,096 of its 6,000 bytes kept]"),
            "{cut}"
        );
        let cut = error_message("x".repeat(5000), true);
        assert!(cut.starts_with(&"x".repeat(4096)) && !cut.starts_with(&"x".repeat(4097)));
        assert!(
            cut.ends_with("[cut: the error body is over 65,536 bytes, and was not read further]")
        );
        assert!(error_message("short".into(), true).starts_with("short… [cut"));
        // On a character boundary.
        let odd = format!("a{}", "é".repeat(3000));
        assert!(error_message(odd, false).starts_with(&format!("a{}", "é".repeat(2047))));
    }

    /// An event stream frame's length, then `len` - 4 bytes.
    fn frame(len: u32) -> Vec<u8> {
        let mut out = len.to_be_bytes().to_vec();
        out.resize(len as usize, 0);
        out
    }

    fn frames_bound() -> Bound {
        Bound::Frames {
            frame_left: 0,
            prelude: [0; 4],
            have: 0,
        }
    }

    #[test]
    fn frames_are_checked_from_their_length_wherever_the_pieces_split() {
        let mut small = frame(20);
        small.extend(frame(16));
        small.extend(frame(300));
        let mut largest = frame(20);
        largest.extend(frame(MAX_FRAME as u32));
        largest.extend(frame(16));
        for (stream, splits) in [
            (small, vec![1, 2, 3, 5, 7, 336]),
            (largest, vec![4093, 65536]),
        ] {
            for split in splits {
                let mut bound = frames_bound();
                for piece in stream.chunks(split) {
                    let passed = bound.admit(Bytes::copy_from_slice(piece)).unwrap().unwrap();
                    assert_eq!(&passed[..], piece);
                }
            }
        }
        // A frame one byte over, its length split over two pieces.
        let mut over = frame(20);
        over.extend_from_slice(&((MAX_FRAME as u32) + 1).to_be_bytes());
        let mut bound = frames_bound();
        assert!(bound.admit(Bytes::copy_from_slice(&over[..22])).is_ok());
        assert_eq!(
            bound.admit(Bytes::copy_from_slice(&over[22..])),
            Err(TooLarge::FRAME)
        );
    }

    #[test]
    fn an_error_body_is_cut_and_a_payload_refused() {
        let mut cut = Bound::Cut { left: 5 };
        assert_eq!(
            cut.admit(Bytes::from_static(b"abc")),
            Ok(Some(Bytes::from_static(b"abc")))
        );
        assert_eq!(
            cut.admit(Bytes::from_static(b"defg")),
            Ok(Some(Bytes::from_static(b"de")))
        );
        assert_eq!(cut.admit(Bytes::from_static(b"h")), Ok(None));
        let mut refuse = Bound::Refuse {
            left: 5,
            refused: false,
        };
        assert!(refuse.admit(Bytes::from_static(b"abcde")).is_ok());
        assert_eq!(
            refuse.admit(Bytes::from_static(b"f")),
            Err(TooLarge::RESPONSE)
        );
    }

    #[tokio::test]
    async fn the_sdks_bodies_end_or_fail_at_their_bound() {
        let sdk = |pieces: &[&[u8]]| SdkBody::from_body_1_x(body(pieces));
        let cut = BoundedBody {
            inner: sdk(&[b"abc", b"def"]),
            bound: Bound::Cut { left: 4 },
        };
        assert_eq!(&cut.collect().await.unwrap().to_bytes()[..], b"abcd");
        let refused = BoundedBody {
            inner: sdk(&[b"abc", b"def"]),
            bound: Bound::Refuse {
                left: 4,
                refused: false,
            },
        };
        let error = refused.collect().await.unwrap_err();
        assert_eq!(error.downcast_ref::<TooLarge>(), Some(&TooLarge::RESPONSE));
        let announced = BoundedBody {
            inner: sdk(&[b"abc"]),
            bound: Bound::Refuse {
                left: 4,
                refused: true,
            },
        };
        assert!(announced.collect().await.is_err());
    }
}
