//! Two `h2::Connection`s, client and server, wired back to back in memory
//! with a virtual clock: a request and a response travel end to end.

use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::h2::{Config, Connection, ErrorCode, Event, Role, StreamId};
use grpclite::hpack::Header;
use quickcheck::quickcheck;

/// The pair and its clock; `drive` moves bytes both ways until quiet.
struct Pair {
    client: Connection,
    server: Connection,
    now: Instant,
    client_events: Vec<Event>,
    server_events: Vec<Event>,
    /// Largest chunk handed to `handle_input` at once.
    chunk: usize,
}

impl Pair {
    fn new(chunk: usize) -> Pair {
        let now = Instant::now();
        Pair {
            client: Connection::new(Role::Client, Config::default(), now),
            server: Connection::new(Role::Server, Config::default(), now),
            now,
            client_events: Vec::new(),
            server_events: Vec::new(),
            chunk: chunk.max(1),
        }
    }

    fn drive(&mut self) {
        for _ in 0..1000 {
            let mut c2s = Vec::new();
            self.client.poll_transmit(&mut c2s, self.now);
            let mut s2c = Vec::new();
            self.server.poll_transmit(&mut s2c, self.now);
            if c2s.is_empty() && s2c.is_empty() {
                return;
            }
            for part in c2s.chunks(self.chunk) {
                assert_eq!(self.server.handle_input(part, self.now), part.len());
            }
            for part in s2c.chunks(self.chunk) {
                assert_eq!(self.client.handle_input(part, self.now), part.len());
            }
            self.client_events
                .extend(std::iter::from_fn(|| self.client.poll_event()));
            self.server_events
                .extend(std::iter::from_fn(|| self.server.poll_event()));
            self.now += Duration::from_millis(1);
        }
        panic!("the pair never went quiet");
    }
}

fn h(name: &str, value: &str) -> Header {
    Header::new(name.as_bytes().to_vec(), value.as_bytes().to_vec())
}

/// Runs one request with `body` and a response echoing it with trailers;
/// returns (what the server received, what the client received).
fn exchange(body: &[u8], chunk: usize) -> (Vec<u8>, Vec<u8>) {
    let mut pair = Pair::new(chunk);
    pair.drive();
    assert!(pair.client_events.contains(&Event::SettingsAcknowledged));
    assert!(pair.server_events.contains(&Event::SettingsAcknowledged));

    let request = [
        h(":method", "POST"),
        h(":scheme", "http"),
        h(":path", "/echo.Echo/Say"),
        h(":authority", "localhost"),
        h("content-type", "application/grpc"),
    ];
    let id = pair.client.open_stream(&request, false).unwrap();
    assert_eq!(id, StreamId::new(1));
    let mut received = Vec::new();
    let mut saw_end = false;
    let mut offset = 0;
    let mut ended = false;
    for _ in 0..10_000 {
        let space = pair.client.send_buffer_space(id);
        if !ended && space > 0 {
            let n = space.min(body.len() - offset);
            let last = offset + n == body.len();
            pair.client
                .send_data(id, Bytes::copy_from_slice(&body[offset..offset + n]), last)
                .unwrap();
            offset += n;
            ended = last;
        }
        pair.drive();
        for e in pair.server_events.drain(..) {
            match e {
                Event::Headers { stream, fields, .. } => {
                    assert_eq!(stream, id);
                    assert_eq!(fields, request.to_vec());
                }
                Event::Data {
                    stream,
                    data,
                    end_stream,
                } => {
                    assert_eq!(stream, id);
                    received.extend_from_slice(&data);
                    pair.server
                        .release_capacity(stream, u32::try_from(data.len()).unwrap());
                    saw_end |= end_stream;
                }
                Event::SettingsReceived(_) | Event::SettingsAcknowledged => {}
                other => panic!("server got {other:?}"),
            }
        }
        if saw_end {
            break;
        }
    }
    assert!(saw_end, "END_STREAM must reach the server");

    pair.server
        .send_headers(
            id,
            &[h(":status", "200"), h("content-type", "application/grpc")],
            false,
        )
        .unwrap();
    let mut offset = 0;
    let reply = received.clone();
    let mut response = Vec::new();
    let mut trailers_sent = false;
    for _ in 0..10_000 {
        let space = pair.server.send_buffer_space(id);
        if offset < reply.len() && space > 0 {
            let n = space.min(reply.len() - offset);
            pair.server
                .send_data(
                    id,
                    Bytes::copy_from_slice(&reply[offset..offset + n]),
                    false,
                )
                .unwrap();
            offset += n;
        }
        if offset == reply.len() && !trailers_sent {
            pair.server
                .send_trailers(id, vec![h("grpc-status", "0")])
                .unwrap();
            trailers_sent = true;
        }
        pair.drive();
        let mut done = false;
        for e in pair.client_events.drain(..) {
            match e {
                Event::Data { data, stream, .. } => {
                    response.extend_from_slice(&data);
                    pair.client
                        .release_capacity(stream, u32::try_from(data.len()).unwrap());
                }
                Event::Headers {
                    fields,
                    trailers,
                    end_stream,
                    ..
                } => {
                    if trailers {
                        assert!(end_stream);
                        assert_eq!(fields, vec![h("grpc-status", "0")]);
                        done = true;
                    } else {
                        assert_eq!(fields[0], h(":status", "200"));
                    }
                }
                Event::SettingsReceived(_) | Event::SettingsAcknowledged => {}
                other => panic!("client got {other:?}"),
            }
        }
        if done {
            pair.drive();
            assert_eq!(pair.client.error(), None);
            assert_eq!(pair.server.error(), None);
            return (received, response);
        }
    }
    panic!("the response never completed");
}

