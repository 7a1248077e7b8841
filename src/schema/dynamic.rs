//! Dynamic messages: a message of any type in a [`Pool`], known only at run time.
//!
//! A [`DynamicMessage`] holds its pool (`Arc<Pool>`, so it can live in a call
//! handle or cross threads) and its [`MessageId`], the fields that are set,
//! keyed by field number, and the records its schema does not know. It
//! implements [`Message`], so it encodes and decodes exactly as generated code
//! does (encoding.md):
//!
//! - known fields are written in field-number order, unknown records after
//!   them as they arrived;
//! - repeated numeric fields are packed per syntax and `[packed]`; both forms
//!   are accepted when decoding;
//! - proto3 implicit-presence fields are not written at their default and
//!   are not "set" (proto3.md "Default Values"); proto2 `optional`, proto3
//!   `optional`, oneof members and message fields have explicit presence;
//! - setting a oneof member clears the others;
//! - a closed (proto2) enum keeps numbers it does not list in the unknown
//!   fields (proto2 "Enumerations"); an open (proto3) enum keeps any number;
//! - groups, maps (entries in key order, key and value always written);
//! - nesting is bounded by the [`Reader`]'s depth budget.
//!
//! ```
//! use std::sync::Arc;
//! use grpclite::schema::dynamic::{DynamicMessage, Value};
//! use grpclite::schema::{MemorySourceTree, Pool};
//! use grpclite::wire::Message;
//!
//! let mut tree = MemorySourceTree::new();
//! tree.add("t.proto", "syntax = \"proto3\"; message Test4 { string d = 4; repeated int32 e = 5; }");
//! let mut pool = Pool::new();
//! pool.load(&tree, "t.proto").unwrap();
//! let mut m = DynamicMessage::by_name(Arc::new(pool), "Test4").unwrap();
//! m.set(4, Value::String("hello".into())).unwrap();
//! m.set(5, Value::List(vec![Value::I32(1), Value::I32(2), Value::I32(3)])).unwrap();
//! assert_eq!(m.encode_to_vec(), b"\x22\x05hello\x2a\x03\x01\x02\x03");
//! ```
//!
//! Fuzzing: `DynamicMessage::decode(pool, id, x)` then `encode_to_vec`, then
//! decoding again gives an equal message.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::ast::{Label, ScalarType, Syntax};
use super::pool::{DefaultValue, FieldDescriptor, FieldType, MessageDescriptor, MessageId, Pool};
use crate::wire::field::{self, check_wire_type, ValueCodec};
use crate::wire::{
    encode_tag, merge_fields, tag_len, varint, CachedSize, DecodeError, Message, Reader,
    UnknownFields, WireType,
};

/// One field value of a [`DynamicMessage`].
///
/// Scalars carry the Rust type of their protobuf type (sint32 and sfixed32
/// are `I32`, fixed64 is `U64`, ...); a repeated field is a `List`, a map
/// field a `Map`. Floats compare by their bits, so a NaN equals itself and
/// a message equals its own decoded encoding.
#[derive(Clone, Debug)]
pub enum Value {
    /// bool.
    Bool(bool),
    /// int32, sint32, sfixed32.
    I32(i32),
    /// int64, sint64, sfixed64.
    I64(i64),
    /// uint32, fixed32.
    U32(u32),
    /// uint64, fixed64.
    U64(u64),
    /// float.
    F32(f32),
    /// double.
    F64(f64),
    /// string (UTF-8).
    String(String),
    /// bytes.
    Bytes(Vec<u8>),
    /// An enum value, by number (listed in the enum or not).
    EnumNumber(i32),
    /// An embedded message or group.
    Message(Box<DynamicMessage>),
    /// The elements of a repeated field.
    List(Vec<Value>),
    /// The entries of a map field, in key order.
    Map(BTreeMap<MapKey, Value>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value as V;
        match (self, other) {
            (V::Bool(a), V::Bool(b)) => a == b,
            (V::I32(a), V::I32(b)) => a == b,
            (V::I64(a), V::I64(b)) => a == b,
            (V::U32(a), V::U32(b)) => a == b,
            (V::U64(a), V::U64(b)) => a == b,
            (V::F32(a), V::F32(b)) => a.to_bits() == b.to_bits(),
            (V::F64(a), V::F64(b)) => a.to_bits() == b.to_bits(),
            (V::String(a), V::String(b)) => a == b,
            (V::Bytes(a), V::Bytes(b)) => a == b,
            (V::EnumNumber(a), V::EnumNumber(b)) => a == b,
            (V::Message(a), V::Message(b)) => a == b,
            (V::List(a), V::List(b)) => a == b,
            (V::Map(a), V::Map(b)) => a == b,
            _ => false,
        }
    }
}

/// A map key: the integral and string types a map key may have (proto3.md "Maps").
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MapKey {
    /// bool keys.
    Bool(bool),
    /// int32, sint32, sfixed32 keys.
    I32(i32),
    /// int64, sint64, sfixed64 keys.
    I64(i64),
    /// uint32, fixed32 keys.
    U32(u32),
    /// uint64, fixed64 keys.
    U64(u64),
    /// string keys.
    String(String),
}

