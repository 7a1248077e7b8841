//! The `Message` trait: what hand-written, generated and dynamic messages implement.

use std::sync::atomic::{AtomicUsize, Ordering};

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
///   writes. An embedded message is written after its length, so a parent
///   needs each child's size twice: once for its own size, once for the
///   child's prefix. By default the second time recomputes it, which makes
///   encoding a message nested `d` deep cost O(size × d) (the same trade as
///   most Rust codecs; real messages are shallow). An implementation that
///   keeps a [`CachedSize`] and overrides [`Message::cached_encoded_len`]
///   makes encoding linear, as protoc's generated code does.
/// - [`Message::merge_field`] merges one field whose tag was just read:
///   scalars replace (last one wins), repeated fields append, embedded
///   messages merge, a oneof takes its last member, a map entry replaces the
///   entry with the same key (encoding.md "Last One Wins"). Field numbers
///   it does not know go to the message's [`crate::wire::UnknownFields`].
/// - [`Message::clear`] resets every field to its default.
///
/// What generated code looks like, for `message Test4 { string d = 4;
/// repeated int32 e = 5; }` in proto3 (encoding.md "Repeated Elements"):
///
/// ```
/// use grpclite::wire::{field, DecodeError, Message, Reader, UnknownFields, WireType};
///
/// #[derive(Debug, Default, PartialEq)]
/// struct Test4 {
///     d: String,
///     e: Vec<i32>,
///     unknown: UnknownFields,
/// }
///
/// impl Message for Test4 {
///     fn encode_raw(&self, buf: &mut Vec<u8>) {
///         if !field::string::is_default(&self.d) {
///             field::string::encode(4, &self.d, buf);
///         }
///         field::int32::encode_packed(5, &self.e, buf);
///         self.unknown.encode_raw(buf);
///     }
///     fn encoded_len(&self) -> usize {
///         let d = if field::string::is_default(&self.d) { 0 } else { field::string::encoded_len(4, &self.d) };
///         d + field::int32::encoded_len_packed(5, &self.e) + self.unknown.encoded_len()
///     }
///     fn merge_field(&mut self, field: u32, wire_type: WireType, r: &mut Reader<'_>) -> Result<(), DecodeError> {
///         match field {
///             4 => field::string::merge(wire_type, &mut self.d, r),
///             5 => field::int32::merge_repeated(wire_type, &mut self.e, r),
///             _ => self.unknown.merge_field(field, wire_type, r),
///         }
///     }
///     fn clear(&mut self) {
///         *self = Self::default();
///     }
/// }
///
/// let m = Test4 { d: "hello".into(), e: vec![1, 2, 3], ..Default::default() };
/// let bytes = m.encode_to_vec();
/// assert_eq!(bytes, b"\x22\x05hello\x2a\x03\x01\x02\x03");
/// assert_eq!(Test4::decode(&bytes), Ok(m));
/// // The unpacked, interleaved form decodes to the same message.
/// let interleaved = b"\x28\x01\x28\x02\x22\x05hello\x28\x03";
/// assert_eq!(Test4::decode(interleaved).unwrap().e, [1, 2, 3]);
/// ```
///
/// A gRPC message is encoded after a 5-byte prefix in the same vector:
/// push the prefix, call [`Message::encode`], then patch the length.
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

    /// The size the last call to [`Message::encoded_len`] computed, used for
    /// this message's length prefix when it is embedded in another.
    ///
    /// The default recomputes it. An implementation may store the size in a
    /// [`CachedSize`] during `encoded_len` and return it here. The provided
    /// `encode*` methods always call `encoded_len` before `encode_raw`, so the
    /// cache is fresh; code that calls `encode_raw` directly on such a type
    /// must call `encoded_len` first.
    fn cached_encoded_len(&self) -> usize {
        self.encoded_len()
    }

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

    fn cached_encoded_len(&self) -> usize {
        (**self).cached_encoded_len()
    }
}

