//! Wire types and tags: the `(field_number << 3) | wire_type` key of every record.

use super::error::{DecodeError, DecodeErrorKind};
use super::varint;

/// The smallest field number a field may have.
pub const MIN_FIELD_NUMBER: u32 = 1;
/// The largest field number: tags are 32-bit varints with 3 bits of wire type.
///
/// 19000..=19999 are reserved for the protobuf implementation in `.proto`
/// files only; they are legal on the wire and decoded like any other number.
pub const MAX_FIELD_NUMBER: u32 = (1 << 29) - 1;

/// How a record's payload is laid out (encoding.md "Message Structure").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum WireType {
    /// 0: a varint (int32, int64, uint32, uint64, sint32, sint64, bool, enum).
    Varint = 0,
    /// 1: eight little-endian bytes (fixed64, sfixed64, double).
    I64 = 1,
    /// 2: a varint length then that many bytes (string, bytes, messages, packed).
    Len = 2,
    /// 3: start of a group (deprecated, proto2).
    StartGroup = 3,
    /// 4: end of a group.
    EndGroup = 4,
    /// 5: four little-endian bytes (fixed32, sfixed32, float).
    I32 = 5,
}

impl WireType {
    /// The wire type numbered `n`; 6 and 7 are not defined and are an error.
    pub const fn from_u8(n: u8) -> Result<Self, DecodeError> {
        Ok(match n {
            0 => Self::Varint,
            1 => Self::I64,
            2 => Self::Len,
            3 => Self::StartGroup,
            4 => Self::EndGroup,
            5 => Self::I32,
            _ => return Err(DecodeError::new(DecodeErrorKind::InvalidWireType(n))),
        })
    }
}

/// The tag value for `field` and `wire_type`, before varint encoding.
#[inline]
pub const fn tag(field: u32, wire_type: WireType) -> u32 {
    (field << 3) | wire_type as u32
}

/// Writes the tag of a record. `field` must be in 1..=[`MAX_FIELD_NUMBER`].
#[inline]
pub fn encode_tag(field: u32, wire_type: WireType, buf: &mut Vec<u8>) {
    debug_assert!((MIN_FIELD_NUMBER..=MAX_FIELD_NUMBER).contains(&field));
    varint::encode(u64::from(tag(field, wire_type)), buf);
}

/// How many bytes the tag of `field` takes (the same for every wire type).
#[inline]
pub const fn tag_len(field: u32) -> usize {
    varint::encoded_len((field << 3) as u64)
}

/// Splits a decoded tag into field number and wire type, checking both.
#[inline]
pub fn split_tag(tag: u64) -> Result<(u32, WireType), DecodeError> {
    // encoding.md: the tag is "encoded as uint32 varint".
    let tag = u32::try_from(tag).map_err(|_| DecodeErrorKind::FieldNumberOutOfRange)?;
    let wire_type = WireType::from_u8((tag & 7) as u8)?;
    let field = tag >> 3;
    if field < MIN_FIELD_NUMBER {
        return Err(DecodeErrorKind::FieldNumberZero.into());
    }
    Ok((field, wire_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_bytes() {
        let mut buf = Vec::new();
        encode_tag(1, WireType::Varint, &mut buf);
        encode_tag(2, WireType::Len, &mut buf);
        encode_tag(MAX_FIELD_NUMBER, WireType::I32, &mut buf);
        assert_eq!(buf, [0x08, 0x12, 0xfd, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(tag_len(15), 1);
        assert_eq!(tag_len(16), 2);
        assert_eq!(tag_len(MAX_FIELD_NUMBER), 5);
    }

    #[test]
    fn split_checks_field_and_wire_type() {
        assert_eq!(split_tag(0x08), Ok((1, WireType::Varint)));
        assert_eq!(
            split_tag(0x1a),
            Ok((3, WireType::Len)),
            "3:LEN from encoding.md"
        );
        assert_eq!(
            split_tag(0x02).unwrap_err().kind,
            DecodeErrorKind::FieldNumberZero
        );
        assert_eq!(
            split_tag(0x0e).unwrap_err().kind,
            DecodeErrorKind::InvalidWireType(6)
        );
        assert_eq!(
            split_tag(0x0f).unwrap_err().kind,
            DecodeErrorKind::InvalidWireType(7)
        );
        assert_eq!(
            split_tag(1 << 32).unwrap_err().kind,
            DecodeErrorKind::FieldNumberOutOfRange
        );
        // Reserved numbers 19000..=19999 are fine on the wire.
        assert_eq!(
            split_tag(u64::from(tag(19000, WireType::I64))),
            Ok((19000, WireType::I64))
        );
    }
}
