//! HTTP/2 error codes (RFC 9113 §7): the reason carried by RST_STREAM and GOAWAY.

use core::fmt;

/// Declares the error-code table once; names, numbers and docs all come from it.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $value:literal, $name:literal;)*) => {
        /// An HTTP/2 error code (RFC 9113 §7).
        ///
        /// Unknown codes are kept as [`ErrorCode::Unknown`] so they round-trip;
        /// they "MUST NOT trigger any special behavior" (§7).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
            /// A code this implementation does not know, kept as received.
            Unknown(u32),
        }

        impl ErrorCode {
            /// The code as it travels on the wire.
            pub const fn to_u32(self) -> u32 {
                match self {
                    $(ErrorCode::$variant => $value,)*
                    ErrorCode::Unknown(v) => v,
                }
            }

            /// The code for a wire value; values outside the table become `Unknown`.
            pub const fn from_u32(value: u32) -> ErrorCode {
                match value {
                    $($value => ErrorCode::$variant,)*
                    other => ErrorCode::Unknown(other),
                }
            }

            /// The name the RFC gives the code, or `None` for an unknown code.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $(ErrorCode::$variant => Some($name),)*
                    ErrorCode::Unknown(_) => None,
                }
            }
        }
    };
}

error_codes! {
    /// Not the result of an error, e.g. a graceful GOAWAY.
    NoError = 0x0, "NO_ERROR";
    /// An unspecific protocol error.
    ProtocolError = 0x1, "PROTOCOL_ERROR";
    /// An unexpected internal error.
    InternalError = 0x2, "INTERNAL_ERROR";
    /// The peer violated the flow-control protocol.
    FlowControlError = 0x3, "FLOW_CONTROL_ERROR";
    /// A SETTINGS frame was not acknowledged in time (§6.5.3).
    SettingsTimeout = 0x4, "SETTINGS_TIMEOUT";
    /// A frame arrived after the stream was half-closed.
    StreamClosed = 0x5, "STREAM_CLOSED";
    /// A frame had an invalid size.
    FrameSizeError = 0x6, "FRAME_SIZE_ERROR";
    /// The stream was refused before any application processing (§8.7).
    RefusedStream = 0x7, "REFUSED_STREAM";
    /// The stream is no longer needed.
    Cancel = 0x8, "CANCEL";
    /// The field section compression context cannot be maintained.
    CompressionError = 0x9, "COMPRESSION_ERROR";
    /// The connection for a CONNECT request was reset or closed (§8.5).
    ConnectError = 0xa, "CONNECT_ERROR";
    /// The peer is generating excessive load.
    EnhanceYourCalm = 0xb, "ENHANCE_YOUR_CALM";
    /// The transport does not meet minimum security requirements (§9.2).
    InadequateSecurity = 0xc, "INADEQUATE_SECURITY";
    /// HTTP/1.1 is required instead of HTTP/2.
    Http11Required = 0xd, "HTTP_1_1_REQUIRED";
}

impl From<u32> for ErrorCode {
    fn from(value: u32) -> Self {
        ErrorCode::from_u32(value)
    }
}

impl From<ErrorCode> for u32 {
    fn from(code: ErrorCode) -> Self {
        code.to_u32()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "UNKNOWN_ERROR_CODE(0x{:x})", self.to_u32()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    #[test]
    fn table_values_match_rfc() {
        assert_eq!(ErrorCode::NoError.to_u32(), 0);
        assert_eq!(ErrorCode::FrameSizeError.to_u32(), 6);
        assert_eq!(ErrorCode::Http11Required.to_u32(), 0xd);
        assert_eq!(ErrorCode::from_u32(0xb), ErrorCode::EnhanceYourCalm);
        assert_eq!(ErrorCode::from_u32(0xe), ErrorCode::Unknown(0xe));
        assert_eq!(ErrorCode::SettingsTimeout.to_string(), "SETTINGS_TIMEOUT");
        assert_eq!(
            ErrorCode::Unknown(0x1f).to_string(),
            "UNKNOWN_ERROR_CODE(0x1f)"
        );
    }

    quickcheck! {
        fn every_code_round_trips(value: u32) -> bool {
            ErrorCode::from_u32(value).to_u32() == value
        }
    }
}
