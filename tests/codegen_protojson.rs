//! ProtoJSON over generated messages: a generated message, encoded, decodes
//! as a `DynamicMessage` of the pool loaded from the same `.proto`, prints as
//! ProtoJSON, parses back and re-encodes to a generated message equal to the
//! original; fixed examples check the exact JSON text (json.md).

use std::path::PathBuf;
use std::sync::Arc;

use grpclite::proto::grpc::testing;
use grpclite::schema::dynamic::DynamicMessage;
use grpclite::schema::protojson::{self, ParseOptions, PrintOptions};
use grpclite::schema::{DiskSourceTree, Pool};
use grpclite::wire::Message;
use quickcheck::{quickcheck, Arbitrary, Gen};

#[allow(dead_code)]
mod generated {
    include!("generated/corpus.rs");
}

#[path = "codegen_support/arbitrary.rs"]
mod arbitrary;

use arbitrary::{finite, Arb};
use generated::{corpus2, corpus3};

/// The pool of `name` under `include` (relative to the crate root).
fn pool(include: &str, name: &str) -> Arc<Pool> {
    let tree = DiskSourceTree::new([PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(include)]);
    let mut pool = Pool::new();
    if let Err(e) = pool.load(&tree, name) {
        panic!("{name} failed to load:\n{e}");
    }
    Arc::new(pool)
}

fn corpus3_pool() -> Arc<Pool> {
    pool("wire/protobuf", "proto3_types.proto")
}

fn corpus2_pool() -> Arc<Pool> {
    pool("wire/protobuf", "proto2_types.proto")
}

fn testing_pool() -> Arc<Pool> {
    pool("proto", "grpc/testing/messages.proto")
}

/// Prints every field, including those without presence at their defaults.
fn print_all() -> PrintOptions {
    PrintOptions {
        always_print_fields_with_no_presence: true,
        ..Default::default()
    }
}

/// The generated message as ProtoJSON, through the dynamic message of
/// `full_name`.
fn to_json<M: Message>(
    pool: &Arc<Pool>,
    full_name: &str,
    message: &M,
    options: &PrintOptions,
) -> String {
    let id = pool
        .message_by_name(full_name)
        .unwrap_or_else(|| panic!("{full_name} not in the pool"));
    let dynamic = DynamicMessage::decode(pool.clone(), id, &message.encode_to_vec())
        .unwrap_or_else(|e| panic!("{full_name}: dynamic decode: {e}"));
    protojson::print(&dynamic, options).unwrap_or_else(|e| panic!("{full_name}: print: {e}"))
}

