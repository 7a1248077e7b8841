//! A frame tracer: the bytes of one HTTP/2 connection in, one readable line
//! per frame out, with header fields and gRPC messages decoded.
//!
//! ```text
//!   C->S bytes --+                 +--> "C->S HEADERS stream=1 len=42 END_HEADERS"
//!                |--> Tracer::feed |    "  :path: /echo.Echo/Say"
//!   S->C bytes --+                 +--> "S->C DATA stream=1 len=12"
//!                                       "  message 1: 7 octets"
//!                                       "    1: \"hello\""
//! ```
//!
//! A layer above `h2`, `hpack`, `grpc`, `wire` and `schema`, built only from
//! their public API, and sans-IO: a driver (a relay, a recording replayer)
//! hands it the octets each side sent, in any chunks, in the order they were
//! seen. Per direction it checks the client preface (RFC 9113 §3.4), reads
//! frames with a [`FrameReader`] whose SETTINGS_MAX_FRAME_SIZE follows the
//! receiving side's SETTINGS, joins HEADERS/PUSH_PROMISE and CONTINUATION
//! (§6.10) and decodes them with one HPACK [`Decoder`] per direction whose
//! table limit follows the receiver's SETTINGS_HEADER_TABLE_SIZE once
//! acknowledged (RFC 7541 §4.2). On gRPC streams (request `content-type`
//! `application/grpc...`) DATA is split into length-prefixed messages
//! (PROTOCOL-HTTP2.md) and each is printed schema-less, or by field names
//! when a [`Pool`] knows the method named by `:path`.
//!
//! Peer bytes never panic the tracer. A frame the codec rejects is shown as
//! an `ERROR` line and tracing of that direction stops, since frame
//! boundaries and HPACK state can no longer be trusted; a rule broken by
//! well-formed frames (a first frame other than SETTINGS) is a `VIOLATION`
//! line and tracing goes on. Memory is bounded by [`TraceConfig`].
//!
//! [`recording`] is the file format of `wire/h2/`: both directions of a
//! connection in one log, replayed with [`trace_recording`].
//!
//! Fuzzing: feed arbitrary bytes to both directions of a [`Tracer`] in
//! arbitrary chunks; the oracle is that it never panics and that any
//! chunking gives the same lines as feeding each direction whole (when the
//! directions are fed in the same relative order).

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;

use bytes::Bytes;

use crate::grpc::{percent, timeout, Code, Deframer, MessageEncoding};
use crate::h2::frame::{
    Continuation, Data, Frame, FrameReader, GoAway, Headers, Ping, PushPromise, RstStream,
    SettingsFrame, StreamId, WindowUpdate, CONNECTION_PREFACE, FRAME_HEADER_LEN,
};
use crate::h2::settings::SettingId;
use crate::hpack::{Decoder, DecoderConfig, Header};
use crate::schema::ast::ScalarType;
use crate::schema::{FieldType, MessageId, Pool};
use crate::wire::{Message, UnknownFields, UnknownValue};

/// Default largest header list decoded per block (§4.1 accounting): larger
/// than a server would accept, since a tracer should show what was sent.
pub const DEFAULT_MAX_HEADER_LIST_SIZE: usize = 1024 * 1024;

/// Default largest header block (HEADERS plus CONTINUATION payloads) joined
/// before decoding; a longer block is reported and tracing stops.
pub const DEFAULT_MAX_HEADER_BLOCK_SIZE: usize = 1024 * 1024;

/// Default largest gRPC message deframed and printed (LIMITS.md: 4 MiB).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 4 * 1024 * 1024;

/// Default number of streams whose request facts (path, gRPC or not) are
/// remembered at once; streams beyond it are traced as plain HTTP/2.
pub const DEFAULT_MAX_TRACKED_STREAMS: usize = 1024;

/// Default largest HPACK dynamic table followed per direction (64 KiB, 16
/// times the initial 4096): what peers use, without letting one make the
/// tracer hold gigabytes.
pub const DEFAULT_MAX_TABLE_SIZE: usize = 64 * 1024;

/// Deepest nesting of messages printed; deeper payloads are shown as octets.
pub const MAX_PRINT_DEPTH: usize = 32;

/// Longest value (header value, string, octets) printed in full; longer
/// ones are cut and their length given.
pub const MAX_PRINTED_VALUE_LEN: usize = 256;

/// Limits of a [`Tracer`], each bounding memory the traced peers choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceConfig {
    /// Largest header list decoded from one block.
    pub max_header_list_size: usize,
    /// Largest header block joined from HEADERS and CONTINUATION frames.
    pub max_header_block_size: usize,
    /// Largest gRPC message deframed.
    pub max_message_size: usize,
    /// Most streams tracked at once.
    pub max_tracked_streams: usize,
    /// Largest HPACK dynamic table followed per direction: a peer's larger
    /// SETTINGS_HEADER_TABLE_SIZE is reported and this limit used instead.
    pub max_table_size: usize,
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            max_header_list_size: DEFAULT_MAX_HEADER_LIST_SIZE,
            max_header_block_size: DEFAULT_MAX_HEADER_BLOCK_SIZE,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_tracked_streams: DEFAULT_MAX_TRACKED_STREAMS,
            max_table_size: DEFAULT_MAX_TABLE_SIZE,
        }
    }
}

/// Which peer sent the octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client (the side that sends the preface) to the server.
    ClientToServer,
    /// From the server to the client.
    ServerToClient,
}

impl Direction {
    /// The prefix of every line about this direction: `C->S` or `S->C`.
    pub fn label(self) -> &'static str {
        match self {
            Direction::ClientToServer => "C->S",
            Direction::ServerToClient => "S->C",
        }
    }

    /// The other direction.
    pub fn reverse(self) -> Direction {
        match self {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        }
    }

    fn index(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        }
    }
}

/// A header block being joined from HEADERS or PUSH_PROMISE and its
/// CONTINUATION frames (§6.10).
#[derive(Debug)]
struct PendingBlock {
    stream: StreamId,
    end_stream: bool,
    block: Vec<u8>,
}

/// A recorded connection ("chunk log"): the octets each side sent, in the
/// order a relay read them. Each record is a direction octet (`>` client to
/// server, `<` server to client), a 4-octet big-endian length, then that many
/// octets. Keeping both directions in one file keeps their relative order,
/// which decides when a SETTINGS change takes effect.
pub mod recording {
    use super::Direction;

    /// Octets before each record's data: direction and length.
    pub const RECORD_HEADER_LEN: usize = 5;

    /// Why a chunk log cannot be read.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
    pub enum RecordingError {
        /// A record's direction octet is neither `>` nor `<`.
        #[error("record at offset {offset}: direction octet {octet:#04x} is neither '>' nor '<'")]
        BadDirection {
            /// Offset of the record.
            offset: usize,
            /// The octet found.
            octet: u8,
        },
        /// The log ends inside a record.
        #[error("record at offset {offset} is truncated")]
        Truncated {
            /// Offset of the record.
            offset: usize,
        },
    }

    /// Appends one record of `data` sent in `direction`.
    pub fn encode(direction: Direction, data: &[u8], dst: &mut Vec<u8>) {
        // A chunk larger than 4 GiB is written as several records; an empty
        // chunk as one empty record.
        let mut parts: Vec<&[u8]> = data.chunks(u32::MAX as usize).collect();
        if parts.is_empty() {
            parts.push(data);
        }
        for part in parts {
            dst.push(match direction {
                Direction::ClientToServer => b'>',
                Direction::ServerToClient => b'<',
            });
            let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
            dst.extend_from_slice(&len.to_be_bytes());
            dst.extend_from_slice(part);
        }
    }

