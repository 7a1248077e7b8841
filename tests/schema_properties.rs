//! Properties: the parser and the pool builder never panic, whatever the text.

use grpclite::schema::{parse_file, MemorySourceTree, Pool};
use quickcheck::{QuickCheck, TestResult};

const SEED: &str = include_str!("../proto/grpc/testing/messages.proto");

/// Any text: parse_file returns Ok or Err, never panics.
#[test]
fn parser_never_panics_on_arbitrary_text() {
    fn prop(text: String) -> bool {
        let _ = parse_file("x.proto", &text);
        true
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(String) -> bool);
}

/// Token soup built from .proto words is a harsher input than random text.
#[test]
fn pool_never_panics_on_token_soup() {
    const WORDS: &[&str] = &[
        "syntax",
        "=",
        "\"proto2\"",
        "\"proto3\"",
        ";",
        "message",
        "M",
        "N",
        "{",
        "}",
        "int32",
        "string",
        "a",
        "b",
        "1",
        "2",
        "0",
        "-",
        "optional",
        "repeated",
        "required",
        "oneof",
        "map",
        "<",
        ">",
        ",",
        "enum",
        "E",
        "Z",
        "extend",
        "extensions",
        "to",
        "max",
        "reserved",
        "option",
        "(",
        ")",
        ".",
        "[",
        "]",
        "default",
        "packed",
        "true",
        "group",
        "G",
        "service",
        "rpc",
        "returns",
        "stream",
        "package",
        "p",
        "import",
        "\"x.proto\"",
        "// c\n",
        "/* d */",
        "\n",
        "19000",
        "536870912",
        "json_name",
        "\"j\"",
        "allow_alias",
        ":",
    ];
    fn prop(picks: Vec<u8>) -> TestResult {
        let text: Vec<&str> = picks
            .iter()
            .map(|&i| WORDS[usize::from(i) % WORDS.len()])
            .collect();
        let text = text.join(" ");
        let mut tree = MemorySourceTree::new();
        tree.add("x.proto", text.as_str());
        tree.add(
            "y.proto",
            "syntax = \"proto2\"; package p; message M { extensions 1 to 100; }",
        );
        let _ = Pool::new().load(&tree, "x.proto");
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(Vec<u8>) -> TestResult);
}

/// A real file with one byte range deleted or one character inserted.
#[test]
fn pool_never_panics_on_mutated_real_file() {
    fn prop(at: usize, len: u8, insert: char) -> bool {
        let mut text = SEED.to_string();
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + usize::from(len % 16)).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.replace_range(at..end, "");
        text.insert(at, insert);
        let mut tree = MemorySourceTree::new();
        tree.add("grpc/testing/messages.proto", text);
        let _ = Pool::new().load(&tree, "grpc/testing/messages.proto");
        true
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(usize, u8, char) -> bool);
}

/// Arbitrary bytes: a FileDescriptorSet either fails to decode or decodes
/// to a value that survives encode/decode unchanged; building a pool from
/// it never panics.
#[test]
fn descriptor_set_codec_round_trips_and_pool_never_panics() {
    use grpclite::schema::descriptor::FileDescriptorSet;
    use grpclite::wire::Message;
    fn prop(bytes: Vec<u8>) -> bool {
        let Ok(set) = FileDescriptorSet::decode(&bytes) else {
            return true;
        };
        let again = FileDescriptorSet::decode(&set.encode_to_vec());
        let _ = Pool::new().add_file_descriptor_set(&set);
        again.as_ref() == Ok(&set)
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(Vec<u8>) -> bool);
}

/// Descriptor sets made from mutated real files, then fed back: the
/// text -> pool -> descriptors -> pool path never panics and round-trips.
#[test]
fn text_to_descriptors_to_pool_round_trips() {
    use grpclite::schema::convert::file_descriptor_set;
    use grpclite::wire::Message;
    fn prop(picks: Vec<u8>) -> TestResult {
        // Drop a few lines of a real file; what still builds must round-trip.
        let lines: Vec<&str> = SEED.lines().collect();
        let kept: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| !picks.iter().any(|p| usize::from(*p) * 2 == *i))
            .map(|(_, l)| *l)
            .collect();
        let text = kept.join("\n");
        let mut tree = MemorySourceTree::new();
        tree.add("m.proto", text);
        let mut pool = Pool::new();
        let Ok(id) = pool.load(&tree, "m.proto") else {
            return TestResult::discard();
        };
        let set = file_descriptor_set(&pool, &[id], true, true).unwrap();
        let bytes = set.encode_to_vec();
        let mut again = Pool::new();
        let ids = again.add_file_descriptor_set(&set).unwrap();
        let back = file_descriptor_set(&again, &ids, false, true).unwrap();
        TestResult::from_bool(back.encode_to_vec() == bytes)
    }
    QuickCheck::new()
        .tests(200)
        .quickcheck(prop as fn(Vec<u8>) -> TestResult);
}