impl MapKey {
    /// The key as a field value.
    pub fn to_value(&self) -> Value {
        match self {
            MapKey::Bool(v) => Value::Bool(*v),
            MapKey::I32(v) => Value::I32(*v),
            MapKey::I64(v) => Value::I64(*v),
            MapKey::U32(v) => Value::U32(*v),
            MapKey::U64(v) => Value::U64(*v),
            MapKey::String(v) => Value::String(v.clone()),
        }
    }

    /// The key for a field value, if that value can be a key.
    pub fn from_value(value: Value) -> Option<MapKey> {
        Some(match value {
            Value::Bool(v) => MapKey::Bool(v),
            Value::I32(v) => MapKey::I32(v),
            Value::I64(v) => MapKey::I64(v),
            Value::U32(v) => MapKey::U32(v),
            Value::U64(v) => MapKey::U64(v),
            Value::String(v) => MapKey::String(v),
            _ => return None,
        })
    }
}

/// Why a dynamic message refused a field or a type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DynamicError {
    /// The message id is not in the message's pool.
    #[error("message type {0:?} is not in the pool")]
    UnknownMessage(MessageId),
    /// No message type has this name in the pool.
    #[error("no message type named {0:?} in the pool")]
    UnknownMessageName(String),
    /// The message type has no field with this number.
    #[error("{message} has no field number {number}")]
    UnknownField {
        /// The message's full name.
        message: String,
        /// The field number asked for.
        number: i32,
    },
    /// The bytes are not a valid encoding of the message.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The value does not have the field's type (or is a list for a
    /// singular field, a message of another type, ...).
    #[error("value does not fit field {field}")]
    TypeMismatch {
        /// The field's full name.
        field: String,
    },
}

/// A message of a type known at run time, bound to a message descriptor of a [`Pool`].
#[derive(Clone)]
pub struct DynamicMessage {
    pool: Arc<Pool>,
    message: MessageId,
    /// Set fields, by field number (so iteration is field-number order).
    fields: BTreeMap<i32, Value>,
    unknown: UnknownFields,
    cached_size: CachedSize,
}

impl PartialEq for DynamicMessage {
    /// Same type, same set fields and same unknown records (the pools are
    /// not compared: the ids are taken to refer to the same schema).
    fn eq(&self, other: &Self) -> bool {
        self.message == other.message
            && self.fields == other.fields
            && self.unknown == other.unknown
    }
}

impl fmt::Debug for DynamicMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.descriptor().map_or("?", |d| d.full_name.as_str());
        f.debug_struct("DynamicMessage")
            .field("type", &name)
            .field("fields", &self.fields)
            .field("unknown", &self.unknown)
            .finish()
    }
}

/// How a field is held and encoded, derived from its descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Scalar(ScalarType),
    /// An enum; `closed` for proto2 enums.
    Enum {
        closed: bool,
    },
    Message(MessageId),
    Group(MessageId),
    /// A map field and its entry type.
    Map(MessageId),
}

/// The field's kind in `pool`.
pub(crate) fn kind_of(pool: &Pool, fd: &FieldDescriptor) -> Kind {
    match fd.ty {
        FieldType::Scalar(s) => Kind::Scalar(s),
        FieldType::Enum(e) => Kind::Enum {
            closed: pool.enumeration(e).is_some_and(|e| e.closed),
        },
        FieldType::Group(m) => Kind::Group(m),
        FieldType::Message(m) => {
            if fd.is_repeated() && pool.message(m).is_some_and(|d| d.is_map_entry) {
                Kind::Map(m)
            } else {
                Kind::Message(m)
            }
        }
    }
}

/// The syntax of the file declaring `message`.
pub(crate) fn syntax_of(pool: &Pool, message: &MessageDescriptor) -> Syntax {
    pool.file(message.file).map_or(Syntax::Proto2, |f| f.syntax)
}

/// Whether a singular field tracks presence (proto3.md "Field Presence"):
/// everything in proto2, and in proto3 messages, oneof members and `optional`.
pub fn has_explicit_presence(
    pool: &Pool,
    message: &MessageDescriptor,
    fd: &FieldDescriptor,
) -> bool {
    if fd.is_repeated() {
        return false;
    }
    syntax_of(pool, message) == Syntax::Proto2
        || fd.oneof_index.is_some()
        || fd.proto3_optional
        || matches!(fd.ty, FieldType::Message(_) | FieldType::Group(_))
}

/// A scalar codec with the [`Value`] variant its values live in.
trait Codec: ValueCodec<Value: Default> {
    fn wrap(v: Self::Value) -> Value;
    fn unwrap(v: &Value) -> Option<&Self::Value>;
}

macro_rules! codec {
    ($($marker:ident => $variant:ident),* $(,)?) => {$(
        impl Codec for field::$marker {
            fn wrap(v: Self::Value) -> Value {
                Value::$variant(v)
            }
            fn unwrap(v: &Value) -> Option<&Self::Value> {
                match v {
                    Value::$variant(x) => Some(x),
                    _ => None,
                }
            }
        }
    )*};
}

codec! {
    Double => F64, Float => F32, Int32 => I32, Int64 => I64, UInt32 => U32, UInt64 => U64,
    SInt32 => I32, SInt64 => I64, Fixed32 => U32, Fixed64 => U64, SFixed32 => I32,
    SFixed64 => I64, Bool => Bool, Str => String, Bytes => Bytes, Enum => EnumNumber,
}

