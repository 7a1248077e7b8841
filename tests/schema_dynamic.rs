//! Dynamic messages against protoc: every sample of the wire corpus
//! (`wire/protobuf/`) decodes through a schema loaded from its `.proto` and
//! re-encodes to protoc's exact bytes; random dynamic messages round-trip
//! through the binary and the JSON forms.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use grpclite::schema::dynamic::{DynamicMessage, MapKey, Value};
use grpclite::schema::protojson::{self, ParseOptions, PrintOptions};
use grpclite::schema::{DiskSourceTree, FieldType, MessageId, Pool};
use grpclite::wire::Message;
use quickcheck::{Arbitrary, Gen, QuickCheck};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("wire/protobuf")
}

fn corpus_pool() -> Arc<Pool> {
    static POOL: std::sync::OnceLock<Arc<Pool>> = std::sync::OnceLock::new();
    Arc::clone(POOL.get_or_init(load_corpus_pool))
}

fn load_corpus_pool() -> Arc<Pool> {
    let tree = DiskSourceTree::new([corpus_dir()]);
    let mut pool = Pool::new();
    pool.load_all(
        &tree,
        [
            "proto3_types.proto",
            "proto2_types.proto",
            "unknown_fields.proto",
        ],
    )
    .expect("corpus schemas load");
    Arc::new(pool)
}

/// (sample name, message type) from `samples.txt`.
fn samples() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(corpus_dir().join("samples.txt")).expect("samples.txt");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            (parts[0].to_string(), parts[2].to_string())
        })
        .collect()
}

fn decode_sample(pool: &Arc<Pool>, name: &str, message: &str) -> (Vec<u8>, DynamicMessage) {
    let bytes = std::fs::read(corpus_dir().join(format!("{name}.bin"))).expect("sample .bin");
    let id = pool.message_by_name(message).expect("sample type");
    let decoded = DynamicMessage::decode(Arc::clone(pool), id, &bytes)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    (bytes, decoded)
}

#[test]
fn every_sample_reencodes_to_protocs_bytes() {
    let pool = corpus_pool();
    let samples = samples();
    assert!(samples.len() >= 18, "samples.txt lists {}", samples.len());
    for (name, message) in &samples {
        let (bytes, decoded) = decode_sample(&pool, name, message);
        assert_eq!(decoded.encode_to_vec(), bytes, "{name} re-encoded");
        assert_eq!(decoded.encoded_len(), bytes.len(), "{name} encoded_len");
    }
    println!("{} corpus samples re-encoded byte for byte", samples.len());
}

#[test]
fn sample_values_are_decoded() {
    let pool = corpus_pool();
    let (_, m) = decode_sample(&pool, "scalars3_max", "corpus3.Scalars");
    assert_eq!(m.get_by_name("f_int32"), Some(&Value::I32(i32::MAX)));
    assert_eq!(m.get_by_name("f_uint64"), Some(&Value::U64(u64::MAX)));
    assert_eq!(m.get_by_name("f_sint64"), Some(&Value::I64(i64::MAX)));

    let (_, m) = decode_sample(&pool, "maps3", "corpus3.Maps");
    let Some(Value::Map(entries)) = m.get_by_name("string_int32") else {
        panic!("string_int32 not a map: {m:?}");
    };
    assert_eq!(
        entries.get(&MapKey::String("a".into())),
        Some(&Value::I32(-1))
    );
    assert_eq!(entries.len(), 3);
    let Some(Value::Map(entries)) = m.get_by_name("uint64_enum") else {
        panic!("uint64_enum not a map");
    };
    assert_eq!(
        entries.get(&MapKey::U64(u64::MAX)),
        Some(&Value::EnumNumber(-7))
    );

    let (_, m) = decode_sample(&pool, "groups2", "corpus2.Groups");
    let Some(Value::List(items)) = m.get_by_name("item") else {
        panic!("item not a list: {m:?}");
    };
    assert_eq!(items.len(), 3);

    let (_, m) = decode_sample(&pool, "oneof3_zero", "corpus3.Oneof");
    // A oneof member set to zero is present and written.
    assert_eq!(m.fields().count(), 1);
}

