//! A client and a server call wired back to back over an in-memory stream
//! with a virtual clock: every call kind end to end, deadlines,
//! cancellation, and any split of DATA into frames.

use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::grpc::{
    CallKind, CallLimits, ClientCall, ClientEvent, Code, ErrorCode, Metadata, RequestHead,
    ServerCall, ServerEvent, Status, StreamAction,
};
use quickcheck::quickcheck;

/// One stream between a client call and a server call.
struct Pair {
    kind: CallKind,
    client: ClientCall,
    server: Option<ServerCall>,
    /// Every DATA payload the client sends is cut into pieces this long
    /// (0: whole), to model arbitrary DATA frame boundaries.
    frame_size: usize,
    client_events: Vec<ClientEvent>,
    server_events: Vec<ServerEvent>,
    /// RST_STREAM codes seen on the wire: (sent by client, code).
    resets: Vec<(bool, ErrorCode)>,
    now: Instant,
}

impl Pair {
    fn new(kind: CallKind, timeout: Option<Duration>) -> Pair {
        let now = Instant::now();
        let mut head = RequestHead::new("grpclite.test.Pair", "Call");
        head.timeout = timeout;
        head.metadata.append("x-client", "c").unwrap();
        Pair {
            kind,
            client: ClientCall::new(kind, &head, CallLimits::default(), now),
            server: None,
            frame_size: 0,
            client_events: Vec::new(),
            server_events: Vec::new(),
            resets: Vec::new(),
            now,
        }
    }

    fn server(&mut self) -> &mut ServerCall {
        self.server.as_mut().expect("server call not started")
    }

    /// Moves actions both ways until nothing is left to move.
    fn drive(&mut self) {
        loop {
            let mut moved = false;
            while let Some(action) = self.client.poll_action() {
                moved = true;
                self.deliver_to_server(action);
            }
            if let Some(server) = self.server.as_mut() {
                while let Some(action) = server.poll_action() {
                    moved = true;
                    match action {
                        StreamAction::SendHeaders { fields, end_stream } => {
                            self.client.handle_headers(
                                fields.iter().map(|(n, v)| (&n[..], &v[..])),
                                end_stream,
                            )
                        }
                        StreamAction::SendData { data, end_stream } => {
                            self.client.handle_data(data, end_stream)
                        }
                        StreamAction::Reset(code) => {
                            self.resets.push((false, code));
                            self.client.handle_reset(code, self.now);
                        }
                    }
                }
                self.server_events
                    .extend(std::iter::from_fn(|| server.poll_event()));
            }
            self.client_events
                .extend(std::iter::from_fn(|| self.client.poll_event()));
            if !moved {
                break;
            }
        }
    }

    fn deliver_to_server(&mut self, action: StreamAction) {
        match action {
            StreamAction::SendHeaders { fields, end_stream } => {
                let head =
                    RequestHead::from_headers(fields.iter().map(|(n, v)| (&n[..], &v[..])), 8192)
                        .expect("request rejected");
                assert_eq!(head.metadata.get_str("x-client"), Some("c"));
                let mut server = ServerCall::new(self.kind, &head, CallLimits::default(), self.now);
                if end_stream {
                    server.handle_data(Bytes::new(), true);
                }
                self.server = Some(server);
            }
            StreamAction::SendData { data, end_stream } => {
                let size = if self.frame_size == 0 {
                    data.len().max(1)
                } else {
                    self.frame_size
                };
                let mut rest = data;
                while rest.len() > size {
                    let piece = rest.split_to(size);
                    self.server().handle_data(piece, false);
                }
                self.server().handle_data(rest, end_stream);
            }
            StreamAction::Reset(code) => {
                self.resets.push((true, code));
                self.server().handle_reset(code);
            }
        }
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        let now = self.now;
        self.client.handle_timeout(now);
        if let Some(server) = self.server.as_mut() {
            server.handle_timeout(now);
        }
        self.drive();
    }

