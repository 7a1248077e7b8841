//! Interop with grpcio (the C core): a grpcio client calls our
//! `ServerCall`. The HTTP/2 layer is not ours yet, so the Python `h2`
//! library serves the socket, prints the request it received, and sends
//! back the header lists and DATA bytes our server call produced.
//!
//! Needs the peers venv at `$CARGO_MANIFEST_DIR/.peers` (`.ci/setup-peers`,
//! or a symlink to an installed one); without it the tests fail.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::grpc::{
    CallKind, CallLimits, Code, ErrorCode, HeaderList, Metadata, RequestHead, ServerCall,
    ServerEvent, Status, StreamAction,
};

/// Runs a grpcio client against an h2-library server that relays to us.
const BRIDGE: &str = r#"
# A grpcio client calls an HTTP/2 server run with the h2 library; the
# request is printed to stdout and the response read from stdin.
#   argv: kind path requests_hex_comma timeout_s|none gzip|none
#   out:  "H <end> <name_hex>:<value_hex> ...", "D <end> <hex>", "X <code>", "END",
#         then after the response: "RESULT <code> <details_hex> <messages_hex_comma> <initial> <trailing>"
#   in:   the response in the same line forms, then "END"
import socket
import sys
import threading

import grpc
import h2.config
import h2.connection
import h2.events

kind, path, requests_arg, timeout_arg, compression_arg = sys.argv[1:6]
requests = [bytes.fromhex(r) for r in requests_arg.split(",")] if requests_arg != "-" else []
timeout = None if timeout_arg == "none" else float(timeout_arg)

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
port = listener.getsockname()[1]
result = {}


def md_text(md):
    return ",".join("%s=%s" % (k, (v if isinstance(v, bytes) else v.encode()).hex()) for k, v in (md or ()))


def client():
    options = {}
    if compression_arg == "gzip":
        options["compression"] = grpc.Compression.Gzip
    channel = grpc.insecure_channel("127.0.0.1:%d" % port)
    metadata = (("x-client", "grpcio"), ("x-data-bin", b"\x00\x01"))
    messages = []
    call = None
    try:
        if kind == "unary":
            response, call = channel.unary_unary(path).with_call(requests[0], timeout=timeout, metadata=metadata, **options)
            messages.append(response)
        elif kind == "client_streaming":
            response, call = channel.stream_unary(path).with_call(iter(requests), timeout=timeout, metadata=metadata, **options)
            messages.append(response)
        elif kind == "server_streaming":
            call = channel.unary_stream(path)(requests[0], timeout=timeout, metadata=metadata, **options)
            messages.extend(call)
        else:
            call = channel.stream_stream(path)(iter(requests), timeout=timeout, metadata=metadata, **options)
            messages.extend(call)
        code, details = call.code(), call.details()
    except grpc.RpcError as error:
        call = error
        code, details = error.code(), error.details()
    result["line"] = "RESULT %s %s %s %s %s" % (
        code.name,
        (details or "").encode().hex() or "-",
        ",".join(m.hex() for m in messages) or "-",
        md_text(call.initial_metadata()) or "-",
        md_text(call.trailing_metadata()) or "-",
    )
    channel.close()


thread = threading.Thread(target=client)
thread.start()
sock, _ = listener.accept()
sock.settimeout(10)
conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False, header_encoding=None))
conn.initiate_connection()
sock.sendall(conn.data_to_send())

stream = None
done = False
while not done:
    data = sock.recv(65536)
    if not data:
        break
    for event in conn.receive_data(data):
        sid = getattr(event, "stream_id", None)
        if sid is None or (stream is not None and sid != stream):
            continue
        end = "1" if getattr(event, "stream_ended", None) is not None else "0"
        if isinstance(event, h2.events.RequestReceived):
            stream = sid
            print("H %s %s" % (end, " ".join("%s:%s" % (n.hex(), v.hex()) for n, v in event.headers)))
        elif isinstance(event, h2.events.DataReceived):
            conn.acknowledge_received_data(event.flow_controlled_length, sid)
            print("D %s %s" % (end, event.data.hex()))
        elif isinstance(event, h2.events.StreamReset):
            print("X %d" % event.error_code)
            done = True
        if end == "1":
            done = True
    sock.sendall(conn.data_to_send())
