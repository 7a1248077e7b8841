//! RFC 9113 conformance of `h2::Connection`, organized by section: a hostile
//! peer crafts frames, and each MUST on receipt is checked by the exact frame
//! the connection answers with (GOAWAY or RST_STREAM) and its code.

use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::h2::frame::{
    Continuation, Data, Frame, FrameHeader, FrameReader, FrameType, GoAway, Headers, Ping,
    Priority, PrioritySpec, PushPromise, RstStream, SettingsFrame, StreamId, WindowUpdate,
    CONNECTION_PREFACE,
};
use grpclite::h2::settings::{Setting, SettingId};
use grpclite::h2::{Config, Connection, ErrorCode, Event, Initiator, Role};
use grpclite::hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig, Header, IndexingPolicy};

fn sid(n: u32) -> StreamId {
    StreamId::new(n)
}

/// A hostile peer talking to one `Connection` under test.
struct Peer {
    conn: Connection,
    now: Instant,
    encoder: Encoder,
    reader: FrameReader,
    /// Client under test: its preface octets still to strip from its output.
    strip_preface: bool,
}

impl Peer {
    /// A server under test, after the client preface and an empty SETTINGS.
    fn server() -> Peer {
        Peer::server_with(Config::default())
    }

    fn server_with(config: Config) -> Peer {
        let now = Instant::now();
        let mut p = Peer::raw(Connection::new(Role::Server, config, now), now, false);
        let mut bytes = CONNECTION_PREFACE.to_vec();
        SettingsFrame::new(vec![]).encode(&mut bytes);
        SettingsFrame::ack().encode(&mut bytes);
        p.input(&bytes);
        let frames = p.output();
        // Its SETTINGS, connection WINDOW_UPDATE, and the ACK of ours.
        assert!(matches!(frames.first(), Some(Frame::Settings(s)) if !s.ack));
        assert!(frames.contains(&Frame::Settings(SettingsFrame::ack())));
        p.drain_events();
        p
    }

    /// A client under test, after the server's SETTINGS and ACK.
    fn client() -> Peer {
        let now = Instant::now();
        let conn = Connection::new(Role::Client, Config::default(), now);
        let mut p = Peer::raw(conn, now, true);
        let mut bytes = Vec::new();
        SettingsFrame::new(vec![]).encode(&mut bytes);
        SettingsFrame::ack().encode(&mut bytes);
        p.input(&bytes);
        let _ = p.output();
        p.drain_events();
        p
    }

    fn raw(conn: Connection, now: Instant, strip_preface: bool) -> Peer {
        let config = EncoderConfig {
            indexing: IndexingPolicy::Never,
            ..EncoderConfig::default()
        };
        Peer {
            conn,
            now,
            encoder: Encoder::new(config),
            reader: FrameReader::new(1 << 24),
            strip_preface,
        }
    }

    fn input(&mut self, bytes: &[u8]) {
        let used = self.conn.handle_input(bytes, self.now);
        assert!(used <= bytes.len());
    }

    fn send(&mut self, frames: &[Frame]) {
        let mut bytes = Vec::new();
        for f in frames {
            f.encode(&mut bytes);
        }
        self.input(&bytes);
    }

    /// Every frame the connection wants to write now.
    fn output(&mut self) -> Vec<Frame> {
        let mut bytes = Vec::new();
        loop {
            let before = bytes.len();
            self.conn.poll_transmit(&mut bytes, self.now);
            if bytes.len() == before {
                break;
            }
        }
        let mut input = &bytes[..];
        if self.strip_preface {
            input = input
                .strip_prefix(&CONNECTION_PREFACE[..])
                .expect("a client starts with the preface (§3.4)");
            self.strip_preface = false;
        }
        let mut frames = Vec::new();
        while let Some(f) = self.reader.read(&mut input).expect("valid output") {
            frames.push(f);
        }
        assert!(input.is_empty());
        frames
    }

    fn drain_events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.conn.poll_event()).collect()
    }

    fn block(&mut self, fields: &[(&str, &str)]) -> Bytes {
        let headers: Vec<Header> = fields
            .iter()
            .map(|(n, v)| Header::new(n.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect();
        let mut out = Vec::new();
        self.encoder.encode(&headers, &mut out);
        Bytes::from(out)
    }

    fn request(&mut self, stream: u32, end_stream: bool) -> Frame {
        let block = self.block(&[
            (":method", "POST"),
            (":scheme", "http"),
            (":path", "/svc/Method"),
            (":authority", "localhost"),
            ("content-type", "application/grpc"),
        ]);
        Frame::Headers(Headers::new(sid(stream), block, end_stream, true))
    }

    /// Asserts the connection answered with GOAWAY carrying `code`.
    fn expect_goaway(&mut self, code: ErrorCode) -> GoAway {
        let frames = self.output();
        let goaway = frames.iter().find_map(|f| match f {
            Frame::GoAway(g) => Some(g.clone()),
            _ => None,
        });
        let g = goaway.unwrap_or_else(|| panic!("expected GOAWAY({code}), got {frames:?}"));
        assert_eq!(g.error_code, code, "GOAWAY debug: {:?}", g.debug_data);
        assert!(self.conn.error().is_some());
        assert!(self.conn.is_closed());
        g
    }

    /// Asserts the connection answered with RST_STREAM(`code`) on `stream`
    /// and kept the connection.
    fn expect_rst(&mut self, stream: u32, code: ErrorCode) {
        let frames = self.output();
        assert!(
            frames.contains(&Frame::RstStream(RstStream {
                stream_id: sid(stream),
                error_code: code
            })),
            "expected RST_STREAM({code}) on {stream}, got {frames:?}"
        );
        assert!(
            !frames.iter().any(|f| matches!(f, Frame::GoAway(_))),
            "unexpected GOAWAY: {frames:?}"
        );
        assert_eq!(self.conn.error(), None);
    }

    /// Asserts nothing was answered and the connection is fine.
    fn expect_silence(&mut self) {
        // Bandwidth probes ride along with DATA; they are not answers.
        let probe = Frame::Ping(Ping {
            ack: false,
            payload: *b"bdpprobe",
        });
        let mut frames = self.output();
        frames.retain(|f| *f != probe);
        assert_eq!(frames, vec![]);
        assert_eq!(self.conn.error(), None);
    }
}

fn raw_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    FrameHeader {
        length: payload.len() as u32,
        kind: FrameType::from_u8(kind),
        flags,
        stream_id: sid(stream),
    }
    .encode(&mut out);
    out.extend_from_slice(payload);
    out
}

fn data(stream: u32, bytes: &'static [u8], end_stream: bool) -> Frame {
    Frame::Data(Data::new(
        sid(stream),
        Bytes::from_static(bytes),
        end_stream,
    ))
}

mod section_3_4_preface {
    use super::*;

    #[test]
    fn server_rejects_a_wrong_preface() {
        let now = Instant::now();
        let mut p = Peer::raw(
            Connection::new(Role::Server, Config::default(), now),
            now,
            false,
        );
        p.input(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn first_frame_must_be_settings() {
        let now = Instant::now();
        let mut p = Peer::raw(
            Connection::new(Role::Server, Config::default(), now),
            now,
            false,
        );
        let mut bytes = CONNECTION_PREFACE.to_vec();
        Ping {
            ack: false,
            payload: [0; 8],
        }
        .encode(&mut bytes);
        p.input(&bytes);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn preface_in_tiny_chunks_is_fine() {
        let now = Instant::now();
        let mut p = Peer::raw(
            Connection::new(Role::Server, Config::default(), now),
            now,
            false,
        );
        let mut bytes = CONNECTION_PREFACE.to_vec();
        SettingsFrame::new(vec![]).encode(&mut bytes);
        for b in bytes.chunks(1) {
            p.input(b);
        }
        let frames = p.output();
        assert!(frames.contains(&Frame::Settings(SettingsFrame::ack())));
        assert_eq!(p.conn.error(), None);
    }

    #[test]
    fn both_sides_start_with_settings_and_client_with_the_magic() {
        let now = Instant::now();
        let mut p = Peer::raw(
            Connection::new(Role::Client, Config::default(), now),
            now,
            true,
        );
        let frames = p.output();
        let Some(Frame::Settings(s)) = frames.first() else {
            panic!("client must send SETTINGS first: {frames:?}");
        };
        assert!(s.settings.contains(&Setting::new(SettingId::EnablePush, 0)));
        // The connection window is raised to 1 MiB by WINDOW_UPDATE (§6.9.2).
        assert!(frames.contains(&Frame::WindowUpdate(WindowUpdate {
            stream_id: StreamId::CONNECTION,
            increment: (1 << 20) - 65_535,
        })));
    }

    #[test]
    fn missing_peer_settings_times_out() {
        let now = Instant::now();
        let mut p = Peer::raw(
            Connection::new(Role::Server, Config::default(), now),
            now,
            false,
        );
        let _ = p.output();
        let deadline = p.conn.poll_timeout().expect("a preface deadline");
        assert!(deadline <= now + Duration::from_secs(10));
        p.now = deadline;
        p.conn.handle_timeout(deadline);
        p.expect_goaway(ErrorCode::SettingsTimeout);
    }
}

mod section_4_frames {
    use super::*;

    #[test]
    fn frame_larger_than_max_frame_size_is_a_connection_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(0, 0, 1, &[0; 16_385]));
        p.expect_goaway(ErrorCode::FrameSizeError);
    }

    #[test]
    fn unknown_frame_types_are_ignored() {
        let mut p = Peer::server();
        p.input(&raw_frame(0xbe, 0xff, 0, b"whatever"));
        p.input(&raw_frame(0xbe, 0, 7, b"whatever"));
        p.expect_silence();
    }

    #[test]
    fn undecodable_field_block_is_a_compression_error() {
        let mut p = Peer::server();
        // Index 0 is never valid (RFC 7541 §6.1).
        p.send(&[Frame::Headers(Headers::new(
            sid(1),
            Bytes::from_static(&[0x80]),
            true,
            true,
        ))]);
        p.expect_goaway(ErrorCode::CompressionError);
    }

    #[test]
    fn headers_larger_than_max_frame_size_is_a_connection_error() {
        // §4.2: a frame carrying a field block alters connection state.
        let mut p = Peer::server();
        p.input(&raw_frame(1, 0x4, 1, &[0; 16_385]));
        p.expect_goaway(ErrorCode::FrameSizeError);
    }

    #[test]
    fn headers_too_short_for_its_priority_is_a_frame_size_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(1, 0x24, 1, &[0, 0, 0]));
        p.expect_goaway(ErrorCode::FrameSizeError);
    }

    #[test]
    fn unknown_flags_and_the_reserved_bit_are_ignored() {
        // §4.1: unknown flags and the reserved bit MUST be ignored on receipt.
        let mut p = Peer::server();
        p.input(&raw_frame(6, 0xf6, 0, b"01234567"));
        assert_eq!(
            p.output(),
            vec![Frame::Ping(Ping {
                ack: true,
                payload: *b"01234567"
            })]
        );
        let Frame::Headers(h) = p.request(1, true) else {
            unreachable!()
        };
        let mut bytes = raw_frame(1, 0x05, 1, &h.fragment);
        bytes[5] |= 0x80;
        p.input(&bytes);
        p.expect_silence();
        let events = p.drain_events();
        assert!(matches!(events.as_slice(), [Event::Headers { stream, .. }] if *stream == sid(1)));
    }
}

