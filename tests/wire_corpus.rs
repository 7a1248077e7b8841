//! The protobuf wire corpus (`wire/protobuf/`) against protoc and our codec.
//!
//! 1. Every committed `.bin` is what protoc encodes its `.txtpb` to today.
//! 2. For every sample, a hand-written message type (to be replaced by
//!    generated code) holding the values the `.txtpb` describes encodes to
//!    exactly protoc's bytes, and decoding protoc's bytes gives those values.
//! 3. A poorer schema keeps the fields it does not know and re-emits them
//!    byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::Command;

use grpclite::wire::field::{
    self, group, map, Bool, Bytes, Double, Embedded, Enum, Fixed32, Fixed64, Float, Int32, Int64,
    SFixed32, SFixed64, SInt32, SInt64, Str, UInt32, UInt64, ValueCodec,
};
use grpclite::wire::{DecodeError, Message, Reader, UnknownFields, UnknownValue, WireType};

// ---------------------------------------------------------------------------
// Hand-written messages. A small macro stands in for the code generator: each
// field is `kind(codec) name = number;`, listed in field-number order.

/// The key and value codecs of a map field.
trait MapCodecs {
    type K: ValueCodec;
    type V: ValueCodec;
}

impl<K: ValueCodec, V: ValueCodec> MapCodecs for (K, V) {
    type K = K;
    type V = V;
}

macro_rules! field_type {
    (implicit $c:ty) => { <$c as ValueCodec>::Value };
    (optional $c:ty) => { Option<<$c as ValueCodec>::Value> };
    (packed $c:ty) => { Vec<<$c as ValueCodec>::Value> };
    (unpacked $c:ty) => { Vec<<$c as ValueCodec>::Value> };
    (repeated $c:ty) => { Vec<<$c as ValueCodec>::Value> };
    (message $m:ty) => { Option<Box<$m>> };
    (group $m:ty) => { Option<$m> };
    (groups $m:ty) => { Vec<$m> };
    (map $c:ty) => {
        BTreeMap<
            <<$c as MapCodecs>::K as ValueCodec>::Value,
            <<$c as MapCodecs>::V as ValueCodec>::Value,
        >
    };
}

macro_rules! field_encode {
    (implicit $c:ty, $n:expr, $v:expr, $buf:expr) => {
        if !<$c as ValueCodec>::is_default($v) {
            field::encode::<$c>($n, $v, $buf);
        }
    };
    (optional $c:ty, $n:expr, $v:expr, $buf:expr) => {
        if let Some(v) = $v {
            field::encode::<$c>($n, v, $buf);
        }
    };
    (packed $c:ty, $n:expr, $v:expr, $buf:expr) => {
        field::encode_packed::<$c>($n, $v, $buf)
    };
    (unpacked $c:ty, $n:expr, $v:expr, $buf:expr) => {
        field::encode_repeated::<$c>($n, $v, $buf)
    };
    (repeated $c:ty, $n:expr, $v:expr, $buf:expr) => {
        field::encode_repeated::<$c>($n, $v, $buf)
    };
    (message $m:ty, $n:expr, $v:expr, $buf:expr) => {
        if let Some(m) = $v {
            field::message::encode($n, m, $buf);
        }
    };
    (group $m:ty, $n:expr, $v:expr, $buf:expr) => {
        if let Some(m) = $v {
            group::encode($n, m, $buf);
        }
    };
    (groups $m:ty, $n:expr, $v:expr, $buf:expr) => {
        group::encode_repeated($n, $v, $buf)
    };
    (map $c:ty, $n:expr, $v:expr, $buf:expr) => {
        map::encode::<<$c as MapCodecs>::K, <$c as MapCodecs>::V, _>($n, $v, $buf)
    };
}

