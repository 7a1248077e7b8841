//! Generated types against protoc's bytes: every sample of the wire corpus
//! (`wire/protobuf/*.bin`, encoded by protoc from the `.txtpb` next to it)
//! decodes into the generated type with the expected values and re-encodes
//! to the same bytes; quickcheck round trips over generated messages.

use std::path::PathBuf;

use grpclite::wire::{Message, UnknownValue};
use quickcheck::quickcheck;

#[allow(dead_code)]
mod generated {
    include!("generated/corpus.rs");
}

#[path = "codegen_support/arbitrary.rs"]
mod arbitrary;

use arbitrary::Arb;
use generated::{corpus2, corpus3, unknown};

fn bin(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("wire/protobuf")
        .join(format!("{name}.bin"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The samples listed in `samples.txt`: (sample, message full name).
fn samples() -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wire/protobuf/samples.txt");
    std::fs::read_to_string(path)
        .expect("samples.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            (parts[0].to_string(), parts[2].to_string())
        })
        .collect()
}

/// Decodes with `M`, re-encodes, and requires protoc's bytes back.
fn round_trip<M: Message + Default + PartialEq + std::fmt::Debug>(name: &str) -> M {
    let bytes = bin(name);
    let message = M::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(message.encoded_len(), bytes.len(), "{name}: encoded_len");
    assert_eq!(
        message.encode_to_vec(),
        bytes,
        "{name}: re-encoding differs from protoc"
    );
    message
}

#[test]
fn every_sample_round_trips_byte_for_byte_through_the_generated_type() {
    let mut checked = 0;
    for (sample, message) in samples() {
        match message.as_str() {
            "corpus3.Scalars" => drop(round_trip::<corpus3::Scalars>(&sample)),
            "corpus3.Packed" => drop(round_trip::<corpus3::Packed>(&sample)),
            "corpus3.Unpacked" => drop(round_trip::<corpus3::Unpacked>(&sample)),
            "corpus3.Nested" => drop(round_trip::<corpus3::Nested>(&sample)),
            "corpus3.Maps" => drop(round_trip::<corpus3::Maps>(&sample)),
            "corpus3.Oneof" => drop(round_trip::<corpus3::Oneof>(&sample)),
            "corpus2.Scalars" => drop(round_trip::<corpus2::Scalars>(&sample)),
            "corpus2.Repeated" => drop(round_trip::<corpus2::Repeated>(&sample)),
            "corpus2.Groups" => drop(round_trip::<corpus2::Groups>(&sample)),
            "unknown.Rich" => drop(round_trip::<unknown::Rich>(&sample)),
            other => panic!("{sample}: no generated type mapped for {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 18, "every sample in samples.txt");
}

#[test]
fn decoded_values_are_the_ones_in_the_text_format() {
    let max: corpus3::Scalars = round_trip("scalars3_max");
    assert_eq!(max.f_int32, i32::MAX);
    assert_eq!(max.f_uint64, u64::MAX);
    assert_eq!(max.f_sint64, i64::MAX);
    assert_eq!(max.f_float, f32::MAX);
    assert_eq!(max.f_string, "h\u{e9}llo \u{1f30d}");
    assert_eq!(max.f_bytes, [0, 1, 0x7f, 0x80, 0xff]);
    assert_eq!(max.f_enum, corpus3::Color::COLOR_GREEN);
    assert_eq!(max.f_enum.name(), Some("COLOR_GREEN"));
    assert_eq!(max.f_max, 150);
    assert!(max.unknown_fields.is_empty());

    let oneof: corpus3::Oneof = round_trip("oneof3_zero");
    assert_eq!(oneof.choice, Some(corpus3::oneof::Choice::CInt32(0)));

    let oneof: corpus3::Oneof = round_trip("oneof3_leaf");
    assert_eq!((oneof.before, oneof.after), (1, 2));
    match oneof.choice {
        Some(corpus3::oneof::Choice::CLeaf(leaf)) => assert_eq!(leaf.name, "chosen"),
        other => panic!("expected c_leaf, got {other:?}"),
    }

    let maps: corpus3::Maps = round_trip("maps3");
    assert_eq!(maps.string_int32.get("b"), Some(&i32::MAX));
    assert_eq!(
        maps.int32_string.get(&-5).map(String::as_str),
        Some("minus five")
    );
    assert_eq!(maps.uint64_enum.get(&u64::MAX), Some(&corpus3::Color(-7)));
    assert_eq!(maps.sint64_leaf.get(&-1).map(|l| l.value), Some(1));

    let groups: corpus2::Groups = round_trip("groups2");
    assert_eq!(groups.id, Some(1));
    let header = groups.header.expect("header group");
    assert_eq!(header.title.as_deref(), Some("head"));
    assert_eq!(header.inner.and_then(|i| i.depth), Some(-2));
    assert_eq!(groups.item.len(), 3);
    assert_eq!(groups.item[0].label.as_deref(), Some("first"));
    assert_eq!(groups.trailer, Some(9));

    let repeated: corpus2::Repeated = round_trip("repeated2");
    assert_eq!(repeated.packed_int32, [1, -1, 300]);
    assert_eq!(
        repeated.packed_enum,
        [
            corpus2::Kind::KIND_ONE,
            corpus2::Kind::KIND_MINUS,
            corpus2::Kind::KIND_ZERO
        ]
    );

    let nested: corpus3::Nested = round_trip("nested3");
    let mut depth = 0;
    let mut node = &nested;
    while let Some(child) = &node.child {
        depth += 1;
        node = child;
    }
    assert!(
        depth >= 3,
        "recursive field decodes through Box: depth {depth}"
    );
}

#[test]
fn proto2_unset_fields_report_their_defaults_and_set_ones_their_values() {
    let defaults: corpus2::Scalars = round_trip("scalars2_defaults");
    assert_eq!(defaults.f_int32, Some(0));
    assert_eq!(defaults.f_string.as_deref(), Some(""));
    let empty = corpus2::Scalars::default();
    assert_eq!(empty.f_int32(), 0);
    assert_eq!(empty.f_string(), "");
    assert_eq!(empty.f_bytes(), b"");
    // An unset closed enum reads as its first value.
    assert_eq!(empty.f_enum(), corpus2::Kind::KIND_ZERO);
    let values: corpus2::Scalars = round_trip("scalars2_values");
    assert_eq!(values.f_int32(), -150);
    assert_eq!(values.f_enum(), corpus2::Kind::KIND_MINUS);
    assert_eq!(values.f_string(), "proto2");
}

#[test]
fn a_closed_enum_keeps_unknown_numbers_in_unknown_fields() {
    // corpus2.Scalars.f_enum (16) = 5, then packed_enum (9) of corpus2.Repeated = [1, 7].
    let bytes = [0x80, 0x01, 0x05];
    let scalars = corpus2::Scalars::decode(&bytes).unwrap();
    assert_eq!(scalars.f_enum, None);
    let unknown: Vec<(u32, UnknownValue<'_>)> = scalars
        .unknown_fields
        .iter()
        .map(|f| (f.field, f.value))
        .collect();
    assert_eq!(unknown, [(16, UnknownValue::Varint(5))]);
    assert_eq!(scalars.encode_to_vec(), bytes);

    let packed = [0x4a, 0x02, 0x01, 0x07];
    let repeated = corpus2::Repeated::decode(&packed).unwrap();
    assert_eq!(repeated.packed_enum, [corpus2::Kind::KIND_ONE]);
    let unknown: Vec<(u32, UnknownValue<'_>)> = repeated
        .unknown_fields
        .iter()
        .map(|f| (f.field, f.value))
        .collect();
    assert_eq!(unknown, [(9, UnknownValue::Varint(7))]);
}

#[test]
fn an_open_enum_keeps_unknown_numbers_in_the_field() {
    // corpus3.Scalars.f_enum (16) = 5.
    let bytes = [0x80, 0x01, 0x05];
    let scalars = corpus3::Scalars::decode(&bytes).unwrap();
    assert_eq!(scalars.f_enum, corpus3::Color(5));
    assert!(!scalars.f_enum.is_known());
    assert_eq!(scalars.f_enum.name(), None);
    assert_eq!(
        corpus3::Color::from_name("COLOR_RED"),
        Some(corpus3::Color::COLOR_RED)
    );
    assert_eq!(corpus3::Color::from_name("RED"), None);
    assert!(scalars.unknown_fields.is_empty());
    assert_eq!(scalars.encode_to_vec(), bytes);
}

#[test]
fn a_poorer_generated_schema_re_emits_what_it_does_not_know() {
    let bytes = bin("unknown_rich");
    let poor = unknown::Poor::decode(&bytes).unwrap();
    assert_eq!(poor.known_int32, Some(42));
    assert_eq!(poor.encode_to_vec(), bytes);
    let rich = unknown::Rich::decode(&poor.encode_to_vec()).unwrap();
    assert_eq!(
        rich.extragroup
            .and_then(|g| g.deeper)
            .and_then(|d| d.b)
            .as_deref(),
        Some("deepest")
    );
}

// ---------------------------------------------------------------------------
// Properties over generated messages, with the shared Arbitrary values.

fn decodes_back<M: Message + Default + PartialEq>(m: &M) -> bool {
    let bytes = m.encode_to_vec();
    bytes.len() == m.encoded_len() && M::decode(&bytes).as_ref() == Ok(m)
}

quickcheck! {
    fn scalars3_round_trip(m: Arb<corpus3::Scalars>) -> bool { decodes_back(&m.0) }
    fn packed3_round_trip(m: Arb<corpus3::Packed>) -> bool { decodes_back(&m.0) }
    fn unpacked3_round_trip(m: Arb<corpus3::Unpacked>) -> bool { decodes_back(&m.0) }
    fn oneof3_round_trip(m: Arb<corpus3::Oneof>) -> bool { decodes_back(&m.0) }
    fn maps3_round_trip(m: Arb<corpus3::Maps>) -> bool { decodes_back(&m.0) }
    fn nested3_round_trip(m: Arb<corpus3::Nested>) -> bool { decodes_back(&m.0) }
    fn scalars2_round_trip(m: Arb<corpus2::Scalars>) -> bool { decodes_back(&m.0) }
    fn repeated2_round_trip(m: Arb<corpus2::Repeated>) -> bool { decodes_back(&m.0) }
    fn groups2_round_trip(m: Arb<corpus2::Groups>) -> bool { decodes_back(&m.0) }

    fn generated_decoders_never_panic(bytes: Vec<u8>) -> bool {
        // Any outcome but a panic; what decodes re-decodes to the same message.
        let a = corpus3::Nested::decode(&bytes).map(|m| decodes_back(&m)).unwrap_or(true);
        let b = corpus2::Groups::decode(&bytes).map(|m| decodes_back(&m)).unwrap_or(true);
        let c = corpus3::Maps::decode(&bytes).map(|m| decodes_back(&m)).unwrap_or(true);
        let _ = unknown::Rich::decode(&bytes);
        let _ = corpus3::Oneof::decode(&bytes);
        a && b && c
    }
}