    /// Splits a chunk log into its records, borrowing their data.
    pub fn decode(log: &[u8]) -> Result<Vec<(Direction, &[u8])>, RecordingError> {
        let mut records = Vec::new();
        let mut rest = log;
        while let Some((&octet, tail)) = rest.split_first() {
            let offset = log.len().saturating_sub(rest.len());
            let direction = match octet {
                b'>' => Direction::ClientToServer,
                b'<' => Direction::ServerToClient,
                _ => return Err(RecordingError::BadDirection { offset, octet }),
            };
            let (len, tail) = tail
                .split_first_chunk::<4>()
                .ok_or(RecordingError::Truncated { offset })?;
            let len = usize::try_from(u32::from_be_bytes(*len))
                .map_err(|_| RecordingError::Truncated { offset })?;
            if tail.len() < len {
                return Err(RecordingError::Truncated { offset });
            }
            let (data, tail) = tail.split_at(len);
            records.push((direction, data));
            rest = tail;
        }
        Ok(records)
    }
}

/// Traces a whole chunk log (see [`recording`]): every record's lines, then
/// those of [`Tracer::finish`].
pub fn trace_recording(
    tracer: &mut Tracer<'_>,
    log: &[u8],
) -> Result<Vec<String>, recording::RecordingError> {
    let mut lines = Vec::new();
    for (direction, data) in recording::decode(log)? {
        lines.extend(tracer.feed(direction, data));
    }
    lines.extend(tracer.finish());
    Ok(lines)
}

/// What one direction's bytes have shown so far.
#[derive(Debug)]
struct DirectionState {
    /// Octets of the client preface still expected (client direction only).
    preface_left: usize,
    reader: FrameReader,
    decoder: Decoder,
    pending: Option<PendingBlock>,
    /// SETTINGS_HEADER_TABLE_SIZE values this side sent (or `None` when a
    /// SETTINGS frame left it unchanged), awaiting the peer's ACK (§6.5.3).
    unacked_table_sizes: VecDeque<Option<u32>>,
    /// Whether the first frame (which must be SETTINGS, §3.4) was seen.
    settings_seen: bool,
    stopped: bool,
}

impl DirectionState {
    fn new(direction: Direction, config: &TraceConfig) -> Self {
        let preface_left = match direction {
            Direction::ClientToServer => CONNECTION_PREFACE.len(),
            Direction::ServerToClient => 0,
        };
        let mut decoder = Decoder::new(DecoderConfig::default());
        decoder.set_max_header_list_size(config.max_header_list_size);
        DirectionState {
            preface_left,
            reader: FrameReader::default(),
            decoder,
            pending: None,
            unacked_table_sizes: VecDeque::new(),
            settings_seen: false,
            stopped: false,
        }
    }
}

/// What the tracer remembers of one stream.
#[derive(Debug, Default)]
struct StreamInfo {
    /// The request `:path`.
    path: Option<String>,
    /// The request's content-type is `application/grpc` or a subtype.
    grpc: bool,
    /// Per direction: the message splitter, created on the first DATA.
    deframers: [Option<Deframer>; 2],
    /// Per direction: the `grpc-encoding` received.
    encodings: [Option<MessageEncoding>; 2],
    /// Per direction: messages seen.
    messages: [u64; 2],
    /// Per direction: END_STREAM seen.
    ended: [bool; 2],
    /// Header blocks the server sent on the stream.
    response_blocks: u32,
}

/// Annotates one HTTP/2 connection, fed per direction.
///
/// Call [`Tracer::feed`] with each chunk as it was seen, in the order seen;
/// it returns the lines the chunk completes. Call [`Tracer::finish`] when the
/// connection closed to learn of frames or messages cut short.
#[derive(Debug)]
pub struct Tracer<'p> {
    config: TraceConfig,
    pool: Option<&'p Pool>,
    directions: [DirectionState; 2],
    streams: HashMap<u32, StreamInfo>,
}

impl Tracer<'static> {
    /// A tracer printing gRPC messages schema-less.
    pub fn new(config: TraceConfig) -> Self {
        Tracer {
            config,
            pool: None,
            directions: [
                DirectionState::new(Direction::ClientToServer, &config),
                DirectionState::new(Direction::ServerToClient, &config),
            ],
            streams: HashMap::new(),
        }
    }
}

impl<'p> Tracer<'p> {
    /// A tracer printing a gRPC message by field names when `pool` has the
    /// method its stream's `:path` names, and schema-less otherwise.
    pub fn with_pool(config: TraceConfig, pool: &'p Pool) -> Self {
        let Tracer {
            directions,
            streams,
            ..
        } = Tracer::new(config);
        Tracer {
            config,
            pool: Some(pool),
            directions,
            streams,
        }
    }

    /// Consumes `input` sent in `direction` and returns the lines it completes.
    pub fn feed(&mut self, direction: Direction, input: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut input = input;
        let d = direction.index();
        let label = direction.label();
        if self.state(direction).stopped {
            return out;
        }
        if self.state(direction).preface_left > 0 {
            let state = self.state_mut(direction);
            let seen = CONNECTION_PREFACE.len().saturating_sub(state.preface_left);
            let expected = CONNECTION_PREFACE.get(seen..).unwrap_or_default();
            let n = expected.len().min(input.len());
            let (head, rest) = input.split_at(n);
            if expected.get(..n) != Some(head) {
                state.stopped = true;
                out.push(format!(
                    "{label} ERROR not the HTTP/2 client preface (RFC 9113 §3.4): {}",
                    escape(head)
                ));
                return out;
            }
            state.preface_left = state.preface_left.saturating_sub(n);
            input = rest;
            if state.preface_left == 0 {
                out.push(format!("{label} PREFACE"));
            }
        }
        while !self.directions.get(d).is_none_or(|s| s.stopped) {
            let result = match self.directions.get_mut(d) {
                Some(state) => state.reader.read(&mut input),
                None => break,
            };
            match result {
                Ok(Some(frame)) => self.frame(direction, frame, &mut out),
                Ok(None) => break,
                Err(e) => {
                    out.push(format!(
                        "{label} ERROR malformed frame: {e}; tracing of {label} stops"
                    ));
                    self.state_mut(direction).stopped = true;
                }
            }
        }
        out
    }

