//! SETTINGS parameters as values (RFC 9113 §6.5.2): identifiers, one setting,
//! and the full set of values one endpoint has advertised.

use crate::h2::frame::ConnectionError;
use crate::h2::ErrorCode;

/// Declares the setting-identifier table once.
macro_rules! setting_ids {
    ($($(#[doc = $doc:literal])* $variant:ident = $value:literal, $name:literal;)*) => {
        /// A SETTINGS parameter identifier (RFC 9113 §6.5.2).
        ///
        /// Unknown identifiers are kept so they round-trip; a receiver
        /// "MUST ignore that setting" (§6.5.2).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum SettingId {
            $($(#[doc = $doc])* $variant,)*
            /// An identifier this implementation does not know.
            Unknown(u16),
        }

        impl SettingId {
            /// The identifier as it travels on the wire.
            pub const fn to_u16(self) -> u16 {
                match self {
                    $(SettingId::$variant => $value,)*
                    SettingId::Unknown(v) => v,
                }
            }

            /// The identifier for a wire value.
            pub const fn from_u16(value: u16) -> SettingId {
                match value {
                    $($value => SettingId::$variant,)*
                    other => SettingId::Unknown(other),
                }
            }

            /// The RFC name, or `None` for an unknown identifier.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $(SettingId::$variant => Some($name),)*
                    SettingId::Unknown(_) => None,
                }
            }
        }
    };
}

setting_ids! {
    /// Largest HPACK dynamic table the sender's decoder allows (initially 4096).
    HeaderTableSize = 0x1, "SETTINGS_HEADER_TABLE_SIZE";
    /// Whether the sender accepts server push: 0 or 1 (initially 1).
    EnablePush = 0x2, "SETTINGS_ENABLE_PUSH";
    /// How many streams the receiver may open toward the sender (initially unlimited).
    MaxConcurrentStreams = 0x3, "SETTINGS_MAX_CONCURRENT_STREAMS";
    /// The sender's initial stream flow-control window (initially 65535).
    InitialWindowSize = 0x4, "SETTINGS_INITIAL_WINDOW_SIZE";
    /// Largest frame payload the sender accepts (initially 16384).
    MaxFrameSize = 0x5, "SETTINGS_MAX_FRAME_SIZE";
    /// Advisory largest field section the sender accepts (initially unlimited).
    MaxHeaderListSize = 0x6, "SETTINGS_MAX_HEADER_LIST_SIZE";
}

/// The smallest SETTINGS_MAX_FRAME_SIZE and the initial value (§4.2, §6.5.2).
pub const DEFAULT_MAX_FRAME_SIZE: u32 = 1 << 14;
/// The largest SETTINGS_MAX_FRAME_SIZE, the limit of the 24-bit length (§4.2).
pub const MAX_MAX_FRAME_SIZE: u32 = (1 << 24) - 1;
/// The largest flow-control window (§6.9.1).
pub const MAX_WINDOW_SIZE: u32 = (1 << 31) - 1;
/// The initial stream and connection window before any SETTINGS (§6.9.2).
pub const DEFAULT_INITIAL_WINDOW_SIZE: u32 = 65_535;
/// The initial HPACK dynamic table size (§6.5.2).
pub const DEFAULT_HEADER_TABLE_SIZE: u32 = 4096;

/// One setting: an identifier and its 32-bit value (§6.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Setting {
    /// Which parameter.
    pub id: SettingId,
    /// Its value.
    pub value: u32,
}

impl Setting {
    /// Makes a setting.
    pub const fn new(id: SettingId, value: u32) -> Setting {
        Setting { id, value }
    }

