//! Unknown fields: records a message's schema does not know, kept and re-emitted.
//!
//! proto3.md "Unknown Fields": parsers preserve them and include them when
//! serializing, so a message passed through an older binary loses nothing.

use std::fmt;

use super::error::{DecodeError, DecodeErrorKind};
use super::message::Message;
use super::reader::Reader;
use super::varint;
use super::wire_type::{encode_tag, WireType};

/// The unknown records of one message, as raw bytes in the order they arrived.
///
/// Each record is stored as its tag followed by its value exactly as it was
/// on the wire (a group includes its body and end tag), so encoding copies
/// them back verbatim after the known fields, as protoc does. Equality is
/// byte equality.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct UnknownFields {
    raw: Vec<u8>,
}

/// The value of one unknown record, borrowed from [`UnknownFields`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownValue<'a> {
    /// A varint, as its unsigned 64-bit value.
    Varint(u64),
    /// Eight bytes, as a little-endian integer.
    I64(u64),
    /// A length-delimited payload, without its length prefix.
    Len(&'a [u8]),
    /// The encoded fields of a group, without its start and end tags.
    Group(&'a [u8]),
    /// Four bytes, as a little-endian integer.
    I32(u32),
}

/// One unknown record: its field number and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownField<'a> {
    /// The field number from the record's tag.
    pub field: u32,
    /// The record's value.
    pub value: UnknownValue<'a>,
}

impl UnknownFields {
    /// No unknown fields.
    pub const fn new() -> Self {
        Self { raw: Vec::new() }
    }

    /// Whether there are no unknown fields.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The records, encoded, in arrival order.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// Drops every record.
    pub fn clear(&mut self) {
        self.raw.clear();
    }

    /// How many bytes [`UnknownFields::encode_raw`] writes.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        self.raw.len()
    }

    /// Appends the records, as they arrived.
    #[inline]
    pub fn encode_raw(&self, buf: &mut Vec<u8>) {
        // Nearly always empty: skip the copy call in every message's encoder.
        if !self.raw.is_empty() {
            buf.extend_from_slice(&self.raw);
        }
    }

    /// Consumes the value of a record whose tag was just read and keeps it.
    ///
    /// This is what a message's `merge_field` calls for any field number it
    /// does not know.
    pub fn merge_field(
        &mut self,
        field: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        let value = r.skip_value(field, wire_type)?;
        encode_tag(field, wire_type, &mut self.raw);
        self.raw.extend_from_slice(value);
        Ok(())
    }

    /// Appends a varint record (e.g. a closed enum's value the schema does not list).
    pub fn push_varint(&mut self, field: u32, value: u64) {
        encode_tag(field, WireType::Varint, &mut self.raw);
        varint::encode(value, &mut self.raw);
    }

    /// Appends a four-byte record.
    pub fn push_i32(&mut self, field: u32, value: u32) {
        encode_tag(field, WireType::I32, &mut self.raw);
        self.raw.extend_from_slice(&value.to_le_bytes());
    }

    /// Appends an eight-byte record.
    pub fn push_i64(&mut self, field: u32, value: u64) {
        encode_tag(field, WireType::I64, &mut self.raw);
        self.raw.extend_from_slice(&value.to_le_bytes());
    }

    /// Appends a length-delimited record.
    pub fn push_len(&mut self, field: u32, payload: &[u8]) {
        encode_tag(field, WireType::Len, &mut self.raw);
        varint::encode(payload.len() as u64, &mut self.raw);
        self.raw.extend_from_slice(payload);
    }

    /// Appends every record of `other`, after this one's.
    pub fn extend(&mut self, other: &UnknownFields) {
        self.raw.extend_from_slice(&other.raw);
    }

    /// The records one by one, in arrival order.
    pub fn iter(&self) -> UnknownFieldsIter<'_> {
        UnknownFieldsIter {
            // Group nesting was bounded when the records were stored, by
            // whatever limit the decoding reader had; do not impose another.
            reader: Reader::with_max_depth(&self.raw, u32::MAX),
        }
    }
}

/// Iterator over the records of [`UnknownFields`].
#[derive(Debug, Clone)]
pub struct UnknownFieldsIter<'a> {
    reader: Reader<'a>,
}

impl<'a> Iterator for UnknownFieldsIter<'a> {
    type Item = UnknownField<'a>;