    /// Reports what the connection's end cut short: a partial frame, an
    /// unfinished header block, a partial gRPC message.
    pub fn finish(&self) -> Vec<String> {
        let mut out = Vec::new();
        for direction in [Direction::ClientToServer, Direction::ServerToClient] {
            let state = self.state(direction);
            let label = direction.label();
            if state.stopped {
                continue;
            }
            if state.preface_left > 0 && state.preface_left < CONNECTION_PREFACE.len() {
                out.push(format!("{label} ERROR connection ended inside the preface"));
            }
            if !state.reader.is_at_frame_boundary() {
                out.push(format!("{label} ERROR connection ended inside a frame"));
            }
            if let Some(p) = &state.pending {
                out.push(format!(
                    "{label} ERROR connection ended inside the header block of stream {}",
                    p.stream
                ));
            }
        }
        let mut ids: Vec<_> = self.streams.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let Some(info) = self.streams.get(&id) else {
                continue;
            };
            for direction in [Direction::ClientToServer, Direction::ServerToClient] {
                let d = direction.index();
                if let Some(Some(deframer)) = info.deframers.get(d) {
                    if let Err(e) = deframer.finish() {
                        out.push(format!(
                            "{} ERROR connection ended on stream {id}: {e}",
                            direction.label()
                        ));
                    }
                }
            }
        }
        out
    }

    fn state(&self, direction: Direction) -> &DirectionState {
        match direction {
            Direction::ClientToServer => &self.directions[0],
            Direction::ServerToClient => &self.directions[1],
        }
    }

    fn state_mut(&mut self, direction: Direction) -> &mut DirectionState {
        match direction {
            Direction::ClientToServer => &mut self.directions[0],
            Direction::ServerToClient => &mut self.directions[1],
        }
    }

    fn frame(&mut self, direction: Direction, frame: Frame, out: &mut Vec<String>) {
        let label = direction.label();
        let len = payload_len(&frame);
        let state = self.state_mut(direction);
        if !state.settings_seen {
            state.settings_seen = true;
            if !matches!(&frame, Frame::Settings(f) if !f.ack) {
                out.push(format!(
                    "{label} VIOLATION the first frame is not SETTINGS (RFC 9113 §3.4: the preface ends with, or is, a SETTINGS frame)"
                ));
            }
        }
        if self.state(direction).pending.is_some() && !matches!(frame, Frame::Continuation(_)) {
            out.push(format!(
                "{label} ERROR {} frame interrupts a header block (RFC 9113 §6.10); tracing of {label} stops",
                frame.kind().name().unwrap_or("unknown")
            ));
            self.state_mut(direction).stopped = true;
            return;
        }
        match frame {
            Frame::Data(f) => self.data(direction, f, len, out),
            Frame::Headers(f) => self.headers(direction, f, len, out),
            Frame::Continuation(f) => self.continuation(direction, f, len, out),
            Frame::PushPromise(f) => self.push_promise(direction, f, len, out),
            Frame::Priority(f) => out.push(format!(
                "{label} PRIORITY stream={} depends_on={}{} weight={}",
                f.stream_id,
                f.spec.dependency,
                if f.spec.exclusive { " exclusive" } else { "" },
                u16::from(f.spec.weight) + 1
            )),
            Frame::RstStream(f) => self.rst_stream(direction, f, out),
            Frame::Settings(f) => self.settings(direction, f, len, out),
            Frame::Ping(f) => out.push(ping_line(label, &f)),
            Frame::GoAway(f) => out.push(goaway_line(label, &f)),
            Frame::WindowUpdate(f) => out.push(window_update_line(label, &f)),
            Frame::Unknown(h) => out.push(format!(
                "{label} UNKNOWN type=0x{:02x} stream={} flags=0x{:02x} len={} (ignored, RFC 9113 §5.5)",
                h.kind.to_u8(),
                h.stream_id,
                h.flags,
                h.length
            )),
        }
    }

    fn data(&mut self, direction: Direction, f: Data, len: usize, out: &mut Vec<String>) {
        let label = direction.label();
        let mut line = format!("{label} DATA stream={} len={len}", f.stream_id);
        if let Some(pad) = f.pad_len {
            let _ = write!(line, " PADDED(pad={pad})");
        }
        if f.end_stream {
            line.push_str(" END_STREAM");
        }
        out.push(line);
        let d = direction.index();
        let max = self.config.max_message_size;
        let pool = self.pool;
        let Some(info) = self.streams.get_mut(&f.stream_id.get()) else {
            return;
        };
        if info.grpc {
            let method = pool.and_then(|p| {
                info.path
                    .as_deref()
                    .and_then(|path| resolve_method(p, path, direction))
            });
            let encoding = info.encodings.get(d).cloned().flatten();
            if let Some(slot) = info.deframers.get_mut(d) {
                let deframer = slot.get_or_insert_with(|| {
                    let mut deframer = Deframer::new(max);
                    if let Some(encoding) = encoding {
                        deframer.set_encoding(encoding);
                    }
                    deframer
                });
                let mut data = f.data.clone();
                loop {
                    match deframer.decode(&mut data) {
                        Ok(Some(message)) => {
                            let n = info.messages.get(d).copied().unwrap_or(0).saturating_add(1);
                            if let Some(m) = info.messages.get_mut(d) {
                                *m = n;
                            }
                            out.push(format!("  message {n}: {} octets", message.len()));
                            let schema = method.and_then(|m| pool.map(|p| (p, m)));
                            print_message(&message, schema, 2, 0, out);
                        }
                        Ok(None) => break,
                        Err(e) => {
                            out.push(format!("  grpc framing error: {e}"));
                            break;
                        }
                    }
                }
                if f.end_stream {
                    if let Err(e) = deframer.finish() {
                        out.push(format!("  grpc framing error at END_STREAM: {e}"));
                    }
                }
            }
        }
        if f.end_stream {
            self.end_stream(direction, f.stream_id);
        }
    }

    fn headers(&mut self, direction: Direction, f: Headers, len: usize, out: &mut Vec<String>) {
        let label = direction.label();
        let mut line = format!("{label} HEADERS stream={} len={len}", f.stream_id);
        if f.end_stream {
            line.push_str(" END_STREAM");
        }
        if f.end_headers {
            line.push_str(" END_HEADERS");
        }
        if let Some(pad) = f.pad_len {
            let _ = write!(line, " PADDED(pad={pad})");
        }
        if let Some(p) = f.priority {
            let _ = write!(
                line,
                " PRIORITY(depends_on={}{} weight={})",
                p.dependency,
                if p.exclusive { " exclusive" } else { "" },
                u16::from(p.weight) + 1
            );
        }
        out.push(line);
        self.start_block(
            direction,
            f.stream_id,
            f.end_stream,
            &f.fragment,
            f.end_headers,
            out,
        );
    }

    fn push_promise(
        &mut self,
        direction: Direction,
        f: PushPromise,
        len: usize,
        out: &mut Vec<String>,
    ) {
        let label = direction.label();
        out.push(format!(
            "{label} PUSH_PROMISE stream={} promised={} len={len}{}",
            f.stream_id,
            f.promised_stream_id,
            if f.end_headers { " END_HEADERS" } else { "" }
        ));
        self.start_block(
            direction,
            f.stream_id,
            false,
            &f.fragment,
            f.end_headers,
            out,
        );
    }

    fn continuation(
        &mut self,
        direction: Direction,
        f: Continuation,
        len: usize,
        out: &mut Vec<String>,
    ) {
        let label = direction.label();
        out.push(format!(
            "{label} CONTINUATION stream={} len={len}{}",
            f.stream_id,
            if f.end_headers { " END_HEADERS" } else { "" }
        ));
        let max = self.config.max_header_block_size;
        let state = self.state_mut(direction);
        let Some(mut pending) = state.pending.take() else {
            out.push(format!(
                "{label} ERROR CONTINUATION without a header block in progress (RFC 9113 §6.10); tracing of {label} stops"
            ));
            state.stopped = true;
            return;
        };
        if pending.stream != f.stream_id {
            out.push(format!(
                "{label} ERROR CONTINUATION on stream {} continues the block of stream {} (RFC 9113 §6.10); tracing of {label} stops",
                f.stream_id, pending.stream
            ));
            state.stopped = true;
            return;
        }
        if pending.block.len().saturating_add(f.fragment.len()) > max {
            out.push(format!(
                "{label} ERROR header block larger than {max} octets; tracing of {label} stops"
            ));
            state.stopped = true;
            return;
        }
        pending.block.extend_from_slice(&f.fragment);
        if f.end_headers {
            self.decode_block(direction, pending, out);
        } else {
            self.state_mut(direction).pending = Some(pending);
        }
    }

    fn start_block(
        &mut self,
        direction: Direction,
        stream: StreamId,
        end_stream: bool,
        fragment: &Bytes,
        end_headers: bool,
        out: &mut Vec<String>,
    ) {
        let label = direction.label();
        if fragment.len() > self.config.max_header_block_size {
            out.push(format!(
                "{label} ERROR header block larger than {} octets; tracing of {label} stops",
                self.config.max_header_block_size
            ));
            self.state_mut(direction).stopped = true;
            return;
        }
        let pending = PendingBlock {
            stream,
            end_stream,
            block: fragment.to_vec(),
        };
        if end_headers {
            self.decode_block(direction, pending, out);
        } else {
            self.state_mut(direction).pending = Some(pending);
        }
    }

    fn decode_block(&mut self, direction: Direction, block: PendingBlock, out: &mut Vec<String>) {
        let label = direction.label();
        let mut fields = Vec::new();
        let state = self.state_mut(direction);
        if let Err(e) = state.decoder.decode(&block.block, &mut fields) {
            out.push(format!(
                "{label} ERROR HPACK: {e}; tracing of {label} stops"
            ));
            state.stopped = true;
            return;
        }
        let table = state.decoder.table();
        let list_size: usize = fields
            .iter()
            .map(Header::size)
            .fold(0, usize::saturating_add);
        out.push(format!(
            "  (hpack: {} octets -> {} fields, list size {list_size}; dynamic table {} entries, {}/{} octets)",
            block.block.len(),
            fields.len(),
            table.len(),
            table.size(),
            table.max_size()
        ));
        if direction == Direction::ServerToClient {
            self.response_part(block.stream, block.end_stream, out);
        }
        self.header_fields(direction, block.stream, &fields, out);
        if block.end_stream {
            self.end_stream(direction, block.stream);
        }
    }

    /// Names the part of a gRPC response a header block is
    /// (PROTOCOL-HTTP2.md "Responses": Response-Headers, then messages, then
    /// Trailers; or Trailers-Only, one block that ends the stream).
    fn response_part(&mut self, stream: StreamId, end_stream: bool, out: &mut Vec<String>) {
        let Some(info) = self.streams.get_mut(&stream.get()) else {
            return;
        };
        if !info.grpc {
            return;
        }
        let part = match (info.response_blocks, end_stream) {
            (0, true) => "Trailers-Only",
            (0, false) => "Response-Headers",
            (_, true) => "Trailers",
            (_, false) => "unexpected header block",
        };
        info.response_blocks = info.response_blocks.saturating_add(1);
        out.push(format!("  (gRPC {part})"));
    }

    fn header_fields(
        &mut self,
        direction: Direction,
        stream: StreamId,
        fields: &[Header],
        out: &mut Vec<String>,
    ) {
        for field in fields {
            let mut line = format!("  {}:", escape_bare(&field.name));
            if !field.value.is_empty() {
                let _ = write!(line, " {}", escape_bare(&field.value));
            }
            if field.sensitive {
                line.push_str("  (never indexed)");
            }
            match &field.name[..] {
                b"grpc-status" => {
                    if let Some(code) = Code::from_grpc_status(&field.value) {
                        let _ = write!(line, "  ({})", code.name());
                    }
                }
                b"grpc-message" => {
                    let decoded = percent::decode(&field.value);
                    if decoded.as_bytes() != &field.value[..] {
                        let _ = write!(line, "  (decoded: {decoded:?})");
                    }
                }
                b"grpc-timeout" => match timeout::parse(&field.value) {
                    Ok(t) => {
                        let _ = write!(line, "  ({t:?})");
                    }
                    Err(e) => {
                        let _ = write!(line, "  (invalid: {e})");
                    }
                },
                _ => {}
            }
            out.push(line);
        }
        if stream.is_connection() {
            return;
        }
        let d = direction.index();
        let id = stream.get();
        if direction == Direction::ClientToServer && !self.streams.contains_key(&id) {
            if self.streams.len() >= self.config.max_tracked_streams {
                out.push(format!(
                    "  (more than {} streams open: stream {id} is not tracked)",
                    self.config.max_tracked_streams
                ));
                return;
            }
            self.streams.insert(id, StreamInfo::default());
        }
        let Some(info) = self.streams.get_mut(&id) else {
            return;
        };
        for field in fields {
            match &field.name[..] {
                b":path" if direction == Direction::ClientToServer => {
                    info.path = Some(String::from_utf8_lossy(&field.value).into_owned());
                }
                b"content-type" if direction == Direction::ClientToServer => {
                    // PROTOCOL-HTTP2.md: "application/grpc" [("+proto" / "+json" / {custom})]
                    let v = &field.value[..];
                    info.grpc = v == b"application/grpc"
                        || v.starts_with(b"application/grpc+")
                        || v.starts_with(b"application/grpc;");
                }
                b"grpc-encoding" => {
                    if let Some(slot) = info.encodings.get_mut(d) {
                        *slot = Some(MessageEncoding::from_header(Some(&field.value)));
                    }
                }
                _ => {}
            }
        }
    }

    fn end_stream(&mut self, direction: Direction, stream: StreamId) {
        let id = stream.get();
        if let Some(info) = self.streams.get_mut(&id) {
            if let Some(e) = info.ended.get_mut(direction.index()) {
                *e = true;
            }
            if info.ended == [true, true] {
                self.streams.remove(&id);
            }
        }
    }

    fn rst_stream(&mut self, direction: Direction, f: RstStream, out: &mut Vec<String>) {
        out.push(format!(
            "{} RST_STREAM stream={} code={} (0x{:x})",
            direction.label(),
            f.stream_id,
            f.error_code,
            f.error_code.to_u32()
        ));
        // The stream is closed (§6.4): nothing more will be deframed on it.
        self.streams.remove(&f.stream_id.get());
    }

    fn settings(
        &mut self,
        direction: Direction,
        f: SettingsFrame,
        len: usize,
        out: &mut Vec<String>,
    ) {
        let label = direction.label();
        if f.ack {
            out.push(format!("{label} SETTINGS ACK"));
            // The ACK means the sender now uses the peer's table size for
            // the blocks it sends next (RFC 7541 §4.2).
            let peer = self.state_mut(direction.reverse());
            let size = peer.unacked_table_sizes.pop_front().flatten();
            if let Some(size) = size {
                let mut limit = usize::try_from(size).unwrap_or(usize::MAX);
                if limit > self.config.max_table_size {
                    out.push(format!(
                        "  (the tracer follows at most {} octets of HPACK table)",
                        self.config.max_table_size
                    ));
                    limit = self.config.max_table_size;
                }
                self.state_mut(direction).decoder.set_max_table_size(limit);
            }
            return;
        }
        out.push(format!("{label} SETTINGS len={len}"));
        let mut table_size = None;
        for s in &f.settings {
            match s.id.name() {
                Some(name) => out.push(format!("  {name} = {}", s.value)),
                None => out.push(format!(
                    "  unknown setting 0x{:x} = {}",
                    s.id.to_u16(),
                    s.value
                )),
            }
            match s.id {
                SettingId::HeaderTableSize => table_size = Some(s.value),
                // Frames the peer sends us may be as large as we allow (§6.5.2).
                SettingId::MaxFrameSize => self
                    .state_mut(direction.reverse())
                    .reader
                    .set_max_frame_size(s.value),
                _ => {}
            }
        }
        self.state_mut(direction)
            .unacked_table_sizes
            .push_back(table_size);
    }
}

