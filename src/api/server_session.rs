//! One server connection on the loop thread: an `h2::Connection` and the
//! `grpc::ServerCall` of each of its streams, driven as a `net::Session`.
//!
//! For each new stream the request headers are checked
//! ([`RequestHead::from_headers`]); a non-gRPC request gets a plain HTTP
//! answer (405, 415), an unknown method or a refusing interceptor a
//! Trailers-Only status. Otherwise a [`ServerCall`] runs the stream and the
//! handler runs on the worker pool (or inline); the two meet in a per-call
//! channel, and the handler wakes the loop through the [`LoopHandle`].
//!
//! Back-pressure both ways: the client's DATA is credited back (RFC 9113
//! §5.2) only while the handler keeps up with its messages, and responses
//! move into HTTP/2 only as its per-stream send buffer drains, so a handler
//! outrunning the client blocks in `send`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use super::call_channel::{CallChannel, Outgoing};
use super::server::ServerShared;
use super::service::{MethodHandler, ServerContext};
use crate::grpc::{Code, StreamAction};
use crate::grpc::{HeaderList, Metadata, Rejection, RequestHead, ServerCall, ServerEvent, Status};
use crate::h2::{self, Connection, Event, StreamId};
use crate::hpack::Header;
use crate::net::{ConnectionId, ConnectionInfo, H2cUpgrade, LoopHandle, PeerAddress, Session};

/// The call of one stream, as the loop keeps it.
struct ActiveCall {
    call: ServerCall,
    channel: Arc<CallChannel>,
    handler: MethodHandler,
    /// Until the handler starts.
    context: Option<ServerContext>,
    /// The single request message of a unary or server-streaming call.
    request: Option<Bytes>,
    /// Actions the call asked for that HTTP/2 has not taken yet (its
    /// per-stream send buffer was full).
    pending: VecDeque<StreamAction>,
    /// A header block went to HTTP/2: the next one is the trailers.
    headers_out: bool,
    /// END_STREAM went to HTTP/2.
    end_out: bool,
    /// Octets of DATA received but not yet credited back to the client.
    unreleased: u32,
}

impl ActiveCall {
    /// Whether the loop needs the call no more: its status is out.
    fn is_done(&self) -> bool {
        self.call.is_finished() && self.pending.is_empty()
    }
}

/// The `net::Session` of one gRPC server connection (see the module doc).
pub struct ServerSession {
    conn: Connection,
    id: ConnectionId,
    peer: PeerAddress,
    shared: Arc<ServerShared>,
    handle: LoopHandle<ServerSession>,
    calls: HashMap<StreamId, ActiveCall>,
}

impl std::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSession")
            .field("id", &self.id)
            .field("peer", &self.peer)
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

impl ServerSession {
    /// The session for a new connection; `None` refuses it (an h2c
    /// upgrade with invalid `HTTP2-Settings`).
    pub(crate) fn new(
        info: &ConnectionInfo,
        shared: Arc<ServerShared>,
        handle: LoopHandle<ServerSession>,
        now: Instant,
    ) -> Option<ServerSession> {
        let conn = match &info.upgrade {
            None => Connection::new(h2::Role::Server, shared.config.h2, now),
            Some(upgrade) => Connection::new_upgraded(
                shared.config.h2,
                now,
                &upgrade.settings,
                upgrade_request(upgrade),
            )
            .ok()?,
        };
        Some(ServerSession {
            conn,
            id: info.id,
            peer: info.peer.clone(),
            shared,
            handle,
            calls: HashMap::new(),
        })
    }

