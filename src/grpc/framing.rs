//! Length-Prefixed-Message (PROTOCOL-HTTP2.md "Requests"): a 1-byte
//! Compressed-Flag, a 4-byte big-endian Message-Length, then the message.
//! DATA frame boundaries have no relation to message boundaries, so the
//! [`Deframer`] accepts the stream in arbitrary chunks.

use bytes::{BufMut, Bytes, BytesMut};

use super::code::Code;
use super::encoding::{MessageEncoding, ACCEPT_ENCODING};
use super::status::Status;
use super::Side;

/// Bytes before each message: Compressed-Flag and Message-Length.
pub const PREFIX_LEN: usize = 5;

/// Default largest message we accept, before and after decompression
/// (LIMITS.md: 4 MiB, as the common gRPC stacks choose).
pub const DEFAULT_MAX_RECEIVE_MESSAGE_SIZE: usize = 4 * 1024 * 1024;

/// Default largest message we send: what Message-Length can express.
pub const DEFAULT_MAX_SEND_MESSAGE_SIZE: usize = u32::MAX as usize;

/// A message too large to send: larger than the send limit, or than the
/// 4-byte Message-Length can express.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("message of {size} bytes is larger than the limit of {max} bytes")]
pub struct MessageTooLarge {
    /// The message length.
    pub size: usize,
    /// The limit it broke.
    pub max: usize,
}

impl MessageTooLarge {
    /// The status for a call that tried to send this message
    /// (statuscodes.md: RESOURCE_EXHAUSTED, either side).
    pub fn to_status(self) -> Status {
        Status::resource_exhausted(format!(
            "trying to send message larger than max ({} vs. {})",
            self.size, self.max
        ))
    }
}

/// The 5-byte prefix for an uncompressed message of `len` bytes.
pub fn prefix(len: usize) -> Result<[u8; PREFIX_LEN], MessageTooLarge> {
    let len32 = u32::try_from(len).map_err(|_| MessageTooLarge {
        size: len,
        max: DEFAULT_MAX_SEND_MESSAGE_SIZE,
    })?;
    let [a, b, c, d] = len32.to_be_bytes();
    Ok([0, a, b, c, d])
}

/// Appends `message`, uncompressed and length-prefixed, to `dst`.
pub fn encode(message: &[u8], dst: &mut BytesMut) -> Result<(), MessageTooLarge> {
    let head = prefix(message.len())?;
    dst.reserve(PREFIX_LEN.saturating_add(message.len()));
    dst.put_slice(&head);
    dst.put_slice(message);
    Ok(())
}

/// Why the received message stream is unusable. Sticky: once a
/// [`Deframer`] reports one, it reports the same one forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeframeError {
    /// Message-Length exceeds our limit; caught from the prefix, before any
    /// of the message is buffered.
    #[error("received message larger than max ({size} vs. {max})")]
    TooLarge {
        /// The Message-Length the peer sent.
        size: u32,
        /// Our maximum receive message size.
        max: usize,
    },
    /// Compressed-Flag was neither 0 nor 1.
    #[error("invalid Compressed-Flag {0} (must be 0 or 1)")]
    InvalidFlag(u8),
    /// Compressed-Flag 1 without a `grpc-encoding` other than identity
    /// (compression.md, test case 6).
    #[error("Compressed-Flag set but grpc-encoding is absent or identity")]
    CompressedWithoutEncoding,
    /// Compressed-Flag 1 with a `grpc-encoding` we cannot decode.
    #[error("message compressed with an unsupported grpc-encoding (supported: identity)")]
    UnsupportedEncoding,
    /// The stream ended in the middle of a message.
    #[error("stream ended inside a message ({received} of {expected} bytes received)")]
    Truncated {
        /// Bytes of prefix and message received.
        received: usize,
        /// Bytes the prefix promised, prefix included (5 while the prefix
        /// itself is incomplete).
        expected: usize,
    },
}

impl DeframeError {
    /// The status a call ends with because of this error, on `side`: an
    /// unsupported coding is UNIMPLEMENTED at a server and INTERNAL at a
    /// client (compression.md); an oversized message is RESOURCE_EXHAUSTED;
    /// a corrupt stream is INTERNAL.
    pub fn to_status(self, side: Side) -> Status {
        let code = match (self, side) {
            (DeframeError::TooLarge { .. }, _) => Code::ResourceExhausted,
            (DeframeError::UnsupportedEncoding, Side::Server) => Code::Unimplemented,
            _ => Code::Internal,
        };
        Status::new(code, self.to_string())
    }

