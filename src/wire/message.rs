//! The `Message` trait: what hand-written, generated and dynamic messages implement.

use super::error::{DecodeError, DecodeErrorKind};
use super::reader::Reader;
use super::varint;
use super::wire_type::WireType;

/// A protobuf message: encodes its fields and merges fields from the wire.
///
/// An implementation supplies four methods; the rest are provided.
///
/// - [`Message::encode_raw`] writes the fields in field-number order, then
///   the unknown fields, as protoc does, so output equals protoc's byte for
///   byte. The per-type functions in [`crate::wire::field`] write each field.
/// - [`Message::encoded_len`] returns exactly how many bytes `encode_raw`
///   writes. It is recomputed on every call, so encoding a message nested
///   `d` deep computes the innermost sizes `d` times; the depth limit on the
///   decode side and the shallow shape of real messages keep that small, and
///   it avoids a size cache that would make messages harder to share.
/// - [`Message::merge_field`] merges one field whose tag was just read:
///   scalars replace (last one wins), repeated fields append, embedded
///   messages merge, a oneof takes its last member, a map entry replaces the
///   entry with the same key (encoding.md "Last One Wins"). Field numbers
///   it does not know go to the message's [`crate::wire::UnknownFields`].
/// - [`Message::clear`] resets every field to its default.
pub trait Message {
    /// Appends the encoded fields, without a length prefix.
    fn encode_raw(&self, buf: &mut Vec<u8>);

    /// How many bytes [`Message::encode_raw`] appends.
    fn encoded_len(&self) -> usize;

    /// Merges the value of `field`, whose tag (with `wire_type`) was just read from `r`.
    fn merge_field(
        &mut self,
        field: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError>;

    /// Resets every field, including unknown fields, to its default.
    fn clear(&mut self);

    /// Appends the encoded message, reserving its size first.
    fn encode(&self, buf: &mut Vec<u8>) {
        buf.reserve(self.encoded_len());
        self.encode_raw(buf);
    }

    /// The encoded message in a new, exactly sized vector.
    fn encode_to_vec(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(self.encoded_len());
        self.encode_raw(&mut buf);
        buf
    }

    /// Appends the message preceded by its length as a varint.
    fn encode_length_delimited(&self, buf: &mut Vec<u8>) {
        let len = self.encoded_len();
        buf.reserve(len + varint::encoded_len(len as u64));
        varint::encode(len as u64, buf);
        self.encode_raw(buf);
    }

    /// Merges every field of `r` into this message (until `r` is empty).
    fn merge_from(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        merge_fields(self, r, None)
    }

    /// Merges the encoded message `bytes` into this one, with the default depth limit.
    ///
    /// Merging `a` then `b` gives the same message as decoding `a ++ b`.
    fn merge(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        self.merge_from(&mut Reader::new(bytes))
    }

    /// Reads one length-prefixed message from `r` and merges it into this one.
    fn merge_length_delimited(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        let mut inner = r.read_nested()?;
        self.merge_from(&mut inner)
    }

    /// Decodes a message from `bytes`, with the default depth limit.
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError>
    where
        Self: Default + Sized,
    {
        let mut message = Self::default();
        message.merge(bytes)?;
        Ok(message)
    }

    /// Decodes one message preceded by its varint length; bytes after it are left alone.
    fn decode_length_delimited(bytes: &[u8]) -> Result<Self, DecodeError>
    where
        Self: Default + Sized,
    {
        let mut message = Self::default();
        message.merge_length_delimited(&mut Reader::new(bytes))?;
        Ok(message)
    }
}

/// Merges fields from `r` into `message` until the input ends or, when
/// `group` is `Some(n)`, until the end-group tag of field `n`.
///
/// This is the loop every message decode runs; embedded messages run it on a
/// sub-reader, groups run it in place.
pub fn merge_fields<M: Message + ?Sized>(
    message: &mut M,
    r: &mut Reader<'_>,
    group: Option<u32>,
) -> Result<(), DecodeError> {
    loop {
        if r.is_empty() {
            return match group {
                None => Ok(()),
                Some(field) => {
                    Err(DecodeError::new(DecodeErrorKind::UnterminatedGroup).in_field(field))
                }
            };
        }
        let (field, wire_type) = r.read_tag()?;
        if wire_type == WireType::EndGroup {
            // encoding.md "Groups": an end tag must close the group that is open.
            return match group {
                Some(open) if open == field => Ok(()),
                Some(open) => {
                    Err(DecodeError::new(DecodeErrorKind::GroupMismatch(field)).in_field(open))
                }
                None => Err(DecodeError::new(DecodeErrorKind::UnexpectedEndGroup).in_field(field)),
            };
        }
        message
            .merge_field(field, wire_type, r)
            .map_err(|e| e.in_field(field))?;
    }
}

impl<M: Message + ?Sized> Message for Box<M> {
    fn encode_raw(&self, buf: &mut Vec<u8>) {
        (**self).encode_raw(buf);
    }

    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }

    fn merge_field(
        &mut self,
        field: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        (**self).merge_field(field, wire_type, r)
    }

    fn clear(&mut self) {
        (**self).clear();
    }
}