    fn client_messages(&self) -> Vec<Bytes> {
        self.client_events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Message(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    fn server_messages(&self) -> Vec<Bytes> {
        self.server_events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::Message(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    fn client_status(&self) -> Option<&Status> {
        match self.client_events.last() {
            Some(ClientEvent::Finished(trailers)) => Some(&trailers.status),
            _ => None,
        }
    }
}

fn b(text: &'static str) -> Bytes {
    Bytes::from_static(text.as_bytes())
}

#[test]
fn unary() {
    let mut pair = Pair::new(CallKind::Unary, Some(Duration::from_secs(1)));
    pair.client.send_message(b("ping")).unwrap();
    pair.client.half_close().unwrap();
    pair.drive();
    assert_eq!(pair.server_messages(), [b("ping")]);
    assert_eq!(pair.server_events.last(), Some(&ServerEvent::HalfClosed));
    let mut trailing = Metadata::new();
    trailing.append_bin("x-cost-bin", b("\x00\x01")).unwrap();
    pair.server().send_message(b("pong")).unwrap();
    pair.server().finish(&Status::ok(), &trailing).unwrap();
    pair.drive();
    assert_eq!(pair.client_messages(), [b("pong")]);
    match pair.client_events.last() {
        Some(ClientEvent::Finished(trailers)) => {
            assert_eq!(trailers.status, Status::ok());
            assert_eq!(trailers.metadata, trailing);
        }
        other => panic!("{other:?}"),
    }
    assert!(pair.resets.is_empty());
}

#[test]
fn server_streaming() {
    let mut pair = Pair::new(CallKind::ServerStreaming, None);
    pair.client.send_message(b("n=3")).unwrap();
    pair.client.half_close().unwrap();
    pair.drive();
    let mut initial = Metadata::new();
    initial.append("x-initial", "yes").unwrap();
    pair.server().send_headers(initial.clone()).unwrap();
    for m in ["1", "2", "3"] {
        pair.server().send_message(b(m)).unwrap();
    }
    pair.server()
        .finish(&Status::ok(), &Metadata::new())
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.client_events.first(),
        Some(&ClientEvent::Headers(initial))
    );
    assert_eq!(pair.client_messages(), [b("1"), b("2"), b("3")]);
    assert_eq!(pair.client_status(), Some(&Status::ok()));
}

#[test]
fn client_streaming() {
    let mut pair = Pair::new(CallKind::ClientStreaming, None);
    for m in ["a", "b", "c"] {
        pair.client.send_message(b(m)).unwrap();
    }
    pair.client.half_close().unwrap();
    pair.drive();
    assert_eq!(pair.server_messages(), [b("a"), b("b"), b("c")]);
    pair.server().send_message(b("3 received")).unwrap();
    pair.server()
        .finish(&Status::ok(), &Metadata::new())
        .unwrap();
    pair.drive();
    assert_eq!(pair.client_messages(), [b("3 received")]);
    assert_eq!(pair.client_status(), Some(&Status::ok()));
}

#[test]
fn bidi_ping_pong() {
    let mut pair = Pair::new(CallKind::Bidi, None);
    for round in 0..5u8 {
        pair.client.send_message(Bytes::from(vec![round])).unwrap();
        pair.drive();
        let got = pair.server_messages();
        assert_eq!(got.last(), Some(&Bytes::from(vec![round])));
        pair.server()
            .send_message(Bytes::from(vec![round + 100]))
            .unwrap();
        pair.drive();
        assert_eq!(
            pair.client_messages().last(),
            Some(&Bytes::from(vec![round + 100]))
        );
    }
    pair.client.half_close().unwrap();
    pair.drive();
    assert_eq!(pair.server_events.last(), Some(&ServerEvent::HalfClosed));
    pair.server()
        .finish(&Status::ok(), &Metadata::new())
        .unwrap();
    pair.drive();
    assert_eq!(pair.client_status(), Some(&Status::ok()));
    assert!(pair.resets.is_empty());
}

#[test]
fn error_status_travels_with_details() {
    let mut pair = Pair::new(CallKind::Unary, None);
    pair.client.send_message(b("x")).unwrap();
    pair.client.half_close().unwrap();
    pair.drive();
    let status = Status::new(Code::FailedPrecondition, "état: 100% \"wrong\"\n")
        .with_details(b("\x08\x09\x12\x00"));
    pair.server().finish(&status, &Metadata::new()).unwrap();
    pair.drive();
    // Trailers-Only: no Headers event before Finished.
    assert_eq!(pair.client_events.len(), 1);
    assert_eq!(pair.client_status(), Some(&status));
}

#[test]
fn early_server_closure_resets_no_error() {
    let mut pair = Pair::new(CallKind::ClientStreaming, None);
    pair.client.send_message(b("1")).unwrap();
    pair.drive();
    pair.server()
        .finish(
            &Status::new(Code::InvalidArgument, "enough"),
            &Metadata::new(),
        )
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.client_status().map(|s| s.code),
        Some(Code::InvalidArgument)
    );
    // The server says it will not read more; the client frees the stream
    // too, and stops sending.
    assert_eq!(pair.resets.first(), Some(&(false, ErrorCode::NO_ERROR)));
    assert!(pair.client.send_message(b("2")).is_err());
}

#[test]
fn client_deadline() {
    let mut pair = Pair::new(CallKind::Unary, Some(Duration::from_millis(200)));
    pair.client.send_message(b("slow")).unwrap();
    pair.client.half_close().unwrap();
    pair.drive();
    pair.advance(Duration::from_millis(199));
    assert_eq!(pair.client_status(), None);
    pair.advance(Duration::from_millis(1));
    assert_eq!(
        pair.client_status().map(|s| s.code),
        Some(Code::DeadlineExceeded)
    );
    // Both ended; exactly one RST_STREAM(CANCEL) crossed the wire.
    assert!(matches!(
        pair.server_events.last(),
        Some(ServerEvent::Cancelled(_))
    ));
    assert_eq!(pair.resets.len(), 1);
    assert_eq!(pair.resets[0].1, ErrorCode::CANCEL);
}

#[test]
fn server_sees_deadline_first() {
    // The server's clock runs ahead: it ends the call with
    // DEADLINE_EXCEEDED in trailers. The client had half-closed, so the
    // stream is closed both ways and no RST_STREAM is needed.
    let mut pair = Pair::new(CallKind::Unary, Some(Duration::from_millis(10)));
    pair.client.send_message(b("x")).unwrap();
    pair.client.half_close().unwrap();
    pair.drive();
    pair.now += Duration::from_millis(10);
    let now = pair.now;
    pair.server().handle_timeout(now);
    pair.drive();
    let expected = Status::deadline_exceeded("deadline exceeded");
    assert_eq!(
        pair.server_events.last(),
        Some(&ServerEvent::Cancelled(expected.clone()))
    );
    assert_eq!(pair.resets, []);
    assert_eq!(pair.client_status(), Some(&expected));
}

#[test]
fn server_deadline_while_client_streams() {
    // Trailers, then RST_STREAM(CANCEL) to stop the client's upload.
    let mut pair = Pair::new(CallKind::ClientStreaming, Some(Duration::from_millis(10)));
    pair.client.send_message(b("x")).unwrap();
    pair.drive();
    pair.now += Duration::from_millis(10);
    let now = pair.now;
    pair.server().handle_timeout(now);
    pair.drive();
    assert_eq!(pair.resets.first(), Some(&(false, ErrorCode::CANCEL)));
    assert_eq!(
        pair.client_status().map(|s| s.code),
        Some(Code::DeadlineExceeded)
    );
    assert!(pair.client.send_message(b("y")).is_err());
}

#[test]
fn client_cancel_reaches_server() {
    let mut pair = Pair::new(CallKind::Bidi, None);
    pair.client.send_message(b("x")).unwrap();
    pair.drive();
    pair.client.cancel();
    pair.drive();
    assert_eq!(pair.client_status().map(|s| s.code), Some(Code::Cancelled));
    match pair.server_events.last() {
        Some(ServerEvent::Cancelled(status)) => assert_eq!(status.code, Code::Cancelled),
        other => panic!("{other:?}"),
    }
    assert_eq!(pair.resets, [(true, ErrorCode::CANCEL)]);
}

quickcheck! {
    fn any_framing_delivers_the_same_messages(messages: Vec<Vec<u8>>, frame_size: u8) -> bool {
        let mut pair = Pair::new(CallKind::Bidi, None);
        pair.frame_size = usize::from(frame_size);
        for message in &messages {
            pair.client.send_message(Bytes::from(message.clone())).unwrap();
        }
        pair.client.half_close().unwrap();
        pair.drive();
        let received: Vec<Vec<u8>> = pair.server_messages().iter().map(|m| m.to_vec()).collect();
        for message in &received {
            pair.server().send_message(Bytes::from(message.clone())).unwrap();
        }
        pair.server().finish(&Status::ok(), &Metadata::new()).unwrap();
        pair.drive();
        let echoed: Vec<Vec<u8>> = pair.client_messages().iter().map(|m| m.to_vec()).collect();
        received == messages && echoed == messages && pair.client_status() == Some(&Status::ok())
    }
}
