//! The 9-octet frame header (RFC 9113 §4.1) and the stream identifier (§5.1.1).

use core::fmt;

/// Length of the frame header in octets (§4.1).
pub const FRAME_HEADER_LEN: usize = 9;

/// A 31-bit stream identifier (§5.1.1). Stream 0 is the connection itself.
///
/// The reserved high bit "MUST be ignored when receiving" and "MUST remain
/// unset when sending" (§4.1): [`StreamId::new`] clears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId(u32);

impl StreamId {
    /// Stream 0: frames about the connection as a whole.
    pub const CONNECTION: StreamId = StreamId(0);
    /// The largest stream identifier, 2^31-1.
    pub const MAX: StreamId = StreamId(u32::MAX >> 1);

    /// A stream id from 32 bits, dropping the reserved bit.
    pub const fn new(value: u32) -> StreamId {
        StreamId(value & (u32::MAX >> 1))
    }

    /// The 31-bit value.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// Whether this is stream 0, the connection.
    pub const fn is_connection(self) -> bool {
        self.0 == 0
    }

    /// Whether a client opened (or would open) this stream: odd ids (§5.1.1).
    pub const fn is_client_initiated(self) -> bool {
        self.0 % 2 == 1
    }

    /// Whether a server opened (or would open) this stream: even, nonzero ids.
    pub const fn is_server_initiated(self) -> bool {
        self.0 != 0 && self.0 % 2 == 0
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<StreamId> for u32 {
    fn from(id: StreamId) -> u32 {
        id.0
    }
}

/// Declares the frame-type table once.
macro_rules! frame_types {
    ($($(#[doc = $doc:literal])* $variant:ident = $value:literal, $name:literal;)*) => {
        /// A frame type (§6, §11.2). Unknown types are kept: a receiver
        /// "MUST ignore and discard frames of unknown types" (§4.1).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FrameType {
            $($(#[doc = $doc])* $variant,)*
            /// A type this implementation does not know (an extension, §5.5).
            Unknown(u8),
        }

        impl FrameType {
            /// The type octet.
            pub const fn to_u8(self) -> u8 {
                match self {
                    $(FrameType::$variant => $value,)*
                    FrameType::Unknown(v) => v,
                }
            }

            /// The type for a type octet.
            pub const fn from_u8(value: u8) -> FrameType {
                match value {
                    $($value => FrameType::$variant,)*
                    other => FrameType::Unknown(other),
                }
            }

            /// The RFC name, or `None` for an unknown type.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $(FrameType::$variant => Some($name),)*
                    FrameType::Unknown(_) => None,
                }
            }
        }
    };
}

frame_types! {
    /// Stream content, flow-controlled (§6.1).
    Data = 0x0, "DATA";
    /// Opens a stream and carries a field block fragment (§6.2).
    Headers = 0x1, "HEADERS";
    /// Deprecated priority signal (§6.3).
    Priority = 0x2, "PRIORITY";
    /// Ends one stream (§6.4).
    RstStream = 0x3, "RST_STREAM";
    /// Configuration parameters or their acknowledgment (§6.5).
    Settings = 0x4, "SETTINGS";
    /// Reserves a server-initiated stream (§6.6).
    PushPromise = 0x5, "PUSH_PROMISE";
    /// Liveness and round-trip measurement (§6.7).
    Ping = 0x6, "PING";
    /// Connection shutdown (§6.8).
    GoAway = 0x7, "GOAWAY";
    /// Flow-control credit (§6.9).
    WindowUpdate = 0x8, "WINDOW_UPDATE";
    /// Continues a field block (§6.10).
    Continuation = 0x9, "CONTINUATION";
}

/// Flag bits; their meaning depends on the frame type (§6).
pub mod flags {
    /// END_STREAM on DATA and HEADERS.
    pub const END_STREAM: u8 = 0x1;
    /// ACK on SETTINGS and PING.
    pub const ACK: u8 = 0x1;
    /// END_HEADERS on HEADERS, PUSH_PROMISE and CONTINUATION.
    pub const END_HEADERS: u8 = 0x4;
    /// PADDED on DATA, HEADERS and PUSH_PROMISE.
    pub const PADDED: u8 = 0x8;
    /// PRIORITY on HEADERS.
    pub const PRIORITY: u8 = 0x20;
}

/// The fixed header in front of every frame (§4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// Payload length, 24 bits (the header's 9 octets are not counted).
    pub length: u32,
    /// The frame type.
    pub kind: FrameType,
    /// The flags octet, as received (unused flags are ignored by each frame).
    pub flags: u8,
    /// The stream, reserved bit cleared.
    pub stream_id: StreamId,
}

impl FrameHeader {
    /// Reads a header from exactly 9 octets. Any 9 octets are a valid header;
    /// the length is checked against the limit by the reader.
    pub fn parse(octets: &[u8; FRAME_HEADER_LEN]) -> FrameHeader {
        let [l0, l1, l2, kind, flags, s0, s1, s2, s3] = *octets;
        FrameHeader {
            length: u32::from_be_bytes([0, l0, l1, l2]),
            kind: FrameType::from_u8(kind),
            flags,
            stream_id: StreamId::new(u32::from_be_bytes([s0, s1, s2, s3])),
        }
    }

    /// Appends the 9 octets. Only the low 24 bits of `length` fit; callers
    /// keep payloads within the peer's SETTINGS_MAX_FRAME_SIZE (§4.2).
    pub fn encode(&self, dst: &mut Vec<u8>) {
        let [_, l0, l1, l2] = self.length.to_be_bytes();
        dst.extend_from_slice(&[l0, l1, l2, self.kind.to_u8(), self.flags]);
        dst.extend_from_slice(&self.stream_id.get().to_be_bytes());
    }

    /// Whether `flag` is set.
    pub const fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_known_bytes() {
        let bytes = [0x00, 0x01, 0x02, 0x01, 0x25, 0x80, 0x00, 0x00, 0x03];
        let h = FrameHeader::parse(&bytes);
        assert_eq!(
            h,
            FrameHeader {
                length: 0x102,
                kind: FrameType::Headers,
                flags: 0x25,
                stream_id: StreamId::new(3),
            }
        );
        let mut out = Vec::new();
        h.encode(&mut out);
        // The reserved bit is ignored on receipt and never sent (§4.1).
        assert_eq!(out, [0x00, 0x01, 0x02, 0x01, 0x25, 0x00, 0x00, 0x00, 0x03]);
    }

    #[test]
    fn stream_id_roles() {
        assert!(StreamId::new(1).is_client_initiated());
        assert!(StreamId::new(2).is_server_initiated());
        assert!(!StreamId::CONNECTION.is_server_initiated());
        assert_eq!(StreamId::new(u32::MAX), StreamId::MAX);
        assert_eq!(FrameType::from_u8(0xa), FrameType::Unknown(0xa));
        assert_eq!(FrameType::from_u8(7).name(), Some("GOAWAY"));
    }
}