/// A message's encoded size, remembered between `encoded_len` and `encode_raw`.
///
/// For implementations of [`Message::cached_encoded_len`]. It is atomic so a
/// message holding it stays `Sync`; two threads encoding the same message
/// store the same value. It takes no part in comparisons: any two are equal,
/// so a derived `PartialEq` on a message ignores it.
#[derive(Debug, Default)]
pub struct CachedSize(AtomicUsize);

impl CachedSize {
    /// A cache holding 0.
    pub const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    /// The size last stored.
    #[inline]
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }

    /// Stores `len` and returns it.
    #[inline]
    pub fn set(&self, len: usize) -> usize {
        self.0.store(len, Ordering::Relaxed);
        len
    }
}

impl Clone for CachedSize {
    fn clone(&self) -> Self {
        Self(AtomicUsize::new(self.get()))
    }
}

impl PartialEq for CachedSize {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for CachedSize {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::field::{self, group, int64, message, sint32, string, uint32, Int32, Str};
    use crate::wire::{UnknownFields, DEFAULT_MAX_DEPTH};
    use quickcheck::{quickcheck, Arbitrary, Gen};
    use std::collections::BTreeMap;

    /// `message Inner { int32 a = 1; string s = 2; }`
    #[derive(Debug, Clone, Default, PartialEq)]
    struct Inner {
        a: i32,
        s: String,
        unknown: UnknownFields,
    }

    impl Message for Inner {
        fn encode_raw(&self, buf: &mut Vec<u8>) {
            if !field::int32::is_default(&self.a) {
                field::int32::encode(1, &self.a, buf);
            }
            if !string::is_default(&self.s) {
                string::encode(2, &self.s, buf);
            }
            self.unknown.encode_raw(buf);
        }
        fn encoded_len(&self) -> usize {
            let mut len = self.unknown.encoded_len();
            if !field::int32::is_default(&self.a) {
                len += field::int32::encoded_len(1, &self.a);
            }
            if !string::is_default(&self.s) {
                len += string::encoded_len(2, &self.s);
            }
            len
        }
        fn merge_field(
            &mut self,
            field: u32,
            wire_type: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match field {
                1 => field::int32::merge(wire_type, &mut self.a, r),
                2 => string::merge(wire_type, &mut self.s, r),
                _ => self.unknown.merge_field(field, wire_type, r),
            }
        }
        fn clear(&mut self) {
            *self = Self::default();
        }
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Choice {
        Number(u32),
        Message(Inner),
    }

    /// A proto3 message with one field of each shape:
    /// `int64 id = 1; string name = 2; Inner inner = 3; repeated sint32 values = 4;
    ///  repeated Inner children = 5; oneof choice { uint32 number = 6; Inner message = 7; }
    ///  map<string, int32> labels = 8;` and a proto2-style `group Grp = 9` of Inner's fields.
    #[derive(Debug, Clone, Default, PartialEq)]
    struct Outer {
        id: i64,
        name: String,
        inner: Option<Box<Inner>>,
        values: Vec<i32>,
        children: Vec<Inner>,
        choice: Option<Choice>,
        labels: BTreeMap<String, i32>,
        grp: Option<Inner>,
        unknown: UnknownFields,
    }