    /// Whether the answer should advertise the codings we accept
    /// (compression.md: the server "will then include in its response a
    /// `grpc-accept-encoding` header").
    pub fn wants_accept_encoding(self) -> Option<&'static str> {
        matches!(self, DeframeError::UnsupportedEncoding).then_some(ACCEPT_ENCODING)
    }
}

/// Where the deframer is in the message stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the 5-byte prefix; holds how many bytes of it we have.
    Prefix(usize),
    /// Reading a message body of this many bytes.
    Body(usize),
}

/// Splits a received DATA byte stream into messages.
///
/// Feed each chunk with [`Deframer::decode`] until it returns `Ok(None)`.
/// A message that lies inside one chunk comes back as a zero-copy slice of
/// it; only a message split across chunks is copied. The deframer itself
/// holds at most one partial message, never more than the configured
/// maximum, and rejects a larger one from its prefix alone.
#[derive(Debug)]
pub struct Deframer {
    max_message_size: usize,
    encoding: MessageEncoding,
    state: State,
    prefix: [u8; PREFIX_LEN],
    body: BytesMut,
    error: Option<DeframeError>,
}

impl Deframer {
    /// A deframer accepting messages up to `max_message_size` bytes.
    pub fn new(max_message_size: usize) -> Deframer {
        Deframer {
            max_message_size,
            encoding: MessageEncoding::Identity,
            state: State::Prefix(0),
            prefix: [0; PREFIX_LEN],
            body: BytesMut::new(),
            error: None,
        }
    }

    /// Sets the received `grpc-encoding`, which decides what a set
    /// Compressed-Flag means.
    pub fn set_encoding(&mut self, encoding: MessageEncoding) {
        self.encoding = encoding;
    }

