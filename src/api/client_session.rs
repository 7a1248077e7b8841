//! The client's per-connection session: one `h2::Connection` and the
//! [`ClientCall`]s of its streams, driven by the `net` event loop.
//!
//! Calls live in a [`CallTable`] shared (on the loop thread only) between
//! the [`PollingChannel`](super::PollingChannel) and its sessions: a call
//! exists before any connection does (it may wait for one), and it must
//! outlive the connection that carried it to report why that one ended.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::Instant;

use bytes::Bytes;

use crate::grpc::{
    ClientCall, ClientEvent, Code, ErrorCode as ResetCode, Status, StreamAction, Trailers,
};
use crate::h2::{self, Connection, Event, SendError, StreamId};
use crate::hpack::Header;
use crate::net::{ConnectionId, Session};

/// A call's handle in a [`PollingChannel`](super::PollingChannel): small,
/// copyable, never reused within one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub(crate) u64);

/// The part of one call the channel keeps beside its [`ClientCall`].
#[derive(Debug)]
pub(crate) struct CallEntry {
    pub(crate) call: ClientCall,
    /// The connection and stream carrying the call, once it has one.
    pub(crate) stream: Option<(ConnectionId, StreamId)>,
    /// The request headers taken from the call but not yet accepted by a
    /// connection (it was at its stream limit), offered again later.
    pub(crate) headers: Option<(Vec<Header>, bool)>,
    /// A DATA action the stream's send buffer had no room for.
    pub(crate) stalled: Option<StreamAction>,
    /// Events for the application, oldest first.
    pub(crate) inbox: VecDeque<ClientEvent>,
    /// Bytes of messages in `inbox`.
    pub(crate) inbox_bytes: usize,
    /// DATA octets received but not yet given back as flow-control credit.
    pub(crate) held_credit: u32,
    /// Message bytes accepted from the application but not yet by HTTP/2.
    pub(crate) unsent_bytes: usize,
    /// Waits for a connection instead of failing fast (wait-for-ready.md).
    pub(crate) wait_for_ready: bool,
    /// The final event was taken by the application.
    pub(crate) delivered_finish: bool,
}

impl CallEntry {
    pub(crate) fn new(call: ClientCall, wait_for_ready: bool) -> CallEntry {
        CallEntry {
            call,
            stream: None,
            headers: None,
            stalled: None,
            inbox: VecDeque::new(),
            inbox_bytes: 0,
            held_credit: 0,
            unsent_bytes: 0,
            wait_for_ready,
            delivered_finish: false,
        }
    }

    /// Moves the call's events to the inbox; a `Finished` is replaced by
    /// `status` when the channel ended the call for a reason of its own.
    pub(crate) fn collect_events(&mut self, status: Option<&Status>) {
        while let Some(event) = self.call.poll_event() {
            let event = match (event, status) {
                (ClientEvent::Finished(_), Some(status)) => {
                    ClientEvent::Finished(Trailers::local(status.clone()))
                }
                (event, _) => event,
            };
            if let ClientEvent::Message(m) = &event {
                self.inbox_bytes = self.inbox_bytes.saturating_add(m.len());
            }
            self.inbox.push_back(event);
        }
    }

    /// Ends the call with `status` (the server has not answered it):
    /// RST_STREAM(CANCEL) if it has a stream, and `status` to the application.
    pub(crate) fn fail(&mut self, status: Status) {
        if !self.call.is_finished() {
            self.call.cancel();
        }
        self.collect_events(Some(&status));
    }

    /// Whether the application has seen everything and the stream is done.
    pub(crate) fn is_done(&self) -> bool {
        self.delivered_finish && self.stalled.is_none()
    }
}

/// What a connection's end looked like, for the statuses of its calls.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionNews {
    /// GOAWAY or a connection error: new calls must use a new connection.
    pub(crate) going_away: bool,
    /// The precise cause, e.g. "GOAWAY PROTOCOL_ERROR \"...\"".
    pub(crate) cause: Option<String>,
    /// The server said GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings")
    /// (keepalive.md): our keepalive interval must grow.
    pub(crate) too_many_pings: bool,
    /// The server's SETTINGS arrived: the connection works.
    pub(crate) settled: bool,
}

/// Every call of a channel, and what its sessions learnt about their
/// connections. Only the loop thread touches it.
#[derive(Debug, Default)]
pub(crate) struct CallTable {
    pub(crate) calls: HashMap<CallId, CallEntry>,
    pub(crate) news: HashMap<ConnectionId, ConnectionNews>,
    /// Calls with new events for the application, for the blocking front end.
    pub(crate) touched: Vec<CallId>,
    /// Most bytes of unread messages per call before flow-control credit is
    /// withheld, so a slow reader slows the server down.
    pub(crate) receive_buffer: usize,
}

pub(crate) type SharedCalls = Rc<RefCell<CallTable>>;

/// The `net::Session` of one client connection: an HTTP/2 connection and
/// the calls on its streams.
pub struct ClientSession {
    id: ConnectionId,
    connection: Connection,
    calls: SharedCalls,
    streams: HashMap<StreamId, CallId>,
}

