//! Replays every cargo-fuzz corpus under `fuzz/corpus/<target>/` through the
//! same oracle the fuzz target runs, on stable Rust, so a crash found once
//! stays fixed. Add a crashing input to the corpus folder to pin it.

use std::fs;
use std::path::Path;

#[path = "../fuzz/oracles/base64_decode.rs"]
mod base64_decode;
#[path = "../fuzz/oracles/generated_message.rs"]
mod generated_message;
#[path = "../fuzz/oracles/h2_client_connection.rs"]
mod h2_client_connection;
#[path = "../fuzz/oracles/h2_frame_reader.rs"]
mod h2_frame_reader;
#[path = "../fuzz/oracles/h2_server_connection.rs"]
mod h2_server_connection;
#[path = "../fuzz/oracles/hpack_decoder.rs"]
mod hpack_decoder;
#[path = "../fuzz/oracles/json_reader.rs"]
mod json_reader;
#[path = "../fuzz/oracles/proto_parser.rs"]
mod proto_parser;
#[path = "../fuzz/oracles/protojson.rs"]
mod protojson;
#[path = "../fuzz/oracles/wire_decoder.rs"]
mod wire_decoder;

/// Runs `check` on every file of one target's corpus and returns how many ran.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut entries: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {} missing: {e}", dir.display()))
        .map(|entry| entry.expect("readable corpus entry").path())
        .collect();
    entries.sort();
    for path in &entries {
        let data = fs::read(path).expect("readable corpus file");
        let result = std::panic::catch_unwind(|| check(&data));
        assert!(
            result.is_ok(),
            "fuzz oracle {target} failed on {}",
            path.display()
        );
    }
    println!("{target}: {} corpus inputs replayed", entries.len());
    assert!(!entries.is_empty(), "corpus for {target} is empty");
    entries.len()
}

#[test]
fn hpack_decoder_corpus() {
    replay("hpack_decoder", hpack_decoder::check);
}

#[test]
fn json_reader_corpus() {
    replay("json_reader", json_reader::check);
}

#[test]
fn base64_decode_corpus() {
    replay("base64_decode", base64_decode::check);
}

#[test]
fn wire_decoder_corpus() {
    replay("wire_decoder", wire_decoder::check);
}

#[test]
fn h2_frame_reader_corpus() {
    replay("h2_frame_reader", h2_frame_reader::check);
}

#[test]
fn h2_server_connection_corpus() {
    replay("h2_server_connection", h2_server_connection::check);
}

#[test]
fn proto_parser_corpus() {
    replay("proto_parser", proto_parser::check);
}

#[test]
fn generated_message_corpus() {
    replay("generated_message", generated_message::check);
}

#[test]
fn protojson_corpus() {
    replay("protojson", protojson::check);
}

#[test]
fn h2_client_connection_corpus() {
    replay("h2_client_connection", h2_client_connection::check);
}