/// Calls the generic function `f::<Codec>` for the codec of a scalar type.
macro_rules! dispatch {
    ($st:expr, $f:ident ( $($arg:expr),* )) => {
        match $st {
            ScalarType::Double => $f::<field::Double>($($arg),*),
            ScalarType::Float => $f::<field::Float>($($arg),*),
            ScalarType::Int32 => $f::<field::Int32>($($arg),*),
            ScalarType::Int64 => $f::<field::Int64>($($arg),*),
            ScalarType::Uint32 => $f::<field::UInt32>($($arg),*),
            ScalarType::Uint64 => $f::<field::UInt64>($($arg),*),
            ScalarType::Sint32 => $f::<field::SInt32>($($arg),*),
            ScalarType::Sint64 => $f::<field::SInt64>($($arg),*),
            ScalarType::Fixed32 => $f::<field::Fixed32>($($arg),*),
            ScalarType::Fixed64 => $f::<field::Fixed64>($($arg),*),
            ScalarType::Sfixed32 => $f::<field::SFixed32>($($arg),*),
            ScalarType::Sfixed64 => $f::<field::SFixed64>($($arg),*),
            ScalarType::Bool => $f::<field::Bool>($($arg),*),
            ScalarType::String => $f::<field::Str>($($arg),*),
            ScalarType::Bytes => $f::<field::Bytes>($($arg),*),
        }
    };
}

fn read_one<C: Codec>(r: &mut Reader<'_>) -> Result<Value, DecodeError> {
    let mut v = C::Value::default();
    C::merge_value(&mut v, r)?;
    Ok(C::wrap(v))
}

fn one_len<C: Codec>(v: &Value) -> usize {
    C::unwrap(v).map_or(0, C::value_len)
}

fn encode_one<C: Codec>(v: &Value, buf: &mut Vec<u8>) {
    if let Some(x) = C::unwrap(v) {
        C::encode_value(x, buf);
    }
}

fn wire_type_of<C: Codec>() -> WireType {
    C::WIRE_TYPE
}

fn is_default_of<C: Codec>(v: &Value) -> bool {
    C::unwrap(v).is_some_and(C::is_default)
}

fn fits<C: Codec>(v: &Value) -> bool {
    C::unwrap(v).is_some()
}

/// The wire type of one value of a kind (a map entry or message is `LEN`).
fn element_wire_type(kind: Kind) -> WireType {
    match kind {
        Kind::Scalar(s) => dispatch!(s, wire_type_of()),
        Kind::Enum { .. } => WireType::Varint,
        Kind::Message(_) | Kind::Map(_) => WireType::Len,
        Kind::Group(_) => WireType::StartGroup,
    }
}

/// The size of one value without its tag; `cached` uses sizes of embedded
/// messages computed by the last `encoded_len` instead of recomputing them.
fn element_len(kind: Kind, v: &Value, cached: bool) -> usize {
    match (kind, v) {
        (Kind::Scalar(s), _) => dispatch!(s, one_len(v)),
        (Kind::Enum { .. }, _) => one_len::<field::Enum>(v),
        (Kind::Message(_), Value::Message(m)) => {
            let len = if cached {
                m.cached_encoded_len()
            } else {
                m.encoded_len()
            };
            varint::encoded_len(len as u64) + len
        }
        (Kind::Group(_), Value::Message(m)) => {
            if cached {
                m.cached_encoded_len()
            } else {
                m.encoded_len()
            }
        }
        _ => 0,
    }
}

/// Appends one value without its tag (a group's body without its tags).
fn encode_element(kind: Kind, v: &Value, buf: &mut Vec<u8>) {
    match (kind, v) {
        (Kind::Scalar(s), _) => dispatch!(s, encode_one(v, buf)),
        (Kind::Enum { .. }, _) => encode_one::<field::Enum>(v, buf),
        (Kind::Message(_), Value::Message(m)) => {
            varint::encode(m.cached_encoded_len() as u64, buf);
            m.encode_raw(buf);
        }
        (Kind::Group(_), Value::Message(m)) => m.encode_raw(buf),
        _ => {}
    }
}

/// The size of one record: tag, value and, for a group, its end tag.
fn record_len(number: u32, kind: Kind, v: &Value, cached: bool) -> usize {
    let tags = if matches!(kind, Kind::Group(_)) { 2 } else { 1 };
    tags * tag_len(number) + element_len(kind, v, cached)
}

fn encode_record(number: u32, kind: Kind, v: &Value, buf: &mut Vec<u8>) {
    encode_tag(number, element_wire_type(kind), buf);
    encode_element(kind, v, buf);
    if matches!(kind, Kind::Group(_)) {
        encode_tag(number, WireType::EndGroup, buf);
    }
}

/// The field with `number`: first where dense numbering (1, 2, 3, ...)
/// puts it, else by a scan, so the common schema costs one probe per record.
fn field_of(desc: &MessageDescriptor, number: i32) -> Option<&FieldDescriptor> {
    let guess = usize::try_from(number)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| desc.fields.get(i));
    match guess {
        Some(f) if f.number == number => Some(f),
        _ => desc.field_by_number(number),
    }
}

/// The key and value kinds of a map entry type.
fn map_kinds(pool: &Pool, entry: MessageId) -> Option<(Kind, Kind)> {
    let d = pool.message(entry)?;
    let key = d.field_by_number(1)?;
    let value = d.field_by_number(2)?;
    Some((kind_of(pool, key), kind_of(pool, value)))
}

