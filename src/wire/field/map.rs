//! Map fields: a repeated message of entries with the key in field 1 and the
//! value in field 2 (encoding.md "Maps").
//!
//! The functions are generic over the key and value [`ValueCodec`]s and over
//! the map type: encoding takes any iterator of `(&key, &value)` pairs (a
//! `HashMap`, a `BTreeMap`, a `Vec` of pairs), and decoding returns the entry
//! for the caller to insert, so a later entry for a key replaces the earlier.

use super::{check_wire_type, ValueCodec};
use crate::wire::error::DecodeError;
use crate::wire::reader::Reader;
use crate::wire::varint;
use crate::wire::wire_type::{encode_tag, tag_len, WireType};

/// The field number of an entry's key.
pub const KEY_FIELD: u32 = 1;
/// The field number of an entry's value.
pub const VALUE_FIELD: u32 = 2;

/// The payload size of one entry. Key and value are always written, even when
/// they are defaults, as protoc does.
#[inline]
fn entry_len<K: ValueCodec, V: ValueCodec>(key: &K::Value, value: &V::Value) -> usize {
    tag_len(KEY_FIELD) + K::value_len(key) + tag_len(VALUE_FIELD) + V::value_len(value)
}

/// Appends one `LEN` record per entry, in the iterator's order.
#[inline]
pub fn encode<'a, K, V, I>(field: u32, entries: I, buf: &mut Vec<u8>)
where
    K: ValueCodec,
    V: ValueCodec,
    K::Value: 'a,
    V::Value: 'a,
    I: IntoIterator<Item = (&'a K::Value, &'a V::Value)>,
{
    for (key, value) in entries {
        encode_tag(field, WireType::Len, buf);
        varint::encode(entry_len::<K, V>(key, value) as u64, buf);
        encode_tag(KEY_FIELD, K::WIRE_TYPE, buf);
        K::encode_value(key, buf);
        encode_tag(VALUE_FIELD, V::WIRE_TYPE, buf);
        V::encode_value(value, buf);
    }
}

/// The size of the records [`encode`] appends.
#[inline]
pub fn encoded_len<'a, K, V, I>(field: u32, entries: I) -> usize
where
    K: ValueCodec,
    V: ValueCodec,
    K::Value: 'a,
    V::Value: 'a,
    I: IntoIterator<Item = (&'a K::Value, &'a V::Value)>,
{
    entries
        .into_iter()
        .map(|(key, value)| {
            let len = entry_len::<K, V>(key, value);
            tag_len(field) + varint::encoded_len(len as u64) + len
        })
        .sum()
}

/// Decodes one entry record; a missing key or value is its type's default.
///
/// Other fields inside the entry, or a key or value with an unexpected wire
/// type, are skipped as unknown.
#[inline]
pub fn merge_entry<K, V>(
    wire_type: WireType,
    r: &mut Reader<'_>,
) -> Result<(K::Value, V::Value), DecodeError>
where
    K: ValueCodec,
    V: ValueCodec,
    K::Value: Default,
    V::Value: Default,
{
    check_wire_type(WireType::Len, wire_type)?;
    let mut entry = r.read_nested()?;
    let mut key = K::Value::default();
    let mut value = V::Value::default();
    while !entry.is_empty() {
        let (field, wire_type) = entry.read_tag()?;
        match field {
            KEY_FIELD if wire_type == K::WIRE_TYPE => {
                K::merge_value(&mut key, &mut entry).map_err(|e| e.in_field(field))?
            }
            VALUE_FIELD if wire_type == V::WIRE_TYPE => {
                V::merge_value(&mut value, &mut entry).map_err(|e| e.in_field(field))?
            }
            _ => {
                entry
                    .skip_value(field, wire_type)
                    .map_err(|e| e.in_field(field))?;
            }
        }
    }
    Ok((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::field::{Int32, Str};
    use std::collections::BTreeMap;

    #[test]
    fn entries_always_carry_key_and_value() {
        let map: BTreeMap<String, i32> = [(String::new(), 0), ("zz".to_string(), 1)].into();
        let mut buf = Vec::new();
        encode::<Str, Int32, _>(3, &map, &mut buf);
        // The bytes protoc 3.21 writes for this map (field 3 of a proto3 message).
        assert_eq!(
            buf,
            [0x1a, 0x04, 0x0a, 0x00, 0x10, 0x00, 0x1a, 0x06, 0x0a, 0x02, b'z', b'z', 0x10, 0x01]
        );
        assert_eq!(encoded_len::<Str, Int32, _>(3, &map), buf.len());

        let mut r = Reader::new(&buf);
        let mut back = BTreeMap::new();
        while !r.is_empty() {
            let (_, wt) = r.read_tag().unwrap();
            let (k, v) = merge_entry::<Str, Int32>(wt, &mut r).unwrap();
            back.insert(k, v);
        }
        assert_eq!(back, map);
    }

    #[test]
    fn any_map_type_encodes() {
        use crate::wire::field::{Embedded, SInt64};
        use crate::wire::UnknownFields;
        use std::collections::HashMap;
        let mut value = UnknownFields::new();
        value.push_varint(1, 5);
        let map: HashMap<i64, UnknownFields> = [(-1, value.clone())].into();
        let mut buf = Vec::new();
        encode::<SInt64, Embedded<UnknownFields>, _>(2, &map, &mut buf);
        assert_eq!(buf, [0x12, 0x06, 0x08, 0x01, 0x12, 0x02, 0x08, 0x05]);
        let pairs = [(-1i64, value)];
        let mut from_pairs = Vec::new();
        encode::<SInt64, Embedded<UnknownFields>, _>(
            2,
            pairs.iter().map(|(k, v)| (k, v)),
            &mut from_pairs,
        );
        assert_eq!(from_pairs, buf);
        let mut r = Reader::new(&buf[1..]);
        let (k, v) = merge_entry::<SInt64, Embedded<UnknownFields>>(WireType::Len, &mut r).unwrap();
        assert_eq!((k, v.as_bytes()), (-1, &[0x08, 0x05][..]));
    }

    #[test]
    fn missing_parts_default_and_extra_fields_are_skipped() {
        // An entry with only a value, then one with a key, an extra field 3 and the value twice.
        let input = [
            0x02, 0x10, 0x07, 0x09, 0x0a, 0x01, b'k', 0x18, 0x05, 0x10, 0x01, 0x10, 0x02,
        ];
        let mut r = Reader::new(&input);
        let first = merge_entry::<Str, Int32>(WireType::Len, &mut r);
        assert_eq!(first, Ok((String::new(), 7)));
        let second = merge_entry::<Str, Int32>(WireType::Len, &mut r);
        assert_eq!(second, Ok(("k".to_string(), 2)));
        assert!(r.is_empty());
    }
}
