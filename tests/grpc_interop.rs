//! Interop with grpcio (the C core): our `ClientCall` talks to a real
//! grpcio server. The HTTP/2 layer is not ours yet, so the Python `h2`
//! library carries our header lists and DATA bytes over a real socket and
//! hands back what the server sent; everything gRPC is ours on one side
//! and grpcio's on the other.
//!
//! Needs the peers venv at `$CARGO_MANIFEST_DIR/.peers` (`.ci/setup-peers`,
//! or a symlink to an installed one); without it the tests fail.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::grpc::{
    CallKind, CallLimits, ClientCall, ClientEvent, Code, RequestHead, Status, StreamAction,
    Trailers,
};

/// Runs a grpcio server and replays one request over HTTP/2 (see the
/// header comment of the script for the line format).
const BRIDGE: &str = r#"
# Runs a grpcio server, replays a request read from stdin over HTTP/2 with
# the h2 library, and prints what came back.
#   in:  "H <end> <name_hex>:<value_hex> ...", "D <end> <hex>", "X <code>"
#   out: the same forms for the response, "X <code>" for RST_STREAM, "END"
import socket
import sys
import time
from concurrent import futures

import grpc
import h2.config
import h2.connection
import h2.events


def echo(request, context):
    context.set_trailing_metadata((("x-trailer", "t"), ("x-raw-bin", b"\x00\xff")))
    return b"echo:" + request


def fail(request, context):
    context.abort(grpc.StatusCode.NOT_FOUND, "pas trouv\u00e9 100%")


def count(request, context):
    for i in range(int(request)):
        yield str(i).encode()


def join(requests, context):
    return b",".join(requests)


def shout(requests, context):
    for request in requests:
        yield request.upper()


def slow(request, context):
    time.sleep(1.5)
    return b"late"


def inspect(request, context):
    md = dict(context.invocation_metadata())
    remaining = context.time_remaining()
    text = "client=%s bin=%s timeout=%s" % (
        md.get("x-client"),
        md.get("x-data-bin", b"").hex(),
        "none" if remaining is None or remaining > 1e6 else str(round(remaining)),
    )
    return text.encode()


handlers = {
    "Echo": grpc.unary_unary_rpc_method_handler(echo),
    "Fail": grpc.unary_unary_rpc_method_handler(fail),
    "Count": grpc.unary_stream_rpc_method_handler(count),
    "Join": grpc.stream_unary_rpc_method_handler(join),
    "Shout": grpc.stream_stream_rpc_method_handler(shout),
    "Inspect": grpc.unary_unary_rpc_method_handler(inspect),
    "Slow": grpc.unary_unary_rpc_method_handler(slow),
}
server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("grpclite.test.Interop", handlers),))
port = server.add_insecure_port("127.0.0.1:0")
server.start()

sock = socket.create_connection(("127.0.0.1", port))
conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding=None))
conn.initiate_connection()
sock.sendall(conn.data_to_send())
stream = conn.get_next_available_stream_id()

for line in sys.stdin.read().splitlines():
    parts = line.split()
    if parts[0] == "H":
        fields = [tuple(bytes.fromhex(x) for x in p.split(":")) for p in parts[2:]]
        conn.send_headers(stream, fields, end_stream=parts[1] == "1")
    elif parts[0] == "D":
        # Frames of at most the peer's SETTINGS_MAX_FRAME_SIZE; the whole
        # request must fit the initial 65535-byte window.
        data = bytes.fromhex(parts[2]) if len(parts) > 2 else b""
        size = conn.max_outbound_frame_size
        while len(data) > size:
            conn.send_data(stream, data[:size])
            data = data[size:]
        conn.send_data(stream, data, end_stream=parts[1] == "1")
    elif parts[0] == "X":
        conn.reset_stream(stream, int(parts[1]))
sock.sendall(conn.data_to_send())

out = []
done = False
sock.settimeout(10)
while not done:
    data = sock.recv(65536)
    if not data:
        break
    for event in conn.receive_data(data):
        if getattr(event, "stream_id", stream) != stream:
            continue
        end = "1" if getattr(event, "stream_ended", None) is not None else "0"
        if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived, h2.events.InformationalResponseReceived)):
            out.append("H %s %s" % (end, " ".join("%s:%s" % (n.hex(), v.hex()) for n, v in event.headers)))
        elif isinstance(event, h2.events.DataReceived):
            conn.acknowledge_received_data(event.flow_controlled_length, stream)
            out.append("D %s %s" % (end, event.data.hex()))
        elif isinstance(event, h2.events.StreamReset):
            out.append("X %d" % event.error_code)
            done = True
        if end == "1":
            done = True
    sock.sendall(conn.data_to_send())
out.append("END")
print("\n".join(out))
sock.close()
server.stop(0)
"#;

fn python() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".peers/venv/bin/python3");
    assert!(
        path.exists(),
        "peer missing: {} not found; run .ci/setup-peers (or link an installed .peers) first",
        path.display()
    );
    path
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("bad hex from peer"))
        .collect()
}

fn flag(end_stream: bool) -> &'static str {
    if end_stream {
        "1"
    } else {
        "0"
    }
}