/// The payload size of one map entry.
fn entry_len(kinds: (Kind, Kind), key: &Value, value: &Value, cached: bool) -> usize {
    record_len(1, kinds.0, key, cached) + record_len(2, kinds.1, value, cached)
}

/// The value a field has when it is not set: its `[default]`, else the
/// type's zero; an empty message of its type for message fields; an empty
/// list or map for repeated fields.
pub fn default_value(pool: &Arc<Pool>, fd: &FieldDescriptor) -> Value {
    let kind = kind_of(pool, fd);
    if matches!(kind, Kind::Map(_)) {
        return Value::Map(BTreeMap::new());
    }
    if fd.is_repeated() {
        return Value::List(Vec::new());
    }
    let given = fd.default_value.as_ref();
    match kind {
        Kind::Scalar(s) => scalar_default(s, given),
        Kind::Enum { .. } => Value::EnumNumber(match given {
            Some(DefaultValue::Enum { number, .. }) => *number,
            // proto2: the first listed value; proto3: the first, which is 0.
            _ => match fd.ty {
                FieldType::Enum(e) => pool
                    .enumeration(e)
                    .and_then(|e| e.values.first())
                    .map_or(0, |v| v.number),
                _ => 0,
            },
        }),
        Kind::Message(m) | Kind::Group(m) | Kind::Map(m) => Value::Message(Box::new(
            DynamicMessage::empty_unchecked(Arc::clone(pool), m),
        )),
    }
}

fn scalar_default(s: ScalarType, given: Option<&DefaultValue>) -> Value {
    use DefaultValue as D;
    use ScalarType as S;
    match (s, given) {
        (S::Bool, Some(D::Bool(b))) => Value::Bool(*b),
        (S::Bool, _) => Value::Bool(false),
        (S::Int32 | S::Sint32 | S::Sfixed32, Some(D::Signed(v))) => {
            Value::I32(i32::try_from(*v).unwrap_or(0))
        }
        (S::Int32 | S::Sint32 | S::Sfixed32, _) => Value::I32(0),
        (S::Int64 | S::Sint64 | S::Sfixed64, Some(D::Signed(v))) => Value::I64(*v),
        (S::Int64 | S::Sint64 | S::Sfixed64, _) => Value::I64(0),
        (S::Uint32 | S::Fixed32, Some(D::Unsigned(v))) => {
            Value::U32(u32::try_from(*v).unwrap_or(0))
        }
        (S::Uint32 | S::Fixed32, _) => Value::U32(0),
        (S::Uint64 | S::Fixed64, Some(D::Unsigned(v))) => Value::U64(*v),
        (S::Uint64 | S::Fixed64, _) => Value::U64(0),
        (S::Float, Some(D::Float(v))) => Value::F32(*v as f32),
        (S::Float, _) => Value::F32(0.0),
        (S::Double, Some(D::Float(v))) => Value::F64(*v),
        (S::Double, _) => Value::F64(0.0),
        (S::String, Some(D::String(v))) => Value::String(v.clone()),
        (S::String, _) => Value::String(String::new()),
        (S::Bytes, Some(D::Bytes(v))) => Value::Bytes(v.clone()),
        (S::Bytes, _) => Value::Bytes(Vec::new()),
    }
}

/// Whether `v` fits a single (not repeated) value of `kind`.
fn fits_element(kind: Kind, v: &Value) -> bool {
    match (kind, v) {
        (Kind::Scalar(s), _) => dispatch!(s, fits(v)),
        (Kind::Enum { .. }, Value::EnumNumber(_)) => true,
        (Kind::Message(id) | Kind::Group(id), Value::Message(m)) => m.message == id,
        _ => false,
    }
}

/// Whether `v` fits the field (lists for repeated fields, maps for map fields).
fn fits_field(pool: &Pool, fd: &FieldDescriptor, v: &Value) -> bool {
    let kind = kind_of(pool, fd);
    match (kind, v) {
        (Kind::Map(entry), Value::Map(entries)) => match map_kinds(pool, entry) {
            Some((k, vk)) => entries
                .iter()
                .all(|(key, value)| fits_element(k, &key.to_value()) && fits_element(vk, value)),
            None => false,
        },
        (Kind::Map(_), _) => false,
        (_, Value::List(items)) if fd.is_repeated() => {
            items.iter().all(|item| fits_element(kind, item))
        }
        _ if fd.is_repeated() => false,
        _ => fits_element(kind, v),
    }
}

/// Whether a value is its type's default, for implicit-presence fields.
fn is_zero(kind: Kind, v: &Value) -> bool {
    match kind {
        Kind::Scalar(s) => dispatch!(s, is_default_of(v)),
        Kind::Enum { .. } => is_default_of::<field::Enum>(v),
        _ => false,
    }
}

impl DynamicMessage {
    /// An empty message of type `message` of `pool`.
    pub fn new(pool: Arc<Pool>, message: MessageId) -> Result<Self, DynamicError> {
        if pool.message(message).is_none() {
            return Err(DynamicError::UnknownMessage(message));
        }
        Ok(Self::empty_unchecked(pool, message))
    }

