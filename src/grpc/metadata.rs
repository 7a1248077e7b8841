//! Custom metadata (PROTOCOL-HTTP2.md "Requests": Custom-Metadata): a
//! multimap of ASCII keys to ASCII values, or to binary values for keys
//! ending in `-bin`, which travel base64-encoded.

use bytes::Bytes;

use super::header::{HeaderList, FIELD_OVERHEAD};
use crate::base64;

/// Default soft limit on received metadata, measured like
/// SETTINGS_MAX_HEADER_LIST_SIZE over the whole header list; past it the
/// call fails with RESOURCE_EXHAUSTED ("a default of 8 KiB suggested",
/// PROTOCOL-HTTP2.md; LIMITS.md).
pub const DEFAULT_METADATA_SOFT_LIMIT: usize = 8 * 1024;

/// The `grpc-*` keys an application may set itself: the tracing and stats
/// context that applications propagate by hand. Every other `grpc-` key is
/// "reserved for future GRPC use" (PROTOCOL-HTTP2.md).
const USER_GRPC_KEYS: [&str; 2] = ["grpc-trace-bin", "grpc-tags-bin"];

/// Keys the runtime sets, or that HTTP/2 forbids (connection-specific
/// fields, RFC 9113 §8.2.2), and so are never custom metadata.
const RESERVED_KEYS: [&str; 9] = [
    "content-type",
    "te",
    "user-agent",
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
];

/// Why a key or value cannot be custom metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// The key was empty or had a byte outside `0-9 a-z _ - .`.
    #[error("metadata key must be 1 or more of 0-9 a-z _ - .")]
    InvalidKey,
    /// The key is reserved: a pseudo-header, a `grpc-` key, or one the
    /// runtime or HTTP/2 owns.
    #[error("metadata key is reserved for gRPC or HTTP/2")]
    ReservedKey,
    /// An ASCII value had a byte outside 0x20..=0x7E.
    #[error("ASCII metadata value must be printable ASCII (0x20..=0x7E)")]
    InvalidValue,
    /// A binary value for a key without `-bin`, or an ASCII value for one with it.
    #[error("binary values need a key ending in -bin, and only they")]
    BinarySuffix,
}

/// Whether `key` is made only of Header-Name bytes: 0-9 a-z _ - .
fn is_valid_key(key: &[u8]) -> bool {
    !key.is_empty()
        && key.iter().all(|&b| {
            b.is_ascii_digit() || b.is_ascii_lowercase() || matches!(b, b'_' | b'-' | b'.')
        })
}

/// Whether `key` names binary metadata.
pub fn is_binary_key(key: &[u8]) -> bool {
    key.ends_with(b"-bin")
}

/// Whether `value` is an ASCII-Value: printable ASCII, 0x20..=0x7E.
fn is_valid_ascii_value(value: &[u8]) -> bool {
    value.iter().all(|b| (0x20..=0x7E).contains(b))
}

/// Whether `key` (already valid) is one applications may not use.
fn is_reserved_key(key: &[u8]) -> bool {
    if key.starts_with(b"grpc-") {
        return !USER_GRPC_KEYS.iter().any(|k| k.as_bytes() == key);
    }
    RESERVED_KEYS.iter().any(|k| k.as_bytes() == key)
}

/// Checks a key an application wants to use.
fn check_key(key: &str) -> Result<(), MetadataError> {
    if !is_valid_key(key.as_bytes()) {
        return Err(MetadataError::InvalidKey);
    }
    if is_reserved_key(key.as_bytes()) {
        return Err(MetadataError::ReservedKey);
    }
    Ok(())
}

/// Custom metadata: an ordered multimap from keys to values.
///
/// Values of `-bin` keys are held decoded and base64-encoded (unpadded) only
/// on the wire. Order is kept, which matters only among values of the same
/// key (PROTOCOL-HTTP2.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    entries: Vec<(Bytes, Bytes)>,
}

impl Metadata {
    /// Empty metadata.
    pub fn new() -> Metadata {
        Metadata::default()
    }

    /// The number of values (a key with two values counts twice).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds an ASCII value under `key`, after any values it already has.
    pub fn append(&mut self, key: &str, value: &str) -> Result<(), MetadataError> {
        check_key(key)?;
        if is_binary_key(key.as_bytes()) {
            return Err(MetadataError::BinarySuffix);
        }
        if !is_valid_ascii_value(value.as_bytes()) {
            return Err(MetadataError::InvalidValue);
        }
        self.entries.push((
            Bytes::copy_from_slice(key.as_bytes()),
            Bytes::copy_from_slice(value.as_bytes()),
        ));
        Ok(())
    }

    /// Adds a binary value under `key`, which must end in `-bin`.
    pub fn append_bin(&mut self, key: &str, value: impl Into<Bytes>) -> Result<(), MetadataError> {
        check_key(key)?;
        if !is_binary_key(key.as_bytes()) {
            return Err(MetadataError::BinarySuffix);
        }
        self.entries
            .push((Bytes::copy_from_slice(key.as_bytes()), value.into()));
        Ok(())
    }

