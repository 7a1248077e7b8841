//! Message compression (compression.md). This crate implements only the
//! `identity` coding; the rest of the machinery is here so a peer that
//! compresses gets the answer the spec requires.

use core::fmt;

/// The `grpc-accept-encoding` value we send: the codings we can decode.
pub const ACCEPT_ENCODING: &str = "identity";

/// A Content-Coding named in `grpc-encoding` (PROTOCOL-HTTP2.md).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MessageEncoding {
    /// No compression; also what an absent `grpc-encoding` means.
    #[default]
    Identity,
    /// A coding this crate cannot decode, by its name as received.
    Unsupported(String),
}

impl MessageEncoding {
    /// Reads a received `grpc-encoding` value (`None` when absent).
    pub fn from_header(value: Option<&[u8]>) -> MessageEncoding {
        match value {
            None | Some(b"identity") => MessageEncoding::Identity,
            Some(other) => {
                MessageEncoding::Unsupported(String::from_utf8_lossy(other).into_owned())
            }
        }
    }

    /// Whether this crate can decode messages in this coding.
    pub fn is_supported(&self) -> bool {
        matches!(self, MessageEncoding::Identity)
    }
}

impl fmt::Display for MessageEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageEncoding::Identity => f.write_str("identity"),
            MessageEncoding::Unsupported(name) => f.write_str(name),
        }
    }
}

/// The most codings kept from one `grpc-accept-encoding` value: real lists
/// name a handful, and each kept name costs an allocation, so a value of
/// many short names must not cost far more memory than its octets.
pub const MAX_ACCEPT_ENCODINGS: usize = 16;

/// Splits a `grpc-accept-encoding` value ("gzip, identity") into codings,
/// each once, at most [`MAX_ACCEPT_ENCODINGS`] of them; the rest are
/// dropped, as codings the peer may not be offered.
pub fn parse_accept_encoding(value: &[u8]) -> Vec<String> {
    let mut codings: Vec<String> = Vec::new();
    for name in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
        if codings.len() >= MAX_ACCEPT_ENCODINGS {
            break;
        }
        if !name.is_empty() && !codings.iter().any(|c| c.as_bytes() == name) {
            codings.push(String::from_utf8_lossy(name).into_owned());
        }
    }
    codings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_keeps_each_coding_once_and_at_most_16() {
        assert_eq!(
            parse_accept_encoding(b"gzip, ,identity,gzip , deflate"),
            ["gzip", "identity", "deflate"]
        );
        let many: Vec<u8> = (0..100u8)
            .flat_map(|i| [b'a' + i % 26, b'0' + i / 26, b','])
            .collect();
        let codings = parse_accept_encoding(&many);
        assert_eq!(codings.len(), MAX_ACCEPT_ENCODINGS);
        assert_eq!(codings.first().map(String::as_str), Some("a0"));
        assert_eq!(parse_accept_encoding(&b"x,".repeat(1000)), ["x"]);
    }

    #[test]
    fn from_header() {
        assert_eq!(
            MessageEncoding::from_header(None),
            MessageEncoding::Identity
        );
        assert_eq!(
            MessageEncoding::from_header(Some(b"identity")),
            MessageEncoding::Identity
        );
        let gzip = MessageEncoding::from_header(Some(b"gzip"));
        assert_eq!(gzip, MessageEncoding::Unsupported("gzip".into()));
        assert!(!gzip.is_supported());
        assert_eq!(gzip.to_string(), "gzip");
    }

    #[test]
    fn accept_encoding_list() {
        assert_eq!(
            parse_accept_encoding(b"gzip, identity,,deflate "),
            ["gzip", "identity", "deflate"]
        );
        assert!(parse_accept_encoding(b"").is_empty());
    }
}
