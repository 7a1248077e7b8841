//! DATA frames (RFC 9113 §6.1): stream content, subject to flow control.

use bytes::Bytes;

use crate::h2::frame::padding::{padding_overhead, split_padding, write_padding};
use crate::h2::frame::{flags, FrameHeader, FrameType, H2Error, StreamId};
use crate::h2::ErrorCode;

/// A DATA frame. The content borrows the reader's buffer (no copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Data {
    /// The stream; never 0.
    pub stream_id: StreamId,
    /// Application octets, padding removed.
    pub data: Bytes,
    /// END_STREAM: the sender's last frame on this stream.
    pub end_stream: bool,
    /// The Pad Length, if the PADDED flag was set.
    pub pad_len: Option<u8>,
}

impl Data {
    /// A DATA frame without padding.
    pub fn new(stream_id: StreamId, data: Bytes, end_stream: bool) -> Data {
        Data {
            stream_id,
            data,
            end_stream,
            pad_len: None,
        }
    }

    /// Parses a DATA payload.
    pub fn parse(header: &FrameHeader, payload: Bytes) -> Result<Data, H2Error> {
        // "If a DATA frame is received whose Stream Identifier field is 0x00,
        // the recipient MUST respond with a connection error ... PROTOCOL_ERROR" (§6.1).
        if header.stream_id.is_connection() {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "DATA on stream 0",
            ));
        }
        let (pad_len, data) = split_padding(header, payload, 0)?;
        Ok(Data {
            stream_id: header.stream_id,
            data,
            end_stream: header.has(flags::END_STREAM),
            pad_len,
        })
    }

    /// The octets this frame counts against both flow-control windows: the
    /// whole payload, Pad Length and padding included (§6.1).
    pub fn flow_controlled_len(&self) -> u32 {
        // The data of a parsed or locally built frame fits the 24-bit length.
        u32::try_from(self.data.len())
            .unwrap_or(u32::MAX)
            .saturating_add(padding_overhead(self.pad_len))
    }

    /// The frame header this frame is written with.
    pub fn header(&self) -> FrameHeader {
        let mut f = 0;
        if self.end_stream {
            f |= flags::END_STREAM;
        }
        if self.pad_len.is_some() {
            f |= flags::PADDED;
        }
        FrameHeader {
            length: self.flow_controlled_len(),
            kind: FrameType::Data,
            flags: f,
            stream_id: self.stream_id,
        }
    }

    /// Appends the frame, header included.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        self.header().encode(dst);
        if let Some(n) = self.pad_len {
            dst.push(n);
        }
        dst.extend_from_slice(&self.data);
        write_padding(self.pad_len, dst);
    }
}
