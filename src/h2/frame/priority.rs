//! PRIORITY frames (RFC 9113 §6.3): a deprecated priority signal (§5.3.2),
//! parsed for validity and otherwise ignored.

use crate::h2::frame::{FrameHeader, FrameType, H2Error, StreamId};
use crate::h2::ErrorCode;

/// The priority fields shared by PRIORITY and HEADERS (RFC 7540 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrioritySpec {
    /// The Exclusive bit.
    pub exclusive: bool,
    /// The stream this one depends on.
    pub dependency: StreamId,
    /// Weight minus one, as on the wire.
    pub weight: u8,
}

/// Length of the priority fields on the wire.
pub(crate) const PRIORITY_SPEC_LEN: usize = 5;

impl PrioritySpec {
    /// Reads the five octets of priority fields.
    pub(crate) fn parse(octets: [u8; PRIORITY_SPEC_LEN]) -> PrioritySpec {
        let [d0, d1, d2, d3, weight] = octets;
        let dep = u32::from_be_bytes([d0, d1, d2, d3]);
        PrioritySpec {
            exclusive: dep & 0x8000_0000 != 0,
            dependency: StreamId::new(dep),
            weight,
        }
    }

    /// Appends the five octets.
    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        let mut dep = self.dependency.get();
        if self.exclusive {
            dep |= 0x8000_0000;
        }
        dst.extend_from_slice(&dep.to_be_bytes());
        dst.push(self.weight);
    }
}

/// A PRIORITY frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priority {
    /// The stream the signal is about; never 0.
    pub stream_id: StreamId,
    /// The priority fields.
    pub spec: PrioritySpec,
}

impl Priority {
    /// Parses a PRIORITY payload.
    pub fn parse(header: &FrameHeader, payload: &[u8]) -> Result<Priority, H2Error> {
        // "If a PRIORITY frame is received with a stream identifier of 0x00,
        // the recipient MUST respond with a connection error ... PROTOCOL_ERROR" (§6.3).
        if header.stream_id.is_connection() {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "PRIORITY on stream 0",
            ));
        }
        // "A PRIORITY frame with a length other than 5 octets MUST be treated
        // as a stream error ... FRAME_SIZE_ERROR" (§6.3).
        let Ok(octets) = <[u8; PRIORITY_SPEC_LEN]>::try_from(payload) else {
            return Err(H2Error::stream(
                header.stream_id,
                ErrorCode::FrameSizeError,
                "PRIORITY length is not 5",
            ));
        };
        let spec = PrioritySpec::parse(octets);
        // "A stream cannot depend on itself ... treat this as a stream error
        // of type PROTOCOL_ERROR" (RFC 7540 §5.3.1, kept for interoperability).
        if spec.dependency == header.stream_id {
            return Err(H2Error::stream(
                header.stream_id,
                ErrorCode::ProtocolError,
                "PRIORITY makes a stream depend on itself",
            ));
        }
        Ok(Priority {
            stream_id: header.stream_id,
            spec,
        })
    }

    /// Appends the frame, header included.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        FrameHeader {
            length: PRIORITY_SPEC_LEN as u32,
            kind: FrameType::Priority,
            flags: 0,
            stream_id: self.stream_id,
        }
        .encode(dst);
        self.spec.encode(dst);
    }
}
