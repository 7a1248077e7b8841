//! A streaming frame reader: bytes in, in any chunks; whole frames out.

use bytes::{Buf, Bytes, BytesMut};

use crate::h2::frame::{
    ConnectionError, Frame, FrameHeader, FrameType, H2Error, StreamError, FRAME_HEADER_LEN,
};
use crate::h2::settings::{DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE};
use crate::h2::ErrorCode;

/// Reads frames from a byte stream fed in arbitrary chunks.
///
/// Memory: at most one frame payload is buffered, and only after its length
/// was checked against our SETTINGS_MAX_FRAME_SIZE; unknown frame types and
/// frames rejected with a stream error are skipped without buffering.
/// A connection error is sticky: every later call returns it again.
/// A stream error consumes the offending frame; reading may continue.
#[derive(Debug)]
pub struct FrameReader {
    max_frame_size: u32,
    head: [u8; FRAME_HEADER_LEN],
    head_len: usize,
    state: ReadState,
    failed: Option<ConnectionError>,
}

#[derive(Debug)]
enum ReadState {
    /// Collecting the 9-octet header into `head`.
    Header,
    /// Collecting a payload that did not arrive in one piece.
    Payload { header: FrameHeader, buf: BytesMut },
    /// Discarding a payload, then reporting the unknown frame or the error.
    Skip {
        header: FrameHeader,
        remaining: usize,
        error: Option<StreamError>,
    },
}

/// Where the reader takes octets from: a borrowed slice (copied once) or
/// shared `Bytes` (sliced, no copy).
trait Source {
    fn available(&self) -> usize;
    fn take(&mut self, n: usize) -> Bytes;
    fn copy_into(&mut self, n: usize, dst: &mut BytesMut);
    fn copy_to_slice(&mut self, dst: &mut [u8]);
    fn skip(&mut self, n: usize);
}

impl Source for &[u8] {
    fn available(&self) -> usize {
        self.len()
    }
    fn take(&mut self, n: usize) -> Bytes {
        let (head, rest) = self.split_at(n.min(self.len()));
        *self = rest;
        Bytes::copy_from_slice(head)
    }
    fn copy_into(&mut self, n: usize, dst: &mut BytesMut) {
        let (head, rest) = self.split_at(n.min(self.len()));
        dst.extend_from_slice(head);
        *self = rest;
    }
    fn copy_to_slice(&mut self, dst: &mut [u8]) {
        let (head, rest) = self.split_at(dst.len().min(self.len()));
        if let Some(d) = dst.get_mut(..head.len()) {
            d.copy_from_slice(head);
        }
        *self = rest;
    }
    fn skip(&mut self, n: usize) {
        *self = self.get(n.min(self.len())..).unwrap_or_default();
    }
}

impl Source for Bytes {
    fn available(&self) -> usize {
        self.len()
    }
    fn take(&mut self, n: usize) -> Bytes {
        self.split_to(n.min(self.len()))
    }
    fn copy_into(&mut self, n: usize, dst: &mut BytesMut) {
        let part = self.split_to(n.min(self.len()));
        dst.extend_from_slice(&part);
    }
    fn copy_to_slice(&mut self, dst: &mut [u8]) {
        let part = self.split_to(dst.len().min(self.len()));
        if let Some(d) = dst.get_mut(..part.len()) {
            d.copy_from_slice(&part);
        }
    }
    fn skip(&mut self, n: usize) {
        self.advance(n.min(self.len()));
    }
}

/// Whether a FRAME_SIZE_ERROR on this frame ends the connection (§4.2): "any
/// frame carrying a field block ..., a SETTINGS frame, and any frame with a
/// stream identifier of 0". DATA is included too: it counts against the
/// connection flow-control window, which a skipped frame would desynchronize.
fn size_error_is_connection_error(header: &FrameHeader) -> bool {
    header.stream_id.is_connection()
        || matches!(
            header.kind,
            FrameType::Headers
                | FrameType::PushPromise
                | FrameType::Continuation
                | FrameType::Settings
                | FrameType::Data
                | FrameType::RstStream
                | FrameType::WindowUpdate
        )
}

impl Default for FrameReader {
    fn default() -> Self {
        FrameReader::new(DEFAULT_MAX_FRAME_SIZE)
    }
}