    /// An empty message of the type named `full_name` (e.g. `pkg.Greeting`).
    pub fn by_name(pool: Arc<Pool>, full_name: &str) -> Result<Self, DynamicError> {
        let id = pool
            .message_by_name(full_name)
            .ok_or_else(|| DynamicError::UnknownMessageName(full_name.to_owned()))?;
        Ok(Self::empty_unchecked(pool, id))
    }

    /// For ids taken from the pool itself.
    pub(crate) fn empty_unchecked(pool: Arc<Pool>, message: MessageId) -> Self {
        Self {
            pool,
            message,
            fields: BTreeMap::new(),
            unknown: UnknownFields::new(),
            cached_size: CachedSize::new(),
        }
    }

    /// Decodes `bytes` as a message of type `message`, with the default depth limit.
    pub fn decode(pool: Arc<Pool>, message: MessageId, bytes: &[u8]) -> Result<Self, DynamicError> {
        let mut m = Self::new(pool, message)?;
        Message::merge(&mut m, bytes)?;
        Ok(m)
    }

    /// Decodes `bytes` allowing `max_depth` levels of nested messages and groups.
    pub fn decode_with_max_depth(
        pool: Arc<Pool>,
        message: MessageId,
        bytes: &[u8],
        max_depth: u32,
    ) -> Result<Self, DynamicError> {
        let mut m = Self::new(pool, message)?;
        m.merge_from(&mut Reader::with_max_depth(bytes, max_depth))?;
        Ok(m)
    }

    /// The pool the message type lives in.
    pub fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    /// The message type's id.
    pub fn message_id(&self) -> MessageId {
        self.message
    }

    /// The message type's descriptor.
    pub fn descriptor(&self) -> Option<&MessageDescriptor> {
        self.pool.message(self.message)
    }

    /// The set fields, in field-number order.
    pub fn fields(&self) -> impl Iterator<Item = (i32, &Value)> {
        self.fields.iter().map(|(n, v)| (*n, v))
    }

    /// The value of field `number` if it is set (a repeated field is set
    /// when it has elements).
    pub fn get(&self, number: i32) -> Option<&Value> {
        self.fields.get(&number)
    }

    /// The value of the field named `name` if it is set.
    pub fn get_by_name(&self, name: &str) -> Option<&Value> {
        let number = self.descriptor()?.field_by_name(name)?.number;
        self.get(number)
    }

    /// The value of field `number`, or its default when not set.
    pub fn get_or_default(&self, number: i32) -> Option<Value> {
        if let Some(v) = self.get(number) {
            return Some(v.clone());
        }
        let fd = self.descriptor()?.field_by_number(number)?;
        Some(default_value(&self.pool, fd))
    }

    /// Whether field `number` is set.
    pub fn has(&self, number: i32) -> bool {
        self.fields.contains_key(&number)
    }

    /// Sets field `number`, after checking the value has the field's type.
    ///
    /// Setting a oneof member clears the other members; setting an
    /// implicit-presence field to its default, or a repeated field to an
    /// empty list, clears it.
    pub fn set(&mut self, number: i32, value: Value) -> Result<(), DynamicError> {
        let pool = Arc::clone(&self.pool);
        let desc = pool
            .message(self.message)
            .ok_or(DynamicError::UnknownMessage(self.message))?;
        let fd = desc
            .field_by_number(number)
            .ok_or_else(|| DynamicError::UnknownField {
                message: desc.full_name.clone(),
                number,
            })?;
        if !fits_field(&pool, fd, &value) {
            return Err(DynamicError::TypeMismatch {
                field: fd.full_name.clone(),
            });
        }
        self.store(&pool, desc, fd, value);
        Ok(())
    }

    /// Stores a value already checked to fit `fd`.
    fn store(&mut self, pool: &Pool, desc: &MessageDescriptor, fd: &FieldDescriptor, value: Value) {
        if let Some(oneof) = fd.oneof_index.and_then(|i| desc.oneofs.get(i)) {
            for &other in &oneof.fields {
                if let Some(o) = desc.fields.get(other) {
                    if o.number != fd.number {
                        self.fields.remove(&o.number);
                    }
                }
            }
        }
        let empty = match &value {
            Value::List(items) => items.is_empty(),
            Value::Map(entries) => entries.is_empty(),
            v => !has_explicit_presence(pool, desc, fd) && is_zero(kind_of(pool, fd), v),
        };
        if empty {
            self.fields.remove(&fd.number);
        } else {
            self.fields.insert(fd.number, value);
        }
    }

    /// Clears field `number`.
    pub fn clear_field(&mut self, number: i32) {
        self.fields.remove(&number);
    }

    /// The number of the set member of oneof `index`, if any.
    pub fn which_oneof(&self, index: usize) -> Option<i32> {
        let desc = self.descriptor()?;
        let oneof = desc.oneofs.get(index)?;
        oneof
            .fields
            .iter()
            .filter_map(|&i| desc.fields.get(i))
            .map(|f| f.number)
            .find(|n| self.fields.contains_key(n))
    }

    /// The records the schema does not know, in arrival order.
    pub fn unknown_fields(&self) -> &UnknownFields {
        &self.unknown
    }

    /// The unknown records, to add or drop some.
    pub fn unknown_fields_mut(&mut self) -> &mut UnknownFields {
        &mut self.unknown
    }