    /// The first value of `key` (binary values decoded).
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_ref() == key.as_bytes())
            .map(|(_, v)| v.as_ref())
    }

    /// The first value of `key` as text, when it is an ASCII key.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        if is_binary_key(key.as_bytes()) {
            return None;
        }
        self.get(key).and_then(|v| core::str::from_utf8(v).ok())
    }

    /// Every value of `key`, in order.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.entries
            .iter()
            .filter(move |(k, _)| k.as_ref() == key.as_bytes())
            .map(|(_, v)| v.as_ref())
    }

    /// Removes every value of `key`; returns how many there were.
    pub fn remove(&mut self, key: &str) -> usize {
        let before = self.entries.len();
        self.entries.retain(|(k, _)| k.as_ref() != key.as_bytes());
        before.saturating_sub(self.entries.len())
    }

    /// Every (key, value) pair in order; binary values decoded.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries
            .iter()
            .map(|(k, v)| (core::str::from_utf8(k).unwrap_or(""), v.as_ref()))
    }

    /// The size these entries add to a header list on the wire: name +
    /// value (post-base64 for binary) + 32 each (PROTOCOL-HTTP2.md).
    pub fn wire_size(&self) -> usize {
        self.entries.iter().fold(0usize, |total, (k, v)| {
            let value_len = if is_binary_key(k) {
                // Unpadded base64: 4 symbols per 3 bytes, rounded up.
                v.len().saturating_mul(4).div_ceil(3)
            } else {
                v.len()
            };
            total
                .saturating_add(k.len())
                .saturating_add(value_len)
                .saturating_add(FIELD_OVERHEAD)
        })
    }

    /// Appends these entries to `out` as header fields, base64-encoding
    /// binary values without padding.
    pub fn encode_into(&self, out: &mut HeaderList) {
        for (key, value) in &self.entries {
            let wire_value = if is_binary_key(key) {
                Bytes::from(base64::encode_unpadded(value))
            } else {
                value.clone()
            };
            out.push((key.clone(), wire_value));
        }
    }

    /// Takes one received header field into the metadata if it is custom
    /// metadata, and reports whether it was.
    ///
    /// Reserved keys and pseudo-headers are skipped (the caller reads
    /// them). A value that is not a valid ASCII-Value, or `-bin` text that is
    /// not base64, is thrown away: implementations "must not error due to
    /// receiving an invalid ASCII-Value" and "may throw the value away"
    /// (PROTOCOL-HTTP2.md). Binary values are split on "," before decoding,
    /// since a proxy may have joined duplicates.
    pub(crate) fn receive(&mut self, name: &[u8], value: &[u8]) -> bool {
        // An empty part of a joined binary value is no value at all; kept,
        // a value of commas would cost an entry per octet.
        let joined = is_binary_key(name) && value.contains(&b',');
        if !is_valid_key(name) || is_reserved_key(name) {
            return false;
        }
        let key = Bytes::copy_from_slice(name);
        if is_binary_key(name) {
            for part in value.split(|&b| b == b',') {
                let part = part.trim_ascii();
                if joined && part.is_empty() {
                    continue;
                }
                if let Ok(decoded) = base64::decode(part) {
                    self.entries.push((key.clone(), Bytes::from(decoded)));
                }
            }
        } else if is_valid_ascii_value(value) {
            self.entries.push((key, Bytes::copy_from_slice(value)));
        }
        true
    }
}

