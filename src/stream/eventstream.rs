//! The AWS event stream encoding (`application/vnd.amazon.eventstream`), in
//! which InvokeWithResponseStream sends its events, decoded incrementally
//! as the body arrives.
//!
//! A message is (all integers big-endian):
//!
//! ```text
//! total length (u32: the whole message, both CRCs included)
//! headers length (u32)
//! prelude CRC (u32: CRC-32 of the 8 bytes above)
//! headers (name length u8, name, value type u8, value)
//! payload
//! message CRC (u32: CRC-32 of every byte before it)
//! ```
//!
//! The framing is ours, so that a damaged stream is caught as early as it
//! can be: the prelude CRC is checked as soon as its 12 bytes are in (the
//! SDK's `MessageFrameDecoder` checks it only once the whole frame, of the
//! length the unchecked prelude claims, has been buffered: a corrupt length
//! would have it wait for bytes that never come), and a frame longer than
//! [`MAX_FRAME`] is refused from its prelude, before anything of it is
//! buffered. A complete frame's message CRC is checked here too; its
//! headers are then parsed by `aws-smithy-eventstream` (`read_message_from`).
//!
//! [`ResponseEvent::from_message`] then reads what InvokeWithResponseStream
//! puts in the messages: `:message-type` `event` (`:event-type`
//! `PayloadChunk` or `InvokeComplete`), `exception` (`:exception-type`, a
//! JSON `{"message": ...}`) or `error` (`:error-code`, `:error-message`).

use aws_smithy_types::event_stream::{HeaderValue, Message};
use bytes::{Buf, Bytes, BytesMut};

/// The largest frame accepted. Lambda's chunks are small (a function's
/// writes, at most the 6 MB a buffered answer can be); a prelude that
/// claims more is a broken or hostile stream, and is refused rather than
/// buffered.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

const PRELUDE: usize = 12;
const CRC: usize = 4;
/// A message with no headers and no payload.
const MIN_FRAME: usize = PRELUDE + CRC;

/// Why the event stream cannot be read any further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The prelude's CRC does not match its 8 bytes.
    PreludeCrc { expected: u32, actual: u32 },
    /// The message CRC does not match the frame.
    MessageCrc { expected: u32, actual: u32 },
    /// The prelude claims a frame larger than [`MAX_FRAME`].
    FrameTooLarge { length: u64 },
    /// The prelude's lengths cannot be those of a frame.
    BadLengths { total: u32, headers: u32 },
    /// The frame's CRCs match but its headers cannot be parsed.
    Malformed(String),
    /// The body ended inside a frame: `have` of its bytes arrived (of
    /// `need`, when its prelude had).
    Truncated { have: usize, need: Option<usize> },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PreludeCrc { expected, actual } => write!(
                f,
                "an event stream frame's prelude CRC is 0x{actual:08X}, its bytes give 0x{expected:08X}: the stream is damaged"
            ),
            Self::MessageCrc { expected, actual } => write!(
                f,
                "an event stream frame's message CRC is 0x{actual:08X}, its bytes give 0x{expected:08X}: the stream is damaged"
            ),
            Self::FrameTooLarge { length } => write!(
                f,
                "an event stream frame claims {length} bytes, over the limit of {MAX_FRAME} (16 MiB): refused without reading it"
            ),
            Self::BadLengths { total, headers } => write!(
                f,
                "an event stream frame's prelude is impossible: {total} bytes in all, {headers} of headers"
            ),
            Self::Malformed(why) => write!(f, "an event stream frame cannot be read: {why}"),
            Self::Truncated { have, need: Some(need) } => write!(
                f,
                "the body ended in the middle of an event stream frame ({have} of its {need} bytes)"
            ),
            Self::Truncated { have, need: None } => write!(
                f,
                "the body ended in the middle of an event stream frame ({have} bytes, not even its prelude)"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes frames from bytes as they arrive: [`push`](Self::push) what
/// came, then take [`next_message`](Self::next_message) until it gives
/// `None`; [`finish`](Self::finish) at the end of the body.
///
/// It holds at most one frame (up to [`MAX_FRAME`]) plus the last piece
/// pushed. After an error it stays failed: the stream has no frame
/// boundaries any more.
#[derive(Debug, Default)]
pub struct Decoder {
    buffer: BytesMut,
    /// The frame length, once its prelude has been checked.
    frame: Option<usize>,
    failed: Option<DecodeError>,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes of the body.
    pub fn push(&mut self, data: &[u8]) {
        if self.failed.is_none() {
            self.buffer.extend_from_slice(data);
        }
    }

    /// The next complete message, `None` until more bytes are pushed.
    pub fn next_message(&mut self) -> Result<Option<Message>, DecodeError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let result = self.decode();
        if let Err(error) = &result {
            self.failed = Some(error.clone());
            self.buffer = BytesMut::new();
        }
        result
    }

    fn decode(&mut self) -> Result<Option<Message>, DecodeError> {
        let length = match self.frame {
            Some(length) => length,
            None => {
                if self.buffer.len() < PRELUDE {
                    return Ok(None);
                }
                let length = check_prelude(&self.buffer[..PRELUDE])?;
                self.frame = Some(length);
                // Room for the whole frame at once, now that its length
                // is known to be sane.
                self.buffer
                    .reserve(length.saturating_sub(self.buffer.len()));
                length
            }
        };
        if self.buffer.len() < length {
            return Ok(None);
        }
        let frame = self.buffer.split_to(length).freeze();
        self.frame = None;
        let expected = crc32fast::hash(&frame[..length - CRC]);
        let actual = (&frame[length - CRC..]).get_u32();
        if expected != actual {
            return Err(DecodeError::MessageCrc { expected, actual });
        }
        aws_smithy_eventstream::frame::read_message_from(frame)
            .map(Some)
            .map_err(|e| DecodeError::Malformed(e.to_string()))
    }

    /// The end of the body: an error if it ended inside a frame (or the
    /// stream had failed already).
    pub fn finish(&self) -> Result<(), DecodeError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.buffer.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Truncated {
                have: self.buffer.len(),
                need: self.frame,
            })
        }
    }

    /// Bytes held that are not a complete frame yet.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }
}