    /// How many calls are in progress on this connection.
    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }

    /// Takes what the HTTP/2 connection reports.
    fn process_events(&mut self, now: Instant) {
        while let Some(event) = self.conn.poll_event() {
            match event {
                Event::Headers {
                    stream,
                    fields,
                    end_stream,
                    trailers: false,
                } if !self.calls.contains_key(&stream) => {
                    self.start_call(stream, &fields, end_stream, now);
                }
                Event::Headers {
                    stream,
                    fields,
                    end_stream,
                    ..
                } => {
                    if let Some(active) = self.calls.get_mut(&stream) {
                        let pairs = fields.iter().map(|h| (&h.name[..], &h.value[..]));
                        active.call.handle_headers(pairs, end_stream);
                        self.after_call(stream);
                    }
                }
                Event::Data {
                    stream,
                    data,
                    end_stream,
                } => self.take_data(stream, data, end_stream),
                Event::StreamReset { stream, code, .. } => {
                    if let Some(active) = self.calls.get_mut(&stream) {
                        active
                            .call
                            .handle_reset(crate::grpc::ErrorCode(code.to_u32()));
                        // The stream is gone: nothing more may be sent on it.
                        active.pending.clear();
                        self.after_call(stream);
                    }
                }
                Event::ConnectionError(error) => {
                    let status =
                        Status::new(Code::Unavailable, format!("connection error: {error:?}"));
                    self.end_all(status);
                }
                Event::SettingsReceived(_)
                | Event::SettingsAcknowledged
                | Event::GoAway { .. }
                | Event::PingAcknowledged { .. } => {}
            }
        }
    }

    /// Request headers on a new stream: answer on our own or start a call.
    fn start_call(&mut self, stream: StreamId, fields: &[Header], end_stream: bool, now: Instant) {
        let shared = self.shared.clone();
        let pairs = fields.iter().map(|h| (&h.name[..], &h.value[..]));
        let head =
            match RequestHead::from_headers(pairs, shared.config.call_limits.metadata_soft_limit) {
                Ok(head) => head,
                Err(rejection) => return self.answer(stream, &rejection.to_headers()),
            };
        if let Err(status) = shared.router.check(&head) {
            return self.answer(stream, &Rejection::Status(status).to_headers());
        }
        let path = head.path();
        let Some(handler) = shared.router.route(&path) else {
            let status = Status::unimplemented(format!("unknown method {path}"));
            return self.answer(stream, &Rejection::Status(status).to_headers());
        };
        let call = ServerCall::new(handler.kind(), &head, shared.config.call_limits, now);
        let deadline = call.poll_timeout();
        let channel = Arc::new(CallChannel::new(
            shared.config.send_queue_per_call,
            self.waker(stream),
        ));
        let context = ServerContext::new(head, self.peer.clone(), deadline, channel.clone());
        let starts_now = !handler.waits_for_request();
        self.calls.insert(
            stream,
            ActiveCall {
                call,
                channel,
                handler,
                context: Some(context),
                request: None,
                pending: VecDeque::new(),
                headers_out: false,
                end_out: false,
                unreleased: 0,
            },
        );
        if starts_now {
            self.dispatch(stream);
        }
        if end_stream {
            if let Some(active) = self.calls.get_mut(&stream) {
                active.call.handle_data(Bytes::new(), true);
            }
        }
        self.after_call(stream);
    }

    /// A whole response in one header block with END_STREAM.
    fn answer(&mut self, stream: StreamId, fields: &HeaderList) {
        // Fails only if the stream or connection is already gone.
        let _ = self.conn.send_headers(stream, &to_h2(fields), true);
    }

    /// How a handler wakes the loop for `stream`.
    fn waker(&self, stream: StreamId) -> Box<dyn Fn() + Send + Sync> {
        let handle = self.handle.clone();
        let id = self.id;
        Box::new(move || {
            // Fails only once the loop has stopped; the call is over then.
            let _ = handle.send_to_session(id, move |session, now| session.pump(stream, now));
        })
    }

    fn take_data(&mut self, stream: StreamId, data: Bytes, end_stream: bool) {
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let Some(active) = self.calls.get_mut(&stream) else {
            // A call already answered: nobody will read this.
            self.conn.release_capacity(stream, len);
            return;
        };
        active.unreleased = active.unreleased.saturating_add(len);
        active.call.handle_data(data, end_stream);
        self.after_call(stream);
    }

    /// After input to a call: hand its events to the handler, start the
    /// handler when its request is complete, move its actions to HTTP/2.
    fn after_call(&mut self, stream: StreamId) {
        let mut start = false;
        if let Some(active) = self.calls.get_mut(&stream) {
            while let Some(event) = active.call.poll_event() {
                match event {
                    ServerEvent::Message(message) if active.handler.waits_for_request() => {
                        active.request = Some(message);
                    }
                    ServerEvent::Message(message) => {
                        let mut state = active.channel.lock();
                        state.inbox_bytes = state.inbox_bytes.saturating_add(message.len());
                        state.inbox.push_back(message);
                        drop(state);
                        active.channel.notify();
                    }
                    ServerEvent::HalfClosed => {
                        if active.handler.waits_for_request() {
                            start = true;
                        } else {
                            active.channel.lock().request_done = true;
                            active.channel.notify();
                        }
                    }
                    ServerEvent::Cancelled(status) => active.channel.end(status),
                }
            }
            drain_actions(active);
        }
        if start {
            self.dispatch(stream);
        }
        self.credit(stream);
        self.flush(stream);
    }

    /// Starts the handler of `stream`: inline, or on a worker; a full pool
    /// ends the call with RESOURCE_EXHAUSTED.
    fn dispatch(&mut self, stream: StreamId) {
        let Some(active) = self.calls.get_mut(&stream) else {
            return;
        };
        let Some(mut context) = active.context.take() else {
            return;
        };
        let request = active.request.take();
        if active.handler.is_inline() {
            let handler = &active.handler;
            let run = std::panic::AssertUnwindSafe(|| {
                handler.run_unary(&mut context, request.unwrap_or_default())
            });
            // A panicking inline handler fails its call, not the loop.
            let result = std::panic::catch_unwind(run).unwrap_or_else(|_| {
                Some((
                    Err(Status::internal("the handler panicked")),
                    Metadata::new(),
                ))
            });
            if let Some((result, trailers)) = result {
                send_response_headers(active);
                let status = match result {
                    Ok(message) => match active.call.send_message(message) {
                        Ok(()) => Status::ok(),
                        Err(error) => Status::internal(format!("response not sent: {error}")),
                    },
                    Err(status) => status,
                };
                let _ = active.call.finish(&status, &trailers);
                drain_actions(active);
            }
            return;
        }
        let handler = active.handler.clone();
        let channel = active.channel.clone();
        let job = Box::new(move || {
            let run = std::panic::AssertUnwindSafe(|| handler.run(context, request));
            if std::panic::catch_unwind(run).is_err() {
                let status = Status::internal("the handler panicked");
                let _ = channel.push_response(Outgoing::Finish(status, Metadata::new()));
            }
        });
        if self.shared.pool.try_execute(job).is_err() {
            let status = Status::resource_exhausted("the server is busy: handler queue full");
            let _ = active.call.finish(&status, &Metadata::new());
            active.channel.end(status);
            drain_actions(active);
        }
    }

    /// The handler made progress (took requests, queued responses): move
    /// its responses into the call and credit the client.
    pub(crate) fn pump(&mut self, stream: StreamId, _now: Instant) {
        let Some(active) = self.calls.get_mut(&stream) else {
            return;
        };
        active.channel.lock().wake_pending = false;
        self.take_responses(stream);
        self.credit(stream);
        self.flush(stream);
    }

    /// Moves queued responses into the call while HTTP/2 keeps up.
    fn take_responses(&mut self, stream: StreamId) {
        let Some(active) = self.calls.get_mut(&stream) else {
            return;
        };
        let mut took = false;
        while active.pending.is_empty() && !active.call.is_finished() {
            let mut state = active.channel.lock();
            let Some(item) = state.outbox.pop_front() else {
                break;
            };
            if let Outgoing::Message(message) = &item {
                state.outbox_bytes = state.outbox_bytes.saturating_sub(message.len());
            }
            drop(state);
            took = true;
            send_response_headers(active);
            match item {
                Outgoing::Message(message) => {
                    if let Err(error) = active.call.send_message(message) {
                        let status = Status::internal(format!("response not sent: {error}"));
                        let _ = active.call.finish(&status, &Metadata::new());
                        active.channel.end(status);
                    }
                }
                Outgoing::Finish(status, trailers) => {
                    let _ = active.call.finish(&status, &trailers);
                }
            }
            drain_actions(active);
        }
        if took {
            active.channel.notify();
        }
    }

    /// Credits the client for the DATA of `stream` once the handler has
    /// few messages waiting (RFC 9113 §5.2.2).
    fn credit(&mut self, stream: StreamId) {
        let Some(active) = self.calls.get_mut(&stream) else {
            return;
        };
        if active.unreleased == 0 {
            return;
        }
        let waiting = active.channel.lock().inbox_bytes;
        if waiting <= self.shared.config.receive_buffer_per_call {
            self.conn.release_capacity(stream, active.unreleased);
            active.unreleased = 0;
        }
    }

    /// Hands the call's pending actions to HTTP/2 as its send buffer
    /// allows; forgets the call once its status is out.
    fn flush(&mut self, stream: StreamId) {
        let Some(active) = self.calls.get_mut(&stream) else {
            return;
        };
        while let Some(action) = active.pending.front_mut() {
            let sent = match action {
                StreamAction::SendHeaders { fields, end_stream } => {
                    let fields = to_h2(fields);
                    active.end_out |= *end_stream;
                    if active.headers_out {
                        self.conn.send_trailers(stream, fields)
                    } else {
                        active.headers_out = true;
                        self.conn.send_headers(stream, &fields, *end_stream)
                    }
                }
                StreamAction::SendData { data, end_stream } => {
                    let space = self.conn.send_buffer_space(stream);
                    if space == 0 && !data.is_empty() {
                        break;
                    }
                    let chunk = data.split_to(space.min(data.len()));
                    let end = *end_stream && data.is_empty();
                    active.end_out |= end;
                    let sent = self.conn.send_data(stream, chunk, end);
                    if !data.is_empty() && sent.is_ok() {
                        continue;
                    }
                    sent
                }
                // After our END_STREAM, HTTP/2 itself resets a stream the
                // client still sends on, once the trailers are written
                // (RFC 9113 §8.1); resetting now would drop them.
                StreamAction::Reset(_) if active.end_out => Ok(()),
                StreamAction::Reset(code) => self
                    .conn
                    .reset_stream(stream, h2::ErrorCode::from_u32(code.0)),
            };
            active.pending.pop_front();
            if sent.is_err() {
                // The stream is gone (reset, connection closing).
                active.pending.clear();
            }
        }
        if active.is_done() {
            self.forget(stream);
        }
    }

    fn forget(&mut self, stream: StreamId) {
        if let Some(active) = self.calls.remove(&stream) {
            if active.unreleased > 0 {
                self.conn.release_capacity(stream, active.unreleased);
            }
            // Wakes a handler still blocked on the call; a call that ended
            // normally keeps its status (`end` does not overwrite).
            active.channel.end(Status::cancelled("the call has ended"));
        }
    }

    /// Moves every call's queued work forward (space may have freed).
    fn flush_all(&mut self) {
        let streams: Vec<StreamId> = self.calls.keys().copied().collect();
        for stream in streams {
            self.take_responses(stream);
            self.flush(stream);
        }
    }

    /// Ends every call for its handler: the connection is gone.
    fn end_all(&mut self, status: Status) {
        for (_, active) in self.calls.drain() {
            active.channel.end(status.clone());
        }
    }
}