print("END", flush=True)

for line in sys.stdin:
    parts = line.split()
    if not parts or parts[0] == "END":
        break
    if parts[0] == "H":
        fields = [tuple(bytes.fromhex(x) for x in p.split(":")) for p in parts[2:]]
        conn.send_headers(stream, fields, end_stream=parts[1] == "1")
    elif parts[0] == "D":
        data = bytes.fromhex(parts[2]) if len(parts) > 2 else b""
        size = conn.max_outbound_frame_size
        while len(data) > size:
            conn.send_data(stream, data[:size])
            data = data[size:]
        conn.send_data(stream, data, end_stream=parts[1] == "1")
    elif parts[0] == "X":
        conn.reset_stream(stream, int(parts[1]))
sock.sendall(conn.data_to_send())

# Keep serving the connection (SETTINGS ACKs, PINGs) until the client is done.
sock.settimeout(0.05)
while thread.is_alive():
    try:
        data = sock.recv(65536)
    except socket.timeout:
        continue
    if not data:
        break
    try:
        conn.receive_data(data)
    except Exception:
        pass
    sock.sendall(conn.data_to_send())
thread.join()
print(result.get("line", "RESULT none - - - -"), flush=True)
sock.close()
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
    if text == "-" {
        return Vec::new();
    }
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("bad hex from peer"))
        .collect()
}

fn fields_line(fields: &HeaderList, end_stream: bool) -> String {
    let pairs: Vec<String> = fields
        .iter()
        .map(|(n, v)| format!("{}:{}", hex(n), hex(v)))
        .collect();
    format!("H {} {}\n", u8::from(end_stream), pairs.join(" "))
}

/// What the grpcio client ended with.
#[derive(Debug)]
struct Outcome {
    code: String,
    details: String,
    messages: Vec<Vec<u8>>,
    initial: Vec<(String, Vec<u8>)>,
    trailing: Vec<(String, Vec<u8>)>,
}

fn metadata_list(text: &str) -> Vec<(String, Vec<u8>)> {
    if text == "-" {
        return Vec::new();
    }
    text.split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), unhex(v))
        })
        .collect()
}

/// The test's method handler: runs once the request is complete (not at
/// all when our server call already ended it), given the request and its
/// messages.
type Handler = fn(&RequestHead, &[Bytes], &mut ServerCall);

