//! Whole server connection oracle: after a valid preface, arbitrary bytes in
//! arbitrary chunks, with time passing, never panic the connection; every
//! request gets an answer attempt; everything the connection writes parses
//! as frames; once it reports closed (the driver would close the socket) it
//! writes nothing more and stays closed as time passes.

use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::h2::frame::{FrameReader, CONNECTION_PREFACE};
use grpclite::h2::{Config, Connection, Event, Role};
use grpclite::hpack::Header;

/// An empty SETTINGS frame, so fuzzed input starts past the preface (§3.4).
const EMPTY_SETTINGS: [u8; 9] = [0, 0, 0, 4, 0, 0, 0, 0, 0];

pub fn check(data: &[u8]) {
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(seed % 32) + 1;
    let mut now = Instant::now();
    let mut connection = Connection::new(Role::Server, Config::default(), now);
    let mut output = OutputChecker::new();

    let mut pending: Vec<u8> = Vec::new();
    pending.extend_from_slice(CONNECTION_PREFACE);
    pending.extend_from_slice(&EMPTY_SETTINGS);
    pending.extend_from_slice(rest);
    let mut offset = 0;
    let mut stalled = 0;
    while offset < pending.len() && stalled < 4 {
        let end = (offset + chunk).min(pending.len());
        let consumed = if connection.wants_read() {
            connection.handle_input(&pending[offset..end], now)
        } else {
            0
        };
        assert!(consumed <= end - offset, "consumed more than offered");
        offset += consumed;
        stalled = if consumed == 0 { stalled + 1 } else { 0 };
        respond(&mut connection);
        output.drain(&mut connection, now);
        // Time passes a little with each chunk; a seed byte of 0xff jumps ahead.
        now += Duration::from_millis(u64::from(seed));
        if connection.poll_timeout().is_some_and(|t| t <= now) {
            connection.handle_timeout(now);
        }
        if connection.is_closed() {
            break;
        }
    }
    if connection.is_closed() {
        now += Duration::from_secs(3600);
        connection.handle_timeout(now);
        let mut late = Vec::new();
        connection.poll_transmit(&mut late, now);
        assert!(late.is_empty(), "a closed connection wrote more");
        assert!(connection.is_closed(), "a closed connection reopened");
        return;
    }
    connection.handle_peer_closed(now);
    respond(&mut connection);
    output.drain(&mut connection, now);
}

/// Answers every request with a small response, exercising the send paths.
fn respond(connection: &mut Connection) {
    while let Some(event) = connection.poll_event() {
        match event {
            Event::Headers {
                stream,
                trailers: false,
                ..
            } => {
                let fields = [Header::new(&b":status"[..], &b"200"[..])];
                if connection.send_headers(stream, &fields, false).is_ok() {
                    let _ = connection.send_data(stream, Bytes::from_static(b"ok"), true);
                }
            }
            Event::Data { stream, data, .. } => {
                let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
                connection.release_capacity(stream, len);
            }
            _ => {}
        }
    }
}

/// Reads everything the connection writes back as frames.
struct OutputChecker {
    reader: FrameReader,
    buffer: Vec<u8>,
}

impl OutputChecker {
    fn new() -> Self {
        OutputChecker {
            reader: FrameReader::new(16_777_215),
            buffer: Vec::new(),
        }
    }

    fn drain(&mut self, connection: &mut Connection, now: Instant) {
        loop {
            self.buffer.clear();
            connection.poll_transmit(&mut self.buffer, now);
            if self.buffer.is_empty() {
                return;
            }
            let mut input = &self.buffer[..];
            while !input.is_empty() {
                match self.reader.read(&mut input) {
                    Ok(_) => {}
                    Err(e) => panic!("the connection wrote an unparsable frame: {e:?}"),
                }
            }
        }
    }
}