/// Runs one client call against grpcio and returns everything the
/// application saw.
fn call(kind: CallKind, head: RequestHead, messages: &[&[u8]]) -> Vec<ClientEvent> {
    let now = Instant::now();
    let mut call = ClientCall::new(kind, &head, CallLimits::default(), now);
    for message in messages {
        call.send_message(Bytes::copy_from_slice(message)).unwrap();
    }
    call.half_close().unwrap();
    let mut script = String::new();
    while let Some(action) = call.poll_action() {
        match action {
            StreamAction::SendHeaders { fields, end_stream } => {
                let pairs: Vec<String> = fields
                    .iter()
                    .map(|(n, v)| format!("{}:{}", hex(n), hex(v)))
                    .collect();
                script += &format!("H {} {}\n", flag(end_stream), pairs.join(" "));
            }
            StreamAction::SendData { data, end_stream } => {
                script += &format!("D {} {}\n", flag(end_stream), hex(&data));
            }
            StreamAction::Reset(code) => script += &format!("X {}\n", code.0),
        }
    }
    let mut child = Command::new(python())
        .args(["-c", BRIDGE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start the Python peer");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success() && stdout.contains("END"),
        "peer failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in stdout.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts[0] {
            "H" => {
                let fields: Vec<(Vec<u8>, Vec<u8>)> = parts[2..]
                    .iter()
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (n, v) = p.split_once(':').unwrap();
                        (unhex(n), unhex(v))
                    })
                    .collect();
                call.handle_headers(
                    fields.iter().map(|(n, v)| (&n[..], &v[..])),
                    parts[1] == "1",
                );
            }
            "D" => call.handle_data(
                Bytes::from(unhex(parts.get(2).unwrap_or(&""))),
                parts[1] == "1",
            ),
            "X" => call.handle_reset(grpclite::grpc::ErrorCode(parts[1].parse().unwrap()), now),
            _ => {}
        }
    }
    std::iter::from_fn(|| call.poll_event()).collect()
}

fn head(method: &str) -> RequestHead {
    let mut head = RequestHead::new("grpclite.test.Interop", method);
    head.authority = Some("localhost".into());
    head
}

fn messages(events: &[ClientEvent]) -> Vec<Vec<u8>> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Message(m) => Some(m.to_vec()),
            _ => None,
        })
        .collect()
}

fn trailers(events: &[ClientEvent]) -> &Trailers {
    match events.last() {
        Some(ClientEvent::Finished(trailers)) => trailers,
        other => panic!("call did not finish: {other:?}"),
    }
}

#[test]
fn unary_with_trailing_metadata() {
    let events = call(CallKind::Unary, head("Echo"), &[b"hi"]);
    assert!(matches!(events.first(), Some(ClientEvent::Headers(_))));
    assert_eq!(messages(&events), [b"echo:hi".to_vec()]);
    let end = trailers(&events);
    assert_eq!(end.status, Status::ok());
    assert_eq!(end.metadata.get_str("x-trailer"), Some("t"));
    assert_eq!(end.metadata.get("x-raw-bin"), Some(&b"\x00\xff"[..]));
}

#[test]
fn error_status_message_is_percent_decoded() {
    let events = call(CallKind::Unary, head("Fail"), &[b""]);
    assert_eq!(
        trailers(&events).status,
        Status::new(Code::NotFound, "pas trouv\u{e9} 100%")
    );
}

#[test]
fn server_streaming() {
    let events = call(CallKind::ServerStreaming, head("Count"), &[b"3"]);
    assert_eq!(
        messages(&events),
        [b"0".to_vec(), b"1".to_vec(), b"2".to_vec()]
    );
    assert_eq!(trailers(&events).status, Status::ok());
}

#[test]
fn client_streaming() {
    let events = call(CallKind::ClientStreaming, head("Join"), &[b"a", b"b", b"c"]);
    assert_eq!(messages(&events), [b"a,b,c".to_vec()]);
    assert_eq!(trailers(&events).status, Status::ok());
}

#[test]
fn bidi_streaming() {
    // Spans several DATA frames each way.
    let large = vec![b'x'; 40_000];
    let events = call(CallKind::Bidi, head("Shout"), &[b"one", &large, b""]);
    assert_eq!(
        messages(&events),
        [b"ONE".to_vec(), vec![b'X'; 40_000], Vec::new()]
    );
    assert_eq!(trailers(&events).status, Status::ok());
}

#[test]
fn metadata_and_timeout_reach_the_server() {
    let mut request = head("Inspect");
    request.timeout = Some(Duration::from_secs(120));
    request.metadata.append("x-client", "grpclite").unwrap();
    request
        .metadata
        .append_bin("x-data-bin", Bytes::from_static(b"\x01\xfe\x00"))
        .unwrap();
    let events = call(CallKind::Unary, request, &[b""]);
    assert_eq!(
        messages(&events),
        [b"client=grpclite bin=01fe00 timeout=120".to_vec()]
    );
    let no_timeout = call(CallKind::Unary, head("Inspect"), &[b""]);
    assert_eq!(
        messages(&no_timeout),
        [b"client=None bin= timeout=none".to_vec()]
    );
}

#[test]
fn unknown_method_is_unimplemented() {
    let events = call(CallKind::Unary, head("Missing"), &[b""]);
    assert_eq!(trailers(&events).status.code, Code::Unimplemented);
}

#[test]
fn server_enforces_our_timeout() {
    let mut request = head("Slow");
    request.timeout = Some(Duration::from_millis(300));
    // grpcio reads our grpc-timeout and answers Trailers-Only with
    // DEADLINE_EXCEEDED when it passes.
    let events = call(CallKind::Unary, request, &[b""]);
    assert_eq!(events.len(), 1);
    assert_eq!(trailers(&events).status.code, Code::DeadlineExceeded);
}
