//! The client's per-connection session: one `h2::Connection` and the
//! [`ClientCall`]s of its streams, driven by the `net` event loop.
//!
//! Calls live in a [`CallTable`] shared (on the loop thread only) between
//! the [`PollingChannel`](super::PollingChannel) and its sessions: a call
//! exists before any connection does (it may wait for one), and it must
//! outlive the connection that carried it to report why that one ended.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::time::Instant;

use bytes::Bytes;

use crate::grpc::{
    CallKind, CallLimits, ClientCall, ClientEvent, Code, ErrorCode as ResetCode, RequestHead,
    Status, StreamAction, Trailers,
};
use crate::h2::{self, Connection, Event, SendError, StreamId};
use crate::hpack::Header;
use crate::net::{ConnectionId, Session};

/// A call's handle in a [`PollingChannel`](super::PollingChannel): small,
/// copyable, never reused within one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub(crate) u64);

/// What it takes to start a single-request call again on another stream:
/// a stream refused before the server processed it (REFUSED_STREAM, or
/// above a GOAWAY's last stream id, RFC 9113 §8.7) may be retried
/// transparently, once.
#[derive(Debug, Clone)]
pub(crate) struct Replay {
    pub(crate) kind: CallKind,
    pub(crate) head: RequestHead,
    pub(crate) limits: CallLimits,
    pub(crate) deadline: Option<Instant>,
    pub(crate) request: Option<Bytes>,
    pub(crate) closed: bool,
}

impl Replay {
    /// The call as new, with what is left of its deadline.
    fn restart(mut self, now: Instant) -> ClientCall {
        self.head.timeout = self.deadline.map(|d| d.saturating_duration_since(now));
        let mut call = ClientCall::new(self.kind, &self.head, self.limits, now);
        if let Some(request) = self.request {
            let _ = call.send_message(request);
        }
        if self.closed {
            let _ = call.half_close();
        }
        call
    }
}

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
    /// Set for single-request calls until the server answers.
    pub(crate) replay: Option<Replay>,
    /// Response headers or a message arrived.
    pub(crate) answered: bool,
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
            replay: None,
            answered: false,
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
            match &event {
                ClientEvent::Message(m) => {
                    self.inbox_bytes = self.inbox_bytes.saturating_add(m.len());
                    self.answered = true;
                }
                ClientEvent::Headers(_) => self.answered = true,
                ClientEvent::Finished(_) => {}
            }
            if self.answered {
                // The server has the call: it is not retried any more.
                self.replay = None;
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
}

/// Every call of a channel, and what its sessions learnt about their
/// connections. Only the loop thread touches it.
#[derive(Debug, Default)]
pub(crate) struct CallTable {
    pub(crate) calls: HashMap<CallId, CallEntry>,
    pub(crate) news: HashMap<ConnectionId, ConnectionNews>,
    /// Calls with new events for the application, kept only for the
    /// blocking front end (which drains it every turn), so a polling user
    /// who never asks does not accumulate it.
    pub(crate) touched: HashSet<CallId>,
    /// Whether `touched` is kept.
    pub(crate) track_touched: bool,
    /// Calls whose stream was refused unprocessed, to be placed again.
    pub(crate) requeue: Vec<CallId>,
    /// Most bytes of unread messages per call before flow-control credit is
    /// withheld, so a slow reader slows the server down.
    pub(crate) receive_buffer: usize,
}

impl CallTable {
    /// Notes that the call `id` has news for the application.
    pub(crate) fn touch(&mut self, id: CallId) {
        if self.track_touched {
            self.touched.insert(id);
        }
    }
}

pub(crate) type SharedCalls = Rc<RefCell<CallTable>>;