macro_rules! field_len {
    (implicit $c:ty, $n:expr, $v:expr) => {
        if <$c as ValueCodec>::is_default($v) {
            0
        } else {
            field::encoded_len::<$c>($n, $v)
        }
    };
    (optional $c:ty, $n:expr, $v:expr) => {
        $v.as_ref().map_or(0, |v| field::encoded_len::<$c>($n, v))
    };
    (packed $c:ty, $n:expr, $v:expr) => {
        field::encoded_len_packed::<$c>($n, $v)
    };
    (unpacked $c:ty, $n:expr, $v:expr) => {
        field::encoded_len_repeated::<$c>($n, $v)
    };
    (repeated $c:ty, $n:expr, $v:expr) => {
        field::encoded_len_repeated::<$c>($n, $v)
    };
    (message $m:ty, $n:expr, $v:expr) => {
        $v.as_ref()
            .map_or(0, |m| field::message::encoded_len($n, m))
    };
    (group $m:ty, $n:expr, $v:expr) => {
        $v.as_ref().map_or(0, |m| group::encoded_len($n, m))
    };
    (groups $m:ty, $n:expr, $v:expr) => {
        group::encoded_len_repeated($n, $v)
    };
    (map $c:ty, $n:expr, $v:expr) => {
        map::encoded_len::<<$c as MapCodecs>::K, <$c as MapCodecs>::V, _>($n, $v)
    };
}

macro_rules! field_merge {
    (implicit $c:ty, $n:expr, $wt:expr, $v:expr, $r:expr) => {
        field::merge::<$c>($wt, $v, $r)
    };
    (optional $c:ty, $n:expr, $wt:expr, $v:expr, $r:expr) => {
        field::merge::<$c>($wt, $v.get_or_insert_with(Default::default), $r)
    };
    (packed $c:ty, $n:expr, $wt:expr, $v:expr, $r:expr) => {
        field::merge_packable::<$c>($wt, $v, $r)
    };
    (unpacked $c:ty, $n:expr, $wt:expr, $v:expr, $r:expr) => {
        field::merge_packable::<$c>($wt, $v, $r)
    };
    (repeated $c:ty, $n:expr, $wt:expr, $v:expr, $r:expr) => {
        field::merge_repeated::<$c>($wt, $v, $r)
    };
    (message $m:ty, $n:expr, $wt:expr, $v:expr, $r:expr) => {
        field::message::merge($wt, $v.get_or_insert_with(Default::default), $r)
    };
    (group $m:ty, $n:expr, $wt:expr, $v:expr, $r:expr) => {
        group::merge($n, $wt, $v.get_or_insert_with(Default::default), $r)
    };
    (groups $m:ty, $n:expr, $wt:expr, $v:expr, $r:expr) => {
        group::merge_repeated($n, $wt, $v, $r)
    };
    (map $c:ty, $n:expr, $wt:expr, $v:expr, $r:expr) => {{
        let (k, v) = map::merge_entry::<<$c as MapCodecs>::K, <$c as MapCodecs>::V>($wt, $r)?;
        $v.insert(k, v);
        Ok(())
    }};
}

macro_rules! message {
    ($name:ident { $($kind:ident($c:ty) $field:ident = $n:literal;)* }) => {
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            $(pub $field: field_type!($kind $c),)*
            pub unknown: UnknownFields,
        }

        impl Message for $name {
            fn encode_raw(&self, buf: &mut Vec<u8>) {
                $(field_encode!($kind $c, $n, &self.$field, buf);)*
                self.unknown.encode_raw(buf);
            }

            fn encoded_len(&self) -> usize {
                0 $(+ field_len!($kind $c, $n, &self.$field))* + self.unknown.encoded_len()
            }

            fn merge_field(
                &mut self,
                field: u32,
                wire_type: WireType,
                r: &mut Reader<'_>,
            ) -> Result<(), DecodeError> {
                match field {
                    $($n => field_merge!($kind $c, $n, wire_type, &mut self.$field, r),)*
                    _ => self.unknown.merge_field(field, wire_type, r),
                }
            }

            fn clear(&mut self) {
                *self = Self::default();
            }
        }
    };
}

mod corpus3 {
    use super::*;

    message!(Scalars {
        implicit(Int32) f_int32 = 1;
        implicit(Int64) f_int64 = 2;
        implicit(UInt32) f_uint32 = 3;
        implicit(UInt64) f_uint64 = 4;
        implicit(SInt32) f_sint32 = 5;
        implicit(SInt64) f_sint64 = 6;
        implicit(Fixed32) f_fixed32 = 7;
        implicit(Fixed64) f_fixed64 = 8;
        implicit(SFixed32) f_sfixed32 = 9;
        implicit(SFixed64) f_sfixed64 = 10;
        implicit(Float) f_float = 11;
        implicit(Double) f_double = 12;
        implicit(Bool) f_bool = 13;
        implicit(Str) f_string = 14;
        implicit(Bytes) f_bytes = 15;
        implicit(Enum) f_enum = 16;
        implicit(Int32) f_high = 20000;
        implicit(Int32) f_max = 536870911;
    });

