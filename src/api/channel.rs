//! The client channel: a [`PollingChannel`] the caller drives (no thread),
//! and the blocking [`Channel`] built on it with one I/O thread.
//!
//! ```text
//!  app threads --IoCommand (bounded)+wake--> grpclite-io thread: PollingChannel
//!       ^                                         | EventLoop: Driver -> ClientSession
//!       +------ Mailbox (bounded, Condvar) <-------+   (h2::Connection + ClientCalls)
//! ```
//!
//! A channel keeps at most one connection that takes new calls. A call made
//! while there is none waits for one (CONNECTING) or, after a failed
//! attempt, fails at once with UNAVAILABLE unless it asked to wait for
//! ready (wait-for-ready.md); attempts are spaced by [`Backoff`]. After
//! GOAWAY or stream-id exhaustion new calls go to a new connection and
//! calls in flight finish on the old one.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::grpc::{
    CallError, CallKind, CallLimits, ClientCall, ClientEvent, Code, RequestHead, Scheme, Status,
};
#[cfg(feature = "tls")]
use crate::net::tls::ClientTls;
use crate::net::{ConnectTarget, ConnectionId, Driver, EventLoop, LoopEvent, LoopHandle, NetError};
use crate::wire::Message;

use super::call::{Call, CallOptions, Mailbox, RawCall, Response, SendAck, ServerStream};
use super::client_config::{Backoff, ClientConfig, Interceptor, Keepalive};
use super::client_session::{
    AttachError, CallEntry, CallId, CallTable, ClientSession, Replay, SharedCalls,
};

/// The name of the blocking channel's I/O thread.
pub const IO_THREAD_NAME: &str = "grpclite-io";

/// Why a channel could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// The target is not `http://host:port`, `https://host:port` or `unix:path`.
    #[error("invalid target {target:?}: {reason}")]
    InvalidTarget {
        /// The target as given.
        target: String,
        /// What was wrong.
        reason: &'static str,
    },
    /// The TLS settings were refused (unreadable CA file, bad identity, bad name).
    #[error(transparent)]
    Tls(#[from] NetError),
    /// The event loop or its thread could not be created.
    #[error("cannot start the channel: {0}")]
    Io(#[from] io::Error),
}

/// Where a channel connects, parsed from its target string (naming.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The address to connect to.
    pub address: crate::net::Address,
    /// Whether TLS protects the connection (`https`).
    pub tls: bool,
    /// `:authority` of requests, and the TLS server name by default.
    pub authority: String,
}

impl Target {
    /// Parses `http://host[:port]`, `https://host[:port]`, `unix:path`,
    /// `unix:///absolute`, `dns:host:port` or a bare `host:port`.
    pub fn parse(target: &str) -> Result<Target, ChannelError> {
        let invalid = |reason| ChannelError::InvalidTarget {
            target: target.to_string(),
            reason,
        };
        if let Some(path) = target.strip_prefix("unix:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(invalid("empty socket path"));
            }
            return Ok(Target {
                address: crate::net::Address::Unix(PathBuf::from(path)),
                tls: false,
                authority: "localhost".to_string(),
            });
        }
        let (rest, tls, default_port) = if let Some(rest) = target.strip_prefix("https://") {
            (rest, true, 443)
        } else if let Some(rest) = target.strip_prefix("http://") {
            (rest, false, 80)
        } else if let Some(rest) = target.strip_prefix("dns:") {
            // naming.md: dns:[//authority/]host[:port]; the DNS server is ignored.
            let rest = match rest.strip_prefix("//") {
                Some(with_authority) => with_authority
                    .split_once('/')
                    .map_or(with_authority, |(_, host)| host),
                None => rest,
            };
            (rest, false, 443)
        } else {
            (target, false, 443)
        };
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() {
            return Err(invalid("no host"));
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let Some((host, after)) = v6.split_once(']') else {
                return Err(invalid("unclosed '[' in an IPv6 address"));
            };
            let port = match after.strip_prefix(':') {
                Some(port) => Some(port),
                None if after.is_empty() => None,
                None => return Err(invalid("junk after the IPv6 address")),
            };
            (host, port)
        } else {
            match rest.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            }
        };
        let port = match port {
            Some(port) => port
                .parse()
                .map_err(|_| invalid("the port is not a number 0-65535"))?,
            None => default_port,
        };
        if host.is_empty() || host.contains('/') {
            return Err(invalid("bad host name"));
        }
        Ok(Target {
            address: crate::net::Address::Host {
                host: host.to_string(),
                port,
            },
            tls,
            authority: if rest.starts_with('[') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            },
        })
    }
}

/// Builds a [`Channel`] or [`PollingChannel`] with TLS, timeouts,
/// keepalive, limits and interceptors.
#[derive(Debug)]
pub struct ChannelBuilder {
    target: String,
    config: ClientConfig,
    ca_file: Option<PathBuf>,
    ca_pem: Option<Vec<u8>>,
    server_name: Option<String>,
    identity: Option<(Vec<u8>, Vec<u8>)>,
    #[cfg(feature = "tls")]
    tls: Option<ClientTls>,
}