    /// Merges one occurrence of a known field.
    fn merge_known(
        &mut self,
        pool: &Arc<Pool>,
        desc: &MessageDescriptor,
        fd: &FieldDescriptor,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        let number = fd.number;
        // Field numbers of known fields are 1..=2^29-1, so they fit a u32.
        let wire_number = number.unsigned_abs();
        let kind = kind_of(pool, fd);
        match kind {
            Kind::Map(entry_id) => {
                check_wire_type(WireType::Len, wire_type)?;
                let mut entry = Self::empty_unchecked(Arc::clone(pool), entry_id);
                let mut payload = r.read_nested()?;
                let raw = payload.remaining();
                entry.merge_from(&mut payload)?;
                let entry_desc = pool.message(entry_id);
                // A value a closed enum does not list sends the whole entry
                // to the unknown fields, as for a singular closed enum.
                let closed_value = entry_desc
                    .and_then(|d| d.field_by_number(2))
                    .is_some_and(|f| matches!(kind_of(pool, f), Kind::Enum { closed: true }));
                if closed_value && !entry.has(2) && !entry.unknown.is_empty() {
                    self.unknown.push_len(wire_number, raw);
                    return Ok(());
                }
                let part = |n: i32, entry: &mut Self| -> Option<Value> {
                    let f = entry_desc?.field_by_number(n)?;
                    Some(
                        entry
                            .fields
                            .remove(&n)
                            .unwrap_or_else(|| default_value(pool, f)),
                    )
                };
                let key = part(1, &mut entry).and_then(MapKey::from_value);
                let value = part(2, &mut entry);
                if let (Some(key), Some(value)) = (key, value) {
                    if let Value::Map(entries) = self
                        .fields
                        .entry(number)
                        .or_insert_with(|| Value::Map(BTreeMap::new()))
                    {
                        entries.insert(key, value);
                    }
                }
                Ok(())
            }
            Kind::Message(m) | Kind::Group(m) => {
                let group = matches!(kind, Kind::Group(_));
                if fd.is_repeated() {
                    let mut msg = Self::empty_unchecked(Arc::clone(pool), m);
                    if group {
                        field::group::merge(wire_number, wire_type, &mut msg, r)?;
                    } else {
                        field::message::merge(wire_type, &mut msg, r)?;
                    }
                    if let Value::List(items) = self
                        .fields
                        .entry(number)
                        .or_insert_with(|| Value::List(Vec::new()))
                    {
                        items.push(Value::Message(Box::new(msg)));
                    }
                    return Ok(());
                }
                // A repeated occurrence of a singular message merges (encoding.md "Last One Wins").
                let mut msg = match self.fields.remove(&number) {
                    Some(Value::Message(msg)) => msg,
                    _ => Box::new(Self::empty_unchecked(Arc::clone(pool), m)),
                };
                let result = if group {
                    field::group::merge(wire_number, wire_type, &mut *msg, r)
                } else {
                    field::message::merge(wire_type, &mut *msg, r)
                };
                self.store(pool, desc, fd, Value::Message(msg));
                result
            }
            Kind::Scalar(_) | Kind::Enum { .. } => {
                let read = |r: &mut Reader<'_>| match kind {
                    Kind::Scalar(s) => dispatch!(s, read_one(r)),
                    _ => read_one::<field::Enum>(r),
                };
                let closed_enum = matches!(kind, Kind::Enum { closed: true });
                let enum_id = match fd.ty {
                    FieldType::Enum(e) => pool.enumeration(e),
                    _ => None,
                };
                // proto2 enums are closed: a number they do not list goes to
                // the unknown fields (language guide "Enumerations").
                let unknown_number = |v: &Value| match v {
                    Value::EnumNumber(n) if closed_enum => {
                        enum_id.is_none_or(|e| e.value_by_number(*n).is_none())
                    }
                    _ => false,
                };
                if fd.is_repeated() {
                    let packable = match kind {
                        Kind::Scalar(s) => s.is_packable(),
                        _ => true,
                    };
                    let mut values = Vec::new();
                    if packable && wire_type == WireType::Len {
                        let payload = r.read_len_delimited()?;
                        let mut elements = Reader::new(payload);
                        while !elements.is_empty() {
                            values.push(read(&mut elements)?);
                        }
                    } else {
                        check_wire_type(element_wire_type(kind), wire_type)?;
                        values.push(read(r)?);
                    }
                    let mut kept = Vec::with_capacity(values.len());
                    for v in values {
                        if unknown_number(&v) {
                            if let Value::EnumNumber(n) = v {
                                self.unknown.push_varint(wire_number, i64::from(n) as u64);
                            }
                        } else {
                            kept.push(v);
                        }
                    }
                    if !kept.is_empty() {
                        if let Value::List(items) = self
                            .fields
                            .entry(number)
                            .or_insert_with(|| Value::List(Vec::new()))
                        {
                            items.extend(kept);
                        }
                    }
                    return Ok(());
                }
                check_wire_type(element_wire_type(kind), wire_type)?;
                let v = read(r)?;
                if unknown_number(&v) {
                    if let Value::EnumNumber(n) = v {
                        self.unknown.push_varint(wire_number, i64::from(n) as u64);
                    }
                } else {
                    self.store(pool, desc, fd, v);
                }
                Ok(())
            }
        }
    }

    /// Size of one set field's records.
    fn field_len(&self, fd: &FieldDescriptor, syntax: Syntax, v: &Value, cached: bool) -> usize {
        let number = fd.number.unsigned_abs();
        let kind = kind_of(&self.pool, fd);
        match (kind, v) {
            (Kind::Map(entry), Value::Map(entries)) => {
                let Some(kinds) = map_kinds(&self.pool, entry) else {
                    return 0;
                };
                entries
                    .iter()
                    .map(|(k, v)| {
                        let len = entry_len(kinds, &k.to_value(), v, cached);
                        tag_len(number) + varint::encoded_len(len as u64) + len
                    })
                    .sum()
            }
            (_, Value::List(items)) if fd.is_packed(syntax) => {
                if items.is_empty() {
                    return 0;
                }
                let payload: usize = items.iter().map(|i| element_len(kind, i, cached)).sum();
                tag_len(number) + varint::encoded_len(payload as u64) + payload
            }
            (_, Value::List(items)) => items
                .iter()
                .map(|i| record_len(number, kind, i, cached))
                .sum(),
            _ => record_len(number, kind, v, cached),
        }
    }

    fn encode_field(&self, fd: &FieldDescriptor, syntax: Syntax, v: &Value, buf: &mut Vec<u8>) {
        let number = fd.number.unsigned_abs();
        let kind = kind_of(&self.pool, fd);
        match (kind, v) {
            (Kind::Map(entry), Value::Map(entries)) => {
                let Some(kinds) = map_kinds(&self.pool, entry) else {
                    return;
                };
                for (k, v) in entries {
                    let key = k.to_value();
                    encode_tag(number, WireType::Len, buf);
                    varint::encode(entry_len(kinds, &key, v, true) as u64, buf);
                    encode_record(1, kinds.0, &key, buf);
                    encode_record(2, kinds.1, v, buf);
                }
            }
            (_, Value::List(items)) if fd.is_packed(syntax) => {
                if items.is_empty() {
                    return;
                }
                let payload: usize = items.iter().map(|i| element_len(kind, i, true)).sum();
                encode_tag(number, WireType::Len, buf);
                varint::encode(payload as u64, buf);
                for item in items {
                    encode_element(kind, item, buf);
                }
            }
            (_, Value::List(items)) => {
                for item in items {
                    encode_record(number, kind, item, buf);
                }
            }
            _ => encode_record(number, kind, v, buf),
        }
    }

    fn encoded_len_impl(&self, cached: bool) -> usize {
        let Some(desc) = self.descriptor() else {
            return 0;
        };
        let syntax = syntax_of(&self.pool, desc);
        let known: usize = self
            .fields
            .iter()
            .filter_map(|(n, v)| Some(self.field_len(field_of(desc, *n)?, syntax, v, cached)))
            .sum();
        known + self.unknown.encoded_len()
    }
}