/// One grpcio call to our server; `kind` is the grpcio call shape.
fn serve(
    kind: CallKind,
    path: &str,
    requests: &[&[u8]],
    timeout: Option<u32>,
    gzip: bool,
    handler: Handler,
) -> (Option<RequestHead>, Vec<ServerEvent>, Outcome) {
    let kind_arg = match kind {
        CallKind::Unary => "unary",
        CallKind::ServerStreaming => "server_streaming",
        CallKind::ClientStreaming => "client_streaming",
        CallKind::Bidi => "bidi",
    };
    let requests_arg = if requests.is_empty() {
        "-".to_owned()
    } else {
        requests
            .iter()
            .map(|r| hex(r))
            .collect::<Vec<_>>()
            .join(",")
    };
    let timeout_arg = timeout.map_or("none".to_owned(), |t| t.to_string());
    let mut child = Command::new(python())
        .args(["-c", BRIDGE, kind_arg, path, &requests_arg, &timeout_arg])
        .arg(if gzip { "gzip" } else { "none" })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start the Python peer");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();

    let now = Instant::now();
    let mut server: Option<ServerCall> = None;
    let mut head = None;
    let mut response = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).ok();
            panic!("peer exited early: {err}");
        }
        let parts: Vec<&str> = line.trim_end().split(' ').collect();
        match parts[0] {
            "END" => break,
            "H" if server.is_none() => {
                let fields: Vec<(Vec<u8>, Vec<u8>)> = parts[2..]
                    .iter()
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (n, v) = p.split_once(':').unwrap();
                        (unhex(n), unhex(v))
                    })
                    .collect();
                match RequestHead::from_headers(fields.iter().map(|(n, v)| (&n[..], &v[..])), 8192)
                {
                    Ok(request) => {
                        let mut call = ServerCall::new(kind, &request, CallLimits::default(), now);
                        if parts[1] == "1" {
                            call.handle_data(Bytes::new(), true);
                        }
                        head = Some(request);
                        server = Some(call);
                    }
                    Err(rejection) => response += &fields_line(&rejection.to_headers(), true),
                }
            }
            "D" => {
                if let Some(call) = server.as_mut() {
                    let data = Bytes::from(unhex(parts.get(2).copied().unwrap_or("-")));
                    call.handle_data(data, parts[1] == "1");
                }
            }
            "X" => {
                if let Some(call) = server.as_mut() {
                    call.handle_reset(ErrorCode(parts[1].parse().unwrap()));
                }
            }
            other => panic!("unexpected line from peer: {other}"),
        }
    }
    let mut events = Vec::new();
    if let (Some(call), Some(request)) = (server.as_mut(), head.as_ref()) {
        events.extend(std::iter::from_fn(|| call.poll_event()));
        let messages: Vec<Bytes> = events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::Message(m) => Some(m.clone()),
                _ => None,
            })
            .collect();
        if !call.is_finished() {
            handler(request, &messages, call);
        }
        while let Some(action) = call.poll_action() {
            match action {
                StreamAction::SendHeaders { fields, end_stream } => {
                    response += &fields_line(&fields, end_stream)
                }
                StreamAction::SendData { data, end_stream } => {
                    response += &format!("D {} {}\n", u8::from(end_stream), hex(&data))
                }
                StreamAction::Reset(code) => response += &format!("X {}\n", code.0),
            }
        }
    }
    response += "END\n";
    stdin.write_all(response.as_bytes()).unwrap();
    line.clear();
    stdout.read_line(&mut line).unwrap();
    child.wait().unwrap();
    let parts: Vec<&str> = line.trim_end().split(' ').collect();
    assert_eq!(parts.first(), Some(&"RESULT"), "peer said: {line}");
    let outcome = Outcome {
        code: parts[1].to_owned(),
        details: String::from_utf8(unhex(parts[2])).unwrap(),
        messages: if parts[3] == "-" {
            Vec::new()
        } else {
            parts[3].split(',').map(unhex).collect()
        },
        initial: metadata_list(parts[4]),
        trailing: metadata_list(parts[5]),
    };
    (head, events, outcome)
}

fn echo(_: &RequestHead, messages: &[Bytes], call: &mut ServerCall) {
    let mut initial = Metadata::new();
    initial.append("x-initial", "i").unwrap();
    call.send_headers(initial).unwrap();
    for message in messages {
        let mut reply = b"echo:".to_vec();
        reply.extend_from_slice(message);
        call.send_message(Bytes::from(reply)).unwrap();
    }
    let mut trailing = Metadata::new();
    trailing.append("x-trailer", "t").unwrap();
    trailing
        .append_bin("x-raw-bin", Bytes::from_static(b"\xff\x00"))
        .unwrap();
    call.finish(&Status::ok(), &trailing).unwrap();
}

fn has(list: &[(String, Vec<u8>)], key: &str, value: &[u8]) -> bool {
    list.iter().any(|(k, v)| k == key && v == value)
}

#[test]
fn unary_with_metadata_both_ways() {
    let (head, events, outcome) = serve(
        CallKind::Unary,
        "/test.Echo/Unary",
        &[b"hi"],
        Some(60),
        false,
        echo,
    );
    let head = head.unwrap();
    assert_eq!(
        (head.service.as_str(), head.method.as_str()),
        ("test.Echo", "Unary")
    );
    assert_eq!(head.metadata.get_str("x-client"), Some("grpcio"));
    assert_eq!(head.metadata.get("x-data-bin"), Some(&b"\x00\x01"[..]));
    let timeout = head.timeout.expect("grpcio sent no grpc-timeout");
    // grpcio rounds its deadline up when it encodes it (we have seen 60.1s).
    assert!(
        timeout <= Duration::from_secs(61) && timeout > Duration::from_secs(50),
        "{timeout:?}"
    );
    assert_eq!(
        events,
        [
            ServerEvent::Message(Bytes::from_static(b"hi")),
            ServerEvent::HalfClosed
        ]
    );
    assert_eq!(outcome.code, "OK");
    assert_eq!(outcome.messages, [b"echo:hi".to_vec()]);
    assert!(has(&outcome.initial, "x-initial", b"i"), "{outcome:?}");
    assert!(has(&outcome.trailing, "x-trailer", b"t"), "{outcome:?}");
    assert!(
        has(&outcome.trailing, "x-raw-bin", b"\xff\x00"),
        "{outcome:?}"
    );
}

