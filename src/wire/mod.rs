//! The Protobuf wire format: varints, tags, length-delimited fields and the `Message` trait.
//!
//! Sans-IO: decoding reads a `&[u8]` through a [`Reader`]; encoding appends to
//! a `&mut Vec<u8>` (the gRPC layer reserves its 5-byte prefix and encodes
//! into the same vector). Spec: `encoding.md` of the protobuf docs.
//!
//! - [`Message`]: what every message type implements; `decode`, `merge`,
//!   `encode_to_vec` and friends are provided on top of four methods.
//! - [`field`]: per-type functions (`field::int32::encode`, `merge`,
//!   `encoded_len`, packed and repeated forms, embedded messages, groups,
//!   maps) that message implementations call per field.
//! - [`UnknownFields`]: records a schema does not know, kept in order and
//!   re-emitted; it is itself a [`Message`] that knows no fields.
//! - [`DecodeError`]: what was wrong with the input, and in which field.
//! - [`CachedSize`]: lets a message remember its size between
//!   `encoded_len` and encoding, so deep nesting encodes in linear time.
//!
//! Fuzzing: [`UnknownFields`] decodes any well-formed input without a
//! schema, and `UnknownFields::decode(x)?.encode_to_vec() == x` for every `x`
//! it accepts; for a schema-bound message `M`, decoding the re-encoding of
//! `M::decode(x)?` gives an equal message.
//!
//! Limits: the nesting of embedded messages and groups is bounded by the
//! reader's depth budget ([`DEFAULT_MAX_DEPTH`]); lengths are checked against
//! the bytes present before anything is allocated. The size of a whole
//! message is bounded by the layer that hands the bytes in (gRPC's maximum
//! message size).

#![warn(missing_docs)]

mod error;
pub mod field;
mod message;
mod reader;
mod unknown;
pub mod varint;
mod wire_type;

pub use error::{DecodeError, DecodeErrorKind};
pub use message::{merge_fields, CachedSize, Message};
pub use reader::{Reader, DEFAULT_MAX_DEPTH};
pub use unknown::{UnknownField, UnknownFields, UnknownFieldsIter, UnknownValue};
pub use wire_type::{
    encode_tag, split_tag, tag, tag_len, WireType, MAX_FIELD_NUMBER, MIN_FIELD_NUMBER,
};