/// The payload length the frame had on the wire (§4.1 Length), without
/// re-encoding a DATA or unknown frame's payload.
fn payload_len(frame: &Frame) -> usize {
    let length = match frame {
        Frame::Data(f) => f.header().length,
        Frame::Unknown(h) => h.length,
        other => {
            let mut encoded = Vec::new();
            other.encode(&mut encoded);
            let len = encoded.len().saturating_sub(FRAME_HEADER_LEN);
            return len;
        }
    };
    usize::try_from(length).unwrap_or(usize::MAX)
}

fn ping_line(label: &str, f: &Ping) -> String {
    format!(
        "{label} PING{} opaque={}",
        if f.ack { " ACK" } else { "" },
        f.payload.iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    )
}

fn goaway_line(label: &str, f: &GoAway) -> String {
    format!(
        "{label} GOAWAY last_stream={} code={} (0x{:x}) debug={}",
        f.last_stream_id,
        f.error_code,
        f.error_code.to_u32(),
        escape(&f.debug_data)
    )
}

fn window_update_line(label: &str, f: &WindowUpdate) -> String {
    format!(
        "{label} WINDOW_UPDATE stream={} increment={}",
        f.stream_id, f.increment
    )
}

/// The method `path` (`/pkg.Service/Method`) names, as the message type
/// `direction` carries: the input from the client, the output from the server.
fn resolve_method(pool: &Pool, path: &str, direction: Direction) -> Option<MessageId> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    let service = pool.service(pool.service_by_name(service)?)?;
    let method = service.methods.iter().find(|m| m.name == method)?;
    Some(match direction {
        Direction::ClientToServer => method.input,
        Direction::ServerToClient => method.output,
    })
}

