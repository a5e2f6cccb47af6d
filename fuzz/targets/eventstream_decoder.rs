//! The InvokeWithResponseStream body reader: `stream::eventstream`'s
//! `Decoder` and `ResponseEvent::from_message`, on arbitrary bytes cut at
//! arbitrary places, as a network delivers them.
//!
//! Input: the first byte picks the size of the pieces (1 to 256 bytes); the
//! rest is the body.
//!
//! Properties: no panic; where the body is cut changes nothing (the same
//! messages, the same error); the decoder holds at most one frame and the
//! piece just pushed; a failed decoder stays failed; `finish` fails exactly
//! when bytes are left over or the stream failed.

use xk6_lambda::stream::eventstream::{Decoder, ResponseEvent, MAX_FRAME};

/// One input: the fuzzer's (`fuzz/fuzz_targets`), or a corpus file's
/// (`tests/fuzz_replay.rs`).
pub fn run(data: &[u8]) {
    let Some((&size, body)) = data.split_first() else {
        return;
    };
    let piece = usize::from(size) + 1;
    let whole = decode(body, body.len().max(1));
    let cut = decode(body, piece);
    assert_eq!(whole, cut, "where the body is cut changes what is read");
}

/// Everything a reader gets from `body` pushed `piece` bytes at a time:
/// each message as its event (or error), then how the stream ended.
fn decode(body: &[u8], piece: usize) -> Vec<String> {
    let mut decoder = Decoder::new();
    let mut seen = Vec::new();
    for chunk in body.chunks(piece) {
        decoder.push(chunk);
        assert!(
            decoder.buffered() <= MAX_FRAME + piece,
            "{} bytes held",
            decoder.buffered()
        );
        loop {
            match decoder.next_message() {
                Ok(Some(message)) => {
                    seen.push(format!("{:?}", ResponseEvent::from_message(message)));
                }
                Ok(None) => break,
                Err(error) => {
                    let again = decoder.next_message();
                    assert_eq!(
                        again.as_ref().err(),
                        Some(&error),
                        "a failed decoder stays failed"
                    );
                    assert!(decoder.finish().is_err(), "finish after a failure");
                    seen.push(format!("failed: {error:?}"));
                    return seen;
                }
            }
        }
    }
    let finished = decoder.finish();
    assert_eq!(finished.is_ok(), decoder.buffered() == 0);
    seen.push(format!("finished: {finished:?}"));
    seen
}