    message!(Packed {
        packed(Int32) r_int32 = 1;
        packed(Int64) r_int64 = 2;
        packed(UInt32) r_uint32 = 3;
        packed(UInt64) r_uint64 = 4;
        packed(SInt32) r_sint32 = 5;
        packed(SInt64) r_sint64 = 6;
        packed(Fixed32) r_fixed32 = 7;
        packed(Fixed64) r_fixed64 = 8;
        packed(SFixed32) r_sfixed32 = 9;
        packed(SFixed64) r_sfixed64 = 10;
        packed(Float) r_float = 11;
        packed(Double) r_double = 12;
        packed(Bool) r_bool = 13;
        packed(Enum) r_enum = 14;
        repeated(Str) r_string = 15;
        repeated(Bytes) r_bytes = 16;
    });

    message!(Unpacked {
        unpacked(Int32) r_int32 = 1;
        unpacked(Int64) r_int64 = 2;
        unpacked(UInt32) r_uint32 = 3;
        unpacked(UInt64) r_uint64 = 4;
        unpacked(SInt32) r_sint32 = 5;
        unpacked(SInt64) r_sint64 = 6;
        unpacked(Fixed32) r_fixed32 = 7;
        unpacked(Fixed64) r_fixed64 = 8;
        unpacked(SFixed32) r_sfixed32 = 9;
        unpacked(SFixed64) r_sfixed64 = 10;
        unpacked(Float) r_float = 11;
        unpacked(Double) r_double = 12;
        unpacked(Bool) r_bool = 13;
        unpacked(Enum) r_enum = 14;
        repeated(Str) r_string = 15;
        repeated(Bytes) r_bytes = 16;
    });

    message!(Leaf {
        implicit(Str) name = 1;
        implicit(SInt64) value = 2;
    });

    message!(Middle {
        message(Leaf) leaf = 1;
        implicit(Int32) id = 2;
        repeated(Embedded<Leaf>) leaves = 3;
    });

    message!(Nested {
        message(Middle) middle = 1;
        repeated(Embedded<Middle>) items = 2;
        message(Leaf) leaf = 3;
        message(Nested) child = 4;
    });

    message!(Maps {
        map((Str, Int32)) string_int32 = 1;
        map((Int32, Str)) int32_string = 2;
        map((SInt64, Embedded<Leaf>)) sint64_leaf = 3;
        map((Bool, Bytes)) bool_bytes = 4;
        map((Fixed32, Double)) fixed32_double = 5;
        map((UInt64, Enum)) uint64_enum = 6;
        map((SFixed64, Float)) sfixed64_float = 7;
    });

