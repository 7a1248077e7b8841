//! Differential test against protoc: mutants of corpus files (a character
//! deleted, inserted or replaced; a comment inserted) must be accepted or
//! rejected as protoc accepts or rejects them, and when accepted give the
//! same descriptor set byte for byte, source info included.

use std::path::{Path, PathBuf};
use std::process::Command;

use grpclite::schema::convert::file_descriptor_set;
use grpclite::schema::{DiskSourceTree, Pool};
use grpclite::wire::Message;

/// How many mutants each run checks (each costs two protoc runs).
const MUTANTS: u64 = 150;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("proto/cases")
}

/// A small deterministic generator (64-bit LCG), so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % bound.max(1)
    }
}

fn mutate(text: &str, rng: &mut Lcg) -> String {
    const PIECES: &[&str] = &[
        "{",
        "}",
        ";",
        "=",
        "[",
        "]",
        "(",
        ")",
        "<",
        ">",
        ",",
        ".",
        "-",
        "\"",
        "'",
        "/",
        "*",
        " ",
        "\n",
        "0",
        "7",
        "a",
        "Z",
        "_",
        "// c\n",
        "/* b */",
        "\n\n",
        "optional ",
        "repeated ",
        "reserved 1;",
        "max",
    ];
    let mut s = text.to_string();
    let mut at = rng.next(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    let piece = PIECES[rng.next(PIECES.len())];
    match rng.next(3) {
        0 => {
            let mut end = (at + 1).min(s.len());
            while !s.is_char_boundary(end) {
                end += 1;
            }
            s.replace_range(at..end, "");
        }
        1 => s.insert_str(at, piece),
        _ => {
            let mut end = (at + 1).min(s.len());
            while !s.is_char_boundary(end) {
                end += 1;
            }
            s.replace_range(at..end, piece);
        }
    }
    s
}

/// protoc's descriptor set (with imports and source info), or None if it rejects the file.
fn protoc(dir: &Path, file: &str) -> Option<Vec<u8>> {
    let out = dir.join("protoc.pb");
    let status = Command::new("protoc")
        .arg("--include_source_info")
        .arg("--include_imports")
        .arg(format!("-I{}", dir.display()))
        .arg(format!("--descriptor_set_out={}", out.display()))
        .arg(file)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|e| {
            panic!("protoc is required for this test (install protobuf-compiler 3.21): {e}")
        });
    status.success().then(|| std::fs::read(&out).unwrap())
}

