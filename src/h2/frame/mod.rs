//! HTTP/2 frames (RFC 9113 §4, §6): the frame header, one type per frame,
//! parsing with every validity rule and its error scope, and writing.
//!
//! Each frame type has `parse(&FrameHeader, payload)` and `encode(&self, &mut
//! Vec<u8>)`. [`FrameReader`] turns a byte stream, fed in any chunks, into
//! whole [`Frame`]s without buffering more than one frame of at most our
//! SETTINGS_MAX_FRAME_SIZE.

mod continuation;
mod data;
mod error;
mod goaway;
mod head;
mod headers;
mod padding;
mod ping;
mod priority;
mod push_promise;
mod reader;
mod rst_stream;
mod settings;
mod window_update;

use bytes::Bytes;

pub use continuation::Continuation;
pub use data::Data;
pub use error::{ConnectionError, H2Error, StreamError};
pub use goaway::GoAway;
pub use head::{flags, FrameHeader, FrameType, StreamId, FRAME_HEADER_LEN};
pub use headers::Headers;
pub use ping::Ping;
pub use priority::{Priority, PrioritySpec};
pub use push_promise::PushPromise;
pub use reader::FrameReader;
pub use rst_stream::RstStream;
pub use settings::SettingsFrame;
pub use window_update::WindowUpdate;

/// The client connection preface (§3.4): these 24 octets, then a SETTINGS frame.
pub const CONNECTION_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// One HTTP/2 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// DATA (§6.1).
    Data(Data),
    /// HEADERS (§6.2).
    Headers(Headers),
    /// PRIORITY (§6.3).
    Priority(Priority),
    /// RST_STREAM (§6.4).
    RstStream(RstStream),
    /// SETTINGS (§6.5).
    Settings(SettingsFrame),
    /// PUSH_PROMISE (§6.6).
    PushPromise(PushPromise),
    /// PING (§6.7).
    Ping(Ping),
    /// GOAWAY (§6.8).
    GoAway(GoAway),
    /// WINDOW_UPDATE (§6.9).
    WindowUpdate(WindowUpdate),
    /// CONTINUATION (§6.10).
    Continuation(Continuation),
    /// A frame of unknown type (§4.1, §5.5): only its header is kept, its
    /// payload is discarded unread. Reported so the connection can enforce
    /// that nothing interrupts a field block (§6.10) and count it.
    Unknown(FrameHeader),
}

impl Frame {
    /// Parses a payload whose header says it belongs to a known frame type.
    ///
    /// The caller has already checked `header.length` against our
    /// SETTINGS_MAX_FRAME_SIZE and that `payload` has exactly that length.
    pub fn parse(header: &FrameHeader, payload: Bytes) -> Result<Frame, H2Error> {
        Ok(match header.kind {
            FrameType::Data => Frame::Data(Data::parse(header, payload)?),
            FrameType::Headers => Frame::Headers(Headers::parse(header, payload)?),
            FrameType::Priority => Frame::Priority(Priority::parse(header, &payload)?),
            FrameType::RstStream => Frame::RstStream(RstStream::parse(header, &payload)?),
            FrameType::Settings => Frame::Settings(SettingsFrame::parse(header, &payload)?),
            FrameType::PushPromise => Frame::PushPromise(PushPromise::parse(header, payload)?),
            FrameType::Ping => Frame::Ping(Ping::parse(header, &payload)?),
            FrameType::GoAway => Frame::GoAway(GoAway::parse(header, payload)?),
            FrameType::WindowUpdate => Frame::WindowUpdate(WindowUpdate::parse(header, &payload)?),
            FrameType::Continuation => Frame::Continuation(Continuation::parse(header, payload)?),
            FrameType::Unknown(_) => Frame::Unknown(*header),
        })
    }

    /// Appends the frame, header included. An [`Frame::Unknown`] is written
    /// with its header and zeros in place of the payload it no longer has.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        match self {
            Frame::Data(f) => f.encode(dst),
            Frame::Headers(f) => f.encode(dst),
            Frame::Priority(f) => f.encode(dst),
            Frame::RstStream(f) => f.encode(dst),
            Frame::Settings(f) => f.encode(dst),
            Frame::PushPromise(f) => f.encode(dst),
            Frame::Ping(f) => f.encode(dst),
            Frame::GoAway(f) => f.encode(dst),
            Frame::WindowUpdate(f) => f.encode(dst),
            Frame::Continuation(f) => f.encode(dst),
            Frame::Unknown(h) => {
                h.encode(dst);
                let len = usize::try_from(h.length).unwrap_or(0);
                dst.resize(dst.len() + len, 0);
            }
        }
    }

    /// The frame's type.
    pub fn kind(&self) -> FrameType {
        match self {
            Frame::Data(_) => FrameType::Data,
            Frame::Headers(_) => FrameType::Headers,
            Frame::Priority(_) => FrameType::Priority,
            Frame::RstStream(_) => FrameType::RstStream,
            Frame::Settings(_) => FrameType::Settings,
            Frame::PushPromise(_) => FrameType::PushPromise,
            Frame::Ping(_) => FrameType::Ping,
            Frame::GoAway(_) => FrameType::GoAway,
            Frame::WindowUpdate(_) => FrameType::WindowUpdate,
            Frame::Continuation(_) => FrameType::Continuation,
            Frame::Unknown(h) => h.kind,
        }
    }

    /// The stream the frame is on (0 for connection frames).
    pub fn stream_id(&self) -> StreamId {
        match self {
            Frame::Data(f) => f.stream_id,
            Frame::Headers(f) => f.stream_id,
            Frame::Priority(f) => f.stream_id,
            Frame::RstStream(f) => f.stream_id,
            Frame::PushPromise(f) => f.stream_id,
            Frame::WindowUpdate(f) => f.stream_id,
            Frame::Continuation(f) => f.stream_id,
            Frame::Unknown(h) => h.stream_id,
            Frame::Settings(_) | Frame::Ping(_) | Frame::GoAway(_) => StreamId::CONNECTION,
        }
    }
}

#[cfg(test)]
mod tests;
