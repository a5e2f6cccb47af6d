//! The direct transport's request body: the payload in 64 KiB frames that
//! count themselves into `data_sent` as hyper takes them, so a connection
//! reset during a 5 MB upload counts what went out, not the whole request.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

use crate::metering::Traffic;

/// Large enough that a typical payload is one frame; small enough that a
/// failed upload is counted within 64 KiB.
const FRAME: usize = 64 * 1024;

pub struct MeteredBody {
    rest: Bytes,
    /// The request line and headers, counted when hyper first polls the
    /// body (it has a connection and is writing the request then).
    head_len: u64,
    traffic: Arc<Traffic>,
}

impl MeteredBody {
    /// `body` is shared with the other attempts: `Bytes` clones and slices
    /// without copying.
    pub fn new(body: Bytes, head_len: u64, traffic: Arc<Traffic>) -> Self {
        Self {
            rest: body,
            head_len,
            traffic,
        }
    }
}

impl Body for MeteredBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.head_len > 0 {
            this.traffic.add_sent(std::mem::take(&mut this.head_len));
        }
        if this.rest.is_empty() {
            return Poll::Ready(None);
        }
        let frame = this.rest.split_to(this.rest.len().min(FRAME));
        this.traffic.add_sent(frame.len() as u64);
        Poll::Ready(Some(Ok(Frame::data(frame))))
    }

    /// Never true before the first poll, so that hyper polls once even an
    /// empty body and the request line and headers are counted.
    fn is_end_stream(&self) -> bool {
        self.head_len == 0 && self.rest.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.rest.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn counts_the_head_and_each_frame_as_it_is_taken() {
        let traffic = Arc::new(Traffic::default());
        let payload = Bytes::from(vec![7u8; FRAME * 2 + 10]);
        let mut body = MeteredBody::new(payload, 100, Arc::clone(&traffic));
        assert_eq!(traffic.sent(), 0, "nothing before hyper polls");
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first.len(), FRAME);
        assert_eq!(traffic.sent(), 100 + FRAME as u64);
        let rest = body.collect().await.unwrap().to_bytes();
        assert_eq!(rest.len(), FRAME + 10);
        assert_eq!(traffic.sent(), 100 + (FRAME * 2 + 10) as u64);
    }

    #[tokio::test]
    async fn an_empty_body_still_counts_its_head() {
        let traffic = Arc::new(Traffic::default());
        let body = MeteredBody::new(Bytes::new(), 42, Arc::clone(&traffic));
        assert!(!body.is_end_stream());
        assert!(body.collect().await.unwrap().to_bytes().is_empty());
        assert_eq!(traffic.sent(), 42);
    }
}
