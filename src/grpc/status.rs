//! The outcome of a call: a [`Code`], a message and optional binary details.

use core::fmt;

use bytes::Bytes;

use super::code::Code;

/// The status a call ended with, as sent in `grpc-status`, `grpc-message`
/// and `grpc-status-details-bin` (PROTOCOL-HTTP2.md "Responses").
///
/// A status is a value every call produces, including successful ones
/// ([`Code::Ok`]); it implements [`std::error::Error`] so an API may return a
/// non-OK status as its error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The status code.
    pub code: Code,
    /// A human-readable description (already percent-decoded).
    pub message: String,
    /// The raw `grpc-status-details-bin` payload (base64-decoded): usually an
    /// encoded `google.rpc.Status`, kept as bytes so this layer needs no
    /// schema. Empty when absent.
    pub details: Bytes,
}

impl Status {
    /// A status with `code` and `message` and no details.
    pub fn new(code: Code, message: impl Into<String>) -> Status {
        Status {
            code,
            message: message.into(),
            details: Bytes::new(),
        }
    }

    /// The successful status: [`Code::Ok`], empty message.
    pub fn ok() -> Status {
        Status::new(Code::Ok, "")
    }

    /// This status with `details` as its `grpc-status-details-bin` payload.
    pub fn with_details(mut self, details: Bytes) -> Status {
        self.details = details;
        self
    }

    /// Whether the code is [`Code::Ok`].
    pub fn is_ok(&self) -> bool {
        self.code == Code::Ok
    }

    /// Shorthand for a [`Code::Cancelled`] status.
    pub fn cancelled(message: impl Into<String>) -> Status {
        Status::new(Code::Cancelled, message)
    }

    /// Shorthand for a [`Code::DeadlineExceeded`] status.
    pub fn deadline_exceeded(message: impl Into<String>) -> Status {
        Status::new(Code::DeadlineExceeded, message)
    }

    /// Shorthand for a [`Code::Internal`] status.
    pub fn internal(message: impl Into<String>) -> Status {
        Status::new(Code::Internal, message)
    }

    /// Shorthand for a [`Code::Unimplemented`] status.
    pub fn unimplemented(message: impl Into<String>) -> Status {
        Status::new(Code::Unimplemented, message)
    }

    /// Shorthand for a [`Code::ResourceExhausted`] status.
    pub fn resource_exhausted(message: impl Into<String>) -> Status {
        Status::new(Code::ResourceExhausted, message)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

impl std::error::Error for Status {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        assert_eq!(Status::ok().to_string(), "OK");
        assert_eq!(
            Status::deadline_exceeded("took 3s").to_string(),
            "DEADLINE_EXCEEDED: took 3s"
        );
    }

    #[test]
    fn details_are_kept() {
        let status = Status::internal("x").with_details(Bytes::from_static(b"\x08\x0d"));
        assert_eq!(&status.details[..], b"\x08\x0d");
        assert!(!status.is_ok());
        assert!(Status::ok().is_ok());
    }
}