/// What a received field costs against the metadata soft limit beyond its
/// own size: each value a proxy joined into a `-bin` field with "," counts
/// as the field it was (RFC 9110 §5.3), since each becomes its own entry.
pub(crate) fn joined_values_overhead(name: &[u8], value: &[u8]) -> usize {
    if !is_binary_key(name) {
        return 0;
    }
    let commas = value.iter().filter(|&&b| b == b',').count();
    commas.saturating_mul(FIELD_OVERHEAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_and_get() {
        let mut md = Metadata::new();
        md.append("x-user", "alice").unwrap();
        md.append("x-user", "bob").unwrap();
        md.append_bin("trace-bin", Bytes::from_static(b"\x00\xff"))
            .unwrap();
        assert_eq!(md.len(), 3);
        assert_eq!(md.get("x-user"), Some(&b"alice"[..]));
        assert_eq!(md.get_str("x-user"), Some("alice"));
        assert_eq!(
            md.get_all("x-user").collect::<Vec<_>>(),
            [&b"alice"[..], b"bob"]
        );
        assert_eq!(md.get("trace-bin"), Some(&b"\x00\xff"[..]));
        assert_eq!(md.get_str("trace-bin"), None);
        assert_eq!(md.remove("x-user"), 2);
        assert_eq!(md.get("x-user"), None);
    }

    #[test]
    fn rejects_bad_keys_and_values() {
        let mut md = Metadata::new();
        assert_eq!(md.append("", "v"), Err(MetadataError::InvalidKey));
        assert_eq!(md.append("X-Upper", "v"), Err(MetadataError::InvalidKey));
        assert_eq!(md.append(":path", "v"), Err(MetadataError::InvalidKey));
        assert_eq!(md.append("a b", "v"), Err(MetadataError::InvalidKey));
        assert_eq!(
            md.append("grpc-timeout", "1S"),
            Err(MetadataError::ReservedKey)
        );
        assert_eq!(
            md.append("grpc-status", "0"),
            Err(MetadataError::ReservedKey)
        );
        assert_eq!(
            md.append("content-type", "x"),
            Err(MetadataError::ReservedKey)
        );
        assert_eq!(
            md.append("connection", "x"),
            Err(MetadataError::ReservedKey)
        );
        assert_eq!(md.append("te", "trailers"), Err(MetadataError::ReservedKey));
        assert_eq!(
            md.append("k", "tab\there"),
            Err(MetadataError::InvalidValue)
        );
        assert_eq!(
            md.append("k", "caf\u{e9}"),
            Err(MetadataError::InvalidValue)
        );
        assert_eq!(md.append("k-bin", "x"), Err(MetadataError::BinarySuffix));
        assert_eq!(
            md.append_bin("k", Bytes::new()),
            Err(MetadataError::BinarySuffix)
        );
        assert_eq!(md.append_bin("grpc-trace-bin", Bytes::new()), Ok(()));
        assert_eq!(md.append("a.b_c-9", " spaced "), Ok(()));
    }

    #[test]
    fn encodes_binary_unpadded() {
        let mut md = Metadata::new();
        md.append("k", "v").unwrap();
        md.append_bin("d-bin", Bytes::from_static(b"f")).unwrap();
        let mut out = HeaderList::new();
        md.encode_into(&mut out);
        assert_eq!(
            out,
            [
                (Bytes::from_static(b"k"), Bytes::from_static(b"v")),
                (Bytes::from_static(b"d-bin"), Bytes::from_static(b"Zg")),
            ]
        );
        assert_eq!(md.wire_size(), (1 + 1 + 32) + (5 + 2 + 32));
    }

    #[test]
    fn joined_binary_values_cost_an_entry_each() {
        let mut md = Metadata::new();
        // Commas alone are no values: no entries.
        assert!(md.receive(b"x-bin", b",,,, ,,"));
        assert!(md.is_empty());
        // One empty value is still a value.
        assert!(md.receive(b"y-bin", b""));
        assert_eq!(md.get("y-bin"), Some(&b""[..]));
        assert!(md.receive(b"z-bin", b"Zg,,Zg"));
        assert_eq!(md.get_all("z-bin").collect::<Vec<_>>(), [b"f", b"f"]);
        assert_eq!(joined_values_overhead(b"z-bin", b"Zg,,Zg"), 64);
        assert_eq!(joined_values_overhead(b"z", b"a,b"), 0);
    }

    #[test]
    fn receive_filters_and_decodes() {
        let mut md = Metadata::new();
        assert!(!md.receive(b":status", b"200"));
        assert!(!md.receive(b"grpc-status", b"0"));
        assert!(!md.receive(b"content-type", b"application/grpc"));
        assert!(!md.receive(b"Bad", b"x"));
        assert!(md.receive(b"a-bin", b"Zg==, Zm8"));
        assert!(md.receive(b"b-bin", b"!!"));
        assert!(md.receive(b"c", b"bad\x01value"));
        assert!(md.receive(b"d", b"ok"));
        assert!(md.receive(b"grpc-trace-bin", b"AQI"));
        let got: Vec<_> = md.iter().collect();
        assert_eq!(
            got,
            [
                ("a-bin", &b"f"[..]),
                ("a-bin", b"fo"),
                ("d", b"ok"),
                ("grpc-trace-bin", b"\x01\x02"),
            ]
        );
    }

    #[test]
    fn wire_size_matches_encoding() {
        for len in 0..10 {
            let mut md = Metadata::new();
            md.append_bin("x-bin", Bytes::from(vec![7u8; len])).unwrap();
            let mut out = HeaderList::new();
            md.encode_into(&mut out);
            let size = super::super::header::list_size(out.iter().map(|(n, v)| (&n[..], &v[..])));
            assert_eq!(md.wire_size(), size, "len {len}");
        }
    }

    quickcheck::quickcheck! {
        fn received_metadata_is_always_valid(fields: Vec<(Vec<u8>, Vec<u8>)>) -> bool {
            let mut md = Metadata::new();
            for (name, value) in &fields {
                md.receive(name, value);
            }
            // Whatever was kept can be sent back as it is.
            let mut copy = Metadata::new();
            let all_ok = md.iter().all(|(key, value)| {
                if is_binary_key(key.as_bytes()) {
                    copy.append_bin(key, Bytes::copy_from_slice(value)).is_ok()
                } else {
                    core::str::from_utf8(value).is_ok_and(|v| copy.append(key, v).is_ok())
                }
            });
            all_ok && copy == md
        }

        fn binary_values_round_trip(values: Vec<Vec<u8>>) -> bool {
            let mut md = Metadata::new();
            for value in &values {
                md.append_bin("v-bin", Bytes::from(value.clone())).unwrap();
            }
            let mut out = HeaderList::new();
            md.encode_into(&mut out);
            let mut back = Metadata::new();
            for (name, value) in &out {
                back.receive(name, value);
            }
            back == md
        }
    }
}