impl Message for DynamicMessage {
    fn encode_raw(&self, buf: &mut Vec<u8>) {
        let Some(desc) = self.descriptor() else {
            return;
        };
        let syntax = syntax_of(&self.pool, desc);
        for (n, v) in &self.fields {
            if let Some(fd) = field_of(desc, *n) {
                self.encode_field(fd, syntax, v, buf);
            }
        }
        self.unknown.encode_raw(buf);
    }

    fn encoded_len(&self) -> usize {
        // Nested messages compute (and cache) their own sizes here; the
        // cache then serves the length prefixes during encode_raw.
        self.cached_size.set(self.encoded_len_impl(false))
    }

    fn cached_encoded_len(&self) -> usize {
        self.cached_size.get()
    }

    fn merge_field(
        &mut self,
        field: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        let pool = Arc::clone(&self.pool);
        let Some(desc) = pool.message(self.message) else {
            return self.unknown.merge_field(field, wire_type, r);
        };
        let known = i32::try_from(field).ok().and_then(|n| field_of(desc, n));
        match known {
            Some(fd) => self.merge_known(&pool, desc, fd, wire_type, r),
            None => self.unknown.merge_field(field, wire_type, r),
        }
    }

    fn clear(&mut self) {
        self.fields.clear();
        self.unknown.clear();
    }

    fn merge_from(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        merge_fields(self, r, None)
    }
}