/// Checks a prelude: its CRC first (a damaged length is reported as
/// damage), then the lengths. Returns the frame's length.
fn check_prelude(prelude: &[u8]) -> Result<usize, DecodeError> {
    let mut bytes = prelude;
    let total = bytes.get_u32();
    let headers = bytes.get_u32();
    let actual = bytes.get_u32();
    let expected = crc32fast::hash(&prelude[..8]);
    if expected != actual {
        return Err(DecodeError::PreludeCrc { expected, actual });
    }
    let length = total as usize;
    if length > MAX_FRAME {
        return Err(DecodeError::FrameTooLarge {
            length: u64::from(total),
        });
    }
    if length < MIN_FRAME || headers as usize > length - MIN_FRAME {
        return Err(DecodeError::BadLengths { total, headers });
    }
    Ok(length)
}

/// The `InvokeComplete` event: how the invocation ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct InvokeComplete {
    /// The function error's type (e.g. `Runtime.ExitError`, or the
    /// function's own); absent when the function succeeded.
    #[serde(rename = "ErrorCode", default)]
    pub error_code: Option<String>,
    /// The function error, as the runtime reported it (usually JSON with
    /// errorType and errorMessage).
    #[serde(rename = "ErrorDetails", default)]
    pub error_details: Option<String>,
    /// Base64 of the last 4 KB of the log, with `X-Amz-Log-Type: Tail`.
    #[serde(rename = "LogResult", default)]
    pub log_result: Option<String>,
}

/// What one message of an InvokeWithResponseStream body says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseEvent {
    /// Bytes of the function's response.
    Chunk(Bytes),
    /// The end of the invocation.
    Complete(InvokeComplete),
    /// A service error after the answer began (`:message-type exception`).
    Exception { kind: String, message: String },
    /// A protocol error (`:message-type error`).
    Error { code: String, message: String },
    /// An event this client does not know: skipped, as the SDKs skip them.
    Unknown {
        message_type: String,
        event_type: String,
    },
}

