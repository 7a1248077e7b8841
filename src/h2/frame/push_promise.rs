//! PUSH_PROMISE frames (RFC 9113 §6.6): a server reserves a stream and sends
//! the request it will answer on it.

use bytes::Bytes;

use crate::h2::frame::padding::{padding_overhead, split_padding, write_padding};
use crate::h2::frame::{flags, FrameHeader, FrameType, H2Error, StreamId};
use crate::h2::ErrorCode;

/// A PUSH_PROMISE frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushPromise {
    /// The stream the promise is associated with; never 0.
    pub stream_id: StreamId,
    /// The stream reserved by the promise; never 0.
    pub promised_stream_id: StreamId,
    /// The field block fragment, padding removed.
    pub fragment: Bytes,
    /// END_HEADERS: the field block is complete.
    pub end_headers: bool,
    /// The Pad Length, if the PADDED flag was set.
    pub pad_len: Option<u8>,
}

impl PushPromise {
    /// Parses a PUSH_PROMISE payload.
    pub fn parse(header: &FrameHeader, payload: Bytes) -> Result<PushPromise, H2Error> {
        // "If the Stream Identifier field specifies the value 0x00, a recipient
        // MUST respond with a connection error ... PROTOCOL_ERROR" (§6.6).
        if header.stream_id.is_connection() {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "PUSH_PROMISE on stream 0",
            ));
        }
        let (pad_len, mut content) = split_padding(header, payload, 4)?;
        let id = content.split_to(4);
        let octets = <[u8; 4]>::try_from(&id[..]).map_err(|_| {
            H2Error::connection(ErrorCode::FrameSizeError, "PUSH_PROMISE too short")
        })?;
        let promised_stream_id = StreamId::new(u32::from_be_bytes(octets));
        // Stream 0 is never idle, so promising it is "an illegal stream
        // identifier", a connection error of type PROTOCOL_ERROR (§6.6).
        if promised_stream_id.is_connection() {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "PUSH_PROMISE promises stream 0",
            ));
        }
        Ok(PushPromise {
            stream_id: header.stream_id,
            promised_stream_id,
            fragment: content,
            end_headers: header.has(flags::END_HEADERS),
            pad_len,
        })
    }

    /// Appends the frame, header included.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        let mut f = 0;
        if self.end_headers {
            f |= flags::END_HEADERS;
        }
        if self.pad_len.is_some() {
            f |= flags::PADDED;
        }
        let length = u32::try_from(self.fragment.len())
            .unwrap_or(u32::MAX)
            .saturating_add(4)
            .saturating_add(padding_overhead(self.pad_len));
        FrameHeader {
            length,
            kind: FrameType::PushPromise,
            flags: f,
            stream_id: self.stream_id,
        }
        .encode(dst);
        if let Some(n) = self.pad_len {
            dst.push(n);
        }
        dst.extend_from_slice(&self.promised_stream_id.get().to_be_bytes());
        dst.extend_from_slice(&self.fragment);
        write_padding(self.pad_len, dst);
    }
}
