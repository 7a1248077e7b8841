//! Per-field encode, decode and size functions, one module per protobuf type.
//!
//! These are what a message's [`Message`](super::Message) implementation,
//! hand-written or generated, calls for each of its fields:
//!
//! ```text
//! int32::encode(1, &self.a, buf)            // tag + value, unconditionally
//! int32::encoded_len(1, &self.a)            // its size
//! int32::merge(wire_type, &mut self.a, r)   // last one wins
//! int32::encode_packed(5, &self.e, buf)     // repeated, one LEN record
//! int32::encode_repeated(5, &self.e, buf)   // repeated, one record per element
//! int32::merge_repeated(wire_type, &mut self.e, r)  // accepts packed and unpacked
//! message::merge(wire_type, &mut self.c, r) // embedded messages merge
//! map::encode::<Str, Int32, _>(7, &self.g, buf)
//! ```
//!
//! `encode` writes the field whatever its value: the caller decides presence
//! (proto3 implicit fields skip values for which `is_default` holds; proto2
//! `optional` and oneof members are written whenever set). Each module is a
//! thin typed front for the generic functions here, which take a
//! [`ValueCodec`] marker type ([`Int32`], [`Str`], [`Embedded`], ...) and are
//! what map and dynamic-message code use.

mod embedded;
pub mod group;
mod length_delimited;
pub mod map;
mod scalar;

pub use embedded::{message, Embedded};
pub use length_delimited::{bytes, string, Bytes, Str};
pub use scalar::{
    bool, double, enumeration, fixed32, fixed64, float, int32, int64, sfixed32, sfixed64, sint32,
    sint64, uint32, uint64, Bool, Double, Enum, Fixed32, Fixed64, Float, Int32, Int64, SFixed32,
    SFixed64, SInt32, SInt64, UInt32, UInt64,
};

use super::error::{DecodeError, DecodeErrorKind};
use super::reader::Reader;
use super::varint;
use super::wire_type::{encode_tag, tag_len, WireType};