impl ResponseEvent {
    /// Reads one message. An `InvokeComplete` whose payload is not the
    /// JSON object it must be is an error (the result would be a guess).
    pub fn from_message(message: Message) -> Result<Self, DecodeError> {
        let header = |name: &str| {
            message
                .headers()
                .iter()
                .find(|h| h.name().as_str() == name)
                .and_then(|h| match h.value() {
                    HeaderValue::String(s) => Some(s.as_str().to_owned()),
                    _ => None,
                })
        };
        let message_type = header(":message-type").unwrap_or_default();
        match message_type.as_str() {
            "event" => {
                let event_type = header(":event-type").unwrap_or_default();
                match event_type.as_str() {
                    "PayloadChunk" => Ok(Self::Chunk(message.payload().clone())),
                    "InvokeComplete" => {
                        let payload = message.payload();
                        let complete = if payload.iter().all(u8::is_ascii_whitespace) {
                            InvokeComplete::default()
                        } else {
                            serde_json::from_slice(payload).map_err(|e| {
                                DecodeError::Malformed(format!(
                                    "InvokeComplete's payload is not its JSON object ({e}): {}",
                                    excerpt(payload)
                                ))
                            })?
                        };
                        Ok(Self::Complete(complete))
                    }
                    _ => Ok(Self::Unknown {
                        message_type,
                        event_type,
                    }),
                }
            }
            "exception" => {
                let kind = header(":exception-type")
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "ServiceException".into());
                Ok(Self::Exception {
                    kind,
                    message: json_message(message.payload()),
                })
            }
            "error" => Ok(Self::Error {
                code: header(":error-code")
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| "InternalFailure".into()),
                message: header(":error-message")
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| json_message(message.payload())),
            }),
            _ => Ok(Self::Unknown {
                event_type: header(":event-type").unwrap_or_default(),
                message_type,
            }),
        }
    }
}