#[test]
fn small_request_and_response() {
    let (req, resp) = exchange(b"hello", 1 << 20);
    assert_eq!(req, b"hello");
    assert_eq!(resp, b"hello");
}

#[test]
fn empty_body() {
    let (req, resp) = exchange(b"", 7);
    assert!(req.is_empty() && resp.is_empty());
}

#[test]
fn body_larger_than_windows_and_send_buffer() {
    // 3 MiB: past the 1 MiB windows and the 400 KiB send buffer, so flow
    // control and WINDOW_UPDATE must work both ways.
    let body: Vec<u8> = (0..3 << 20).map(|i| (i % 251) as u8).collect();
    let (req, resp) = exchange(&body, 1 << 20);
    assert_eq!(req, body);
    assert_eq!(resp, body);
}

#[test]
fn client_reset_reaches_the_server() {
    let mut pair = Pair::new(1 << 16);
    pair.drive();
    let id = pair
        .client
        .open_stream(
            &[
                h(":method", "GET"),
                h(":scheme", "http"),
                h(":path", "/"),
                h(":authority", "x"),
            ],
            false,
        )
        .unwrap();
    pair.drive();
    pair.client.reset_stream(id, ErrorCode::Cancel).unwrap();
    pair.drive();
    assert!(pair.server_events.contains(&Event::StreamReset {
        stream: id,
        code: ErrorCode::Cancel,
        initiator: grpclite::h2::Initiator::Remote,
    }));
}

