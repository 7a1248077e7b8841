//! GOAWAY frames (RFC 9113 §6.8): connection shutdown, graceful or on error.

use bytes::Bytes;

use crate::h2::frame::{FrameHeader, FrameType, H2Error, StreamId};
use crate::h2::ErrorCode;

/// A GOAWAY frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoAway {
    /// The highest peer-initiated stream the sender might have processed.
    pub last_stream_id: StreamId,
    /// Why the connection is closing.
    pub error_code: ErrorCode,
    /// Opaque diagnostic octets (§6.8).
    pub debug_data: Bytes,
}

impl GoAway {
    /// Parses a GOAWAY payload.
    pub fn parse(header: &FrameHeader, mut payload: Bytes) -> Result<GoAway, H2Error> {
        // "An endpoint MUST treat a GOAWAY frame with a stream identifier
        // other than 0x00 as a connection error ... PROTOCOL_ERROR" (§6.8).
        if !header.stream_id.is_connection() {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "GOAWAY on a stream other than 0",
            ));
        }
        // Shorter than its mandatory fields: FRAME_SIZE_ERROR (§4.2), on
        // stream 0, so a connection error.
        if payload.len() < 8 {
            return Err(H2Error::connection(
                ErrorCode::FrameSizeError,
                "GOAWAY shorter than 8 octets",
            ));
        }
        let fixed = payload.split_to(8);
        let [s0, s1, s2, s3, e0, e1, e2, e3] = <[u8; 8]>::try_from(&fixed[..])
            .map_err(|_| H2Error::connection(ErrorCode::FrameSizeError, "GOAWAY too short"))?;
        Ok(GoAway {
            last_stream_id: StreamId::new(u32::from_be_bytes([s0, s1, s2, s3])),
            error_code: ErrorCode::from_u32(u32::from_be_bytes([e0, e1, e2, e3])),
            debug_data: payload,
        })
    }

    /// Appends the frame, header included.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        FrameHeader {
            length: u32::try_from(self.debug_data.len())
                .unwrap_or(u32::MAX)
                .saturating_add(8),
            kind: FrameType::GoAway,
            flags: 0,
            stream_id: StreamId::CONNECTION,
        }
        .encode(dst);
        dst.extend_from_slice(&self.last_stream_id.get().to_be_bytes());
        dst.extend_from_slice(&self.error_code.to_u32().to_be_bytes());
        dst.extend_from_slice(&self.debug_data);
    }
}