/// The `net::Session` of one client connection: an HTTP/2 connection and
/// the calls on its streams.
pub struct ClientSession {
    id: ConnectionId,
    connection: Connection,
    calls: SharedCalls,
    streams: HashMap<StreamId, CallId>,
    /// The socket ended: the calls left are failed by the channel, with
    /// the driver's precise reason (e.g. a TLS alert), not here.
    peer_closed: bool,
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
            peer_closed: false,
        }
    }

    /// Opens a stream for the call `id` and sends what it has queued.
    pub(crate) fn attach(&mut self, id: CallId, now: Instant) -> Result<(), AttachError> {
        let result = {
            let mut table = self.calls.borrow_mut();
            let Some(entry) = table.calls.get_mut(&id) else {
                return Ok(());
            };
            if entry.call.is_finished() {
                // Cancelled or past its deadline while it waited.
                entry.headers = None;
                return Ok(());
            }
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

    /// Takes no new streams: GOAWAY to the server, close once the calls
    /// in flight are done.
    pub(crate) fn retire(&mut self, now: Instant) {
        self.news().going_away = true;
        self.connection.shutdown(now);
        self.flush(now);
    }

    fn news(&self) -> std::cell::RefMut<'_, ConnectionNews> {
        std::cell::RefMut::map(self.calls.borrow_mut(), |t| {
            t.news.entry(self.id).or_default()
        })
    }

    /// Hands received events to the calls and the calls' actions to HTTP/2.
    pub(crate) fn flush(&mut self, now: Instant) {
        let mut events: Vec<Event> = std::iter::from_fn(|| self.connection.poll_event()).collect();
        // GOAWAY and connection errors first: the resets they cause
        // (reported before them) fail for their reason.
        events.sort_by_key(|e| !matches!(e, Event::GoAway { .. } | Event::ConnectionError(_)));
        for event in events {
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
                table.touch(id);
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
            Event::StreamReset { .. } if self.peer_closed => {}
            Event::StreamReset {
                stream,
                code: h2::ErrorCode::RefusedStream,
                ..
            } if self.replay(stream, now) => {}
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
            Event::SettingsReceived(_)
            | Event::SettingsAcknowledged
            | Event::PingAcknowledged { .. } => {}
        }
    }

    /// Restarts the call of a refused stream, if it can be: not answered,
    /// not retried before. It goes back to the channel to be placed again.
    fn replay(&mut self, stream: StreamId, now: Instant) -> bool {
        let Some(&id) = self.streams.get(&stream) else {
            return false;
        };
        let mut table = self.calls.borrow_mut();
        let Some(entry) = table.calls.get_mut(&id) else {
            return false;
        };
        if entry.answered || entry.call.is_finished() {
            return false;
        }
        let Some(replay) = entry.replay.take() else {
            return false;
        };
        entry.call = replay.restart(now);
        entry.stream = None;
        entry.headers = None;
        entry.stalled = None;
        entry.unsent_bytes = 0;
        let credit = std::mem::take(&mut entry.held_credit);
        table.requeue.push(id);
        drop(table);
        self.streams.remove(&stream);
        if credit > 0 {
            self.connection.release_capacity(stream, credit);
        }
        true
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
        self.peer_closed = true;
        self.connection.handle_peer_closed(now);
        self.flush(now);
    }

    fn handle_shutdown(&mut self, now: Instant) {
        self.connection.shutdown(now);
        self.flush(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::{CallKind, CallLimits, RequestHead};
    use crate::h2::frame::GoAway;
    use crate::net::{ConnectTarget, EventLoop};

    /// A real `ConnectionId` (the type has no public constructor): one
    /// connect on a throwaway loop.
    fn connection_id() -> ConnectionId {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let target = ConnectTarget::socket(listener.local_addr().unwrap());
        let mut event_loop = EventLoop::<ClientSession>::new(Default::default()).unwrap();
        event_loop
            .driver()
            .connect(&target, |_| None, Instant::now())
            .unwrap()
    }

    struct Pair {
        client: ClientSession,
        server: Connection,
        calls: SharedCalls,
        now: Instant,
    }

    impl Pair {
        fn new(receive_buffer: usize) -> Pair {
            let now = Instant::now();
            let calls: SharedCalls = Rc::new(RefCell::new(CallTable {
                receive_buffer,
                ..CallTable::default()
            }));
            Pair {
                client: ClientSession::new(
                    connection_id(),
                    h2::Config::default(),
                    calls.clone(),
                    now,
                ),
                server: Connection::new(h2::Role::Server, h2::Config::default(), now),
                calls,
                now,
            }
        }

        /// Moves bytes both ways until neither side has anything to say;
        /// returns the server's events.
        fn drive(&mut self) -> Vec<Event> {
            let mut events = Vec::new();
            for _ in 0..20 {
                let mut out = Vec::new();
                self.client.poll_transmit(&mut out, self.now);
                let used = self.server.handle_input(&out, self.now);
                assert_eq!(used, out.len());
                let mut back = Vec::new();
                self.server.poll_transmit(&mut back, self.now);
                let used = self.client.handle_input(&back, self.now);
                assert_eq!(used, back.len());
                events.extend(std::iter::from_fn(|| self.server.poll_event()));
                if out.is_empty() && back.is_empty() {
                    break;
                }
            }
            events
        }

        fn start(&mut self, id: u64, kind: CallKind) -> CallId {
            let id = CallId(id);
            let mut call = ClientCall::new(
                kind,
                &RequestHead::new("pkg.Svc", "Do"),
                CallLimits::default(),
                self.now,
            );
            call.send_message(Bytes::from_static(b"req")).unwrap();
            call.half_close().unwrap();
            self.calls
                .borrow_mut()
                .calls
                .insert(id, CallEntry::new(call, false));
            self.client.attach(id, self.now).unwrap();
            id
        }

        fn inbox(&self, id: CallId) -> Vec<ClientEvent> {
            self.calls.borrow().calls[&id]
                .inbox
                .iter()
                .cloned()
                .collect()
        }
    }

    fn framed(message: &[u8]) -> Bytes {
        let mut out = bytes::BytesMut::new();
        crate::grpc::framing::encode(message, &mut out).unwrap();
        out.freeze()
    }

    fn respond(server: &mut Connection, stream: StreamId, messages: &[&[u8]]) {
        let headers = [
            Header::new(&b":status"[..], &b"200"[..]),
            Header::new(&b"content-type"[..], &b"application/grpc"[..]),
        ];
        server.send_headers(stream, &headers, false).unwrap();
        for m in messages {
            server.send_data(stream, framed(m), false).unwrap();
        }
        server
            .send_trailers(stream, vec![Header::new(&b"grpc-status"[..], &b"0"[..])])
            .unwrap();
    }

    fn request_stream(events: &[Event]) -> StreamId {
        events
            .iter()
            .find_map(|e| match e {
                Event::Headers { stream, .. } => Some(*stream),
                _ => None,
            })
            .expect("the request reached the server")
    }

    #[test]
    fn a_unary_call_round_trip() {
        let mut pair = Pair::new(1 << 20);
        let id = pair.start(1, CallKind::Unary);
        let events = pair.drive();
        let stream = request_stream(&events);
        assert!(events.iter().any(|e| matches!(e,
            Event::Data { data, end_stream: true, .. } if data == &framed(b"req"))));
        respond(&mut pair.server, stream, &[b"resp"]);
        pair.drive();
        assert_eq!(
            pair.inbox(id),
            [
                ClientEvent::Headers(Default::default()),
                ClientEvent::Message(Bytes::from_static(b"resp")),
                ClientEvent::Finished(Trailers::local(Status::ok())),
            ]
        );
        assert!(pair.client.streams.is_empty());
    }

    #[test]
    fn credit_is_held_while_the_reader_lags() {
        // A receive buffer of 4 bytes: after one unread message, credit waits.
        let mut pair = Pair::new(4);
        let id = pair.start(1, CallKind::ServerStreaming);
        let stream = request_stream(&pair.drive());
        let headers = [
            Header::new(&b":status"[..], &b"200"[..]),
            Header::new(&b"content-type"[..], &b"application/grpc"[..]),
        ];
        pair.server.send_headers(stream, &headers, false).unwrap();
        for m in [&b"aaaa"[..], b"bbbb", b"cccc"] {
            pair.server.send_data(stream, framed(m), false).unwrap();
        }
        pair.drive();
        let held = pair.calls.borrow().calls[&id].held_credit;
        assert_eq!(held, 3 * 9, "credit for unread messages is withheld");
        // The reader takes everything: the credit goes back.
        {
            let mut table = pair.calls.borrow_mut();
            let entry = table.calls.get_mut(&id).unwrap();
            entry.inbox.clear();
            entry.inbox_bytes = 0;
        }
        pair.client.flush(pair.now);
        assert_eq!(pair.calls.borrow().calls[&id].held_credit, 0);
    }

    #[test]
    fn goaway_too_many_pings_is_reported() {
        let mut pair = Pair::new(1 << 20);
        let id = pair.start(1, CallKind::Unary);
        pair.drive();
        let mut goaway = Vec::new();
        GoAway {
            last_stream_id: StreamId::new(0),
            error_code: h2::ErrorCode::EnhanceYourCalm,
            debug_data: Bytes::from_static(b"too_many_pings"),
        }
        .encode(&mut goaway);
        pair.client.handle_input(&goaway, pair.now);
        let news = pair.calls.borrow().news[&pair.client.id].clone();
        assert!(news.going_away && news.too_many_pings);
        assert_eq!(
            news.cause.as_deref(),
            Some("the server sent GOAWAY ENHANCE_YOUR_CALM \"too_many_pings\"")
        );
        // Stream 1 is above last_stream_id 0: refused, so the call failed
        // UNAVAILABLE with the GOAWAY as its cause.
        let inbox = pair.inbox(id);
        let Some(ClientEvent::Finished(trailers)) = inbox.last() else {
            panic!("call not finished: {inbox:?}");
        };
        assert_eq!(trailers.status.code, Code::Unavailable);
        assert_eq!(
            trailers.status.message,
            "the server sent GOAWAY ENHANCE_YOUR_CALM \"too_many_pings\""
        );
        assert_eq!(
            pair.client.attach_new(2, pair.now),
            Err(AttachError::Unusable)
        );
    }

    #[test]
    fn after_goaway_the_call_in_flight_finishes() {
        let mut pair = Pair::new(1 << 20);
        let id = pair.start(1, CallKind::Unary);
        let stream = request_stream(&pair.drive());
        let mut goaway = Vec::new();
        GoAway {
            last_stream_id: stream,
            error_code: h2::ErrorCode::NoError,
            debug_data: Bytes::new(),
        }
        .encode(&mut goaway);
        pair.client.handle_input(&goaway, pair.now);
        assert!(pair.calls.borrow().news[&pair.client.id].going_away);
        assert_eq!(
            pair.client.attach_new(2, pair.now),
            Err(AttachError::Unusable)
        );
        respond(&mut pair.server, stream, &[b"done"]);
        pair.drive();
        assert_eq!(
            pair.inbox(id).last(),
            Some(&ClientEvent::Finished(Trailers::local(Status::ok())))
        );
        assert!(
            pair.client.is_closed(),
            "no stream left after GOAWAY: close"
        );
    }

    #[test]
    fn a_refused_stream_is_replayed_once() {
        let mut pair = Pair::new(1 << 20);
        let id = pair.start(1, CallKind::Unary);
        pair.drive();
        let head = RequestHead::new("pkg.Svc", "Do");
        pair.calls.borrow_mut().calls.get_mut(&id).unwrap().replay = Some(Replay {
            kind: CallKind::Unary,
            head,
            limits: CallLimits::default(),
            deadline: None,
            request: Some(Bytes::from_static(b"req")),
            closed: true,
        });
        let mut goaway = Vec::new();
        GoAway {
            last_stream_id: StreamId::new(0),
            error_code: h2::ErrorCode::NoError,
            debug_data: Bytes::new(),
        }
        .encode(&mut goaway);
        pair.client.handle_input(&goaway, pair.now);
        let table = pair.calls.borrow();
        let entry = &table.calls[&id];
        assert_eq!(table.requeue, [id]);
        assert!(entry.inbox.is_empty() && !entry.call.is_finished());
        assert!(entry.stream.is_none() && entry.replay.is_none());
        assert!(pair.client.streams.is_empty());
    }

    #[test]
    fn a_protocol_error_names_the_problem() {
        let mut pair = Pair::new(1 << 20);
        let id = pair.start(1, CallKind::Unary);
        pair.drive();
        // A DATA frame on stream 0 is a connection error (RFC 9113 §6.1).
        pair.client
            .handle_input(&[0, 0, 1, 0, 0, 0, 0, 0, 0, b'x'], pair.now);
        let news = pair.calls.borrow().news[&pair.client.id].clone();
        let cause = news.cause.unwrap();
        assert!(cause.starts_with("HTTP/2 protocol error: "), "{cause}");
        assert!(
            cause.ends_with("(PROTOCOL_ERROR); we sent GOAWAY"),
            "{cause}"
        );
        assert!(news.going_away);
        let _ = id;
    }

    impl ClientSession {
        fn attach_new(&mut self, id: u64, now: Instant) -> Result<(), AttachError> {
            let call = ClientCall::new(
                CallKind::Unary,
                &RequestHead::new("pkg.Svc", "Do"),
                CallLimits::default(),
                now,
            );
            self.calls
                .borrow_mut()
                .calls
                .insert(CallId(id), CallEntry::new(call, false));
            self.attach(CallId(id), now)
        }
    }
}