impl ChannelBuilder {
    /// A builder for `target` (see [`Target::parse`]) with default settings.
    pub fn new(target: impl Into<String>) -> Self {
        ChannelBuilder {
            target: target.into(),
            config: ClientConfig::default(),
            ca_file: None,
            ca_pem: None,
            server_name: None,
            identity: None,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Trusts only the CA certificates of this PEM file (instead of the web roots).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Trusts only the CA certificates of this PEM document.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Verifies the server's certificate for this name (sent as SNI and
    /// `:authority`) instead of the target's host.
    pub fn server_name_override(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Presents this certificate chain and key (PEM) for mutual TLS.
    pub fn client_identity_pem(
        mut self,
        chain: impl Into<Vec<u8>>,
        key: impl Into<Vec<u8>>,
    ) -> Self {
        self.identity = Some((chain.into(), key.into()));
        self
    }

    /// Uses a TLS configuration built by the caller.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: ClientTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Time allowed to connect (TCP and TLS); default 20 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Deadline of calls that set none.
    pub fn default_timeout(mut self, timeout: Duration) -> Self {
        self.config.default_timeout = Some(timeout);
        self
    }

    /// Sends a keepalive PING after `time` without input, closing the
    /// connection if no answer comes within `timeout` (keepalive.md).
    pub fn keepalive(mut self, time: Duration, timeout: Duration) -> Self {
        self.config.keepalive = Some(Keepalive { time, timeout });
        self
    }

    /// Largest response message accepted (default 4 MiB).
    pub fn max_receive_message_size(mut self, size: usize) -> Self {
        self.config.max_receive_message_size = size;
        self
    }

    /// Largest request message sent.
    pub fn max_send_message_size(mut self, size: usize) -> Self {
        self.config.max_send_message_size = size;
        self
    }

    /// A `user-agent` prefix, before our own name and version.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.config.user_agent = Some(agent.into());
        self
    }

    /// Reconnection backoff (default: connection-backoff.md).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.config.backoff = backoff;
        self
    }

    /// Adds an interceptor that sees every call's path and metadata first.
    pub fn interceptor(
        mut self,
        f: impl Fn(&str, &mut crate::grpc::Metadata) -> Result<(), Status> + Send + Sync + 'static,
    ) -> Self {
        let f: Interceptor = Arc::new(f);
        self.config.interceptors.push(f);
        self
    }

    /// HTTP/2 settings and limits of the channel's connections.
    pub fn h2_config(mut self, config: crate::h2::Config) -> Self {
        self.config.h2 = config;
        self
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    fn resolve(mut self) -> Result<(Target, ConnectTarget, ClientConfig), ChannelError> {
        let mut target = Target::parse(&self.target)?;
        // The connect timeout covers the TLS handshake too.
        self.config.limits.tls_handshake_timeout = self.config.connect_timeout;
        #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
        let mut connect = ConnectTarget {
            address: target.address.clone(),
            #[cfg(feature = "tls")]
            tls: None,
            connect_timeout: Some(self.config.connect_timeout),
        };
        if let Some(name) = &self.server_name {
            target.authority = name.clone();
        }
        if target.tls {
            #[cfg(feature = "tls")]
            {
                let tls = match self.tls {
                    Some(tls) => tls,
                    None => {
                        let mut builder = ClientTls::builder();
                        if let Some(path) = &self.ca_file {
                            builder = builder.ca_pem_file(path)?;
                        }
                        if let Some(pem) = self.ca_pem {
                            builder = builder.ca_pem(pem);
                        }
                        if let Some((chain, key)) = self.identity {
                            builder = builder.client_identity_pem(chain, key);
                        }
                        let name = match &self.server_name {
                            Some(name) => name.clone(),
                            None => match &target.address {
                                crate::net::Address::Host { host, .. } => host.clone(),
                                _ => "localhost".to_string(),
                            },
                        };
                        builder.build(&name)?
                    }
                };
                connect.tls = Some(tls);
            }
            #[cfg(not(feature = "tls"))]
            return Err(ChannelError::InvalidTarget {
                target: self.target,
                reason: "https needs the `tls` feature",
            });
        }
        Ok((target, connect, self.config))
    }

    /// A channel the caller drives with [`PollingChannel::poll`]; no thread.
    pub fn build_polling(self) -> Result<PollingChannel, ChannelError> {
        let (target, connect, config) = self.resolve()?;
        let event_loop = EventLoop::new(config.limits.clone())?;
        Ok(PollingChannel::new(
            Engine::Loop(Box::new(event_loop)),
            target,
            connect,
            config,
        ))
    }

    /// A polling channel whose sockets join the caller's own mio loop:
    /// it registers with `registry` under tokens from `first_token` up
    /// (including a mio `Waker`, so the caller's `Poll` must have none).
    /// Forward events whose token [`PollingChannel::owns`], then call
    /// [`PollingChannel::handle_timeouts`] each turn.
    pub fn build_on_registry(
        self,
        registry: &mio::Registry,
        first_token: usize,
    ) -> Result<PollingChannel, ChannelError> {
        let (target, connect, config) = self.resolve()?;
        let driver = Driver::new(registry, first_token, config.limits.clone())?;
        Ok(PollingChannel::new(
            Engine::Driver(Box::new(driver)),
            target,
            connect,
            config,
        ))
    }

    /// A blocking channel with its I/O thread ([`IO_THREAD_NAME`]).
    pub fn build(self) -> Result<Channel, ChannelError> {
        let (target, connect, config) = self.resolve()?;
        Channel::start(target, connect, config)
    }
}

enum Engine {
    Loop(Box<EventLoop<ClientSession>>),
    Driver(Box<Driver<ClientSession>>),
}

impl Engine {
    fn driver(&mut self) -> &mut Driver<ClientSession> {
        match self {
            Engine::Loop(l) => l.driver(),
            Engine::Driver(d) => d,
        }
    }
}

/// The channel's connection, as the gRPC connectivity states see it.
#[derive(Debug, Clone)]
enum Link {
    /// No connection; the next call opens one.
    Idle,
    /// Connecting (TCP, TLS, HTTP/2 preface).
    Connecting(ConnectionId),
    /// Taking calls.
    Ready(ConnectionId),
    /// The last attempt failed; the next waits until `until`.
    TransientFailure { until: Instant, error: String },
}

/// Why [`PollingChannel::send_message`] did not take a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendRefused {
    /// The call's send queue is full: try again after a `poll`.
    #[error("the call's send queue is full")]
    Full,
    /// The call refused it (ended, closed, or too many messages).
    #[error(transparent)]
    Call(#[from] CallError),
    /// No such call (it ended and its final event was taken).
    #[error("no such call")]
    UnknownCall,
}

impl SendRefused {
    /// The status an application sees for the refusal: RESOURCE_EXHAUSTED
    /// for a message over the send limit (statuscodes.md), else INTERNAL.
    pub fn to_status(&self) -> Status {
        match self {
            SendRefused::Call(CallError::MessageTooLarge(e)) => e.to_status(),
            other => Status::new(Code::Internal, format!("cannot send: {other}")),
        }
    }
}

/// A client channel driven by its owner, with no thread of its own: start
/// calls, [`poll`](Self::poll) to make progress, read results with
/// [`try_recv`](Self::try_recv). Calls are named by a copyable [`CallId`].
///
/// It is not `Send`: it lives on the thread that drives it. Memory is
/// bounded per call: unread responses past [`ClientConfig::receive_buffer`]
/// hold back HTTP/2 credit, and [`send_message`](Self::send_message)
/// refuses past [`ClientConfig::send_buffer`].
///
/// In the caller's own mio loop (from [`ChannelBuilder::build_on_registry`]):
/// sleep at most [`poll_timeout`](Self::poll_timeout), pass every event
/// whose token it [`owns`](Self::owns) to [`handle_event`](Self::handle_event),
/// then call [`handle_timeouts`](Self::handle_timeouts) once per turn.
pub struct PollingChannel {
    engine: Engine,
    target: Target,
    connect: ConnectTarget,
    config: ClientConfig,
    calls: SharedCalls,
    pending: VecDeque<CallId>,
    link: Link,
    failures: u32,
    next_call: u64,
    happened: Vec<LoopEvent>,
    jitter: RandomState,
    connections_opened: u64,
}

impl std::fmt::Debug for PollingChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PollingChannel")
            .field("target", &self.target)
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

impl PollingChannel {
    /// A channel to `target` with default settings (see [`ChannelBuilder`]).
    pub fn connect(target: &str) -> Result<PollingChannel, ChannelError> {
        ChannelBuilder::new(target).build_polling()
    }

    fn new(engine: Engine, target: Target, connect: ConnectTarget, config: ClientConfig) -> Self {
        let table = CallTable {
            receive_buffer: config.receive_buffer,
            ..CallTable::default()
        };
        PollingChannel {
            engine,
            target,
            connect,
            config,
            calls: Rc::new(std::cell::RefCell::new(table)),
            pending: VecDeque::new(),
            link: Link::Idle,
            failures: 0,
            next_call: 0,
            happened: Vec::new(),
            jitter: RandomState::new(),
            connections_opened: 0,
        }
    }

    /// Starts a call of `kind` to `path` (`/package.Service/Method`).
    /// Errors (an interceptor's refusal, a bad path) end the call at once:
    /// they arrive as its `Finished` event.
    pub fn start_call(&mut self, kind: CallKind, path: &str, options: CallOptions) -> CallId {
        let now = Instant::now();
        let id = CallId(self.next_call);
        self.next_call = self.next_call.wrapping_add(1);
        let (service, method) = path
            .strip_prefix('/')
            .and_then(|p| p.split_once('/'))
            .unwrap_or(("", ""));
        let mut head = RequestHead::new(service, method);
        head.scheme = if self.target.tls {
            Scheme::Https
        } else {
            Scheme::Http
        };
        head.authority = Some(self.target.authority.clone());
        head.timeout = options.timeout.or(self.config.default_timeout);
        if let Some(agent) = &self.config.user_agent {
            head.user_agent = Some(format!("{agent} {}", head.user_agent.unwrap_or_default()));
        }
        head.metadata = options.metadata;
        let mut refusal = None;
        if service.is_empty() || method.is_empty() {
            refusal = Some(Status::new(
                Code::Internal,
                format!("bad method path {path:?}: expected /package.Service/Method"),
            ));
        }
        for interceptor in &self.config.interceptors {
            if refusal.is_some() {
                break;
            }
            if let Err(status) = interceptor(path, &mut head.metadata) {
                refusal = Some(status);
            }
        }
        let limits = CallLimits {
            max_receive_message_size: self.config.max_receive_message_size,
            max_send_message_size: self.config.max_send_message_size,
            ..CallLimits::default()
        };
        let mut entry = CallEntry::new(
            ClientCall::new(kind, &head, limits, now),
            options.wait_for_ready,
        );
        if !kind.client_streams() {
            entry.replay = Some(Replay {
                kind,
                deadline: head.timeout.and_then(|t| now.checked_add(t)),
                head,
                limits,
                request: None,
                closed: false,
            });
        }
        match refusal {
            Some(status) => entry.fail(status),
            None => self.pending.push_back(id),
        }
        self.calls.borrow_mut().calls.insert(id, entry);
        self.maintain(now);
        id
    }

    /// Starts a unary (or server-streaming) call with its one request.
    pub fn start_unary(
        &mut self,
        kind: CallKind,
        path: &str,
        request: Bytes,
        options: CallOptions,
    ) -> CallId {
        let id = self.start_call(kind, path, options);
        match self.send_message(id, request) {
            // Ended already (an interceptor refused it): nothing to add.
            Ok(()) | Err(SendRefused::Call(CallError::Finished)) => {}
            Err(refused) => {
                let status = refused.to_status();
                let stream = self
                    .calls
                    .borrow_mut()
                    .calls
                    .get_mut(&id)
                    .and_then(|entry| {
                        entry.fail(status);
                        entry.stream
                    });
                self.flush_stream(stream);
            }
        }
        let _ = self.close_send(id);
        id
    }

    /// Queues one request message, unless the call's send queue holds
    /// [`ClientConfig::send_buffer`] bytes already.
    pub fn send_message(&mut self, id: CallId, message: Bytes) -> Result<(), SendRefused> {
        let stream = {
            let mut table = self.calls.borrow_mut();
            let limit = self.config.send_buffer;
            let entry = table.calls.get_mut(&id).ok_or(SendRefused::UnknownCall)?;
            if entry.unsent_bytes > 0 && entry.unsent_bytes.saturating_add(message.len()) > limit {
                return Err(SendRefused::Full);
            }
            let len = message.len();
            entry.call.send_message(message.clone())?;
            if let Some(replay) = &mut entry.replay {
                replay.request = Some(message);
            }
            entry.unsent_bytes = entry.unsent_bytes.saturating_add(len.saturating_add(5));
            entry.stream
        };
        self.flush_stream(stream);
        Ok(())
    }

    /// Whether [`send_message`](Self::send_message) would take a message of `len` bytes now.
    pub fn can_send(&self, id: CallId, len: usize) -> bool {
        self.calls.borrow().calls.get(&id).is_some_and(|e| {
            e.unsent_bytes == 0 || e.unsent_bytes.saturating_add(len) <= self.config.send_buffer
        })
    }

    /// Ends the request stream (END_STREAM).
    pub fn close_send(&mut self, id: CallId) -> Result<(), SendRefused> {
        let stream = {
            let mut table = self.calls.borrow_mut();
            let entry = table.calls.get_mut(&id).ok_or(SendRefused::UnknownCall)?;
            entry.call.half_close()?;
            if let Some(replay) = &mut entry.replay {
                replay.closed = true;
            }
            entry.stream
        };
        self.flush_stream(stream);
        Ok(())
    }

    /// Cancels a call: RST_STREAM(CANCEL), and CANCELLED to the application.
    pub fn cancel(&mut self, id: CallId) {
        let stream = {
            let mut table = self.calls.borrow_mut();
            let Some(entry) = table.calls.get_mut(&id) else {
                return;
            };
            entry.fail(Status::cancelled("cancelled by the client"));
            entry.stream
        };
        self.flush_stream(stream);
    }

    /// The call's next event, without waiting: response headers, a
    /// message, or `Finished` (always last; the call is then forgotten).
    pub fn try_recv(&mut self, id: CallId) -> Option<ClientEvent> {
        let (event, stream) = {
            let mut table = self.calls.borrow_mut();
            let limit = table.receive_buffer;
            let entry = table.calls.get_mut(&id)?;
            let event = entry.inbox.pop_front()?;
            if let ClientEvent::Message(m) = &event {
                entry.inbox_bytes = entry.inbox_bytes.saturating_sub(m.len());
            }
            if matches!(event, ClientEvent::Finished(_)) {
                entry.delivered_finish = true;
            }
            let stream = entry
                .stream
                .filter(|_| entry.held_credit > 0 && entry.inbox_bytes < limit);
            if entry.is_done() && entry.stream.is_none_or(|_| entry.call.is_finished()) {
                table.calls.remove(&id);
            }
            (event, stream)
        };
        // The reader caught up: give the server credit again.
        self.flush_stream(stream);
        Some(event)
    }

    /// Whether the call has ended (its last events may still wait for `try_recv`).
    pub fn call_ended(&self, id: CallId) -> bool {
        self.calls
            .borrow()
            .calls
            .get(&id)
            .is_none_or(|e| e.call.is_finished())
    }

    /// Whether the call is still known (its `Finished` not yet taken).
    pub fn is_active(&self, id: CallId) -> bool {
        self.calls.borrow().calls.contains_key(&id)
    }

    /// How many calls are known (not yet fully taken by the application).
    pub fn active_calls(&self) -> usize {
        self.calls.borrow().calls.len()
    }

    /// How many connections the channel has opened (attempts included).
    pub fn connections_opened(&self) -> u64 {
        self.connections_opened
    }

    /// The keepalive in force: it doubles each time a server answers
    /// GOAWAY "too_many_pings" (keepalive.md).
    pub fn keepalive(&self) -> Option<Keepalive> {
        self.config.keepalive
    }

    /// Calls that received events since the last call of this method
    /// (kept once [`track_touched`](Self::track_touched) was called).
    pub(crate) fn take_touched(&mut self, into: &mut Vec<CallId>) {
        into.extend(self.calls.borrow_mut().touched.drain());
    }

    /// Starts keeping the set of calls with news, for a front end that
    /// drains it every turn.
    pub(crate) fn track_touched(&mut self) {
        self.calls.borrow_mut().track_touched = true;
    }

    fn flush_stream(&mut self, stream: Option<(ConnectionId, crate::h2::StreamId)>) {
        if let Some((conn, _)) = stream {
            let now = Instant::now();
            self.engine
                .driver()
                .with_session(conn, now, |session, now| session.flush(now));
        }
    }

    /// One turn of the event loop: waits at most `timeout` (`None`: until
    /// something happens) for the network, timers or a wake-up.
    /// Only for a channel from [`ChannelBuilder::build_polling`].
    pub fn poll(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let now = Instant::now();
        // What commands (send, cancel, recv) set off since the last turn;
        // if that changed anything, the caller must look before we sleep.
        let changed = self.maintain(now);
        let own = self
            .own_timeout(now)
            .map(|t| t.saturating_duration_since(now));
        let timeout = match (timeout, own) {
            _ if changed => Some(Duration::ZERO),
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let Engine::Loop(event_loop) = &mut self.engine else {
            return Err(io::Error::other(
                "this channel runs on the caller's registry: use handle_event and handle_timeouts",
            ));
        };
        event_loop.poll(timeout, &mut self.happened)?;
        self.maintain(Instant::now());
        Ok(())
    }

    /// Whether an event of the caller's mio loop belongs to this channel.
    pub fn owns(&self, token: mio::Token) -> bool {
        match &self.engine {
            Engine::Loop(_) => false,
            Engine::Driver(d) => d.owns(token),
        }
    }

    /// Handles one event of the caller's mio loop whose token [`owns`](Self::owns).
    pub fn handle_event(&mut self, event: &mio::event::Event) {
        let now = Instant::now();
        self.engine.driver().handle_event(event, now);
    }

    /// Runs timers and queued work; call once per turn of the caller's loop.
    pub fn handle_timeouts(&mut self) {
        let now = Instant::now();
        self.engine.driver().handle_timeouts(now);
        self.maintain(now);
    }

    /// How long the caller's loop may sleep before [`handle_timeouts`](Self::handle_timeouts).
    pub fn poll_timeout(&mut self) -> Option<Duration> {
        let now = Instant::now();
        if self.maintain(now) {
            return Some(Duration::ZERO);
        }
        let driver = self.engine.driver().poll_timeout(now);
        let own = self
            .own_timeout(now)
            .map(|t| t.saturating_duration_since(now));
        match (driver, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A handle that wakes this channel's loop from another thread.
    pub fn waker(&mut self) -> LoopHandle<ClientSession> {
        self.engine.driver().handle()
    }

    /// Shuts the connections down gracefully (GOAWAY), finishing by `deadline`.
    pub fn shutdown(&mut self, deadline: Instant) {
        self.engine.driver().shutdown(deadline, Instant::now());
    }

    /// The channel's own timers: reconnect after backoff, deadlines of
    /// calls still waiting for a connection.
    fn own_timeout(&self, _now: Instant) -> Option<Instant> {
        let backoff = match &self.link {
            Link::TransientFailure { until, .. } if !self.pending.is_empty() => Some(*until),
            _ => None,
        };
        let table = self.calls.borrow();
        let pending = self
            .pending
            .iter()
            .filter_map(|id| table.calls.get(id))
            .filter_map(|e| e.call.poll_timeout())
            .min();
        match (backoff, pending) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn unavailable(&self, cause: &str) -> Status {
        Status::new(
            Code::Unavailable,
            format!("{}: {cause}", self.target.authority),
        )
    }

    /// Brings the connection and the waiting calls up to date.
    /// Returns whether any connection event was handled.
    fn maintain(&mut self, now: Instant) -> bool {
        self.engine.driver().take_events(&mut self.happened);
        let any = !self.happened.is_empty();
        // Placing calls drives connections, which may end them: go round
        // until no event is left, or the loop would sleep on a lost one.
        for _ in 0..8 {
            self.maintain_once(now);
            self.engine.driver().take_events(&mut self.happened);
            if self.happened.is_empty() {
                break;
            }
        }
        any
    }

    fn maintain_once(&mut self, now: Instant) {
        // Refused streams' calls go first in the queue, as they were first.
        for id in std::mem::take(&mut self.calls.borrow_mut().requeue) {
            self.pending.push_front(id);
        }
        self.engine.driver().take_events(&mut self.happened);
        for event in std::mem::take(&mut self.happened) {
            match event {
                LoopEvent::Ready { id, .. } => {
                    if matches!(self.link, Link::Connecting(c) if c == id) {
                        self.link = Link::Ready(id);
                        self.failures = 0;
                    }
                }
                LoopEvent::Failed { id, error } => {
                    self.connection_ended(id, Some(error.to_string()), now)
                }
                LoopEvent::Closed { id } => self.connection_ended(id, None, now),
            }
        }
        // Learn what the sessions saw: GOAWAY means new calls need a new connection.
        let news: Vec<_> = self
            .calls
            .borrow()
            .news
            .iter()
            .map(|(id, n)| (*id, n.going_away, n.too_many_pings))
            .collect();
        for (id, going_away, too_many_pings) in news {
            if too_many_pings {
                self.slow_keepalive();
                if let Some(n) = self.calls.borrow_mut().news.get_mut(&id) {
                    n.too_many_pings = false;
                }
            }
            if going_away && matches!(self.link, Link::Ready(c) | Link::Connecting(c) if c == id) {
                self.retire(id, now);
            }
        }
        if let Link::TransientFailure { until, .. } = &self.link {
            if now >= *until {
                self.link = Link::Idle;
            }
        }
        // Deadlines of calls still waiting for a connection.
        {
            let mut table = self.calls.borrow_mut();
            let table = &mut *table;
            self.pending.retain(|id| match table.calls.get_mut(id) {
                Some(entry) => {
                    entry.call.handle_timeout(now);
                    entry.collect_events(None);
                    if !entry.inbox.is_empty() && table.track_touched {
                        table.touched.insert(*id);
                    }
                    !entry.call.is_finished()
                }
                None => false,
            });
        }
        self.place_pending(now);
    }

    fn place_pending(&mut self, now: Instant) {
        for _ in 0..4 {
            if self.pending.is_empty() {
                return;
            }
            match self.link.clone() {
                Link::Idle => self.open_connection(now),
                Link::Connecting(_) => return,
                Link::TransientFailure { error, .. } => {
                    // wait-for-ready.md: fail fast unless the call waits for ready.
                    let status = self.unavailable(&error);
                    let mut table = self.calls.borrow_mut();
                    let table = &mut *table;
                    self.pending.retain(|id| match table.calls.get_mut(id) {
                        Some(entry) if !entry.wait_for_ready => {
                            entry.fail(status.clone());
                            table.touch(*id);
                            false
                        }
                        Some(_) => true,
                        None => false,
                    });
                    return;
                }
                Link::Ready(conn) => {
                    while let Some(&id) = self.pending.front() {
                        let mut result = Ok(());
                        let found = self
                            .engine
                            .driver()
                            .with_session(conn, now, |s, now| result = s.attach(id, now));
                        if !found {
                            self.link = Link::Idle;
                            break;
                        }
                        match result {
                            Ok(()) => {
                                self.pending.pop_front();
                            }
                            Err(AttachError::Busy) => return,
                            Err(AttachError::Unusable) => {
                                self.retire(conn, now);
                                break;
                            }
                            Err(AttachError::Refused(e)) => {
                                self.pending.pop_front();
                                let mut table = self.calls.borrow_mut();
                                if let Some(entry) = table.calls.get_mut(&id) {
                                    entry.fail(Status::new(
                                        Code::Internal,
                                        format!("cannot send the request: {e}"),
                                    ));
                                }
                                table.touch(id);
                            }
                        }
                    }
                }
            }
        }
    }

    /// keepalive.md: a client told "too_many_pings" SHOULD double its
    /// keepalive time for new connections.
    fn slow_keepalive(&mut self) {
        if let Some(k) = &mut self.config.keepalive {
            k.time = k.time.saturating_mul(2);
        }
    }

    /// Takes no new calls on `id`: its calls finish, then it closes
    /// (our GOAWAY, RFC 9113 §6.8); the next call opens a new connection.
    fn retire(&mut self, id: ConnectionId, now: Instant) {
        self.link = Link::Idle;
        self.engine
            .driver()
            .with_session(id, now, |session, now| session.retire(now));
    }

    fn open_connection(&mut self, now: Instant) {
        let mut h2 = self.config.h2;
        h2.keepalive_time = self.config.keepalive.map(|k| k.time);
        if let Some(k) = self.config.keepalive {
            h2.keepalive_timeout = k.timeout;
        }
        let calls = self.calls.clone();
        let factory = move |info: &crate::net::ConnectionInfo| {
            Some(ClientSession::new(info.id, h2, calls, Instant::now()))
        };
        self.connections_opened = self.connections_opened.saturating_add(1);
        match self.engine.driver().connect(&self.connect, factory, now) {
            Ok(id) => self.link = Link::Connecting(id),
            Err(error) => self.attempt_failed(error.to_string(), now),
        }
    }

    fn attempt_failed(&mut self, error: String, now: Instant) {
        self.failures = self.failures.saturating_add(1);
        let mut hasher = self.jitter.build_hasher();
        hasher.write_u32(self.failures);
        hasher.write_u64(self.next_call);
        let unit = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
        let wait = self.config.backoff.wait(self.failures, unit);
        self.link = Link::TransientFailure {
            until: now.checked_add(wait).unwrap_or(now),
            error,
        };
    }

    fn connection_ended(&mut self, id: ConnectionId, error: Option<String>, now: Instant) {
        let news = self.calls.borrow_mut().news.remove(&id);
        if news.as_ref().is_some_and(|n| n.too_many_pings) {
            self.slow_keepalive();
        }
        let cause = match (&error, news.as_ref().and_then(|n| n.cause.clone())) {
            (Some(error), _) => error.clone(),
            (None, Some(cause)) => cause,
            (None, None) => "the connection closed".to_string(),
        };
        let status = self.unavailable(&cause);
        {
            let mut table = self.calls.borrow_mut();
            let table = &mut *table;
            for (call, entry) in table.calls.iter_mut() {
                if entry.stream.is_some_and(|(c, _)| c == id) {
                    entry.stalled = None;
                    entry.stream = None;
                    if !entry.call.is_finished() {
                        entry.fail(status.clone());
                        if table.track_touched {
                            table.touched.insert(*call);
                        }
                    }
                }
            }
        }
        match self.link {
            Link::Connecting(c) if c == id => self.attempt_failed(cause, now),
            Link::Ready(c) if c == id => self.link = Link::Idle,
            _ => {}
        }
    }
}

/// A command from an application thread to the I/O thread.
#[derive(Debug)]
pub(crate) enum IoCommand {
    Start {
        ticket: u64,
        kind: CallKind,
        path: String,
        options: CallOptions,
        request: Option<Bytes>,
        mailbox: Arc<Mailbox>,
    },
    Send(u64, Bytes),
    CloseSend(u64),
    Cancel(u64),
    Forget(u64),
    Pump(u64),
    Shutdown,
}

/// The application threads' way to the I/O thread.
#[derive(Debug, Clone)]
pub(crate) struct IoLink {
    commands: SyncSender<IoCommand>,
    waker: LoopHandle<ClientSession>,
}

impl IoLink {
    pub(crate) fn command(&self, command: IoCommand) -> Result<(), Status> {
        let stopped = || Status::new(Code::Unavailable, "the channel's I/O thread has stopped");
        self.commands.send(command).map_err(|_| stopped())?;
        self.waker.wake().map_err(|_| stopped())
    }
}

struct ChannelInner {
    link: IoLink,
    tickets: AtomicU64,
    thread: Mutex<Option<JoinHandle<()>>>,
    call_queue: usize,
}

impl Drop for ChannelInner {
    fn drop(&mut self) {
        let _ = self.link.command(IoCommand::Shutdown);
        if let Some(thread) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = thread.join();
        }
    }
}

/// A blocking gRPC client channel: `Clone + Send + Sync`, calls from any
/// number of threads share its connection.
///
/// It runs one thread, named [`IO_THREAD_NAME`] (`grpclite-io`), holding
/// an event loop with a [`PollingChannel`]: the blocking calls are commands
/// to it and replies from it (bounded queues), not a second engine.
/// Dropping the last clone shuts the connection down gracefully; calls
/// still running then end UNAVAILABLE within a second.
#[derive(Clone)]
pub struct Channel {
    inner: Arc<ChannelInner>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel").finish_non_exhaustive()
    }
}

/// Most commands waiting for the I/O thread before callers block.
const COMMAND_QUEUE: usize = 1024;

impl Channel {
    /// A channel to `target` (`http://host:port`, `https://host:port`,
    /// `unix:/path`) with default settings; see [`ChannelBuilder`].
    pub fn connect(target: &str) -> Result<Channel, ChannelError> {
        ChannelBuilder::new(target).build()
    }

    /// A builder for more settings.
    pub fn builder(target: impl Into<String>) -> ChannelBuilder {
        ChannelBuilder::new(target)
    }

    fn start(
        target: Target,
        connect: ConnectTarget,
        config: ClientConfig,
    ) -> Result<Channel, ChannelError> {
        let (commands_tx, commands_rx) = mpsc::sync_channel(COMMAND_QUEUE);
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let queue = config.call_queue.max(1);
        let thread = std::thread::Builder::new()
            .name(IO_THREAD_NAME.to_string())
            .spawn(move || {
                let event_loop = match EventLoop::new(config.limits.clone()) {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let mut channel = PollingChannel::new(
                    Engine::Loop(Box::new(event_loop)),
                    target,
                    connect,
                    config,
                );
                let _ = ready_tx.send(Ok(channel.waker()));
                run_io_thread(&mut channel, commands_rx, queue);
            })?;
        let waker = match ready_rx.recv() {
            Ok(Ok(waker)) => waker,
            Ok(Err(e)) => return Err(e.into()),
            Err(_) => return Err(io::Error::other("the I/O thread ended during setup").into()),
        };
        Ok(Channel {
            inner: Arc::new(ChannelInner {
                link: IoLink {
                    commands: commands_tx,
                    waker,
                },
                tickets: AtomicU64::new(0),
                thread: Mutex::new(Some(thread)),
                call_queue: queue,
            }),
        })
    }

    /// Starts a call in raw bytes; `request` is sent and the request stream
    /// closed when given (unary and server-streaming calls).
    pub fn raw_call(
        &self,
        kind: CallKind,
        path: &str,
        request: Option<Bytes>,
        options: CallOptions,
    ) -> RawCall {
        let ticket = self.inner.tickets.fetch_add(1, Ordering::Relaxed);
        let mailbox = Arc::new(Mailbox::new(self.inner.call_queue));
        let link = self.inner.link.clone();
        let started = link.command(IoCommand::Start {
            ticket,
            kind,
            path: path.to_string(),
            options,
            request,
            mailbox: mailbox.clone(),
        });
        if let Err(status) = started {
            mailbox
                .lock()
                .events
                .push_back(ClientEvent::Finished(crate::grpc::Trailers::local(status)));
        }
        RawCall::new(link, ticket, mailbox)
    }

    /// A unary call in raw bytes: the response message and metadata.
    pub fn unary_raw(
        &self,
        path: &str,
        request: Bytes,
        options: CallOptions,
    ) -> Result<Response<Bytes>, Status> {
        let mut call = self.raw_call(CallKind::Unary, path, Some(request), options);
        let message = match call.recv() {
            Some(item) => item?,
            None => {
                return Err(Status::new(
                    Code::Unimplemented,
                    "the call ended with OK but without a response message",
                ))
            }
        };
        let trailers = call.finish()?;
        Ok(Response {
            message,
            headers: call.headers().cloned().unwrap_or_default(),
            trailers,
        })
    }

    /// A unary call: one request, one response.
    pub fn unary<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        request: &Req,
        options: CallOptions,
    ) -> Result<Response<Resp>, Status> {
        let response = self.unary_raw(path, Bytes::from(request.encode_to_vec()), options)?;
        let message = Resp::decode(&response.message).map_err(|e| {
            Status::new(
                Code::Internal,
                format!("cannot decode the response message: {e}"),
            )
        })?;
        Ok(Response {
            message,
            headers: response.headers,
            trailers: response.trailers,
        })
    }

    /// A server-streaming call: an iterator over the responses.
    pub fn server_streaming<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        request: &Req,
        options: CallOptions,
    ) -> ServerStream<Resp> {
        let raw = self.raw_call(
            CallKind::ServerStreaming,
            path,
            Some(Bytes::from(request.encode_to_vec())),
            options,
        );
        ServerStream::new(raw)
    }

    /// A client-streaming call: send requests, then
    /// [`Call::close_and_recv`] for the response.
    pub fn client_streaming<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        options: CallOptions,
    ) -> Call<Req, Resp> {
        Call::new(self.raw_call(CallKind::ClientStreaming, path, None, options))
    }

    /// A bidirectional-streaming call.
    pub fn bidi<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        options: CallOptions,
    ) -> Call<Req, Resp> {
        Call::new(self.raw_call(CallKind::Bidi, path, None, options))
    }
}

/// One blocking call as the I/O thread sees it.
struct IoCall {
    id: CallId,
    mailbox: Arc<Mailbox>,
    /// A message the call's send queue had no room for; its sender waits.
    blocked_send: Option<Bytes>,
    finished: bool,
}

/// The I/O thread: turns the loop, carries commands in and events out.
fn run_io_thread(channel: &mut PollingChannel, commands: Receiver<IoCommand>, queue: usize) {
    let mut calls: HashMap<u64, IoCall> = HashMap::new();
    let mut by_id: HashMap<CallId, u64> = HashMap::new();
    let mut shutting_down = false;
    let mut touched = Vec::new();
    channel.track_touched();
    loop {
        loop {
            match commands.try_recv() {
                Ok(IoCommand::Start {
                    ticket,
                    kind,
                    path,
                    options,
                    request,
                    mailbox,
                }) => {
                    let id = match request {
                        Some(request) => channel.start_unary(kind, &path, request, options),
                        None => channel.start_call(kind, &path, options),
                    };
                    by_id.insert(id, ticket);
                    touched.push(id);
                    calls.insert(
                        ticket,
                        IoCall {
                            id,
                            mailbox,
                            blocked_send: None,
                            finished: false,
                        },
                    );
                }
                Ok(IoCommand::Send(ticket, message)) => {
                    if let Some(call) = calls.get_mut(&ticket) {
                        call.blocked_send = Some(message);
                        touched.push(call.id);
                    }
                }
                Ok(IoCommand::CloseSend(ticket)) => {
                    if let Some(call) = calls.get(&ticket) {
                        let _ = channel.close_send(call.id);
                    }
                }
                Ok(IoCommand::Cancel(ticket)) => {
                    if let Some(call) = calls.get(&ticket) {
                        channel.cancel(call.id);
                        touched.push(call.id);
                    }
                }
                Ok(IoCommand::Forget(ticket)) => {
                    if let Some(call) = calls.remove(&ticket) {
                        by_id.remove(&call.id);
                        if !call.finished {
                            channel.cancel(call.id);
                        }
                        // Drain what is left so the call is forgotten.
                        while channel.try_recv(call.id).is_some() {}
                    }
                }
                Ok(IoCommand::Pump(ticket)) => {
                    if let Some(call) = calls.get(&ticket) {
                        touched.push(call.id);
                    }
                }
                Ok(IoCommand::Shutdown) | Err(TryRecvError::Disconnected) => {
                    if !shutting_down {
                        shutting_down = true;
                        channel.shutdown(Instant::now() + Duration::from_secs(1));
                    }
                    break;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        channel.take_touched(&mut touched);
        touched.sort_unstable();
        touched.dedup();
        // Blocked senders are retried every turn: credit may have come.
        touched.extend(
            calls
                .values()
                .filter(|c| c.blocked_send.is_some())
                .map(|c| c.id),
        );
        for id in touched.drain(..) {
            let Some(call) = by_id.get(&id).and_then(|t| calls.get_mut(t)) else {
                continue;
            };
            pump(channel, call, queue);
        }
        if shutting_down && channel.engine.driver().is_finished() {
            break;
        }
        if channel.poll(None).is_err() {
            break;
        }
    }
    // Nobody will drive these calls any more: end them so no thread waits forever.
    let status = Status::new(Code::Unavailable, "the channel has shut down");
    for call in calls.values() {
        let mut state = call.mailbox.lock();
        if !call.finished {
            state
                .events
                .push_back(ClientEvent::Finished(crate::grpc::Trailers::local(
                    status.clone(),
                )));
        }
        if call.blocked_send.is_some() {
            state.send_ack = Some(SendAck::Ended);
        }
        drop(state);
        call.mailbox.changed.notify_all();
    }
}

/// Moves a call's events into its mailbox (while there is room) and
/// retries a blocked send; wakes the waiting thread if anything changed.
fn pump(channel: &mut PollingChannel, call: &mut IoCall, queue: usize) {
    let mut changed = false;
    if let Some(message) = call.blocked_send.take() {
        let len = message.len();
        if channel.call_ended(call.id) {
            call.mailbox.lock().send_ack = Some(SendAck::Ended);
            changed = true;
        } else if !channel.can_send(call.id, len) {
            call.blocked_send = Some(message);
        } else {
            let ack = match channel.send_message(call.id, message) {
                Ok(()) => SendAck::Taken,
                Err(SendRefused::Call(CallError::Finished) | SendRefused::UnknownCall) => {
                    SendAck::Ended
                }
                Err(e) => SendAck::Refused(e.to_status()),
            };
            call.mailbox.lock().send_ack = Some(ack);
            changed = true;
        }
    }
    let mut state = call.mailbox.lock();
    while state.events.len() < queue {
        let Some(event) = channel.try_recv(call.id) else {
            break;
        };
        if matches!(event, ClientEvent::Finished(_)) {
            call.finished = true;
        }
        state.events.push_back(event);
        changed = true;
    }
    if call.finished && call.blocked_send.take().is_some() {
        state.send_ack = Some(SendAck::Ended);
        changed = true;
    }
    drop(state);
    if changed {
        call.mailbox.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::Address;

    fn host(host: &str, port: u16) -> Address {
        Address::Host {
            host: host.to_string(),
            port,
        }
    }

    #[test]
    fn targets() {
        let t = Target::parse("http://example.com:8080").unwrap();
        assert_eq!(
            (t.address, t.tls, t.authority.as_str()),
            (host("example.com", 8080), false, "example.com:8080")
        );
        let t = Target::parse("https://example.com").unwrap();
        assert_eq!(
            (t.address, t.tls, t.authority.as_str()),
            (host("example.com", 443), true, "example.com:443")
        );
        let t = Target::parse("http://[::1]:50051/").unwrap();
        assert_eq!(
            (t.address, t.authority.as_str()),
            (host("::1", 50051), "[::1]:50051")
        );
        let t = Target::parse("dns:///localhost:50051").unwrap();
        assert_eq!(t.address, host("localhost", 50051));
        let t = Target::parse("127.0.0.1:9").unwrap();
        assert_eq!((t.address, t.tls), (host("127.0.0.1", 9), false));
        let t = Target::parse("unix:/tmp/s.sock").unwrap();
        assert_eq!(
            (t.address, t.authority.as_str()),
            (Address::Unix("/tmp/s.sock".into()), "localhost")
        );
        let t = Target::parse("unix:///tmp/s.sock").unwrap();
        assert_eq!(t.address, Address::Unix("/tmp/s.sock".into()));
        let t = Target::parse("unix:relative.sock").unwrap();
        assert_eq!(t.address, Address::Unix("relative.sock".into()));
    }

    #[test]
    fn a_channel_is_shared_across_threads() {
        fn shared<T: Clone + Send + Sync + 'static>() {}
        shared::<Channel>();
    }

    #[test]
    fn target_parsing_never_panics_and_keeps_host_and_port() {
        fn any(s: String) -> bool {
            let _ = Target::parse(&s);
            true
        }
        fn host_port(host: String, port: u16, tls: bool) -> quickcheck::TestResult {
            let host: String = host.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            if host.is_empty() {
                return quickcheck::TestResult::discard();
            }
            let scheme = if tls { "https" } else { "http" };
            let t = Target::parse(&format!("{scheme}://{host}:{port}")).unwrap();
            quickcheck::TestResult::from_bool(
                t.address == super::tests::host(&host, port)
                    && t.tls == tls
                    && t.authority == format!("{host}:{port}"),
            )
        }
        quickcheck::quickcheck(any as fn(String) -> bool);
        quickcheck::quickcheck(host_port as fn(String, u16, bool) -> quickcheck::TestResult);
    }

    #[test]
    fn bad_targets() {
        for (target, reason) in [
            ("http://", "no host"),
            ("http://h:99999", "the port is not a number 0-65535"),
            ("http://h:x", "the port is not a number 0-65535"),
            ("unix:", "empty socket path"),
            ("http://[::1", "unclosed '[' in an IPv6 address"),
            ("http://[::1]x", "junk after the IPv6 address"),
            ("http://a/b:1", "bad host name"),
        ] {
            match Target::parse(target) {
                Err(ChannelError::InvalidTarget { reason: got, .. }) => {
                    assert_eq!(got, reason, "{target}")
                }
                other => panic!("{target}: {other:?}"),
            }
        }
    }
}
