//! The hpack-test-case stories under `hpack/`: header lists, and for encoded
//! stories the header block each list was encoded into.
//!
//! A story is one connection direction: its blocks must be decoded (or its
//! lists encoded) in order by one decoder (encoder), as the dynamic table
//! carries over from block to block.

use std::fs;
use std::path::{Path, PathBuf};

use grpclite::json::{self, Value};

/// One header field: name and value octets.
pub type Field = (Vec<u8>, Vec<u8>);

/// One story file.
#[derive(Debug, Clone)]
pub struct Story {
    /// The file name, for messages.
    pub name: String,
    /// Its cases, in order.
    pub cases: Vec<Case>,
}

/// One header list of a story.
#[derive(Debug, Clone)]
pub struct Case {
    /// The header block it was encoded into; empty in `raw-data`, which has
    /// no encoding.
    pub wire: Vec<u8>,
    /// The header list, in order.
    pub headers: Vec<Field>,
}

impl Story {
    /// Octets of header blocks in the story.
    pub fn wire_len(&self) -> usize {
        self.cases.iter().map(|case| case.wire.len()).sum()
    }

    /// Octets of names and values in the story (what the encoding goal
    /// compares its output with).
    pub fn header_len(&self) -> usize {
        self.cases
            .iter()
            .flat_map(|case| &case.headers)
            .map(|(name, value)| name.len() + value.len())
            .sum()
    }
}

/// The nghttp2-encoded stories: header blocks with the lists they decode to.
pub fn nghttp2(repository: &Path) -> Vec<Story> {
    load_dir(&repository.join("hpack/nghttp2"))
}

/// The unencoded stories: header lists alone.
pub fn raw_data(repository: &Path) -> Vec<Story> {
    load_dir(&repository.join("hpack/raw-data"))
}

/// Loads every `story_*.json` of `dir`, sorted by name. Panics with the
/// file's name if one is missing or malformed: a benchmark over a partial
/// corpus would measure something else.
fn load_dir(dir: &Path) -> Vec<Story> {
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read story directory {}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.expect("story directory entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("story_") && n.ends_with(".json"))
        })
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no stories in {}", dir.display());
    paths.iter().map(|path| load_story(path)).collect()
}

fn load_story(path: &Path) -> Story {
    let name = path.display().to_string();
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let doc = json::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let cases = doc
        .get("cases")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{name}: no \"cases\" array"));
    let cases = cases
        .iter()
        .enumerate()
        .map(|(i, case)| load_case(case).unwrap_or_else(|e| panic!("{name}: case {i}: {e}")))
        .collect();
    Story { name, cases }
}

fn load_case(case: &Value) -> Result<Case, String> {
    // Both encoders and decoders here start from HTTP/2's 4096-octet table;
    // a story that resizes it would need SETTINGS to be replayed as well.
    if case.get("header_table_size").is_some() {
        return Err("header_table_size changes are not replayed".into());
    }
    let wire = match case.get("wire") {
        None => Vec::new(),
        Some(wire) => hex(wire.as_str().ok_or("\"wire\" is not a string")?)?,
    };
    let headers = case
        .get("headers")
        .and_then(Value::as_array)
        .ok_or("no \"headers\" array")?
        .iter()
        .map(|field| match field.as_object() {
            Some([(name, value)]) => {
                let value = value.as_str().ok_or("header value is not a string")?;
                Ok((name.as_bytes().to_vec(), value.as_bytes().to_vec()))
            }
            _ => Err("a header is not an object of one member".to_string()),
        })
        .collect::<Result<_, _>>()?;
    Ok(Case { wire, headers })
}

/// Decodes the hex text of a `wire` member.
fn hex(text: &str) -> Result<Vec<u8>, String> {
    fn nibble(c: u8) -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(format!("{:?} is not a hex digit", c as char)),
        }
    }
    let text = text.as_bytes();
    if text.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    text.chunks_exact(2)
        .map(|pair| Ok(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}
