//! Groups (proto2): fields between a start-group and an end-group tag of the
//! same field number, with no length prefix (encoding.md "Groups").
//!
//! A group's fields are decoded in place by the group's [`Message`] type; the
//! nesting budget is spent as for an embedded message.

use crate::wire::error::DecodeError;
use crate::wire::field::check_wire_type;
use crate::wire::message::{merge_fields, Message};
use crate::wire::reader::Reader;
use crate::wire::wire_type::{encode_tag, tag_len, WireType};

/// The wire type that starts a group record.
pub const WIRE_TYPE: WireType = WireType::StartGroup;

/// Appends `8:SGROUP`, the group's fields, `8:EGROUP` (for field 8).
#[inline]
pub fn encode<M: Message>(field: u32, value: &M, buf: &mut Vec<u8>) {
    encode_tag(field, WireType::StartGroup, buf);
    value.encode_raw(buf);
    encode_tag(field, WireType::EndGroup, buf);
}

/// The size of the record [`encode`] appends.
#[inline]
pub fn encoded_len<M: Message>(field: u32, value: &M) -> usize {
    2 * tag_len(field) + value.encoded_len()
}

/// Merges the group `field`, whose start tag was just read, into `value`.
///
/// Reads through the matching end-group tag; an end tag of another field
/// number, or the end of input, is an error.
#[inline]
pub fn merge<M: Message + ?Sized>(
    field: u32,
    wire_type: WireType,
    value: &mut M,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    check_wire_type(WireType::StartGroup, wire_type)?;
    r.enter_group()?;
    merge_fields(value, r, Some(field))?;
    r.leave_group();
    Ok(())
}

/// Appends one group record per element (`repeated group`).
#[inline]
pub fn encode_repeated<M: Message>(field: u32, values: &[M], buf: &mut Vec<u8>) {
    for value in values {
        encode(field, value, buf);
    }
}

/// The size of the records [`encode_repeated`] appends.
#[inline]
pub fn encoded_len_repeated<M: Message>(field: u32, values: &[M]) -> usize {
    values.iter().map(|v| encoded_len(field, v)).sum()
}

/// Decodes one group record as a new element.
#[inline]
pub fn merge_repeated<M: Message + Default>(
    field: u32,
    wire_type: WireType,
    values: &mut Vec<M>,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    let mut value = M::default();
    merge(field, wire_type, &mut value, r)?;
    values.push(value);
    Ok(())
}
