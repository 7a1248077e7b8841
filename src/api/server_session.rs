//! One server connection on the loop thread: an `h2::Connection` and the
//! `grpc::ServerCall` of each of its streams, driven as a `net::Session`.
//!
//! For each new stream the request headers are checked
//! ([`RequestHead::from_headers`]); a non-gRPC request gets a plain HTTP
//! answer (405, 415), an unknown method or a refusing interceptor a
//! Trailers-Only status. Otherwise a [`ServerCall`] runs the stream and the
//! handler runs on the worker pool (or inline); the two meet in a per-call
//! channel, and the handler wakes the loop through a [`CallWaker`] (on a
//! `net` loop: [`LoopHandle::send_to_session`] to
//! [`ServerSession::handle_call_progress`]).
//!
//! Back-pressure both ways: the client's DATA is credited back (RFC 9113
//! §5.2) only while the handler keeps up with its messages, and responses
//! move into HTTP/2 only as its per-stream send buffer drains, so a handler
//! outrunning the client blocks in `send`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use super::call_channel::{CallChannel, Outgoing};
use super::server::ServerShared;
use super::service::{MethodHandler, ServerContext};
use super::worker_pool::Job;
#[cfg(doc)]
use super::ServerConfig;
use crate::grpc::{Code, StreamAction};
use crate::grpc::{HeaderList, Metadata, Rejection, RequestHead, ServerCall, ServerEvent, Status};
use crate::h2::{self, Connection, Event, StreamId};
use crate::hpack::Header;
use crate::net::{ConnectionInfo, H2cUpgrade, LoopHandle, PeerAddress, Session};

/// How a handler thread asks the session's thread to call
/// [`ServerSession::handle_call_progress`] for a stream: it must not block
/// for long and must not call into the session itself.
pub type CallWaker = Arc<dyn Fn(StreamId) + Send + Sync>;

/// The call of one stream, as the loop keeps it.
struct ActiveCall {
    call: ServerCall,
    channel: Arc<CallChannel>,
    handler: MethodHandler,
    /// The handler runs on a thread of its own, not a worker.
    own_thread: bool,
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
    peer: PeerAddress,
    shared: Arc<ServerShared>,
    waker: CallWaker,
    /// Keyed by stream id: a BTreeMap, since a few ordered small keys are
    /// found faster than they are hashed with the default (SipHash) hasher.
    calls: BTreeMap<StreamId, ActiveCall>,
    /// Refused requests whose body is still arriving, with their answer.
    unanswered: BTreeMap<StreamId, Unanswered>,
}

/// A non-gRPC request (405, 415) still sending its body: the answer waits
/// for its end (up to [`ServerConfig::max_discarded_request_body`]
/// octets), since some clients
/// treat the RST_STREAM(NO_ERROR) that must follow an early answer (RFC
/// 9113 §8.1) as a failure of the request. gRPC refusals (Trailers-Only)
/// go at once: a streaming client may be waiting for them.
struct Unanswered {
    fields: HeaderList,
    discarded: usize,
}

impl std::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSession")
            .field("peer", &self.peer)
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

impl ServerSession {
    /// The session for a connection accepted by a `net` loop; `None`
    /// refuses it (an h2c upgrade with invalid `HTTP2-Settings`).
    pub(crate) fn accepted(
        info: &ConnectionInfo,
        shared: Arc<ServerShared>,
        handle: LoopHandle<ServerSession>,
        now: Instant,
    ) -> Option<ServerSession> {
        let id = info.id;
        let waker: CallWaker = Arc::new(move |stream| {
            // Fails only once the loop has stopped; the call is over then.
            let _ = handle.send_to_session(id, move |session, now| {
                session.handle_call_progress(stream, now)
            });
        });
        ServerSession::new(shared, info.peer.clone(), info.upgrade.as_ref(), waker, now)
    }

