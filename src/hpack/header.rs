//! A header field as HPACK carries it.

use bytes::Bytes;

/// Per-entry overhead that §4.1 adds to name and value lengths when sizing
/// the dynamic table and the header list.
pub const ENTRY_OVERHEAD: usize = 32;

/// One header field: a name, a value, and whether it is sensitive.
///
/// `sensitive` is true when the field arrived as "literal never indexed", and
/// asks the encoder to send it that way: an intermediary must keep it so, to
/// protect values such as credentials from compression attacks (§7.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header {
    /// Field name, lowercase in HTTP/2 (RFC 9113 §8.2.1).
    pub name: Bytes,
    /// Field value.
    pub value: Bytes,
    /// Never to be added to a dynamic table (§6.2.3, §7.1.3).
    pub sensitive: bool,
}

impl Header {
    /// A field that may be indexed.
    pub fn new(name: impl Into<Bytes>, value: impl Into<Bytes>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            sensitive: false,
        }
    }

    /// A field that must never be indexed (§6.2.3).
    pub fn sensitive(name: impl Into<Bytes>, value: impl Into<Bytes>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            sensitive: true,
        }
    }

    /// The field's size as §4.1 counts it: name + value + 32 octets.
    pub fn size(&self) -> usize {
        field_size(&self.name, &self.value)
    }
}

/// §4.1 size of a name and value pair, saturating (sizes are compared with
/// limits, so saturation can only make a check fail, never pass).
pub(crate) fn field_size(name: &[u8], value: &[u8]) -> usize {
    name.len()
        .saturating_add(value.len())
        .saturating_add(ENTRY_OVERHEAD)
}
