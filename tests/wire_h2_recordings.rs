//! The recorded HTTP/2 and gRPC exchanges of `wire/h2/` (see its README).
//!
//! Each `NAME.chunks` is replayed through `grpclite::trace` and must give
//! exactly the generated part of `NAME.trace.txt`, so the committed traces
//! and their human annotations cannot drift from the code. Key facts of each
//! exchange are then checked without the tracer, from frames and HPACK
//! directly, and every recorded header block is decoded by the Python
//! `hpack` package too (needs `$CARGO_MANIFEST_DIR/.peers`, made by
//! `.ci/setup-peers` or a symlink to a checkout that has it; a missing peer
//! fails the test). Nothing is re-recorded here: peers are nondeterministic.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use bytes::Bytes;
use grpclite::grpc::{percent, Deframer};
use grpclite::h2::frame::{Frame, FrameReader, CONNECTION_PREFACE};
use grpclite::h2::ErrorCode;
use grpclite::hpack::Decoder;
use grpclite::schema::{DiskSourceTree, Pool};
use grpclite::trace::{recording, trace_recording, Direction, TraceConfig, Tracer};

/// The separator between human annotations and the generated trace.
const SEPARATOR: &str = "==== generated: frame_trace ";

/// Every recording, so a lost or unexpected file fails the count.
const RECORDINGS: [&str; 9] = [
    "curl_get",
    "curl_post",
    "grpc_cancel",
    "grpc_deadline",
    "grpc_error_status",
    "grpc_server_streaming",
    "grpc_unary",
    "grpcjs_unary",
    "nghttp_get_twice",
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wire/h2")
}

fn read_log(name: &str) -> Vec<u8> {
    let path = dir().join(format!("{name}.chunks"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_recordings_are_all_there() {
    let mut found: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".chunks").map(str::to_string)
        })
        .collect();
    found.sort();
    assert_eq!(found, RECORDINGS);
}