#[test]
fn trailers_then_cancel_reach_the_client_in_order() {
    // A server past a deadline: its status in trailers, then
    // RST_STREAM(CANCEL) so the client stops sending; the client still
    // gets the trailers.
    let mut pair = Pair::new(1 << 16);
    pair.drive();
    let id = pair
        .client
        .open_stream(
            &[
                h(":method", "POST"),
                h(":scheme", "http"),
                h(":path", "/"),
                h(":authority", "x"),
            ],
            false,
        )
        .unwrap();
    pair.drive();
    pair.server
        .send_headers(id, &[h(":status", "200")], false)
        .unwrap();
    pair.server
        .send_trailers(id, vec![h("grpc-status", "4")])
        .unwrap();
    pair.server
        .reset_stream_after_queued(id, ErrorCode::Cancel)
        .unwrap();
    pair.client_events.clear();
    pair.drive();
    let on_stream: Vec<&Event> = pair
        .client_events
        .iter()
        .filter(|e| match e {
            Event::Headers { stream, .. } | Event::StreamReset { stream, .. } => *stream == id,
            _ => false,
        })
        .collect();
    assert_eq!(
        on_stream,
        [
            &Event::Headers {
                stream: id,
                fields: vec![h(":status", "200")],
                end_stream: false,
                trailers: false,
            },
            &Event::Headers {
                stream: id,
                fields: vec![h("grpc-status", "4")],
                end_stream: true,
                trailers: true,
            },
            &Event::StreamReset {
                stream: id,
                code: ErrorCode::Cancel,
                initiator: grpclite::h2::Initiator::Remote,
            },
        ]
    );
    assert!(pair.client.send_data(id, Bytes::new(), true).is_err());
}

#[test]
fn graceful_shutdown_closes_both_ends() {
    let mut pair = Pair::new(1 << 16);
    pair.drive();
    pair.server.shutdown(pair.now);
    pair.drive();
    assert!(pair.server.is_closed());
    assert!(pair.client.is_closed());
    assert!(pair
        .client
        .open_stream(&[h(":method", "GET")], true)
        .is_err());
}

quickcheck! {
    fn any_chunking_carries_the_same_exchange(body: Vec<u8>, chunk: u16) -> bool {
        let (req, resp) = exchange(&body, usize::from(chunk % 64) + 1);
        req == body && resp == body
    }
}

#[test]
fn bytes_input_is_zero_copy_for_whole_data_frames() {
    let now = Instant::now();
    let mut client = Connection::new(Role::Client, Config::default(), now);
    let mut server = Connection::new(Role::Server, Config::default(), now);
    let id = client
        .open_stream(
            &[
                h(":method", "POST"),
                h(":scheme", "http"),
                h(":path", "/"),
                h(":authority", "x"),
            ],
            false,
        )
        .unwrap();
    client
        .send_data(id, Bytes::from_static(b"zero-copy payload"), true)
        .unwrap();
    let mut wire = Vec::new();
    client.poll_transmit(&mut wire, now);
    let wire = Bytes::from(wire);
    let range = wire.as_ptr() as usize..wire.as_ptr() as usize + wire.len();
    let mut input = wire.clone();
    assert_eq!(server.handle_input_bytes(&mut input, now), wire.len());
    assert!(input.is_empty());
    let data = std::iter::from_fn(|| server.poll_event())
        .find_map(|e| match e {
            Event::Data { data, .. } => Some(data),
            _ => None,
        })
        .expect("the DATA event");
    assert_eq!(&data[..], b"zero-copy payload");
    assert!(range.contains(&(data.as_ptr() as usize)), "DATA was copied");
}

#[test]
fn h2c_upgrade_turns_the_request_into_stream_1() {
    let now = Instant::now();
    // HTTP2-Settings: SETTINGS_MAX_CONCURRENT_STREAMS = 10.
    let settings = [0, 3, 0, 0, 0, 10];
    let request = vec![
        h(":method", "GET"),
        h(":scheme", "http"),
        h(":path", "/"),
        h(":authority", "x"),
    ];
    let mut server = Connection::new_upgraded(Config::default(), now, &settings, request.clone())
        .expect("valid upgrade");
    assert_eq!(server.remote_settings().max_concurrent_streams, Some(10));
    assert_eq!(
        server.poll_event(),
        Some(Event::Headers {
            stream: StreamId::new(1),
            fields: request,
            end_stream: true,
            trailers: false
        })
    );
    server
        .send_headers(StreamId::new(1), &[h(":status", "200")], true)
        .unwrap();
    assert!(Connection::new_upgraded(Config::default(), now, &[0, 2, 0, 0, 0, 7], vec![]).is_err());
}