    /// Checks the value against the range §6.5.2 gives for known settings.
    ///
    /// Every violation is a connection error; unknown settings always pass.
    pub fn validate(&self) -> Result<(), ConnectionError> {
        match self.id {
            // "Any value other than 0 or 1 MUST be treated as a connection
            // error ... PROTOCOL_ERROR" (§6.5.2).
            SettingId::EnablePush if self.value > 1 => Err(ConnectionError::new(
                ErrorCode::ProtocolError,
                "SETTINGS_ENABLE_PUSH is neither 0 nor 1",
            )),
            // "Values above ... 2^31-1 MUST be treated as a connection error
            // ... FLOW_CONTROL_ERROR" (§6.5.2).
            SettingId::InitialWindowSize if self.value > MAX_WINDOW_SIZE => {
                Err(ConnectionError::new(
                    ErrorCode::FlowControlError,
                    "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1",
                ))
            }
            SettingId::MaxFrameSize
                if !(DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&self.value) =>
            {
                Err(ConnectionError::new(
                    ErrorCode::ProtocolError,
                    "SETTINGS_MAX_FRAME_SIZE outside 16384..=16777215",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// The values of every setting one endpoint has advertised, starting from the
/// RFC's initial values (§6.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// SETTINGS_HEADER_TABLE_SIZE.
    pub header_table_size: u32,
    /// SETTINGS_ENABLE_PUSH, as a flag.
    pub enable_push: bool,
    /// SETTINGS_MAX_CONCURRENT_STREAMS; `None` is "no limit".
    pub max_concurrent_streams: Option<u32>,
    /// SETTINGS_INITIAL_WINDOW_SIZE.
    pub initial_window_size: u32,
    /// SETTINGS_MAX_FRAME_SIZE.
    pub max_frame_size: u32,
    /// SETTINGS_MAX_HEADER_LIST_SIZE; `None` is "unlimited".
    pub max_header_list_size: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            header_table_size: DEFAULT_HEADER_TABLE_SIZE,
            enable_push: true,
            max_concurrent_streams: None,
            initial_window_size: DEFAULT_INITIAL_WINDOW_SIZE,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_header_list_size: None,
        }
    }
}

impl Settings {
    /// Replaces one value; "each parameter ... replaces any existing value"
    /// (§6.5). Validates first, and ignores unknown settings.
    pub fn apply(&mut self, setting: Setting) -> Result<(), ConnectionError> {
        setting.validate()?;
        match setting.id {
            SettingId::HeaderTableSize => self.header_table_size = setting.value,
            SettingId::EnablePush => self.enable_push = setting.value == 1,
            SettingId::MaxConcurrentStreams => self.max_concurrent_streams = Some(setting.value),
            SettingId::InitialWindowSize => self.initial_window_size = setting.value,
            SettingId::MaxFrameSize => self.max_frame_size = setting.value,
            SettingId::MaxHeaderListSize => self.max_header_list_size = Some(setting.value),
            SettingId::Unknown(_) => {}
        }
        Ok(())
    }

    /// The settings to send so a peer starting from the defaults ends up at
    /// `self`: only the values that differ from the RFC's initial values.
    pub fn diff_from_default(&self) -> Vec<Setting> {
        let default = Settings::default();
        let mut out = Vec::new();
        if self.header_table_size != default.header_table_size {
            out.push(Setting::new(
                SettingId::HeaderTableSize,
                self.header_table_size,
            ));
        }
        if self.enable_push != default.enable_push {
            out.push(Setting::new(
                SettingId::EnablePush,
                u32::from(self.enable_push),
            ));
        }
        if let Some(n) = self.max_concurrent_streams {
            out.push(Setting::new(SettingId::MaxConcurrentStreams, n));
        }
        if self.initial_window_size != default.initial_window_size {
            out.push(Setting::new(
                SettingId::InitialWindowSize,
                self.initial_window_size,
            ));
        }
        if self.max_frame_size != default.max_frame_size {
            out.push(Setting::new(SettingId::MaxFrameSize, self.max_frame_size));
        }
        if let Some(n) = self.max_header_list_size {
            out.push(Setting::new(SettingId::MaxHeaderListSize, n));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(id: SettingId, value: u32) -> Option<ErrorCode> {
        Setting::new(id, value).validate().err().map(|e| e.code)
    }

    #[test]
    fn value_ranges_per_6_5_2() {
        assert_eq!(err(SettingId::EnablePush, 0), None);
        assert_eq!(err(SettingId::EnablePush, 1), None);
        assert_eq!(
            err(SettingId::EnablePush, 2),
            Some(ErrorCode::ProtocolError)
        );
        assert_eq!(err(SettingId::InitialWindowSize, MAX_WINDOW_SIZE), None);
        assert_eq!(
            err(SettingId::InitialWindowSize, MAX_WINDOW_SIZE + 1),
            Some(ErrorCode::FlowControlError)
        );
        assert_eq!(
            err(SettingId::MaxFrameSize, 16383),
            Some(ErrorCode::ProtocolError)
        );
        assert_eq!(err(SettingId::MaxFrameSize, 16384), None);
        assert_eq!(err(SettingId::MaxFrameSize, 16_777_215), None);
        assert_eq!(
            err(SettingId::MaxFrameSize, 16_777_216),
            Some(ErrorCode::ProtocolError)
        );
        assert_eq!(err(SettingId::Unknown(0xff), u32::MAX), None);
        assert_eq!(err(SettingId::HeaderTableSize, u32::MAX), None);
    }

    #[test]
    fn apply_replaces_and_ignores_unknown() {
        let mut s = Settings::default();
        s.apply(Setting::new(SettingId::MaxConcurrentStreams, 100))
            .unwrap();
        s.apply(Setting::new(SettingId::Unknown(0x99), 7)).unwrap();
        s.apply(Setting::new(SettingId::EnablePush, 0)).unwrap();
        assert_eq!(s.max_concurrent_streams, Some(100));
        assert!(!s.enable_push);
        assert!(s.apply(Setting::new(SettingId::MaxFrameSize, 1)).is_err());
        assert_eq!(s.max_frame_size, DEFAULT_MAX_FRAME_SIZE);
        assert_eq!(
            s.diff_from_default(),
            vec![
                Setting::new(SettingId::EnablePush, 0),
                Setting::new(SettingId::MaxConcurrentStreams, 100)
            ]
        );
    }

    #[test]
    fn ids_round_trip() {
        for v in 0..=u16::MAX {
            assert_eq!(SettingId::from_u16(v).to_u16(), v);
        }
        assert_eq!(SettingId::from_u16(4), SettingId::InitialWindowSize);
    }
}
