//! `h2::Connection` against real HTTP/2 peers over loopback TCP (cleartext,
//! prior knowledge, RFC 9113 §3.3): curl and nghttp as clients of our
//! server, nghttpd as the server of our client. The test drives the sans-IO
//! core with blocking std sockets; a missing peer fails the test.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::h2::{Config, Connection, Event, Role};
use grpclite::hpack::Header;

const BODY: &[u8] = b"hello from grpclite\n";

/// Moves bytes between `sock` and `conn` until the connection closes or
/// `deadline`; `on_event` answers events.
fn pump(
    sock: &mut TcpStream,
    conn: &mut Connection,
    deadline: Instant,
    mut on_event: impl FnMut(&mut Connection, Event) -> bool,
) -> bool {
    sock.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut done = false;
    while Instant::now() < deadline {
        let now = Instant::now();
        let mut out = Vec::new();
        loop {
            let before = out.len();
            conn.poll_transmit(&mut out, now);
            if out.len() == before {
                break;
            }
        }
        if !out.is_empty() && sock.write_all(&out).is_err() {
            return done;
        }
        if conn.is_closed() || done {
            return done;
        }
        match sock.read(&mut buf) {
            Ok(0) => {
                conn.handle_peer_closed(now);
            }
            Ok(n) => {
                let used = conn.handle_input(&buf[..n], now);
                assert_eq!(used, n, "back-pressure is not expected here");
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => conn.handle_peer_closed(now),
        }
        if conn.poll_timeout().is_some_and(|t| t <= Instant::now()) {
            conn.handle_timeout(Instant::now());
        }
        while let Some(event) = conn.poll_event() {
            done |= on_event(conn, event);
        }
    }
    done
}

/// Serves every request on one accepted connection with `BODY`.
fn serve_once(listener: TcpListener) -> thread::JoinHandle<usize> {
    thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut conn = Connection::new(Role::Server, Config::default(), Instant::now());
        let mut served = 0;
        pump(
            &mut sock,
            &mut conn,
            Instant::now() + Duration::from_secs(10),
            |conn, event| {
                if std::env::var_os("H2_INTEROP_DEBUG").is_some() {
                    eprintln!("server event: {event:?}");
                }
                // Answer once the request is complete: curl 7.88 mishandles a
                // response that completes before its upload (either hanging
                // or, given the §8.1 RST_STREAM(NO_ERROR), failing).
                let ended = match event {
                    Event::Headers {
                        stream, end_stream, ..
                    } => end_stream.then_some(stream),
                    Event::Data {
                        stream,
                        data,
                        end_stream,
                    } => {
                        conn.release_capacity(stream, data.len() as u32);
                        end_stream.then_some(stream)
                    }
                    _ => None,
                };
                if let Some(stream) = ended {
                    conn.send_headers(
                        stream,
                        &[
                            Header::new(":status", "200"),
                            Header::new("content-type", "text/plain"),
                        ],
                        false,
                    )
                    .unwrap();
                    conn.send_data(stream, Bytes::from_static(BODY), true)
                        .unwrap();
                    served += 1;
                }
                false
            },
        );
        assert_eq!(conn.error(), None, "the peer broke no rule");
        served
    })
}

fn run_client(program: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("the peer `{program}` must be installed to run this test: {e}"));
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn curl_gets_a_response_from_our_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hello", listener.local_addr().unwrap());
    let server = serve_once(listener);
    let body = run_client(
        "curl",
        &["--http2-prior-knowledge", "-sS", "--max-time", "10", &url],
    );
    assert_eq!(body, BODY);
    assert_eq!(server.join().unwrap(), 1);
}

#[test]
fn curl_posts_a_body_to_our_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/upload", listener.local_addr().unwrap());
    let server = serve_once(listener);
    let body = run_client(
        "curl",
        &[
            "--http2-prior-knowledge",
            "-sS",
            "--max-time",
            "10",
            "--data-binary",
            "some request body",
            &url,
        ],
    );
    assert_eq!(body, BODY);
    assert_eq!(server.join().unwrap(), 1);
}

