//! RST_STREAM frames (RFC 9113 §6.4): immediate termination of one stream.

use crate::h2::frame::{FrameHeader, FrameType, H2Error, StreamId};
use crate::h2::ErrorCode;

/// A RST_STREAM frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RstStream {
    /// The stream to close; never 0.
    pub stream_id: StreamId,
    /// Why it is closed.
    pub error_code: ErrorCode,
}

impl RstStream {
    /// Parses a RST_STREAM payload.
    pub fn parse(header: &FrameHeader, payload: &[u8]) -> Result<RstStream, H2Error> {
        // "If a RST_STREAM frame is received with a stream identifier of 0x00,
        // the recipient MUST treat this as a connection error ... PROTOCOL_ERROR" (§6.4).
        if header.stream_id.is_connection() {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "RST_STREAM on stream 0",
            ));
        }
        // "A RST_STREAM frame with a length other than 4 octets MUST be treated
        // as a connection error ... FRAME_SIZE_ERROR" (§6.4).
        let Ok(octets) = <[u8; 4]>::try_from(payload) else {
            return Err(H2Error::connection(
                ErrorCode::FrameSizeError,
                "RST_STREAM length is not 4",
            ));
        };
        Ok(RstStream {
            stream_id: header.stream_id,
            error_code: ErrorCode::from_u32(u32::from_be_bytes(octets)),
        })
    }

    /// Appends the frame, header included.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        FrameHeader {
            length: 4,
            kind: FrameType::RstStream,
            flags: 0,
            stream_id: self.stream_id,
        }
        .encode(dst);
        dst.extend_from_slice(&self.error_code.to_u32().to_be_bytes());
    }
}