/// Octets as printable text: ASCII as is, anything else escaped, quoted;
/// cut after [`MAX_PRINTED_VALUE_LEN`] octets.
fn escape(octets: &[u8]) -> String {
    let shown = octets.get(..MAX_PRINTED_VALUE_LEN).unwrap_or(octets);
    let mut s = format!("\"{}\"", shown.escape_ascii());
    if shown.len() < octets.len() {
        let _ = write!(s, "... ({} octets)", octets.len());
    }
    s
}

/// Like [`escape`] but unquoted, for header names and values.
fn escape_bare(octets: &[u8]) -> String {
    let shown = octets.get(..MAX_PRINTED_VALUE_LEN).unwrap_or(octets);
    let mut s = shown.escape_ascii().to_string();
    if shown.len() < octets.len() {
        let _ = write!(s, "... ({} octets)", octets.len());
    }
    s
}

/// Prints a message's fields at `indent`, by name when `schema` gives its type.
fn print_message(
    body: &[u8],
    schema: Option<(&Pool, MessageId)>,
    indent: usize,
    depth: usize,
    out: &mut Vec<String>,
) {
    let pad = "  ".repeat(indent);
    let fields = match UnknownFields::decode(body) {
        Ok(fields) => fields,
        Err(e) => {
            out.push(format!(
                "{pad}not a Protobuf message ({e}): {}",
                escape(body)
            ));
            return;
        }
    };
    let descriptor = schema.and_then(|(pool, id)| pool.message(id).map(|m| (pool, m)));
    for field in fields.iter() {
        let known = descriptor.and_then(|(pool, m)| {
            let number = i32::try_from(field.field).ok()?;
            m.field_by_number(number).map(|f| (pool, f))
        });
        match known {
            Some((pool, f)) => {
                print_typed(&pad, &f.name, f.ty, field.value, pool, indent, depth, out)
            }
            None => print_raw(
                &pad,
                &field.field.to_string(),
                field.value,
                indent,
                depth,
                out,
            ),
        }
    }
}

/// Prints a field without its schema, as `protoc --decode_raw` does.
fn print_raw(
    pad: &str,
    name: &str,
    value: UnknownValue<'_>,
    indent: usize,
    depth: usize,
    out: &mut Vec<String>,
) {
    match value {
        UnknownValue::Varint(v) => out.push(format!("{pad}{name}: {v}")),
        UnknownValue::I32(v) => out.push(format!("{pad}{name}: 0x{v:08x}")),
        UnknownValue::I64(v) => out.push(format!("{pad}{name}: 0x{v:016x}")),
        UnknownValue::Group(body) | UnknownValue::Len(body) => {
            let text = std::str::from_utf8(body)
                .ok()
                .filter(|t| !t.chars().any(char::is_control));
            let nested = (depth < MAX_PRINT_DEPTH && text.is_none())
                .then(|| UnknownFields::decode(body).ok())
                .flatten()
                .filter(|n| !n.is_empty());
            if text.is_none() && nested.is_some() {
                out.push(format!("{pad}{name} {{"));
                print_message(body, None, indent + 1, depth + 1, out);
                out.push(format!("{pad}}}"));
            } else {
                out.push(format!("{pad}{name}: {}", escape(body)));
            }
        }
    }
}

/// Prints a field its schema describes; a wire type that does not fit the
/// declared type is shown raw.
#[allow(clippy::too_many_arguments)]
fn print_typed(
    pad: &str,
    name: &str,
    ty: FieldType,
    value: UnknownValue<'_>,
    pool: &Pool,
    indent: usize,
    depth: usize,
    out: &mut Vec<String>,
) {
    use ScalarType as S;
    let text = match (ty, value) {
        (FieldType::Message(id), UnknownValue::Len(body))
        | (FieldType::Group(id), UnknownValue::Group(body))
            if depth < MAX_PRINT_DEPTH =>
        {
            out.push(format!("{pad}{name} {{"));
            print_message(body, Some((pool, id)), indent + 1, depth + 1, out);
            out.push(format!("{pad}}}"));
            return;
        }
        (FieldType::Enum(id), UnknownValue::Varint(v)) => {
            let number = v as i32;
            match pool.enumeration(id).and_then(|e| e.value_by_number(number)) {
                Some(value) => value.name.clone(),
                None => number.to_string(),
            }
        }
        (
            FieldType::Scalar(s),
            UnknownValue::Varint(_) | UnknownValue::I32(_) | UnknownValue::I64(_),
        ) => match scalar_text(s, value) {
            Some(text) => text,
            None => return print_raw(pad, name, value, indent, depth, out),
        },
        // encoding.md "Packed Repeated Fields": one record holding the values.
        (FieldType::Scalar(s), UnknownValue::Len(body)) if s.is_packable() => {
            match packed_values(s, body) {
                Some(values) => format!("[{}]", values.join(", ")),
                None => return print_raw(pad, name, value, indent, depth, out),
            }
        }
        (FieldType::Enum(id), UnknownValue::Len(body)) => match packed_values(S::Int32, body) {
            Some(values) => format!(
                "[{}]",
                values
                    .iter()
                    .map(|v| v
                        .parse::<i32>()
                        .ok()
                        .and_then(|n| pool.enumeration(id)?.value_by_number(n))
                        .map_or_else(|| v.clone(), |e| e.name.clone()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => return print_raw(pad, name, value, indent, depth, out),
        },
        (FieldType::Scalar(S::String), UnknownValue::Len(body)) => {
            match std::str::from_utf8(body) {
                Ok(_) => escape(body),
                Err(_) => format!("{} (not UTF-8)", escape(body)),
            }
        }
        (FieldType::Scalar(S::Bytes), UnknownValue::Len(body)) => escape(body),
        _ => return print_raw(pad, name, value, indent, depth, out),
    };
    out.push(format!("{pad}{name}: {text}"));
}

/// The values of a packed field of scalar type `ty`, or `None` when `body`
/// is not a whole number of them.
fn packed_values(ty: ScalarType, body: &[u8]) -> Option<Vec<String>> {
    use ScalarType as S;
    let width = match ty {
        S::Fixed32 | S::Sfixed32 | S::Float => 4,
        S::Fixed64 | S::Sfixed64 | S::Double => 8,
        _ => 0,
    };
    let mut values = Vec::new();
    if width > 0 {
        if body.len() % width != 0 {
            return None;
        }
        for chunk in body.chunks_exact(width) {
            let value = match chunk.len() {
                4 => UnknownValue::I32(u32::from_le_bytes(chunk.try_into().ok()?)),
                _ => UnknownValue::I64(u64::from_le_bytes(chunk.try_into().ok()?)),
            };
            values.push(scalar_text(ty, value)?);
        }
        return Some(values);
    }
    let mut rest = body;
    while !rest.is_empty() {
        let (v, tail) = read_varint(rest)?;
        values.push(scalar_text(ty, UnknownValue::Varint(v))?);
        rest = tail;
    }
    Some(values)
}

/// Reads one varint (encoding.md "Base 128 Varints"): at most 10 octets.
fn read_varint(input: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &b) in input.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, input.get(i + 1..)?));
        }
    }
    None
}