    /// Consumes bytes from the front of `data` and returns the next whole
    /// message, or `Ok(None)` once `data` is empty and no message is
    /// complete. Call again while it returns `Ok(Some(_))`.
    pub fn decode(&mut self, data: &mut Bytes) -> Result<Option<Bytes>, DeframeError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        loop {
            match self.state {
                State::Prefix(have) => {
                    // Invariant: have < PREFIX_LEN, so these cannot wrap.
                    let take = PREFIX_LEN.saturating_sub(have).min(data.len());
                    if take == 0 {
                        return Ok(None);
                    }
                    let part = data.split_to(take);
                    let have = have.saturating_add(take);
                    if let Some(slot) = self.prefix.get_mut(have.saturating_sub(take)..have) {
                        slot.copy_from_slice(&part);
                    }
                    if have < PREFIX_LEN {
                        self.state = State::Prefix(have);
                        return Ok(None);
                    }
                    let len = match self.read_prefix() {
                        Ok(len) => len,
                        Err(error) => {
                            self.error = Some(error);
                            return Err(error);
                        }
                    };
                    self.state = State::Body(len);
                }
                State::Body(len) => {
                    if self.body.is_empty() && data.len() >= len {
                        self.state = State::Prefix(0);
                        return Ok(Some(data.split_to(len)));
                    }
                    if data.is_empty() {
                        return Ok(None);
                    }
                    // Invariant: body.len() < len.
                    let take = len.saturating_sub(self.body.len()).min(data.len());
                    self.body.extend_from_slice(&data.split_to(take));
                    if self.body.len() < len {
                        return Ok(None);
                    }
                    self.state = State::Prefix(0);
                    return Ok(Some(self.body.split().freeze()));
                }
            }
        }
    }

    /// Checks the complete prefix: the flag against the encoding, and the
    /// length against the limit. Returns the message length.
    fn read_prefix(&self) -> Result<usize, DeframeError> {
        let [flag, a, b, c, d] = self.prefix;
        match (flag, &self.encoding) {
            (0, _) => {}
            (1, MessageEncoding::Identity) => return Err(DeframeError::CompressedWithoutEncoding),
            (1, MessageEncoding::Unsupported(_)) => return Err(DeframeError::UnsupportedEncoding),
            (other, _) => return Err(DeframeError::InvalidFlag(other)),
        }
        let size = u32::from_be_bytes([a, b, c, d]);
        match usize::try_from(size) {
            Ok(len) if len <= self.max_message_size => Ok(len),
            _ => Err(DeframeError::TooLarge {
                size,
                max: self.max_message_size,
            }),
        }
    }

    /// Called at end of stream: an error if it ended inside a message, or
    /// if the stream was already broken.
    pub fn finish(&self) -> Result<(), DeframeError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        match self.state {
            State::Prefix(0) => Ok(()),
            State::Prefix(have) => Err(DeframeError::Truncated {
                received: have,
                expected: PREFIX_LEN,
            }),
            State::Body(len) => Err(DeframeError::Truncated {
                received: PREFIX_LEN.saturating_add(self.body.len()),
                expected: PREFIX_LEN.saturating_add(len),
            }),
        }
    }

    /// Bytes of an incomplete message held inside the deframer.
    pub fn buffered_len(&self) -> usize {
        match self.state {
            State::Prefix(have) => have,
            State::Body(_) => PREFIX_LEN.saturating_add(self.body.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{quickcheck, TestResult};

    fn decode_all(deframer: &mut Deframer, chunk: &[u8]) -> Result<Vec<Bytes>, DeframeError> {
        let mut data = Bytes::copy_from_slice(chunk);
        let mut out = Vec::new();
        while let Some(message) = deframer.decode(&mut data)? {
            out.push(message);
        }
        assert!(data.is_empty());
        Ok(out)
    }

    #[test]
    fn known_bytes() {
        let mut dst = BytesMut::new();
        encode(b"\x08\x96\x01", &mut dst).unwrap();
        encode(b"", &mut dst).unwrap();
        assert_eq!(
            &dst[..],
            b"\x00\x00\x00\x00\x03\x08\x96\x01\x00\x00\x00\x00\x00"
        );
        assert_eq!(prefix(0x0102_0304), Ok([0, 1, 2, 3, 4]));

        let mut deframer = Deframer::new(DEFAULT_MAX_RECEIVE_MESSAGE_SIZE);
        let got = decode_all(&mut deframer, &dst).unwrap();
        assert_eq!(got, [Bytes::from_static(b"\x08\x96\x01"), Bytes::new()]);
        assert_eq!(deframer.finish(), Ok(()));
    }

    #[test]
    fn whole_message_is_zero_copy() {
        let data = Bytes::from_static(b"\x00\x00\x00\x00\x02hi");
        let mut chunk = data.clone();
        let mut deframer = Deframer::new(16);
        let message = deframer.decode(&mut chunk).unwrap().unwrap();
        assert_eq!(&message[..], b"hi");
        // Same memory as the input.
        assert_eq!(message.as_ptr(), data[5..].as_ptr());
    }

    #[test]
    fn split_message() {
        let mut deframer = Deframer::new(16);
        assert_eq!(decode_all(&mut deframer, b"\x00\x00"), Ok(vec![]));
        assert_eq!(deframer.buffered_len(), 2);
        assert_eq!(
            deframer.finish(),
            Err(DeframeError::Truncated {
                received: 2,
                expected: 5
            })
        );
        assert_eq!(decode_all(&mut deframer, b"\x00\x00\x03a"), Ok(vec![]));
        assert_eq!(
            deframer.finish(),
            Err(DeframeError::Truncated {
                received: 6,
                expected: 8
            })
        );
        assert_eq!(
            decode_all(&mut deframer, b"bc\x00"),
            Ok(vec![Bytes::from_static(b"abc")])
        );
        assert_eq!(deframer.buffered_len(), 1);
    }

    #[test]
    fn too_large_from_prefix_alone() {
        let mut deframer = Deframer::new(4);
        let err = decode_all(&mut deframer, b"\x00\x00\x00\x00\x05").unwrap_err();
        assert_eq!(err, DeframeError::TooLarge { size: 5, max: 4 });
        assert_eq!(deframer.buffered_len(), 0);
        let status = err.to_status(Side::Client);
        assert_eq!(status.code, Code::ResourceExhausted);
        assert_eq!(status.message, "received message larger than max (5 vs. 4)");
        // Sticky.
        assert_eq!(decode_all(&mut deframer, b"\x00"), Err(err));
        assert_eq!(deframer.finish(), Err(err));

        let mut default = Deframer::new(DEFAULT_MAX_RECEIVE_MESSAGE_SIZE);
        assert_eq!(
            decode_all(&mut default, b"\x00\x00\x40\x00\x01"),
            Err(DeframeError::TooLarge {
                size: 4 * 1024 * 1024 + 1,
                max: 4 * 1024 * 1024
            })
        );
        let mut exact = Deframer::new(DEFAULT_MAX_RECEIVE_MESSAGE_SIZE);
        assert_eq!(decode_all(&mut exact, b"\x00\x00\x40\x00\x00"), Ok(vec![]));
    }

    #[test]
    fn compressed_flag() {
        let compressed = b"\x01\x00\x00\x00\x01x";
        let mut identity = Deframer::new(16);
        let err = decode_all(&mut identity, compressed).unwrap_err();
        assert_eq!(err, DeframeError::CompressedWithoutEncoding);
        assert_eq!(err.to_status(Side::Server).code, Code::Internal);
        assert_eq!(err.wants_accept_encoding(), None);

        let mut gzip = Deframer::new(16);
        gzip.set_encoding(MessageEncoding::Unsupported("gzip".into()));
        let err = decode_all(&mut gzip, compressed).unwrap_err();
        assert_eq!(err, DeframeError::UnsupportedEncoding);
        assert_eq!(err.to_status(Side::Server).code, Code::Unimplemented);
        assert_eq!(err.to_status(Side::Client).code, Code::Internal);
        assert_eq!(err.wants_accept_encoding(), Some("identity"));

        // gzip announced but this message not compressed: fine.
        let mut gzip = Deframer::new(16);
        gzip.set_encoding(MessageEncoding::Unsupported("gzip".into()));
        assert_eq!(
            decode_all(&mut gzip, b"\x00\x00\x00\x00\x01x"),
            Ok(vec![Bytes::from_static(b"x")])
        );

        let mut bad = Deframer::new(16);
        assert_eq!(
            decode_all(&mut bad, b"\x02\x00\x00\x00\x00"),
            Err(DeframeError::InvalidFlag(2))
        );
    }

    #[test]
    fn send_limit_status() {
        let status = MessageTooLarge { size: 10, max: 8 }.to_status();
        assert_eq!(status.code, Code::ResourceExhausted);
        assert_eq!(
            status.message,
            "trying to send message larger than max (10 vs. 8)"
        );
    }

    fn frame_all(messages: &[Vec<u8>]) -> Vec<u8> {
        let mut dst = BytesMut::new();
        for message in messages {
            encode(message, &mut dst).unwrap();
        }
        dst.to_vec()
    }

    quickcheck! {
        fn any_chunking_gives_same_messages(messages: Vec<Vec<u8>>, cuts: Vec<usize>) -> bool {
            let stream = frame_all(&messages);
            let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
            points.push(0);
            points.push(stream.len());
            points.sort_unstable();
            let mut deframer = Deframer::new(DEFAULT_MAX_RECEIVE_MESSAGE_SIZE);
            let mut got = Vec::new();
            for pair in points.windows(2) {
                let chunk = &stream[pair[0]..pair[1]];
                got.extend(decode_all(&mut deframer, chunk).unwrap().into_iter().map(|m| m.to_vec()));
            }
            got == messages && deframer.finish().is_ok()
        }

        fn never_buffers_past_limit(data: Vec<u8>, max: u8) -> TestResult {
            let max = usize::from(max);
            let mut deframer = Deframer::new(max);
            for byte in data {
                let mut chunk = Bytes::copy_from_slice(&[byte]);
                loop {
                    match deframer.decode(&mut chunk) {
                        Ok(Some(message)) if message.len() > max => return TestResult::failed(),
                        Ok(Some(_)) => {}
                        Ok(None) | Err(_) => break,
                    }
                }
                if deframer.buffered_len() > max + PREFIX_LEN {
                    return TestResult::failed();
                }
            }
            TestResult::passed()
        }

        /// The fuzz oracle: whatever decodes cleanly re-encodes to exactly
        /// the input.
        fn decode_encode_is_identity(data: Vec<u8>) -> bool {
            let mut deframer = Deframer::new(1024);
            let Ok(messages) = decode_all(&mut deframer, &data) else { return true };
            if deframer.finish().is_err() {
                return true;
            }
            let messages: Vec<Vec<u8>> = messages.iter().map(|m| m.to_vec()).collect();
            frame_all(&messages) == data
        }

        fn never_panics(data: Vec<u8>, encoded: bool) -> bool {
            let mut deframer = Deframer::new(1024);
            if encoded {
                deframer.set_encoding(MessageEncoding::Unsupported("gzip".into()));
            }
            let mut chunk = Bytes::from(data);
            while let Ok(Some(_)) = deframer.decode(&mut chunk) {}
            let _ = deframer.finish();
            true
        }
    }
}