    impl Message for Outer {
        fn encode_raw(&self, buf: &mut Vec<u8>) {
            if self.id != 0 {
                int64::encode(1, &self.id, buf);
            }
            if !self.name.is_empty() {
                string::encode(2, &self.name, buf);
            }
            if let Some(inner) = &self.inner {
                message::encode(3, inner, buf);
            }
            sint32::encode_packed(4, &self.values, buf);
            message::encode_repeated(5, &self.children, buf);
            match &self.choice {
                Some(Choice::Number(n)) => uint32::encode(6, n, buf),
                Some(Choice::Message(m)) => message::encode(7, m, buf),
                None => {}
            }
            field::map::encode::<Str, Int32, _>(8, &self.labels, buf);
            if let Some(g) = &self.grp {
                group::encode(9, g, buf);
            }
            self.unknown.encode_raw(buf);
        }
        fn encoded_len(&self) -> usize {
            let mut len = 0;
            if self.id != 0 {
                len += int64::encoded_len(1, &self.id);
            }
            if !self.name.is_empty() {
                len += string::encoded_len(2, &self.name);
            }
            if let Some(inner) = &self.inner {
                len += message::encoded_len(3, inner);
            }
            len += sint32::encoded_len_packed(4, &self.values);
            len += message::encoded_len_repeated(5, &self.children);
            len += match &self.choice {
                Some(Choice::Number(n)) => uint32::encoded_len(6, n),
                Some(Choice::Message(m)) => message::encoded_len(7, m),
                None => 0,
            };
            len += field::map::encoded_len::<Str, Int32, _>(8, &self.labels);
            if let Some(g) = &self.grp {
                len += group::encoded_len(9, g);
            }
            len + self.unknown.encoded_len()
        }
        fn merge_field(
            &mut self,
            field: u32,
            wire_type: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match field {
                1 => int64::merge(wire_type, &mut self.id, r),
                2 => string::merge(wire_type, &mut self.name, r),
                3 => message::merge(
                    wire_type,
                    self.inner.get_or_insert_with(Default::default),
                    r,
                ),
                4 => sint32::merge_repeated(wire_type, &mut self.values, r),
                5 => message::merge_repeated(wire_type, &mut self.children, r),
                6 => {
                    let mut n = 0;
                    uint32::merge(wire_type, &mut n, r)?;
                    self.choice = Some(Choice::Number(n));
                    Ok(())
                }
                7 => {
                    // A oneof member seen again merges; another member replaces.
                    if let Some(Choice::Message(m)) = &mut self.choice {
                        return message::merge(wire_type, m, r);
                    }
                    let mut m = Inner::default();
                    message::merge(wire_type, &mut m, r)?;
                    self.choice = Some(Choice::Message(m));
                    Ok(())
                }
                8 => {
                    let (k, v) = field::map::merge_entry::<Str, Int32>(wire_type, r)?;
                    self.labels.insert(k, v);
                    Ok(())
                }
                9 => group::merge(
                    9,
                    wire_type,
                    self.grp.get_or_insert_with(Default::default),
                    r,
                ),
                _ => self.unknown.merge_field(field, wire_type, r),
            }
        }
        fn clear(&mut self) {
            *self = Self::default();
        }
    }

    impl Arbitrary for Inner {
        fn arbitrary(g: &mut Gen) -> Self {
            let mut unknown = UnknownFields::new();
            if bool::arbitrary(g) {
                unknown.push_varint(100 + u32::arbitrary(g) % 1000, u64::arbitrary(g));
            }
            if bool::arbitrary(g) {
                unknown.push_len(15, &Vec::<u8>::arbitrary(g));
            }
            Inner {
                a: i32::arbitrary(g),
                s: String::arbitrary(g),
                unknown,
            }
        }
    }

    impl Arbitrary for Outer {
        fn arbitrary(g: &mut Gen) -> Self {
            let choice = match u8::arbitrary(g) % 3 {
                0 => None,
                1 => Some(Choice::Number(u32::arbitrary(g))),
                _ => Some(Choice::Message(Inner::arbitrary(g))),
            };
            let mut unknown = UnknownFields::new();
            if bool::arbitrary(g) {
                unknown.push_i64(19_500, u64::arbitrary(g));
            }
            Outer {
                id: i64::arbitrary(g),
                name: String::arbitrary(g),
                inner: Option::<Inner>::arbitrary(g).map(Box::new),
                values: Vec::arbitrary(g),
                children: Vec::arbitrary(g),
                choice,
                labels: BTreeMap::arbitrary(g),
                grp: Option::arbitrary(g),
                unknown,
            }
        }
    }

    /// protobuf's MergeFrom, written out for the test messages (encoding.md "Last One Wins").
    fn merge_inner(a: &mut Inner, b: &Inner) {
        if b.a != 0 {
            a.a = b.a;
        }
        if !b.s.is_empty() {
            a.s = b.s.clone();
        }
        a.unknown.extend(&b.unknown);
    }

