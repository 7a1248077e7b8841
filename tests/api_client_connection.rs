//! The client channel's connection: refused connections, reconnecting after
//! the server restarts, TLS, and the polling API with no thread.

mod api_client_support;
#[path = "net_support/pki.rs"]
mod pki;

use std::time::{Duration, Instant};

use api_client_support::{text, PyServer, Text};
use bytes::Bytes;
use grpclite::api::{CallOptions, Channel, ChannelBuilder, PollingChannel};
use grpclite::grpc::{CallKind, ClientEvent, Code};
use grpclite::wire::Message;

fn path(method: &str) -> String {
    format!("/grpclite.test.Client/{method}")
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn connection_refused_says_so() {
    let port = free_port();
    let channel = Channel::connect(&format!("http://127.0.0.1:{port}")).unwrap();
    let status = channel
        .unary::<Text, Text>(&path("Echo"), &text(""), CallOptions::default())
        .unwrap_err();
    assert_eq!(status.code, Code::Unavailable);
    assert_eq!(
        status.message,
        format!("127.0.0.1:{port}: connection to 127.0.0.1:{port} refused")
    );
    // During the backoff a fail-fast call fails at once with the same cause.
    let start = Instant::now();
    let again = channel
        .unary::<Text, Text>(&path("Echo"), &text(""), CallOptions::default())
        .unwrap_err();
    assert_eq!(again, status);
    assert!(start.elapsed() < Duration::from_millis(500));
    // A wait-for-ready call waits, bounded by its deadline.
    let waited = channel
        .unary::<Text, Text>(
            &path("Echo"),
            &text(""),
            CallOptions::timeout(Duration::from_millis(300)).with_wait_for_ready(true),
        )
        .unwrap_err();
    assert_eq!(waited.code, Code::DeadlineExceeded);
}

#[test]
fn bad_targets_are_refused() {
    for target in ["http://", "http://host:port", "unix:", "http://[::1"] {
        let err = Channel::connect(target).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("invalid target {target:?}")),
            "{err}"
        );
    }
}

#[test]
fn reconnects_after_the_server_restarts() {
    let server = PyServer::start(&[]);
    let port = server.port.to_string();
    let channel = Channel::connect(&server.target()).unwrap();
    let ok = channel.unary::<Text, Text>(&path("Echo"), &text("1"), CallOptions::default());
    assert_eq!(ok.unwrap().message, text("echo:1"));
    drop(server);
    std::thread::sleep(Duration::from_millis(200));
    let down = channel
        .unary::<Text, Text>(&path("Echo"), &text("2"), CallOptions::default())
        .unwrap_err();
    assert_eq!(down.code, Code::Unavailable, "{down}");
    assert!(down.message.contains("refused"), "{down}");
    let _server = PyServer::start(&["--port", &port]);
    // The backoff (about 1 s) delays the next attempt; wait for ready.
    let ok = channel.unary::<Text, Text>(
        &path("Echo"),
        &text("3"),
        CallOptions::timeout(Duration::from_secs(10)).with_wait_for_ready(true),
    );
    assert_eq!(ok.unwrap().message, text("echo:3"));
}

fn tls_server() -> PyServer {
    let pki = pki::pki();
    PyServer::start(&[
        "--tls",
        pki.path("server.pem").to_str().unwrap(),
        pki.path("server.key").to_str().unwrap(),
    ])
}

#[test]
fn tls_with_our_ca_and_a_name_override() {
    let pki = pki::pki();
    let server = tls_server();
    let channel = ChannelBuilder::new(format!("https://127.0.0.1:{}", server.port))
        .ca_file(pki.path("ca.pem"))
        .server_name_override("localhost")
        .build()
        .unwrap();
    let ok = channel.unary::<Text, Text>(&path("Echo"), &text("tls"), CallOptions::default());
    assert_eq!(ok.unwrap().message, text("echo:tls"));
}

