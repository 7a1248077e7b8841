//! Header fields as this layer takes and gives them: plain name/value byte
//! pairs, independent of how HTTP/2 and HPACK carry them.

use bytes::Bytes;

/// A header list to send, in order: pseudo-headers first (RFC 9113 §8.3),
/// then the call definition, then custom metadata (PROTOCOL-HTTP2.md).
pub type HeaderList = Vec<(Bytes, Bytes)>;

/// Per-field overhead in the HTTP/2 header list size (RFC 9113 §6.5.2).
pub const FIELD_OVERHEAD: usize = 32;

/// The size of a received header list as SETTINGS_MAX_HEADER_LIST_SIZE
/// counts it: for each field, name length + value length + 32. gRPC uses
/// the same measure for its metadata limit (PROTOCOL-HTTP2.md "Requests").
pub fn list_size<'a, I>(fields: I) -> usize
where
    I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
{
    fields.into_iter().fold(0usize, |total, (name, value)| {
        total
            .saturating_add(name.len())
            .saturating_add(value.len())
            .saturating_add(FIELD_OVERHEAD)
    })
}

/// A static header field, for the fixed parts of gRPC header lists.
pub(crate) fn field(name: &'static str, value: &'static str) -> (Bytes, Bytes) {
    (
        Bytes::from_static(name.as_bytes()),
        Bytes::from_static(value.as_bytes()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_counts_overhead() {
        let fields: [(&[u8], &[u8]); 2] = [(b":status", b"200"), (b"a", b"")];
        assert_eq!(list_size(fields), 7 + 3 + 32 + 1 + 32);
        assert_eq!(list_size(core::iter::empty()), 0);
    }
}
