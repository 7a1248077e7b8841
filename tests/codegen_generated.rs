//! The committed generated code compiles here warning-free (clippy
//! `--all-targets` checks it as part of this test crate) and behaves:
//! defaults, escaped names, closed enums. `tests/codegen_regenerate.rs`
//! keeps it equal to the generator's output.

#[allow(dead_code)]
mod generated_corpus {
    include!("generated/corpus.rs");
}

#[allow(dead_code)]
mod generated_cases {
    include!("generated/cases.rs");
}

#[allow(dead_code)]
mod generated_edge {
    include!("generated/edge.rs");
}

#[test]
fn proto2_defaults_come_from_the_default_option() {
    use generated_cases::cases::p2::{defaults::Kind, Defaults};
    let d = Defaults::default();
    assert_eq!(d.i32(), i32::MIN);
    assert_eq!(d.i64(), i64::MAX);
    assert_eq!(d.u32(), u32::MAX);
    assert_eq!(d.u64(), 0x7f);
    assert_eq!(d.s32(), -0o17);
    assert_eq!(d.f(), 1.1_f32);
    assert_eq!(d.d(), 1e100);
    assert_eq!(d.d2(), f64::NEG_INFINITY);
    assert!(d.d3().is_nan());
    assert_eq!(d.f2(), 3.4028235e38_f32);
    assert!(d.b());
    assert_eq!(d.s(), "tab\there \"q\" \u{e9}");
    assert_eq!(d.by(), b"\x00\x01\xff'\\");
    assert_eq!(d.k(), Kind::SECOND);
    assert_eq!(d.f3(), 5.0);
    assert!(d.d6() == 0.0 && d.d6().is_sign_negative());
    // Set values win over defaults; nothing unset is encoded.
    let set = Defaults {
        i32: Some(3),
        ..Default::default()
    };
    assert_eq!(set.i32(), 3);
    use grpclite::wire::Message;
    assert_eq!(d.encode_to_vec(), b"");
}

#[test]
fn names_that_clash_with_rust_are_escaped() {
    use generated_edge::edge::r#type::{result, Kind, Option as OptionMessage, Result};
    use grpclite::wire::{Message, UnknownValue};
    let m = Result {
        r#type: Some("t".into()),
        self_: Some(1),
        choice: Some(result::Choice::Nested(Box::default())),
        ..Default::default()
    };
    assert_eq!(m.self_(), 1);
    assert_eq!(Result::default().self_(), 7);
    assert_eq!(Result::default().kind_default(), Kind::KIND_A);
    assert_eq!(Result::default().kind_set(), Kind::KIND_B);
    assert_eq!(Kind::KIND_ALIAS, Kind::KIND_B);
    assert_eq!(Kind(2).name(), Some("KIND_B"));
    assert_eq!(Kind::from_name("KIND_ALIAS"), Some(Kind(2)));
    let wrapped = OptionMessage {
        result: Some(m.clone()),
        ..Default::default()
    };
    assert_eq!(OptionMessage::decode(&wrapped.encode_to_vec()), Ok(wrapped));

    // map<int32, Kind> entry {1: 9}: 9 is not a Kind, so the entry is unknown.
    let bytes = [
        0x1a, 0x04, 0x08, 0x01, 0x10, 0x09, 0x1a, 0x04, 0x08, 0x02, 0x10, 0x01,
    ];
    let decoded = Result::decode(&bytes).unwrap();
    assert_eq!(decoded.kinds.get(&2), Some(&Kind::KIND_A));
    assert_eq!(decoded.kinds.len(), 1);
    let unknown: Vec<(u32, UnknownValue<'_>)> = decoded
        .unknown_fields
        .iter()
        .map(|f| (f.field, f.value))
        .collect();
    assert_eq!(unknown, [(3, UnknownValue::Len(&[0x08, 0x01, 0x10, 0x09]))]);
    // A closed enum in a oneof: unknown numbers leave the oneof unset.
    let oneof_unknown = Result::decode(&[0x20, 0x05]).unwrap();
    assert_eq!(oneof_unknown.choice, None);
    assert_eq!(oneof_unknown.encode_to_vec(), [0x20, 0x05]);
    let oneof_known = Result::decode(&[0x20, 0x02]).unwrap();
    assert_eq!(oneof_known.choice, Some(result::Choice::Kind(Kind::KIND_B)));
    // Repeated closed enum, unpacked (proto2): unknown numbers go aside in order.
    let list = Result::decode(&[0x48, 0x01, 0x48, 0x03, 0x48, 0x02]).unwrap();
    assert_eq!(list.kind_list, [Kind::KIND_A, Kind::KIND_B]);
    assert_eq!(list.encode_to_vec(), [0x48, 0x01, 0x48, 0x02, 0x48, 0x03]);
}