    /// `oneof choice` of `corpus3.Oneof`.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Choice {
        CInt32(i32),
        CString(String),
        CLeaf(Leaf),
        CDouble(f64),
    }

    /// `corpus3.Oneof`, written as generated code for a oneof would be.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Oneof {
        pub before: i32,
        pub choice: Option<Choice>,
        pub after: i32,
        pub unknown: UnknownFields,
    }

    impl Message for Oneof {
        fn encode_raw(&self, buf: &mut Vec<u8>) {
            if self.before != 0 {
                field::int32::encode(1, &self.before, buf);
            }
            // Oneof members have presence: written whenever set, even at the default.
            match &self.choice {
                Some(Choice::CInt32(v)) => field::int32::encode(2, v, buf),
                Some(Choice::CString(v)) => field::string::encode(3, v, buf),
                Some(Choice::CLeaf(v)) => field::message::encode(4, v, buf),
                Some(Choice::CDouble(v)) => field::double::encode(5, v, buf),
                None => {}
            }
            if self.after != 0 {
                field::int32::encode(6, &self.after, buf);
            }
            self.unknown.encode_raw(buf);
        }

        fn encoded_len(&self) -> usize {
            let mut len = self.unknown.encoded_len();
            if self.before != 0 {
                len += field::int32::encoded_len(1, &self.before);
            }
            len += match &self.choice {
                Some(Choice::CInt32(v)) => field::int32::encoded_len(2, v),
                Some(Choice::CString(v)) => field::string::encoded_len(3, v),
                Some(Choice::CLeaf(v)) => field::message::encoded_len(4, v),
                Some(Choice::CDouble(v)) => field::double::encoded_len(5, v),
                None => 0,
            };
            if self.after != 0 {
                len += field::int32::encoded_len(6, &self.after);
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
                1 => field::int32::merge(wire_type, &mut self.before, r),
                2 => {
                    let mut v = 0;
                    field::int32::merge(wire_type, &mut v, r)?;
                    self.choice = Some(Choice::CInt32(v));
                    Ok(())
                }
                3 => {
                    let mut v = String::new();
                    field::string::merge(wire_type, &mut v, r)?;
                    self.choice = Some(Choice::CString(v));
                    Ok(())
                }
                4 => {
                    // The same message member again merges; any other member is replaced.
                    if let Some(Choice::CLeaf(v)) = &mut self.choice {
                        return field::message::merge(wire_type, v, r);
                    }
                    let mut v = Leaf::default();
                    field::message::merge(wire_type, &mut v, r)?;
                    self.choice = Some(Choice::CLeaf(v));
                    Ok(())
                }
                5 => {
                    let mut v = 0.0;
                    field::double::merge(wire_type, &mut v, r)?;
                    self.choice = Some(Choice::CDouble(v));
                    Ok(())
                }
                6 => field::int32::merge(wire_type, &mut self.after, r),
                _ => self.unknown.merge_field(field, wire_type, r),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }
}

mod corpus2 {
    use super::*;

    message!(Scalars {
        optional(Int32) f_int32 = 1;
        optional(Int64) f_int64 = 2;
        optional(UInt32) f_uint32 = 3;
        optional(UInt64) f_uint64 = 4;
        optional(SInt32) f_sint32 = 5;
        optional(SInt64) f_sint64 = 6;
        optional(Fixed32) f_fixed32 = 7;
        optional(Fixed64) f_fixed64 = 8;
        optional(SFixed32) f_sfixed32 = 9;
        optional(SFixed64) f_sfixed64 = 10;
        optional(Float) f_float = 11;
        optional(Double) f_double = 12;
        optional(Bool) f_bool = 13;
        optional(Str) f_string = 14;
        optional(Bytes) f_bytes = 15;
        optional(Enum) f_enum = 16;
    });

    message!(Repeated {
        unpacked(Int32) unpacked_int32 = 1;
        unpacked(SInt64) unpacked_sint64 = 2;
        unpacked(Fixed32) unpacked_fixed32 = 3;
        unpacked(Double) unpacked_double = 4;
        packed(Int32) packed_int32 = 5;
        packed(SInt64) packed_sint64 = 6;
        packed(Fixed32) packed_fixed32 = 7;
        packed(Double) packed_double = 8;
        packed(Enum) packed_enum = 9;
        packed(Bool) packed_bool = 10;
    });

    message!(Inner {
        optional(Int64) depth = 5;
    });

    message!(Header {
        optional(Str) title = 3;
        group(Inner) inner = 4;
    });

    message!(Item {
        optional(Int32) n = 7;
        optional(Str) label = 8;
    });

    message!(Groups {
        optional(Int32) id = 1;
        group(Header) header = 2;
        groups(Item) item = 6;
        optional(Int32) trailer = 9;
    });
}

mod unknown {
    use super::*;

    message!(Deeper {
        optional(Str) b = 11;
    });

    message!(ExtraGroup {
        optional(Int32) a = 9;
        group(Deeper) deeper = 10;
    });

    message!(Rich {
        optional(Int32) known_int32 = 1;
        optional(Str) known_string = 2;
        optional(UInt64) extra_varint = 3;
        optional(Fixed32) extra_fixed32 = 4;
        optional(Fixed64) extra_fixed64 = 5;
        optional(Str) extra_string = 6;
        message(Rich) extra_message = 7;
        group(ExtraGroup) extra_group = 8;
        packed(SInt32) extra_packed = 12;
        optional(Int32) extra_after_reserved = 20000;
        optional(Int32) extra_max_number = 536870911;
    });

    message!(Poor {
        optional(Int32) known_int32 = 1;
        optional(Str) known_string = 2;
    });
}

// ---------------------------------------------------------------------------
// The corpus on disk.

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("wire/protobuf")
}

