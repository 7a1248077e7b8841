//! Embedded messages: a `LEN` record holding an encoded message (encoding.md "Submessages").

use std::marker::PhantomData;

use super::ValueCodec;
use crate::wire::error::DecodeError;
use crate::wire::message::Message;
use crate::wire::reader::Reader;
use crate::wire::varint;
use crate::wire::wire_type::WireType;

/// Marker for an embedded message of type `M`, for generic code such as map values.
pub struct Embedded<M>(PhantomData<fn() -> M>);

impl<M: Message> ValueCodec for Embedded<M> {
    type Value = M;
    const WIRE_TYPE: WireType = WireType::Len;

    /// The length prefix is the size the parent's `encoded_len` just computed.
    #[inline]
    fn encode_value(value: &M, buf: &mut Vec<u8>) {
        varint::encode(value.cached_encoded_len() as u64, buf);
        value.encode_raw(buf);
    }

    #[inline]
    fn value_len(value: &M) -> usize {
        let len = value.encoded_len();
        varint::encoded_len(len as u64) + len
    }

    #[inline]
    fn is_default(_: &M) -> bool {
        false
    }

    /// Merges into the existing message: a repeated occurrence of a singular
    /// message field merges rather than replaces (encoding.md "Last One Wins").
    #[inline]
    fn merge_value(value: &mut M, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        let mut inner = r.read_nested()?;
        value.merge_from(&mut inner)
    }
}

/// Per-field functions for embedded message fields.
///
/// A singular field held as `Option<M>` or `Option<Box<M>>` merges with
/// `message::merge(wire_type, field.get_or_insert_with(Default::default), r)`.
pub mod message {
    use super::Embedded;
    use crate::wire::error::DecodeError;
    use crate::wire::field;
    use crate::wire::message::Message;
    use crate::wire::reader::Reader;
    use crate::wire::wire_type::WireType;

    /// The wire type of an embedded message.
    pub const WIRE_TYPE: WireType = WireType::Len;

    /// Appends the record for `field` holding `value`.
    #[inline]
    pub fn encode<M: Message>(field: u32, value: &M, buf: &mut Vec<u8>) {
        field::encode::<Embedded<M>>(field, value, buf);
    }

    /// The size of the record [`encode`] appends.
    #[inline]
    pub fn encoded_len<M: Message>(field: u32, value: &M) -> usize {
        field::encoded_len::<Embedded<M>>(field, value)
    }

    /// Merges an occurrence of the field into `value` (one nesting level deeper).
    #[inline]
    pub fn merge<M: Message>(
        wire_type: WireType,
        value: &mut M,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        field::merge::<Embedded<M>>(wire_type, value, r)
    }

    /// Appends one record per element.
    #[inline]
    pub fn encode_repeated<M: Message>(field: u32, values: &[M], buf: &mut Vec<u8>) {
        field::encode_repeated::<Embedded<M>>(field, values, buf);
    }

    /// The size of the records [`encode_repeated`] appends.
    #[inline]
    pub fn encoded_len_repeated<M: Message>(field: u32, values: &[M]) -> usize {
        field::encoded_len_repeated::<Embedded<M>>(field, values)
    }

    /// Decodes one record as a new element.
    #[inline]
    pub fn merge_repeated<M: Message + Default>(
        wire_type: WireType,
        values: &mut Vec<M>,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        field::merge_repeated::<Embedded<M>>(wire_type, values, r)
    }
}
