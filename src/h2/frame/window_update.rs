//! WINDOW_UPDATE frames (RFC 9113 §6.9): flow-control credit for a stream or,
//! on stream 0, for the connection.

use crate::h2::frame::{FrameHeader, FrameType, H2Error, StreamId};
use crate::h2::ErrorCode;

/// A WINDOW_UPDATE frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowUpdate {
    /// The stream, or 0 for the connection window.
    pub stream_id: StreamId,
    /// The credit added, 1..=2^31-1.
    pub increment: u32,
}

impl WindowUpdate {
    /// Parses a WINDOW_UPDATE payload.
    pub fn parse(header: &FrameHeader, payload: &[u8]) -> Result<WindowUpdate, H2Error> {
        // "A WINDOW_UPDATE frame with a length other than 4 octets MUST be
        // treated as a connection error ... FRAME_SIZE_ERROR" (§6.9).
        let Ok(octets) = <[u8; 4]>::try_from(payload) else {
            return Err(H2Error::connection(
                ErrorCode::FrameSizeError,
                "WINDOW_UPDATE length is not 4",
            ));
        };
        // The reserved bit "MUST be ignored when received" (§4.1).
        let increment = u32::from_be_bytes(octets) & 0x7fff_ffff;
        // "a flow-control window increment of 0 as a stream error ... of type
        // PROTOCOL_ERROR; errors on the connection flow-control window MUST be
        // treated as a connection error" (§6.9).
        if increment == 0 {
            return Err(if header.stream_id.is_connection() {
                H2Error::connection(
                    ErrorCode::ProtocolError,
                    "WINDOW_UPDATE with increment 0 on the connection",
                )
            } else {
                H2Error::stream(
                    header.stream_id,
                    ErrorCode::ProtocolError,
                    "WINDOW_UPDATE with increment 0",
                )
            });
        }
        Ok(WindowUpdate {
            stream_id: header.stream_id,
            increment,
        })
    }

    /// Appends the frame, header included.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        FrameHeader {
            length: 4,
            kind: FrameType::WindowUpdate,
            flags: 0,
            stream_id: self.stream_id,
        }
        .encode(dst);
        dst.extend_from_slice(&(self.increment & 0x7fff_ffff).to_be_bytes());
    }
}
