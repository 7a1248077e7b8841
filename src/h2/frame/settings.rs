//! SETTINGS frames (RFC 9113 §6.5): an endpoint's parameters, or the
//! acknowledgment that the peer's were applied.

use crate::h2::frame::{flags, FrameHeader, FrameType, H2Error, StreamId};
use crate::h2::settings::{Setting, SettingId};
use crate::h2::ErrorCode;

/// Octets per setting on the wire (§6.5.1).
const SETTING_LEN: usize = 6;

/// A SETTINGS frame. Named apart from [`crate::h2::settings::Settings`], the
/// set of values the frame updates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettingsFrame {
    /// ACK: acknowledges the peer's SETTINGS; then there are no settings.
    pub ack: bool,
    /// The settings in the order they appeared, each already range-checked.
    pub settings: Vec<Setting>,
}

impl SettingsFrame {
    /// A SETTINGS frame carrying `settings`.
    pub fn new(settings: Vec<Setting>) -> SettingsFrame {
        SettingsFrame {
            ack: false,
            settings,
        }
    }

    /// The acknowledgment of the peer's SETTINGS.
    pub fn ack() -> SettingsFrame {
        SettingsFrame {
            ack: true,
            settings: Vec::new(),
        }
    }

    /// Parses a SETTINGS payload; every fault is a connection error because
    /// SETTINGS alters the state of the whole connection (§4.2, §6.5).
    pub fn parse(header: &FrameHeader, payload: &[u8]) -> Result<SettingsFrame, H2Error> {
        // "If an endpoint receives a SETTINGS frame whose Stream Identifier
        // field is anything other than 0x00, the endpoint MUST respond with a
        // connection error ... PROTOCOL_ERROR" (§6.5).
        if !header.stream_id.is_connection() {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "SETTINGS on a stream other than 0",
            ));
        }
        let ack = header.has(flags::ACK);
        // "Receipt of a SETTINGS frame with the ACK flag set and a length field
        // value other than 0 MUST be treated as a connection error ...
        // FRAME_SIZE_ERROR" (§6.5).
        if ack && !payload.is_empty() {
            return Err(H2Error::connection(
                ErrorCode::FrameSizeError,
                "SETTINGS ACK with a payload",
            ));
        }
        // "A SETTINGS frame with a length other than a multiple of 6 octets
        // MUST be treated as a connection error ... FRAME_SIZE_ERROR" (§6.5).
        if payload.len() % SETTING_LEN != 0 {
            return Err(H2Error::connection(
                ErrorCode::FrameSizeError,
                "SETTINGS length is not a multiple of 6",
            ));
        }
        // Bounded by the frame size the reader already accepted.
        let mut settings = Vec::with_capacity(payload.len() / SETTING_LEN);
        for entry in payload.chunks_exact(SETTING_LEN) {
            let [i0, i1, v0, v1, v2, v3] = <[u8; SETTING_LEN]>::try_from(entry).map_err(|_| {
                H2Error::connection(ErrorCode::FrameSizeError, "SETTINGS entry is short")
            })?;
            let setting = Setting::new(
                SettingId::from_u16(u16::from_be_bytes([i0, i1])),
                u32::from_be_bytes([v0, v1, v2, v3]),
            );
            setting.validate()?;
            settings.push(setting);
        }
        Ok(SettingsFrame { ack, settings })
    }

    /// Appends the frame, header included.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        let length = self.settings.len().saturating_mul(SETTING_LEN);
        FrameHeader {
            length: u32::try_from(length).unwrap_or(u32::MAX),
            kind: FrameType::Settings,
            flags: if self.ack { flags::ACK } else { 0 },
            stream_id: StreamId::CONNECTION,
        }
        .encode(dst);
        for s in &self.settings {
            dst.extend_from_slice(&s.id.to_u16().to_be_bytes());
            dst.extend_from_slice(&s.value.to_be_bytes());
        }
    }
}