/// A scalar value as text, by its declared type; `None` when the wire type
/// does not fit the type.
fn scalar_text(ty: ScalarType, value: UnknownValue<'_>) -> Option<String> {
    use ScalarType as S;
    Some(match (ty, value) {
        (S::Int32, UnknownValue::Varint(v)) => (v as i32).to_string(),
        (S::Int64, UnknownValue::Varint(v)) => (v as i64).to_string(),
        (S::Uint32, UnknownValue::Varint(v)) => (v as u32).to_string(),
        (S::Uint64, UnknownValue::Varint(v)) => v.to_string(),
        // encoding.md "Signed Integers": ZigZag.
        (S::Sint32 | S::Sint64, UnknownValue::Varint(v)) => {
            ((v >> 1) as i64 ^ -((v & 1) as i64)).to_string()
        }
        (S::Bool, UnknownValue::Varint(v)) => (v != 0).to_string(),
        (S::Fixed32, UnknownValue::I32(v)) => v.to_string(),
        (S::Sfixed32, UnknownValue::I32(v)) => (v as i32).to_string(),
        (S::Float, UnknownValue::I32(v)) => f32::from_bits(v).to_string(),
        (S::Fixed64, UnknownValue::I64(v)) => v.to_string(),
        (S::Sfixed64, UnknownValue::I64(v)) => (v as i64).to_string(),
        (S::Double, UnknownValue::I64(v)) => f64::from_bits(v).to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h2::frame::{flags, FrameHeader, FrameType};
    use crate::h2::settings::Setting;
    use crate::h2::ErrorCode;
    use crate::hpack::{Encoder, EncoderConfig};
    use crate::schema::MemorySourceTree;
    use quickcheck::{quickcheck, TestResult};

    fn encode_headers(encoder: &mut Encoder, fields: &[(&str, &str)]) -> Bytes {
        let list: Vec<Header> = fields
            .iter()
            .map(|(n, v)| Header::new(n.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect();
        let mut block = Vec::new();
        encoder.encode(&list, &mut block);
        Bytes::from(block)
    }

    /// A gRPC unary exchange: preface, SETTINGS, request, response, trailers.
    fn unary_exchange() -> (Vec<u8>, Vec<u8>) {
        let mut c2s = CONNECTION_PREFACE.to_vec();
        Frame::Settings(SettingsFrame::new(vec![Setting::new(
            SettingId::EnablePush,
            0,
        )]))
        .encode(&mut c2s);
        let mut client = Encoder::new(EncoderConfig::default());
        let block = encode_headers(
            &mut client,
            &[
                (":method", "POST"),
                (":scheme", "http"),
                (":path", "/echo.Echo/Say"),
                (":authority", "localhost"),
                ("content-type", "application/grpc"),
                ("grpc-timeout", "250m"),
            ],
        );
        Frame::Headers(Headers::new(StreamId::new(1), block, false, true)).encode(&mut c2s);
        // message: field 1 = "hi", field 2 = 150
        let msg = [0u8, 0, 0, 0, 7, 0x0a, 2, b'h', b'i', 0x10, 0x96, 0x01];
        Frame::Data(Data::new(
            StreamId::new(1),
            Bytes::copy_from_slice(&msg),
            true,
        ))
        .encode(&mut c2s);

        let mut s2c = Vec::new();
        Frame::Settings(SettingsFrame::new(vec![])).encode(&mut s2c);
        Frame::Settings(SettingsFrame::ack()).encode(&mut s2c);
        let mut server = Encoder::new(EncoderConfig::default());
        let block = encode_headers(
            &mut server,
            &[(":status", "200"), ("content-type", "application/grpc")],
        );
        Frame::Headers(Headers::new(StreamId::new(1), block, false, true)).encode(&mut s2c);
        Frame::Data(Data::new(
            StreamId::new(1),
            Bytes::copy_from_slice(&msg),
            false,
        ))
        .encode(&mut s2c);
        let block = encode_headers(
            &mut server,
            &[("grpc-status", "3"), ("grpc-message", "bad 100%25")],
        );
        Frame::Headers(Headers::new(StreamId::new(1), block, true, true)).encode(&mut s2c);
        (c2s, s2c)
    }

    fn trace_whole(pool: Option<&Pool>, c2s: &[u8], s2c: &[u8]) -> Vec<String> {
        let mut tracer = match pool {
            Some(p) => Tracer::with_pool(TraceConfig::default(), p),
            None => Tracer::new(TraceConfig::default()),
        };
        let mut lines = tracer.feed(Direction::ClientToServer, c2s);
        lines.extend(tracer.feed(Direction::ServerToClient, s2c));
        lines.extend(tracer.finish());
        lines
    }

    #[test]
    fn unary_exchange_is_traced_line_by_line() {
        let (c2s, s2c) = unary_exchange();
        let lines = trace_whole(None, &c2s, &s2c);
        let text = lines.join("\n");
        let expected_start = [
            "C->S PREFACE",
            "C->S SETTINGS len=6",
            "  SETTINGS_ENABLE_PUSH = 0",
            "C->S HEADERS stream=1 len=",
        ];
        for (line, want) in lines.iter().zip(expected_start) {
            assert!(
                line.starts_with(want),
                "{line:?} does not start with {want:?}"
            );
        }
        assert!(text.contains("  :path: /echo.Echo/Say"), "{text}");
        assert!(text.contains("  grpc-timeout: 250m  (250ms)"), "{text}");
        assert!(text.contains("C->S DATA stream=1 len=12 END_STREAM\n  message 1: 7 octets\n    1: \"hi\"\n    2: 150"), "{text}");
        assert!(text.contains("S->C SETTINGS ACK"), "{text}");
        assert_eq!(
            text.matches("  (gRPC Response-Headers)").count(),
            1,
            "{text}"
        );
        assert_eq!(text.matches("  (gRPC Trailers)").count(), 1, "{text}");
        assert!(
            text.contains("  grpc-status: 3  (INVALID_ARGUMENT)"),
            "{text}"
        );
        assert!(
            text.contains("  grpc-message: bad 100%25  (decoded: \"bad 100%\")"),
            "{text}"
        );
        assert!(text.contains("S->C HEADERS stream=1 len="), "{text}");
        assert!(!text.contains("ERROR"), "{text}");
    }

    #[test]
    fn messages_are_printed_by_field_names_with_a_pool() {
        let mut tree = MemorySourceTree::new();
        tree.add(
            "echo.proto",
            r#"syntax = "proto3"; package echo;
               message Req { string text = 1; sint32 n = 2; }
               message Rep { string text = 1; int32 n = 2; }
               service Echo { rpc Say(Req) returns (Rep); }"#,
        );
        let mut pool = Pool::new();
        pool.load(&tree, "echo.proto").unwrap();
        let (c2s, s2c) = unary_exchange();
        let text = trace_whole(Some(&pool), &c2s, &s2c).join("\n");
        // The request's field 2 is sint32 (ZigZag 150 -> 75), the reply's int32.
        assert!(text.contains("C->S DATA stream=1 len=12 END_STREAM\n  message 1: 7 octets\n    text: \"hi\"\n    n: 75"), "{text}");
        assert!(
            text.contains(
                "S->C DATA stream=1 len=12\n  message 1: 7 octets\n    text: \"hi\"\n    n: 150"
            ),
            "{text}"
        );
    }

    #[test]
    fn packed_and_typed_scalars_are_shown_by_type() {
        assert_eq!(
            packed_values(
                ScalarType::Int32,
                &[0x01, 0x96, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f]
            ),
            Some(vec!["1".to_string(), "150".to_string(), "-1".to_string()])
        );
        assert_eq!(
            packed_values(ScalarType::Sint64, &[0x03, 0x04]),
            Some(vec!["-2".to_string(), "2".to_string()])
        );
        assert_eq!(
            packed_values(ScalarType::Fixed32, &[1, 0, 0, 0, 2, 0, 0, 0]),
            Some(vec!["1".to_string(), "2".to_string()])
        );
        assert_eq!(packed_values(ScalarType::Fixed32, &[1, 0, 0]), None);
        assert_eq!(packed_values(ScalarType::Uint64, &[0x80]), None);
        assert_eq!(
            scalar_text(ScalarType::Double, UnknownValue::I64(0.5f64.to_bits())),
            Some("0.5".into())
        );
        assert_eq!(scalar_text(ScalarType::Bool, UnknownValue::I32(1)), None);

        let mut tree = MemorySourceTree::new();
        tree.add(
            "e.proto",
            r#"syntax = "proto3"; package e;
               enum Color { RED = 0; BLUE = 2; }
               message M { repeated Color colors = 1; Color one = 2; repeated int32 n = 3; string s = 4; }"#,
        );
        let mut pool = Pool::new();
        pool.load(&tree, "e.proto").unwrap();
        let id = pool.message_by_name("e.M").unwrap();
        // colors packed [2, 0, 7], one = 2, n unpacked 5, s = "x", field 9 unknown.
        let body = [0x0a, 3, 2, 0, 7, 0x10, 2, 0x18, 5, 0x22, 1, b'x', 0x48, 1];
        let mut out = Vec::new();
        print_message(&body, Some((&pool, id)), 0, 0, &mut out);
        assert_eq!(
            out,
            [
                "colors: [BLUE, RED, 7]",
                "one: BLUE",
                "n: 5",
                "s: \"x\"",
                "9: 1"
            ]
        );
    }

    #[test]
    fn control_frames_have_their_fields_named() {
        let mut c2s = CONNECTION_PREFACE.to_vec();
        Frame::WindowUpdate(WindowUpdate {
            stream_id: StreamId::new(0),
            increment: 983_041,
        })
        .encode(&mut c2s);
        Frame::RstStream(RstStream {
            stream_id: StreamId::new(3),
            error_code: ErrorCode::Cancel,
        })
        .encode(&mut c2s);
        Frame::Ping(Ping {
            ack: true,
            payload: [1, 2, 3, 4, 5, 6, 7, 8],
        })
        .encode(&mut c2s);
        Frame::GoAway(GoAway {
            last_stream_id: StreamId::new(5),
            error_code: ErrorCode::EnhanceYourCalm,
            debug_data: Bytes::from_static(b"too_many_pings"),
        })
        .encode(&mut c2s);
        let lines = trace_whole(None, &c2s, &[]);
        assert_eq!(
            lines,
            [
                "C->S PREFACE",
                "C->S VIOLATION the first frame is not SETTINGS (RFC 9113 §3.4: the preface ends with, or is, a SETTINGS frame)",
                "C->S WINDOW_UPDATE stream=0 increment=983041",
                "C->S RST_STREAM stream=3 code=CANCEL (0x8)",
                "C->S PING ACK opaque=0102030405060708",
                "C->S GOAWAY last_stream=5 code=ENHANCE_YOUR_CALM (0xb) debug=\"too_many_pings\"",
            ]
        );
    }

    #[test]
    fn a_wrong_preface_stops_the_direction() {
        let lines = trace_whole(None, b"GET / HTTP/1.1\r\n", &[]);
        assert_eq!(
            lines,
            ["C->S ERROR not the HTTP/2 client preface (RFC 9113 §3.4): \"GET / HTTP/1.1\\r\\n\""]
        );
    }

    #[test]
    fn a_malformed_frame_is_reported_and_stops_the_direction() {
        let mut s2c = Vec::new();
        // SETTINGS with a length that is not a multiple of 6 (§6.5).
        FrameHeader {
            length: 5,
            kind: FrameType::Settings,
            flags: 0,
            stream_id: StreamId::new(0),
        }
        .encode(&mut s2c);
        s2c.extend_from_slice(&[0; 5]);
        Frame::Ping(Ping {
            ack: false,
            payload: [0; 8],
        })
        .encode(&mut s2c);
        let lines = trace_whole(None, &[], &s2c);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("S->C ERROR malformed frame: connection error FRAME_SIZE_ERROR"),
            "{lines:?}"
        );
    }

    #[test]
    fn continuation_joins_the_header_block() {
        let mut client = Encoder::new(EncoderConfig::default());
        let block = encode_headers(&mut client, &[(":method", "GET"), (":path", "/index.html")]);
        let (a, b) = block.split_at(1);
        let mut c2s = CONNECTION_PREFACE.to_vec();
        Frame::Settings(SettingsFrame::new(vec![])).encode(&mut c2s);
        Frame::Headers(Headers::new(
            StreamId::new(1),
            Bytes::copy_from_slice(a),
            true,
            false,
        ))
        .encode(&mut c2s);
        Frame::Continuation(Continuation {
            stream_id: StreamId::new(1),
            fragment: Bytes::copy_from_slice(b),
            end_headers: true,
        })
        .encode(&mut c2s);
        let lines = trace_whole(None, &c2s, &[]);
        assert_eq!(lines[1], "C->S SETTINGS len=0");
        assert_eq!(lines[2], "C->S HEADERS stream=1 len=1 END_STREAM");
        assert!(
            lines[3].starts_with("C->S CONTINUATION stream=1 len="),
            "{lines:?}"
        );
        assert_eq!(lines[5..], ["  :method: GET", "  :path: /index.html"]);
    }

    #[test]
    fn a_lowered_table_size_applies_after_the_ack() {
        // The server lowers SETTINGS_HEADER_TABLE_SIZE to 0; after its ACK the
        // client's next block must start with a size update (RFC 7541 §4.2).
        let mut s2c = Vec::new();
        Frame::Settings(SettingsFrame::new(vec![Setting::new(
            SettingId::HeaderTableSize,
            0,
        )]))
        .encode(&mut s2c);
        let mut c2s = CONNECTION_PREFACE.to_vec();
        Frame::Settings(SettingsFrame::ack()).encode(&mut c2s);
        // A block without the update: the decoder must reject it.
        let mut client = Encoder::new(EncoderConfig::default());
        let block = encode_headers(&mut client, &[(":method", "GET")]);
        Frame::Headers(Headers::new(StreamId::new(1), block, true, true)).encode(&mut c2s);
        let mut tracer = Tracer::new(TraceConfig::default());
        tracer.feed(Direction::ServerToClient, &s2c);
        let lines = tracer.feed(Direction::ClientToServer, &c2s);
        assert!(
            lines.last().unwrap().starts_with("C->S ERROR HPACK"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_larger_table_is_followed_up_to_the_configured_limit() {
        let mut s2c = Vec::new();
        Frame::Settings(SettingsFrame::new(vec![Setting::new(
            SettingId::HeaderTableSize,
            1 << 20,
        )]))
        .encode(&mut s2c);
        let mut c2s = CONNECTION_PREFACE.to_vec();
        Frame::Settings(SettingsFrame::new(vec![])).encode(&mut c2s);
        Frame::Settings(SettingsFrame::ack()).encode(&mut c2s);
        // The client's encoder may now announce a table of up to 1 MiB; the
        // tracer follows 64 KiB and says so, and blocks still decode.
        let mut client = Encoder::new(EncoderConfig::default());
        client.set_max_table_size(8192);
        let block = encode_headers(&mut client, &[(":method", "GET")]);
        Frame::Headers(Headers::new(StreamId::new(1), block, true, true)).encode(&mut c2s);
        let mut tracer = Tracer::new(TraceConfig::default());
        tracer.feed(Direction::ServerToClient, &s2c);
        let lines = tracer.feed(Direction::ClientToServer, &c2s);
        assert_eq!(lines[2], "C->S SETTINGS ACK");
        assert_eq!(
            lines[3],
            "  (the tracer follows at most 65536 octets of HPACK table)"
        );
        assert_eq!(lines.last().unwrap(), "  :method: GET");
    }

    #[test]
    fn unknown_frames_are_shown_and_skipped() {
        let mut c2s = CONNECTION_PREFACE.to_vec();
        Frame::Settings(SettingsFrame::new(vec![])).encode(&mut c2s);
        FrameHeader {
            length: 2,
            kind: FrameType::from_u8(0xfa),
            flags: flags::ACK,
            stream_id: StreamId::new(0),
        }
        .encode(&mut c2s);
        c2s.extend_from_slice(&[9, 9]);
        let lines = trace_whole(None, &c2s, &[]);
        assert_eq!(
            lines[2],
            "C->S UNKNOWN type=0xfa stream=0 flags=0x01 len=2 (ignored, RFC 9113 §5.5)"
        );
    }

    #[test]
    fn a_cut_connection_is_reported_by_finish() {
        let (c2s, _) = unary_exchange();
        let cut = &c2s[..c2s.len() - 4];
        let lines = trace_whole(None, cut, &[]);
        assert_eq!(
            lines.last().unwrap(),
            "C->S ERROR connection ended inside a frame"
        );
    }

    #[test]
    fn a_recording_round_trips_and_rejects_damage() {
        let mut log = Vec::new();
        recording::encode(Direction::ClientToServer, b"abc", &mut log);
        recording::encode(Direction::ServerToClient, b"", &mut log);
        assert_eq!(log, b">\0\0\0\x03abc<\0\0\0\0");
        assert_eq!(
            recording::decode(&log).unwrap(),
            [
                (Direction::ClientToServer, &b"abc"[..]),
                (Direction::ServerToClient, &b""[..])
            ]
        );
        assert_eq!(
            recording::decode(&log[..7]),
            Err(recording::RecordingError::Truncated { offset: 0 })
        );
        assert_eq!(
            recording::decode(b">\0\0\0\0x"),
            Err(recording::RecordingError::BadDirection {
                offset: 5,
                octet: b'x'
            })
        );
    }

    #[test]
    fn a_message_cut_by_the_connection_end_is_reported() {
        let (c2s, _) = unary_exchange();
        // Without the request's DATA frame (9 + 12 octets) ...
        let mut cut = c2s[..c2s.len() - 21].to_vec();
        // ... and with its message missing the last 3 octets instead.
        let partial = [0u8, 0, 0, 0, 7, 0x0a, 2, b'h', b'i'];
        Frame::Data(Data::new(
            StreamId::new(1),
            Bytes::copy_from_slice(&partial),
            false,
        ))
        .encode(&mut cut);
        let lines = trace_whole(None, &cut, &[]);
        assert_eq!(
            lines.last().unwrap(),
            "C->S ERROR connection ended on stream 1: stream ended inside a message (9 of 12 bytes received)"
        );
    }

    fn chunked(input: &[u8], cuts: &[u8]) -> Vec<Vec<u8>> {
        let mut chunks = Vec::new();
        let mut rest = input;
        for &c in cuts {
            let n = usize::from(c).min(rest.len());
            let (a, b) = rest.split_at(n);
            chunks.push(a.to_vec());
            rest = b;
        }
        chunks.push(rest.to_vec());
        chunks
    }

    quickcheck! {
        fn any_chunking_gives_the_same_lines(cuts: Vec<u8>) -> bool {
            let (c2s, s2c) = unary_exchange();
            let whole = trace_whole(None, &c2s, &s2c);
            let mut tracer = Tracer::new(TraceConfig::default());
            let mut lines = Vec::new();
            for chunk in chunked(&c2s, &cuts) {
                lines.extend(tracer.feed(Direction::ClientToServer, &chunk));
            }
            for chunk in chunked(&s2c, &cuts) {
                lines.extend(tracer.feed(Direction::ServerToClient, &chunk));
            }
            lines.extend(tracer.finish());
            lines == whole
        }

        fn recordings_round_trip(records: Vec<(bool, Vec<u8>)>) -> bool {
            let mut log = Vec::new();
            for (to_server, data) in &records {
                let d = if *to_server { Direction::ClientToServer } else { Direction::ServerToClient };
                recording::encode(d, data, &mut log);
            }
            let back = recording::decode(&log).unwrap();
            back.len() == records.len()
                && back.iter().zip(&records).all(|((d, data), (c, want))| {
                    (*d == Direction::ClientToServer) == *c && data == want
                })
        }

        fn arbitrary_logs_never_panic(log: Vec<u8>) -> bool {
            let mut tracer = Tracer::new(TraceConfig::default());
            let _ = trace_recording(&mut tracer, &log);
            true
        }

        fn arbitrary_bytes_never_panic(c2s: Vec<u8>, s2c: Vec<u8>, with_preface: bool) -> TestResult {
            let mut tracer = Tracer::new(TraceConfig::default());
            if with_preface {
                tracer.feed(Direction::ClientToServer, CONNECTION_PREFACE);
            }
            tracer.feed(Direction::ClientToServer, &c2s);
            tracer.feed(Direction::ServerToClient, &s2c);
            tracer.finish();
            TestResult::passed()
        }
    }
}
