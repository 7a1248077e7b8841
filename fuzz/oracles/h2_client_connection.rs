//! Whole client connection oracle: a client with two requests open (one
//! still sending its body) is fed an empty server SETTINGS and then arbitrary
//! bytes in arbitrary chunks, with time passing. It never panics; everything
//! it writes parses as frames; no stream reports headers or data after its
//! reset; once closed it writes nothing more.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::h2::frame::{FrameReader, CONNECTION_PREFACE};
use grpclite::h2::{Config, Connection, Event, Role};
use grpclite::hpack::Header;

/// An empty SETTINGS frame: the server's preface (§3.4).
const EMPTY_SETTINGS: [u8; 9] = [0, 0, 0, 4, 0, 0, 0, 0, 0];

pub fn check(data: &[u8]) {
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(seed % 32) + 1;
    let mut now = Instant::now();
    let mut connection = Connection::new(Role::Client, Config::default(), now);
    let request = |path: &'static str| {
        [
            Header::new(&b":method"[..], &b"POST"[..]),
            Header::new(&b":scheme"[..], &b"http"[..]),
            Header::new(&b":path"[..], path.as_bytes()),
            Header::new(&b":authority"[..], &b"fuzz"[..]),
        ]
    };
    let Ok(open) = connection.open_stream(&request("/open"), false) else {
        return;
    };
    let _ = connection.send_data(open, Bytes::from_static(b"part"), false);
    let _ = connection.open_stream(&request("/done"), true);

    let mut output = Output::new();
    output.drain(&mut connection, now);
    let mut reset: HashSet<u32> = HashSet::new();
    let mut input = EMPTY_SETTINGS.to_vec();
    input.extend_from_slice(rest);
    let mut offset = 0;
    let mut stalled = 0;
    while offset < input.len() && stalled < 4 {
        let end = (offset + chunk).min(input.len());
        let consumed = if connection.wants_read() {
            connection.handle_input(&input[offset..end], now)
        } else {
            0
        };
        assert!(consumed <= end - offset, "consumed more than offered");
        offset += consumed;
        stalled = if consumed == 0 { stalled + 1 } else { 0 };
        observe(&mut connection, &mut reset);
        output.drain(&mut connection, now);
        now += Duration::from_millis(u64::from(seed));
        if connection.poll_timeout().is_some_and(|t| t <= now) {
            connection.handle_timeout(now);
        }
        if connection.is_closed() {
            now += Duration::from_secs(3600);
            connection.handle_timeout(now);
            let mut late = Vec::new();
            connection.poll_transmit(&mut late, now);
            assert!(late.is_empty(), "a closed connection wrote more");
            return;
        }
    }
}

/// Checks event order per stream and gives back flow-control credit.
fn observe(connection: &mut Connection, reset: &mut HashSet<u32>) {
    while let Some(event) = connection.poll_event() {
        match event {
            Event::Headers { stream, .. } => {
                assert!(!reset.contains(&stream.get()), "headers after reset");
            }
            Event::Data { stream, data, .. } => {
                assert!(!reset.contains(&stream.get()), "data after reset");
                let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
                connection.release_capacity(stream, len);
            }
            Event::StreamReset { stream, .. } => {
                reset.insert(stream.get());
            }
            _ => {}
        }
    }
}

/// Reads the client's output back: its preface, then frames.
struct Output {
    reader: FrameReader,
    preface_left: usize,
}

impl Output {
    fn new() -> Self {
        Output {
            reader: FrameReader::new(16_777_215),
            preface_left: CONNECTION_PREFACE.len(),
        }
    }

    fn drain(&mut self, connection: &mut Connection, now: Instant) {
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            connection.poll_transmit(&mut buffer, now);
            if buffer.is_empty() {
                return;
            }
            let skip = self.preface_left.min(buffer.len());
            self.preface_left -= skip;
            let mut input = &buffer[skip..];
            while !input.is_empty() {
                if let Err(e) = self.reader.read(&mut input) {
                    panic!("the client wrote an unparsable frame: {e:?}");
                }
            }
        }
    }
}
