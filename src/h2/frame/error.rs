//! Errors with their scope (RFC 9113 §5.4): a connection error ends the
//! connection with GOAWAY, a stream error ends one stream with RST_STREAM.

use crate::h2::frame::StreamId;
use crate::h2::ErrorCode;

/// An error that makes the connection unusable (§5.4.1): the endpoint sends
/// GOAWAY with `code` and closes the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("connection error {code}: {reason}")]
pub struct ConnectionError {
    /// The code to send in GOAWAY.
    pub code: ErrorCode,
    /// What exactly was wrong, for logs and the GOAWAY debug data.
    pub reason: &'static str,
}

impl ConnectionError {
    /// Makes a connection error.
    pub const fn new(code: ErrorCode, reason: &'static str) -> Self {
        ConnectionError { code, reason }
    }
}

/// An error confined to one stream (§5.4.2): the endpoint sends RST_STREAM
/// with `code` on `stream`; the connection carries on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stream error on stream {stream}: {code}: {reason}")]
pub struct StreamError {
    /// The stream to reset.
    pub stream: StreamId,
    /// The code to send in RST_STREAM.
    pub code: ErrorCode,
    /// What exactly was wrong.
    pub reason: &'static str,
}

impl StreamError {
    /// Makes a stream error.
    pub const fn new(stream: StreamId, code: ErrorCode, reason: &'static str) -> Self {
        StreamError {
            stream,
            code,
            reason,
        }
    }
}

/// An HTTP/2 protocol error and its scope, which decides the frame to send:
/// GOAWAY for [`H2Error::Connection`], RST_STREAM for [`H2Error::Stream`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum H2Error {
    /// Ends the connection (§5.4.1).
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// Ends one stream (§5.4.2).
    #[error(transparent)]
    Stream(#[from] StreamError),
}

impl H2Error {
    /// Shorthand for a connection error.
    pub const fn connection(code: ErrorCode, reason: &'static str) -> Self {
        H2Error::Connection(ConnectionError::new(code, reason))
    }

    /// Shorthand for a stream error.
    pub const fn stream(stream: StreamId, code: ErrorCode, reason: &'static str) -> Self {
        H2Error::Stream(StreamError::new(stream, code, reason))
    }

    /// The error code, whatever the scope.
    pub const fn code(&self) -> ErrorCode {
        match self {
            H2Error::Connection(e) => e.code,
            H2Error::Stream(e) => e.code,
        }
    }

    /// What was wrong, whatever the scope.
    pub const fn reason(&self) -> &'static str {
        match self {
            H2Error::Connection(e) => e.reason,
            H2Error::Stream(e) => e.reason,
        }
    }
}