    fn next(&mut self) -> Option<UnknownField<'a>> {
        // The bytes were validated when stored, so an error cannot occur; if
        // it did, iteration simply ends.
        let r = &mut self.reader;
        let (field, wire_type) = r.read_tag().ok()?;
        let value = match wire_type {
            WireType::Varint => UnknownValue::Varint(r.read_varint().ok()?),
            WireType::I64 => UnknownValue::I64(r.read_fixed64().ok()?),
            WireType::I32 => UnknownValue::I32(r.read_fixed32().ok()?),
            WireType::Len => UnknownValue::Len(r.read_len_delimited().ok()?),
            WireType::StartGroup => {
                let body = r.remaining();
                let mut probe = r.clone();
                // Walk the body to find where its end tag starts.
                let body_len = loop {
                    let before = probe.remaining().len();
                    let (inner, inner_type) = probe.read_tag().ok()?;
                    if inner_type == WireType::EndGroup && inner == field {
                        break body.len() - before;
                    }
                    probe.skip_value(inner, inner_type).ok()?;
                };
                *r = probe;
                UnknownValue::Group(body.get(..body_len)?)
            }
            WireType::EndGroup => return None,
        };
        Some(UnknownField { field, value })
    }
}

impl<'a> IntoIterator for &'a UnknownFields {
    type Item = UnknownField<'a>;
    type IntoIter = UnknownFieldsIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Debug for UnknownFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A message that knows no fields: every record is kept as unknown.
///
/// Decoding into it checks the wire format (tags, lengths, groups, depth)
/// without a schema, and encoding gives back exactly the bytes decoded (tags
/// included, even non-minimal ones): the generic target for fuzzing and for
/// passing messages through untouched.
impl Message for UnknownFields {
    fn encode_raw(&self, buf: &mut Vec<u8>) {
        UnknownFields::encode_raw(self, buf);
    }

    fn encoded_len(&self) -> usize {
        UnknownFields::encoded_len(self)
    }

    fn merge_field(
        &mut self,
        field: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        UnknownFields::merge_field(self, field, wire_type, r)
    }

    fn clear(&mut self) {
        UnknownFields::clear(self);
    }

