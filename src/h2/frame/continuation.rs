//! CONTINUATION frames (RFC 9113 §6.10): further fragments of a field block.
//! Sequencing (no other frame in between, same stream) is the connection's job.

use bytes::Bytes;

use crate::h2::frame::{flags, FrameHeader, FrameType, H2Error, StreamId};
use crate::h2::ErrorCode;

/// A CONTINUATION frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation {
    /// The stream; never 0, and the same as the HEADERS or PUSH_PROMISE it continues.
    pub stream_id: StreamId,
    /// The field block fragment.
    pub fragment: Bytes,
    /// END_HEADERS: this frame ends the field block.
    pub end_headers: bool,
}

impl Continuation {
    /// Parses a CONTINUATION payload.
    pub fn parse(header: &FrameHeader, payload: Bytes) -> Result<Continuation, H2Error> {
        // "If a CONTINUATION frame is received with a Stream Identifier field
        // of 0x00, the recipient MUST respond with a connection error ...
        // PROTOCOL_ERROR" (§6.10).
        if header.stream_id.is_connection() {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "CONTINUATION on stream 0",
            ));
        }
        Ok(Continuation {
            stream_id: header.stream_id,
            fragment: payload,
            end_headers: header.has(flags::END_HEADERS),
        })
    }

    /// Appends the frame, header included.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        FrameHeader {
            length: u32::try_from(self.fragment.len()).unwrap_or(u32::MAX),
            kind: FrameType::Continuation,
            flags: if self.end_headers {
                flags::END_HEADERS
            } else {
                0
            },
            stream_id: self.stream_id,
        }
        .encode(dst);
        dst.extend_from_slice(&self.fragment);
    }
}
