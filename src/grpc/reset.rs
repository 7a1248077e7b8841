//! RST_STREAM as gRPC sees it: HTTP/2 error codes (RFC 9113 §7) and the
//! status a reset stream gives a call (PROTOCOL-HTTP2.md "Errors").

use core::fmt;

use super::code::Code;
use super::status::Status;
use super::Side;

/// An HTTP/2 error code as carried in RST_STREAM (RFC 9113 §7). Unknown
/// values are kept: "Unknown or unsupported error codes MUST NOT trigger
/// any special behavior" and "MAY be treated ... as INTERNAL_ERROR".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    /// Graceful shutdown; not an error.
    pub const NO_ERROR: ErrorCode = ErrorCode(0x0);
    /// An unspecific protocol error.
    pub const PROTOCOL_ERROR: ErrorCode = ErrorCode(0x1);
    /// An unexpected internal error.
    pub const INTERNAL_ERROR: ErrorCode = ErrorCode(0x2);
    /// The peer violated flow control.
    pub const FLOW_CONTROL_ERROR: ErrorCode = ErrorCode(0x3);
    /// A SETTINGS frame was not acknowledged in time.
    pub const SETTINGS_TIMEOUT: ErrorCode = ErrorCode(0x4);
    /// A frame arrived after the stream was half-closed.
    pub const STREAM_CLOSED: ErrorCode = ErrorCode(0x5);
    /// A frame had an invalid size.
    pub const FRAME_SIZE_ERROR: ErrorCode = ErrorCode(0x6);
    /// The stream was refused before any processing.
    pub const REFUSED_STREAM: ErrorCode = ErrorCode(0x7);
    /// The stream is no longer needed.
    pub const CANCEL: ErrorCode = ErrorCode(0x8);
    /// The field section compression context cannot be maintained.
    pub const COMPRESSION_ERROR: ErrorCode = ErrorCode(0x9);
    /// A CONNECT tunnel was reset or closed abnormally.
    pub const CONNECT_ERROR: ErrorCode = ErrorCode(0xa);
    /// The peer is generating excessive load.
    pub const ENHANCE_YOUR_CALM: ErrorCode = ErrorCode(0xb);
    /// The transport does not meet minimum security requirements.
    pub const INADEQUATE_SECURITY: ErrorCode = ErrorCode(0xc);
    /// The endpoint requires HTTP/1.1 instead.
    pub const HTTP_1_1_REQUIRED: ErrorCode = ErrorCode(0xd);

    /// The name RFC 9113 §7 gives this code, if it has one.
    pub fn name(self) -> Option<&'static str> {
        const NAMES: [&str; 14] = [
            "NO_ERROR",
            "PROTOCOL_ERROR",
            "INTERNAL_ERROR",
            "FLOW_CONTROL_ERROR",
            "SETTINGS_TIMEOUT",
            "STREAM_CLOSED",
            "FRAME_SIZE_ERROR",
            "REFUSED_STREAM",
            "CANCEL",
            "COMPRESSION_ERROR",
            "CONNECT_ERROR",
            "ENHANCE_YOUR_CALM",
            "INADEQUATE_SECURITY",
            "HTTP_1_1_REQUIRED",
        ];
        usize::try_from(self.0)
            .ok()
            .and_then(|i| NAMES.get(i).copied())
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "unknown error code {:#x}", self.0),
        }
    }
}

/// The status of a call whose stream the peer reset with `code`, as seen
/// from `side` (PROTOCOL-HTTP2.md "Errors" table).
///
/// CANCEL is CANCELLED either way: a call cancellation when the client
/// sent it, CANCELLED when the server did. STREAM_CLOSED has "no mapping"
/// in the spec; a call still open must end somehow, so it is INTERNAL like
/// every other code the table does not single out.
pub fn status_for_reset(code: ErrorCode, side: Side) -> Status {
    let (code_out, detail) = match code {
        ErrorCode::REFUSED_STREAM => (
            Code::Unavailable,
            "the request was not processed and can be retried",
        ),
        ErrorCode::CANCEL => match side {
            Side::Client => (Code::Cancelled, "the server cancelled the call"),
            Side::Server => (Code::Cancelled, "the client cancelled the call"),
        },
        ErrorCode::ENHANCE_YOUR_CALM => (
            Code::ResourceExhausted,
            "the peer is limiting load (bandwidth exhausted)",
        ),
        ErrorCode::INADEQUATE_SECURITY => (
            Code::PermissionDenied,
            "the transport is not secure enough for the call",
        ),
        ErrorCode::NO_ERROR => (Code::Internal, "stream reset without a grpc-status"),
        _ => (Code::Internal, "stream reset"),
    };
    Status::new(code_out, format!("{detail} (RST_STREAM {code})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_table() {
        let table = [
            (ErrorCode::NO_ERROR, Code::Internal),
            (ErrorCode::PROTOCOL_ERROR, Code::Internal),
            (ErrorCode::INTERNAL_ERROR, Code::Internal),
            (ErrorCode::FLOW_CONTROL_ERROR, Code::Internal),
            (ErrorCode::SETTINGS_TIMEOUT, Code::Internal),
            (ErrorCode::STREAM_CLOSED, Code::Internal),
            (ErrorCode::FRAME_SIZE_ERROR, Code::Internal),
            (ErrorCode::REFUSED_STREAM, Code::Unavailable),
            (ErrorCode::CANCEL, Code::Cancelled),
            (ErrorCode::COMPRESSION_ERROR, Code::Internal),
            (ErrorCode::CONNECT_ERROR, Code::Internal),
            (ErrorCode::ENHANCE_YOUR_CALM, Code::ResourceExhausted),
            (ErrorCode::INADEQUATE_SECURITY, Code::PermissionDenied),
            (ErrorCode::HTTP_1_1_REQUIRED, Code::Internal),
            (ErrorCode(0xff), Code::Internal),
        ];
        for (reset, code) in table {
            assert_eq!(status_for_reset(reset, Side::Client).code, code, "{reset}");
            assert_eq!(status_for_reset(reset, Side::Server).code, code, "{reset}");
        }
    }

    #[test]
    fn messages_name_the_code() {
        assert_eq!(
            status_for_reset(ErrorCode::CANCEL, Side::Server).message,
            "the client cancelled the call (RST_STREAM CANCEL)"
        );
        assert_eq!(
            status_for_reset(ErrorCode(0x42), Side::Client).message,
            "stream reset (RST_STREAM unknown error code 0x42)"
        );
        assert_eq!(
            ErrorCode::ENHANCE_YOUR_CALM.name(),
            Some("ENHANCE_YOUR_CALM")
        );
        assert_eq!(ErrorCode(14).name(), None);
    }
}