#[test]
fn tls_failures_name_the_certificate_problem() {
    let pki = pki::pki();
    let server = tls_server();
    let target = format!("https://127.0.0.1:{}", server.port);
    let channel = ChannelBuilder::new(&target)
        .ca_file(pki.path("other-ca.pem"))
        .build()
        .unwrap();
    let status = channel
        .unary::<Text, Text>(&path("Echo"), &text(""), CallOptions::default())
        .unwrap_err();
    assert_eq!(status.code, Code::Unavailable);
    assert!(status.message.contains("TLS with 127.0.0.1"), "{status}");
    assert!(status.message.contains("UnknownIssuer"), "{status}");

    let channel = ChannelBuilder::new(&target)
        .ca_pem(pki.read("ca.pem"))
        .server_name_override("example.com")
        .build()
        .unwrap();
    let status = channel
        .unary::<Text, Text>(&path("Echo"), &text(""), CallOptions::default())
        .unwrap_err();
    assert_eq!(status.code, Code::Unavailable);
    assert!(
        status
            .message
            .contains("certificate not valid for name \"example.com\""),
        "{status}"
    );

    let err = ChannelBuilder::new(&target)
        .ca_file("/nonexistent/ca.pem")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}

#[test]
fn polling_channel_runs_calls_without_threads() {
    let server = PyServer::start(&[]);
    let mut channel = PollingChannel::connect(&server.target()).unwrap();
    let ids: Vec<_> = (0..10)
        .map(|i| {
            let request = Bytes::from(text(&i.to_string()).encode_to_vec());
            channel.start_unary(
                CallKind::Unary,
                &path("Echo"),
                request,
                CallOptions::default(),
            )
        })
        .collect();
    let stream = channel.start_unary(
        CallKind::ServerStreaming,
        &path("Count"),
        Bytes::from(text("3").encode_to_vec()),
        CallOptions::default(),
    );
    let mut answers = vec![None; ids.len()];
    let mut counted = Vec::new();
    let mut stream_done = false;
    let deadline = Instant::now() + Duration::from_secs(10);
    while (answers.iter().any(Option::is_none) || !stream_done) && Instant::now() < deadline {
        channel.poll(Some(Duration::from_millis(100))).unwrap();
        for (i, id) in ids.iter().enumerate() {
            while let Some(event) = channel.try_recv(*id) {
                match event {
                    ClientEvent::Message(m) => answers[i] = Some(Text::decode(&m).unwrap().value),
                    ClientEvent::Finished(t) => assert_eq!(t.status.code, Code::Ok, "{}", t.status),
                    ClientEvent::Headers(_) => {}
                }
            }
        }
        while let Some(event) = channel.try_recv(stream) {
            match event {
                ClientEvent::Message(m) => counted.push(Text::decode(&m).unwrap().value),
                ClientEvent::Finished(t) => {
                    assert_eq!(t.status.code, Code::Ok);
                    assert_eq!(t.metadata.get_str("x-count"), Some("3"));
                    stream_done = true;
                }
                ClientEvent::Headers(h) => assert_eq!(h.get_str("x-header"), Some("stream")),
            }
        }
    }
    let expected: Vec<_> = (0..10).map(|i| Some(format!("echo:{i}"))).collect();
    assert_eq!(answers, expected);
    assert_eq!(counted, ["0", "1", "2"]);
    assert_eq!(channel.active_calls(), 0);
}

#[test]
fn polling_channel_deadline_and_cancel() {
    let server = PyServer::start(&[]);
    let mut channel = PollingChannel::connect(&server.target()).unwrap();
    let request = Bytes::from(text("").encode_to_vec());
    let slow = channel.start_unary(
        CallKind::Unary,
        &path("Slow"),
        request.clone(),
        CallOptions::timeout(Duration::from_millis(200)),
    );
    let cancelled = channel.start_unary(
        CallKind::Unary,
        &path("Slow"),
        request,
        CallOptions::default(),
    );
    channel.cancel(cancelled);
    let mut ends = [None, None];
    let deadline = Instant::now() + Duration::from_secs(5);
    while ends.iter().any(Option::is_none) && Instant::now() < deadline {
        channel.poll(Some(Duration::from_millis(50))).unwrap();
        for (i, id) in [slow, cancelled].into_iter().enumerate() {
            while let Some(event) = channel.try_recv(id) {
                if let ClientEvent::Finished(t) = event {
                    ends[i] = Some(t.status.code);
                }
            }
        }
    }
    assert_eq!(ends, [Some(Code::DeadlineExceeded), Some(Code::Cancelled)]);
}

