//! Random generated corpus messages for quickcheck properties, shared by the
//! binary (`codegen_corpus.rs`) and ProtoJSON (`codegen_protojson.rs`) tests.
//! The including test crate declares `mod generated` with `corpus.rs`.

use quickcheck::{Arbitrary, Gen};

use crate::generated::{corpus2, corpus3};

/// A generated message with an `Arbitrary` impl (the orphan rule needs the
/// wrapper).
#[derive(Clone, Debug)]
pub struct Arb<T>(pub T);

/// NaN is not equal to itself, so the equality properties use other values.
pub fn finite(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x
    }
}

/// A random `corpus3.Leaf`, the message most others nest.
pub fn leaf(g: &mut Gen) -> corpus3::Leaf {
    corpus3::Leaf {
        name: String::arbitrary(g),
        value: i64::arbitrary(g),
        ..Default::default()
    }
}

impl Arbitrary for Arb<corpus3::Scalars> {
    fn arbitrary(g: &mut Gen) -> Self {
        Arb(corpus3::Scalars {
            f_int32: i32::arbitrary(g),
            f_int64: i64::arbitrary(g),
            f_uint32: u32::arbitrary(g),
            f_uint64: u64::arbitrary(g),
            f_sint32: i32::arbitrary(g),
            f_sint64: i64::arbitrary(g),
            f_fixed32: u32::arbitrary(g),
            f_fixed64: u64::arbitrary(g),
            f_sfixed32: i32::arbitrary(g),
            f_sfixed64: i64::arbitrary(g),
            // NaN != NaN, so the property compares finite values.
            f_float: finite(f64::from(f32::arbitrary(g))) as f32,
            f_double: finite(f64::arbitrary(g)),
            f_bool: bool::arbitrary(g),
            f_string: String::arbitrary(g),
            f_bytes: Vec::arbitrary(g),
            f_enum: corpus3::Color(i32::arbitrary(g)),
            f_high: i32::arbitrary(g),
            f_max: i32::arbitrary(g),
            ..Default::default()
        })
    }
}

impl Arbitrary for Arb<corpus3::Packed> {
    fn arbitrary(g: &mut Gen) -> Self {
        Arb(corpus3::Packed {
            r_int32: Arbitrary::arbitrary(g),
            r_int64: Arbitrary::arbitrary(g),
            r_uint32: Arbitrary::arbitrary(g),
            r_uint64: Arbitrary::arbitrary(g),
            r_sint32: Arbitrary::arbitrary(g),
            r_sint64: Arbitrary::arbitrary(g),
            r_fixed32: Arbitrary::arbitrary(g),
            r_fixed64: Arbitrary::arbitrary(g),
            r_sfixed32: Arbitrary::arbitrary(g),
            r_sfixed64: Arbitrary::arbitrary(g),
            r_float: Vec::<f32>::arbitrary(g)
                .into_iter()
                .map(|x| finite(f64::from(x)) as f32)
                .collect(),
            r_double: Vec::<f64>::arbitrary(g).into_iter().map(finite).collect(),
            r_bool: Arbitrary::arbitrary(g),
            r_enum: Vec::<i32>::arbitrary(g)
                .into_iter()
                .map(corpus3::Color)
                .collect(),
            r_string: Arbitrary::arbitrary(g),
            r_bytes: Arbitrary::arbitrary(g),
            ..Default::default()
        })
    }
}

impl Arbitrary for Arb<corpus3::Unpacked> {
    fn arbitrary(g: &mut Gen) -> Self {
        Arb(corpus3::Unpacked {
            r_int32: Arbitrary::arbitrary(g),
            r_int64: Arbitrary::arbitrary(g),
            r_uint32: Arbitrary::arbitrary(g),
            r_uint64: Arbitrary::arbitrary(g),
            r_sint32: Arbitrary::arbitrary(g),
            r_sint64: Arbitrary::arbitrary(g),
            r_fixed32: Arbitrary::arbitrary(g),
            r_fixed64: Arbitrary::arbitrary(g),
            r_sfixed32: Arbitrary::arbitrary(g),
            r_sfixed64: Arbitrary::arbitrary(g),
            r_float: Vec::<f32>::arbitrary(g)
                .into_iter()
                .map(|x| finite(f64::from(x)) as f32)
                .collect(),
            r_double: Vec::<f64>::arbitrary(g).into_iter().map(finite).collect(),
            r_bool: Arbitrary::arbitrary(g),
            r_enum: Vec::<i32>::arbitrary(g)
                .into_iter()
                .map(corpus3::Color)
                .collect(),
            r_string: Arbitrary::arbitrary(g),
            r_bytes: Arbitrary::arbitrary(g),
            ..Default::default()
        })
    }
}