#[test]
fn a_poorer_schema_keeps_unknown_fields_byte_for_byte() {
    let pool = corpus_pool();
    let (bytes, _) = decode_sample(&pool, "unknown_rich", "unknown.Rich");
    let poor = pool.message_by_name("unknown.Poor").expect("unknown.Poor");
    let m = DynamicMessage::decode(Arc::clone(&pool), poor, &bytes).unwrap();
    assert!(!m.unknown_fields().is_empty());
    // Known fields come out first, then the unknown ones in arrival order,
    // so decode it again as Rich and compare values rather than bytes.
    let rich = pool.message_by_name("unknown.Rich").unwrap();
    let again = DynamicMessage::decode(Arc::clone(&pool), rich, &m.encode_to_vec()).unwrap();
    let direct = DynamicMessage::decode(pool, rich, &bytes).unwrap();
    assert_eq!(again, direct);
}

// ---------------------------------------------------------------------------
// Random dynamic messages.

/// A random value of one element of field kind `ty`.
fn random_element(pool: &Arc<Pool>, ty: FieldType, g: &mut Gen, depth: u32) -> Option<Value> {
    use grpclite::schema::ast::ScalarType as S;
    Some(match ty {
        FieldType::Scalar(s) => match s {
            S::Bool => Value::Bool(bool::arbitrary(g)),
            S::Int32 | S::Sint32 | S::Sfixed32 => Value::I32(i32::arbitrary(g)),
            S::Int64 | S::Sint64 | S::Sfixed64 => Value::I64(i64::arbitrary(g)),
            S::Uint32 | S::Fixed32 => Value::U32(u32::arbitrary(g)),
            S::Uint64 | S::Fixed64 => Value::U64(u64::arbitrary(g)),
            S::Float => Value::F32(finite32(g)),
            S::Double => Value::F64(finite64(g)),
            S::String => Value::String(String::arbitrary(g)),
            S::Bytes => Value::Bytes(Vec::<u8>::arbitrary(g)),
        },
        FieldType::Enum(e) => {
            let values = &pool.enumeration(e)?.values;
            Value::EnumNumber(g.choose(values)?.number)
        }
        FieldType::Message(m) | FieldType::Group(m) => {
            if depth == 0 {
                return None;
            }
            Value::Message(Box::new(random_message(pool, m, g, depth - 1)))
        }
    })
}

fn finite32(g: &mut Gen) -> f32 {
    let v = f32::arbitrary(g);
    if v.is_finite() {
        v
    } else {
        1.5
    }
}

fn finite64(g: &mut Gen) -> f64 {
    let v = f64::arbitrary(g);
    if v.is_finite() {
        v
    } else {
        -2.25
    }
}

/// A random message of type `id`: each field set with probability 1/2.
pub fn random_message(pool: &Arc<Pool>, id: MessageId, g: &mut Gen, depth: u32) -> DynamicMessage {
    let mut m = DynamicMessage::new(Arc::clone(pool), id).unwrap();
    let desc = pool.message(id).unwrap();
    for fd in &desc.fields {
        if !bool::arbitrary(g) {
            continue;
        }
        let value = if let FieldType::Message(entry) = fd.ty {
            let entry_desc = pool.message(entry).unwrap();
            if entry_desc.is_map_entry {
                let key_ty = entry_desc.field_by_number(1).unwrap().ty;
                let value_ty = entry_desc.field_by_number(2).unwrap().ty;
                let mut map = BTreeMap::new();
                for _ in 0..usize::arbitrary(g) % 4 {
                    let key = random_element(pool, key_ty, g, depth).and_then(MapKey::from_value);
                    let value = random_element(pool, value_ty, g, depth);
                    if let (Some(k), Some(v)) = (key, value) {
                        map.insert(k, v);
                    }
                }
                m.set(fd.number, Value::Map(map)).unwrap();
                continue;
            }
            None
        } else {
            None
        };
        let value = match value {
            Some(v) => Some(v),
            None if fd.is_repeated() => {
                let n = usize::arbitrary(g) % 4;
                let items: Option<Vec<Value>> = (0..n)
                    .map(|_| random_element(pool, fd.ty, g, depth))
                    .collect();
                items.map(Value::List)
            }
            None => random_element(pool, fd.ty, g, depth),
        };
        if let Some(v) = value {
            m.set(fd.number, v).unwrap();
        }
    }
    m
}