/// Runs the polling channel until every call has finished; returns the
/// final status and the last message of each.
fn run_all(channel: &mut PollingChannel, ids: &[grpclite::api::CallId]) -> Vec<(Code, String)> {
    let mut results = vec![None; ids.len()];
    let mut last = vec![String::new(); ids.len()];
    let deadline = Instant::now() + Duration::from_secs(15);
    while results.iter().any(Option::is_none) && Instant::now() < deadline {
        channel.poll(Some(Duration::from_millis(50))).unwrap();
        for (i, id) in ids.iter().enumerate() {
            while let Some(event) = channel.try_recv(*id) {
                match event {
                    ClientEvent::Message(m) => last[i] = Text::decode(&m).unwrap().value,
                    ClientEvent::Finished(t) => {
                        results[i] = Some((t.status.code, t.status.message))
                    }
                    ClientEvent::Headers(_) => {}
                }
            }
        }
    }
    results
        .into_iter()
        .zip(last)
        .map(|(r, last)| {
            let (code, message) = r.expect("call did not finish");
            (code, if code == Code::Ok { last } else { message })
        })
        .collect()
}

#[test]
fn stream_id_rollover_moves_to_a_new_connection() {
    let server = PyServer::start(&[]);
    let h2 = grpclite::h2::Config {
        stream_id_rollover: 7,
        ..Default::default()
    };
    let mut channel = ChannelBuilder::new(server.target())
        .h2_config(h2)
        .build_polling()
        .unwrap();
    for i in 0..10 {
        let request = Bytes::from(text(&i.to_string()).encode_to_vec());
        let id = channel.start_unary(
            CallKind::Unary,
            &path("Echo"),
            request,
            CallOptions::default(),
        );
        assert_eq!(
            run_all(&mut channel, &[id]),
            [(Code::Ok, format!("echo:{i}"))]
        );
    }
    // Streams 1, 3, 5, 7 per connection.
    assert_eq!(channel.connections_opened(), 3);
}

#[test]
fn keepalive_backs_off_after_too_many_pings() {
    let server = PyServer::start(&[]);
    let mut channel = ChannelBuilder::new(server.target())
        .keepalive(Duration::from_millis(100), Duration::from_secs(1))
        .build_polling()
        .unwrap();
    let request = Bytes::from(text("").encode_to_vec());
    let id = channel.start_unary(
        CallKind::Unary,
        &path("Slow"),
        request,
        CallOptions::default(),
    );
    let result = run_all(&mut channel, &[id]);
    assert_eq!(result[0].0, Code::Unavailable, "{result:?}");
    // grpcio ends the call with its own status, then sends GOAWAY.
    assert_eq!(result[0].1, "Too many pings");
    let deadline = Instant::now() + Duration::from_secs(5);
    while channel.keepalive().unwrap().time == Duration::from_millis(100)
        && Instant::now() < deadline
    {
        channel.poll(Some(Duration::from_millis(50))).unwrap();
    }
    assert_eq!(
        channel.keepalive().unwrap().time,
        Duration::from_millis(200)
    );
}