/// Sends the handler's Response-Headers metadata before its first
/// response or status, if it set any.
fn send_response_headers(active: &mut ActiveCall) {
    let metadata = active.channel.lock().response_headers.take();
    if let Some(metadata) = metadata {
        let _ = active.call.send_headers(metadata);
    }
}

fn drain_actions(active: &mut ActiveCall) {
    while let Some(action) = active.call.poll_action() {
        active.pending.push_back(action);
    }
}

/// The HTTP/1.1 request of an h2c upgrade as an HTTP/2 header list: `Host`
/// becomes `:authority` (RFC 9113 §8.3.1).
fn upgrade_request(upgrade: &H2cUpgrade) -> Vec<Header> {
    let mut fields = vec![
        Header::new(":method", upgrade.method.clone()),
        Header::new(":scheme", "http"),
        Header::new(":path", upgrade.path.clone()),
    ];
    for (name, value) in &upgrade.headers {
        if name == "host" {
            fields.push(Header::new(":authority", value.clone()));
        }
    }
    fields.extend(
        upgrade
            .headers
            .iter()
            .filter(|(name, _)| name != "host")
            .map(|(name, value)| Header::new(name.clone(), value.clone())),
    );
    fields
}

fn to_h2(fields: &HeaderList) -> Vec<Header> {
    fields
        .iter()
        .map(|(name, value)| Header::new(name.clone(), value.clone()))
        .collect()
}