#[test]
fn mutants_are_judged_and_described_like_protoc() {
    let dir = std::env::temp_dir().join(format!("grpclite-differential-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = std::fs::read_to_string(corpus().join("options.proto")).unwrap();
    let sources: Vec<(&str, String)> = ["features2.proto", "features3.proto", "comments.proto"]
        .iter()
        .map(|f| (*f, std::fs::read_to_string(corpus().join(f)).unwrap()))
        .collect();
    let mut rng = Lcg(0x5eed);
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for i in 0..MUTANTS {
        let (name, text) = &sources[rng.next(sources.len())];
        let mutant = mutate(text, &mut rng);
        std::fs::write(dir.join("options.proto"), &options).unwrap();
        std::fs::write(dir.join(name), &mutant).unwrap();
        let theirs = protoc(&dir, name);
        let mut pool = Pool::new();
        let ours = pool.load(&DiskSourceTree::new([dir.clone()]), name);
        match (theirs, ours) {
            (None, Err(_)) => rejected += 1,
            (Some(theirs), Ok(id)) => {
                accepted += 1;
                let set = file_descriptor_set(&pool, &[id], true, true).unwrap();
                if set.encode_to_vec() != theirs {
                    failures.push(format!(
                        "mutant {i} of {name}: descriptor sets differ\n{mutant}"
                    ));
                }
            }
            (Some(_), Err(e)) => failures.push(format!(
                "mutant {i} of {name}: protoc accepts, we reject: {e}\n{mutant}"
            )),
            (None, Ok(_)) => failures.push(format!(
                "mutant {i} of {name}: protoc rejects, we accept\n{mutant}"
            )),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Both outcomes must have been exercised for the comparison to mean anything.
    assert!(
        accepted > 10 && rejected > 10,
        "accepted {accepted}, rejected {rejected}"
    );
}

/// Small files at the edges of the grammar and of protoc's checks.
const SNIPPETS: &[&str] = &[
    "syntax = \"proto2\";\nmessage M { oneof o { group G = 1 { optional int32 a = 2; } } }",
    "syntax = \"proto2\";\nmessage M { extensions 10 to 20; }\nextend M { repeated group G = 10 { optional int32 a = 1; } }",
    "syntax = \"proto2\";\nmessage M { optional group G = 1 [deprecated = true] { optional int32 a = 1; } }",
    "syntax = \"proto2\";\nmessage M { optional group G = 1 { optional G g = 1; } }",
    "syntax = \"proto2\";\nmessage M { optional int32 a = 1 [default = -0x10]; optional uint32 b = 2 [default = 0x10]; optional double c = 3 [default = -1e-10]; optional float d = 4 [default = .5]; }",
    "syntax = \"proto2\";\nmessage M { optional string s = 1 [default = 'a\\\"b'];  optional bytes b = 2 [default = \"\\001\\x02\\u00e9\"]; }",
    "syntax = \"proto2\";\nmessage M { optional bool b = 1 [default = True]; }",
    "syntax = \"proto2\";\nenum E { A = 1; B = 2; }\nmessage M { optional E e = 1 [default = 2]; }",
    "syntax = \"proto2\";\nmessage M { optional double d = 1 [default = inf]; optional double e = 2 [default = -nan]; optional float f = 3 [default = infinity]; }",
    "syntax = \"proto3\";\nmessage M { int32 a = 1; }\nservice S { rpc R (M) returns (M) { option deprecated = true; option idempotency_level = IDEMPOTENT; } }",
    "syntax = \"proto3\";\nmessage M { int32 a = 1 [json_name = \"A\"]; int32 b = 2 [json_name = \"A\"]; }",
    "syntax = \"proto2\";\nmessage M { optional int32 a = 1 [json_name = \"x\"]; optional int32 b = 2 [json_name = \"x\"]; }",
    "syntax = \"proto3\";\nmessage M { int32 _a = 1; int32 a = 2; }",
    "syntax = \"proto3\";\nmessage M { message N { } N N = 1; }",
    "syntax = \"proto3\";\nmessage M { optional int32 a = 1; oneof _a { int32 b = 2; } }",
    "syntax = \"proto3\";\npackage a.b;\nmessage a { }\nmessage M { a.b.M x = 1; }",
    "syntax = \"proto3\";\npackage a.b;\nmessage M { .a.b.M x = 1; b.M y = 2; a.b.M z = 3; }",
    "syntax = \"proto3\";\nmessage M { map<string, string> m = 1; message MEntry {} }",
    "syntax = \"proto3\";\nmessage M { map<string, string> m_entry = 1; map<string, string> m__entry = 2; }",
    "syntax = \"proto2\";\nmessage M { optional int32 a = 1; extensions 2 to 5; extensions 5 to 6; }",
    "syntax = \"proto2\";\nmessage M { extensions 1 to max [(x) = 1]; }",
    "syntax = \"proto3\";\nimport \"google/protobuf/descriptor.proto\";\nextend google.protobuf.FieldOptions { int32 x = 50000; }\nmessage M { int32 a = 1 [(x) = 5]; }",
    "syntax = \"proto3\";\nimport \"google/protobuf/descriptor.proto\";\nextend google.protobuf.FieldOptions { optional int32 x = 50000; }\nmessage M { int32 a = 1 [(.x) = 5]; }",
    "syntax = \"proto3\";\nmessage M { int32 a = 1; int32 b = 2; reserved 1; }",
    "syntax = \"proto3\";\nmessage M { int32 a = 0x1; int32 b = 02; int32 c = 3 ; }",
    "syntax = \"proto3\";\nenum E { A = 0; B = 0x7fffffff; C = -0x80000000; }",
    "syntax = \"proto3\";\nenum E { A = 0; B = 2147483648; }",
    "syntax = \"proto3\";\nmessage M { string s = 1 [ctype = STRING_PIECE]; }",
    "syntax = \"proto3\";;\nmessage M {;};;",
    "syntax = \"proto3\";\noption (x) = 1;",
    "syntax = \"proto3\";\nmessage M { int32 a = 1 [(foo.bar) = 1]; }",
    "syntax = \"proto3\";\nmessage M { reserved 1 to 3, 2 to 4; }",
    "syntax = \"proto3\";\nmessage M { M m = 1; repeated M r = 2; map<int32, M> mm = 3; }",
    "syntax = \"proto3\";\nmessage stream { }\nservice S { rpc R (stream stream) returns (stream); }",
    "syntax = \"proto3\";\nmessage M { int32 int32 = 1; string string = 2; M message = 3; }",
    "syntax = \"proto3\";\nmessage map { }\nmessage M { map m = 1; map<int32, map> n = 2; }",
    "syntax = \"proto3\";\nmessage group { }\nmessage M { group g = 1; }",
    "syntax = \"proto2\";\nmessage M { required group G = 1 { } }",
    "syntax = \"proto3\";\nenum Foo { FOO_UNKNOWN = 0; UNKNOWN = 1; }",
    "syntax = \"proto3\";\nenum E { A = 0; reserved 1 to max; reserved 5; }",
    "syntax = \"proto2\";\nmessage M { reserved 536870912; reserved \"a-b\"; }",
    "syntax = \"proto2\";\nmessage S { option message_set_wire_format = true; extensions 4 to max; }\nmessage T { extend S { optional T t = 4; } }",
    "syntax = \"proto2\";\nmessage S { option message_set_wire_format = true; extensions 4 to max; }\nmessage T { extend S { optional T t = 1000000000; } }",
    "syntax = \"proto2\";\nmessage S { option message_set_wire_format = true; extensions 4 to max; }\nmessage U { extend S { optional U u = 19500; } }",
    "syntax = \"proto2\";\nmessage M { optional uint64 u = 1 [default = -0]; }",
    "\u{feff}syntax = \"proto3\";\n// after a byte order mark\nmessage M { int32 a = 1; }",
    "syntax = \"proto3\";\r\n\t// tab comment\r\nmessage\tM {\r\n\t\tint32 a = 1;\t// t\r\n}\r\n",
    "syntax = \"proto3\";\n/* \u{e9}t\u{e9} */\nmessage M {\n\tstring s = 1 [json_name = \"\u{e9}\"]; // caf\u{e9}\n}\n",
    "syntax = \"proto2\";\nmessage M { optional int64 i = 1 [default = -0]; optional double d = 2 [default = -0]; }",
];

#[test]
fn snippets_are_judged_and_described_like_protoc() {
    let dir = std::env::temp_dir().join(format!("grpclite-snippets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for snippet in SNIPPETS {
        std::fs::write(dir.join("main.proto"), snippet).unwrap();
        let theirs = protoc(&dir, "main.proto");
        let mut pool = Pool::new();
        let ours = pool.load(&DiskSourceTree::new([dir.clone()]), "main.proto");
        match (theirs, ours) {
            (None, Err(_)) => rejected += 1,
            (Some(theirs), Ok(id)) => {
                accepted += 1;
                let set = file_descriptor_set(&pool, &[id], true, true).unwrap();
                if set.encode_to_vec() != theirs {
                    failures.push(format!("descriptor sets differ:\n{snippet}"));
                }
            }
            (Some(_), Err(e)) => {
                failures.push(format!("protoc accepts, we reject ({e}):\n{snippet}"))
            }
            (None, Ok(_)) => failures.push(format!("protoc rejects, we accept:\n{snippet}")),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        accepted > 10 && rejected > 10,
        "accepted {accepted}, rejected {rejected}"
    );
}