#[test]
fn unix_socket_target() {
    let dir = std::env::temp_dir().join(format!("grpclite-client-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("s.sock");
    let _ = std::fs::remove_file(&socket);
    let _server = PyServer::start(&["--unix", socket.to_str().unwrap()]);
    let channel = Channel::connect(&format!("unix:{}", socket.display())).unwrap();
    let ok = channel.unary::<Text, Text>(&path("Echo"), &text("unix"), CallOptions::default());
    assert_eq!(ok.unwrap().message, text("echo:unix"));
}

#[test]
fn sends_wait_for_flow_control() {
    // 8 MiB through a 64 KiB send queue: every send returns once HTTP/2
    // took the bytes, and the server counts them all.
    let server = PyServer::start(&[]);
    let config = grpclite::api::ClientConfig {
        send_buffer: 64 * 1024,
        ..Default::default()
    };
    let channel = ChannelBuilder::new(server.target())
        .config(config)
        .build()
        .unwrap();
    let mut call = channel.client_streaming::<Text, Text>(&path("Total"), CallOptions::default());
    let chunk = "z".repeat(256 * 1024);
    for _ in 0..32 {
        call.send(&text(&chunk)).unwrap();
    }
    let response = call.close_and_recv().unwrap();
    assert_eq!(response.message, text(&(32 * 256 * 1024).to_string()));
}

#[test]
fn mutual_tls_with_a_client_identity() {
    let pki = pki::pki();
    let server = PyServer::start(&[
        "--mtls",
        pki.path("ca.pem").to_str().unwrap(),
        "--tls",
        pki.path("server.pem").to_str().unwrap(),
        pki.path("server.key").to_str().unwrap(),
    ]);
    let target = format!("https://localhost:{}", server.port);
    let channel = ChannelBuilder::new(&target)
        .ca_file(pki.path("ca.pem"))
        .client_identity_pem(pki.read("client.pem"), pki.read("client.key"))
        .build()
        .unwrap();
    let ok = channel.unary::<Text, Text>(&path("Echo"), &text("mtls"), CallOptions::default());
    assert_eq!(ok.unwrap().message, text("echo:mtls"));
    // Without a client certificate the server refuses the handshake.
    let channel = ChannelBuilder::new(&target)
        .ca_file(pki.path("ca.pem"))
        .build()
        .unwrap();
    let status = channel
        .unary::<Text, Text>(
            &path("Echo"),
            &text(""),
            CallOptions::timeout(Duration::from_secs(5)),
        )
        .unwrap_err();
    // With TLS 1.3 the server judges the client after the handshake; what
    // reaches us (its alert, a reset or a plain close) depends on timing.
    assert_eq!(status.code, Code::Unavailable, "{status}");
    assert!(
        status
            .message
            .starts_with(&format!("localhost:{}: ", server.port)),
        "{status}"
    );
}

#[test]
fn after_goaway_calls_in_flight_finish() {
    let server = PyServer::start(&[]);
    let channel = Channel::connect(&server.target()).unwrap();
    let slow = {
        let channel = channel.clone();
        std::thread::spawn(move || {
            channel.unary::<Text, Text>(&path("Slow"), &text(""), CallOptions::default())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let ok = channel.unary::<Text, Text>(&path("Stop"), &text(""), CallOptions::default());
    assert_eq!(ok.unwrap().message, text("stopping"));
    std::thread::sleep(Duration::from_millis(500));
    // The server sent GOAWAY and takes no new calls; ours goes to a new
    // connection, which the stopped server refuses.
    let refused = channel
        .unary::<Text, Text>(&path("Echo"), &text(""), CallOptions::default())
        .unwrap_err();
    assert_eq!(refused.code, Code::Unavailable, "{refused}");
    // The call in flight finished normally on the old connection.
    assert_eq!(slow.join().unwrap().unwrap().message, text("late"));
}

#[test]
fn send_size_limit() {
    let server = PyServer::start(&[]);
    let channel = ChannelBuilder::new(server.target())
        .max_send_message_size(10)
        .build()
        .unwrap();
    let status = channel
        .unary::<Text, Text>(
            &path("Echo"),
            &text("far too long for ten"),
            CallOptions::default(),
        )
        .unwrap_err();
    assert_eq!(status.code, Code::ResourceExhausted);
    assert_eq!(
        status.message,
        "trying to send message larger than max (22 vs. 10)"
    );
    let mut call = channel.client_streaming::<Text, Text>(&path("Total"), CallOptions::default());
    call.send(&text("short")).unwrap();
    let refused = call.send(&text("far too long for ten")).unwrap_err();
    assert_eq!(refused.code, Code::ResourceExhausted);
    let response = call.close_and_recv().unwrap();
    assert_eq!(response.message, text("5"));
}

#[test]
fn connect_timeout_bounds_a_silent_server() {
    // Accepts TCP, never answers TLS.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
    let channel = ChannelBuilder::new(format!("https://127.0.0.1:{port}"))
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let start = Instant::now();
    let status = channel
        .unary::<Text, Text>(&path("Echo"), &text(""), CallOptions::default())
        .unwrap_err();
    assert_eq!(status.code, Code::Unavailable);
    assert!(status.message.contains("timed out after 300ms"), "{status}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    drop(holder.join());
}
