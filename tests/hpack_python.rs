//! Interoperability: every header list of `hpack/raw-data`, encoded by our
//! encoder, is decoded by an independent implementation (the Python `hpack`
//! package in the peers venv) to the same list.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use grpclite::hpack::{Encoder, EncoderConfig, Header, HuffmanPolicy, IndexingPolicy};
use grpclite::json::{self, Value};

/// Reads the blocks written by the test (one story per `story <table size>`
/// line, then one hex block per line) and prints, per block, its fields as
/// `hex(name):hex(value)` joined by commas.
const PYTHON_DECODER: &str = r#"
import sys, hpack
decoder = None
for line in open(sys.argv[1]):
    words = line.split()
    if words[0] == "story":
        decoder = hpack.Decoder()
        decoder.max_allowed_table_size = int(words[1])
        continue
    fields = decoder.decode(bytes.fromhex(words[0]), raw=True)
    print(",".join(n.hex() + ":" + v.hex() for n, v in fields))
"#;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    let python = manifest_dir().join(".peers/venv/bin/python3");
    assert!(
        python.exists(),
        "peer missing: {} not found; run .ci/setup-peers (or link .peers to an installed peers folder)",
        python.display()
    );
    python
}

fn to_hex(octets: &[u8]) -> String {
    octets.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The header lists of one raw-data story, in order.
fn read_raw_story(path: &Path) -> Vec<Vec<Header>> {
    let text = std::fs::read_to_string(path).unwrap();
    let story = json::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    story
        .get("cases")
        .and_then(Value::as_array)
        .expect("cases")
        .iter()
        .map(|case| {
            case.get("headers")
                .and_then(Value::as_array)
                .expect("headers")
                .iter()
                .flat_map(|field| field.as_object().expect("object").iter())
                .map(|(name, value)| {
                    Header::new(
                        name.clone().into_bytes(),
                        value.as_str().expect("string").to_string().into_bytes(),
                    )
                })
                .collect()
        })
        .collect()
}

/// Encodes all raw-data stories with `config` at `table_size`, has Python
/// decode them, and compares every block.
fn check_with_python(config: EncoderConfig, table_size: usize) {
    let raw_data = manifest_dir().join("hpack/raw-data");
    let mut stories: Vec<PathBuf> = std::fs::read_dir(&raw_data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    stories.sort();
    assert_eq!(stories.len(), 32);

    let (mut input, mut expected) = (String::new(), Vec::new());
    for story in &stories {
        let mut encoder = Encoder::new(config);
        encoder.set_max_table_size(table_size);
        writeln!(input, "story {table_size}").unwrap();
        for headers in read_raw_story(story) {
            let mut wire = Vec::new();
            encoder.encode(&headers, &mut wire);
            writeln!(input, "{}", to_hex(&wire)).unwrap();
            let fields: Vec<String> = headers
                .iter()
                .map(|h| format!("{}:{}", to_hex(&h.name), to_hex(&h.value)))
                .collect();
            expected.push((story.clone(), fields.join(",")));
        }
    }

    let blocks = std::env::temp_dir().join(format!(
        "grpclite-hpack-python-{}-{table_size}-{:?}.txt",
        std::process::id(),
        config.huffman
    ));
    std::fs::write(&blocks, input).unwrap();
    let output = Command::new(python())
        .arg("-c")
        .arg(PYTHON_DECODER)
        .arg(&blocks)
        .output()
        .expect("run python3");
    let _ = std::fs::remove_file(&blocks);
    assert!(
        output.status.success(),
        "Python hpack failed to decode our blocks:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let decoded: Vec<&str> = stdout.lines().collect();
    assert_eq!(decoded.len(), expected.len(), "block count");
    for (i, ((story, want), got)) in expected.iter().zip(&decoded).enumerate() {
        assert_eq!(got, want, "block {i} of {}", story.display());
    }
    println!(
        "Python hpack decoded {} blocks from {} stories (table {table_size}, {:?})",
        decoded.len(),
        stories.len(),
        config.huffman
    );
}

#[test]
fn python_hpack_decodes_our_default_encoding() {
    check_with_python(EncoderConfig::default(), 4096);
}

#[test]
fn python_hpack_decodes_our_encoding_with_small_table_and_no_huffman() {
    let config = EncoderConfig {
        huffman: HuffmanPolicy::Never,
        indexing: IndexingPolicy::Always,
        ..EncoderConfig::default()
    };
    check_with_python(config, 256);
}