impl std::fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSession")
            .field("id", &self.id)
            .field("streams", &self.streams.len())
            .finish_non_exhaustive()
    }
}

/// Why a call could not be put on this connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttachError {
    /// The stream limit is reached: try again when a stream ends.
    Busy,
    /// This connection takes no new streams (GOAWAY, ids used up, closed).
    Unusable,
    /// The request itself cannot be sent (e.g. headers too large).
    Refused(SendError),
}

impl ClientSession {
    pub(crate) fn new(
        id: ConnectionId,
        config: h2::Config,
        calls: SharedCalls,
        now: Instant,
    ) -> Self {
        ClientSession {
            id,
            connection: Connection::new(h2::Role::Client, config, now),
            calls,
            streams: HashMap::new(),
        }
    }

    /// Opens a stream for the call `id` and sends what it has queued.
    pub(crate) fn attach(&mut self, id: CallId, now: Instant) -> Result<(), AttachError> {
        let result = {
            let mut table = self.calls.borrow_mut();
            let Some(entry) = table.calls.get_mut(&id) else {
                return Ok(());
            };
            if entry.headers.is_none() {
                match entry.call.poll_action() {
                    Some(StreamAction::SendHeaders { fields, end_stream }) => {
                        let fields = fields
                            .into_iter()
                            .map(|(name, value)| {
                                // RFC 7541 §7.1.3: keep credentials out of the dynamic table.
                                if &name[..] == b"authorization" {
                                    Header::sensitive(name, value)
                                } else {
                                    Header::new(name, value)
                                }
                            })
                            .collect();
                        entry.headers = Some((fields, end_stream));
                    }
                    // Finished before it was sent (cancelled, deadline).
                    _ => return Ok(()),
                }
            }
            let Some((fields, end_stream)) = &entry.headers else {
                return Ok(());
            };
            match self.connection.open_stream(fields, *end_stream) {
                Ok(stream) => {
                    entry.headers = None;
                    entry.stream = Some((self.id, stream));
                    self.streams.insert(stream, id);
                    Ok(())
                }
                Err(SendError::ConcurrencyLimit) => Err(AttachError::Busy),
                Err(SendError::GoingAway | SendError::StreamIdsExhausted | SendError::Closed) => {
                    Err(AttachError::Unusable)
                }
                Err(e) => Err(AttachError::Refused(e)),
            }
        };
        if matches!(result, Err(AttachError::Unusable)) {
            self.news().going_away = true;
        }
        self.flush(now);
        result
    }

