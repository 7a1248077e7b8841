//! `string` and `bytes`: a varint length then the payload (encoding.md "Length-Delimited Records").
//!
//! `string` is always checked to be UTF-8 on decode, for proto2 as well as
//! proto3: the value lands in a Rust `String`, which must hold UTF-8, and
//! proto3.md says a string "must always contain UTF-8 encoded or 7-bit ASCII
//! text". A proto2 schema that carries arbitrary bytes in a `string` field
//! should be mapped to `bytes` by the code generator.

use super::ValueCodec;
use crate::wire::error::{DecodeError, DecodeErrorKind};
use crate::wire::reader::Reader;
use crate::wire::varint;
use crate::wire::wire_type::WireType;

/// Protobuf `string` (Rust `String`): length-prefixed UTF-8.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Str;

/// Protobuf `bytes` (Rust `Vec<u8>`): length-prefixed octets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bytes;

impl ValueCodec for Str {
    type Value = String;
    const WIRE_TYPE: WireType = WireType::Len;

    #[inline]
    fn encode_value(value: &String, buf: &mut Vec<u8>) {
        varint::encode(value.len() as u64, buf);
        buf.extend_from_slice(value.as_bytes());
    }

    #[inline]
    fn value_len(value: &String) -> usize {
        varint::encoded_len(value.len() as u64) + value.len()
    }

    #[inline]
    fn is_default(value: &String) -> bool {
        value.is_empty()
    }

    #[inline]
    fn merge_value(value: &mut String, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        let payload = r.read_len_delimited()?;
        let text = std::str::from_utf8(payload).map_err(|_| DecodeErrorKind::InvalidUtf8)?;
        // Reuse the existing allocation: last one wins.
        value.clear();
        value.push_str(text);
        Ok(())
    }
}

impl ValueCodec for Bytes {
    type Value = Vec<u8>;
    const WIRE_TYPE: WireType = WireType::Len;

    #[inline]
    fn encode_value(value: &Vec<u8>, buf: &mut Vec<u8>) {
        varint::encode(value.len() as u64, buf);
        buf.extend_from_slice(value);
    }

    #[inline]
    fn value_len(value: &Vec<u8>) -> usize {
        varint::encoded_len(value.len() as u64) + value.len()
    }

    #[inline]
    fn is_default(value: &Vec<u8>) -> bool {
        value.is_empty()
    }

    #[inline]
    fn merge_value(value: &mut Vec<u8>, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        let payload = r.read_len_delimited()?;
        value.clear();
        value.extend_from_slice(payload);
        Ok(())
    }
}

/// Defines the typed per-field module of a length-delimited, non-packable type.
macro_rules! length_delimited {
    ($marker:ident, $module:ident, $proto:literal, $rust:ty, $borrowed:ty) => {
        #[doc = concat!("Per-field functions for protobuf `", $proto, "` (Rust `", stringify!($rust), "`).")]
        pub mod $module {
            use super::$marker;
            use crate::wire::error::DecodeError;
            use crate::wire::field;
            use crate::wire::reader::Reader;
            use crate::wire::wire_type::WireType;

            /// The wire type of a value.
            pub const WIRE_TYPE: WireType = WireType::Len;

            /// Whether `value` is empty, the default proto3 implicit-presence fields do not write.
            #[inline]
            pub fn is_default(value: &$borrowed) -> bool {
                value.is_empty()
            }

            /// Appends the record for `field` holding `value`.
            #[inline]
            pub fn encode(field: u32, value: &$rust, buf: &mut Vec<u8>) {
                field::encode::<$marker>(field, value, buf);
            }

            /// The size of the record [`encode`] appends.
            #[inline]
            pub fn encoded_len(field: u32, value: &$rust) -> usize {
                field::encoded_len::<$marker>(field, value)
            }

            /// Reads a value into a singular field: the last one wins.
            #[inline]
            pub fn merge(
                wire_type: WireType,
                value: &mut $rust,
                r: &mut Reader<'_>,
            ) -> Result<(), DecodeError> {
                field::merge::<$marker>(wire_type, value, r)
            }

            /// Appends one record per element (repeated fields of this type are never packed).
            #[inline]
            pub fn encode_repeated(field: u32, values: &[$rust], buf: &mut Vec<u8>) {
                field::encode_repeated::<$marker>(field, values, buf);
            }

            /// The size of the records [`encode_repeated`] appends.
            #[inline]
            pub fn encoded_len_repeated(field: u32, values: &[$rust]) -> usize {
                field::encoded_len_repeated::<$marker>(field, values)
            }

            /// Appends the element of one record.
            #[inline]
            pub fn merge_repeated(
                wire_type: WireType,
                values: &mut Vec<$rust>,
                r: &mut Reader<'_>,
            ) -> Result<(), DecodeError> {
                field::merge_repeated::<$marker>(wire_type, values, r)
            }
        }
    };
}

length_delimited!(Str, string, "string", String, str);
length_delimited!(Bytes, bytes, "bytes", Vec<u8>, [u8]);

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    #[test]
    fn testing_example() {
        // encoding.md "Length-Delimited Records": 2: {"testing"}.
        let mut buf = Vec::new();
        string::encode(2, &"testing".to_string(), &mut buf);
        assert_eq!(buf, b"\x12\x07testing");
        assert_eq!(string::encoded_len(2, &"testing".to_string()), 9);
        let mut r = Reader::new(&buf);
        let (_, wt) = r.read_tag().unwrap();
        let mut s = "previous".to_string();
        string::merge(wt, &mut s, &mut r).unwrap();
        assert_eq!(s, "testing");
    }

    #[test]
    fn string_must_be_utf8_bytes_need_not() {
        let input = [0x02, 0xc3, 0x28];
        let mut s = String::new();
        let e = string::merge(WireType::Len, &mut s, &mut Reader::new(&input)).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::InvalidUtf8);
        let mut b = Vec::new();
        bytes::merge(WireType::Len, &mut b, &mut Reader::new(&input)).unwrap();
        assert_eq!(b, [0xc3, 0x28]);
        let e = bytes::merge(WireType::Varint, &mut b, &mut Reader::new(&input)).unwrap_err();
        assert_eq!(
            e.kind,
            DecodeErrorKind::UnexpectedWireType {
                expected: WireType::Len,
                found: WireType::Varint
            }
        );
    }

    quickcheck! {
        fn string_round_trip(values: Vec<String>) -> bool {
            let mut buf = Vec::new();
            string::encode_repeated(9, &values, &mut buf);
            let mut r = Reader::new(&buf);
            let mut out = Vec::new();
            while !r.is_empty() {
                let (_, wt) = r.read_tag().unwrap();
                string::merge_repeated(wt, &mut out, &mut r).unwrap();
            }
            out == values && buf.len() == string::encoded_len_repeated(9, &values)
        }
        fn bytes_round_trip(value: Vec<u8>) -> bool {
            let mut buf = Vec::new();
            bytes::encode(1, &value, &mut buf);
            let mut r = Reader::new(&buf);
            let (_, wt) = r.read_tag().unwrap();
            let mut out = vec![1, 2, 3];
            bytes::merge(wt, &mut out, &mut r).unwrap();
            out == value && r.is_empty()
        }
    }
}