    pub(crate) fn new(
        shared: Arc<ServerShared>,
        peer: PeerAddress,
        upgrade: Option<&H2cUpgrade>,
        waker: CallWaker,
        now: Instant,
    ) -> Option<ServerSession> {
        let conn = match upgrade {
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
            peer,
            shared,
            waker,
            calls: BTreeMap::new(),
            unanswered: BTreeMap::new(),
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
                } if !self.calls.contains_key(&stream)
                    && !self.unanswered.contains_key(&stream) =>
                {
                    self.start_call(stream, &fields, end_stream, now);
                }
                Event::Headers {
                    stream,
                    fields,
                    end_stream,
                    ..
                } => {
                    if end_stream {
                        self.answer_now(stream);
                    }
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
                    self.unanswered.remove(&stream);
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
                Err(rejection) => {
                    // A gRPC client may wait for the answer before it sends
                    // more: only plain HTTP answers wait for the body.
                    let waits = !matches!(rejection, Rejection::Status(_));
                    return self.answer(stream, rejection.to_headers(), end_stream || !waits);
                }
            };
        if let Err(status) = shared.router.check(&head) {
            let answer = Rejection::Status(status).to_headers();
            return self.answer(stream, answer, true);
        }
        let path = head.path();
        let Some(handler) = shared.router.route(&path) else {
            let status = Status::unimplemented(format!("unknown method {path}"));
            let answer = Rejection::Status(status).to_headers();
            return self.answer(stream, answer, true);
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
                own_thread: shared.router.runs_on_own_thread(&path),
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

    /// Answers with one header block carrying END_STREAM: now if the
    /// request has ended, else once its body has (see [`Unanswered`]).
    fn answer(&mut self, stream: StreamId, fields: HeaderList, request_ended: bool) {
        self.unanswered.insert(
            stream,
            Unanswered {
                fields,
                discarded: 0,
            },
        );
        if request_ended {
            self.answer_now(stream);
        }
    }

    fn answer_now(&mut self, stream: StreamId) {
        if let Some(unanswered) = self.unanswered.remove(&stream) {
            // Fails only if the stream or connection is already gone.
            let _ = self
                .conn
                .send_headers(stream, &to_h2(&unanswered.fields), true);
        }
    }

    /// How a handler wakes the loop for `stream`.
    fn waker(&self, stream: StreamId) -> Box<dyn Fn() + Send + Sync> {
        let waker = self.waker.clone();
        Box::new(move || waker(stream))
    }

    fn take_data(&mut self, stream: StreamId, data: Bytes, end_stream: bool) {
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        if let Some(unanswered) = self.unanswered.get_mut(&stream) {
            self.conn.release_capacity(stream, len);
            unanswered.discarded = unanswered.discarded.saturating_add(data.len());
            let limit = self.shared.config.max_discarded_request_body;
            if end_stream || unanswered.discarded > limit {
                self.answer_now(stream);
            }
            return;
        }
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
        let started = if active.own_thread {
            start_own_thread(&self.shared, job)
        } else {
            self.shared.pool.try_execute(job).is_ok()
        };
        if !started {
            let status = Status::resource_exhausted("the server is busy: handler queue full");
            let _ = active.call.finish(&status, &Metadata::new());
            active.channel.end(status);
            drain_actions(active);
        }
    }

    /// The handler of `stream` made progress (took requests, queued
    /// responses), as its [`CallWaker`] said: moves its responses into the
    /// call and credits the client. Call on the session's thread.
    pub fn handle_call_progress(&mut self, stream: StreamId, _now: Instant) {
        let Some(active) = self.calls.get_mut(&stream) else {
            return;
        };
        active.channel.lock().wake_pending = false;
        self.credit(stream);
        self.send_responses(stream);
    }

    /// Moves all queued responses of `stream` into HTTP/2 while its send
    /// buffer has room, then wakes a handler blocked on a full queue. One
    /// loop wake-up thus sends every message queued since the last one,
    /// not just the first (the handler only wakes the loop when no wake-up
    /// is pending). Bounded: stops once HTTP/2 holds back an action.
    fn send_responses(&mut self, stream: StreamId) {
        let mut took = false;
        loop {
            let progressed = self.take_responses(stream);
            took |= progressed;
            self.flush(stream);
            let Some(active) = self.calls.get(&stream) else {
                break;
            };
            if !progressed || !active.pending.is_empty() {
                break;
            }
        }
        if took {
            if let Some(active) = self.calls.get(&stream) {
                active.channel.notify();
            }
        }
    }

    /// Moves queued responses into the call until it has an action for
    /// HTTP/2; says whether it took any. The caller notifies the handler.
    fn take_responses(&mut self, stream: StreamId) -> bool {
        let Some(active) = self.calls.get_mut(&stream) else {
            return false;
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
        took
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
                // After our END_STREAM the client may still be sending:
                // RST_STREAM stops it once the trailers are written
                // (resetting now would drop them). The trailers already
                // carry the status, so the reset only frees the stream:
                // NO_ERROR ("Early Server Closure", PROTOCOL-HTTP2.md;
                // RFC 9113 §8.1), even past the deadline, where CANCEL
                // makes clients report CANCELLED over our DEADLINE_EXCEEDED.
                StreamAction::Reset(_) if active.end_out => self
                    .conn
                    .reset_stream_after_queued(stream, h2::ErrorCode::NoError),
                StreamAction::Reset(code) => self
                    .conn
                    .reset_stream(stream, h2::ErrorCode::from_u32(code.0)),
            };
            active.pending.pop_front();
            if sent.is_err() {
                // The stream is gone (reset, connection closing), or HTTP/2
                // refused a header block (e.g. past the peer's
                // SETTINGS_MAX_HEADER_LIST_SIZE): end the stream so the
                // client does not wait; this fails if it is gone already.
                active.pending.clear();
                let _ = self.conn.reset_stream(stream, h2::ErrorCode::InternalError);
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
            self.send_responses(stream);
        }
    }

    /// Ends every call for its handler: the connection is gone.
    fn end_all(&mut self, status: Status) {
        for (_, active) in std::mem::take(&mut self.calls) {
            active.channel.end(status.clone());
        }
    }
}

/// Runs `job` on a new thread if fewer than `max_own_threads` run.
fn start_own_thread(shared: &Arc<ServerShared>, job: Job) -> bool {
    let limit = shared.config.max_own_threads;
    let taken = shared
        .own_threads
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < limit).then_some(n + 1)
        });
    if taken.is_err() {
        return false;
    }
    let release = shared.clone();
    let spawned = std::thread::Builder::new()
        .name("grpclite-handler".into())
        .spawn(move || {
            job();
            release.own_threads.fetch_sub(1, Ordering::AcqRel);
        });
    if spawned.is_err() {
        shared.own_threads.fetch_sub(1, Ordering::AcqRel);
    }
    spawned.is_ok()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Requests, Responses, Router, Server, ServerConfig};
    use crate::wire::{field, DecodeError, Message, Reader, WireType};
    use quickcheck::quickcheck;
    use std::sync::mpsc;
    use std::sync::Mutex;
    use std::time::Duration;

    #[derive(Debug, Default, PartialEq)]
    struct Text(String);

    impl Message for Text {
        fn encode_raw(&self, buf: &mut Vec<u8>) {
            field::string::encode(1, &self.0, buf);
        }
        fn encoded_len(&self) -> usize {
            field::string::encoded_len(1, &self.0)
        }
        fn merge_field(
            &mut self,
            number: u32,
            wire_type: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match number {
                1 => field::string::merge(wire_type, &mut self.0, r),
                _ => r.skip_value(number, wire_type).map(|_| ()),
            }
        }
        fn clear(&mut self) {
            self.0.clear();
        }
    }

    /// What the client saw on a stream, in order.
    #[derive(Debug, Clone, PartialEq)]
    enum Seen {
        Headers(Vec<(String, String)>, bool),
        Data(Vec<u8>, bool),
        Reset(h2::ErrorCode),
    }

    /// A client `h2::Connection` and our session over in-memory pipes.
    struct Pair {
        _server: Server,
        session: ServerSession,
        client: Connection,
        wakes: Arc<Mutex<Vec<StreamId>>>,
        now: Instant,
        seen: Vec<(StreamId, Seen)>,
    }

    impl Pair {
        fn new(router: Router) -> Pair {
            let server = Server::with_config(
                router,
                ServerConfig {
                    workers: 2,
                    ..ServerConfig::default()
                },
            )
            .unwrap();
            let now = Instant::now();
            let wakes = Arc::new(Mutex::new(Vec::new()));
            let sink = wakes.clone();
            let waker: CallWaker = Arc::new(move |stream| sink.lock().unwrap().push(stream));
            let session = server
                .session(PeerAddress::Unix(None), None, waker, now)
                .unwrap();
            Pair {
                _server: server,
                session,
                client: Connection::new(h2::Role::Client, h2::Config::default(), now),
                wakes,
                now,
                seen: Vec::new(),
            }
        }

        /// Moves bytes both ways and handler progress until `done` holds
        /// for what the client saw (or five seconds pass).
        fn drive_until(&mut self, done: impl Fn(&[(StreamId, Seen)]) -> bool) {
            let give_up = Instant::now() + Duration::from_secs(5);
            let mut turns = 0;
            // A few turns at least, so that `|_| true` still moves bytes.
            while turns < 3 || !done(&self.seen) {
                turns += 1;
                assert!(
                    Instant::now() < give_up,
                    "stuck; saw {:?}; client error {:?}",
                    self.seen,
                    self.client.error()
                );
                let mut bytes = Vec::new();
                self.client.poll_transmit(&mut bytes, self.now);
                let mut offset = 0;
                while offset < bytes.len() {
                    offset += self.session.handle_input(&bytes[offset..], self.now);
                }
                let woken: Vec<StreamId> = std::mem::take(&mut *self.wakes.lock().unwrap());
                for stream in woken {
                    self.session.handle_call_progress(stream, self.now);
                }
                let mut bytes = Vec::new();
                self.session.poll_transmit(&mut bytes, self.now);
                self.client.handle_input(&bytes, self.now);
                while let Some(event) = self.client.poll_event() {
                    let seen = match event {
                        Event::Headers {
                            stream,
                            fields,
                            end_stream,
                            ..
                        } => (stream, Seen::Headers(text(&fields), end_stream)),
                        Event::Data {
                            stream,
                            data,
                            end_stream,
                        } => {
                            let len = u32::try_from(data.len()).unwrap();
                            self.client.release_capacity(stream, len);
                            (stream, Seen::Data(data.to_vec(), end_stream))
                        }
                        Event::StreamReset { stream, code, .. } => (stream, Seen::Reset(code)),
                        _ => continue,
                    };
                    self.seen.push(seen);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }

        fn call(&mut self, path: &str, extra: &[(&str, &str)], body: Option<&[u8]>) -> StreamId {
            let mut fields = vec![
                Header::new(":method", "POST"),
                Header::new(":scheme", "http"),
                Header::new(":path", path.to_owned()),
                Header::new(":authority", "test"),
                Header::new("content-type", "application/grpc"),
                Header::new("te", "trailers"),
            ];
            for (name, value) in extra {
                fields.push(Header::new(name.to_string(), value.to_string()));
            }
            let stream = self.client.open_stream(&fields, body.is_none()).unwrap();
            if let Some(body) = body {
                let mut framed = bytes::BytesMut::new();
                crate::grpc::framing::encode(body, &mut framed).unwrap();
                self.client
                    .send_data(stream, framed.freeze(), true)
                    .unwrap();
            }
            stream
        }
    }

    fn text(fields: &[Header]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|h| {
                (
                    String::from_utf8_lossy(&h.name).into_owned(),
                    String::from_utf8_lossy(&h.value).into_owned(),
                )
            })
            .collect()
    }

    fn ended(seen: &[(StreamId, Seen)], stream: StreamId) -> bool {
        seen.iter().any(|(s, event)| {
            *s == stream
                && matches!(
                    event,
                    Seen::Headers(_, true) | Seen::Data(_, true) | Seen::Reset(_)
                )
        })
    }

    fn grpc_status(seen: &[(StreamId, Seen)], stream: StreamId) -> Option<String> {
        seen.iter().find_map(|(s, event)| match event {
            Seen::Headers(fields, true) if *s == stream => fields
                .iter()
                .find(|(name, _)| name == "grpc-status")
                .map(|(_, value)| value.clone()),
            _ => None,
        })
    }

    fn upper() -> Router {
        let mut router = Router::new();
        router
            .unary_inline("/t.S/Inline", |_, request: Text| {
                Ok(Text(request.0.to_uppercase()))
            })
            .unary("/t.S/Worker", |ctx, request: Text| {
                ctx.trailers_mut().append("x-where", "worker").unwrap();
                Ok(Text(request.0.to_uppercase()))
            });
        router
    }

    #[test]
    fn inline_and_worker_unary_calls() {
        let mut pair = Pair::new(upper());
        let inline = pair.call("/t.S/Inline", &[], Some(b"\x0a\x02hi"));
        let worker = pair.call("/t.S/Worker", &[], Some(b"\x0a\x02yo"));
        pair.drive_until(|seen| ended(seen, inline) && ended(seen, worker));
        let on = |stream| -> Vec<Seen> {
            pair.seen
                .iter()
                .filter(|(s, _)| *s == stream)
                .map(|(_, e)| e.clone())
                .collect()
        };
        let headers = Seen::Headers(
            vec![
                (":status".into(), "200".into()),
                ("content-type".into(), "application/grpc".into()),
                ("grpc-accept-encoding".into(), "identity".into()),
            ],
            false,
        );
        let trailers = |extra: &[(&str, &str)]| {
            let mut fields = vec![("grpc-status".to_string(), "0".to_string())];
            fields.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
            Seen::Headers(fields, true)
        };
        assert_eq!(
            on(inline),
            [
                headers.clone(),
                Seen::Data(b"\x00\x00\x00\x00\x04\x0a\x02HI".to_vec(), false),
                trailers(&[]),
            ]
        );
        assert_eq!(
            on(worker),
            [
                headers,
                Seen::Data(b"\x00\x00\x00\x00\x04\x0a\x02YO".to_vec(), false),
                trailers(&[("x-where", "worker")]),
            ]
        );
    }

    #[test]
    fn non_grpc_and_unknown_requests_get_answers_not_resets() {
        let mut pair = Pair::new(upper());
        let get = pair
            .client
            .open_stream(
                &[
                    Header::new(":method", "GET"),
                    Header::new(":scheme", "http"),
                    Header::new(":path", "/"),
                    Header::new(":authority", "test"),
                ],
                true,
            )
            .unwrap();
        let unknown = pair.call("/t.S/Nope", &[], Some(b""));
        pair.drive_until(|seen| ended(seen, get) && ended(seen, unknown));
        assert_eq!(
            pair.seen.iter().find(|(s, _)| *s == get).unwrap().1,
            Seen::Headers(
                vec![
                    (":status".into(), "405".into()),
                    ("allow".into(), "POST".into())
                ],
                true
            )
        );
        // Trailers-Only with UNIMPLEMENTED (12).
        assert_eq!(grpc_status(&pair.seen, unknown).as_deref(), Some("12"));
        assert!(!pair.seen.iter().any(|(_, e)| matches!(e, Seen::Reset(_))));
    }

    #[test]
    fn a_refused_request_is_answered_once_its_body_ends() {
        let mut pair = Pair::new(upper());
        let fields = [
            Header::new(":method", "POST"),
            Header::new(":scheme", "http"),
            Header::new(":path", "/upload"),
            Header::new(":authority", "test"),
            Header::new("content-type", "text/plain"),
        ];
        let stream = pair.client.open_stream(&fields, false).unwrap();
        pair.client
            .send_data(stream, Bytes::from_static(b"first"), false)
            .unwrap();
        pair.drive_until(|_| true);
        assert_eq!(pair.seen, []);
        pair.client
            .send_data(stream, Bytes::from_static(b"last"), true)
            .unwrap();
        pair.drive_until(|seen| ended(seen, stream));
        assert_eq!(
            pair.seen,
            [(
                stream,
                Seen::Headers(vec![(":status".into(), "415".into())], true)
            )]
        );

        // A long body is not read to its end: answered past the limit.
        let long = pair.client.open_stream(&fields, false).unwrap();
        let limit = ServerConfig::default().max_discarded_request_body;
        let chunk = Bytes::from(vec![0u8; limit + 1]);
        pair.client.send_data(long, chunk, false).unwrap();
        pair.drive_until(|_| true);
        // (The client h2::Connection drops a response followed at once by
        // RST_STREAM(NO_ERROR), so the server's side is checked here.)
        assert!(pair.session.unanswered.is_empty());
    }

    #[test]
    fn trailers_the_client_refuses_reset_the_stream() {
        let mut router = Router::new();
        router.unary_inline("/t.S/Big", |ctx, request: Text| {
            // Past the client's SETTINGS_MAX_HEADER_LIST_SIZE (16 KiB).
            ctx.trailers_mut()
                .append("x-big", &"b".repeat(20_000))
                .unwrap();
            Ok(request)
        });
        let mut pair = Pair::new(router);
        // Settings first, so the server knows the client's limit.
        pair.drive_until(|_| true);
        let stream = pair.call("/t.S/Big", &[], Some(b""));
        let mut request = Vec::new();
        pair.client.poll_transmit(&mut request, pair.now);
        pair.session.handle_input(&request, pair.now);
        let mut out = Vec::new();
        pair.session.poll_transmit(&mut out, pair.now);
        // RST_STREAM (type 3) with INTERNAL_ERROR (2) on the stream (§6.4).
        let mut rst = vec![0, 0, 4, 3, 0];
        rst.extend_from_slice(&stream.get().to_be_bytes());
        rst.extend_from_slice(&2u32.to_be_bytes());
        assert!(out.windows(rst.len()).any(|w| w == rst), "{out:?}");
        assert_eq!(pair.session.active_calls(), 0);
    }

    fn waiting_router(report: mpsc::Sender<bool>) -> Router {
        let report = Mutex::new(report);
        let mut router = Router::new();
        router.unary("/t.S/Wait", move |ctx, _: Text| -> Result<Text, Status> {
            let start = Instant::now();
            while !ctx.is_cancelled() && start.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(1));
            }
            report.lock().unwrap().send(ctx.is_cancelled()).unwrap();
            Err(Status::cancelled("stopped"))
        });
        router
    }

    #[test]
    fn the_deadline_ends_the_call_and_tells_the_handler() {
        let (tx, rx) = mpsc::channel();
        let mut pair = Pair::new(waiting_router(tx));
        let stream = pair.call("/t.S/Wait", &[("grpc-timeout", "50m")], Some(b""));
        pair.drive_until(|_| true);
        let deadline = pair.session.poll_timeout().unwrap();
        assert_eq!(deadline, pair.now + Duration::from_millis(50));
        pair.now = deadline;
        pair.session.handle_timeout(pair.now);
        pair.drive_until(|seen| ended(seen, stream));
        // DEADLINE_EXCEEDED is 4.
        assert_eq!(grpc_status(&pair.seen, stream).as_deref(), Some("4"));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(true));
        // The request had ended: a stream closed both ways takes no
        // RST_STREAM (RFC 9113 §5.1).
        pair.drive_until(|_| true);
        assert!(!pair
            .seen
            .iter()
            .any(|(s, e)| *s == stream && matches!(e, Seen::Reset(_))));
    }

    /// The client's view of `stream`, in order.
    fn on_stream(seen: &[(StreamId, Seen)], stream: StreamId) -> Vec<Seen> {
        seen.iter()
            .filter(|(s, _)| *s == stream)
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// Opens a call whose request stays open: one message, no END_STREAM.
    fn call_still_sending(pair: &mut Pair, path: &str) -> StreamId {
        let fields = [
            Header::new(":method", "POST"),
            Header::new(":scheme", "http"),
            Header::new(":path", path.to_owned()),
            Header::new(":authority", "test"),
            Header::new("content-type", "application/grpc"),
            Header::new("te", "trailers"),
            Header::new("grpc-timeout", "50m"),
        ];
        let stream = pair.client.open_stream(&fields, false).unwrap();
        let mut framed = bytes::BytesMut::new();
        crate::grpc::framing::encode(b"", &mut framed).unwrap();
        pair.client
            .send_data(stream, framed.freeze(), false)
            .unwrap();
        stream
    }

    /// Fires the call deadline (50 ms after the call started).
    fn pass_the_deadline(pair: &mut Pair) {
        let deadline = pair.session.poll_timeout().unwrap();
        assert_eq!(deadline, pair.now + Duration::from_millis(50));
        pair.now = deadline;
        pair.session.handle_timeout(pair.now);
    }

    #[test]
    fn a_deadline_while_the_client_sends_is_trailers_only_then_no_error() {
        // The unary handler waits for the whole request, which never ends:
        // DEADLINE_EXCEEDED goes Trailers-Only, then RST_STREAM(NO_ERROR)
        // frees the stream without contradicting the status (grpcio reports
        // CANCELLED when a CANCEL follows).
        let (tx, _rx) = mpsc::channel();
        let mut pair = Pair::new(waiting_router(tx));
        pair.drive_until(|_| true);
        let stream = call_still_sending(&mut pair, "/t.S/Wait");
        pair.drive_until(|_| true);
        pass_the_deadline(&mut pair);
        pair.drive_until(|seen| {
            seen.iter()
                .any(|(s, e)| *s == stream && matches!(e, Seen::Reset(_)))
        });
        let seen = on_stream(&pair.seen, stream);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(matches!(&seen[0], Seen::Headers(fields, true)
            if fields.iter().any(|(n, v)| n == "grpc-status" && v == "4")));
        assert_eq!(seen[1], Seen::Reset(h2::ErrorCode::NoError));
        assert_eq!(pair.session.active_calls(), 0);
    }

    #[test]
    fn a_deadline_after_responses_is_trailers_then_no_error() {
        let mut router = Router::new();
        router.bidi(
            "/t.S/Chat",
            |ctx, _: &mut Requests<Text>, responses: &mut Responses<Text>| {
                responses.send(&Text("hi".into()))?;
                let start = Instant::now();
                while !ctx.is_cancelled() && start.elapsed() < Duration::from_secs(5) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(Status::cancelled("stopped"))
            },
        );
        let mut pair = Pair::new(router);
        pair.drive_until(|_| true);
        let stream = call_still_sending(&mut pair, "/t.S/Chat");
        pair.drive_until(|seen| {
            seen.iter()
                .any(|(s, e)| *s == stream && matches!(e, Seen::Data(..)))
        });
        pass_the_deadline(&mut pair);
        pair.drive_until(|seen| {
            seen.iter()
                .any(|(s, e)| *s == stream && matches!(e, Seen::Reset(_)))
        });
        let seen = on_stream(&pair.seen, stream);
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert!(matches!(&seen[0], Seen::Headers(fields, false)
            if fields.iter().any(|(n, v)| n == ":status" && v == "200")));
        let mut hi = bytes::BytesMut::new();
        crate::grpc::framing::encode(&Text("hi".into()).encode_to_vec(), &mut hi).unwrap();
        assert_eq!(seen[1], Seen::Data(hi.to_vec(), false));
        assert_eq!(
            seen[2],
            Seen::Headers(
                vec![
                    ("grpc-status".into(), "4".into()),
                    ("grpc-message".into(), "deadline exceeded".into()),
                ],
                true
            )
        );
        assert_eq!(seen[3], Seen::Reset(h2::ErrorCode::NoError));
    }

    #[test]
    fn a_client_reset_cancels_the_handler() {
        let (tx, rx) = mpsc::channel();
        let mut pair = Pair::new(waiting_router(tx));
        let stream = pair.call("/t.S/Wait", &[], Some(b""));
        pair.drive_until(|_| true);
        pair.client
            .reset_stream(stream, h2::ErrorCode::Cancel)
            .unwrap();
        pair.drive_until(|_| true);
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(true));
        pair.drive_until(|_| true);
        assert_eq!(pair.session.active_calls(), 0);
    }

    /// A client that started a few calls answered on the loop thread
    /// (inline, unknown method), and the bytes it sends from the preface on.
    fn client_with_calls() -> (Connection, Vec<u8>) {
        let mut pair = Pair::new(upper());
        pair.call("/t.S/Inline", &[], Some(b"\x0a\x01a"));
        pair.call("/t.S/Nope", &[("x-meta", "1")], Some(b""));
        pair.call(
            "/t.S/Inline",
            &[("grpc-timeout", "1S")],
            Some(b"\x0a\x02bc"),
        );
        let mut bytes = Vec::new();
        pair.client.poll_transmit(&mut bytes, pair.now);
        (pair.client, bytes)
    }

    /// The answers, per stream in order, when the client's bytes reach the
    /// session split at `splits`.
    fn answers(splits: &[usize], now: Instant) -> Vec<(StreamId, Seen)> {
        let (mut client, input) = client_with_calls();
        let server = Server::new(upper()).unwrap();
        let waker: CallWaker = Arc::new(|_| {});
        let mut session = server
            .session(PeerAddress::Unix(None), None, waker, now)
            .unwrap();
        let mut out = Vec::new();
        let mut pending: Vec<u8> = Vec::new();
        let mut start = 0;
        for end in splits.iter().copied().chain([input.len()]) {
            let end = end.clamp(start, input.len());
            pending.extend_from_slice(&input[start..end]);
            let consumed = session.handle_input(&pending, now);
            pending.drain(..consumed);
            session.poll_transmit(&mut out, now);
            start = end;
        }
        client.handle_input(&out, now);
        let mut seen = Vec::new();
        while let Some(event) = client.poll_event() {
            match event {
                Event::Headers {
                    stream,
                    fields,
                    end_stream,
                    ..
                } => seen.push((stream, Seen::Headers(text(&fields), end_stream))),
                Event::Data {
                    stream,
                    data,
                    end_stream,
                } => seen.push((stream, Seen::Data(data.to_vec(), end_stream))),
                _ => {}
            }
        }
        seen.sort_by_key(|(stream, _)| *stream);
        seen
    }

    quickcheck! {
        fn any_chunking_gives_the_same_answers(splits: Vec<usize>) -> bool {
            let now = Instant::now();
            let whole = answers(&[], now);
            let len = client_with_calls().1.len();
            let mut splits: Vec<usize> = splits.iter().map(|s| s % (len + 1)).collect();
            splits.sort_unstable();
            // Three calls answered: headers, message and trailers, or
            // Trailers-Only for the unknown method.
            whole.len() == 7 && answers(&splits, now) == whole
        }

        fn arbitrary_input_never_panics(chunks: Vec<Vec<u8>>) -> bool {
            let mut pair = Pair::new(upper());
            let now = pair.now;
            let mut preface = Vec::new();
            pair.client.poll_transmit(&mut preface, now);
            pair.session.handle_input(&preface, now);
            for chunk in &chunks {
                pair.session.handle_input(chunk, now);
                let mut out = Vec::new();
                pair.session.poll_transmit(&mut out, now);
            }
            true
        }
    }
}
