//! HPACK interoperability vectors (`hpack/`, from hpack-test-case): every
//! encoded block from 14 other encoders decodes to the recorded header list,
//! and our encoder round-trips every recorded list, following the procedure
//! in `hpack/README.md`.

use std::path::{Path, PathBuf};

use grpclite::hpack::{
    Decoder, DecoderConfig, Encoder, EncoderConfig, Header, HuffmanPolicy, IndexingPolicy,
};
use grpclite::json::{self, Value};

/// Decoding cases the README counts: every case that carries a `wire`.
const EXPECTED_DECODING_CASES: usize = 47_142;

/// The compression goal for the default encoder over `raw-data`: encoded
/// octets at most this share of the raw name and value octets.
const COMPRESSION_GOAL: f64 = 0.315;

/// One header block of a story.
struct Case {
    header_table_size: Option<usize>,
    wire: Option<Vec<u8>>,
    headers: Vec<(String, String)>,
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hpack")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    entries
}

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd hex length");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex wire"))
        .collect()
}

/// Reads one story file into its cases, in order.
fn read_story(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap();
    let story = json::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases = story
        .get("cases")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{}: no cases", path.display()));
    cases
        .iter()
        .map(|case| Case {
            // Missing or `null` keeps the previous value (README).
            header_table_size: case
                .get("header_table_size")
                .and_then(Value::as_u64)
                .map(|n| usize::try_from(n).unwrap()),
            wire: case.get("wire").and_then(Value::as_str).map(hex),
            headers: case
                .get("headers")
                .and_then(Value::as_array)
                .expect("headers")
                .iter()
                .map(|field| {
                    let members = field.as_object().expect("one-entry object");
                    assert_eq!(members.len(), 1, "{}", path.display());
                    let (name, value) = &members[0];
                    (
                        name.clone(),
                        value.as_str().expect("string value").to_string(),
                    )
                })
                .collect(),
        })
        .collect()
}

fn pairs(headers: &[Header]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| {
            (
                String::from_utf8(h.name.to_vec()).unwrap(),
                String::from_utf8(h.value.to_vec()).unwrap(),
            )
        })
        .collect()
}

fn to_headers(pairs: &[(String, String)]) -> Vec<Header> {
    pairs
        .iter()
        .map(|(n, v)| Header::new(n.clone().into_bytes(), v.clone().into_bytes()))
        .collect()
}

#[test]
fn decodes_every_vector() {
    let mut total_passed = 0;
    let mut failures: Vec<String> = Vec::new();
    for folder in sorted_entries(&vectors_dir()) {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        if !folder.is_dir() || name == "raw-data" {
            continue;
        }
        let (mut passed, mut cases) = (0, 0);
        for story_path in sorted_entries(&folder) {
            let story_name = story_path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            // A fresh decoder per story, at the initial 4096 (README step 1).
            let mut decoder = Decoder::new(DecoderConfig::default());
            for (seqno, case) in read_story(&story_path).iter().enumerate() {
                let wire = case
                    .wire
                    .as_ref()
                    .unwrap_or_else(|| panic!("{name}/{story_name}#{seqno}: no wire"));
                cases += 1;
                if let Some(size) = case.header_table_size {
                    decoder.set_max_table_size(size);
                }
                let mut out = Vec::new();
                let outcome = decoder.decode(wire, &mut out).map(|()| pairs(&out));
                match outcome {
                    Ok(got) if got == case.headers => passed += 1,
                    other => failures.push(format!(
                        "{name}/{story_name}#{seqno}: got {other:?}, expected {:?}",
                        case.headers
                    )),
                }
            }
        }
        println!("{name}: {passed}/{cases} passed");
        total_passed += passed;
    }
    println!("total: {total_passed}/{EXPECTED_DECODING_CASES} passed");
    assert!(
        failures.is_empty(),
        "{} cases failed; first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n")
    );
    assert_eq!(total_passed, EXPECTED_DECODING_CASES);
}

/// Encodes every raw-data story and decodes it again, the table size set as
/// a peer's SETTINGS would set it; returns (encoded octets, raw octets).
fn round_trip_raw_data(table_size: usize, config: EncoderConfig) -> (usize, usize) {
    let (mut encoded, mut raw) = (0, 0);
    let stories = sorted_entries(&vectors_dir().join("raw-data"));
    assert_eq!(stories.len(), 32);
    for story_path in stories {
        let mut encoder = Encoder::new(config);
        let mut decoder = Decoder::new(DecoderConfig::default());
        if table_size != 4096 {
            encoder.set_max_table_size(table_size);
            decoder.set_max_table_size(table_size);
        }
        for (seqno, case) in read_story(&story_path).iter().enumerate() {
            let headers = to_headers(&case.headers);
            let mut wire = Vec::new();
            encoder.encode(&headers, &mut wire);
            let mut out = Vec::new();
            decoder
                .decode(&wire, &mut out)
                .unwrap_or_else(|e| panic!("{}#{seqno}: {e}", story_path.display()));
            assert_eq!(
                pairs(&out),
                case.headers,
                "{}#{seqno}",
                story_path.display()
            );
            assert!(decoder.table().max_size() <= table_size);
            encoded += wire.len();
            raw += case
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>();
        }
    }
    (encoded, raw)
}

#[test]
fn encoder_round_trips_raw_data() {
    for table_size in [0, 256, 1365, 4096] {
        for huffman in [HuffmanPolicy::Shorter, HuffmanPolicy::Never] {
            for indexing in [IndexingPolicy::Automatic, IndexingPolicy::Always] {
                let config = EncoderConfig {
                    huffman,
                    indexing,
                    ..EncoderConfig::default()
                };
                let (encoded, raw) = round_trip_raw_data(table_size, config);
                println!(
                    "table {table_size}, {huffman:?}, {indexing:?}: {encoded}/{raw} octets = {:.1}%",
                    100.0 * encoded as f64 / raw as f64
                );
            }
        }
    }
}

#[test]
fn default_encoder_compression_ratio() {
    let (encoded, raw) = round_trip_raw_data(4096, EncoderConfig::default());
    let ratio = encoded as f64 / raw as f64;
    println!(
        "default encoder on raw-data: {encoded}/{raw} octets = {:.2}% (goal {:.1}%)",
        100.0 * ratio,
        100.0 * COMPRESSION_GOAL
    );
    assert!(ratio <= COMPRESSION_GOAL, "ratio {ratio:.4}");
}
