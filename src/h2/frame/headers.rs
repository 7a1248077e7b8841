//! HEADERS frames (RFC 9113 §6.2): open a stream or carry trailers, with the
//! first fragment of a field block (§4.3).

use bytes::Bytes;

use crate::h2::frame::padding::{padding_overhead, split_padding, write_padding};
use crate::h2::frame::priority::PRIORITY_SPEC_LEN;
use crate::h2::frame::{flags, FrameHeader, FrameType, H2Error, PrioritySpec, StreamId};
use crate::h2::ErrorCode;

/// A HEADERS frame.
///
/// A priority self-dependency is not rejected here: the field block must still
/// be decoded to keep the HPACK state in sync (§4.3), so the connection checks
/// it afterwards with [`Headers::depends_on_itself`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    /// The stream; never 0.
    pub stream_id: StreamId,
    /// The priority fields, if the PRIORITY flag was set (deprecated, §5.3.2).
    pub priority: Option<PrioritySpec>,
    /// The field block fragment, padding and priority removed.
    pub fragment: Bytes,
    /// END_STREAM: no DATA or trailers follow on this stream.
    pub end_stream: bool,
    /// END_HEADERS: the field block is complete; no CONTINUATION follows.
    pub end_headers: bool,
    /// The Pad Length, if the PADDED flag was set.
    pub pad_len: Option<u8>,
}

impl Headers {
    /// A HEADERS frame without priority or padding.
    pub fn new(stream_id: StreamId, fragment: Bytes, end_stream: bool, end_headers: bool) -> Self {
        Headers {
            stream_id,
            priority: None,
            fragment,
            end_stream,
            end_headers,
            pad_len: None,
        }
    }

    /// Parses a HEADERS payload.
    pub fn parse(header: &FrameHeader, payload: Bytes) -> Result<Headers, H2Error> {
        // "If a HEADERS frame is received whose Stream Identifier field is
        // 0x00, the recipient MUST respond with a connection error ...
        // PROTOCOL_ERROR" (§6.2).
        if header.stream_id.is_connection() {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "HEADERS on stream 0",
            ));
        }
        let has_priority = header.has(flags::PRIORITY);
        let fixed = if has_priority { PRIORITY_SPEC_LEN } else { 0 };
        let (pad_len, mut content) = split_padding(header, payload, fixed)?;
        let priority = if has_priority {
            let spec = content.split_to(PRIORITY_SPEC_LEN);
            let octets = <[u8; PRIORITY_SPEC_LEN]>::try_from(&spec[..]).map_err(|_| {
                H2Error::connection(ErrorCode::FrameSizeError, "HEADERS too short for priority")
            })?;
            Some(PrioritySpec::parse(octets))
        } else {
            None
        };
        Ok(Headers {
            stream_id: header.stream_id,
            priority,
            fragment: content,
            end_stream: header.has(flags::END_STREAM),
            end_headers: header.has(flags::END_HEADERS),
            pad_len,
        })
    }

    /// Whether the priority fields name the frame's own stream, which RFC 7540
    /// §5.3.1 makes a stream error of type PROTOCOL_ERROR.
    pub fn depends_on_itself(&self) -> bool {
        self.priority
            .is_some_and(|p| p.dependency == self.stream_id)
    }

    /// Appends the frame, header included.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        let mut f = 0;
        if self.end_stream {
            f |= flags::END_STREAM;
        }
        if self.end_headers {
            f |= flags::END_HEADERS;
        }
        if self.pad_len.is_some() {
            f |= flags::PADDED;
        }
        if self.priority.is_some() {
            f |= flags::PRIORITY;
        }
        let priority_len = if self.priority.is_some() {
            PRIORITY_SPEC_LEN as u32
        } else {
            0
        };
        let length = u32::try_from(self.fragment.len())
            .unwrap_or(u32::MAX)
            .saturating_add(priority_len)
            .saturating_add(padding_overhead(self.pad_len));
        FrameHeader {
            length,
            kind: FrameType::Headers,
            flags: f,
            stream_id: self.stream_id,
        }
        .encode(dst);
        if let Some(n) = self.pad_len {
            dst.push(n);
        }
        if let Some(p) = &self.priority {
            p.encode(dst);
        }
        dst.extend_from_slice(&self.fragment);
        write_padding(self.pad_len, dst);
    }
}