const CORPUS_TYPES: &[&str] = &[
    "corpus3.Scalars",
    "corpus3.Packed",
    "corpus3.Unpacked",
    "corpus3.Nested",
    "corpus3.Maps",
    "corpus3.Oneof",
    "corpus2.Scalars",
    "corpus2.Repeated",
    "corpus2.Groups",
];

#[test]
fn random_messages_round_trip_through_the_wire() {
    fn prop(seed: u64) -> bool {
        let pool = corpus_pool();
        let mut g = Gen::new(((seed % 20) + 1) as usize);
        for name in CORPUS_TYPES {
            let id = pool.message_by_name(name).unwrap();
            let m = random_message(&pool, id, &mut g, 3);
            let bytes = m.encode_to_vec();
            assert_eq!(bytes.len(), m.encoded_len());
            let back = DynamicMessage::decode(Arc::clone(&pool), id, &bytes).unwrap();
            assert_eq!(back, m, "{name}");
        }
        true
    }
    QuickCheck::new()
        .tests(200)
        .quickcheck(prop as fn(u64) -> bool);
}

#[test]
fn random_messages_round_trip_through_json() {
    fn prop(seed: u64) -> bool {
        let pool = corpus_pool();
        let mut g = Gen::new(((seed % 20) + 1) as usize);
        for name in CORPUS_TYPES {
            let id = pool.message_by_name(name).unwrap();
            let m = random_message(&pool, id, &mut g, 3);
            // Every printer option must still read back as the same message.
            let options = PrintOptions {
                always_print_fields_with_no_presence: bool::arbitrary(&mut g),
                preserve_proto_field_names: bool::arbitrary(&mut g),
                enums_as_ints: bool::arbitrary(&mut g),
                ..PrintOptions::default()
            };
            let text = protojson::print(&m, &options).unwrap();
            let back = protojson::parse(&pool, id, &text, &ParseOptions::default())
                .unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
            assert_eq!(back, m, "{name}: {text}");
        }
        true
    }
    QuickCheck::new()
        .tests(200)
        .quickcheck(prop as fn(u64) -> bool);
}

#[test]
fn dynamic_messages_can_cross_threads() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<DynamicMessage>();
    let pool = corpus_pool();
    let id = pool.message_by_name("corpus3.Scalars").unwrap();
    let mut m = DynamicMessage::new(pool, id).unwrap();
    m.set(1, Value::I32(-3)).unwrap();
    let bytes = std::thread::spawn(move || m.encode_to_vec())
        .join()
        .unwrap();
    assert_eq!(
        bytes,
        [0x08, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
    );
}

#[test]
fn arbitrary_bytes_never_panic_the_decoder() {
    fn prop(bytes: Vec<u8>) -> bool {
        let pool = corpus_pool();
        for name in CORPUS_TYPES {
            let id = pool.message_by_name(name).unwrap();
            if let Ok(m) = DynamicMessage::decode(Arc::clone(&pool), id, &bytes) {
                let again = DynamicMessage::decode(Arc::clone(&pool), id, &m.encode_to_vec());
                assert_eq!(again.as_ref(), Ok(&m));
            }
        }
        true
    }
    QuickCheck::new()
        .tests(500)
        .quickcheck(prop as fn(Vec<u8>) -> bool);
}