    /// Keeps each record's tag as it was on the wire, not re-encoded, so that
    /// `encode(decode(x)) == x` for every valid `x`.
    fn merge_from(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        while !r.is_empty() {
            let record = r.remaining();
            let (field, wire_type) = r.read_tag()?;
            if wire_type == WireType::EndGroup {
                return Err(DecodeError::new(DecodeErrorKind::UnexpectedEndGroup).in_field(field));
            }
            r.skip_value(field, wire_type)
                .map_err(|e| e.in_field(field))?;
            let consumed = record.len() - r.remaining().len();
            self.raw
                .extend_from_slice(record.get(..consumed).unwrap_or_default());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{quickcheck, Arbitrary, Gen};

    #[test]
    fn keeps_records_verbatim_and_in_order() {
        // 5: 150, 1: {"hi"}, 3: !{ 1: 1 }, 2: 7i32, 4: 9i64, non-minimal varint 6: 0
        let input = [
            0x28, 0x96, 0x01, 0x0a, 0x02, b'h', b'i', 0x1b, 0x08, 0x01, 0x1c, 0x15, 7, 0, 0, 0,
            0x21, 9, 0, 0, 0, 0, 0, 0, 0, 0x30, 0x80, 0x00,
        ];
        let u = UnknownFields::decode(&input).unwrap();
        assert_eq!(u.as_bytes(), input);
        assert_eq!(u.encode_to_vec(), input);
        let fields: Vec<_> = u.iter().collect();
        assert_eq!(
            fields,
            [
                UnknownField {
                    field: 5,
                    value: UnknownValue::Varint(150)
                },
                UnknownField {
                    field: 1,
                    value: UnknownValue::Len(b"hi")
                },
                UnknownField {
                    field: 3,
                    value: UnknownValue::Group(&[0x08, 0x01])
                },
                UnknownField {
                    field: 2,
                    value: UnknownValue::I32(7)
                },
                UnknownField {
                    field: 4,
                    value: UnknownValue::I64(9)
                },
                UnknownField {
                    field: 6,
                    value: UnknownValue::Varint(0)
                },
            ]
        );
    }

    #[test]
    fn rejects_malformed_input() {
        let kind = |input: &[u8]| UnknownFields::decode(input).unwrap_err().kind;
        assert_eq!(kind(&[0x0c]), DecodeErrorKind::UnexpectedEndGroup);
        assert_eq!(kind(&[0x0b, 0x08]), DecodeErrorKind::Truncated);
        assert_eq!(kind(&[0x0b]), DecodeErrorKind::UnterminatedGroup);
        assert_eq!(kind(&[0x00, 0x01]), DecodeErrorKind::FieldNumberZero);
        assert_eq!(kind(&[0x0f]), DecodeErrorKind::InvalidWireType(7));
        assert_eq!(kind(&[0x0a, 0x03, 0x01]), DecodeErrorKind::LengthPastEnd);
    }

    #[test]
    fn non_minimal_tags_survive_a_top_level_decode() {
        // Tag 1:VARINT spelled in two bytes.
        let input = [0x88, 0x00, 0x05];
        let u = UnknownFields::decode(&input).unwrap();
        assert_eq!(u.encode_to_vec(), input);
        assert_eq!(
            u.iter().collect::<Vec<_>>(),
            [UnknownField {
                field: 1,
                value: UnknownValue::Varint(5)
            }]
        );
    }

    #[test]
    fn push_builds_records() {
        let mut u = UnknownFields::new();
        u.push_varint(1, 3);
        u.push_i32(2, 4);
        u.push_i64(3, 5);
        u.push_len(4, b"x");
        let again = UnknownFields::decode(u.as_bytes()).unwrap();
        assert_eq!(again, u);
        assert_eq!(u.iter().count(), 4);
    }

    /// Valid encoded records of every wire type, groups nested up to 3 deep.
    #[derive(Debug, Clone)]
    struct Records(Vec<u8>, usize);

    fn records(g: &mut Gen, depth: u32, buf: &mut Vec<u8>) -> usize {
        let count = usize::arbitrary(g) % 6;
        for _ in 0..count {
            let field = 1 + u32::arbitrary(g) % crate::wire::MAX_FIELD_NUMBER;
            match u8::arbitrary(g) % 5 {
                0 => {
                    encode_tag(field, WireType::Varint, buf);
                    varint::encode(u64::arbitrary(g), buf);
                }
                1 => {
                    encode_tag(field, WireType::I32, buf);
                    buf.extend(u32::arbitrary(g).to_le_bytes());
                }
                2 => {
                    encode_tag(field, WireType::I64, buf);
                    buf.extend(u64::arbitrary(g).to_le_bytes());
                }
                3 => {
                    let payload = Vec::<u8>::arbitrary(g);
                    encode_tag(field, WireType::Len, buf);
                    varint::encode(payload.len() as u64, buf);
                    buf.extend(payload);
                }
                _ if depth > 0 => {
                    encode_tag(field, WireType::StartGroup, buf);
                    records(g, depth - 1, buf);
                    encode_tag(field, WireType::EndGroup, buf);
                }
                _ => {
                    encode_tag(field, WireType::Varint, buf);
                    buf.push(0);
                }
            }
        }
        count
    }

    impl quickcheck::Arbitrary for Records {
        fn arbitrary(g: &mut Gen) -> Self {
            let mut buf = Vec::new();
            let count = records(g, 3, &mut buf);
            Records(buf, count)
        }
    }

    quickcheck! {
        fn valid_records_round_trip(input: Records) -> bool {
            let Records(bytes, count) = input;
            let Ok(u) = UnknownFields::decode(&bytes) else { return false };
            let mut field_by_field = UnknownFields::new();
            let mut r = Reader::new(&bytes);
            while let Ok((field, wire_type)) = r.read_tag() {
                if field_by_field.merge_field(field, wire_type, &mut r).is_err() {
                    return false;
                }
            }
            u.encode_to_vec() == bytes
                && u.iter().count() == count
                && field_by_field == u
                && r.is_empty()
        }

        fn whatever_decodes_encodes_back_to_the_input(input: Vec<u8>) -> bool {
            match UnknownFields::decode(&input) {
                Ok(u) => u.encode_to_vec() == input && u.encoded_len() == input.len(),
                Err(_) => true,
            }
        }
    }
}
