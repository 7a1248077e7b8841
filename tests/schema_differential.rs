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
