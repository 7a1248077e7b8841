//! PING frames (RFC 9113 §6.7): liveness checks and round-trip measurement.

use crate::h2::frame::{flags, FrameHeader, FrameType, H2Error, StreamId};
use crate::h2::ErrorCode;

/// A PING frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ping {
    /// ACK: this is the answer to a PING; answers are never answered.
    pub ack: bool,
    /// Eight opaque octets, echoed in the answer.
    pub payload: [u8; 8],
}

impl Ping {
    /// Parses a PING payload.
    pub fn parse(header: &FrameHeader, payload: &[u8]) -> Result<Ping, H2Error> {
        // "If a PING frame is received with a Stream Identifier field value
        // other than 0x00, the recipient MUST respond with a connection error
        // ... PROTOCOL_ERROR" (§6.7).
        if !header.stream_id.is_connection() {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "PING on a stream other than 0",
            ));
        }
        // "a length field value other than 8 MUST be treated as a connection
        // error ... FRAME_SIZE_ERROR" (§6.7).
        let Ok(payload) = <[u8; 8]>::try_from(payload) else {
            return Err(H2Error::connection(
                ErrorCode::FrameSizeError,
                "PING length is not 8",
            ));
        };
        Ok(Ping {
            ack: header.has(flags::ACK),
            payload,
        })
    }

    /// Appends the frame, header included.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        FrameHeader {
            length: 8,
            kind: FrameType::Ping,
            flags: if self.ack { flags::ACK } else { 0 },
            stream_id: StreamId::CONNECTION,
        }
        .encode(dst);
        dst.extend_from_slice(&self.payload);
    }
}
