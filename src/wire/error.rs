//! Decode errors: small `Copy` values saying exactly what was wrong and where.

use super::wire_type::WireType;

/// What was wrong with the bytes a decoder was given.
///
/// Each kind names one rule of the wire format (encoding.md) that the input
/// broke; none of them allocates, so a fuzzer pays nothing per rejected input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// The input ended inside a tag, a varint or a fixed-width value.
    #[error("input ended inside a value")]
    Truncated,
    /// A varint kept its continuation bit set past the tenth byte.
    #[error("varint longer than 10 bytes")]
    VarintTooLong,
    /// The tenth byte of a varint carried more than the one bit a 64-bit value has left.
    #[error("varint overflows 64 bits")]
    VarintOverflow,
    /// Wire types 6 and 7 are not defined (encoding.md "Message Structure").
    #[error("invalid wire type {0}")]
    InvalidWireType(u8),
    /// A tag carried field number 0, which no field may have.
    #[error("field number 0")]
    FieldNumberZero,
    /// A tag did not fit in 32 bits, so its field number is past 2^29-1.
    #[error("field number out of range")]
    FieldNumberOutOfRange,
    /// A known field arrived with a wire type its declared type cannot have.
    #[error("wire type {found:?} where {expected:?} was expected")]
    UnexpectedWireType {
        /// The wire type the field's declared type uses.
        expected: WireType,
        /// The wire type on the wire.
        found: WireType,
    },
    /// A length prefix pointed past the end of the enclosing message.
    #[error("length prefix past the end of the input")]
    LengthPastEnd,
    /// A packed fixed-width field's payload was not a whole number of elements.
    #[error("packed payload is not a whole number of elements")]
    PackedLengthMismatch,
    /// A `string` field held bytes that are not UTF-8 (proto3.md scalar types).
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// Embedded messages and groups nested deeper than the reader's limit.
    #[error("nesting deeper than the limit")]
    DepthExceeded,
    /// A group ended with an end tag for a different field (encoding.md "Groups").
    #[error("end-group tag for field {0} does not match the open group")]
    GroupMismatch(u32),
    /// An end-group tag appeared where no group was open.
    #[error("end-group tag without a start-group")]
    UnexpectedEndGroup,
    /// The input ended while a group was still open.
    #[error("input ended inside a group")]
    UnterminatedGroup,
}

/// A decode failure: what was wrong and, where known, in which field.
///
/// The field number is that of the innermost field being decoded when the
/// error was found (0 when the error was outside any field, e.g. in a tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("protobuf decode error in field {field}: {kind}")]
pub struct DecodeError {
    /// What rule the input broke.
    pub kind: DecodeErrorKind,
    /// The innermost field number being decoded, or 0 if not known.
    pub field: u32,
}

impl DecodeError {
    /// An error of `kind` not yet attributed to a field.
    pub const fn new(kind: DecodeErrorKind) -> Self {
        Self { kind, field: 0 }
    }

    /// Attributes the error to `field` unless an inner field already claimed it.
    pub const fn in_field(mut self, field: u32) -> Self {
        if self.field == 0 {
            self.field = field;
        }
        self
    }
}

impl From<DecodeErrorKind> for DecodeError {
    fn from(kind: DecodeErrorKind) -> Self {
        Self::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_small() {
        assert!(std::mem::size_of::<DecodeError>() <= 16);
    }

    #[test]
    fn innermost_field_wins() {
        let e = DecodeError::new(DecodeErrorKind::Truncated)
            .in_field(7)
            .in_field(2);
        assert_eq!(e.field, 7);
        assert_eq!(
            e.to_string(),
            "protobuf decode error in field 7: input ended inside a value"
        );
    }
}