/// How values of one protobuf type are written and read, without their tag.
///
/// Implemented by zero-sized marker types, one per protobuf type, so generic
/// code (maps, packed fields, dynamic messages) can be written once.
pub trait ValueCodec {
    /// The Rust type that holds a value.
    type Value;
    /// The wire type of a single value of this type.
    const WIRE_TYPE: WireType;
    /// Appends the value (for `LEN` types, with its length prefix).
    fn encode_value(value: &Self::Value, buf: &mut Vec<u8>);
    /// How many bytes [`ValueCodec::encode_value`] appends.
    fn value_len(value: &Self::Value) -> usize;
    /// Whether `value` is the type's default, which a proto3 implicit-presence
    /// field does not write. Always false for messages, whose presence is explicit.
    fn is_default(value: &Self::Value) -> bool;
    /// Reads one value from `r` into `value`: replaces a scalar or string, merges a message.
    fn merge_value(value: &mut Self::Value, r: &mut Reader<'_>) -> Result<(), DecodeError>;
}

/// A numeric scalar type: a varint, `I32` or `I64` value that may be packed.
pub trait ScalarCodec: ValueCodec<Value: Copy> {
    /// The size of every value for `I32`/`I64` types; `None` for varints.
    const FIXED_LEN: Option<usize>;
    /// Reads one value.
    fn read_value(r: &mut Reader<'_>) -> Result<Self::Value, DecodeError>;
}

/// Checks that a field arrived with the wire type its declared type uses.
///
/// A known field number with another wire type is an error rather than an
/// unknown field: it means the peer's schema disagrees with ours about the
/// field, and keeping it aside would hide that.
#[inline]
pub fn check_wire_type(expected: WireType, found: WireType) -> Result<(), DecodeError> {
    if expected == found {
        Ok(())
    } else {
        Err(DecodeErrorKind::UnexpectedWireType { expected, found }.into())
    }
}

/// Appends one record: the tag of `field` then the value.
#[inline]
pub fn encode<C: ValueCodec>(field: u32, value: &C::Value, buf: &mut Vec<u8>) {
    encode_tag(field, C::WIRE_TYPE, buf);
    C::encode_value(value, buf);
}

/// The size of the record [`encode`] appends.
#[inline]
pub fn encoded_len<C: ValueCodec>(field: u32, value: &C::Value) -> usize {
    tag_len(field) + C::value_len(value)
}

/// Merges one value of a singular field into `value`.
#[inline]
pub fn merge<C: ValueCodec>(
    wire_type: WireType,
    value: &mut C::Value,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    check_wire_type(C::WIRE_TYPE, wire_type)?;
    C::merge_value(value, r)
}

/// Appends one record per element (unpacked repeated, or a non-packable type).
#[inline]
pub fn encode_repeated<C: ValueCodec>(field: u32, values: &[C::Value], buf: &mut Vec<u8>) {
    for value in values {
        encode::<C>(field, value, buf);
    }
}

/// The size of the records [`encode_repeated`] appends.
#[inline]
pub fn encoded_len_repeated<C: ValueCodec>(field: u32, values: &[C::Value]) -> usize {
    tag_len(field) * values.len() + values.iter().map(C::value_len).sum::<usize>()
}

/// Appends one element of a repeated field that cannot be packed (string, bytes, message).
#[inline]
pub fn merge_repeated<C: ValueCodec>(
    wire_type: WireType,
    values: &mut Vec<C::Value>,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError>
where
    C::Value: Default,
{
    check_wire_type(C::WIRE_TYPE, wire_type)?;
    let mut value = C::Value::default();
    C::merge_value(&mut value, r)?;
    values.push(value);
    Ok(())
}

/// The payload size of a packed record holding `values`.
#[inline]
fn packed_payload_len<C: ScalarCodec>(values: &[C::Value]) -> usize {
    match C::FIXED_LEN {
        Some(size) => size * values.len(),
        None => values.iter().map(C::value_len).sum(),
    }
}

/// Appends `values` as one packed `LEN` record; nothing when empty (encoding.md "Repeated Elements").
#[inline]
pub fn encode_packed<C: ScalarCodec>(field: u32, values: &[C::Value], buf: &mut Vec<u8>) {
    if values.is_empty() {
        return;
    }
    encode_tag(field, WireType::Len, buf);
    varint::encode(packed_payload_len::<C>(values) as u64, buf);
    for value in values {
        C::encode_value(value, buf);
    }
}

/// The size of the record [`encode_packed`] appends (0 when empty).
#[inline]
pub fn encoded_len_packed<C: ScalarCodec>(field: u32, values: &[C::Value]) -> usize {
    if values.is_empty() {
        return 0;
    }
    let payload = packed_payload_len::<C>(values);
    tag_len(field) + varint::encoded_len(payload as u64) + payload
}

/// Appends the elements of one record of a packable repeated field.
///
/// Accepts both forms whatever the field was declared as (encoding.md
/// "Repeated Elements": parsers must read packed fields as unpacked and vice
/// versa); several packed records concatenate.
#[inline]
pub fn merge_packable<C: ScalarCodec>(
    wire_type: WireType,
    values: &mut Vec<C::Value>,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    if wire_type == WireType::Len {
        let payload = r.read_len_delimited()?;
        if let Some(size) = C::FIXED_LEN {
            // "Each pair must contain a whole number of elements."
            if payload.len() % size != 0 {
                return Err(DecodeErrorKind::PackedLengthMismatch.into());
            }
            // Bounded by the bytes actually present.
            values.reserve(payload.len() / size);
        }
        let mut elements = Reader::new(payload);
        while !elements.is_empty() {
            values.push(C::read_value(&mut elements)?);
        }
        Ok(())
    } else {
        check_wire_type(C::WIRE_TYPE, wire_type)?;
        values.push(C::read_value(r)?);
        Ok(())
    }
}