/// Whether a proto2 message has every `required` field set, recursively.
pub fn is_initialized(message: &DynamicMessage) -> bool {
    let Some(desc) = message.descriptor() else {
        return false;
    };
    desc.fields.iter().all(|fd| {
        if fd.label == Label::Required && !message.has(fd.number) {
            return false;
        }
        match message.get(fd.number) {
            Some(Value::Message(m)) => is_initialized(m),
            Some(Value::List(items)) => items.iter().all(|i| match i {
                Value::Message(m) => is_initialized(m),
                _ => true,
            }),
            Some(Value::Map(entries)) => entries.values().all(|i| match i {
                Value::Message(m) => is_initialized(m),
                _ => true,
            }),
            _ => true,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::MemorySourceTree;

    fn pool(text: &str) -> Arc<Pool> {
        let mut tree = MemorySourceTree::new();
        tree.add("t.proto", text);
        let mut pool = Pool::new();
        pool.load(&tree, "t.proto").unwrap();
        Arc::new(pool)
    }

    #[test]
    fn proto3_implicit_zero_is_not_set_and_not_written() {
        let p = pool("syntax = \"proto3\"; message M { int32 a = 1; optional int32 b = 2; }");
        let mut m = DynamicMessage::by_name(p, "M").unwrap();
        m.set(1, Value::I32(0)).unwrap();
        m.set(2, Value::I32(0)).unwrap();
        assert!(!m.has(1));
        assert!(m.has(2));
        assert_eq!(m.encode_to_vec(), [0x10, 0x00]);
    }

    #[test]
    fn oneof_member_clears_the_other() {
        let p = pool("syntax = \"proto3\"; message M { oneof o { int32 a = 1; string b = 2; } }");
        let mut m = DynamicMessage::by_name(Arc::clone(&p), "M").unwrap();
        m.set(1, Value::I32(5)).unwrap();
        m.set(2, Value::String("x".into())).unwrap();
        assert!(!m.has(1));
        assert_eq!(m.which_oneof(0), Some(2));
        let d = DynamicMessage::decode(p, m.message_id(), &[0x12, 0x01, b'x', 0x08, 0x07]).unwrap();
        assert_eq!(d.which_oneof(0), Some(1));
        assert_eq!(d.get(1), Some(&Value::I32(7)));
    }

    #[test]
    fn wrong_type_is_refused() {
        let p = pool("syntax = \"proto3\"; message M { repeated int32 a = 1; }");
        let mut m = DynamicMessage::by_name(p, "M").unwrap();
        assert!(matches!(
            m.set(1, Value::I32(1)),
            Err(DynamicError::TypeMismatch { .. })
        ));
        assert!(matches!(
            m.set(1, Value::List(vec![Value::I64(1)])),
            Err(DynamicError::TypeMismatch { .. })
        ));
        assert!(matches!(
            m.set(9, Value::I32(1)),
            Err(DynamicError::UnknownField { number: 9, .. })
        ));
    }

    #[test]
    fn closed_enum_unknown_number_goes_to_unknown_fields() {
        let p = pool("syntax = \"proto2\"; enum E { A = 1; } message M { optional E e = 1; repeated E r = 2; }");
        let id = p.message_by_name("M").unwrap();
        let bytes = [0x08, 0x05, 0x10, 0x01, 0x10, 0x09];
        let m = DynamicMessage::decode(p, id, &bytes).unwrap();
        assert!(!m.has(1));
        assert_eq!(m.get(2), Some(&Value::List(vec![Value::EnumNumber(1)])));
        assert_eq!(m.unknown_fields().as_bytes(), [0x08, 0x05, 0x10, 0x09]);
        // Known fields first, then the unknown records.
        assert_eq!(m.encode_to_vec(), [0x10, 0x01, 0x08, 0x05, 0x10, 0x09]);
    }

    #[test]
    fn map_entry_with_unknown_closed_enum_value_is_unknown() {
        let p = pool("syntax = \"proto2\"; enum E { A = 1; } message M { map<int32, E> m = 1; }");
        let id = p.message_by_name("M").unwrap();
        // {1: A} then {2: 9}, 9 not in E.
        let bytes = [
            0x0a, 0x04, 0x08, 0x01, 0x10, 0x01, 0x0a, 0x04, 0x08, 0x02, 0x10, 0x09,
        ];
        let m = DynamicMessage::decode(p, id, &bytes).unwrap();
        let mut want = BTreeMap::new();
        want.insert(MapKey::I32(1), Value::EnumNumber(1));
        assert_eq!(m.get(1), Some(&Value::Map(want)));
        assert_eq!(m.unknown_fields().as_bytes(), &bytes[6..]);
        assert_eq!(m.encode_to_vec(), bytes);
    }

    #[test]
    fn open_enum_keeps_any_number() {
        let p = pool("syntax = \"proto3\"; enum E { Z = 0; } message M { E e = 1; }");
        let id = p.message_by_name("M").unwrap();
        let m = DynamicMessage::decode(p, id, &[0x08, 0x05]).unwrap();
        assert_eq!(m.get(1), Some(&Value::EnumNumber(5)));
    }

    #[test]
    fn depth_limit_applies() {
        let p = pool("syntax = \"proto3\"; message M { M m = 1; }");
        let id = p.message_by_name("M").unwrap();
        let mut bytes: Vec<u8> = Vec::new();
        for _ in 0..5 {
            let mut outer = vec![0x0a];
            varint::encode(bytes.len() as u64, &mut outer);
            outer.extend_from_slice(&bytes);
            bytes = outer;
        }
        assert!(DynamicMessage::decode_with_max_depth(Arc::clone(&p), id, &bytes, 5).is_ok());
        let err = DynamicMessage::decode_with_max_depth(p, id, &bytes, 4).unwrap_err();
        let DynamicError::Decode(err) = err else {
            panic!("not a decode error: {err:?}");
        };
        assert_eq!(err.kind, crate::wire::DecodeErrorKind::DepthExceeded);
    }

    #[test]
    fn defaults_come_from_the_schema() {
        let p = pool("syntax = \"proto2\"; enum E { B = 2; C = 3; } message M { optional int32 a = 1 [default = -4]; optional E e = 2; }");
        let m = DynamicMessage::by_name(p, "M").unwrap();
        assert_eq!(m.get_or_default(1), Some(Value::I32(-4)));
        assert_eq!(m.get_or_default(2), Some(Value::EnumNumber(2)));
    }
}