/// One line of `samples.txt`.
struct Sample {
    name: String,
    proto: String,
    message: String,
}

fn samples() -> Vec<Sample> {
    let path = corpus_dir().join("samples.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(cols.len(), 3, "bad line in samples.txt: {line:?}");
            Sample {
                name: cols[0].to_string(),
                proto: cols[1].to_string(),
                message: cols[2].to_string(),
            }
        })
        .collect()
}

fn bin(name: &str) -> Vec<u8> {
    let path = corpus_dir().join(format!("{name}.bin"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------
// 1. The corpus has not drifted from protoc.

#[test]
fn committed_bins_are_what_protoc_encodes() {
    let version = Command::new("protoc").arg("--version").output().unwrap_or_else(|e| {
        panic!("protoc is required for the wire corpus test but could not run ({e}); install it with .ci/setup-peers")
    });
    assert!(version.status.success(), "protoc --version failed");
    let dir = corpus_dir();
    let samples = samples();
    for sample in &samples {
        let input = std::fs::File::open(dir.join(format!("{}.txtpb", sample.name)))
            .unwrap_or_else(|e| panic!("{}.txtpb: {e}", sample.name));
        let out = Command::new("protoc")
            .arg(format!("--encode={}", sample.message))
            .arg("-I")
            .arg(&dir)
            .arg(dir.join(&sample.proto))
            .stdin(input)
            .output()
            .expect("protoc runs");
        assert!(
            out.status.success(),
            "protoc --encode failed for {}: {}",
            sample.name,
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            hex(&out.stdout),
            hex(&bin(&sample.name)),
            "{}.bin differs from what protoc encodes now; regenerate (wire/protobuf/README.md)",
            sample.name
        );
    }
    println!("{} corpus samples match protoc", samples.len());
}

// ---------------------------------------------------------------------------
// 2. Our encoding equals protoc's; decoding protoc's gives the values.

/// Checks one sample and returns its name.
fn check<M: Message + Default + Debug>(name: &'static str, expected: M) -> &'static str {
    let bytes = bin(name);
    let ours = expected.encode_to_vec();
    assert_eq!(
        hex(&ours),
        hex(&bytes),
        "{name}: our encoding differs from protoc's"
    );
    assert_eq!(expected.encoded_len(), bytes.len(), "{name}: encoded_len");
    let decoded = M::decode(&bytes).unwrap_or_else(|e| panic!("{name}: decode failed: {e}"));
    // Debug compares floats exactly, -0.0 and NaN included.
    assert_eq!(
        format!("{decoded:?}"),
        format!("{expected:?}"),
        "{name}: decoded values"
    );
    // Nothing the schema knows may have landed in unknown fields: re-encoding is exact.
    assert_eq!(
        hex(&decoded.encode_to_vec()),
        hex(&bytes),
        "{name}: re-encoding"
    );
    name
}

fn scalars3_max() -> corpus3::Scalars {
    corpus3::Scalars {
        f_int32: i32::MAX,
        f_int64: i64::MAX,
        f_uint32: u32::MAX,
        f_uint64: u64::MAX,
        f_sint32: i32::MAX,
        f_sint64: i64::MAX,
        f_fixed32: u32::MAX,
        f_fixed64: u64::MAX,
        f_sfixed32: i32::MAX,
        f_sfixed64: i64::MAX,
        f_float: f32::MAX,
        f_double: f64::MAX,
        f_bool: true,
        f_string: "h\u{e9}llo \u{1f30d}".into(),
        f_bytes: vec![0x00, 0x01, 0x7f, 0x80, 0xff],
        f_enum: 2,
        f_high: 1,
        f_max: 150,
        ..Default::default()
    }
}

fn scalars3_min() -> corpus3::Scalars {
    corpus3::Scalars {
        f_int32: i32::MIN,
        f_int64: i64::MIN,
        f_uint32: 1,
        f_uint64: 1,
        f_sint32: i32::MIN,
        f_sint64: i64::MIN,
        f_fixed32: 1,
        f_fixed64: 1,
        f_sfixed32: i32::MIN,
        f_sfixed64: i64::MIN,
        f_float: f32::MIN,
        f_double: f64::MIN,
        f_bool: true,
        f_string: "a".into(),
        f_bytes: vec![0],
        f_enum: -7,
        f_high: -1,
        f_max: -1,
        ..Default::default()
    }
}

macro_rules! repeated3 {
    ($ty:ty) => {
        <$ty>::default().with(|m: &mut $ty| {
            m.r_int32 = vec![0, 1, -1, i32::MAX, i32::MIN];
            m.r_int64 = vec![0, -1, i64::MAX, i64::MIN];
            m.r_uint32 = vec![0, 127, 128, u32::MAX];
            m.r_uint64 = vec![0, 16383, 16384, u64::MAX];
            m.r_sint32 = vec![0, -1, 1, i32::MIN, i32::MAX];
            m.r_sint64 = vec![0, -1, 1, i64::MIN, i64::MAX];
            m.r_fixed32 = vec![0, 1, u32::MAX];
            m.r_fixed64 = vec![0, 1, u64::MAX];
            m.r_sfixed32 = vec![i32::MIN, 0, i32::MAX];
            m.r_sfixed64 = vec![i64::MIN, 0, i64::MAX];
            m.r_float = vec![0.0, -0.0, 1.5, f32::INFINITY, f32::NEG_INFINITY];
            m.r_double = vec![0.0, -2.25, 1e300, f64::INFINITY];
            m.r_bool = vec![true, false, true];
            m.r_enum = vec![1, -7, 0];
            m.r_string = vec!["".into(), "one".into(), "two".into()];
            m.r_bytes = vec![vec![0x00, 0xff], vec![]];
        })
    };
}

/// Builds a value by mutating a default one.
trait With: Sized {
    fn with(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}

impl<T> With for T {}

fn leaf(name: &str, value: i64) -> corpus3::Leaf {
    corpus3::Leaf {
        name: name.into(),
        value,
        ..Default::default()
    }
}

fn nested3() -> corpus3::Nested {
    use corpus3::{Middle, Nested};
    let deep = Nested {
        leaf: Some(Box::new(leaf("deep", i64::MIN))),
        ..Default::default()
    };
    Nested {
        middle: Some(Box::new(Middle {
            leaf: Some(Box::new(leaf("inner", -3))),
            id: 7,
            leaves: vec![leaf("a", 0), leaf("", 0), leaf("", 1)],
            ..Default::default()
        })),
        items: vec![
            Middle {
                id: 1,
                ..Default::default()
            },
            Middle::default(),
            Middle {
                leaf: Some(Box::default()),
                ..Default::default()
            },
        ],
        leaf: Some(Box::default()),
        child: Some(Box::new(Nested {
            child: Some(Box::new(Nested {
                child: Some(Box::new(deep)),
                ..Default::default()
            })),
            ..Default::default()
        })),
        ..Default::default()
    }
}

fn maps3() -> corpus3::Maps {
    corpus3::Maps {
        string_int32: [("".into(), 0), ("a".into(), -1), ("b".into(), i32::MAX)].into(),
        int32_string: [
            (-5, "minus five".into()),
            (0, "".into()),
            (3, "three".into()),
        ]
        .into(),
        sint64_leaf: [(-1, leaf("m", 1)), (i64::MAX, leaf("", 0))].into(),
        bool_bytes: [(false, vec![0]), (true, vec![])].into(),
        fixed32_double: [(1, -0.5)].into(),
        uint64_enum: [(u64::MAX, -7)].into(),
        sfixed64_float: [(i64::MIN, f32::INFINITY)].into(),
        ..Default::default()
    }
}

fn rich() -> unknown::Rich {
    use unknown::{Deeper, ExtraGroup, Rich};
    Rich {
        known_int32: Some(42),
        known_string: Some("known".into()),
        extra_varint: Some(u64::MAX),
        extra_fixed32: Some(0xdead_beef),
        extra_fixed64: Some(1),
        extra_string: Some("kept".into()),
        extra_message: Some(Box::new(Rich {
            known_int32: Some(1),
            extra_message: Some(Box::new(Rich {
                extra_string: Some("x".into()),
                ..Default::default()
            })),
            ..Default::default()
        })),
        extra_group: Some(ExtraGroup {
            a: Some(-1),
            deeper: Some(Deeper {
                b: Some("deepest".into()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        extra_packed: vec![-1, 0, 1],
        extra_after_reserved: Some(20000),
        extra_max_number: Some(7),
        ..Default::default()
    }
}

#[test]
fn our_encoding_equals_protoc_and_decoding_gives_the_values() {
    use corpus3::{Choice, Oneof, Scalars};
    let checked = [
        check("scalars3_max", scalars3_max()),
        check("scalars3_min", scalars3_min()),
        check(
            "scalars3_special",
            Scalars {
                f_int32: -1,
                f_sint32: -1,
                f_sint64: 1,
                f_sfixed32: -1,
                f_float: -0.0,
                f_double: f64::NAN,
                ..Default::default()
            },
        ),
        check(
            "scalars3_infinity",
            Scalars {
                f_float: f32::INFINITY,
                f_double: f64::NEG_INFINITY,
                f_sfixed64: 1,
                ..Default::default()
            },
        ),
        check(
            "scalars3_subnormal",
            Scalars {
                f_float: f32::from_bits(1),
                f_double: f64::from_bits(1),
                ..Default::default()
            },
        ),
        check("scalars3_empty", Scalars::default()),
        check("packed3", repeated3!(corpus3::Packed)),
        check("unpacked3", repeated3!(corpus3::Unpacked)),
        check("nested3", nested3()),
        check("maps3", maps3()),
        check(
            "oneof3_leaf",
            Oneof {
                before: 1,
                choice: Some(Choice::CLeaf(leaf("chosen", 0))),
                after: 2,
                ..Default::default()
            },
        ),
        check(
            "oneof3_zero",
            Oneof {
                choice: Some(Choice::CInt32(0)),
                ..Default::default()
            },
        ),
        check(
            "oneof3_string",
            Oneof {
                choice: Some(Choice::CString(String::new())),
                after: -1,
                ..Default::default()
            },
        ),
        check(
            "scalars2_defaults",
            corpus2::Scalars {
                f_int32: Some(0),
                f_int64: Some(0),
                f_uint32: Some(0),
                f_uint64: Some(0),
                f_sint32: Some(0),
                f_sint64: Some(0),
                f_fixed32: Some(0),
                f_fixed64: Some(0),
                f_sfixed32: Some(0),
                f_sfixed64: Some(0),
                f_float: Some(0.0),
                f_double: Some(0.0),
                f_bool: Some(false),
                f_string: Some(String::new()),
                f_bytes: Some(Vec::new()),
                f_enum: Some(0),
                ..Default::default()
            },
        ),
        check(
            "scalars2_values",
            corpus2::Scalars {
                f_int32: Some(-150),
                f_sint64: Some(-150),
                f_float: Some(f32::NAN),
                f_double: Some(0.1),
                f_bool: Some(true),
                f_string: Some("proto2".into()),
                f_enum: Some(-1),
                ..Default::default()
            },
        ),
        check(
            "repeated2",
            corpus2::Repeated {
                unpacked_int32: vec![1, -1, 300],
                unpacked_sint64: vec![-2, 2],
                unpacked_fixed32: vec![7, 0],
                unpacked_double: vec![1.0, -1.0],
                packed_int32: vec![1, -1, 300],
                packed_sint64: vec![-2, 2],
                packed_fixed32: vec![7, 0],
                packed_double: vec![1.0, -1.0],
                packed_enum: vec![1, -1, 0],
                packed_bool: vec![false, true],
                ..Default::default()
            },
        ),
        check(
            "groups2",
            corpus2::Groups {
                id: Some(1),
                header: Some(corpus2::Header {
                    title: Some("head".into()),
                    inner: Some(corpus2::Inner {
                        depth: Some(-2),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                item: vec![
                    corpus2::Item {
                        n: Some(1),
                        label: Some("first".into()),
                        ..Default::default()
                    },
                    corpus2::Item::default(),
                    corpus2::Item {
                        n: Some(3),
                        ..Default::default()
                    },
                ],
                trailer: Some(9),
                ..Default::default()
            },
        ),
        check("unknown_rich", rich()),
    ];
    let all: BTreeSet<String> = samples().into_iter().map(|s| s.name).collect();
    let done: BTreeSet<String> = checked.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        done, all,
        "every sample in samples.txt has a Rust value here"
    );
    println!(
        "{} samples: our encoding equals protoc's byte for byte and decodes back to the values",
        checked.len()
    );
}

// ---------------------------------------------------------------------------
// 3. Unknown fields, and decoding the other repeated form.

#[test]
fn a_poorer_schema_keeps_unknown_fields_byte_for_byte() {
    let bytes = bin("unknown_rich");
    let poor = unknown::Poor::decode(&bytes).expect("decodes");
    assert_eq!(poor.known_int32, Some(42));
    assert_eq!(poor.known_string.as_deref(), Some("known"));
    let numbers: Vec<u32> = poor.unknown.iter().map(|f| f.field).collect();
    assert_eq!(numbers, [3, 4, 5, 6, 7, 8, 12, 20000, 536_870_911]);
    let values: Vec<UnknownValue<'_>> = poor.unknown.iter().map(|f| f.value).collect();
    assert_eq!(values[0], UnknownValue::Varint(u64::MAX));
    assert_eq!(values[1], UnknownValue::I32(0xdead_beef));
    assert_eq!(values[2], UnknownValue::I64(1));
    assert_eq!(values[3], UnknownValue::Len(b"kept"));
    assert!(matches!(values[5], UnknownValue::Group(body) if body.ends_with(b"deepestT")));
    assert_eq!(values[8], UnknownValue::Varint(7));
    // Known fields first, then the unknown ones as they arrived: protoc's bytes exactly.
    assert_eq!(hex(&poor.encode_to_vec()), hex(&bytes));
    assert_eq!(poor.encoded_len(), bytes.len());
    // And the poor message still round-trips through the rich schema.
    let rich_again = unknown::Rich::decode(&poor.encode_to_vec()).expect("decodes");
    assert_eq!(rich_again, rich());
}

#[test]
fn every_sample_passes_through_a_schema_that_knows_nothing() {
    for sample in samples() {
        let bytes = bin(&sample.name);
        let all_unknown =
            UnknownFields::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", sample.name));
        assert_eq!(
            hex(&all_unknown.encode_to_vec()),
            hex(&bytes),
            "{}",
            sample.name
        );
    }
}

#[test]
fn packed_and_unpacked_encodings_decode_alike() {
    let packed = corpus3::Packed::decode(&bin("unpacked3")).expect("decodes");
    assert_eq!(
        format!("{packed:?}"),
        format!("{:?}", repeated3!(corpus3::Packed))
    );
    let unpacked = corpus3::Unpacked::decode(&bin("packed3")).expect("decodes");
    assert_eq!(
        format!("{unpacked:?}"),
        format!("{:?}", repeated3!(corpus3::Unpacked))
    );
}

#[test]
fn decoding_concatenated_samples_merges() {
    // encoding.md "Last One Wins": parsing a ++ b equals parsing a then merging b.
    let mut joined = bin("scalars3_max");
    joined.extend(bin("scalars3_special"));
    let m = corpus3::Scalars::decode(&joined).expect("decodes");
    let mut expected = scalars3_max();
    expected.f_int32 = -1;
    expected.f_sint32 = -1;
    expected.f_sint64 = 1;
    expected.f_sfixed32 = -1;
    expected.f_float = -0.0;
    expected.f_double = f64::NAN;
    assert_eq!(format!("{m:?}"), format!("{expected:?}"));

    let mut joined = bin("nested3");
    joined.extend(bin("nested3"));
    let m = corpus3::Nested::decode(&joined).expect("decodes");
    let middle = m.middle.as_ref().expect("middle");
    assert_eq!(
        middle.leaves.len(),
        6,
        "repeated fields inside merged messages append"
    );
    assert_eq!(m.items.len(), 6);
    assert_eq!(middle.leaf.as_ref().map(|l| l.value), Some(-3));
}
