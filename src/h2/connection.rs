//! The sans-IO HTTP/2 connection (RFC 9113 §3.4, §5, §6, §8.1): bytes and
//! `now` in, events and bytes out.
//!
//! # Driving a [`Connection`]
//!
//! A `Connection` never touches a socket, a thread or the clock. The driver
//! (the `net` event loop, a test, a fuzzer) owns those and calls, for each
//! connection, in this order whenever something happened:
//!
//! 1. [`Connection::handle_input`]`(bytes, now)` with bytes read from the
//!    peer, while [`Connection::wants_read`] is true. It returns how many it
//!    consumed; the rest must be offered again later (back-pressure: it stops
//!    consuming while too many control frames wait to be written).
//! 2. [`Connection::handle_timeout`]`(now)` once `now` reached
//!    [`Connection::poll_timeout`].
//! 3. [`Connection::poll_event`] until it returns `None`: request or response
//!    headers, data, trailers, resets, GOAWAY, PING round trips.
//!    After consuming DATA, the application calls
//!    [`Connection::release_capacity`] so the peer may send more (§5.2).
//! 4. Application commands, any time: [`Connection::open_stream`] (client),
//!    [`Connection::send_headers`], [`Connection::send_data`],
//!    [`Connection::send_trailers`], [`Connection::reset_stream`],
//!    [`Connection::reset_stream_after_queued`], [`Connection::ping`],
//!    [`Connection::shutdown`] (graceful GOAWAY).
//! 5. [`Connection::poll_transmit`]`(&mut out, now)` until it appends nothing,
//!    and write `out` to the socket.
//! 6. [`Connection::is_closed`]: once true, flush and close the socket.
//! 7. [`Connection::poll_timeout`] last, to arm the driver's timer.
//!
//! [`Connection::handle_peer_closed`] tells the connection the socket reached
//! end of stream. Errors are sticky: after a connection error the connection
//! queues GOAWAY (§5.4.1), reads nothing more and reports
//! [`Event::ConnectionError`] once.
//!
//! These methods have the shapes of the driver's `net::Session` trait
//! (`handle_input`, `poll_transmit`, `poll_timeout`, `handle_timeout`,
//! `wants_read`, `is_closed`, `handle_peer_closed`; its `handle_shutdown` is
//! [`Connection::shutdown`]). The trait lives in `net`, the layer above, so
//! its implementation for `Connection` belongs there, not here.
//!
//! The [`Config`] is taken as given: check it with [`Config::validate`].
//!
//! # Errors and their scope
//!
//! Every rule the peer breaks maps to one [`H2Error`]: a connection error
//! sends GOAWAY with the last peer stream we may have processed, a stream
//! error sends RST_STREAM and closes only that stream (§5.4). Flood limits
//! (§10.5, LIMITS.md) end the connection with ENHANCE_YOUR_CALM.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::h2::config::Config;
use crate::h2::flow_control::{BdpEstimator, ReceiveWindow, Window};
use crate::h2::frame::{
    Continuation, Data, Frame, FrameHeader, FrameReader, FrameType, GoAway, Headers, Ping,
    RstStream, SettingsFrame, WindowUpdate, CONNECTION_PREFACE,
};
use crate::h2::header_validation::{
    validate_request, validate_response, validate_trailers, ContentLengthTracker,
};
use crate::h2::rate_limit::{CappedCounter, TokenBucket};
use crate::h2::settings::{Setting, SettingId, Settings};
use crate::h2::stream_state::{self, transition, CloseReason, StreamInput, StreamState};
use crate::h2::{ConnectionError, ErrorCode, H2Error, StreamError, StreamId};
use crate::hpack::{DecodeError, Decoder, DecoderConfig, Encoder, EncoderConfig, Header};

/// Which end of the connection this endpoint is (§3.4, §5.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends the connection preface and opens odd-numbered streams.
    Client,
    /// Expects the connection preface and answers on client streams.
    Server,
}

/// Who started something: us or the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator {
    /// This endpoint.
    Local,
    /// The other endpoint.
    Remote,
}

/// Something that happened on the connection, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The peer's SETTINGS were applied (and acknowledged).
    SettingsReceived(Settings),
    /// The peer acknowledged our SETTINGS.
    SettingsAcknowledged,
    /// A decoded field section: request or response headers, or trailers.
    Headers {
        /// The stream.
        stream: StreamId,
        /// The fields in order, pseudo-header fields first.
        fields: Vec<Header>,
        /// Whether the peer ended its side of the stream.
        end_stream: bool,
        /// Whether this is a trailer section (after the header section).
        trailers: bool,
    },
    /// Stream content. Release it with [`Connection::release_capacity`].
    Data {
        /// The stream.
        stream: StreamId,
        /// The octets, padding removed.
        data: Bytes,
        /// Whether the peer ended its side of the stream.
        end_stream: bool,
    },
    /// A stream ended abnormally, by our RST_STREAM or the peer's.
    StreamReset {
        /// The stream.
        stream: StreamId,
        /// The RST_STREAM code.
        code: ErrorCode,
        /// Who sent the RST_STREAM.
        initiator: Initiator,
    },
    /// The peer sent GOAWAY: streams above `last_stream_id` that we opened
    /// were not processed (and were reported reset with REFUSED_STREAM).
    GoAway {
        /// The last of our streams the peer may have processed.
        last_stream_id: StreamId,
        /// Why.
        code: ErrorCode,
        /// Opaque diagnostics.
        debug_data: Bytes,
    },
    /// A PING we sent came back.
    PingAcknowledged {
        /// The measured round-trip time.
        rtt: Duration,
    },
    /// We detected a connection error and sent GOAWAY; the connection closes.
    ConnectionError(ConnectionError),
}

/// A command the connection cannot carry out; never the peer's doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// No such open stream.
    #[error("stream {0} is not open for sending")]
    StreamNotOpen(StreamId),
    /// Only a client opens streams here (push is not supported).
    #[error("only a client opens streams")]
    NotClient,
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached (§5.1.2); retry
    /// once a stream closes.
    #[error("the peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached")]
    ConcurrencyLimit,
    /// Stream identifiers are used up (§5.1.1); open a new connection.
    #[error("stream identifiers are exhausted")]
    StreamIdsExhausted,
    /// GOAWAY was sent or received: no new streams (§6.8).
    #[error("the connection is going away")]
    GoingAway,
    /// The connection is closed.
    #[error("the connection is closed")]
    Closed,
    /// The stream's send buffer is full; wait for it to drain.
    #[error("the stream's send buffer is full")]
    BufferFull,
    /// The field section is larger than the peer's
    /// SETTINGS_MAX_HEADER_LIST_SIZE (§6.5.2): it would be refused.
    #[error("the field section is larger than the peer's SETTINGS_MAX_HEADER_LIST_SIZE")]
    HeaderListTooLarge,
}

/// What a stream still has to send, in order.
#[derive(Debug)]
enum Outbound {
    Data { data: Bytes, end_stream: bool },
    Trailers(Vec<Header>),
}

#[derive(Debug)]
struct Stream {
    state: StreamState,
    send: Window,
    recv: ReceiveWindow,
    queue: VecDeque<Outbound>,
    queued_bytes: usize,
    /// The (final) header section arrived; a later HEADERS is a trailer section.
    received_headers: bool,
    /// DATA against the message's content-length (§8.1.1).
    content: ContentLengthTracker,
    /// Client: the request method, which decides what a response may carry.
    request_method: Bytes,
    /// The application knows the stream: it opened it, or its opening
    /// header section was queued as an event. Only then is its reset news.
    announced: bool,
    /// RST_STREAM to send once `queue` is written, instead of the automatic
    /// NO_ERROR one (see [`Connection::reset_stream_after_queued`]).
    reset_after_queued: Option<ErrorCode>,
}

/// A field block being collected from HEADERS and CONTINUATION (§4.3).
#[derive(Debug)]
struct FieldBlock {
    stream: StreamId,
    end_stream: bool,
    self_dependent: bool,
    fragments: Vec<u8>,
    continuations: usize,
}

/// Phases of a graceful shutdown (§6.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shutdown {
    /// GOAWAY(2^31-1) and a PING are out; the real GOAWAY follows the ACK.
    AwaitingPing {
        payload: [u8; 8],
        deadline: Option<Instant>,
    },
    /// The final GOAWAY is out.
    Done,
}

/// The PING payload a graceful shutdown uses, told apart from RTT pings.
const SHUTDOWN_PING: [u8; 8] = *b"shutdown";
/// The PING payload of keepalive probes.
const KEEPALIVE_PING: [u8; 8] = *b"keepaliv";
/// The PING payload of bandwidth-delay probes.
const BDP_PING: [u8; 8] = *b"bdpprobe";