    fn merged(mut a: Outer, b: &Outer) -> Outer {
        if b.id != 0 {
            a.id = b.id;
        }
        if !b.name.is_empty() {
            a.name = b.name.clone();
        }
        match (&mut a.inner, &b.inner) {
            (Some(x), Some(y)) => merge_inner(x, y),
            (None, Some(y)) => a.inner = Some(y.clone()),
            _ => {}
        }
        a.values.extend(&b.values);
        a.children.extend(b.children.iter().cloned());
        match (&mut a.choice, &b.choice) {
            (Some(Choice::Message(x)), Some(Choice::Message(y))) => merge_inner(x, y),
            (_, Some(y)) => a.choice = Some(y.clone()),
            _ => {}
        }
        a.labels
            .extend(b.labels.iter().map(|(k, v)| (k.clone(), *v)));
        match (&mut a.grp, &b.grp) {
            (Some(x), Some(y)) => merge_inner(x, y),
            (None, Some(y)) => a.grp = Some(y.clone()),
            _ => {}
        }
        a.unknown.extend(&b.unknown);
        a
    }

    quickcheck! {
        fn random_messages_round_trip(m: Outer) -> bool {
            let bytes = m.encode_to_vec();
            bytes.len() == m.encoded_len() && Outer::decode(&bytes).as_ref() == Ok(&m)
        }

        fn decoding_a_concatenation_merges(a: Outer, b: Outer) -> bool {
            let mut bytes = a.encode_to_vec();
            b.encode(&mut bytes);
            let mut merged_by_bytes = a.clone();
            let ok = merged_by_bytes.merge(&b.encode_to_vec()).is_ok();
            let expected = merged(a, &b);
            ok && Outer::decode(&bytes).as_ref() == Ok(&expected) && merged_by_bytes == expected
        }

        fn length_delimited_round_trip(a: Outer, b: Outer) -> bool {
            let mut buf = Vec::new();
            a.encode_length_delimited(&mut buf);
            b.encode_length_delimited(&mut buf);
            let mut r = Reader::new(&buf);
            let mut x = Outer::default();
            let mut y = Outer::default();
            x.merge_length_delimited(&mut r).is_ok()
                && y.merge_length_delimited(&mut r).is_ok()
                && r.is_empty()
                && x == a
                && y == b
        }

        fn decoding_arbitrary_bytes_never_panics(input: Vec<u8>) -> bool {
            // And whatever decodes re-encodes to something that decodes the same.
            match Outer::decode(&input) {
                Ok(m) => Outer::decode(&m.encode_to_vec()).as_ref() == Ok(&m),
                Err(_) => true,
            }
        }
    }

    #[test]
    fn last_one_wins_and_oneof_switches() {
        // 1: 5, 1: 7, 6: 3, 7: {1: 2}, 7: {2: "x"}, 8: {"k" 1}, 8: {"k" 2}
        let input = [
            0x08, 0x05, 0x08, 0x07, 0x30, 0x03, 0x3a, 0x02, 0x08, 0x02, 0x3a, 0x03, 0x12, 0x01,
            b'x', 0x42, 0x05, 0x0a, 0x01, b'k', 0x10, 0x01, 0x42, 0x05, 0x0a, 0x01, b'k', 0x10,
            0x02,
        ];
        let m = Outer::decode(&input).unwrap();
        assert_eq!(m.id, 7);
        assert_eq!(
            m.choice,
            Some(Choice::Message(Inner {
                a: 2,
                s: "x".into(),
                unknown: UnknownFields::new()
            }))
        );
        assert_eq!(m.labels, BTreeMap::from([("k".to_string(), 2)]));
        // 7: {..}, then 6: 9 replaces the message member.
        let m = Outer::decode(&[0x3a, 0x02, 0x08, 0x02, 0x30, 0x09]).unwrap();
        assert_eq!(m.choice, Some(Choice::Number(9)));
    }

