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