/// One HTTP/2 connection, client or server, without I/O.
/// See the module documentation for the order a driver calls it in.
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    /// The SETTINGS we advertise.
    local: Settings,
    /// The latest `now` the driver gave us.
    now: Instant,
    /// Server: octets of the client preface (§3.4) still expected.
    preface_left: usize,
    reader: FrameReader,
    peer_settings_seen: bool,
    peer_preface_deadline: Option<Instant>,
    decoder: Decoder,
    encoder: Encoder,
    block: Option<FieldBlock>,
    /// Frames ready to write, in wire order (HPACK order depends on it).
    out: Vec<u8>,
    queued_control_frames: usize,
    remote: Settings,
    /// Our SETTINGS frame awaits its ACK (§6.5.3). Kept apart from the
    /// deadline, which is absent when the timeout is too long to represent.
    settings_unacked: bool,
    settings_ack_deadline: Option<Instant>,
    streams: BTreeMap<StreamId, Stream>,
    /// Closed streams kept to answer late frames per §5.1, oldest first.
    closed: VecDeque<(StreamId, CloseReason)>,
    next_local_id: u32,
    last_peer_id: StreamId,
    send_window: Window,
    recv_window: ReceiveWindow,
    goaway_sent: Option<StreamId>,
    goaway_received: Option<StreamId>,
    shutdown: Option<Shutdown>,
    error: Option<ConnectionError>,
    peer_closed: bool,
    events: VecDeque<Event>,
    ping_sent: Option<([u8; 8], Instant)>,
    ping_count: u64,
    rtt: Option<Duration>,
    /// Inbound RST_STREAM rate (CVE-2023-44487).
    rst_stream_bucket: TokenBucket,
    /// Frames that do no useful work: PRIORITY, unknown types, frames on
    /// closed streams, empty DATA.
    glitch_bucket: TokenBucket,
    /// RST_STREAM we had to send because of the peer (CVE-2025-8671).
    local_resets: CappedCounter,
    /// Empty DATA frames without END_STREAM.
    empty_data_frames: CappedCounter,
    /// When the peer last sent us anything, for keepalive.
    last_received: Instant,
    /// When our keepalive PING went out, while unanswered.
    keepalive_sent: Option<Instant>,
    /// Since when no stream is open, for the idle timeout.
    idle_since: Option<Instant>,
    /// Server: when the peer last pinged us, and how often too soon.
    last_peer_ping: Option<Instant>,
    ping_strikes: u32,
    /// Measures bandwidth x delay to grow the receive windows.
    bdp: BdpEstimator,
    /// The stream receive window target, grown by BDP, for new streams too.
    stream_window_target: u32,
    /// Header sections that open a stream, queued but not yet polled.
    undelivered_opens: u32,
    /// WINDOW_UPDATE frames received, against DATA frames and streams
    /// that could justify them (a WINDOW_UPDATE flood costs us work).
    window_updates_received: u64,
    data_frames_sent: u64,
    streams_opened: u64,
    /// Streams the peer reset before the application saw them (rapid
    /// reset, CVE-2023-44487); cleared whenever the application polls one.
    pending_resets: CappedCounter,
}

impl Connection {
    /// A connection in `role`. Our preface (the client's magic octets, then
    /// SETTINGS and a connection WINDOW_UPDATE) is queued at once (§3.4).
    pub fn new(role: Role, config: Config, now: Instant) -> Connection {
        let mut settings = config.local_settings();
        // We never accept push; a server MUST NOT send ENABLE_PUSH=1 (§6.5.2).
        settings.enable_push = false;
        let decoder = Decoder::new(DecoderConfig {
            // Until our SETTINGS is acknowledged the peer may use the RFC's
            // 4096 octets (§6.5.2); a smaller value applies on the ACK.
            max_table_size: usize::try_from(settings.header_table_size.max(4096)).unwrap_or(4096),
            max_header_list_size: usize::try_from(config.max_header_list_size)
                .unwrap_or(usize::MAX),
        });
        let encoder = Encoder::new(EncoderConfig {
            max_table_size: usize::try_from(config.max_encoder_table_size).unwrap_or(4096),
            ..EncoderConfig::default()
        });
        // The client's preface and SETTINGS, or the server's SETTINGS after it.
        let preface_timeout = match role {
            Role::Server => config.preface_timeout,
            Role::Client => config.first_settings_timeout,
        };
        let mut conn = Connection {
            role,
            local: settings,
            now,
            preface_left: match role {
                Role::Server => CONNECTION_PREFACE.len(),
                Role::Client => 0,
            },
            reader: FrameReader::new(settings.max_frame_size),
            peer_settings_seen: false,
            peer_preface_deadline: now.checked_add(preface_timeout),
            decoder,
            encoder,
            block: None,
            out: Vec::new(),
            queued_control_frames: 0,
            remote: Settings::default(),
            // Config has no separate ACK timeout: the peer gets as long to
            // acknowledge our SETTINGS as to send its preface.
            settings_unacked: true,
            settings_ack_deadline: now.checked_add(config.preface_timeout),
            streams: BTreeMap::new(),
            closed: VecDeque::new(),
            next_local_id: match role {
                Role::Client => 1,
                Role::Server => 2,
            },
            last_peer_id: StreamId::CONNECTION,
            send_window: Window::connection(),
            recv_window: ReceiveWindow::connection(config.connection_window),
            goaway_sent: None,
            goaway_received: None,
            shutdown: None,
            error: None,
            peer_closed: false,
            events: VecDeque::new(),
            ping_sent: None,
            ping_count: 0,
            rtt: None,
            rst_stream_bucket: TokenBucket::new(
                config.rst_stream_burst,
                config.rst_stream_refill_per_second,
            ),
            glitch_bucket: TokenBucket::new(config.glitch_burst, config.glitch_refill_per_second),
            local_resets: CappedCounter::new(config.max_local_resets),
            empty_data_frames: CappedCounter::new(config.max_empty_data_frames),
            last_received: now,
            keepalive_sent: None,
            idle_since: Some(now),
            last_peer_ping: None,
            ping_strikes: 0,
            bdp: BdpEstimator::new(),
            stream_window_target: config.stream_window.initial_window_size,
            undelivered_opens: 0,
            window_updates_received: 0,
            data_frames_sent: 0,
            streams_opened: 0,
            pending_resets: CappedCounter::new(config.max_pending_reset_streams),
            config,
        };
        if role == Role::Client {
            conn.out.extend_from_slice(CONNECTION_PREFACE);
        }
        let mut list = settings.diff_from_default();
        // Always say ENABLE_PUSH=0 explicitly (a client's default is 1).
        if !list.iter().any(|s| s.id == SettingId::EnablePush) {
            list.insert(0, Setting::new(SettingId::EnablePush, 0));
        }
        SettingsFrame::new(list).encode(&mut conn.out);
        conn.send_connection_window_update();
        conn
    }

    /// A server connection for a client that upgraded from HTTP/1.1 with
    /// `Upgrade: h2c` (RFC 7540 §3.2; RFC 9113 §3.1 deprecates it, but some
    /// clients still use it). `settings_payload` is the decoded
    /// `HTTP2-Settings` value, applied as if received in SETTINGS with no ACK
    /// needed (RFC 7540 §3.2.1); `request` becomes stream 1, half-closed
    /// (remote), reported as its [`Event::Headers`]. The client preface is
    /// still expected first.
    pub fn new_upgraded(
        config: Config,
        now: Instant,
        settings_payload: &[u8],
        request: Vec<Header>,
    ) -> Result<Connection, ConnectionError> {
        let mut conn = Connection::new(Role::Server, config, now);
        let header = FrameHeader {
            length: u32::try_from(settings_payload.len()).unwrap_or(u32::MAX),
            kind: FrameType::Settings,
            flags: 0,
            stream_id: StreamId::CONNECTION,
        };
        let frame = SettingsFrame::parse(&header, settings_payload).map_err(|e| {
            ConnectionError::new(e.code(), "invalid HTTP2-Settings in the h2c upgrade")
        })?;
        if u32::try_from(frame.settings.len()).unwrap_or(u32::MAX)
            > conn.config.max_settings_entries
        {
            return Err(ConnectionError::new(
                ErrorCode::EnhanceYourCalm,
                "too many settings in the h2c upgrade's HTTP2-Settings",
            ));
        }
        for setting in frame.settings {
            conn.remote.apply(setting)?;
            if setting.id == SettingId::HeaderTableSize {
                conn.encoder
                    .set_max_table_size(usize::try_from(setting.value).unwrap_or(usize::MAX));
            }
        }
        let id = StreamId::new(1);
        let mut stream = conn.new_stream(StreamState::HalfClosedRemote);
        stream.received_headers = true;
        stream.announced = true;
        conn.streams.insert(id, stream);
        conn.last_peer_id = id;
        conn.streams_opened = 1;
        conn.undelivered_opens = 1;
        conn.idle_since = None;
        conn.events.push_back(Event::Headers {
            stream: id,
            fields: request,
            end_stream: true,
            trailers: false,
        });
        Ok(conn)
    }