impl Arbitrary for Arb<corpus3::Oneof> {
    fn arbitrary(g: &mut Gen) -> Self {
        use corpus3::oneof::Choice;
        let choice = match u8::arbitrary(g) % 5 {
            0 => None,
            1 => Some(Choice::CInt32(i32::arbitrary(g))),
            2 => Some(Choice::CString(String::arbitrary(g))),
            3 => Some(Choice::CLeaf(leaf(g))),
            _ => Some(Choice::CDouble(finite(f64::arbitrary(g)))),
        };
        Arb(corpus3::Oneof {
            before: i32::arbitrary(g),
            choice,
            after: i32::arbitrary(g),
            ..Default::default()
        })
    }
}

impl Arbitrary for Arb<corpus3::Maps> {
    fn arbitrary(g: &mut Gen) -> Self {
        let leaves: Vec<(i64, ())> = Vec::arbitrary(g);
        Arb(corpus3::Maps {
            string_int32: Arbitrary::arbitrary(g),
            int32_string: Arbitrary::arbitrary(g),
            sint64_leaf: leaves.into_iter().map(|(k, ())| (k, leaf(g))).collect(),
            bool_bytes: Arbitrary::arbitrary(g),
            uint64_enum: Vec::<(u64, i32)>::arbitrary(g)
                .into_iter()
                .map(|(k, v)| (k, corpus3::Color(v)))
                .collect(),
            ..Default::default()
        })
    }
}

impl Arbitrary for Arb<corpus3::Nested> {
    fn arbitrary(g: &mut Gen) -> Self {
        let depth = usize::arbitrary(g) % 5;
        let mut node = corpus3::Nested::default();
        for _ in 0..depth {
            node = corpus3::Nested {
                leaf: bool::arbitrary(g).then(|| leaf(g)),
                items: (0..u8::arbitrary(g) % 3)
                    .map(|i| corpus3::Middle {
                        id: i32::from(i),
                        leaves: vec![leaf(g)],
                        ..Default::default()
                    })
                    .collect(),
                child: Some(Box::new(node)),
                ..Default::default()
            };
        }
        Arb(node)
    }
}

/// A value of the closed proto2 enum `corpus2.Kind`: an unlisted number
/// would decode into the unknown fields instead of the field.
fn kind(g: &mut Gen) -> corpus2::Kind {
    *g.choose(&[
        corpus2::Kind::KIND_ZERO,
        corpus2::Kind::KIND_ONE,
        corpus2::Kind::KIND_MINUS,
    ])
    .unwrap_or(&corpus2::Kind::KIND_ZERO)
}

impl Arbitrary for Arb<corpus2::Scalars> {
    fn arbitrary(g: &mut Gen) -> Self {
        Arb(corpus2::Scalars {
            f_int32: Option::arbitrary(g),
            f_int64: Option::arbitrary(g),
            f_uint32: Option::arbitrary(g),
            f_uint64: Option::arbitrary(g),
            f_sint32: Option::arbitrary(g),
            f_sint64: Option::arbitrary(g),
            f_fixed32: Option::arbitrary(g),
            f_fixed64: Option::arbitrary(g),
            f_sfixed32: Option::arbitrary(g),
            f_sfixed64: Option::arbitrary(g),
            f_float: Option::<f32>::arbitrary(g).map(|x| finite(f64::from(x)) as f32),
            f_double: Option::<f64>::arbitrary(g).map(finite),
            f_bool: Option::arbitrary(g),
            f_string: Option::arbitrary(g),
            f_bytes: Option::arbitrary(g),
            f_enum: bool::arbitrary(g).then(|| kind(g)),
            ..Default::default()
        })
    }
}

impl Arbitrary for Arb<corpus2::Repeated> {
    fn arbitrary(g: &mut Gen) -> Self {
        let doubles = |g: &mut Gen| Vec::<f64>::arbitrary(g).into_iter().map(finite).collect();
        Arb(corpus2::Repeated {
            unpacked_int32: Arbitrary::arbitrary(g),
            unpacked_sint64: Arbitrary::arbitrary(g),
            unpacked_fixed32: Arbitrary::arbitrary(g),
            unpacked_double: doubles(g),
            packed_int32: Arbitrary::arbitrary(g),
            packed_sint64: Arbitrary::arbitrary(g),
            packed_fixed32: Arbitrary::arbitrary(g),
            packed_double: doubles(g),
            packed_enum: (0..usize::arbitrary(g) % 8).map(|_| kind(g)).collect(),
            packed_bool: Arbitrary::arbitrary(g),
            ..Default::default()
        })
    }
}

impl Arbitrary for Arb<corpus2::Groups> {
    fn arbitrary(g: &mut Gen) -> Self {
        use corpus2::groups::{header::Inner, Header, Item};
        Arb(corpus2::Groups {
            id: Option::arbitrary(g),
            header: bool::arbitrary(g).then(|| Header {
                title: Option::arbitrary(g),
                inner: bool::arbitrary(g).then(|| Inner {
                    depth: Option::arbitrary(g),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            item: Vec::<(Option<i32>, Option<String>)>::arbitrary(g)
                .into_iter()
                .map(|(n, label)| Item {
                    n,
                    label,
                    ..Default::default()
                })
                .collect(),
            trailer: Option::arbitrary(g),
            ..Default::default()
        })
    }
}