    #[test]
    fn group_fields_and_errors() {
        // 9:SGROUP 1: 3 9:EGROUP, 2: "n"
        let m = Outer::decode(&[0x4b, 0x08, 0x03, 0x4c, 0x12, 0x01, b'n']).unwrap();
        assert_eq!(m.grp.as_ref().map(|g| g.a), Some(3));
        assert_eq!(m.name, "n");
        assert_eq!(
            m.encode_to_vec(),
            [0x12, 0x01, b'n', 0x4b, 0x08, 0x03, 0x4c]
        );

        let err = |input: &[u8]| Outer::decode(input).unwrap_err();
        let e = err(&[0x4b, 0x08, 0x03, 0x54]);
        assert_eq!((e.kind, e.field), (DecodeErrorKind::GroupMismatch(10), 9));
        let e = err(&[0x4b, 0x08, 0x03]);
        assert_eq!((e.kind, e.field), (DecodeErrorKind::UnterminatedGroup, 9));
        let e = err(&[0x4c]);
        assert_eq!((e.kind, e.field), (DecodeErrorKind::UnexpectedEndGroup, 9));
        // An end-group tag inside an embedded message closes nothing outside it.
        let e = err(&[0x1a, 0x01, 0x4c]);
        assert_eq!((e.kind, e.field), (DecodeErrorKind::UnexpectedEndGroup, 9));
    }