    fn news(&self) -> std::cell::RefMut<'_, ConnectionNews> {
        std::cell::RefMut::map(self.calls.borrow_mut(), |t| {
            t.news.entry(self.id).or_default()
        })
    }

    /// Hands received events to the calls and the calls' actions to HTTP/2.
    pub(crate) fn flush(&mut self, now: Instant) {
        while let Some(event) = self.connection.poll_event() {
            self.handle_event(event, now);
        }
        let mut table = self.calls.borrow_mut();
        let table = &mut *table;
        let limit = table.receive_buffer;
        let mut done = Vec::new();
        for (&stream, &id) in &self.streams {
            let Some(entry) = table.calls.get_mut(&id) else {
                done.push(stream);
                continue;
            };
            entry.collect_events(None);
            if entry.held_credit > 0 && (entry.inbox_bytes < limit || entry.call.is_finished()) {
                self.connection.release_capacity(stream, entry.held_credit);
                entry.held_credit = 0;
            }
            loop {
                let Some(action) = entry.stalled.take().or_else(|| entry.call.poll_action()) else {
                    break;
                };
                match action {
                    StreamAction::SendData { data, end_stream } => {
                        let len = data.len();
                        match self.connection.send_data(stream, data.clone(), end_stream) {
                            Ok(()) => entry.unsent_bytes = entry.unsent_bytes.saturating_sub(len),
                            Err(SendError::BufferFull) => {
                                entry.stalled = Some(StreamAction::SendData { data, end_stream });
                                break;
                            }
                            Err(_) => entry.unsent_bytes = 0,
                        }
                    }
                    StreamAction::SendHeaders { fields, end_stream } => {
                        let fields: Vec<Header> =
                            fields.into_iter().map(|(n, v)| Header::new(n, v)).collect();
                        let _ = self.connection.send_headers(stream, &fields, end_stream);
                    }
                    StreamAction::Reset(code) => {
                        let _ = self
                            .connection
                            .reset_stream(stream, h2::ErrorCode::from_u32(code.0));
                    }
                }
            }
            if entry.call.is_finished() && entry.stalled.is_none() {
                done.push(stream);
            }
            if !entry.inbox.is_empty() {
                table.touched.push(id);
            }
        }
        for stream in done {
            if let Some(id) = self.streams.remove(&stream) {
                if let Some(entry) = table.calls.get_mut(&id) {
                    // Credit of a finished call goes back to the connection window.
                    if entry.held_credit > 0 {
                        self.connection.release_capacity(stream, entry.held_credit);
                        entry.held_credit = 0;
                    }
                }
            }
        }
        let _ = now;
    }

    fn handle_event(&mut self, event: Event, now: Instant) {
        match event {
            Event::Headers {
                stream,
                fields,
                end_stream,
                ..
            } => self.with_call(stream, |entry| {
                entry.call.handle_headers(
                    fields.iter().map(|h| (&h.name[..], &h.value[..])),
                    end_stream,
                )
            }),
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
                let known = self.streams.contains_key(&stream);
                if !known {
                    self.connection.release_capacity(stream, len);
                    return;
                }
                self.with_call(stream, |entry| {
                    entry.held_credit = entry.held_credit.saturating_add(len);
                    entry.call.handle_data(data, end_stream);
                });
            }
            Event::StreamReset { stream, code, .. } => {
                let cause = self.news().cause.clone();
                self.with_call(stream, |entry| {
                    let was_finished = entry.call.is_finished();
                    entry.call.handle_reset(ResetCode(code.to_u32()), now);
                    // A stream cut off with its connection (GOAWAY, socket
                    // closed) failed for the connection's reason.
                    if let (
                        false,
                        Some(cause),
                        h2::ErrorCode::Cancel | h2::ErrorCode::RefusedStream,
                    ) = (was_finished, &cause, code)
                    {
                        entry.collect_events(Some(&Status::new(Code::Unavailable, cause.clone())));
                    }
                });
            }
            Event::GoAway {
                code, debug_data, ..
            } => {
                let mut news = self.news();
                news.going_away = true;
                news.cause = Some(format!(
                    "the server sent {}",
                    describe_goaway(code, &debug_data)
                ));
                // keepalive.md: "too_many_pings" asks the client to ping less often.
                if code == h2::ErrorCode::EnhanceYourCalm && &debug_data[..] == b"too_many_pings" {
                    news.too_many_pings = true;
                }
            }
            Event::ConnectionError(error) => {
                let mut news = self.news();
                news.going_away = true;
                news.cause = Some(format!(
                    "HTTP/2 protocol error: {} ({}); we sent GOAWAY",
                    error.reason,
                    code_name(error.code)
                ));
            }
            Event::SettingsReceived(_) => self.news().settled = true,
            Event::SettingsAcknowledged | Event::PingAcknowledged { .. } => {}
        }
    }

    fn with_call(&mut self, stream: StreamId, f: impl FnOnce(&mut CallEntry)) {
        let Some(id) = self.streams.get(&stream) else {
            return;
        };
        if let Some(entry) = self.calls.borrow_mut().calls.get_mut(id) {
            f(entry);
        }
    }
}

/// The name of an HTTP/2 error code, or its number.
pub(crate) fn code_name(code: h2::ErrorCode) -> String {
    match code.name() {
        Some(name) => name.to_string(),
        None => format!("0x{:x}", code.to_u32()),
    }
}

/// "GOAWAY ENHANCE_YOUR_CALM \"too_many_pings\"".
pub(crate) fn describe_goaway(code: h2::ErrorCode, debug_data: &Bytes) -> String {
    if debug_data.is_empty() {
        format!("GOAWAY {}", code_name(code))
    } else {
        format!(
            "GOAWAY {} {:?}",
            code_name(code),
            String::from_utf8_lossy(debug_data)
        )
    }
}

impl Session for ClientSession {
    fn handle_input(&mut self, data: &[u8], now: Instant) -> usize {
        let used = self.connection.handle_input(data, now);
        self.flush(now);
        used
    }

    fn poll_transmit(&mut self, out: &mut Vec<u8>, now: Instant) {
        self.flush(now);
        self.connection.poll_transmit(out, now);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let table = self.calls.borrow();
        let calls = self
            .streams
            .values()
            .filter_map(|id| table.calls.get(id))
            .filter_map(|entry| entry.call.poll_timeout())
            .min();
        match (self.connection.poll_timeout(), calls) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.connection.poll_timeout().is_some_and(|t| now >= t) {
            self.connection.handle_timeout(now);
        }
        {
            let mut table = self.calls.borrow_mut();
            for id in self.streams.values() {
                if let Some(entry) = table.calls.get_mut(id) {
                    entry.call.handle_timeout(now);
                }
            }
        }
        self.flush(now);
    }

    fn wants_read(&self) -> bool {
        self.connection.wants_read()
    }

    fn is_closed(&self) -> bool {
        self.connection.is_closed()
    }

    fn handle_peer_closed(&mut self, now: Instant) {
        {
            let mut news = self.news();
            news.going_away = true;
            if news.cause.is_none() {
                news.cause = Some("the server closed the connection".to_string());
            }
        }
        self.connection.handle_peer_closed(now);
        self.flush(now);
    }

    fn handle_shutdown(&mut self, now: Instant) {
        self.connection.shutdown(now);
        self.flush(now);
    }
}