    /// This endpoint's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The settings the peer advertised (RFC defaults until its SETTINGS).
    pub fn remote_settings(&self) -> &Settings {
        &self.remote
    }

    /// The last PING round-trip time measured.
    pub fn rtt(&self) -> Option<Duration> {
        self.rtt
    }

    /// The connection error that ended the connection, if any.
    pub fn error(&self) -> Option<ConnectionError> {
        self.error
    }

    // ---------------------------------------------------------------- input

    /// Whether the connection takes input now. False after a connection
    /// error, and while too many answers wait to be written (back-pressure).
    pub fn wants_read(&self) -> bool {
        self.error.is_none()
            && !self.peer_closed
            && self.queued_control_frames
                < usize::try_from(self.config.max_queued_control_frames).unwrap_or(usize::MAX)
            && self.events.len()
                < usize::try_from(self.config.max_queued_frames).unwrap_or(usize::MAX)
    }

    /// Takes bytes from the peer; returns how many were consumed. Unconsumed
    /// bytes must be offered again once [`Connection::wants_read`] is true.
    pub fn handle_input(&mut self, data: &[u8], now: Instant) -> usize {
        self.now = self.now.max(now);
        if !data.is_empty() {
            self.last_received = now;
        }
        let mut input = data;
        while self.wants_read() && !input.is_empty() {
            if self.preface_left > 0 {
                if let Err(e) = self.read_preface(&mut input) {
                    self.connection_error(e);
                }
                continue;
            }
            match self.reader.read(&mut input) {
                Ok(Some(frame)) => self.handle_frame(frame, now),
                Ok(None) => break,
                Err(e) => self.handle_error(e),
            }
        }
        self.update_idle(now);
        data.len() - input.len()
    }

    /// Like [`Connection::handle_input`], from shared `Bytes`: DATA payloads
    /// that arrive whole are handed to the application without a copy.
    /// Consumed octets are split off the front of `data`.
    pub fn handle_input_bytes(&mut self, data: &mut Bytes, now: Instant) -> usize {
        self.now = self.now.max(now);
        if !data.is_empty() {
            self.last_received = now;
        }
        let start = data.len();
        while self.wants_read() && !data.is_empty() {
            if self.preface_left > 0 {
                let mut input = &data[..];
                let before = input.len();
                let result = self.read_preface(&mut input);
                let used = before - input.len();
                let _ = data.split_to(used);
                if let Err(e) = result {
                    self.connection_error(e);
                }
                continue;
            }
            match self.reader.read_bytes(data) {
                Ok(Some(frame)) => self.handle_frame(frame, now),
                Ok(None) => break,
                Err(e) => self.handle_error(e),
            }
        }
        self.update_idle(now);
        start - data.len()
    }

    /// Starts or stops the idle clock as the last stream closes or one opens.
    fn update_idle(&mut self, now: Instant) {
        if self.streams.is_empty() {
            self.idle_since.get_or_insert(now);
        } else {
            self.idle_since = None;
        }
    }

    /// §3.4: "the client connection preface starts with a sequence of 24
    /// octets"; anything else is a connection error of type PROTOCOL_ERROR.
    fn read_preface(&mut self, input: &mut &[u8]) -> Result<(), ConnectionError> {
        let start = CONNECTION_PREFACE.len() - self.preface_left;
        let n = self.preface_left.min(input.len());
        let expected = CONNECTION_PREFACE.get(start..start + n).unwrap_or_default();
        let (got, rest) = input.split_at(n);
        if got != expected {
            return Err(ConnectionError::new(
                ErrorCode::ProtocolError,
                "invalid connection preface",
            ));
        }
        *input = rest;
        self.preface_left -= n;
        Ok(())
    }

    /// The peer closed its side of the socket; no more input will come.
    pub fn handle_peer_closed(&mut self, _now: Instant) {
        self.peer_closed = true;
        let open: Vec<StreamId> = self.streams.keys().copied().collect();
        for id in open {
            self.events.push_back(Event::StreamReset {
                stream: id,
                code: ErrorCode::Cancel,
                initiator: Initiator::Remote,
            });
        }
        self.streams.clear();
    }

    fn handle_error(&mut self, error: H2Error) {
        // A frame the reader rejected still breaks the framing rules around
        // it: first frame SETTINGS (§3.4), nothing inside a field block (§6.10).
        if matches!(error, H2Error::Stream(_)) && (self.block.is_some() || !self.peer_settings_seen)
        {
            return self.connection_error(ConnectionError::new(
                ErrorCode::ProtocolError,
                "invalid frame where only SETTINGS or CONTINUATION may come",
            ));
        }
        match error {
            H2Error::Connection(e) => self.connection_error(e),
            H2Error::Stream(e) => self.stream_error(e),
        }
    }