#[test]
fn nghttp_gets_several_streams_from_our_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = serve_once(listener);
    let a = format!("http://{addr}/a");
    let b = format!("http://{addr}/b");
    let c = format!("http://{addr}/c");
    let body = run_client("nghttp", &["-t", "10", &a, &b, &c]);
    assert_eq!(body, [BODY, BODY, BODY].concat());
    assert_eq!(server.join().unwrap(), 3);
}

#[test]
fn our_client_gets_a_file_from_nghttpd() {
    let dir = std::env::temp_dir().join(format!("grpclite-h2-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("file.bin"), &content).unwrap();
    // Find a free port, then let nghttpd take it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new("nghttpd")
        .args(["--no-tls", "-d", dir.to_str().unwrap(), &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("the peer `nghttpd` must be installed to run this test: {e}"));
    let mut sock = None;
    for _ in 0..100 {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            sock = Some(s);
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let mut sock = sock.expect("nghttpd never listened");
    let mut conn = Connection::new(Role::Client, Config::default(), Instant::now());
    let id = conn
        .open_stream(
            &[
                Header::new(":method", "GET"),
                Header::new(":scheme", "http"),
                Header::new(":path", "/file.bin"),
                Header::new(":authority", format!("127.0.0.1:{port}")),
            ],
            true,
        )
        .unwrap();
    let mut status = None;
    let mut received = Vec::new();
    let finished = pump(
        &mut sock,
        &mut conn,
        Instant::now() + Duration::from_secs(10),
        |conn, event| match event {
            Event::Headers {
                stream,
                fields,
                end_stream,
                ..
            } => {
                assert_eq!(stream, id);
                status = fields
                    .iter()
                    .find(|h| &h.name[..] == b":status")
                    .map(|h| h.value.clone());
                end_stream
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                received.extend_from_slice(&data);
                conn.release_capacity(stream, data.len() as u32);
                end_stream
            }
            _ => false,
        },
    );
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(finished, "the response never ended");
    assert_eq!(status.as_deref(), Some(&b"200"[..]));
    assert_eq!(received, content);
    assert_eq!(conn.error(), None);
}

/// A gRPC unary call from grpcio (gRPC C core) to our server, with the gRPC
/// framing done by hand: the request message comes back as the response.
#[test]
fn grpcio_unary_call_to_our_server() {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".peers/venv/bin/python3");
    assert!(
        python.exists(),
        "the Python peer is missing at {}: run `ln -s /work/main/.peers .peers` (or .ci/setup-peers)",
        python.display()
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut conn = Connection::new(Role::Server, Config::default(), Instant::now());
        let mut bodies: std::collections::HashMap<_, Vec<u8>> = Default::default();
        let mut path = None;
        let served = pump(
            &mut sock,
            &mut conn,
            Instant::now() + Duration::from_secs(10),
            |conn, event| {
                let ended = match event {
                    Event::Headers {
                        stream,
                        fields,
                        end_stream,
                        ..
                    } => {
                        path = fields
                            .iter()
                            .find(|h| &h.name[..] == b":path")
                            .map(|h| h.value.clone());
                        end_stream.then_some(stream)
                    }
                    Event::Data {
                        stream,
                        data,
                        end_stream,
                    } => {
                        bodies.entry(stream).or_default().extend_from_slice(&data);
                        conn.release_capacity(stream, data.len() as u32);
                        end_stream.then_some(stream)
                    }
                    _ => None,
                };
                let Some(stream) = ended else {
                    return false;
                };
                let body = bodies.remove(&stream).unwrap_or_default();
                conn.send_headers(
                    stream,
                    &[
                        Header::new(":status", "200"),
                        Header::new("content-type", "application/grpc"),
                    ],
                    false,
                )
                .unwrap();
                // The request is already a length-prefixed message: echo it.
                conn.send_data(stream, Bytes::from(body), false).unwrap();
                conn.send_trailers(
                    stream,
                    vec![
                        Header::new("grpc-status", "0"),
                        Header::new("grpc-message", ""),
                    ],
                )
                .unwrap();
                false
            },
        );
        let _ = served;
        assert_eq!(conn.error(), None, "grpcio broke no rule");
        path
    });
    let script = format!(
        "import grpc\n\
         ch = grpc.insecure_channel('{addr}')\n\
         call = ch.unary_unary('/echo.Echo/Say')\n\
         reply = call(b'ping from grpcio' * 1000, timeout=5)\n\
         assert reply == b'ping from grpcio' * 1000, reply[:40]\n\
         ch.close()\n\
         print('ok')\n"
    );
    let output = Command::new(&python)
        .args(["-c", &script])
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "grpcio call failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
    let path = server.join().unwrap();
    assert_eq!(path.as_deref(), Some(&b"/echo.Echo/Say"[..]));
}

/// Our client makes a gRPC unary call to a grpcio (C core) server.
#[test]
fn our_client_calls_a_grpcio_server() {
    use std::io::BufRead;
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".peers/venv/bin/python3");
    assert!(
        python.exists(),
        "the Python peer is missing at {}: run `ln -s /work/main/.peers .peers` (or .ci/setup-peers)",
        python.display()
    );
    let script = "import grpc, sys\n\
        from concurrent import futures\n\
        def say(req, ctx):\n    return req[::-1]\n\
        h = grpc.method_handlers_generic_handler('echo.Echo', {'Say': grpc.unary_unary_rpc_method_handler(say)})\n\
        s = grpc.server(futures.ThreadPoolExecutor(2))\n\
        s.add_generic_rpc_handlers((h,))\n\
        port = s.add_insecure_port('127.0.0.1:0')\n\
        s.start()\n\
        print(port, flush=True)\n\
        s.wait_for_termination(15)\n";
    let mut child = Command::new(&python)
        .args(["-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the server prints its port");
    let port: u16 = line.trim().parse().expect("a port number");
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut conn = Connection::new(Role::Client, Config::default(), Instant::now());
    let id = conn
        .open_stream(
            &[
                Header::new(":method", "POST"),
                Header::new(":scheme", "http"),
                Header::new(":path", "/echo.Echo/Say"),
                Header::new(":authority", format!("127.0.0.1:{port}")),
                Header::new("content-type", "application/grpc"),
                Header::new("te", "trailers"),
            ],
            false,
        )
        .unwrap();
    let message = b"grpclite says hello";
    let mut framed = vec![0u8];
    framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
    framed.extend_from_slice(message);
    conn.send_data(id, Bytes::from(framed), true).unwrap();
    let mut status = None;
    let mut grpc_status = None;
    let mut body = Vec::new();
    let finished = pump(
        &mut sock,
        &mut conn,
        Instant::now() + Duration::from_secs(10),
        |conn, event| match event {
            Event::Headers {
                fields,
                trailers,
                end_stream,
                ..
            } => {
                let find = |name: &[u8]| {
                    fields
                        .iter()
                        .find(|h| &h.name[..] == name)
                        .map(|h| h.value.clone())
                };
                if trailers {
                    grpc_status = find(b"grpc-status");
                } else {
                    status = find(b":status");
                    if end_stream {
                        grpc_status = find(b"grpc-status");
                    }
                }
                end_stream
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                body.extend_from_slice(&data);
                conn.release_capacity(stream, data.len() as u32);
                end_stream
            }
            _ => false,
        },
    );
    let _ = child.kill();
    let _ = child.wait();
    assert!(finished, "the call never ended");
    assert_eq!(status.as_deref(), Some(&b"200"[..]));
    assert_eq!(grpc_status.as_deref(), Some(&b"0"[..]));
    let reversed: Vec<u8> = message.iter().rev().copied().collect();
    let mut expected = vec![0u8];
    expected.extend_from_slice(&(message.len() as u32).to_be_bytes());
    expected.extend_from_slice(&reversed);
    assert_eq!(body, expected);
    assert_eq!(conn.error(), None);
}