impl Session for ServerSession {
    fn handle_input(&mut self, data: &[u8], now: Instant) -> usize {
        let consumed = self.conn.handle_input(data, now);
        self.process_events(now);
        consumed
    }

    fn poll_transmit(&mut self, out: &mut Vec<u8>, now: Instant) {
        self.flush_all();
        self.conn.poll_transmit(out, now);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.calls
            .values()
            .filter_map(|active| active.call.poll_timeout())
            .chain(self.conn.poll_timeout())
            .min()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.conn.handle_timeout(now);
        let due: Vec<StreamId> = self
            .calls
            .iter()
            .filter(|(_, active)| active.call.poll_timeout().is_some_and(|at| at <= now))
            .map(|(stream, _)| *stream)
            .collect();
        for stream in due {
            if let Some(active) = self.calls.get_mut(&stream) {
                active.call.handle_timeout(now);
                drain_actions(active);
            }
            self.after_call(stream);
        }
        self.process_events(now);
    }

    fn wants_read(&self) -> bool {
        self.conn.wants_read()
    }

    fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }

    fn handle_peer_closed(&mut self, now: Instant) {
        self.conn.handle_peer_closed(now);
        self.process_events(now);
        self.end_all(Status::cancelled("the client closed the connection"));
    }

    /// Graceful shutdown (RFC 9113 §6.8): GOAWAY, calls in progress finish.
    fn handle_shutdown(&mut self, now: Instant) {
        self.conn.shutdown(now);
    }
}

impl Drop for ServerSession {
    fn drop(&mut self) {
        self.end_all(Status::new(Code::Unavailable, "the connection was closed"));
    }
}