impl FrameReader {
    /// A reader accepting payloads up to `max_frame_size`, the value of our
    /// SETTINGS_MAX_FRAME_SIZE, clamped to 16384..=16777215 (§6.5.2).
    pub fn new(max_frame_size: u32) -> FrameReader {
        FrameReader {
            max_frame_size: max_frame_size.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE),
            head: [0; FRAME_HEADER_LEN],
            head_len: 0,
            state: ReadState::Header,
            failed: None,
        }
    }

    /// The largest payload accepted.
    pub fn max_frame_size(&self) -> u32 {
        self.max_frame_size
    }

    /// Changes the largest payload accepted, clamped like [`FrameReader::new`].
    /// Applies from the next frame header.
    pub fn set_max_frame_size(&mut self, max_frame_size: u32) {
        self.max_frame_size = max_frame_size.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE);
    }

    /// Whether no frame is partly read: the stream ends cleanly here.
    pub fn is_at_frame_boundary(&self) -> bool {
        self.head_len == 0 && matches!(self.state, ReadState::Header)
    }

    /// Reads the next frame from `input`, advancing it past what was used
    /// (the payload is copied once). `Ok(None)`: `input` is used up and the
    /// frame is incomplete; call again with more.
    pub fn read(&mut self, input: &mut &[u8]) -> Result<Option<Frame>, H2Error> {
        self.read_from(input)
    }

    /// Like [`FrameReader::read`] but from shared `Bytes`: a payload that is
    /// whole in `input` is sliced out of it without copying.
    pub fn read_bytes(&mut self, input: &mut Bytes) -> Result<Option<Frame>, H2Error> {
        self.read_from(input)
    }

    fn read_from<S: Source>(&mut self, input: &mut S) -> Result<Option<Frame>, H2Error> {
        if let Some(e) = self.failed {
            return Err(H2Error::Connection(e));
        }
        let result = self.step(input);
        if let Err(H2Error::Connection(e)) = result {
            self.failed = Some(e);
        }
        result
    }

    fn step<S: Source>(&mut self, input: &mut S) -> Result<Option<Frame>, H2Error> {
        loop {
            match &mut self.state {
                ReadState::Header => {
                    let Some(want) = self.head.get_mut(self.head_len..) else {
                        return Ok(None);
                    };
                    let n = want.len().min(input.available());
                    if let Some(dst) = want.get_mut(..n) {
                        input.copy_to_slice(dst);
                    }
                    self.head_len += n;
                    if self.head_len < FRAME_HEADER_LEN {
                        return Ok(None);
                    }
                    self.head_len = 0;
                    let header = FrameHeader::parse(&self.head);
                    let length = usize::try_from(header.length).unwrap_or(usize::MAX);
                    // "An endpoint MUST send an error code of FRAME_SIZE_ERROR
                    // if a frame exceeds the size defined in
                    // SETTINGS_MAX_FRAME_SIZE" (§4.2).
                    if header.length > self.max_frame_size {
                        if size_error_is_connection_error(&header) {
                            return Err(H2Error::connection(
                                ErrorCode::FrameSizeError,
                                "frame larger than SETTINGS_MAX_FRAME_SIZE",
                            ));
                        }
                        self.state = ReadState::Skip {
                            header,
                            remaining: length,
                            error: Some(StreamError::new(
                                header.stream_id,
                                ErrorCode::FrameSizeError,
                                "frame larger than SETTINGS_MAX_FRAME_SIZE",
                            )),
                        };
                        continue;
                    }
                    // "Implementations MUST ignore and discard frames of
                    // unknown types" (§4.1): skip, never buffer.
                    if matches!(header.kind, FrameType::Unknown(_)) {
                        self.state = ReadState::Skip {
                            header,
                            remaining: length,
                            error: None,
                        };
                        continue;
                    }
                    if input.available() >= length {
                        let payload = input.take(length);
                        return Frame::parse(&header, payload).map(Some);
                    }
                    let mut buf = BytesMut::with_capacity(length);
                    input.copy_into(length, &mut buf);
                    self.state = ReadState::Payload { header, buf };
                    return Ok(None);
                }
                ReadState::Payload { header, buf } => {
                    let length = usize::try_from(header.length).unwrap_or(usize::MAX);
                    let need = length.saturating_sub(buf.len());
                    input.copy_into(need, buf);
                    if buf.len() < length {
                        return Ok(None);
                    }
                    let header = *header;
                    let payload = core::mem::take(buf).freeze();
                    self.state = ReadState::Header;
                    return Frame::parse(&header, payload).map(Some);
                }
                ReadState::Skip {
                    header,
                    remaining,
                    error,
                } => {
                    let n = (*remaining).min(input.available());
                    input.skip(n);
                    *remaining -= n;
                    if *remaining > 0 {
                        return Ok(None);
                    }
                    let header = *header;
                    let error = *error;
                    self.state = ReadState::Header;
                    return match error {
                        Some(e) => Err(H2Error::Stream(e)),
                        None => Ok(Some(Frame::Unknown(header))),
                    };
                }
            }
        }
    }
}