    fn handle_frame(&mut self, frame: Frame, now: Instant) {
        // §3.4: the first frame from the peer MUST be SETTINGS.
        if !self.peer_settings_seen {
            match &frame {
                Frame::Settings(s) if !s.ack => {}
                _ => {
                    return self.connection_error(ConnectionError::new(
                        ErrorCode::ProtocolError,
                        "first frame from the peer is not SETTINGS",
                    ))
                }
            }
        }
        // §6.2, §6.10: nothing may interrupt a field block.
        if let Some(block) = &self.block {
            let same_stream = frame.stream_id() == block.stream;
            if !matches!(frame, Frame::Continuation(_)) || !same_stream {
                return self.connection_error(ConnectionError::new(
                    ErrorCode::ProtocolError,
                    "field block interrupted by another frame",
                ));
            }
        }
        let result = match frame {
            Frame::Data(f) => self.recv_data(f),
            Frame::Headers(f) => self.recv_headers(f),
            Frame::Continuation(f) => self.recv_continuation(f),
            Frame::Priority(_) | Frame::Unknown(_) => self.glitch(),
            Frame::RstStream(f) => self.recv_rst_stream(f),
            Frame::Settings(f) => self.recv_settings(f),
            Frame::PushPromise(_) => Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "PUSH_PROMISE though SETTINGS_ENABLE_PUSH is 0",
            )),
            Frame::Ping(f) => self.recv_ping(f, now),
            Frame::GoAway(f) => self.recv_goaway(f),
            Frame::WindowUpdate(f) => self.recv_window_update(f),
        };
        if let Err(e) = result {
            self.handle_error(e);
        }
    }

    /// The state of stream `id` as far as the peer's frames are concerned,
    /// `None` when the stream does not exist yet (idle).
    fn stream_state(&self, id: StreamId) -> Option<StreamState> {
        if let Some(s) = self.streams.get(&id) {
            return Some(s.state);
        }
        if let Some((_, reason)) = self.closed.iter().find(|(c, _)| *c == id) {
            return Some(StreamState::Closed(*reason));
        }
        let ours = self.is_local(id);
        let used = if ours {
            id.get() < self.next_local_id
        } else {
            id <= self.last_peer_id
        };
        // A closed stream we no longer remember: we may have reset it, so
        // late frames are processed minimally and discarded (§5.1).
        used.then_some(StreamState::Closed(CloseReason::ResetLocal))
    }

    fn is_local(&self, id: StreamId) -> bool {
        match self.role {
            Role::Client => id.is_client_initiated(),
            Role::Server => id.is_server_initiated(),
        }
    }

    /// Applies a received frame to the §5.1 table, mapping its verdict to
    /// our scoped error.
    fn recv_transition(
        &mut self,
        id: StreamId,
        input: StreamInput,
    ) -> Result<StreamState, H2Error> {
        let state = self.stream_state(id).unwrap_or(StreamState::Idle);
        let next = transition(state, input).map_err(|e| match e.scope_and_code() {
            Some((stream_state::ErrorScope::Stream, code)) => H2Error::stream(
                id,
                ErrorCode::from_u32(code.to_u32()),
                "frame not allowed in the stream's state (§5.1)",
            ),
            Some((stream_state::ErrorScope::Connection, code)) => H2Error::connection(
                ErrorCode::from_u32(code.to_u32()),
                "frame not allowed in the stream's state (§5.1)",
            ),
            None => H2Error::connection(ErrorCode::InternalError, "local stream misuse"),
        })?;
        if let Some(s) = self.streams.get_mut(&id) {
            s.state = next;
        }
        Ok(next)
    }

    fn recv_data(&mut self, frame: Data) -> Result<(), H2Error> {
        let id = frame.stream_id;
        let len = frame.flow_controlled_len();
        // §6.9: flow-controlled frames always count against the connection
        // window, even when in error.
        self.recv_window.receive(len).map_err(|_| {
            H2Error::connection(
                ErrorCode::FlowControlError,
                "DATA beyond the connection window",
            )
        })?;
        if frame.data.is_empty() && !frame.end_stream {
            self.empty_data_frames
                .increment()
                .map_err(|e| e.to_h2_error("too many empty DATA frames"))?;
            self.glitch()?;
        }
        let input = if frame.end_stream {
            StreamInput::RecvDataEndStream
        } else {
            StreamInput::RecvData
        };
        let result = self.recv_transition(id, input);
        let live = self.streams.contains_key(&id);
        if result.is_err() || !live {
            // Discarded: give the credit straight back.
            self.release_connection(len);
            if result.is_ok() {
                self.glitch()?;
            }
            return result.map(|_| ());
        }
        let content_len = u32::try_from(frame.data.len()).unwrap_or(u32::MAX);
        let padding = len.saturating_sub(content_len);
        let mut error = None;
        if let Some(stream) = self.streams.get_mut(&id) {
            if stream.recv.receive(len).is_err() {
                error = Some(H2Error::stream(
                    id,
                    ErrorCode::FlowControlError,
                    "DATA beyond the stream window",
                ));
            } else {
                // Padding is nobody's to read: release it now.
                let _ = stream.recv.release(padding);
                // §8.1.1: DATA beyond content-length, or short of it at the
                // end, makes the message malformed.
                let checked = stream.content.on_data(content_len).and_then(|()| {
                    if frame.end_stream {
                        stream.content.end_stream()
                    } else {
                        Ok(())
                    }
                });
                if let Err(e) = checked {
                    let _ = stream.recv.release(content_len);
                    error = Some(e.to_h2_error(id));
                }
            }
        }
        if let Some(e) = error {
            self.release_connection(len);
            return Err(e);
        }
        self.release_connection(padding);
        if self.config.bdp_probing && self.bdp.on_data(len, self.now) {
            Ping {
                ack: false,
                payload: BDP_PING,
            }
            .encode(&mut self.out);
        }
        self.events.push_back(Event::Data {
            stream: id,
            data: frame.data,
            end_stream: frame.end_stream,
        });
        self.reap(id);
        Ok(())
    }

    fn release_connection(&mut self, len: u32) {
        let _ = self.recv_window.release(len);
        self.send_connection_window_update();
    }

    fn send_connection_window_update(&mut self) {
        if let Some(increment) = self.recv_window.window_update() {
            WindowUpdate {
                stream_id: StreamId::CONNECTION,
                increment,
            }
            .encode(&mut self.out);
        }
    }

    fn recv_headers(&mut self, frame: Headers) -> Result<(), H2Error> {
        let block = FieldBlock {
            stream: frame.stream_id,
            end_stream: frame.end_stream,
            self_dependent: frame.depends_on_itself(),
            fragments: frame.fragment.to_vec(),
            continuations: 0,
        };
        self.check_block_size(&block)?;
        if frame.end_headers {
            self.recv_field_block(block)
        } else {
            self.block = Some(block);
            Ok(())
        }
    }

    fn recv_continuation(&mut self, frame: Continuation) -> Result<(), H2Error> {
        // §6.10: CONTINUATION MUST follow HEADERS/PUSH_PROMISE/CONTINUATION
        // without END_HEADERS.
        let Some(mut block) = self.block.take() else {
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "CONTINUATION without a field block in progress",
            ));
        };
        block.continuations += 1;
        if u32::try_from(block.continuations).unwrap_or(u32::MAX)
            > self.config.max_continuation_frames
        {
            return Err(H2Error::connection(
                ErrorCode::EnhanceYourCalm,
                "too many CONTINUATION frames in one field block",
            ));
        }
        block.fragments.extend_from_slice(&frame.fragment);
        self.check_block_size(&block)?;
        if frame.end_headers {
            self.recv_field_block(block)
        } else {
            self.block = Some(block);
            Ok(())
        }
    }

    /// A compressed block past the hard header-list limit (4 x what we
    /// advertise, LIMITS.md) is a connection error; this bounds what we buffer.
    fn check_block_size(&self, block: &FieldBlock) -> Result<(), H2Error> {
        let limit = usize::try_from(self.config.header_list_size_hard_limit).unwrap_or(usize::MAX);
        if block.fragments.len() > limit {
            return Err(H2Error::connection(
                ErrorCode::EnhanceYourCalm,
                "field block larger than header_list_size_hard_limit",
            ));
        }
        Ok(())
    }

    fn recv_field_block(&mut self, block: FieldBlock) -> Result<(), H2Error> {
        let id = block.stream;
        // Decode first, whatever happens to the stream, so the HPACK state
        // stays in step with the peer's (§4.3).
        let mut fields = Vec::new();
        let decoded = self.decoder.decode(&block.fragments, &mut fields);
        if let Err(e) = decoded {
            if !e.leaves_tables_in_step() {
                // §4.3: "MUST treat a field block ... that cannot be
                // decompressed as a connection error ... COMPRESSION_ERROR".
                return Err(H2Error::connection(
                    ErrorCode::CompressionError,
                    "field block cannot be decompressed",
                ));
            }
            // §10.5.1, LIMITS.md: a decoded section far past what we
            // advertised (an HPACK bomb: small on the wire, huge decoded)
            // ends the connection; a little past it only refuses the stream.
            let hard =
                usize::try_from(self.config.header_list_size_hard_limit).unwrap_or(usize::MAX);
            if matches!(e, DecodeError::HeaderListTooLarge { size, .. } if size > hard) {
                return Err(H2Error::connection(
                    ErrorCode::EnhanceYourCalm,
                    "decoded field section larger than header_list_size_hard_limit",
                ));
            }
        }
        if u32::try_from(fields.len()).unwrap_or(u32::MAX) > self.config.header_fields_hard_limit {
            return Err(H2Error::connection(
                ErrorCode::EnhanceYourCalm,
                "more fields in one block than header_fields_hard_limit",
            ));
        }
        let input = if block.end_stream {
            StreamInput::RecvHeadersEndStream
        } else {
            StreamInput::RecvHeaders
        };
        let state = self.stream_state(id);
        let known = self.streams.contains_key(&id) || self.closed.iter().any(|(c, _)| *c == id);
        if !known && !self.is_local(id) && !id.is_connection() && id <= self.last_peer_id {
            // §5.1.1: a new stream id MUST be greater than every id the peer
            // opened; "an unexpected stream identifier" is a PROTOCOL_ERROR.
            return Err(H2Error::connection(
                ErrorCode::ProtocolError,
                "HEADERS on a stream id lower than one already used (§5.1.1)",
            ));
        }
        if state.is_none() {
            // A new stream: only the peer's parity, strictly increasing
            // (§5.1.1); a server opens streams only by PUSH_PROMISE (§8.4).
            if self.is_local(id) || self.role == Role::Client {
                return Err(H2Error::connection(
                    ErrorCode::ProtocolError,
                    "HEADERS opening a stream with our parity",
                ));
            }
            self.last_peer_id = id;
            // After our GOAWAY, new streams are ignored (§6.8).
            if self.goaway_sent.is_some_and(|last| id > last) {
                return Ok(());
            }
            let active = self
                .streams
                .iter()
                .filter(|(sid, s)| !self.is_local(**sid) && s.state.counts_toward_concurrency())
                .count();
            if u32::try_from(active).unwrap_or(u32::MAX) >= self.config.max_concurrent_streams {
                // §5.1.2: past our limit, PROTOCOL_ERROR or REFUSED_STREAM;
                // REFUSED_STREAM tells the client it may retry (§8.7).
                self.remember_closed(id, CloseReason::ResetLocal);
                return Err(H2Error::stream(
                    id,
                    ErrorCode::RefusedStream,
                    "SETTINGS_MAX_CONCURRENT_STREAMS exceeded",
                ));
            }
            let stream = self.new_stream(StreamState::Idle);
            self.streams.insert(id, stream);
            self.streams_opened = self.streams_opened.saturating_add(1);
        }
        let before = self.streams.get(&id).map(|s| s.received_headers);
        self.recv_transition(id, input)?;
        let Some(received_headers) = before else {
            // A closed stream: processed minimally, discarded (§5.1).
            return self.glitch();
        };
        // RFC 7540 §5.3.1: a stream cannot depend on itself.
        if block.self_dependent {
            return Err(H2Error::stream(
                id,
                ErrorCode::ProtocolError,
                "HEADERS makes a stream depend on itself",
            ));
        }
        if decoded.is_err() {
            // §10.5.1: a field section past what we advertised is refused.
            return Err(H2Error::stream(
                id,
                ErrorCode::ProtocolError,
                "field section larger than SETTINGS_MAX_HEADER_LIST_SIZE",
            ));
        }
        if u32::try_from(fields.len()).unwrap_or(u32::MAX) > self.config.max_header_fields {
            return Err(H2Error::stream(
                id,
                ErrorCode::ProtocolError,
                "more fields than max_header_fields",
            ));
        }
        let pairs = || fields.iter().map(|h| (&h.name[..], &h.value[..]));
        let trailers = received_headers;
        let mut informational = false;
        let Some(stream) = self.streams.get_mut(&id) else {
            return Ok(());
        };
        if trailers {
            // §8.1: a trailer section carries END_STREAM and no pseudo-fields.
            if !block.end_stream {
                return Err(H2Error::stream(
                    id,
                    ErrorCode::ProtocolError,
                    "trailer section without END_STREAM (§8.1)",
                ));
            }
            validate_trailers(pairs())
                .and_then(|()| stream.content.end_stream())
                .map_err(|e| e.to_h2_error(id))?;
        } else {
            let content = match self.role {
                Role::Server => {
                    let request = validate_request(pairs()).map_err(|e| e.to_h2_error(id))?;
                    ContentLengthTracker::new(request.content_length)
                }
                Role::Client => {
                    let response = validate_response(pairs()).map_err(|e| e.to_h2_error(id))?;
                    response
                        .check_end_stream(block.end_stream)
                        .map_err(|e| e.to_h2_error(id))?;
                    informational = response.is_informational();
                    ContentLengthTracker::for_response(&response, &stream.request_method)
                }
            };
            if !informational {
                stream.received_headers = true;
                stream.content = content;
                if block.end_stream {
                    stream.content.end_stream().map_err(|e| e.to_h2_error(id))?;
                }
            }
        }
        if !trailers {
            self.undelivered_opens = self.undelivered_opens.saturating_add(1);
            if self.undelivered_opens > self.config.max_pending_accept_streams {
                return Err(H2Error::connection(
                    ErrorCode::EnhanceYourCalm,
                    "too many streams opened and not yet handled",
                ));
            }
            if let Some(stream) = self.streams.get_mut(&id) {
                stream.announced = true;
            }
        }
        self.events.push_back(Event::Headers {
            stream: id,
            fields,
            end_stream: block.end_stream,
            trailers,
        });
        self.reap(id);
        Ok(())
    }

    fn new_stream(&self, state: StreamState) -> Stream {
        let mut recv =
            ReceiveWindow::stream(self.config.stream_window, self.local.initial_window_size);
        recv.grow_target(self.stream_window_target);
        Stream {
            state,
            send: Window::stream(self.remote.initial_window_size),
            recv,
            queue: VecDeque::new(),
            queued_bytes: 0,
            received_headers: false,
            content: ContentLengthTracker::new(None),
            request_method: Bytes::new(),
            announced: false,
            reset_after_queued: None,
        }
    }

    fn recv_rst_stream(&mut self, frame: RstStream) -> Result<(), H2Error> {
        let id = frame.stream_id;
        let ours = self.is_local(id);
        if !ours {
            // Rapid reset (CVE-2023-44487) is a peer opening streams and
            // resetting them at once: bound the rate of such resets. Resets
            // of our own streams are bounded by the streams we open.
            self.rst_stream_bucket
                .take(self.now)
                .map_err(|e| e.to_h2_error("RST_STREAM flood"))?;
        }
        self.recv_transition(id, StreamInput::RecvRstStream)?;
        if self.streams.remove(&id).is_none() {
            // Late, on a stream already closed: no work done (§5.1).
            return if ours { self.glitch() } else { Ok(()) };
        }
        self.remember_closed(id, CloseReason::ResetRemote);
        // Only a stream the peer opened can vanish unseen: what the peer
        // sent on one of ours is a response, and §8.1 says "clients MUST
        // NOT discard responses as a result of receiving such a
        // RST_STREAM"; its events stay queued, the reset after them.
        if !ours && self.forget_undelivered(id) {
            // The application never saw the stream: it never will.
            return self
                .pending_resets
                .increment()
                .map_err(|e| e.to_h2_error("streams reset before they were handled"));
        }
        self.events.push_back(Event::StreamReset {
            stream: id,
            code: frame.error_code,
            initiator: Initiator::Remote,
        });
        Ok(())
    }

    /// Drops the queued events of a stream whose opening header section the
    /// application has not polled yet, giving back its DATA credit.
    /// Returns whether there was such a stream.
    fn forget_undelivered(&mut self, id: StreamId) -> bool {
        let undelivered = self
            .events
            .iter()
            .any(|e| matches!(e, Event::Headers { stream, trailers: false, .. } if *stream == id));
        if !undelivered {
            return false;
        }
        let mut credit = 0u32;
        let mut opens = 0u32;
        self.events.retain(|e| match e {
            Event::Headers {
                stream, trailers, ..
            } if *stream == id => {
                opens += u32::from(!*trailers);
                false
            }
            Event::Data { stream, data, .. } if *stream == id => {
                credit = credit.saturating_add(u32::try_from(data.len()).unwrap_or(u32::MAX));
                false
            }
            _ => true,
        });
        self.undelivered_opens = self.undelivered_opens.saturating_sub(opens);
        self.release_connection(credit);
        true
    }

    fn recv_settings(&mut self, frame: SettingsFrame) -> Result<(), H2Error> {
        if frame.ack {
            self.settings_ack_deadline = None;
            if !std::mem::replace(&mut self.settings_unacked, false) {
                return Err(H2Error::connection(
                    ErrorCode::ProtocolError,
                    "SETTINGS ACK without SETTINGS outstanding",
                ));
            }
            if self.local.header_table_size < 4096 {
                self.decoder
                    .set_max_table_size(usize::try_from(self.local.header_table_size).unwrap_or(0));
            }
            self.events.push_back(Event::SettingsAcknowledged);
            return Ok(());
        }
        if u32::try_from(frame.settings.len()).unwrap_or(u32::MAX)
            > self.config.max_settings_entries
        {
            return Err(H2Error::connection(
                ErrorCode::EnhanceYourCalm,
                "too many settings in one SETTINGS frame",
            ));
        }
        self.peer_settings_seen = true;
        self.peer_preface_deadline = None;
        // §6.5.3: values are processed in order, then ACKed at once.
        for setting in frame.settings {
            let old = self.remote;
            if self.role == Role::Client
                && setting.id == SettingId::EnablePush
                && setting.value == 1
            {
                // §6.5.2: "A client MUST treat receipt of a SETTINGS frame with
                // SETTINGS_ENABLE_PUSH set to 1 as a connection error".
                return Err(H2Error::connection(
                    ErrorCode::ProtocolError,
                    "server sent SETTINGS_ENABLE_PUSH=1",
                ));
            }
            self.remote.apply(setting)?;
            match setting.id {
                SettingId::InitialWindowSize => {
                    // §6.9.2: adjust every stream window by the difference.
                    for stream in self.streams.values_mut() {
                        stream
                            .send
                            .apply_initial_window_size_change(
                                old.initial_window_size,
                                setting.value,
                            )
                            .map_err(|_| {
                                H2Error::connection(
                                    ErrorCode::FlowControlError,
                                    "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window",
                                )
                            })?;
                    }
                }
                SettingId::HeaderTableSize => {
                    self.encoder
                        .set_max_table_size(usize::try_from(setting.value).unwrap_or(usize::MAX));
                }
                _ => {}
            }
        }
        SettingsFrame::ack().encode(&mut self.out);
        self.queued_control_frames += 1;
        self.events.push_back(Event::SettingsReceived(self.remote));
        Ok(())
    }

    fn recv_ping(&mut self, frame: Ping, now: Instant) -> Result<(), H2Error> {
        if !frame.ack {
            self.check_ping_policy(now)?;
            // §6.7: answer with ACK and an identical payload.
            Ping {
                ack: true,
                payload: frame.payload,
            }
            .encode(&mut self.out);
            self.queued_control_frames += 1;
            return Ok(());
        }
        if frame.payload == KEEPALIVE_PING {
            self.keepalive_sent = None;
            return Ok(());
        }
        if frame.payload == BDP_PING {
            self.grow_windows(now);
            return Ok(());
        }
        if let Some(Shutdown::AwaitingPing { payload, .. }) = self.shutdown {
            if payload == frame.payload {
                self.finish_shutdown();
                return Ok(());
            }
        }
        if let Some((payload, sent)) = self.ping_sent {
            if payload == frame.payload {
                self.ping_sent = None;
                let rtt = now.saturating_duration_since(sent);
                self.rtt = Some(rtt);
                self.events.push_back(Event::PingAcknowledged { rtt });
            }
        }
        Ok(())
    }

    /// Ends a BDP probe: if the window limited the flow, grows the receive
    /// windows and grants the growth at once.
    fn grow_windows(&mut self, now: Instant) {
        let grown =
            self.bdp
                .on_ping_ack(now, self.stream_window_target, &self.config.stream_window);
        let Some(target) = grown else {
            return;
        };
        self.stream_window_target = target;
        self.recv_window.grow_target(target);
        self.send_connection_window_update();
        for (id, stream) in self.streams.iter_mut() {
            stream.recv.grow_target(target);
            if stream.state.can_receive_data() {
                if let Some(increment) = stream.recv.window_update() {
                    WindowUpdate {
                        stream_id: *id,
                        increment,
                    }
                    .encode(&mut self.out);
                }
            }
        }
    }

    /// Server keepalive policy (gRPC keepalive.md): a client pinging more
    /// often than allowed earns a strike; past the limit it is told
    /// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"). Sending headers or data
    /// clears the strikes.
    fn check_ping_policy(&mut self, now: Instant) -> Result<(), H2Error> {
        if self.role != Role::Server {
            return Ok(());
        }
        let interval = if self.streams.is_empty() {
            self.config.min_peer_ping_interval_without_calls
        } else {
            self.config.min_peer_ping_interval
        };
        if let Some(last) = self.last_peer_ping {
            if now.saturating_duration_since(last) < interval {
                self.ping_strikes = self.ping_strikes.saturating_add(1);
                if self.ping_strikes > self.config.max_ping_strikes {
                    return Err(H2Error::connection(
                        ErrorCode::EnhanceYourCalm,
                        "too_many_pings",
                    ));
                }
            }
        }
        self.last_peer_ping = Some(now);
        Ok(())
    }

    fn recv_goaway(&mut self, frame: GoAway) -> Result<(), H2Error> {
        let last = frame.last_stream_id;
        // §6.8: the last stream id must not increase across GOAWAY frames.
        let last = self.goaway_received.map_or(last, |prev| prev.min(last));
        self.goaway_received = Some(last);
        let refused: Vec<StreamId> = self
            .streams
            .keys()
            .copied()
            .filter(|id| self.is_local(*id) && *id > last)
            .collect();
        for id in refused {
            self.streams.remove(&id);
            self.remember_closed(id, CloseReason::ResetRemote);
            self.events.push_back(Event::StreamReset {
                stream: id,
                code: ErrorCode::RefusedStream,
                initiator: Initiator::Remote,
            });
        }
        self.events.push_back(Event::GoAway {
            last_stream_id: frame.last_stream_id,
            code: frame.error_code,
            debug_data: frame.debug_data,
        });
        Ok(())
    }

    fn recv_window_update(&mut self, frame: WindowUpdate) -> Result<(), H2Error> {
        let id = frame.stream_id;
        // More WINDOW_UPDATE than our DATA can explain is a flood.
        self.window_updates_received = self.window_updates_received.saturating_add(1);
        let allowed = self
            .data_frames_sent
            .saturating_mul(u64::from(self.config.max_window_updates_per_data_frame))
            .saturating_add(self.streams_opened.saturating_mul(2))
            .saturating_add(100);
        if self.window_updates_received > allowed {
            return Err(H2Error::connection(
                ErrorCode::EnhanceYourCalm,
                "WINDOW_UPDATE flood",
            ));
        }
        if id.is_connection() {
            return self
                .send_window
                .apply_window_update(frame.increment)
                .map_err(|_| {
                    H2Error::connection(
                        ErrorCode::FlowControlError,
                        "WINDOW_UPDATE takes the connection window past 2^31-1",
                    )
                });
        }
        self.recv_transition(id, StreamInput::RecvWindowUpdate)?;
        if let Some(stream) = self.streams.get_mut(&id) {
            stream
                .send
                .apply_window_update(frame.increment)
                .map_err(|_| {
                    H2Error::stream(
                        id,
                        ErrorCode::FlowControlError,
                        "WINDOW_UPDATE takes the stream window past 2^31-1",
                    )
                })?;
        }
        Ok(())
    }

    // --------------------------------------------------------------- errors

    /// Counts a frame that did no useful work (§10.5); too many too fast is
    /// ENHANCE_YOUR_CALM.
    fn glitch(&mut self) -> Result<(), H2Error> {
        self.glitch_bucket
            .take(self.now)
            .map_err(|e| e.to_h2_error("too many frames that do no work"))
    }

    /// §5.4.1: send GOAWAY with the last peer stream we may have processed,
    /// then close. Only the first error counts.
    fn connection_error(&mut self, error: ConnectionError) {
        if self.error.is_some() {
            return;
        }
        self.error = Some(error);
        GoAway {
            last_stream_id: self.last_peer_id,
            error_code: error.code,
            debug_data: Bytes::from_static(error.reason.as_bytes()),
        }
        .encode(&mut self.out);
        self.goaway_sent = Some(self.last_peer_id);
        self.streams.clear();
        self.block = None;
        self.events.push_back(Event::ConnectionError(error));
    }

    /// §5.4.2: send RST_STREAM and close the stream.
    fn stream_error(&mut self, error: StreamError) {
        let id = error.stream;
        // Resets the peer makes us send are bounded too (CVE-2025-8671).
        if let Err(e) = self.local_resets.increment() {
            return self.connection_error(ConnectionError::new(
                e.code(),
                "too many streams reset because of the peer",
            ));
        }
        self.write_rst_stream(id, error.code);
        // A stream refused before the application heard of it stays unheard of.
        if self.streams.remove(&id).is_some_and(|s| s.announced) {
            self.events.push_back(Event::StreamReset {
                stream: id,
                code: error.code,
                initiator: Initiator::Local,
            });
        }
        self.remember_closed(id, CloseReason::ResetLocal);
    }

    fn write_rst_stream(&mut self, id: StreamId, code: ErrorCode) {
        RstStream {
            stream_id: id,
            error_code: code,
        }
        .encode(&mut self.out);
        self.queued_control_frames += 1;
    }

    fn remember_closed(&mut self, id: StreamId, reason: CloseReason) {
        self.closed.retain(|(c, _)| *c != id);
        self.push_closed(id, reason);
    }

    /// Appends to the closed-stream memory without looking for `id` in it,
    /// dropping the oldest entries past its bound. Only for a stream just
    /// taken out of `streams`: an id there was never remembered as closed,
    /// since a closed id is never opened again (§5.1.1).
    fn push_closed(&mut self, id: StreamId, reason: CloseReason) {
        self.closed.push_back((id, reason));
        let keep = usize::try_from(self.config.max_concurrent_streams.saturating_mul(2))
            .unwrap_or(200)
            .max(16);
        while self.closed.len() > keep {
            self.closed.pop_front();
        }
    }

    /// Forgets a stream that is closed and has nothing left to send.
    fn reap(&mut self, id: StreamId) {
        let done = self
            .streams
            .get(&id)
            .is_some_and(|s| s.state.is_closed() && s.queue.is_empty());
        if done {
            if let Some(s) = self.streams.remove(&id) {
                if let StreamState::Closed(reason) = s.state {
                    // Every stream finishing normally passes here: skip
                    // the scan `remember_closed` does (see `push_closed`).
                    self.push_closed(id, reason);
                }
            }
        }
    }

    // ------------------------------------------------------------- commands

    /// Opens a stream and sends its header section (client only).
    pub fn open_stream(
        &mut self,
        fields: &[Header],
        end_stream: bool,
    ) -> Result<StreamId, SendError> {
        self.check_usable()?;
        if self.role != Role::Client {
            return Err(SendError::NotClient);
        }
        self.check_header_list(fields)?;
        if self.goaway_received.is_some() || self.goaway_sent.is_some() {
            return Err(SendError::GoingAway);
        }
        let id = StreamId::new(self.next_local_id);
        // Past the rollover point a client opens a new connection instead.
        if self.next_local_id > StreamId::MAX.get()
            || self.next_local_id > self.config.stream_id_rollover
        {
            return Err(SendError::StreamIdsExhausted);
        }
        let active = self
            .streams
            .iter()
            .filter(|(sid, s)| self.is_local(**sid) && s.state.counts_toward_concurrency())
            .count();
        let limit = self.remote.max_concurrent_streams.unwrap_or(u32::MAX);
        if u32::try_from(active).unwrap_or(u32::MAX) >= limit {
            return Err(SendError::ConcurrencyLimit);
        }
        self.next_local_id = self.next_local_id.saturating_add(2);
        let mut stream = self.new_stream(StreamState::Idle);
        stream.announced = true;
        stream.request_method = fields
            .iter()
            .find(|h| &h.name[..] == b":method")
            .map(|h| h.value.clone())
            .unwrap_or_default();
        self.streams.insert(id, stream);
        self.streams_opened = self.streams_opened.saturating_add(1);
        self.write_headers(id, fields, end_stream);
        Ok(id)
    }

    /// Sends a header section on a stream: a server's response headers, or
    /// any further non-final header section.
    pub fn send_headers(
        &mut self,
        stream: StreamId,
        fields: &[Header],
        end_stream: bool,
    ) -> Result<(), SendError> {
        self.check_usable()?;
        self.check_header_list(fields)?;
        let Some(s) = self.streams.get(&stream) else {
            return Err(SendError::StreamNotOpen(stream));
        };
        if !s.state.can_send_data() || !s.queue.is_empty() || s.reset_after_queued.is_some() {
            return Err(SendError::StreamNotOpen(stream));
        }
        self.write_headers(stream, fields, end_stream);
        Ok(())
    }

    /// Queues DATA on a stream; it goes out as flow control allows (§5.2).
    pub fn send_data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(), SendError> {
        self.check_usable()?;
        let limit = usize::try_from(self.config.max_send_buffer_per_stream).unwrap_or(usize::MAX);
        let Some(s) = self.streams.get_mut(&stream) else {
            return Err(SendError::StreamNotOpen(stream));
        };
        if !s.state.can_send_data() || ends_stream(&s.queue) || s.reset_after_queued.is_some() {
            return Err(SendError::StreamNotOpen(stream));
        }
        if s.queued_bytes.saturating_add(data.len()) > limit && !data.is_empty() {
            return Err(SendError::BufferFull);
        }
        s.queued_bytes += data.len();
        s.queue.push_back(Outbound::Data { data, end_stream });
        Ok(())
    }

    /// Octets that [`Connection::send_data`] accepts now on `stream`.
    pub fn send_buffer_space(&self, stream: StreamId) -> usize {
        self.streams.get(&stream).map_or(0, |s| {
            usize::try_from(self.config.max_send_buffer_per_stream)
                .unwrap_or(usize::MAX)
                .saturating_sub(s.queued_bytes)
        })
    }

    /// Queues a trailer section, which ends the stream (§8.1).
    pub fn send_trailers(
        &mut self,
        stream: StreamId,
        fields: Vec<Header>,
    ) -> Result<(), SendError> {
        self.check_usable()?;
        self.check_header_list(&fields)?;
        let Some(s) = self.streams.get_mut(&stream) else {
            return Err(SendError::StreamNotOpen(stream));
        };
        if !s.state.can_send_data() || ends_stream(&s.queue) || s.reset_after_queued.is_some() {
            return Err(SendError::StreamNotOpen(stream));
        }
        s.queue.push_back(Outbound::Trailers(fields));
        Ok(())
    }

    /// Resets a stream with RST_STREAM (§6.4), e.g. CANCEL, at once: what
    /// is still queued on it is dropped.
    pub fn reset_stream(&mut self, stream: StreamId, code: ErrorCode) -> Result<(), SendError> {
        self.check_usable()?;
        if self.streams.remove(&stream).is_none() {
            return Err(SendError::StreamNotOpen(stream));
        }
        self.write_rst_stream(stream, code);
        self.remember_closed(stream, CloseReason::ResetLocal);
        Ok(())
    }

    /// Resets a stream with RST_STREAM(`code`) once the frames already
    /// queued on it (DATA as flow control allows, trailers) are written;
    /// at once if nothing is queued. A gRPC server past a deadline sends
    /// its status in trailers, then RST_STREAM(CANCEL) so the client stops
    /// sending (PROTOCOL-HTTP2.md). This reset takes the place of the
    /// RST_STREAM(NO_ERROR) a server otherwise sends after ending its side
    /// first (§8.1), so call it before the next
    /// [`Connection::poll_transmit`] after that end. Nothing more can be
    /// queued on the stream; if the peer then ends its side before the
    /// queue drains, the stream closes normally and no RST_STREAM is sent.
    /// While the peer's window holds the queue back, the stream stays open
    /// (its send buffer bounded as always); [`Connection::reset_stream`]
    /// still resets it at once.
    pub fn reset_stream_after_queued(
        &mut self,
        stream: StreamId,
        code: ErrorCode,
    ) -> Result<(), SendError> {
        self.check_usable()?;
        let Some(s) = self.streams.get_mut(&stream) else {
            return Err(SendError::StreamNotOpen(stream));
        };
        if s.queue.is_empty() {
            return self.reset_stream(stream, code);
        }
        s.reset_after_queued = Some(code);
        Ok(())
    }

    /// Gives back flow-control credit for `len` octets of DATA the
    /// application has consumed on `stream` (§5.2.2); WINDOW_UPDATE follows
    /// when enough credit is due.
    pub fn release_capacity(&mut self, stream: StreamId, len: u32) {
        if let Some(s) = self.streams.get_mut(&stream) {
            if s.recv.release(len).is_ok() && s.state.can_receive_data() {
                if let Some(increment) = s.recv.window_update() {
                    WindowUpdate {
                        stream_id: stream,
                        increment,
                    }
                    .encode(&mut self.out);
                }
            }
        }
        self.release_connection(len);
    }

    /// Sends a PING to measure the round-trip time; the answer arrives as
    /// [`Event::PingAcknowledged`]. One at a time: false if one is out.
    pub fn ping(&mut self, now: Instant) -> bool {
        if self.ping_sent.is_some() || self.error.is_some() {
            return false;
        }
        self.ping_count = self.ping_count.wrapping_add(1);
        let payload = self.ping_count.to_be_bytes();
        Ping {
            ack: false,
            payload,
        }
        .encode(&mut self.out);
        self.ping_sent = Some((payload, now));
        true
    }

    /// Starts a graceful shutdown (§6.8): GOAWAY with 2^31-1 and a PING;
    /// once the PING returns (or times out), GOAWAY with the real last
    /// stream. Streams in progress finish; the connection then closes.
    pub fn shutdown(&mut self, now: Instant) {
        if self.shutdown.is_some() || self.error.is_some() {
            return;
        }
        if !self.config.graceful_goaway {
            return self.finish_shutdown();
        }
        GoAway {
            last_stream_id: StreamId::MAX,
            error_code: ErrorCode::NoError,
            debug_data: Bytes::new(),
        }
        .encode(&mut self.out);
        Ping {
            ack: false,
            payload: SHUTDOWN_PING,
        }
        .encode(&mut self.out);
        self.goaway_sent = Some(StreamId::MAX);
        self.shutdown = Some(Shutdown::AwaitingPing {
            payload: SHUTDOWN_PING,
            deadline: now.checked_add(self.config.graceful_goaway_timeout),
        });
    }

    fn finish_shutdown(&mut self) {
        GoAway {
            last_stream_id: self.last_peer_id,
            error_code: ErrorCode::NoError,
            debug_data: Bytes::new(),
        }
        .encode(&mut self.out);
        self.goaway_sent = Some(self.last_peer_id);
        self.shutdown = Some(Shutdown::Done);
    }

    /// Checks a field section against the peer's advisory
    /// SETTINGS_MAX_HEADER_LIST_SIZE, counted as RFC 7541 §4.1 does.
    fn check_header_list(&self, fields: &[Header]) -> Result<(), SendError> {
        let size = fields
            .iter()
            .fold(0usize, |sum, h| sum.saturating_add(h.size()));
        let limit = self
            .remote
            .max_header_list_size
            .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
        if size > limit {
            return Err(SendError::HeaderListTooLarge);
        }
        Ok(())
    }

    fn check_usable(&self) -> Result<(), SendError> {
        if self.error.is_some() || self.peer_closed {
            Err(SendError::Closed)
        } else {
            Ok(())
        }
    }

    /// HPACK-encodes now and appends HEADERS (+ CONTINUATION): the encoder's
    /// order must be the wire order (§4.3).
    fn write_headers(&mut self, id: StreamId, fields: &[Header], end_stream: bool) {
        self.ping_strikes = 0;
        let input = if end_stream {
            StreamInput::SendHeadersEndStream
        } else {
            StreamInput::SendHeaders
        };
        if let Some(s) = self.streams.get_mut(&id) {
            if let Ok(next) = transition(s.state, input) {
                s.state = next;
            }
        }
        let mut block = Vec::new();
        self.encoder.encode(fields, &mut block);
        let max = usize::try_from(self.remote.max_frame_size).unwrap_or(16_384);
        let block = Bytes::from(block);
        let mut chunks = block.chunks(max.max(1)).peekable();
        let first = chunks.next().unwrap_or_default();
        Headers::new(
            id,
            block.slice_ref(first),
            end_stream,
            chunks.peek().is_none(),
        )
        .encode(&mut self.out);
        while let Some(chunk) = chunks.next() {
            Continuation {
                stream_id: id,
                fragment: block.slice_ref(chunk),
                end_headers: chunks.peek().is_none(),
            }
            .encode(&mut self.out);
        }
        self.reap(id);
    }

    /// Sends the RST_STREAM due once a stream's queue is written: the one
    /// [`Connection::reset_stream_after_queued`] asked for, or else, for a
    /// server that completed its response before the request ended,
    /// RST_STREAM(NO_ERROR) asking the client to stop sending (§8.1).
    fn reset_if_drained(&mut self, id: StreamId) {
        let Some(code) = self.streams.get(&id).and_then(|s| self.reset_due(s)) else {
            return;
        };
        RstStream {
            stream_id: id,
            error_code: code,
        }
        .encode(&mut self.out);
        self.streams.remove(&id);
        self.remember_closed(id, CloseReason::ResetLocal);
    }

    /// The RST_STREAM code owed on a stream whose queue is written, if any
    /// (see [`Connection::reset_if_drained`]). A closed stream takes none.
    fn reset_due(&self, s: &Stream) -> Option<ErrorCode> {
        if !s.queue.is_empty() || s.state.is_closed() {
            return None;
        }
        let ended_first = self.role == Role::Server && s.state == StreamState::HalfClosedLocal;
        s.reset_after_queued
            .or(ended_first.then_some(ErrorCode::NoError))
    }

    // --------------------------------------------------------------- output

    /// Appends what is ready to send to `out`: control frames and headers
    /// first, then DATA as both windows allow (§6.9.1). Appending nothing
    /// means there is nothing to send now.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>, now: Instant) {
        // Streams that ended by a header section since the last call: their
        // RST_STREAM follows that section now, the application having had
        // its chance to choose the code.
        let drained: Vec<StreamId> = self
            .streams
            .iter()
            .filter(|(_, s)| self.reset_due(s).is_some())
            .map(|(id, _)| *id)
            .collect();
        for id in drained {
            self.reset_if_drained(id);
        }
        out.append(&mut self.out);
        self.queued_control_frames = 0;
        if self.error.is_some() {
            return;
        }
        // At most this much DATA per call keeps control frames responsive.
        const BUDGET: usize = 256 * 1024;
        let mut written = 0;
        let max_frame = usize::try_from(self.remote.max_frame_size).unwrap_or(16_384);
        loop {
            let mut progress = false;
            let ids: Vec<StreamId> = self
                .streams
                .iter()
                .filter(|(_, s)| !s.queue.is_empty())
                .map(|(id, _)| *id)
                .collect();
            for id in ids {
                if written >= BUDGET {
                    break;
                }
                let before = out.len();
                if self.write_next(id, out, max_frame) {
                    progress = true;
                }
                written += out.len() - before;
                self.reap(id);
            }
            if !progress || written >= BUDGET {
                break;
            }
        }
        out.append(&mut self.out);
        self.update_idle(now);
    }

    /// Writes the next frame queued on stream `id`, if credit allows.
    fn write_next(&mut self, id: StreamId, out: &mut Vec<u8>, max_frame: usize) -> bool {
        let conn_credit = self.send_window.available();
        let Some(stream) = self.streams.get_mut(&id) else {
            return false;
        };
        if let Some(Outbound::Trailers(_)) = stream.queue.front() {
            let Some(Outbound::Trailers(fields)) = stream.queue.pop_front() else {
                return false;
            };
            self.write_headers(id, &fields, true);
            self.reset_if_drained(id);
            out.append(&mut self.out);
            return true;
        }
        match stream.queue.front_mut() {
            None | Some(Outbound::Trailers(_)) => false,
            Some(Outbound::Data { data, end_stream }) => {
                let credit = usize::try_from(conn_credit.min(stream.send.available()))
                    .unwrap_or(0)
                    .min(max_frame);
                let n = data.len().min(credit);
                let last = n == data.len();
                if n == 0 && !data.is_empty() {
                    return false;
                }
                let chunk = data.split_to(n);
                let end = last && *end_stream;
                let len = u32::try_from(n).unwrap_or(u32::MAX);
                let _ = stream.send.consume(len);
                let _ = self.send_window.consume(len);
                stream.queued_bytes = stream.queued_bytes.saturating_sub(n);
                if last {
                    stream.queue.pop_front();
                }
                let input = if end {
                    StreamInput::SendDataEndStream
                } else {
                    StreamInput::SendData
                };
                if let Ok(next) = transition(stream.state, input) {
                    stream.state = next;
                }
                Data::new(id, chunk, end).encode(out);
                self.data_frames_sent = self.data_frames_sent.saturating_add(1);
                self.ping_strikes = 0;
                self.reset_if_drained(id);
                true
            }
        }
    }

    // --------------------------------------------------------------- events

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event> {
        let event = self.events.pop_front()?;
        if let Event::Headers {
            trailers: false, ..
        } = event
        {
            self.undelivered_opens = self.undelivered_opens.saturating_sub(1);
            self.pending_resets.reset();
        }
        Some(event)
    }

    // --------------------------------------------------------------- timers

    /// The next instant [`Connection::handle_timeout`] is wanted.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_finished() {
            return None;
        }
        let shutdown = match self.shutdown {
            Some(Shutdown::AwaitingPing { deadline, .. }) => deadline,
            _ => None,
        };
        let idle = match self.shutdown {
            None => self.idle_deadline(),
            Some(_) => None,
        };
        [
            self.settings_ack_deadline,
            self.peer_preface_deadline,
            shutdown,
            self.keepalive_deadline(),
            idle,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// When the keepalive PING is due, or when its answer is overdue.
    fn keepalive_deadline(&self) -> Option<Instant> {
        match self.keepalive_sent {
            Some(sent) => sent.checked_add(self.config.keepalive_timeout),
            None => self
                .config
                .keepalive_time
                .and_then(|t| self.last_received.checked_add(t)),
        }
    }

    /// When an idle connection is shut down.
    fn idle_deadline(&self) -> Option<Instant> {
        self.idle_since?.checked_add(self.config.idle_timeout?)
    }

    /// Fires the timers that are due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.is_finished() {
            return;
        }
        if self.settings_ack_deadline.is_some_and(|d| now >= d) {
            // §6.5.3: no ACK in time MAY be a connection error SETTINGS_TIMEOUT.
            return self.connection_error(ConnectionError::new(
                ErrorCode::SettingsTimeout,
                "SETTINGS not acknowledged in time",
            ));
        }
        if self.peer_preface_deadline.is_some_and(|d| now >= d) {
            return self.connection_error(ConnectionError::new(
                ErrorCode::SettingsTimeout,
                "no preface and SETTINGS from the peer in time",
            ));
        }
        if let Some(Shutdown::AwaitingPing { deadline, .. }) = self.shutdown {
            if deadline.is_some_and(|d| now >= d) {
                self.finish_shutdown();
            }
        }
        if self.keepalive_deadline().is_some_and(|d| now >= d) {
            if self.keepalive_sent.is_some() {
                // The peer went silent: close without waiting any longer.
                return self.connection_error(ConnectionError::new(
                    ErrorCode::NoError,
                    "keepalive PING not acknowledged",
                ));
            }
            Ping {
                ack: false,
                payload: KEEPALIVE_PING,
            }
            .encode(&mut self.out);
            self.keepalive_sent = Some(now);
        }
        self.update_idle(now);
        let idle_expired = self.idle_deadline().is_some_and(|d| now >= d);
        if idle_expired && self.shutdown.is_none() {
            self.shutdown(now);
        }
    }

    /// Whether the connection is finished and its output written: the driver
    /// closes the socket. True after a connection error, after the peer
    /// closed, or after GOAWAY once no stream is left.
    pub fn is_closed(&self) -> bool {
        self.out.is_empty() && self.is_finished()
    }

    /// Whether nothing more will happen on the connection: after an error,
    /// after the peer closed, or after GOAWAY once no stream is left. A
    /// finished connection arms no timer, so it never writes again.
    fn is_finished(&self) -> bool {
        if self.error.is_some() || self.peer_closed {
            return true;
        }
        let going_away =
            matches!(self.shutdown, Some(Shutdown::Done)) || self.goaway_received.is_some();
        going_away && self.streams.is_empty()
    }
}

/// Whether the queue already ends the stream (END_STREAM DATA or trailers).
fn ends_stream(queue: &VecDeque<Outbound>) -> bool {
    match queue.back() {
        Some(Outbound::Data { end_stream, .. }) => *end_stream,
        Some(Outbound::Trailers(_)) => true,
        None => false,
    }
}