#[test]
fn error_status_in_trailers_only() {
    fn fail(_: &RequestHead, _: &[Bytes], call: &mut ServerCall) {
        call.finish(
            &Status::new(Code::NotFound, "pas trouv\u{e9} 100%\n"),
            &Metadata::new(),
        )
        .unwrap();
    }
    let (_, _, outcome) = serve(
        CallKind::Unary,
        "/test.Echo/Fail",
        &[b""],
        None,
        false,
        fail,
    );
    assert_eq!(outcome.code, "NOT_FOUND");
    assert_eq!(outcome.details, "pas trouv\u{e9} 100%\n");
    assert!(outcome.messages.is_empty());
}

#[test]
fn server_streaming() {
    fn count(_: &RequestHead, messages: &[Bytes], call: &mut ServerCall) {
        let n: u8 = std::str::from_utf8(&messages[0]).unwrap().parse().unwrap();
        for i in 0..n {
            call.send_message(Bytes::from(vec![b'0' + i])).unwrap();
        }
        call.finish(&Status::ok(), &Metadata::new()).unwrap();
    }
    let (_, _, outcome) = serve(
        CallKind::ServerStreaming,
        "/test.Echo/Count",
        &[b"3"],
        None,
        false,
        count,
    );
    assert_eq!(outcome.code, "OK");
    assert_eq!(
        outcome.messages,
        [b"0".to_vec(), b"1".to_vec(), b"2".to_vec()]
    );
}

#[test]
fn client_streaming_and_bidi() {
    fn join(_: &RequestHead, messages: &[Bytes], call: &mut ServerCall) {
        let joined: Vec<u8> = messages.join(&b","[..]);
        call.send_message(Bytes::from(joined)).unwrap();
        call.finish(&Status::ok(), &Metadata::new()).unwrap();
    }
    let (_, _, outcome) = serve(
        CallKind::ClientStreaming,
        "/test.Echo/Join",
        &[b"a", b"", b"c"],
        None,
        false,
        join,
    );
    assert_eq!(outcome.code, "OK");
    assert_eq!(outcome.messages, [b"a,,c".to_vec()]);

    let large = vec![b'z'; 30_000];
    let (_, _, outcome) = serve(
        CallKind::Bidi,
        "/test.Echo/Bidi",
        &[b"x", &large],
        None,
        false,
        echo,
    );
    assert_eq!(outcome.code, "OK");
    let mut big_reply = b"echo:".to_vec();
    big_reply.extend_from_slice(&large);
    assert_eq!(outcome.messages, [b"echo:x".to_vec(), big_reply]);
}

#[test]
fn malformed_path_is_unimplemented() {
    let (head, _, outcome) = serve(CallKind::Unary, "/NoMethod", &[b""], None, false, echo);
    assert!(head.is_none());
    assert_eq!(outcome.code, "UNIMPLEMENTED");
    assert_eq!(
        outcome.details,
        "malformed :path \"/NoMethod\", expected /Service/Method"
    );
}

#[test]
fn gzip_request_is_unimplemented() {
    // Compressible enough that grpcio does compress it.
    let text = b"hello ".repeat(500);
    let (head, events, outcome) = serve(
        CallKind::Unary,
        "/test.Echo/Unary",
        &[&text],
        None,
        true,
        echo,
    );
    assert_eq!(head.unwrap().encoding.to_string(), "gzip");
    assert!(
        matches!(&events[..], [ServerEvent::Cancelled(status)] if status.code == Code::Unimplemented),
        "{events:?}"
    );
    assert_eq!(outcome.code, "UNIMPLEMENTED", "{outcome:?}");
}