mod section_5_1_stream_states {
    use super::*;

    #[test]
    fn data_on_an_idle_stream_is_a_connection_error() {
        let mut p = Peer::server();
        p.send(&[data(1, b"x", false)]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn rst_stream_on_an_idle_stream_is_a_connection_error() {
        let mut p = Peer::server();
        p.send(&[Frame::RstStream(RstStream {
            stream_id: sid(1),
            error_code: ErrorCode::Cancel,
        })]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn window_update_on_an_idle_stream_is_a_connection_error() {
        let mut p = Peer::server();
        p.send(&[Frame::WindowUpdate(WindowUpdate {
            stream_id: sid(3),
            increment: 1,
        })]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn data_after_end_stream_is_stream_closed() {
        let mut p = Peer::server();
        let req = p.request(1, true);
        p.send(&[req, data(1, b"late", false)]);
        p.expect_rst(1, ErrorCode::StreamClosed);
    }

    #[test]
    fn priority_is_accepted_on_any_stream_and_ignored() {
        let mut p = Peer::server();
        p.send(&[Frame::Priority(Priority {
            stream_id: sid(9),
            spec: PrioritySpec {
                exclusive: false,
                dependency: sid(1),
                weight: 3,
            },
        })]);
        p.expect_silence();
        // PRIORITY does not open the stream: HEADERS on 9 still can.
        let req = p.request(9, true);
        p.send(&[req]);
        p.expect_silence();
    }

    #[test]
    fn headers_on_a_half_closed_remote_stream_is_stream_closed() {
        let mut p = Peer::server();
        let a = p.request(1, true);
        let b = p.request(1, true);
        p.send(&[a, b]);
        p.expect_rst(1, ErrorCode::StreamClosed);
    }

    #[test]
    fn continuation_on_a_half_closed_remote_stream_is_stream_closed() {
        let mut p = Peer::server();
        let a = p.request(1, true);
        let Frame::Headers(b) = p.request(1, true) else {
            unreachable!()
        };
        p.send(&[
            a,
            Frame::Headers(Headers::new(sid(1), Bytes::new(), true, false)),
            Frame::Continuation(Continuation {
                stream_id: sid(1),
                fragment: b.fragment,
                end_headers: true,
            }),
        ]);
        p.expect_rst(1, ErrorCode::StreamClosed);
    }

    #[test]
    fn data_on_a_stream_ended_both_ways_is_stream_closed() {
        let mut p = Peer::server();
        let req = p.request(1, true);
        p.send(&[req]);
        p.drain_events();
        p.conn
            .send_headers(sid(1), &[Header::new(":status", "200")], true)
            .unwrap();
        let _ = p.output();
        p.send(&[data(1, b"late", true)]);
        p.expect_rst(1, ErrorCode::StreamClosed);
    }

    #[test]
    fn headers_on_a_stream_ended_both_ways_is_stream_closed() {
        let mut p = Peer::server();
        let req = p.request(1, true);
        p.send(&[req]);
        p.drain_events();
        p.conn
            .send_headers(sid(1), &[Header::new(":status", "200")], true)
            .unwrap();
        let _ = p.output();
        let again = p.request(1, true);
        p.send(&[again]);
        p.expect_rst(1, ErrorCode::StreamClosed);
    }

    #[test]
    fn window_update_and_priority_on_a_closed_stream_are_ignored() {
        let mut p = Peer::server();
        let req = p.request(1, true);
        p.send(&[req]);
        p.drain_events();
        p.conn
            .send_headers(sid(1), &[Header::new(":status", "200")], true)
            .unwrap();
        let _ = p.output();
        p.send(&[
            Frame::WindowUpdate(WindowUpdate {
                stream_id: sid(1),
                increment: 1,
            }),
            Frame::Priority(Priority {
                stream_id: sid(1),
                spec: PrioritySpec {
                    exclusive: false,
                    dependency: sid(0),
                    weight: 1,
                },
            }),
        ]);
        p.expect_silence();
    }

    #[test]
    fn data_after_the_peers_rst_stream_is_stream_closed() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        p.drain_events();
        p.send(&[
            Frame::RstStream(RstStream {
                stream_id: sid(1),
                error_code: ErrorCode::Cancel,
            }),
            data(1, b"late", false),
        ]);
        p.expect_rst(1, ErrorCode::StreamClosed);
    }

    #[test]
    fn headers_after_the_peers_rst_stream_is_stream_closed() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        p.drain_events();
        let trailers = p.block(&[("x-late", "1")]);
        p.send(&[
            Frame::RstStream(RstStream {
                stream_id: sid(1),
                error_code: ErrorCode::Cancel,
            }),
            Frame::Headers(Headers::new(sid(1), trailers, true, true)),
        ]);
        p.expect_rst(1, ErrorCode::StreamClosed);
    }
}

mod section_5_1_1_stream_ids {
    use super::*;

    #[test]
    fn client_stream_with_even_id_is_a_connection_error() {
        let mut p = Peer::server();
        let req = p.request(2, true);
        p.send(&[req]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn decreasing_stream_id_is_a_connection_error() {
        let mut p = Peer::server();
        let a = p.request(5, false);
        let b = p.request(3, false);
        p.send(&[a, b]);
        let g = p.expect_goaway(ErrorCode::ProtocolError);
        // §6.8: GOAWAY names the last stream we may have processed.
        assert_eq!(g.last_stream_id, sid(5));
    }
}

mod section_5_1_2_concurrency {
    use super::*;

    #[test]
    fn streams_past_our_limit_are_refused() {
        let config = Config {
            max_concurrent_streams: 1,
            ..Config::default()
        };
        let mut p = Peer::server_with(config);
        let a = p.request(1, false);
        let b = p.request(3, false);
        p.send(&[a, b]);
        p.expect_rst(3, ErrorCode::RefusedStream);
        let events = p.drain_events();
        assert!(matches!(events.as_slice(), [Event::Headers { stream, .. }] if *stream == sid(1)));
    }
}

mod section_6_1_data {
    use super::*;

    #[test]
    fn data_on_stream_0_is_a_connection_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(0, 0, 0, b"x"));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn padding_as_long_as_the_payload_is_a_connection_error() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        p.input(&raw_frame(0, 0x08, 1, &[2, 0]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn data_is_delivered_and_padding_released() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        p.drain_events();
        p.input(&raw_frame(0, 0x09, 1, &[3, b'h', b'i', 0, 0, 0]));
        let events = p.drain_events();
        assert_eq!(
            events,
            vec![Event::Data {
                stream: sid(1),
                data: Bytes::from_static(b"hi"),
                end_stream: true
            }]
        );
    }

    #[test]
    fn pad_length_beyond_the_payload_is_a_connection_error() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        p.input(&raw_frame(0, 0x08, 1, &[9, b'x']));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn data_on_a_half_closed_remote_stream_is_stream_closed() {
        let mut p = Peer::server();
        let req = p.request(1, true);
        p.send(&[req]);
        p.input(&raw_frame(0, 0x01, 1, b"x"));
        p.expect_rst(1, ErrorCode::StreamClosed);
    }
}

mod section_6_2_headers_and_6_10_continuation {
    use super::*;

    #[test]
    fn field_block_split_over_continuation_is_decoded_whole() {
        let mut p = Peer::server();
        let Frame::Headers(h) = p.request(1, true) else {
            unreachable!()
        };
        let (a, b) = h.fragment.split_at(3);
        p.send(&[
            Frame::Headers(Headers::new(sid(1), Bytes::copy_from_slice(a), true, false)),
            Frame::Continuation(Continuation {
                stream_id: sid(1),
                fragment: Bytes::copy_from_slice(b),
                end_headers: true,
            }),
        ]);
        let events = p.drain_events();
        let [Event::Headers {
            stream,
            fields,
            end_stream: true,
            trailers: false,
        }] = events.as_slice()
        else {
            panic!("expected one header section: {events:?}");
        };
        assert_eq!(*stream, sid(1));
        assert_eq!(&fields[2].value[..], b"/svc/Method");
    }

    #[test]
    fn other_frame_inside_a_field_block_is_a_connection_error() {
        let mut p = Peer::server();
        p.send(&[
            Frame::Headers(Headers::new(sid(1), Bytes::new(), false, false)),
            Frame::Ping(Ping {
                ack: false,
                payload: [0; 8],
            }),
        ]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn unknown_frame_inside_a_field_block_is_a_connection_error() {
        let mut p = Peer::server();
        p.send(&[Frame::Headers(Headers::new(
            sid(1),
            Bytes::new(),
            false,
            false,
        ))]);
        p.input(&raw_frame(0xbe, 0, 1, b""));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn continuation_on_another_stream_is_a_connection_error() {
        let mut p = Peer::server();
        p.send(&[
            Frame::Headers(Headers::new(sid(1), Bytes::new(), false, false)),
            Frame::Continuation(Continuation {
                stream_id: sid(3),
                fragment: Bytes::new(),
                end_headers: true,
            }),
        ]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn continuation_without_headers_is_a_connection_error() {
        let mut p = Peer::server();
        p.send(&[Frame::Continuation(Continuation {
            stream_id: sid(1),
            fragment: Bytes::new(),
            end_headers: true,
        })]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn continuation_flood_is_enhance_your_calm() {
        let mut p = Peer::server();
        let mut frames = vec![Frame::Headers(Headers::new(
            sid(1),
            Bytes::new(),
            false,
            false,
        ))];
        for _ in 0..9 {
            frames.push(Frame::Continuation(Continuation {
                stream_id: sid(1),
                fragment: Bytes::new(),
                end_headers: false,
            }));
        }
        p.send(&frames);
        p.expect_goaway(ErrorCode::EnhanceYourCalm);
    }

    #[test]
    fn headers_on_stream_0_is_a_connection_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(1, 0x05, 0, &[0x82]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn self_dependent_headers_reset_the_stream() {
        let mut p = Peer::server();
        let Frame::Headers(mut h) = p.request(1, true) else {
            unreachable!()
        };
        h.priority = Some(PrioritySpec {
            exclusive: false,
            dependency: sid(1),
            weight: 0,
        });
        p.send(&[Frame::Headers(h)]);
        p.expect_rst(1, ErrorCode::ProtocolError);
    }

    #[test]
    fn headers_padding_beyond_the_payload_is_a_connection_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(1, 0x0d, 1, &[4, 0x82, 0x86, 0x84]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn continuation_after_end_headers_is_a_connection_error() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[
            req,
            Frame::Continuation(Continuation {
                stream_id: sid(1),
                fragment: Bytes::new(),
                end_headers: true,
            }),
        ]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn continuation_on_stream_0_is_a_connection_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(9, 0x4, 0, &[0x82]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn padding_over_the_priority_fields_is_a_connection_error() {
        // PADDED | PRIORITY | END_HEADERS: 2 octets of padding claimed, but
        // after the 5 priority octets only one is left.
        let mut p = Peer::server();
        p.input(&raw_frame(1, 0x2c, 1, &[2, 0, 0, 0, 0, 16, 0x82]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn continuation_larger_than_max_frame_size_is_a_connection_error() {
        let mut p = Peer::server();
        p.send(&[Frame::Headers(Headers::new(
            sid(1),
            Bytes::new(),
            true,
            false,
        ))]);
        p.input(&raw_frame(9, 0x4, 1, &[0; 16_385]));
        p.expect_goaway(ErrorCode::FrameSizeError);
    }
}

mod section_6_3_priority {
    use super::*;

    #[test]
    fn wrong_length_is_a_stream_frame_size_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(2, 0, 1, &[0; 4]));
        p.expect_rst(1, ErrorCode::FrameSizeError);
    }

    #[test]
    fn self_dependency_is_a_stream_protocol_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(2, 0, 1, &[0, 0, 0, 1, 0]));
        p.expect_rst(1, ErrorCode::ProtocolError);
    }

    #[test]
    fn priority_on_stream_0_is_a_connection_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(2, 0, 0, &[0, 0, 0, 1, 16]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }
}

mod section_6_4_rst_stream {
    use super::*;

    #[test]
    fn wrong_length_is_a_connection_frame_size_error() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        p.input(&raw_frame(3, 0, 1, &[0; 3]));
        p.expect_goaway(ErrorCode::FrameSizeError);
    }

    #[test]
    fn peer_reset_is_reported_and_later_frames_tolerated() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        assert_eq!(p.drain_events().len(), 1);
        p.send(&[
            Frame::RstStream(RstStream {
                stream_id: sid(1),
                error_code: ErrorCode::Cancel,
            }),
            Frame::WindowUpdate(WindowUpdate {
                stream_id: sid(1),
                increment: 5,
            }),
            Frame::RstStream(RstStream {
                stream_id: sid(1),
                error_code: ErrorCode::Cancel,
            }),
        ]);
        p.expect_silence();
        let events = p.drain_events();
        assert_eq!(
            events.last(),
            Some(&Event::StreamReset {
                stream: sid(1),
                code: ErrorCode::Cancel,
                initiator: Initiator::Remote
            })
        );
        // DATA after the peer's RST_STREAM: stream error STREAM_CLOSED (§5.1).
        p.send(&[data(1, b"x", false)]);
        p.expect_rst(1, ErrorCode::StreamClosed);
    }

    #[test]
    fn rst_stream_on_stream_0_is_a_connection_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(3, 0, 0, &[0, 0, 0, 8]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }
}

mod section_6_5_settings {
    use super::*;

    #[test]
    fn settings_are_acknowledged_and_applied() {
        let mut p = Peer::server();
        p.send(&[Frame::Settings(SettingsFrame::new(vec![
            Setting::new(SettingId::MaxFrameSize, 32_768),
            Setting::new(SettingId::Unknown(0x77), 1),
        ]))]);
        assert_eq!(p.output(), vec![Frame::Settings(SettingsFrame::ack())]);
        assert_eq!(p.conn.remote_settings().max_frame_size, 32_768);
    }

    #[test]
    fn ack_with_payload_is_frame_size_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(4, 1, 0, &[0, 3, 0, 0, 0, 1]));
        p.expect_goaway(ErrorCode::FrameSizeError);
    }

    #[test]
    fn length_not_multiple_of_6_is_frame_size_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(4, 0, 0, &[0, 3, 0, 0, 0]));
        p.expect_goaway(ErrorCode::FrameSizeError);
    }

    #[test]
    fn settings_on_a_stream_is_protocol_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(4, 0, 1, &[]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn enable_push_other_than_0_or_1_is_protocol_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(4, 0, 0, &[0, 2, 0, 0, 0, 2]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn client_rejects_enable_push_1_from_a_server() {
        let mut p = Peer::client();
        p.input(&raw_frame(4, 0, 0, &[0, 2, 0, 0, 0, 1]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn initial_window_size_above_2_31_is_flow_control_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(4, 0, 0, &[0, 4, 0x80, 0, 0, 0]));
        p.expect_goaway(ErrorCode::FlowControlError);
    }

    #[test]
    fn max_frame_size_out_of_range_is_protocol_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(4, 0, 0, &[0, 5, 0, 0, 0x3f, 0xff]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn too_many_settings_is_enhance_your_calm() {
        let mut p = Peer::server();
        let many = vec![Setting::new(SettingId::Unknown(0x99), 0); 33];
        p.send(&[Frame::Settings(SettingsFrame::new(many))]);
        p.expect_goaway(ErrorCode::EnhanceYourCalm);
    }

    #[test]
    fn unacknowledged_settings_time_out() {
        let now = Instant::now();
        let mut p = Peer::raw(
            Connection::new(Role::Server, Config::default(), now),
            now,
            false,
        );
        let mut bytes = CONNECTION_PREFACE.to_vec();
        SettingsFrame::new(vec![]).encode(&mut bytes);
        p.input(&bytes);
        let _ = p.output();
        let deadline = p.conn.poll_timeout().expect("an ACK deadline");
        p.now = deadline;
        p.conn.handle_timeout(deadline);
        p.expect_goaway(ErrorCode::SettingsTimeout);
    }

    #[test]
    fn initial_window_size_change_applies_to_open_streams() {
        let mut p = Peer::server();
        p.send(&[Frame::Settings(SettingsFrame::new(vec![Setting::new(
            SettingId::InitialWindowSize,
            10,
        )]))]);
        let req = p.request(1, true);
        p.send(&[req]);
        let _ = p.output();
        p.conn
            .send_headers(sid(1), &[Header::new(":status", "200")], false)
            .unwrap();
        p.conn
            .send_data(sid(1), Bytes::from_static(b"0123456789abcdef"), true)
            .unwrap();
        let frames = p.output();
        assert!(
            frames.contains(&data(1, b"0123456789", false)),
            "{frames:?}"
        );
        // Raising the initial size by 6 lets the rest out (§6.9.2).
        p.send(&[Frame::Settings(SettingsFrame::new(vec![Setting::new(
            SettingId::InitialWindowSize,
            16,
        )]))]);
        let frames = p.output();
        assert!(frames.contains(&data(1, b"abcdef", true)), "{frames:?}");
    }

    #[test]
    fn max_frame_size_above_2_24_minus_1_is_protocol_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(4, 0, 0, &[0, 5, 0x01, 0, 0, 0]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn unknown_settings_are_ignored_and_acknowledged() {
        let mut p = Peer::server();
        p.input(&raw_frame(4, 0, 0, &[0xff, 0x00, 0xff, 0xff, 0xff, 0xff]));
        assert_eq!(p.output(), vec![Frame::Settings(SettingsFrame::ack())]);
        assert_eq!(p.conn.error(), None);
    }

    #[test]
    fn ack_counts_even_when_the_timeout_is_too_long_for_a_deadline() {
        let config = Config {
            preface_timeout: Duration::MAX,
            ..Config::default()
        };
        let mut p = Peer::server_with(config);
        p.expect_silence();
    }

    #[test]
    fn ack_without_settings_outstanding_is_protocol_error() {
        let mut p = Peer::server();
        p.send(&[Frame::Settings(SettingsFrame::ack())]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }
}

mod section_6_6_push_promise {
    use super::*;

    #[test]
    fn push_promise_with_push_disabled_is_protocol_error() {
        let mut p = Peer::client();
        let id = p
            .conn
            .open_stream(&[Header::new(":method", "GET")], true)
            .unwrap();
        let _ = p.output();
        p.send(&[Frame::PushPromise(PushPromise {
            stream_id: id,
            promised_stream_id: sid(2),
            fragment: Bytes::new(),
            end_headers: true,
            pad_len: None,
        })]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }
}

mod section_6_7_ping {
    use super::*;

    #[test]
    fn ping_is_answered_with_the_same_payload() {
        let mut p = Peer::server();
        p.send(&[Frame::Ping(Ping {
            ack: false,
            payload: *b"12345678",
        })]);
        assert_eq!(
            p.output(),
            vec![Frame::Ping(Ping {
                ack: true,
                payload: *b"12345678"
            })]
        );
    }

    #[test]
    fn ping_ack_is_not_answered() {
        let mut p = Peer::server();
        p.send(&[Frame::Ping(Ping {
            ack: true,
            payload: [0; 8],
        })]);
        p.expect_silence();
    }

    #[test]
    fn wrong_length_is_frame_size_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(6, 0, 0, &[0; 9]));
        p.expect_goaway(ErrorCode::FrameSizeError);
    }

    #[test]
    fn ping_on_a_stream_is_protocol_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(6, 0, 1, &[0; 8]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn our_ping_measures_rtt() {
        let mut p = Peer::server();
        assert!(p.conn.ping(p.now));
        let frames = p.output();
        let [Frame::Ping(ping)] = frames.as_slice() else {
            panic!("{frames:?}");
        };
        p.now += Duration::from_millis(30);
        p.send(&[Frame::Ping(Ping {
            ack: true,
            payload: ping.payload,
        })]);
        assert_eq!(
            p.drain_events(),
            vec![Event::PingAcknowledged {
                rtt: Duration::from_millis(30)
            }]
        );
    }
}

mod section_6_8_goaway {
    use super::*;

    #[test]
    fn graceful_shutdown_sends_two_goaways_around_a_ping() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        p.drain_events();
        p.conn.shutdown(p.now);
        let frames = p.output();
        assert_eq!(
            frames,
            vec![
                Frame::GoAway(GoAway {
                    last_stream_id: StreamId::MAX,
                    error_code: ErrorCode::NoError,
                    debug_data: Bytes::new()
                }),
                Frame::Ping(Ping {
                    ack: false,
                    payload: *b"shutdown"
                }),
            ]
        );
        // A stream the client opened in flight is still accepted.
        let req = p.request(3, true);
        p.send(&[req]);
        p.send(&[Frame::Ping(Ping {
            ack: true,
            payload: *b"shutdown",
        })]);
        let frames = p.output();
        assert_eq!(
            frames,
            vec![Frame::GoAway(GoAway {
                last_stream_id: sid(3),
                error_code: ErrorCode::NoError,
                debug_data: Bytes::new()
            })]
        );
        // Streams in progress finish, then the connection closes.
        assert!(!p.conn.is_closed());
        for id in [1, 3] {
            p.conn
                .send_headers(sid(id), &[Header::new(":status", "200")], true)
                .unwrap();
        }
        p.send(&[data(1, b"", true)]);
        let _ = p.output();
        assert!(p.conn.is_closed());
    }

    #[test]
    fn closed_after_peer_goaway_arms_no_timer_and_writes_nothing_more() {
        // Found by the h2_server_connection fuzz target: the keepalive and
        // idle timers stayed armed after the peer's GOAWAY closed the
        // connection, so a late timeout queued a PING nobody would read.
        let mut p = Peer::server();
        p.send(&[Frame::GoAway(GoAway {
            last_stream_id: sid(0),
            error_code: ErrorCode::NoError,
            debug_data: Bytes::new(),
        })]);
        let _ = p.output();
        assert!(p.conn.is_closed());
        assert_eq!(p.conn.poll_timeout(), None);
        p.now += std::time::Duration::from_secs(3 * 3600);
        p.conn.handle_timeout(p.now);
        assert!(p.output().is_empty());
        assert!(p.conn.is_closed());
    }

    #[test]
    fn goaway_on_a_stream_is_protocol_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(7, 0, 1, &[0; 8]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn received_goaway_refuses_our_later_streams() {
        let mut p = Peer::client();
        let a = p
            .conn
            .open_stream(&[Header::new(":method", "GET")], true)
            .unwrap();
        let b = p
            .conn
            .open_stream(&[Header::new(":method", "GET")], true)
            .unwrap();
        let _ = p.output();
        p.send(&[Frame::GoAway(GoAway {
            last_stream_id: a,
            error_code: ErrorCode::NoError,
            debug_data: Bytes::from_static(b"bye"),
        })]);
        let events = p.drain_events();
        assert!(events.contains(&Event::StreamReset {
            stream: b,
            code: ErrorCode::RefusedStream,
            initiator: Initiator::Remote
        }));
        assert!(events.contains(&Event::GoAway {
            last_stream_id: a,
            code: ErrorCode::NoError,
            debug_data: Bytes::from_static(b"bye")
        }));
        assert!(p.conn.open_stream(&[], true).is_err());
    }

    #[test]
    fn goaway_shorter_than_8_octets_is_frame_size_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(7, 0, 0, &[0, 0, 0, 0, 0, 0, 0]));
        p.expect_goaway(ErrorCode::FrameSizeError);
    }
}

mod section_6_9_window_update {
    use super::*;

    #[test]
    fn zero_increment_on_a_stream_is_a_stream_error() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        p.input(&raw_frame(8, 0, 1, &[0; 4]));
        p.expect_rst(1, ErrorCode::ProtocolError);
    }

    #[test]
    fn zero_increment_on_the_connection_is_a_connection_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(8, 0, 0, &[0; 4]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn wrong_length_is_frame_size_error() {
        let mut p = Peer::server();
        p.input(&raw_frame(8, 0, 0, &[0, 0, 0, 0, 1]));
        p.expect_goaway(ErrorCode::FrameSizeError);
    }

    #[test]
    fn connection_window_overflow_is_a_connection_error() {
        let mut p = Peer::server();
        p.send(&[Frame::WindowUpdate(WindowUpdate {
            stream_id: StreamId::CONNECTION,
            increment: 0x7fff_ffff,
        })]);
        p.expect_goaway(ErrorCode::FlowControlError);
    }

    #[test]
    fn stream_window_overflow_is_a_stream_error() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[
            req,
            Frame::WindowUpdate(WindowUpdate {
                stream_id: sid(1),
                increment: 0x7fff_ffff,
            }),
        ]);
        p.expect_rst(1, ErrorCode::FlowControlError);
    }

    #[test]
    fn data_beyond_the_stream_window_is_a_stream_error() {
        let mut config = Config::default();
        config.stream_window.initial_window_size = 4;
        let mut p = Peer::server_with(config);
        let req = p.request(1, false);
        p.send(&[req, data(1, b"12345", false)]);
        p.expect_rst(1, ErrorCode::FlowControlError);
    }

    #[test]
    fn data_beyond_the_connection_window_is_a_connection_error() {
        let mut config = Config::default();
        config.connection_window.initial_window_size = 65_535;
        let mut p = Peer::server_with(config);
        let req = p.request(1, false);
        p.send(&[req]);
        // Exactly the 65,535 octets granted (§6.9.2), then one more.
        for _ in 0..3 {
            p.input(&raw_frame(0, 0, 1, &[0; 16_384]));
        }
        p.input(&raw_frame(0, 0, 1, &[0; 16_383]));
        assert_eq!(p.conn.error(), None);
        p.input(&raw_frame(0, 0, 1, &[0]));
        p.expect_goaway(ErrorCode::FlowControlError);
    }

    #[test]
    fn we_never_send_past_the_peers_window() {
        let mut p = Peer::server();
        p.send(&[Frame::Settings(SettingsFrame::new(vec![Setting::new(
            SettingId::InitialWindowSize,
            100,
        )]))]);
        let req = p.request(1, true);
        p.send(&[req]);
        let _ = p.output();
        p.conn
            .send_headers(sid(1), &[Header::new(":status", "200")], false)
            .unwrap();
        p.conn
            .send_data(sid(1), Bytes::from(vec![7u8; 1000]), true)
            .unwrap();
        let sent: usize = p
            .output()
            .iter()
            .map(|f| match f {
                Frame::Data(d) => d.data.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(sent, 100);
        p.send(&[Frame::WindowUpdate(WindowUpdate {
            stream_id: sid(1),
            increment: 900,
        })]);
        let frames = p.output();
        let Some(Frame::Data(last)) = frames.last() else {
            panic!("{frames:?}");
        };
        assert_eq!(last.data.len(), 900);
        assert!(last.end_stream);
    }

    #[test]
    fn released_data_is_credited_back() {
        let mut config = Config::default();
        config.stream_window.initial_window_size = 100;
        let mut p = Peer::server_with(config);
        let req = p.request(1, false);
        p.send(&[req]);
        let _ = p.output();
        p.input(&raw_frame(0, 0, 1, &[1; 60]));
        p.expect_silence();
        p.conn.release_capacity(sid(1), 60);
        let frames = p.output();
        assert!(
            frames.contains(&Frame::WindowUpdate(WindowUpdate {
                stream_id: sid(1),
                increment: 60
            })),
            "{frames:?}"
        );
    }

    #[test]
    fn initial_window_size_overflowing_an_open_stream_is_flow_control_error() {
        // §6.9.2: a SETTINGS_INITIAL_WINDOW_SIZE change that takes a window
        // past 2^31-1 is a connection error FLOW_CONTROL_ERROR.
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[
            req,
            Frame::WindowUpdate(WindowUpdate {
                stream_id: sid(1),
                increment: 0x7fff_ffff - 65_535,
            }),
        ]);
        p.expect_silence();
        p.input(&raw_frame(4, 0, 0, &[0, 4, 0, 1, 0, 0]));
        p.expect_goaway(ErrorCode::FlowControlError);
    }
}

mod section_8_1_messages {
    use super::*;

    #[test]
    fn trailers_without_end_stream_reset_the_stream() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        let trailers = p.block(&[("grpc-status", "0")]);
        p.send(&[
            req,
            Frame::Headers(Headers::new(sid(1), trailers, false, true)),
        ]);
        p.expect_rst(1, ErrorCode::ProtocolError);
    }

    #[test]
    fn trailers_are_reported_as_trailers() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        let trailers = p.block(&[("x-checksum", "1")]);
        p.send(&[
            req,
            data(1, b"abc", false),
            Frame::Headers(Headers::new(sid(1), trailers, true, true)),
        ]);
        let events = p.drain_events();
        assert!(matches!(
            events.last(),
            Some(Event::Headers {
                trailers: true,
                end_stream: true,
                ..
            })
        ));
    }

    #[test]
    fn content_length_mismatch_resets_the_stream() {
        let mut p = Peer::server();
        let block = p.block(&[
            (":method", "POST"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "x"),
            ("content-length", "5"),
        ]);
        p.send(&[
            Frame::Headers(Headers::new(sid(1), block, false, true)),
            data(1, b"abc", true),
        ]);
        p.expect_rst(1, ErrorCode::ProtocolError);
    }

    #[test]
    fn content_length_exceeded_resets_the_stream() {
        let mut p = Peer::server();
        let block = p.block(&[
            (":method", "POST"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "x"),
            ("content-length", "2"),
        ]);
        p.send(&[
            Frame::Headers(Headers::new(sid(1), block, false, true)),
            data(1, b"abc", false),
        ]);
        p.expect_rst(1, ErrorCode::ProtocolError);
    }

    #[test]
    fn content_length_that_matches_is_fine() {
        let mut p = Peer::server();
        let block = p.block(&[
            (":method", "POST"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "x"),
            ("content-length", "3"),
        ]);
        p.send(&[
            Frame::Headers(Headers::new(sid(1), block, false, true)),
            data(1, b"ab", false),
            data(1, b"c", true),
        ]);
        p.expect_silence();
    }

    #[test]
    fn complete_response_before_the_request_ends_sends_rst_no_error() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        let _ = p.output();
        p.conn
            .send_headers(sid(1), &[Header::new(":status", "200")], true)
            .unwrap();
        let frames = p.output();
        assert_eq!(
            frames.last(),
            Some(&Frame::RstStream(RstStream {
                stream_id: sid(1),
                error_code: ErrorCode::NoError
            }))
        );
        // The client's DATA in flight is then discarded quietly (§5.1).
        p.send(&[data(1, b"rest of body", true)]);
        p.expect_silence();
    }

    #[test]
    fn request_without_path_is_malformed() {
        let mut p = Peer::server();
        let block = p.block(&[(":method", "GET"), (":scheme", "http")]);
        p.send(&[Frame::Headers(Headers::new(sid(1), block, true, true))]);
        p.expect_rst(1, ErrorCode::ProtocolError);
    }

    #[test]
    fn connection_specific_field_is_malformed() {
        let mut p = Peer::server();
        let Frame::Headers(h) = p.request(1, false) else {
            unreachable!()
        };
        let mut fields = h.fragment.to_vec();
        let extra = p.block(&[("connection", "keep-alive")]);
        fields.extend_from_slice(&extra);
        p.send(&[Frame::Headers(Headers::new(
            sid(1),
            Bytes::from(fields),
            true,
            true,
        ))]);
        p.expect_rst(1, ErrorCode::ProtocolError);
    }

    #[test]
    fn pseudo_field_in_trailers_is_malformed() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        let trailers = p.block(&[(":status", "200")]);
        p.send(&[
            req,
            Frame::Headers(Headers::new(sid(1), trailers, true, true)),
        ]);
        p.expect_rst(1, ErrorCode::ProtocolError);
    }

    #[test]
    fn client_rejects_a_response_without_status() {
        let mut p = Peer::client();
        let id = p
            .conn
            .open_stream(
                &[
                    Header::new(":method", "GET"),
                    Header::new(":scheme", "http"),
                    Header::new(":path", "/"),
                    Header::new(":authority", "x"),
                ],
                true,
            )
            .unwrap();
        let _ = p.output();
        let block = p.block(&[("content-type", "text/plain")]);
        p.send(&[Frame::Headers(Headers::new(id, block, true, true))]);
        p.expect_rst(id.get(), ErrorCode::ProtocolError);
    }

    /// Sends a complete request on stream 1 with exactly `fields`.
    fn request_with(p: &mut Peer, fields: &[(&str, &str)]) {
        let block = p.block(fields);
        p.send(&[Frame::Headers(Headers::new(sid(1), block, true, true))]);
    }

    /// Asserts a request with `extra` after the four request pseudo-fields
    /// is malformed (§8.1.1: a stream error PROTOCOL_ERROR) and never
    /// reaches the application.
    fn malformed_with(extra: &[(&str, &str)]) {
        let mut fields = vec![
            (":method", "POST"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "x"),
        ];
        fields.extend_from_slice(extra);
        malformed(&fields);
    }

    fn malformed(fields: &[(&str, &str)]) {
        let mut p = Peer::server();
        request_with(&mut p, fields);
        p.expect_rst(1, ErrorCode::ProtocolError);
        // Refused before the application heard of it: it never hears of it.
        assert_eq!(p.drain_events(), vec![], "{fields:?}");
    }

    #[test]
    fn uppercase_field_name_is_malformed() {
        malformed_with(&[("X-Upper", "1")]);
    }

    #[test]
    fn pseudo_field_after_a_regular_field_is_malformed() {
        malformed(&[
            (":method", "POST"),
            (":scheme", "http"),
            ("x-regular", "1"),
            (":path", "/"),
            (":authority", "x"),
        ]);
    }

    #[test]
    fn duplicate_pseudo_fields_are_malformed() {
        malformed_with(&[(":path", "/again")]);
        malformed_with(&[(":method", "GET")]);
        malformed_with(&[(":scheme", "https")]);
    }

    #[test]
    fn unknown_pseudo_field_is_malformed() {
        malformed_with(&[(":foo", "bar")]);
    }

    #[test]
    fn response_pseudo_field_in_a_request_is_malformed() {
        malformed_with(&[(":status", "200")]);
    }

    #[test]
    fn te_other_than_trailers_is_malformed() {
        malformed_with(&[("te", "gzip")]);
    }

    #[test]
    fn te_trailers_is_fine() {
        let mut p = Peer::server();
        request_with(
            &mut p,
            &[
                (":method", "POST"),
                (":scheme", "http"),
                (":path", "/"),
                (":authority", "x"),
                ("te", "trailers"),
            ],
        );
        p.expect_silence();
        assert_eq!(p.drain_events().len(), 1);
    }

    #[test]
    fn empty_path_is_malformed() {
        malformed(&[
            (":method", "POST"),
            (":scheme", "http"),
            (":path", ""),
            (":authority", "x"),
        ]);
    }

    #[test]
    fn missing_method_or_scheme_is_malformed() {
        malformed(&[(":scheme", "http"), (":path", "/"), (":authority", "x")]);
        malformed(&[(":method", "POST"), (":path", "/"), (":authority", "x")]);
    }

    #[test]
    fn content_length_that_is_not_a_number_is_malformed() {
        malformed_with(&[("content-length", "3x")]);
    }

    #[test]
    fn invalid_field_names_and_values_are_malformed() {
        // §8.2.1: no controls, space, uppercase or colon in a name; no NUL,
        // CR or LF in a value, nor whitespace at its ends.
        malformed_with(&[("x y", "1")]);
        malformed_with(&[("x:y", "1")]);
        malformed_with(&[("", "1")]);
        malformed_with(&[("x", "a\nb")]);
        malformed_with(&[("x", "a\rb")]);
        malformed_with(&[("x", "a\0b")]);
        malformed_with(&[("x", " a")]);
        malformed_with(&[("x", "a\t")]);
    }

    #[test]
    fn push_promise_from_a_client_is_a_connection_error() {
        // §8.4: a client cannot push.
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[
            req,
            Frame::PushPromise(PushPromise {
                stream_id: sid(1),
                promised_stream_id: sid(3),
                fragment: Bytes::new(),
                end_headers: true,
                pad_len: None,
            }),
        ]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn an_announced_stream_that_turns_malformed_is_reported_reset() {
        let mut p = Peer::server();
        let block = p.block(&[
            (":method", "POST"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "x"),
            ("content-length", "1"),
        ]);
        p.send(&[
            Frame::Headers(Headers::new(sid(1), block, false, true)),
            data(1, b"ab", false),
        ]);
        p.expect_rst(1, ErrorCode::ProtocolError);
        let events = p.drain_events();
        assert!(
            matches!(
                events.as_slice(),
                [
                    Event::Headers { .. },
                    Event::StreamReset {
                        code: ErrorCode::ProtocolError,
                        initiator: Initiator::Local,
                        ..
                    }
                ]
            ),
            "{events:?}"
        );
    }

    /// A client under test with a POST request open (its body unsent).
    fn client_with_open_request(p: &mut Peer) -> StreamId {
        let id = p
            .conn
            .open_stream(
                &[
                    Header::new(":method", "POST"),
                    Header::new(":scheme", "http"),
                    Header::new(":path", "/svc/Method"),
                    Header::new(":authority", "x"),
                ],
                false,
            )
            .unwrap();
        let _ = p.output();
        id
    }

    /// A complete response, then RST_STREAM(NO_ERROR): the server asks the
    /// client to stop sending its request (§8.1).
    fn early_response(p: &mut Peer, id: StreamId) -> Vec<Frame> {
        let block = p.block(&[(":status", "200")]);
        vec![
            Frame::Headers(Headers::new(id, block, false, true)),
            Frame::Data(Data::new(id, Bytes::from_static(b"body"), true)),
            Frame::RstStream(RstStream {
                stream_id: id,
                error_code: ErrorCode::NoError,
            }),
        ]
    }

    #[test]
    fn client_keeps_a_response_completed_before_rst_no_error() {
        // §8.1: "clients MUST NOT discard responses as a result of
        // receiving such a RST_STREAM", even one not polled yet.
        let mut p = Peer::client();
        let id = client_with_open_request(&mut p);
        let frames = early_response(&mut p, id);
        p.send(&frames);
        p.expect_silence();
        assert_eq!(
            p.drain_events(),
            vec![
                Event::Headers {
                    stream: id,
                    fields: vec![Header::new(":status", "200")],
                    end_stream: false,
                    trailers: false,
                },
                Event::Data {
                    stream: id,
                    data: Bytes::from_static(b"body"),
                    end_stream: true,
                },
                Event::StreamReset {
                    stream: id,
                    code: ErrorCode::NoError,
                    initiator: Initiator::Remote,
                },
            ]
        );
        // The stream is over: the rest of the request cannot go.
        assert!(p
            .conn
            .send_data(id, Bytes::from_static(b"more"), true)
            .is_err());
    }

    #[test]
    fn early_responses_do_not_count_as_rapid_resets() {
        // Rapid reset (20 unhandled streams reset, by default) guards a
        // server against clients; a server resetting our own streams after
        // answering them is not that, however slowly we poll.
        let mut p = Peer::client();
        let mut frames = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..30 {
            let id = client_with_open_request(&mut p);
            frames.extend(early_response(&mut p, id));
            ids.push(id);
        }
        p.send(&frames);
        p.expect_silence();
        let resets: Vec<StreamId> = p
            .drain_events()
            .into_iter()
            .filter_map(|e| match e {
                Event::StreamReset {
                    stream,
                    code: ErrorCode::NoError,
                    ..
                } => Some(stream),
                _ => None,
            })
            .collect();
        assert_eq!(resets, ids);
    }

    /// A server under test with request 1 open (the client still sending),
    /// whose client grants each stream `window` octets.
    fn server_with_open_request(window: u32) -> Peer {
        let mut p = Peer::server();
        let settings = Frame::Settings(SettingsFrame::new(vec![Setting::new(
            SettingId::InitialWindowSize,
            window,
        )]));
        let req = p.request(1, false);
        p.send(&[settings, req]);
        let _ = p.output();
        p.drain_events();
        p
    }

    /// The frames on stream 1 as text, header sections decoded.
    fn stream_frames(frames: &[Frame], decoder: &mut Decoder) -> Vec<String> {
        let mut seen = Vec::new();
        for frame in frames {
            match frame {
                Frame::Headers(h) => {
                    let mut fields = Vec::new();
                    decoder.decode(&h.fragment, &mut fields).unwrap();
                    let text: Vec<String> = fields
                        .iter()
                        .map(|f| {
                            let name = String::from_utf8_lossy(&f.name);
                            format!("{name}={}", String::from_utf8_lossy(&f.value))
                        })
                        .collect();
                    seen.push(format!("HEADERS {} end={}", text.join(","), h.end_stream));
                }
                Frame::Data(d) => seen.push(format!(
                    "DATA {} end={}",
                    String::from_utf8_lossy(&d.data),
                    d.end_stream
                )),
                Frame::RstStream(r) => seen.push(format!("RST_STREAM {}", r.error_code)),
                _ => {}
            }
        }
        seen
    }

    fn decoder() -> Decoder {
        Decoder::new(DecoderConfig {
            max_table_size: 4096,
            max_header_list_size: 1 << 16,
        })
    }

    #[test]
    fn reset_after_queued_follows_the_trailers() {
        let mut p = server_with_open_request(65_535);
        let mut d = decoder();
        p.conn
            .send_headers(sid(1), &[Header::new(":status", "200")], false)
            .unwrap();
        p.conn
            .send_trailers(sid(1), vec![Header::new("grpc-status", "4")])
            .unwrap();
        p.conn
            .reset_stream_after_queued(sid(1), ErrorCode::Cancel)
            .unwrap();
        // Nothing more goes on a stream whose reset is decided.
        assert!(p
            .conn
            .send_data(sid(1), Bytes::from_static(b"late"), false)
            .is_err());
        let frames = p.output();
        assert_eq!(
            stream_frames(&frames, &mut d),
            [
                "HEADERS :status=200 end=false",
                "HEADERS grpc-status=4 end=true",
                "RST_STREAM CANCEL",
            ]
        );
        // Closed by our reset: the client's DATA in flight is dropped (§5.1).
        p.send(&[data(1, b"rest of body", true)]);
        p.expect_silence();
    }

    #[test]
    fn reset_after_queued_waits_for_trailers_behind_flow_control() {
        // The client grants 5 octets: the trailers wait behind the DATA,
        // and the reset behind the trailers.
        let mut p = server_with_open_request(5);
        let mut d = decoder();
        p.conn
            .send_headers(sid(1), &[Header::new(":status", "200")], false)
            .unwrap();
        p.conn
            .send_data(sid(1), Bytes::from_static(b"hello world"), false)
            .unwrap();
        p.conn
            .send_trailers(sid(1), vec![Header::new("grpc-status", "4")])
            .unwrap();
        p.conn
            .reset_stream_after_queued(sid(1), ErrorCode::Cancel)
            .unwrap();
        let frames = p.output();
        assert_eq!(
            stream_frames(&frames, &mut d),
            ["HEADERS :status=200 end=false", "DATA hello end=false"]
        );
        p.send(&[Frame::WindowUpdate(WindowUpdate {
            stream_id: sid(1),
            increment: 100,
        })]);
        let frames = p.output();
        assert_eq!(
            stream_frames(&frames, &mut d),
            [
                "DATA  world end=false",
                "HEADERS grpc-status=4 end=true",
                "RST_STREAM CANCEL",
            ]
        );
        assert_eq!(p.conn.error(), None);
    }

    #[test]
    fn reset_after_queued_replaces_rst_no_error_after_trailers_only() {
        // A Trailers-Only answer ends our side at once; the reset chosen
        // before the next transmit takes the place of RST_STREAM(NO_ERROR).
        let mut p = server_with_open_request(65_535);
        let mut d = decoder();
        p.conn
            .send_headers(
                sid(1),
                &[
                    Header::new(":status", "200"),
                    Header::new("grpc-status", "4"),
                ],
                true,
            )
            .unwrap();
        p.conn
            .reset_stream_after_queued(sid(1), ErrorCode::Cancel)
            .unwrap();
        let frames = p.output();
        assert_eq!(
            stream_frames(&frames, &mut d),
            [
                "HEADERS :status=200,grpc-status=4 end=true",
                "RST_STREAM CANCEL",
            ]
        );
    }

    #[test]
    fn no_reset_after_queued_once_the_client_ended_too() {
        // The request ends while the trailers wait: the stream closes both
        // ways when they go, and a closed stream takes no RST_STREAM (§5.1).
        let mut p = server_with_open_request(0);
        let mut d = decoder();
        p.conn
            .send_headers(sid(1), &[Header::new(":status", "200")], false)
            .unwrap();
        p.conn
            .send_data(sid(1), Bytes::from_static(b"x"), false)
            .unwrap();
        p.conn
            .send_trailers(sid(1), vec![Header::new("grpc-status", "4")])
            .unwrap();
        p.conn
            .reset_stream_after_queued(sid(1), ErrorCode::Cancel)
            .unwrap();
        let _ = p.output();
        p.send(&[
            data(1, b"", true),
            Frame::WindowUpdate(WindowUpdate {
                stream_id: sid(1),
                increment: 1,
            }),
        ]);
        let frames = p.output();
        assert_eq!(
            stream_frames(&frames, &mut d),
            ["DATA x end=false", "HEADERS grpc-status=4 end=true"]
        );
    }

    #[test]
    fn reset_stream_still_drops_a_queue_that_waits_for_a_reset() {
        let mut p = server_with_open_request(0);
        p.conn
            .send_headers(sid(1), &[Header::new(":status", "200")], false)
            .unwrap();
        p.conn
            .send_data(sid(1), Bytes::from_static(b"stuck"), false)
            .unwrap();
        p.conn
            .reset_stream_after_queued(sid(1), ErrorCode::Cancel)
            .unwrap();
        let _ = p.output();
        p.conn
            .reset_stream(sid(1), ErrorCode::InternalError)
            .unwrap();
        p.expect_rst(1, ErrorCode::InternalError);
        assert!(p
            .conn
            .reset_stream_after_queued(sid(1), ErrorCode::Cancel)
            .is_err());
    }
}

mod robustness {
    use super::*;
    use quickcheck::{quickcheck, TestResult};

    quickcheck! {
        /// Whatever follows a valid preface, the server never panics, and
        /// after a connection error it only ever closes.
        fn server_survives_arbitrary_frames(chunks: Vec<Vec<u8>>) -> TestResult {
            let mut p = Peer::server();
            for c in &chunks {
                p.conn.handle_input(c, p.now);
                let mut out = Vec::new();
                p.conn.poll_transmit(&mut out, p.now);
                while p.conn.poll_event().is_some() {}
            }
            if p.conn.error().is_some() {
                let mut out = Vec::new();
                p.conn.poll_transmit(&mut out, p.now);
                return TestResult::from_bool(p.conn.is_closed());
            }
            TestResult::passed()
        }

        /// Well-framed but random frames (valid headers, random types,
        /// flags, streams and payloads) never panic the server either.
        fn server_survives_random_well_framed_frames(
            frames: Vec<(u8, u8, u8, Vec<u8>)>
        ) -> bool {
            let mut p = Peer::server();
            for (kind, flags, stream, payload) in frames {
                p.input(&raw_frame(kind % 11, flags, u32::from(stream % 8), &payload));
                let _ = p.output();
                p.drain_events();
            }
            true
        }
    }
}

mod hardening_limits {
    use super::*;

    #[test]
    fn pings_too_often_earn_too_many_pings() {
        let mut p = Peer::server();
        for _ in 0..3 {
            p.send(&[Frame::Ping(Ping {
                ack: false,
                payload: [1; 8],
            })]);
            let _ = p.output();
            assert_eq!(p.conn.error(), None);
        }
        p.send(&[Frame::Ping(Ping {
            ack: false,
            payload: [1; 8],
        })]);
        let g = p.expect_goaway(ErrorCode::EnhanceYourCalm);
        assert_eq!(&g.debug_data[..], b"too_many_pings");
    }

    #[test]
    fn keepalive_pings_an_idle_peer_then_gives_up() {
        let mut p = Peer::client();
        let keepalive = Config::default().keepalive_time.unwrap();
        let deadline = p.conn.poll_timeout().unwrap();
        assert!(deadline <= p.now + keepalive);
        p.now += keepalive;
        p.conn.handle_timeout(p.now);
        let frames = p.output();
        assert!(
            frames
                .iter()
                .any(|f| matches!(f, Frame::Ping(ping) if !ping.ack)),
            "{frames:?}"
        );
        p.now += Config::default().keepalive_timeout;
        p.conn.handle_timeout(p.now);
        assert!(p.conn.error().is_some());
    }

    #[test]
    fn idle_connection_is_shut_down_gracefully() {
        let config = Config {
            keepalive_time: None,
            ..Config::default()
        };
        let mut p = Peer::server_with(config);
        let idle = Config::default().idle_timeout.unwrap();
        p.now += idle;
        p.conn.handle_timeout(p.now);
        let frames = p.output();
        assert!(matches!(
            frames.first(),
            Some(Frame::GoAway(g)) if g.error_code == ErrorCode::NoError
        ));
    }

    #[test]
    fn client_rejects_a_stream_opened_by_the_server() {
        let mut p = Peer::client();
        let block = p.block(&[(":status", "200")]);
        p.send(&[Frame::Headers(Headers::new(sid(2), block, true, true))]);
        p.expect_goaway(ErrorCode::ProtocolError);
    }

    #[test]
    fn rst_stream_flood_is_enhance_your_calm() {
        let mut p = Peer::server();
        let mut frames = Vec::new();
        for i in 0..1001u32 {
            let id = 2 * i + 1;
            frames.push(p.request(id, false));
            frames.push(Frame::RstStream(RstStream {
                stream_id: sid(id),
                error_code: ErrorCode::Cancel,
            }));
        }
        p.send(&frames);
        p.expect_goaway(ErrorCode::EnhanceYourCalm);
    }

    #[test]
    fn empty_data_flood_is_enhance_your_calm() {
        let mut p = Peer::server();
        let req = p.request(1, false);
        p.send(&[req]);
        for _ in 0..100 {
            p.send(&[data(1, b"", false)]);
        }
        assert_eq!(p.conn.error(), None);
        p.send(&[data(1, b"", false)]);
        p.expect_goaway(ErrorCode::EnhanceYourCalm);
    }

    #[test]
    fn too_many_fields_reset_the_stream() {
        let mut p = Peer::server();
        let mut fields = vec![
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "x"),
        ];
        fields.extend(std::iter::repeat_n(("x-a", "b"), 100));
        let block = p.block(&fields);
        p.send(&[Frame::Headers(Headers::new(sid(1), block, true, true))]);
        p.expect_rst(1, ErrorCode::ProtocolError);
    }

    #[test]
    fn client_stops_opening_streams_at_the_rollover_point() {
        let now = Instant::now();
        let config = Config {
            stream_id_rollover: 3,
            ..Config::default()
        };
        let mut conn = Connection::new(Role::Client, config, now);
        let get = [Header::new(":method", "GET")];
        assert_eq!(conn.open_stream(&get, true), Ok(sid(1)));
        assert_eq!(conn.open_stream(&get, true), Ok(sid(3)));
        assert_eq!(
            conn.open_stream(&get, true),
            Err(grpclite::h2::SendError::StreamIdsExhausted)
        );
    }

    #[test]
    fn h2c_upgrade_with_too_many_settings_is_refused() {
        let payload: Vec<u8> = (0..33u16)
            .flat_map(|i| [0x0f, 0, 0, 0, 0, i as u8])
            .collect();
        let Err(error) =
            Connection::new_upgraded(Config::default(), Instant::now(), &payload, vec![])
        else {
            panic!("33 settings exceed max_settings_entries (32)");
        };
        assert_eq!(error.code, ErrorCode::EnhanceYourCalm);
        let ok: Vec<u8> = payload[..32 * 6].to_vec();
        assert!(Connection::new_upgraded(Config::default(), Instant::now(), &ok, vec![]).is_ok());
    }
}

mod bdp {
    use super::*;

    #[test]
    fn a_full_window_per_round_trip_grows_the_stream_window() {
        let mut config = Config::default();
        config.stream_window.initial_window_size = 65_535;
        let mut p = Peer::server_with(config);
        let req = p.request(1, false);
        p.send(&[req]);
        let _ = p.output();
        p.input(&raw_frame(0, 0, 1, &[0; 16_384]));
        assert_eq!(
            p.output(),
            vec![Frame::Ping(Ping {
                ack: false,
                payload: *b"bdpprobe"
            })]
        );
        for _ in 0..2 {
            p.input(&raw_frame(0, 0, 1, &[0; 16_384]));
        }
        p.input(&raw_frame(0, 0, 1, &[0; 16_383]));
        p.now += Duration::from_millis(10);
        p.send(&[Frame::Ping(Ping {
            ack: true,
            payload: *b"bdpprobe",
        })]);
        // 65,535 octets in one round trip filled the window: it doubles.
        assert_eq!(
            p.output(),
            vec![Frame::WindowUpdate(WindowUpdate {
                stream_id: sid(1),
                increment: 65_535
            })]
        );
    }
}

mod rapid_reset {
    use super::*;

    fn open_and_reset(p: &mut Peer, count: u32) {
        let mut frames = Vec::new();
        for i in 0..count {
            let id = 2 * i + 1;
            frames.push(p.request(id, false));
            frames.push(Frame::RstStream(RstStream {
                stream_id: sid(id),
                error_code: ErrorCode::Cancel,
            }));
        }
        p.send(&frames);
    }

    #[test]
    fn streams_reset_before_the_application_saw_them_vanish() {
        let mut p = Peer::server();
        open_and_reset(&mut p, 20);
        p.expect_silence();
        assert_eq!(p.drain_events(), vec![]);
    }

    #[test]
    fn more_than_20_such_streams_is_enhance_your_calm() {
        let mut p = Peer::server();
        open_and_reset(&mut p, 21);
        p.expect_goaway(ErrorCode::EnhanceYourCalm);
    }

    #[test]
    fn an_application_that_keeps_up_is_not_limited() {
        let mut p = Peer::server();
        for i in 0..50u32 {
            let id = 2 * i + 1;
            let req = p.request(id, false);
            p.send(&[req]);
            let events = p.drain_events();
            assert!(
                matches!(events.last(), Some(Event::Headers { stream, .. }) if *stream == sid(id))
            );
            p.send(&[Frame::RstStream(RstStream {
                stream_id: sid(id),
                error_code: ErrorCode::Cancel,
            })]);
        }
        assert_eq!(p.conn.error(), None);
    }
}

mod window_update_flood {
    use super::*;

    #[test]
    fn window_updates_our_data_cannot_explain_are_enhance_your_calm() {
        let mut p = Peer::server();
        let update = Frame::WindowUpdate(WindowUpdate {
            stream_id: StreamId::CONNECTION,
            increment: 1,
        });
        p.send(&vec![update.clone(); 100]);
        assert_eq!(p.conn.error(), None);
        p.send(&[update]);
        p.expect_goaway(ErrorCode::EnhanceYourCalm);
    }
}

mod header_table_size {
    use super::*;

    #[test]
    fn smaller_table_applies_once_acknowledged() {
        let now = Instant::now();
        let config = Config {
            header_table_size: 0,
            ..Config::default()
        };
        let mut p = Peer::raw(Connection::new(Role::Server, config, now), now, false);
        let mut bytes = CONNECTION_PREFACE.to_vec();
        SettingsFrame::new(vec![]).encode(&mut bytes);
        p.input(&bytes);
        // Before the ACK the peer may still index into a 4096-octet table.
        let indexed = Encoder::new(EncoderConfig {
            indexing: IndexingPolicy::Always,
            ..EncoderConfig::default()
        });
        p.encoder = indexed;
        let req = p.request(1, true);
        p.send(&[req]);
        assert_eq!(p.conn.error(), None);
        // After the ACK, a block that does not first shrink the table to 0
        // is a COMPRESSION_ERROR (RFC 7541 §4.2).
        p.send(&[Frame::Settings(SettingsFrame::ack())]);
        let req = p.request(3, true);
        p.send(&[req]);
        p.expect_goaway(ErrorCode::CompressionError);
    }
}

mod outgoing_limits {
    use super::*;

    #[test]
    fn field_sections_past_the_peers_header_list_size_are_not_sent() {
        let mut p = Peer::server();
        p.send(&[Frame::Settings(SettingsFrame::new(vec![Setting::new(
            SettingId::MaxHeaderListSize,
            64,
        )]))]);
        let req = p.request(1, false);
        p.send(&[req]);
        let _ = p.output();
        let big = [
            Header::new(":status", "200"),
            Header::new("x-big", vec![b'a'; 40]),
        ];
        assert_eq!(
            p.conn.send_headers(sid(1), &big, false),
            Err(grpclite::h2::SendError::HeaderListTooLarge)
        );
        assert_eq!(
            p.conn
                .send_headers(sid(1), &[Header::new(":status", "200")], false),
            Ok(())
        );
    }
}

mod framing_around_rejected_frames {
    use super::*;

    #[test]
    fn bad_priority_inside_a_field_block_is_a_connection_error() {
        let mut p = Peer::server();
        p.send(&[Frame::Headers(Headers::new(
            sid(1),
            Bytes::new(),
            false,
            false,
        ))]);
        p.input(&raw_frame(2, 0, 1, &[0; 4]));
        p.expect_goaway(ErrorCode::ProtocolError);
    }
}

mod after_our_goaway {
    use super::*;

    #[test]
    fn streams_above_the_last_stream_id_are_ignored_but_decoded() {
        let config = Config {
            graceful_goaway: false,
            ..Config::default()
        };
        let mut p = Peer::server_with(config);
        let req = p.request(1, true);
        p.send(&[req]);
        p.drain_events();
        p.conn.shutdown(p.now);
        let frames = p.output();
        assert!(matches!(
            frames.as_slice(),
            [Frame::GoAway(g)] if g.last_stream_id == sid(1)
        ));
        // Stream 3 came after our GOAWAY: ignored, yet its field block is
        // decoded so HPACK stays in step (§6.8) — the peer's next block
        // refers to entries this one added.
        let mut encoder = Encoder::new(EncoderConfig {
            indexing: IndexingPolicy::Always,
            ..EncoderConfig::default()
        });
        let fields = [
            Header::new(":method", "GET"),
            Header::new(":scheme", "http"),
            Header::new(":path", "/after"),
            Header::new(":authority", "x"),
        ];
        let mut a = Vec::new();
        encoder.encode(&fields, &mut a);
        let mut b = Vec::new();
        encoder.encode(&fields, &mut b);
        p.send(&[Frame::Headers(Headers::new(
            sid(3),
            Bytes::from(a),
            true,
            true,
        ))]);
        p.expect_silence();
        assert_eq!(p.drain_events(), vec![]);
        p.send(&[Frame::Headers(Headers::new(
            sid(5),
            Bytes::from(b),
            true,
            true,
        ))]);
        p.expect_silence();
    }
}

mod rfc7541_field_block_errors {
    //! RFC 7541 decoding errors are a connection error COMPRESSION_ERROR
    //! (RFC 9113 §4.3).
    use super::*;

    fn expect_compression_error(block: &'static [u8]) {
        let mut p = Peer::server();
        p.send(&[Frame::Headers(Headers::new(
            sid(1),
            Bytes::from_static(block),
            true,
            true,
        ))]);
        p.expect_goaway(ErrorCode::CompressionError);
    }

    #[test]
    fn table_size_update_above_our_setting_is_a_compression_error() {
        // §6.3: 4097 > SETTINGS_HEADER_TABLE_SIZE (4096).
        expect_compression_error(&[0x3f, 0xe2, 0x1f, 0x82, 0x86, 0x84]);
    }

    #[test]
    fn table_size_update_after_a_field_is_a_compression_error() {
        // §4.2: an update MUST come at the start of the block.
        expect_compression_error(&[0x82, 0x20, 0x86, 0x84]);
    }

    #[test]
    fn index_beyond_both_tables_is_a_compression_error() {
        // §2.3.3: index 62 with an empty dynamic table.
        expect_compression_error(&[0xbe]);
    }

    #[test]
    fn huffman_padding_not_of_ones_is_a_compression_error() {
        // §5.2: '0' is 00000; the three padding bits are zeros.
        expect_compression_error(&[0x40, 0x81, 0x00, 0x01, b'a']);
    }

    #[test]
    fn huffman_eos_in_a_string_is_a_compression_error() {
        // §5.2: a string containing EOS is a decoding error.
        expect_compression_error(&[0x40, 0x84, 0xff, 0xff, 0xff, 0xff, 0x01, b'a']);
    }

    #[test]
    fn integer_overflow_is_a_compression_error() {
        // §5.1: an index past any table, with more continuation octets than
        // any real integer needs.
        expect_compression_error(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    }
}