    #[test]
    fn errors_name_the_innermost_field() {
        // 3: { 2: <invalid UTF-8> }
        let e = Outer::decode(&[0x1a, 0x03, 0x12, 0x01, 0xff]).unwrap_err();
        assert_eq!((e.kind, e.field), (DecodeErrorKind::InvalidUtf8, 2));
        // 1 with wire type I32.
        let e = Outer::decode(&[0x0d, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(
            (e.kind, e.field),
            (
                DecodeErrorKind::UnexpectedWireType {
                    expected: WireType::Varint,
                    found: WireType::I32
                },
                1
            )
        );
        // 3: length past the end.
        let e = Outer::decode(&[0x1a, 0x05, 0x08]).unwrap_err();
        assert_eq!((e.kind, e.field), (DecodeErrorKind::LengthPastEnd, 3));
    }

    /// `message Node { Node child = 1; }`
    #[derive(Debug, Default, PartialEq)]
    struct Node {
        child: Option<Box<Node>>,
    }

    impl Message for Node {
        fn encode_raw(&self, buf: &mut Vec<u8>) {
            if let Some(c) = &self.child {
                message::encode(1, c, buf);
            }
        }
        fn encoded_len(&self) -> usize {
            self.child
                .as_ref()
                .map_or(0, |c| message::encoded_len(1, c))
        }
        fn merge_field(
            &mut self,
            field: u32,
            wire_type: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match field {
                1 => message::merge(
                    wire_type,
                    self.child.get_or_insert_with(Default::default),
                    r,
                ),
                _ => r.skip_value(field, wire_type).map(|_| ()),
            }
        }
        fn clear(&mut self) {
            self.child = None;
        }
    }

    fn nested(depth: usize) -> Node {
        let mut node = Node::default();
        for _ in 0..depth {
            node = Node {
                child: Some(Box::new(node)),
            };
        }
        node
    }

    #[test]
    fn nesting_depth_is_limited() {
        let ok = nested(DEFAULT_MAX_DEPTH as usize).encode_to_vec();
        let decoded = Node::decode(&ok).unwrap();
        assert_eq!(decoded.encode_to_vec(), ok);
        let too_deep = nested(DEFAULT_MAX_DEPTH as usize + 1).encode_to_vec();
        let e = Node::decode(&too_deep).unwrap_err();
        assert_eq!((e.kind, e.field), (DecodeErrorKind::DepthExceeded, 1));
        let mut shallow = Node::default();
        let e = shallow
            .merge_from(&mut Reader::with_max_depth(&ok, 10))
            .unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::DepthExceeded);
        // Groups and messages share the budget.
        let mixed = |groups: usize| {
            let mut bytes = vec![0x0a];
            varint::encode(2 * groups as u64, &mut bytes);
            bytes.extend(std::iter::repeat_n(0x13, groups));
            bytes.extend(std::iter::repeat_n(0x14, groups));
            bytes
        };
        assert!(Node::decode(&mixed(DEFAULT_MAX_DEPTH as usize - 1)).is_ok());
        let e = Node::decode(&mixed(DEFAULT_MAX_DEPTH as usize)).unwrap_err();
        assert_eq!((e.kind, e.field), (DecodeErrorKind::DepthExceeded, 2));
    }

    thread_local! {
        static SIZE_COMPUTATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// `message Chain { Chain next = 1; bytes data = 2; }`, with a size cache
    /// when `CACHED`.
    #[derive(Debug, Default, PartialEq)]
    struct Chain<const CACHED: bool> {
        next: Option<Box<Chain<CACHED>>>,
        data: Vec<u8>,
        size: CachedSize,
    }

    impl<const CACHED: bool> Message for Chain<CACHED> {
        fn encode_raw(&self, buf: &mut Vec<u8>) {
            if let Some(n) = &self.next {
                message::encode(1, n, buf);
            }
            if !self.data.is_empty() {
                field::bytes::encode(2, &self.data, buf);
            }
        }
        fn encoded_len(&self) -> usize {
            SIZE_COMPUTATIONS.with(|c| c.set(c.get() + 1));
            let len = self.next.as_ref().map_or(0, |n| message::encoded_len(1, n))
                + if self.data.is_empty() {
                    0
                } else {
                    field::bytes::encoded_len(2, &self.data)
                };
            self.size.set(len)
        }
        fn cached_encoded_len(&self) -> usize {
            if CACHED {
                self.size.get()
            } else {
                self.encoded_len()
            }
        }
        fn merge_field(
            &mut self,
            field: u32,
            wire_type: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match field {
                1 => message::merge(wire_type, self.next.get_or_insert_with(Default::default), r),
                2 => field::bytes::merge(wire_type, &mut self.data, r),
                _ => r.skip_value(field, wire_type).map(|_| ()),
            }
        }
        fn clear(&mut self) {
            *self = Self::default();
        }
    }

    fn chain<const CACHED: bool>(depth: usize) -> Chain<CACHED> {
        let mut c = Chain::default();
        for i in 0..depth {
            c = Chain {
                next: Some(Box::new(c)),
                data: vec![i as u8; i % 3],
                size: CachedSize::new(),
            };
        }
        c
    }

    fn count_size_computations(f: impl FnOnce()) -> usize {
        SIZE_COMPUTATIONS.with(|c| c.set(0));
        f();
        SIZE_COMPUTATIONS.with(|c| c.get())
    }

    #[test]
    fn a_size_cache_makes_encoding_linear() {
        let depth = 50;
        let cached = chain::<true>(depth);
        let plain = chain::<false>(depth);
        let mut cached_bytes = Vec::new();
        let mut plain_bytes = Vec::new();
        let with_cache = count_size_computations(|| cached_bytes = cached.encode_to_vec());
        let without = count_size_computations(|| plain_bytes = plain.encode_to_vec());
        assert_eq!(cached_bytes, plain_bytes);
        assert_eq!(with_cache, depth + 1, "each message sized once");
        assert!(
            without > depth * depth / 2,
            "recomputed per level: {without}"
        );
        assert_eq!(Chain::<true>::decode(&cached_bytes).unwrap(), cached);
        // Mutating then encoding again refreshes the cache.
        let mut again = cached;
        again.data = vec![9; 200];
        let bytes = again.encode_to_vec();
        assert_eq!(Chain::<true>::decode(&bytes).unwrap(), again);
    }

    #[test]
    fn clear_resets() {
        let mut m = Outer::decode(&[0x08, 0x05, 0xa0, 0x06, 0x01]).unwrap();
        assert!(!m.unknown.is_empty());
        Message::clear(&mut m);
        assert_eq!(m, Outer::default());
    }
}