#[test]
fn every_trace_file_matches_its_replay() {
    for name in RECORDINGS {
        let path = dir().join(format!("{name}.trace.txt"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (notes, rest) = text
            .split_once(SEPARATOR)
            .unwrap_or_else(|| panic!("{name}: no `{SEPARATOR}` line"));
        assert!(
            notes.lines().filter(|l| l.starts_with('#')).count() >= 3
                && !notes.contains("(annotations to write)"),
            "{name}: the annotations above the generated part are missing"
        );
        let (command, generated) = rest.split_once('\n').unwrap();
        let args: Vec<&str> = command.trim_end_matches(" ====").split(' ').collect();
        assert_eq!(
            args[..2],
            ["--replay", &format!("{name}.chunks")],
            "{name}: {command}"
        );
        let pool = match args.get(2..) {
            Some(["--proto", proto, "-I", "."]) => {
                let mut pool = Pool::new();
                pool.load(&DiskSourceTree::new([dir()]), proto).unwrap();
                Some(pool)
            }
            Some([]) => None,
            other => panic!("{name}: unexpected arguments {other:?}"),
        };
        let mut tracer = match &pool {
            Some(pool) => Tracer::with_pool(TraceConfig::default(), pool),
            None => Tracer::new(TraceConfig::default()),
        };
        let lines = trace_recording(&mut tracer, &read_log(name)).unwrap();
        let expected: Vec<&str> = generated.lines().collect();
        assert_eq!(
            lines, expected,
            "{name}: the trace differs from wire/h2/{name}.trace.txt \
             (regenerate it with `wire/h2/record.py retrace {name}`)"
        );
        let errors: Vec<_> = lines
            .iter()
            .filter(|l| {
                matches!(l.split(' ').nth(1), Some("ERROR" | "VIOLATION"))
                    || l.contains("grpc framing error")
            })
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

/// Chunk boundaries are the relay's accident: splitting every record into
/// pieces of 1 to 7 octets must not change a line of the trace.
#[test]
fn replaying_in_small_chunks_gives_the_same_trace() {
    for name in RECORDINGS {
        let log = read_log(name);
        let whole = trace_recording(&mut Tracer::new(TraceConfig::default()), &log).unwrap();
        let mut tracer = Tracer::new(TraceConfig::default());
        let mut lines = Vec::new();
        let mut size = 0;
        for (direction, data) in recording::decode(&log).unwrap() {
            let mut rest = data;
            while !rest.is_empty() {
                size = size % 7 + 1;
                let (piece, tail) = rest.split_at(size.min(rest.len()));
                lines.extend(tracer.feed(direction, piece));
                rest = tail;
            }
        }
        lines.extend(tracer.finish());
        assert_eq!(lines, whole, "{name}");
    }
}

/// Real exchanges with a few octets changed reach deep into the tracer
/// (HPACK, deframing, message printing) with hostile values: it must never
/// panic, whatever it reports.
#[test]
fn damaged_recordings_never_panic() {
    fn property(which: usize, damage: Vec<(usize, u8)>) -> bool {
        static LOGS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        let logs = LOGS.get_or_init(|| RECORDINGS.iter().map(|name| read_log(name)).collect());
        let log = &logs[which % logs.len()];
        let mut records: Vec<(Direction, Vec<u8>)> = recording::decode(log)
            .unwrap()
            .into_iter()
            .map(|(d, data)| (d, data.to_vec()))
            .collect();
        let total: usize = records.iter().map(|r| r.1.len()).sum();
        // A few changes, so most of the exchange still parses past them.
        for (at, xor) in damage.into_iter().take(3) {
            let mut at = at % total.max(1);
            for (_, data) in &mut records {
                if at < data.len() {
                    data[at] ^= xor;
                    break;
                }
                at -= data.len();
            }
        }
        let mut tracer = Tracer::new(TraceConfig::default());
        for (direction, data) in &records {
            tracer.feed(*direction, data);
        }
        tracer.finish();
        true
    }
    quickcheck::QuickCheck::new()
        .tests(300)
        .quickcheck(property as fn(usize, Vec<(usize, u8)>) -> bool);
}

/// One decoded header block.
struct HeaderBlock {
    direction: Direction,
    stream: u32,
    end_stream: bool,
    octets: Vec<u8>,
    fields: Vec<(String, String)>,
}

/// What a recording holds, read with the frame reader and HPACK decoder
/// alone: per direction, each header block with its stream and END_STREAM,
/// and the DATA octets and RST_STREAM codes per stream.
#[derive(Default)]
struct Exchange {
    blocks: Vec<HeaderBlock>,
    data: BTreeMap<(u32, bool), Vec<u8>>,
    resets: Vec<(Direction, u32, ErrorCode)>,
}

impl Exchange {
    fn read(name: &str) -> Exchange {
        let log = read_log(name);
        let mut exchange = Exchange::default();
        let mut readers = [FrameReader::new(1 << 24), FrameReader::new(1 << 24)];
        let mut decoders = [Decoder::default(), Decoder::default()];
        let mut pending: [Option<(u32, bool, Vec<u8>)>; 2] = [None, None];
        let mut preface_left = CONNECTION_PREFACE.len();
        for (direction, mut chunk) in recording::decode(&log).unwrap() {
            let d = usize::from(direction == Direction::ServerToClient);
            if direction == Direction::ClientToServer && preface_left > 0 {
                let n = preface_left.min(chunk.len());
                chunk = &chunk[n..];
                preface_left -= n;
            }
            while let Some(frame) = readers[d].read(&mut chunk).unwrap() {
                let (stream, fragment, end_stream, end_headers) = match frame {
                    Frame::Headers(h) => {
                        (h.stream_id.get(), h.fragment, h.end_stream, h.end_headers)
                    }
                    Frame::Continuation(c) => {
                        let (s, e, _) = pending[d].as_ref().unwrap();
                        (*s, c.fragment, *e, c.end_headers)
                    }
                    Frame::Data(f) => {
                        let to_server = direction == Direction::ClientToServer;
                        exchange
                            .data
                            .entry((f.stream_id.get(), to_server))
                            .or_default()
                            .extend_from_slice(&f.data);
                        continue;
                    }
                    Frame::RstStream(r) => {
                        exchange
                            .resets
                            .push((direction, r.stream_id.get(), r.error_code));
                        continue;
                    }
                    _ => continue,
                };
                let mut block = pending[d].take().map(|p| p.2).unwrap_or_default();
                block.extend_from_slice(&fragment);
                if !end_headers {
                    pending[d] = Some((stream, end_stream, block));
                    continue;
                }
                let mut fields = Vec::new();
                decoders[d].decode(&block, &mut fields).unwrap();
                let fields = fields
                    .iter()
                    .map(|h| {
                        (
                            String::from_utf8(h.name.to_vec()).unwrap(),
                            String::from_utf8(h.value.to_vec()).unwrap(),
                        )
                    })
                    .collect();
                exchange.blocks.push(HeaderBlock {
                    direction,
                    stream,
                    end_stream,
                    octets: block,
                    fields,
                });
            }
        }
        exchange
    }

    fn field<'a>(&'a self, direction: Direction, stream: u32, name: &str) -> Vec<&'a str> {
        self.blocks
            .iter()
            .filter(|b| b.direction == direction && b.stream == stream)
            .flat_map(|b| b.fields.iter())
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn block_len(&self, direction: Direction, stream: u32) -> usize {
        self.blocks
            .iter()
            .find(|b| b.direction == direction && b.stream == stream)
            .map(|b| b.octets.len())
            .unwrap()
    }

    /// The gRPC messages sent on `stream` toward the server or the client.
    fn messages(&self, stream: u32, to_server: bool) -> Vec<Bytes> {
        let mut data = Bytes::from(
            self.data
                .get(&(stream, to_server))
                .cloned()
                .unwrap_or_default(),
        );
        let mut deframer = Deframer::new(1 << 20);
        let mut out = Vec::new();
        while let Some(m) = deframer.decode(&mut data).unwrap() {
            out.push(m);
        }
        deframer.finish().unwrap();
        out
    }
}

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;

#[test]
fn curl_and_nghttp_fetch_what_nghttpd_serves() {
    let get = Exchange::read("curl_get");
    assert_eq!(get.field(C2S, 1, ":method"), ["GET"]);
    assert_eq!(get.field(S2C, 1, ":status"), ["200"]);
    assert_eq!(get.data[&(1, false)], b"<h1>hello h2</h1>\n");

    let post = Exchange::read("curl_post");
    assert_eq!(post.field(C2S, 1, ":method"), ["POST"]);
    assert_eq!(post.data[&(1, true)], b"name=grpclite&lang=rust");
    assert_eq!(post.data[&(1, false)], b"thanks\n");

    // The second response repeats the first's fields from the dynamic table.
    let twice = Exchange::read("nghttp_get_twice");
    assert_eq!(
        twice.field(S2C, 13, "server"),
        twice.field(S2C, 15, "server")
    );
    assert!(twice.block_len(S2C, 15) * 5 < twice.block_len(S2C, 13));
    assert!(twice.block_len(C2S, 15) * 2 < twice.block_len(C2S, 13));
}

#[test]
fn grpc_unary_calls_reuse_the_dynamic_table() {
    let e = Exchange::read("grpc_unary");
    for stream in [1, 3] {
        assert_eq!(e.field(C2S, stream, ":path"), ["/echo.Echo/Say"]);
        assert_eq!(e.field(S2C, stream, "grpc-status"), ["0"]);
        assert_eq!(e.messages(stream, true).len(), 1);
        assert_eq!(e.messages(stream, false).len(), 1);
    }
    assert_eq!(e.field(C2S, 1, "grpc-timeout"), ["5S"]);
    assert!(e.block_len(C2S, 3) * 5 < e.block_len(C2S, 1));
    // text "again" (field 1), as sent by the client.
    assert_eq!(&e.messages(3, true)[0][..], b"\x0a\x05again");
}

#[test]
fn grpc_server_streaming_sends_three_messages() {
    let e = Exchange::read("grpc_server_streaming");
    assert_eq!(e.messages(1, false).len(), 3);
    assert_eq!(e.field(S2C, 1, "grpc-status"), ["0"]);
}

#[test]
fn grpc_error_status_is_trailers_only_with_a_percent_encoded_message() {
    let e = Exchange::read("grpc_error_status");
    let response: Vec<_> = e
        .blocks
        .iter()
        .filter(|b| b.direction == S2C && b.stream == 1)
        .collect();
    assert_eq!(response.len(), 1, "Trailers-Only: one HEADERS frame");
    assert!(response[0].end_stream, "with END_STREAM");
    assert_eq!(e.field(S2C, 1, ":status"), ["200"]);
    assert_eq!(e.field(S2C, 1, "grpc-status"), ["3"]);
    let message = e.field(S2C, 1, "grpc-message")[0];
    assert_eq!(message, "bad input: 100%25 not %C2%ABok%C2%BB%0Aline 2");
    assert_eq!(
        percent::decode(message.as_bytes()),
        "bad input: 100% not \u{ab}ok\u{bb}\nline 2"
    );
    assert!(e.messages(1, false).is_empty());
}

#[test]
fn grpc_deadline_and_cancel_end_in_rst_stream_cancel() {
    let deadline = Exchange::read("grpc_deadline");
    assert_eq!(deadline.field(C2S, 1, "grpc-timeout"), ["200m"]);
    assert_eq!(deadline.resets, [(C2S, 1, ErrorCode::Cancel)]);
    assert!(deadline.field(S2C, 1, "grpc-status").is_empty());

    let cancel = Exchange::read("grpc_cancel");
    assert_eq!(cancel.resets, [(C2S, 1, ErrorCode::Cancel)]);
    assert_eq!(cancel.messages(1, false).len(), 2);
    assert!(cancel.field(S2C, 1, "grpc-status").is_empty());
}

#[test]
fn grpc_js_calls_a_grpcio_server() {
    let e = Exchange::read("grpcjs_unary");
    assert!(e.field(C2S, 1, "user-agent")[0].starts_with("grpc-node-js/"));
    assert_eq!(e.field(S2C, 1, "grpc-status"), ["0"]);
    assert_eq!(e.messages(1, false).len(), 1);
}

fn python() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".peers/venv/bin/python3");
    assert!(
        path.exists(),
        "missing peer: {} (run .ci/setup-peers, or link .peers to a checkout that has it)",
        path.display()
    );
    path
}

/// Decodes each block with Python's `hpack`, one decoder per direction:
/// input lines `C <hex>` / `S <hex>`, output one line per block of
/// `hex(name)=hex(value)` pairs.
const PYTHON_DECODER: &str = r#"
import sys
from hpack import Decoder
decoders = {"C": Decoder(), "S": Decoder()}
for d in decoders.values():
    d.max_header_list_size = 1 << 20
for line in sys.stdin:
    side, block = line.split()
    fields = decoders[side].decode(bytes.fromhex(block), raw=True)
    print(" ".join(n.hex() + "=" + v.hex() for n, v in fields))
"#;

fn hex(octets: &[u8]) -> String {
    octets.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn python_hpack_decodes_the_same_header_lists() {
    let python = python();
    for name in RECORDINGS {
        let e = Exchange::read(name);
        let mut input = String::new();
        let mut expected = String::new();
        for block in &e.blocks {
            let side = if block.direction == C2S { "C" } else { "S" };
            input.push_str(&format!("{side} {}\n", hex(&block.octets)));
            let pairs: Vec<String> = block
                .fields
                .iter()
                .map(|(n, v)| format!("{}={}", hex(n.as_bytes()), hex(v.as_bytes())))
                .collect();
            expected.push_str(&pairs.join(" "));
            expected.push('\n');
        }
        let mut child = Command::new(&python)
            .args(["-c", PYTHON_DECODER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{name}: python hpack failed");
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            expected,
            "{name}"
        );
        assert!(!e.blocks.is_empty(), "{name}: no header blocks");
    }
}

#[test]
fn the_recording_script_is_committed() {
    assert!(Path::new(&dir().join("record.py")).exists());
    assert!(Path::new(&dir().join("echo.proto")).exists());
    assert!(Path::new(&dir().join("README.md")).exists());
}

/// The tracer is sans-IO and a layer above the protocol layers only: no
/// sockets, threads, clock or driver (DESIGN.md "Layers").
#[test]
fn the_tracer_touches_no_io() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/trace.rs");
    let source = std::fs::read_to_string(&path).unwrap();
    for forbidden in [
        "std::net",
        "std::thread",
        "std::time",
        "std::fs",
        "mio::",
        "crate::net",
    ] {
        assert!(!source.contains(forbidden), "src/trace.rs uses {forbidden}");
    }
}