/// The ProtoJSON text parsed as `full_name` and decoded as the generated `M`.
fn from_json<M: Message + Default>(pool: &Arc<Pool>, full_name: &str, text: &str) -> M {
    let id = pool
        .message_by_name(full_name)
        .unwrap_or_else(|| panic!("{full_name} not in the pool"));
    let dynamic = protojson::parse(pool, id, text, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{full_name}: parse {text}: {e}"));
    M::decode(&dynamic.encode_to_vec())
        .unwrap_or_else(|e| panic!("{full_name}: generated decode: {e}"))
}

/// generated -> bytes -> dynamic -> JSON -> dynamic -> bytes -> generated,
/// under both print options; compared by encoding, so NaN compares equal.
fn json_round_trips<M: Message + Default + std::fmt::Debug>(
    pool: &Arc<Pool>,
    full_name: &str,
    message: &M,
) -> bool {
    let expected = message.encode_to_vec();
    for options in [PrintOptions::default(), print_all()] {
        let text = to_json(pool, full_name, message, &options);
        let back: M = from_json(pool, full_name, &text);
        if back.encode_to_vec() != expected {
            eprintln!(
                "{full_name} differs after {text}\n  original: {message:?}\n  back:     {back:?}"
            );
            return false;
        }
    }
    true
}

quickcheck! {
    fn scalars3_json_round_trip(m: Arb<corpus3::Scalars>) -> bool {
        json_round_trips(&corpus3_pool(), "corpus3.Scalars", &m.0)
    }
    fn packed3_json_round_trip(m: Arb<corpus3::Packed>) -> bool {
        json_round_trips(&corpus3_pool(), "corpus3.Packed", &m.0)
    }
    fn unpacked3_json_round_trip(m: Arb<corpus3::Unpacked>) -> bool {
        json_round_trips(&corpus3_pool(), "corpus3.Unpacked", &m.0)
    }
    fn oneof3_json_round_trip(m: Arb<corpus3::Oneof>) -> bool {
        json_round_trips(&corpus3_pool(), "corpus3.Oneof", &m.0)
    }
    fn maps3_json_round_trip(m: Arb<corpus3::Maps>) -> bool {
        json_round_trips(&corpus3_pool(), "corpus3.Maps", &m.0)
    }
    fn nested3_json_round_trip(m: Arb<corpus3::Nested>) -> bool {
        json_round_trips(&corpus3_pool(), "corpus3.Nested", &m.0)
    }
    fn scalars2_json_round_trip(m: Arb<corpus2::Scalars>) -> bool {
        json_round_trips(&corpus2_pool(), "corpus2.Scalars", &m.0)
    }
    fn repeated2_json_round_trip(m: Arb<corpus2::Repeated>) -> bool {
        json_round_trips(&corpus2_pool(), "corpus2.Repeated", &m.0)
    }
    fn groups2_json_round_trip(m: Arb<corpus2::Groups>) -> bool {
        json_round_trips(&corpus2_pool(), "corpus2.Groups", &m.0)
    }
    fn simple_request_json_round_trip(m: Arb<testing::SimpleRequest>) -> bool {
        json_round_trips(&testing_pool(), "grpc.testing.SimpleRequest", &m.0)
    }
}

/// NaN and the infinities print as the strings json.md names and come back
/// with the same bits (the quickcheck values avoid NaN for `==` elsewhere).
#[test]
fn special_floats_round_trip_by_encoding() {
    let pool = corpus3_pool();
    for (float, double, json) in [
        (f32::NAN, f64::NAN, r#"{"fFloat":"NaN","fDouble":"NaN"}"#),
        (-0.0, -0.0, r#"{"fFloat":-0,"fDouble":-0}"#),
        (
            f32::INFINITY,
            f64::NEG_INFINITY,
            r#"{"fFloat":"Infinity","fDouble":"-Infinity"}"#,
        ),
    ] {
        let m = corpus3::Scalars {
            f_float: float,
            f_double: double,
            ..Default::default()
        };
        assert_eq!(
            to_json(&pool, "corpus3.Scalars", &m, &PrintOptions::default()),
            json
        );
        assert!(json_round_trips(&pool, "corpus3.Scalars", &m));
    }
}

#[test]
fn scalars_print_as_json_md_says() {
    let pool = corpus3_pool();
    let m = corpus3::Scalars {
        f_int32: -5,
        f_int64: 1 << 40,
        f_uint32: u32::MAX,
        f_uint64: u64::MAX,
        f_sint64: i64::MIN,
        f_fixed64: 7,
        f_float: 1.5,
        f_double: 0.1,
        f_bool: true,
        f_string: "a\"\u{e9}\n".into(),
        f_bytes: vec![0x00, 0xff, 0xfe],
        f_enum: corpus3::Color::COLOR_RED,
        f_max: 3,
        ..Default::default()
    };
    // json.md: 64-bit integers are strings, bytes are padded standard base64,
    // enums are value names, keys are lowerCamelCase JSON names; fields
    // without presence at their defaults are omitted.
    let expected = concat!(
        r#"{"fInt32":-5,"fInt64":"1099511627776","fUint32":4294967295,"#,
        r#""fUint64":"18446744073709551615","fSint64":"-9223372036854775808","#,
        r#""fFixed64":"7","fFloat":1.5,"fDouble":0.1,"fBool":true,"#,
        r#""fString":"a\"é\n","fBytes":"AP/+","fEnum":"COLOR_RED","fMax":3}"#,
    );
    assert_eq!(
        to_json(&pool, "corpus3.Scalars", &m, &PrintOptions::default()),
        expected
    );
    assert_eq!(
        from_json::<corpus3::Scalars>(&pool, "corpus3.Scalars", expected),
        m
    );
}

#[test]
fn defaults_print_only_when_asked() {
    let pool = corpus3_pool();
    let empty = corpus3::Scalars::default();
    assert_eq!(
        to_json(&pool, "corpus3.Scalars", &empty, &PrintOptions::default()),
        "{}"
    );
    let expected = concat!(
        r#"{"fInt32":0,"fInt64":"0","fUint32":0,"fUint64":"0","fSint32":0,"#,
        r#""fSint64":"0","fFixed32":0,"fFixed64":"0","fSfixed32":0,"fSfixed64":"0","#,
        r#""fFloat":0,"fDouble":0,"fBool":false,"fString":"","fBytes":"","#,
        r#""fEnum":"COLOR_UNSPECIFIED","fHigh":0,"fMax":0}"#,
    );
    assert_eq!(
        to_json(&pool, "corpus3.Scalars", &empty, &print_all()),
        expected
    );
    assert_eq!(
        from_json::<corpus3::Scalars>(&pool, "corpus3.Scalars", expected),
        empty
    );
}

#[test]
fn an_unknown_enum_number_prints_as_a_number() {
    let pool = corpus3_pool();
    let m = corpus3::Scalars {
        f_enum: corpus3::Color(5),
        ..Default::default()
    };
    let json = to_json(&pool, "corpus3.Scalars", &m, &PrintOptions::default());
    assert_eq!(json, r#"{"fEnum":5}"#);
    assert_eq!(
        from_json::<corpus3::Scalars>(&pool, "corpus3.Scalars", &json),
        m
    );
}

#[test]
fn maps_and_oneofs_print_as_json_md_says() {
    let pool = corpus3_pool();
    let maps = corpus3::Maps {
        int32_string: [(-1, "x".to_string())].into(),
        bool_bytes: [(true, vec![0xfb])].into(),
        uint64_enum: [(u64::MAX, corpus3::Color::COLOR_NEGATIVE)].into(),
        ..Default::default()
    };
    // json.md: map keys are always strings, bool keys "true"/"false".
    let expected = concat!(
        r#"{"int32String":{"-1":"x"},"boolBytes":{"true":"+w=="},"#,
        r#""uint64Enum":{"18446744073709551615":"COLOR_NEGATIVE"}}"#,
    );
    assert_eq!(
        to_json(&pool, "corpus3.Maps", &maps, &PrintOptions::default()),
        expected
    );
    assert_eq!(
        from_json::<corpus3::Maps>(&pool, "corpus3.Maps", expected),
        maps
    );

    // A oneof member has presence: set to its default, it still prints.
    let oneof = corpus3::Oneof {
        choice: Some(corpus3::oneof::Choice::CInt32(0)),
        ..Default::default()
    };
    let expected = r#"{"cInt32":0}"#;
    assert_eq!(
        to_json(&pool, "corpus3.Oneof", &oneof, &PrintOptions::default()),
        expected
    );
    assert_eq!(
        from_json::<corpus3::Oneof>(&pool, "corpus3.Oneof", expected),
        oneof
    );
}

#[test]
fn proto2_groups_print_under_their_field_names() {
    use corpus2::groups::{header::Inner, Header, Item};
    let pool = corpus2_pool();
    let m = corpus2::Groups {
        id: Some(0),
        header: Some(Header {
            title: Some("t".into()),
            inner: Some(Inner {
                depth: Some(-2),
                ..Default::default()
            }),
            ..Default::default()
        }),
        item: vec![
            Item {
                n: Some(1),
                ..Default::default()
            },
            Item::default(),
        ],
        ..Default::default()
    };
    // proto2 `optional` has presence, so `id: 0` prints; a group's field is
    // named after the group in lower case.
    let expected = concat!(
        r#"{"id":0,"header":{"title":"t","inner":{"depth":"-2"}},"#,
        r#""item":[{"n":1},{}]}"#,
    );
    assert_eq!(
        to_json(&pool, "corpus2.Groups", &m, &PrintOptions::default()),
        expected
    );
    assert_eq!(
        from_json::<corpus2::Groups>(&pool, "corpus2.Groups", expected),
        m
    );
}

#[test]
fn the_interop_simple_request_prints_as_json_md_says() {
    let pool = testing_pool();
    let m = testing::SimpleRequest {
        response_type: testing::PayloadType::COMPRESSABLE,
        response_size: 314159,
        payload: Some(testing::Payload {
            body: vec![0; 5],
            ..Default::default()
        }),
        fill_username: true,
        response_compressed: Some(testing::BoolValue {
            value: true,
            ..Default::default()
        }),
        response_status: Some(testing::EchoStatus {
            code: 2,
            message: "caf\u{e9}".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    // `response_type` is COMPRESSABLE (0), the default, so it is omitted;
    // `grpc.testing.BoolValue` is an ordinary message, not the wrapper type.
    let expected = concat!(
        r#"{"responseSize":314159,"payload":{"body":"AAAAAAA="},"#,
        r#""fillUsername":true,"responseCompressed":{"value":true},"#,
        r#""responseStatus":{"code":2,"message":"café"}}"#,
    );
    assert_eq!(
        to_json(
            &pool,
            "grpc.testing.SimpleRequest",
            &m,
            &PrintOptions::default()
        ),
        expected
    );
    assert_eq!(
        from_json::<testing::SimpleRequest>(&pool, "grpc.testing.SimpleRequest", expected),
        m
    );
}

impl Arbitrary for Arb<testing::SimpleRequest> {
    fn arbitrary(g: &mut Gen) -> Self {
        let bool_value = |g: &mut Gen| {
            bool::arbitrary(g).then(|| testing::BoolValue {
                value: bool::arbitrary(g),
                ..Default::default()
            })
        };
        Arb(testing::SimpleRequest {
            response_type: testing::PayloadType(i32::arbitrary(g)),
            response_size: i32::arbitrary(g),
            payload: bool::arbitrary(g).then(|| testing::Payload {
                r#type: testing::PayloadType(i32::arbitrary(g)),
                body: Vec::arbitrary(g),
                ..Default::default()
            }),
            fill_username: bool::arbitrary(g),
            fill_oauth_scope: bool::arbitrary(g),
            response_compressed: bool_value(g),
            response_status: bool::arbitrary(g).then(|| testing::EchoStatus {
                code: i32::arbitrary(g),
                message: String::arbitrary(g),
                ..Default::default()
            }),
            expect_compressed: bool_value(g),
            fill_server_id: bool::arbitrary(g),
            fill_grpclb_route_type: bool::arbitrary(g),
            orca_per_query_report: bool::arbitrary(g).then(|| testing::TestOrcaReport {
                cpu_utilization: finite(f64::arbitrary(g)),
                memory_utilization: finite(f64::arbitrary(g)),
                request_cost: Vec::<(String, f64)>::arbitrary(g)
                    .into_iter()
                    .map(|(k, v)| (k, finite(v)))
                    .collect(),
                utilization: Vec::<(String, f64)>::arbitrary(g)
                    .into_iter()
                    .map(|(k, v)| (k, finite(v)))
                    .collect(),
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}
