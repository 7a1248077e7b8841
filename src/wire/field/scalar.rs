//! The numeric scalar types: varint, ZigZag, fixed-width and floating point.
//!
//! Rules from encoding.md "More Integer Types" and proto3.md "Scalar Value
//! Types": int32/int64/enum are two's complement, so a negative value takes
//! ten bytes; sint32/sint64 are ZigZag; a 32-bit varint type keeps the low 32
//! bits of the 64-bit varint it reads; bool is any non-zero varint.

use super::{ScalarCodec, ValueCodec};
use crate::wire::error::DecodeError;
use crate::wire::reader::Reader;
use crate::wire::varint;
use crate::wire::wire_type::WireType;

/// Defines a marker type, its codec impls and the typed per-field module.
macro_rules! scalar {
    (
        $(#[$doc:meta])*
        $marker:ident, $module:ident, $proto:literal, $rust:ty, $wire:ident, $fixed:expr,
        encode: |$ev:ident| $encode:expr,
        len: |$lv:ident| $len:expr,
        read: |$r:ident| $read:expr,
        is_default: |$dv:ident| $is_default:expr $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $marker;

        impl ValueCodec for $marker {
            type Value = $rust;
            const WIRE_TYPE: WireType = WireType::$wire;

            #[inline]
            fn encode_value(value: &$rust, buf: &mut Vec<u8>) {
                let $ev = *value;
                let bytes = $encode;
                bytes.write_to(buf);
            }

            #[inline]
            fn value_len(value: &$rust) -> usize {
                let $lv = *value;
                $len
            }

            #[inline]
            fn is_default(value: &$rust) -> ::core::primitive::bool {
                let $dv = *value;
                $is_default
            }

            #[inline]
            fn merge_value(value: &mut $rust, r: &mut Reader<'_>) -> Result<(), DecodeError> {
                *value = <Self as ScalarCodec>::read_value(r)?;
                Ok(())
            }
        }

        impl ScalarCodec for $marker {
            const FIXED_LEN: Option<usize> = $fixed;

            #[inline]
            fn read_value(r: &mut Reader<'_>) -> Result<$rust, DecodeError> {
                let $r = r;
                $read
            }
        }

        #[doc = concat!("Per-field functions for protobuf `", $proto, "` (Rust `", stringify!($rust), "`).")]
        pub mod $module {
            use super::$marker;
            use crate::wire::error::DecodeError;
            use crate::wire::field;
            use crate::wire::reader::Reader;
            use crate::wire::wire_type::WireType;

            /// The wire type of one unpacked value.
            pub const WIRE_TYPE: WireType = WireType::$wire;

            /// Whether `value` is the type's default, which proto3 implicit-presence fields do not write.
            #[inline]
            pub fn is_default(value: &$rust) -> ::core::primitive::bool {
                <$marker as crate::wire::field::ValueCodec>::is_default(value)
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

            /// Appends one record per element (`[packed = false]`, proto2 default).
            #[inline]
            pub fn encode_repeated(field: u32, values: &[$rust], buf: &mut Vec<u8>) {
                field::encode_repeated::<$marker>(field, values, buf);
            }

            /// The size of the records [`encode_repeated`] appends.
            #[inline]
            pub fn encoded_len_repeated(field: u32, values: &[$rust]) -> usize {
                field::encoded_len_repeated::<$marker>(field, values)
            }

            /// Appends the elements as one packed record (proto3 default); nothing when empty.
            #[inline]
            pub fn encode_packed(field: u32, values: &[$rust], buf: &mut Vec<u8>) {
                field::encode_packed::<$marker>(field, values, buf);
            }

            /// The size of the record [`encode_packed`] appends.
            #[inline]
            pub fn encoded_len_packed(field: u32, values: &[$rust]) -> usize {
                field::encoded_len_packed::<$marker>(field, values)
            }

            /// Appends the elements of one record, packed or not.
            #[inline]
            pub fn merge_repeated(
                wire_type: WireType,
                values: &mut Vec<$rust>,
                r: &mut Reader<'_>,
            ) -> Result<(), DecodeError> {
                field::merge_packable::<$marker>(wire_type, values, r)
            }
        }
    };
}

/// Bytes ready to append: a varint, or a fixed-width little-endian array.
trait WriteTo {
    fn write_to(self, buf: &mut Vec<u8>);
}

/// A value written as a varint.
struct Varint(u64);

impl WriteTo for Varint {
    #[inline]
    fn write_to(self, buf: &mut Vec<u8>) {
        varint::encode(self.0, buf);
    }
}

impl<const N: usize> WriteTo for [u8; N] {
    #[inline]
    fn write_to(self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self);
    }
}

scalar! {
    /// Protobuf `int32`: a varint; negative values are sign-extended to ten bytes.
    Int32, int32, "int32", i32, Varint, None,
    encode: |v| Varint(i64::from(v) as u64),
    len: |v| varint::encoded_len(i64::from(v) as u64),
    read: |r| Ok(r.read_varint()? as i32),
    is_default: |v| v == 0,
}

scalar! {
    /// Protobuf `int64`: a varint of the two's complement value.
    Int64, int64, "int64", i64, Varint, None,
    encode: |v| Varint(v as u64),
    len: |v| varint::encoded_len(v as u64),
    read: |r| Ok(r.read_varint()? as i64),
    is_default: |v| v == 0,
}

scalar! {
    /// Protobuf `uint32`: a varint.
    UInt32, uint32, "uint32", u32, Varint, None,
    encode: |v| Varint(u64::from(v)),
    len: |v| varint::encoded_len(u64::from(v)),
    read: |r| Ok(r.read_varint()? as u32),
    is_default: |v| v == 0,
}

scalar! {
    /// Protobuf `uint64`: a varint.
    UInt64, uint64, "uint64", u64, Varint, None,
    encode: |v| Varint(v),
    len: |v| varint::encoded_len(v),
    read: |r| r.read_varint(),
    is_default: |v| v == 0,
}

scalar! {
    /// Protobuf `sint32`: a ZigZag varint.
    SInt32, sint32, "sint32", i32, Varint, None,
    encode: |v| Varint(u64::from(varint::zigzag_encode32(v))),
    len: |v| varint::encoded_len(u64::from(varint::zigzag_encode32(v))),
    read: |r| Ok(varint::zigzag_decode32(r.read_varint()? as u32)),
    is_default: |v| v == 0,
}

scalar! {
    /// Protobuf `sint64`: a ZigZag varint.
    SInt64, sint64, "sint64", i64, Varint, None,
    encode: |v| Varint(varint::zigzag_encode64(v)),
    len: |v| varint::encoded_len(varint::zigzag_encode64(v)),
    read: |r| Ok(varint::zigzag_decode64(r.read_varint()?)),
    is_default: |v| v == 0,
}

scalar! {
    /// Protobuf `fixed32`: four little-endian bytes.
    Fixed32, fixed32, "fixed32", u32, I32, Some(4),
    encode: |v| v.to_le_bytes(),
    len: |_v| 4,
    read: |r| r.read_fixed32(),
    is_default: |v| v == 0,
}

scalar! {
    /// Protobuf `fixed64`: eight little-endian bytes.
    Fixed64, fixed64, "fixed64", u64, I64, Some(8),
    encode: |v| v.to_le_bytes(),
    len: |_v| 8,
    read: |r| r.read_fixed64(),
    is_default: |v| v == 0,
}

scalar! {
    /// Protobuf `sfixed32`: four little-endian bytes, two's complement.
    SFixed32, sfixed32, "sfixed32", i32, I32, Some(4),
    encode: |v| v.to_le_bytes(),
    len: |_v| 4,
    read: |r| Ok(r.read_fixed32()? as i32),
    is_default: |v| v == 0,
}

scalar! {
    /// Protobuf `sfixed64`: eight little-endian bytes, two's complement.
    SFixed64, sfixed64, "sfixed64", i64, I64, Some(8),
    encode: |v| v.to_le_bytes(),
    len: |_v| 8,
    read: |r| Ok(r.read_fixed64()? as i64),
    is_default: |v| v == 0,
}

scalar! {
    /// Protobuf `float`: IEEE 754 single precision, four little-endian bytes.
    ///
    /// NaN payloads travel bit for bit.
    Float, float, "float", f32, I32, Some(4),
    encode: |v| v.to_bits().to_le_bytes(),
    len: |_v| 4,
    read: |r| Ok(f32::from_bits(r.read_fixed32()?)),
    // Only +0.0 is the default: protoc writes -0.0 in an implicit-presence field.
    is_default: |v| v.to_bits() == 0,
}

scalar! {
    /// Protobuf `double`: IEEE 754 double precision, eight little-endian bytes.
    ///
    /// NaN payloads travel bit for bit.
    Double, double, "double", f64, I64, Some(8),
    encode: |v| v.to_bits().to_le_bytes(),
    len: |_v| 8,
    read: |r| Ok(f64::from_bits(r.read_fixed64()?)),
    // Only +0.0 is the default: protoc writes -0.0 in an implicit-presence field.
    is_default: |v| v.to_bits() == 0,
}

scalar! {
    /// Protobuf `bool`: written as 0 or 1; any non-zero varint reads as true.
    Bool, bool, "bool", ::core::primitive::bool, Varint, None,
    encode: |v| Varint(u64::from(v)),
    len: |_v| 1,
    read: |r| Ok(r.read_varint()? != 0),
    is_default: |v| !v,
}

scalar! {
    /// Protobuf enums: an `int32` varint holding the value's number.
    ///
    /// Decoding keeps any number (proto3 enums are open); code for a proto2
    /// (closed) enum moves numbers it does not list to the unknown fields.
    Enum, enumeration, "enum", i32, Varint, None,
    encode: |v| Varint(i64::from(v) as u64),
    len: |v| varint::encoded_len(i64::from(v) as u64),
    read: |r| Ok(r.read_varint()? as i32),
    is_default: |v| v == 0,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::error::DecodeErrorKind;
    use quickcheck::quickcheck;

    fn value_bytes<C: ScalarCodec>(v: C::Value) -> Vec<u8> {
        let mut buf = Vec::new();
        C::encode_value(&v, &mut buf);
        assert_eq!(buf.len(), C::value_len(&v));
        buf
    }

    fn read<C: ScalarCodec>(bytes: &[u8]) -> Result<C::Value, DecodeErrorKind> {
        let mut r = Reader::new(bytes);
        let v = C::read_value(&mut r).map_err(|e| e.kind)?;
        assert!(r.is_empty(), "value did not consume its bytes");
        Ok(v)
    }

    #[test]
    fn known_values() {
        let ten_ff = |last: u8| {
            let mut v = vec![0xff; 9];
            v.push(last);
            v
        };
        assert_eq!(value_bytes::<Int32>(-1), ten_ff(0x01));
        assert_eq!(
            value_bytes::<Int32>(i32::MIN),
            [0x80, 0x80, 0x80, 0x80, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
        assert_eq!(value_bytes::<Enum>(-1), ten_ff(0x01));
        assert_eq!(value_bytes::<Int64>(i64::MIN), {
            let mut v = vec![0x80; 9];
            v.push(0x01);
            v
        });
        assert_eq!(
            value_bytes::<UInt32>(u32::MAX),
            [0xff, 0xff, 0xff, 0xff, 0x0f]
        );
        assert_eq!(value_bytes::<SInt32>(-1), [0x01]);
        assert_eq!(
            value_bytes::<SInt32>(i32::MIN),
            [0xff, 0xff, 0xff, 0xff, 0x0f]
        );
        assert_eq!(value_bytes::<SInt64>(i64::MIN), ten_ff(0x01));
        assert_eq!(value_bytes::<Fixed32>(1), [1, 0, 0, 0]);
        assert_eq!(
            value_bytes::<SFixed64>(-2),
            [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(value_bytes::<Float>(1.0), [0x00, 0x00, 0x80, 0x3f]);
        assert_eq!(value_bytes::<Double>(-0.0), [0, 0, 0, 0, 0, 0, 0, 0x80]);
        assert_eq!(value_bytes::<Bool>(true), [0x01]);
    }

    #[test]
    fn decoding_rules() {
        // A 32-bit varint type keeps the low 32 bits.
        assert_eq!(
            read::<Int32>(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            Ok(-1)
        );
        assert_eq!(read::<UInt32>(&[0x80, 0x80, 0x80, 0x80, 0x10]), Ok(0));
        // Any non-zero varint is true.
        assert_eq!(read::<Bool>(&[0x02]), Ok(true));
        assert_eq!(read::<Bool>(&[0x80, 0x01]), Ok(true));
        assert_eq!(read::<Bool>(&[0x00]), Ok(false));
        assert_eq!(read::<Fixed64>(&[1, 2, 3]), Err(DecodeErrorKind::Truncated));
        let nan = f64::from_bits(0x7ff8_0000_0000_0001);
        assert_eq!(
            read::<Double>(&value_bytes::<Double>(nan)).map(f64::to_bits),
            Ok(nan.to_bits())
        );
    }

    #[test]
    fn defaults() {
        assert!(int32::is_default(&0));
        assert!(!int32::is_default(&-1));
        assert!(double::is_default(&0.0));
        assert!(!double::is_default(&-0.0));
        assert!(!float::is_default(&f32::NAN));
        assert!(bool::is_default(&false));
    }

    fn round_trip<C: ScalarCodec>(v: C::Value) -> bool
    where
        C::Value: PartialEq,
    {
        read::<C>(&value_bytes::<C>(v)) == Ok(v)
    }

    /// Encodes `v` as field `field` (mapped into the legal range), reads the
    /// tag and merges the value back; `None` if anything did not line up.
    fn field_round_trip<C: ScalarCodec>(field: u32, v: C::Value) -> Option<C::Value>
    where
        C::Value: Default,
    {
        use crate::wire::MAX_FIELD_NUMBER;
        let field = 1 + field % MAX_FIELD_NUMBER;
        let mut buf = Vec::new();
        crate::wire::field::encode::<C>(field, &v, &mut buf);
        if buf.len() != crate::wire::field::encoded_len::<C>(field, &v) {
            return None;
        }
        let mut r = Reader::new(&buf);
        let (read_field, wire_type) = r.read_tag().ok()?;
        if read_field != field || wire_type != C::WIRE_TYPE {
            return None;
        }
        let mut out = C::Value::default();
        crate::wire::field::merge::<C>(wire_type, &mut out, &mut r).ok()?;
        r.is_empty().then_some(out)
    }

    quickcheck! {
        fn int32_field(f: u32, v: i32) -> bool { field_round_trip::<Int32>(f, v) == Some(v) }
        fn int64_field(f: u32, v: i64) -> bool { field_round_trip::<Int64>(f, v) == Some(v) }
        fn uint32_field(f: u32, v: u32) -> bool { field_round_trip::<UInt32>(f, v) == Some(v) }
        fn uint64_field(f: u32, v: u64) -> bool { field_round_trip::<UInt64>(f, v) == Some(v) }
        fn sint32_field(f: u32, v: i32) -> bool { field_round_trip::<SInt32>(f, v) == Some(v) }
        fn sint64_field(f: u32, v: i64) -> bool { field_round_trip::<SInt64>(f, v) == Some(v) }
        fn fixed32_field(f: u32, v: u32) -> bool { field_round_trip::<Fixed32>(f, v) == Some(v) }
        fn fixed64_field(f: u32, v: u64) -> bool { field_round_trip::<Fixed64>(f, v) == Some(v) }
        fn sfixed32_field(f: u32, v: i32) -> bool { field_round_trip::<SFixed32>(f, v) == Some(v) }
        fn sfixed64_field(f: u32, v: i64) -> bool { field_round_trip::<SFixed64>(f, v) == Some(v) }
        fn bool_field(f: u32, v: bool) -> bool { field_round_trip::<Bool>(f, v) == Some(v) }
        fn enum_field(f: u32, v: i32) -> bool { field_round_trip::<Enum>(f, v) == Some(v) }
        fn float_field(f: u32, bits: u32) -> bool {
            field_round_trip::<Float>(f, f32::from_bits(bits)).map(f32::to_bits) == Some(bits)
        }
        fn double_field(f: u32, bits: u64) -> bool {
            field_round_trip::<Double>(f, f64::from_bits(bits)).map(f64::to_bits) == Some(bits)
        }
    }

    quickcheck! {
        fn int32_round_trip(v: i32) -> bool { round_trip::<Int32>(v) }
        fn int64_round_trip(v: i64) -> bool { round_trip::<Int64>(v) }
        fn uint32_round_trip(v: u32) -> bool { round_trip::<UInt32>(v) }
        fn uint64_round_trip(v: u64) -> bool { round_trip::<UInt64>(v) }
        fn sint32_round_trip(v: i32) -> bool { round_trip::<SInt32>(v) }
        fn sint64_round_trip(v: i64) -> bool { round_trip::<SInt64>(v) }
        fn fixed32_round_trip(v: u32) -> bool { round_trip::<Fixed32>(v) }
        fn fixed64_round_trip(v: u64) -> bool { round_trip::<Fixed64>(v) }
        fn sfixed32_round_trip(v: i32) -> bool { round_trip::<SFixed32>(v) }
        fn sfixed64_round_trip(v: i64) -> bool { round_trip::<SFixed64>(v) }
        fn bool_round_trip(v: bool) -> bool { round_trip::<Bool>(v) }
        fn enum_round_trip(v: i32) -> bool { round_trip::<Enum>(v) }
        fn float_round_trip(bits: u32) -> bool {
            let v = f32::from_bits(bits);
            read::<Float>(&value_bytes::<Float>(v)).map(f32::to_bits) == Ok(bits)
        }
        fn double_round_trip(bits: u64) -> bool {
            let v = f64::from_bits(bits);
            read::<Double>(&value_bytes::<Double>(v)).map(f64::to_bits) == Ok(bits)
        }
        fn packed_and_unpacked_decode_alike(values: Vec<i64>) -> bool {
            let mut packed = Vec::new();
            sint64::encode_packed(3, &values, &mut packed);
            let mut unpacked = Vec::new();
            sint64::encode_repeated(3, &values, &mut unpacked);
            let decode = |bytes: &[u8]| {
                let mut r = Reader::new(bytes);
                let mut out = Vec::new();
                while !r.is_empty() {
                    let (field, wt) = r.read_tag().map_err(|e| e.kind)?;
                    assert_eq!(field, 3);
                    sint64::merge_repeated(wt, &mut out, &mut r).map_err(|e| e.kind)?;
                }
                Ok::<_, DecodeErrorKind>(out)
            };
            packed.len() == sint64::encoded_len_packed(3, &values)
                && unpacked.len() == sint64::encoded_len_repeated(3, &values)
                && decode(&packed).as_ref() == Ok(&values)
                && decode(&unpacked).as_ref() == Ok(&values)
        }
        fn packed_fixed_round_trip(values: Vec<u32>) -> bool {
            let mut buf = Vec::new();
            fixed32::encode_packed(1, &values, &mut buf);
            let mut r = Reader::new(&buf);
            let mut out = Vec::new();
            if !values.is_empty() {
                let (_, wt) = r.read_tag().unwrap();
                fixed32::merge_repeated(wt, &mut out, &mut r).unwrap();
            }
            out == values && r.is_empty() && buf.len() == fixed32::encoded_len_packed(1, &values)
        }
    }

    #[test]
    fn packed_records_concatenate_with_unpacked_ones() {
        // encoding.md: "5: {1 2}  4: {"hello"}  5: {3}" must parse; here with
        // an unpacked 5: 4 and an empty packed record mixed in.
        let input = [
            0x2a, 0x02, 0x01, 0x02, 0x22, 0x05, b'h', b'e', b'l', b'l', b'o', 0x2a, 0x01, 0x03,
            0x28, 0x04, 0x2a, 0x00,
        ];
        let mut r = Reader::new(&input);
        let mut e = Vec::new();
        while !r.is_empty() {
            let (field, wt) = r.read_tag().unwrap();
            if field == 5 {
                int32::merge_repeated(wt, &mut e, &mut r).unwrap();
            } else {
                r.skip_value(field, wt).unwrap();
            }
        }
        assert_eq!(e, [1, 2, 3, 4]);
    }

    #[test]
    fn packed_fixed_must_be_whole_elements() {
        let mut out = Vec::new();
        let mut r = Reader::new(&[0x05, 1, 0, 0, 0, 2]);
        assert_eq!(
            fixed32::merge_repeated(WireType::Len, &mut out, &mut r)
                .unwrap_err()
                .kind,
            DecodeErrorKind::PackedLengthMismatch
        );
        let mut r = Reader::new(&[0x02, 0x96, 0x01, 0x80]);
        let mut out = Vec::new();
        assert_eq!(
            int32::merge_repeated(WireType::Len, &mut out, &mut r),
            Ok(())
        );
        assert_eq!(out, [150]);
        assert_eq!(
            int32::merge_repeated(WireType::I32, &mut out, &mut Reader::new(&[0, 0, 0, 0]))
                .unwrap_err()
                .kind,
            DecodeErrorKind::UnexpectedWireType {
                expected: WireType::Varint,
                found: WireType::I32
            }
        );
    }
}