/// An exception's message: `message` or `Message` of its JSON, else its
/// text.
fn json_message(payload: &[u8]) -> String {
    let json: Option<serde_json::Value> = serde_json::from_slice(payload).ok();
    json.as_ref()
        .and_then(|v| v.get("message").or_else(|| v.get("Message")))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(payload).trim().to_owned();
            if text.is_empty() {
                "no message".into()
            } else {
                text
            }
        })
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
    if bytes.len() > 200 {
        format!("{text}...")
    } else {
        text
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aws_smithy_eventstream::frame::write_message_to;
    use aws_smithy_types::event_stream::Header;

    /// A message as the SDK's encoder writes it: the decoder is checked
    /// against it, not against itself.
    pub(crate) fn encode(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
        let mut message = Message::new(Bytes::copy_from_slice(payload));
        for (name, value) in headers {
            message = message.add_header(Header::new(
                name.to_string(),
                HeaderValue::String(value.to_string().into()),
            ));
        }
        let mut out = Vec::new();
        write_message_to(&message, &mut out).unwrap();
        out
    }

    pub(crate) fn chunk(payload: &[u8]) -> Vec<u8> {
        encode(
            &[
                (":event-type", "PayloadChunk"),
                (":content-type", "application/octet-stream"),
                (":message-type", "event"),
            ],
            payload,
        )
    }

    pub(crate) fn complete(json: &str) -> Vec<u8> {
        encode(
            &[
                (":event-type", "InvokeComplete"),
                (":content-type", "application/json"),
                (":message-type", "event"),
            ],
            json.as_bytes(),
        )
    }

    fn events(decoder: &mut Decoder) -> Result<Vec<ResponseEvent>, DecodeError> {
        let mut out = Vec::new();
        while let Some(message) = decoder.next_message()? {
            out.push(ResponseEvent::from_message(message)?);
        }
        Ok(out)
    }

    #[test]
    fn decodes_frames_fed_a_byte_at_a_time() {
        let mut stream = chunk(b"hello ");
        stream.extend(chunk(b""));
        stream.extend(chunk(b"world"));
        stream.extend(complete(r#"{"LogResult":"aGk="}"#));
        let mut decoder = Decoder::new();
        let mut got = Vec::new();
        for byte in &stream {
            decoder.push(std::slice::from_ref(byte));
            got.extend(events(&mut decoder).unwrap());
        }
        decoder.finish().unwrap();
        assert_eq!(
            got,
            vec![
                ResponseEvent::Chunk(Bytes::from_static(b"hello ")),
                ResponseEvent::Chunk(Bytes::new()),
                ResponseEvent::Chunk(Bytes::from_static(b"world")),
                ResponseEvent::Complete(InvokeComplete {
                    log_result: Some("aGk=".into()),
                    ..Default::default()
                }),
            ]
        );
    }

    #[test]
    fn decodes_many_frames_pushed_at_once_and_every_header_type() {
        // Header types other than strings are skipped over correctly.
        let message = Message::new(Bytes::from_static(b"payload"))
            .add_header(Header::new("b", HeaderValue::Bool(true)))
            .add_header(Header::new("f", HeaderValue::Bool(false)))
            .add_header(Header::new("i8", HeaderValue::Byte(-1)))
            .add_header(Header::new("i16", HeaderValue::Int16(300)))
            .add_header(Header::new("i32", HeaderValue::Int32(70_000)))
            .add_header(Header::new("i64", HeaderValue::Int64(1 << 40)))
            .add_header(Header::new(
                "bytes",
                HeaderValue::ByteArray(Bytes::from_static(b"\0\x01")),
            ))
            .add_header(Header::new(
                "ts",
                HeaderValue::Timestamp(aws_smithy_types::DateTime::from_secs(1)),
            ))
            .add_header(Header::new("uuid", HeaderValue::Uuid(7)))
            .add_header(Header::new(
                ":message-type",
                HeaderValue::String("event".into()),
            ))
            .add_header(Header::new(
                ":event-type",
                HeaderValue::String("PayloadChunk".into()),
            ));
        let mut stream = Vec::new();
        write_message_to(&message, &mut stream).unwrap();
        stream.extend(complete("{}"));
        let mut decoder = Decoder::new();
        decoder.push(&stream);
        let got = events(&mut decoder).unwrap();
        assert_eq!(got[0], ResponseEvent::Chunk(Bytes::from_static(b"payload")));
        assert_eq!(got[1], ResponseEvent::Complete(InvokeComplete::default()));
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn a_bad_prelude_crc_is_reported_from_the_prelude_alone() {
        let mut frame = chunk(b"second");
        frame[8] ^= 0xff; // as tests/lambdaserver's stream-bad-prelude-crc
        let mut decoder = Decoder::new();
        decoder.push(&frame[..PRELUDE]); // nothing more needed to tell
        let err = decoder.next_message().unwrap_err();
        assert!(matches!(err, DecodeError::PreludeCrc { .. }), "{err:?}");
        assert!(err.to_string().contains("prelude CRC"), "{err}");
        // It stays failed, and says so at the end too.
        decoder.push(&frame[PRELUDE..]);
        assert_eq!(decoder.next_message().unwrap_err(), err);
        assert_eq!(decoder.finish().unwrap_err(), err);
    }

    #[test]
    fn a_corrupt_length_is_caught_by_the_prelude_crc_not_waited_for() {
        let mut frame = chunk(b"x");
        frame[0] = 0x7f; // claims ~2 GiB; the CRC no longer matches
        let mut decoder = Decoder::new();
        decoder.push(&frame);
        assert!(matches!(
            decoder.next_message(),
            Err(DecodeError::PreludeCrc { .. })
        ));
    }

    #[test]
    fn a_bad_message_crc_is_reported() {
        let mut stream = chunk(b"first");
        let mut second = chunk(b"second");
        let last = second.len() - 1;
        second[last] ^= 0xff; // as stream-bad-message-crc
        stream.extend(&second);
        let mut decoder = Decoder::new();
        decoder.push(&stream);
        assert_eq!(
            ResponseEvent::from_message(decoder.next_message().unwrap().unwrap()).unwrap(),
            ResponseEvent::Chunk(Bytes::from_static(b"first"))
        );
        let err = decoder.next_message().unwrap_err();
        assert!(matches!(err, DecodeError::MessageCrc { .. }), "{err:?}");
        assert!(err.to_string().contains("message CRC"), "{err}");
    }

    #[test]
    fn a_frame_cut_short_is_reported_at_the_end() {
        let mut stream = chunk(b"first");
        let second = chunk(b"second");
        stream.extend(&second[..second.len() / 2]); // as stream-cut-frame
        let mut decoder = Decoder::new();
        decoder.push(&stream);
        assert!(decoder.next_message().unwrap().is_some());
        assert!(decoder.next_message().unwrap().is_none());
        let err = decoder.finish().unwrap_err();
        assert_eq!(
            err,
            DecodeError::Truncated {
                have: second.len() / 2,
                need: Some(second.len())
            }
        );
        assert!(err.to_string().contains("middle of an event stream frame"));
        // Less than a prelude.
        let mut decoder = Decoder::new();
        decoder.push(&second[..5]);
        assert!(decoder.next_message().unwrap().is_none());
        assert_eq!(
            decoder.finish(),
            Err(DecodeError::Truncated {
                have: 5,
                need: None
            })
        );
    }

    #[test]
    fn a_frame_over_16_mib_is_refused_from_its_prelude() {
        let mut prelude = Vec::new();
        prelude.extend_from_slice(&(MAX_FRAME as u32 + 1).to_be_bytes());
        prelude.extend_from_slice(&0u32.to_be_bytes());
        let crc = crc32fast::hash(&prelude);
        prelude.extend_from_slice(&crc.to_be_bytes());
        let mut decoder = Decoder::new();
        decoder.push(&prelude);
        let err = decoder.next_message().unwrap_err();
        assert_eq!(
            err,
            DecodeError::FrameTooLarge {
                length: MAX_FRAME as u64 + 1
            }
        );
        // Nothing of it was reserved, and more bytes are not kept.
        decoder.push(&[0; 4096]);
        assert_eq!(decoder.buffered(), 0);
        assert!(decoder.buffer.capacity() < 1024 * 1024);
        // The limit itself is fine: the decoder waits for the bytes.
        let mut prelude = Vec::new();
        prelude.extend_from_slice(&(MAX_FRAME as u32).to_be_bytes());
        prelude.extend_from_slice(&0u32.to_be_bytes());
        let crc = crc32fast::hash(&prelude);
        prelude.extend_from_slice(&crc.to_be_bytes());
        let mut decoder = Decoder::new();
        decoder.push(&prelude);
        assert_eq!(decoder.next_message(), Ok(None));
    }

    #[test]
    fn impossible_lengths_are_refused() {
        for (total, headers) in [(15u32, 0u32), (16, 1), (20, 5)] {
            let mut prelude = Vec::new();
            prelude.extend_from_slice(&total.to_be_bytes());
            prelude.extend_from_slice(&headers.to_be_bytes());
            let crc = crc32fast::hash(&prelude);
            prelude.extend_from_slice(&crc.to_be_bytes());
            let mut decoder = Decoder::new();
            decoder.push(&prelude);
            assert_eq!(
                decoder.next_message(),
                Err(DecodeError::BadLengths { total, headers }),
                "{total} {headers}"
            );
        }
    }

    #[test]
    fn exceptions_errors_and_unknown_events() {
        let exception = encode(
            &[
                (":exception-type", "ServiceException"),
                (":content-type", "application/json"),
                (":message-type", "exception"),
            ],
            br#"{"message":"Lambda was unable to process"}"#,
        );
        let error = encode(
            &[
                (":message-type", "error"),
                (":error-code", "InternalFailure"),
                (":error-message", "boom"),
            ],
            b"",
        );
        let unknown = encode(
            &[(":message-type", "event"), (":event-type", "Future")],
            b"x",
        );
        let mut decoder = Decoder::new();
        decoder.push(&exception);
        decoder.push(&error);
        decoder.push(&unknown);
        assert_eq!(
            events(&mut decoder).unwrap(),
            vec![
                ResponseEvent::Exception {
                    kind: "ServiceException".into(),
                    message: "Lambda was unable to process".into()
                },
                ResponseEvent::Error {
                    code: "InternalFailure".into(),
                    message: "boom".into()
                },
                ResponseEvent::Unknown {
                    message_type: "event".into(),
                    event_type: "Future".into()
                },
            ]
        );
    }

    #[test]
    fn invoke_complete_with_a_function_error() {
        let details = r#"{"errorType":"Error","errorMessage":"failed after 3 chunks","trace":[]}"#;
        let json = serde_json::json!({"ErrorCode": "Error", "ErrorDetails": details}).to_string();
        let mut decoder = Decoder::new();
        decoder.push(&complete(&json));
        assert_eq!(
            events(&mut decoder).unwrap(),
            vec![ResponseEvent::Complete(InvokeComplete {
                error_code: Some("Error".into()),
                error_details: Some(details.into()),
                log_result: None,
            })]
        );
        let mut decoder = Decoder::new();
        decoder.push(&complete("not json"));
        let message = decoder.next_message().unwrap().unwrap();
        let err = ResponseEvent::from_message(message).unwrap_err();
        assert!(err.to_string().contains("InvokeComplete"), "{err}");
    }
}