/// A random FileDescriptorProto (every kind of field the codec knows).
#[derive(Clone, Debug)]
struct ArbFile(grpclite::schema::descriptor::FileDescriptorProto);

impl quickcheck::Arbitrary for ArbFile {
    fn arbitrary(g: &mut quickcheck::Gen) -> Self {
        use grpclite::schema::descriptor::*;
        use quickcheck::Arbitrary;
        fn opt<T: Arbitrary>(g: &mut quickcheck::Gen) -> Option<T> {
            if bool::arbitrary(g) {
                Some(T::arbitrary(g))
            } else {
                None
            }
        }
        fn options(g: &mut quickcheck::Gen) -> Option<Options> {
            bool::arbitrary(g).then(|| {
                let mut o = Options::default();
                o.fields
                    .push_varint(u32::arbitrary(g) % 1000 + 1, u64::arbitrary(g));
                o.fields.push_len(50000, &Vec::<u8>::arbitrary(g));
                o
            })
        }
        fn field(g: &mut quickcheck::Gen) -> FieldDescriptorProto {
            FieldDescriptorProto {
                name: opt(g),
                extendee: opt(g),
                number: opt(g),
                label: opt(g),
                r#type: opt(g),
                type_name: opt(g),
                default_value: opt(g),
                options: options(g),
                oneof_index: opt(g),
                json_name: opt(g),
                proto3_optional: opt(g),
                ..Default::default()
            }
        }
        fn message(g: &mut quickcheck::Gen, depth: usize) -> DescriptorProto {
            let n = usize::arbitrary(g) % 3;
            DescriptorProto {
                name: opt(g),
                field: (0..n).map(|_| field(g)).collect(),
                nested_type: if depth < 3 {
                    (0..n).map(|_| message(g, depth + 1)).collect()
                } else {
                    Vec::new()
                },
                extension_range: (0..n)
                    .map(|_| ExtensionRange {
                        start: opt(g),
                        end: opt(g),
                        options: options(g),
                        ..Default::default()
                    })
                    .collect(),
                options: options(g),
                oneof_decl: (0..n)
                    .map(|_| OneofDescriptorProto {
                        name: opt(g),
                        ..Default::default()
                    })
                    .collect(),
                reserved_range: (0..n)
                    .map(|_| ReservedRange {
                        start: opt(g),
                        end: opt(g),
                        ..Default::default()
                    })
                    .collect(),
                reserved_name: Vec::arbitrary(g),
                ..Default::default()
            }
        }
        let n = usize::arbitrary(g) % 3;
        ArbFile(FileDescriptorProto {
            name: opt(g),
            package: opt(g),
            dependency: Vec::arbitrary(g),
            message_type: (0..n).map(|_| message(g, 0)).collect(),
            enum_type: (0..n)
                .map(|_| EnumDescriptorProto {
                    name: opt(g),
                    value: (0..n)
                        .map(|_| EnumValueDescriptorProto {
                            name: opt(g),
                            number: opt(g),
                            options: options(g),
                            ..Default::default()
                        })
                        .collect(),
                    reserved_range: (0..n)
                        .map(|_| EnumReservedRange {
                            start: opt(g),
                            end: opt(g),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            service: (0..n)
                .map(|_| ServiceDescriptorProto {
                    name: opt(g),
                    method: (0..n)
                        .map(|_| MethodDescriptorProto {
                            name: opt(g),
                            input_type: opt(g),
                            output_type: opt(g),
                            options: options(g),
                            client_streaming: opt(g),
                            server_streaming: opt(g),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            extension: (0..n).map(|_| field(g)).collect(),
            options: options(g),
            source_code_info: bool::arbitrary(g).then(|| SourceCodeInfo {
                location: (0..n)
                    .map(|_| Location {
                        path: Vec::arbitrary(g),
                        span: Vec::arbitrary(g),
                        leading_comments: opt(g),
                        trailing_comments: opt(g),
                        leading_detached_comments: Vec::arbitrary(g),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
            public_dependency: Vec::arbitrary(g),
            weak_dependency: Vec::arbitrary(g),
            syntax: opt(g),
            ..Default::default()
        })
    }
}

/// decode(encode(x)) == x for descriptors; building a pool from any of them
/// never panics.
#[test]
fn file_descriptor_proto_round_trips() {
    use grpclite::schema::descriptor::FileDescriptorProto;
    use grpclite::wire::Message;
    fn prop(file: ArbFile) -> bool {
        let bytes = file.0.encode_to_vec();
        let _ = Pool::new().add_file_descriptor_proto(&file.0);
        FileDescriptorProto::decode(&bytes).as_ref() == Ok(&file.0)
    }
    QuickCheck::new()
        .tests(500)
        .quickcheck(prop as fn(ArbFile) -> bool);
}
