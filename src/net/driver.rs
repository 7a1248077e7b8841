//! The driver: many connections and listeners on one mio `Registry`.
//!
//! [`Driver`] does not own the `Poll`, so it can live inside a caller's own
//! mio loop; [`EventLoop`](super::EventLoop) wraps it with a `Poll` for the
//! common case. Calling order for one turn of a loop:
//!
//! 1. `poll.poll(&mut events, driver.poll_timeout(now))`;
//! 2. for every event whose token [`Driver::owns`]: [`Driver::handle_event`];
//! 3. [`Driver::handle_timeouts`] (expired timers, the ready queue, commands);
//! 4. [`Driver::take_events`] to learn about connections that became ready,
//!    failed or closed.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::event::{Event, Source};
use mio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use mio::{Interest, Registry, Token, Waker};

use super::buffer::BufferPool;
use super::connect::{Address, ConnectTarget};
use super::connection::{Conn, Failure, Phase};
use super::error::NetError;
use super::handle::{Command, LoopHandle};
use super::limits::Limits;
use super::session::{ConnectionInfo, PeerAddress, Role, Session, SessionFactory};
#[cfg(feature = "tls")]
use super::tls::ServerTls;
use super::transport::{Listener, Stream};

/// A connection's handle: small, copyable, and never mistaken for a later
/// connection that reuses the same slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnectionId {
    index: u32,
    generation: u32,
}

/// A listener's handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId {
    index: u32,
    generation: u32,
}

/// Something that happened to a connection, for the driver's owner.
///
/// Every connection ends with exactly one `Failed` or `Closed`; it has a
/// `Ready` before only if its setup finished and a session was made (a
/// plaintext client refused with an HTTP/1.1 error has none).
#[derive(Debug)]
pub enum LoopEvent {
    /// Setup finished (connect, TLS, preface) and the session was made.
    Ready {
        /// The connection.
        id: ConnectionId,
        /// Whether it was accepted or opened.
        role: Role,
    },
    /// The connection ended because of this error (it is gone).
    Failed {
        /// The connection.
        id: ConnectionId,
        /// What went wrong.
        error: NetError,
    },
    /// The connection ended normally (it is gone).
    Closed {
        /// The connection.
        id: ConnectionId,
    },
}

/// Buffer memory held by a driver, from [`Driver::buffer_memory`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferMemory {
    /// Bytes in connections' read and write buffers.
    pub connections: usize,
    /// How many read buffers connections hold (only those with unconsumed input).
    pub connection_read_buffers: usize,
    /// Bytes in free read buffers kept for reuse
    /// (at most [`Limits::pooled_read_buffers`] of them).
    pub pooled: usize,
    /// How many free read buffers the pool keeps.
    pub pooled_buffers: usize,
}

/// How a listener protects its connections.
#[derive(Debug, Clone, Default)]
pub enum Security {
    /// Plaintext: HTTP/2 with prior knowledge or an `Upgrade: h2c` request.
    #[default]
    Plaintext,
    /// TLS with this configuration (ALPN `h2`).
    #[cfg(feature = "tls")]
    Tls(ServerTls),
}

struct ListenerEntry<S> {
    listener: Listener,
    factory: Box<dyn SessionFactory<S>>,
    security: Security,
    /// A Unix socket path we created and remove when the listener goes.
    unix_path: Option<PathBuf>,
    /// Accepting stopped at the connection limit.
    paused: bool,
}

enum Entry<S> {
    Free,
    Listener(Box<ListenerEntry<S>>),
    Connection(Box<Conn<S>>),
}

struct Slot<S> {
    generation: u32,
    entry: Entry<S>,
}

/// The event-loop machinery for many connections, given a mio `Registry`.
pub struct Driver<S> {
    registry: Registry,
    first_token: usize,
    waker: Arc<Waker>,
    sender: SyncSender<Command<S>>,
    commands: Receiver<Command<S>>,
    slots: Vec<Slot<S>>,
    free: Vec<usize>,
    timers: super::timers::Timers,
    pool: BufferPool,
    limits: Limits,
    ready: VecDeque<usize>,
    events: VecDeque<LoopEvent>,
    connections: usize,
    shutdown_deadline: Option<Instant>,
}

/// Most undrained [`LoopEvent`]s kept; older ones are dropped.
const MAX_EVENTS: usize = 4096;

impl<S: Session> Driver<S> {
    /// A driver registering its sockets with `registry` under tokens from
    /// `first_token` upwards (the caller's own tokens must be below it).
    ///
    /// The driver registers a mio `Waker` (token `first_token`); mio allows
    /// one waker per `Poll`, so a caller sharing its `Poll` must not have
    /// its own.
    pub fn new(registry: &Registry, first_token: usize, limits: Limits) -> io::Result<Self> {
        if first_token > usize::MAX / 2 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "first_token leaves no room for the driver's tokens",
            ));
        }
        let registry = registry.try_clone()?;
        let waker = Arc::new(Waker::new(&registry, Token(first_token))?);
        let (sender, commands) = mpsc::sync_channel(limits.command_capacity.max(1));
        Ok(Driver {
            registry,
            first_token,
            waker,
            sender,
            commands,
            slots: Vec::new(),
            free: Vec::new(),
            timers: Default::default(),
            pool: BufferPool::new(limits.read_buffer_size, limits.pooled_read_buffers),
            limits,
            ready: VecDeque::new(),
            events: VecDeque::new(),
            connections: 0,
            shutdown_deadline: None,
        })
    }

    /// Whether an event with this token belongs to the driver.
    pub fn owns(&self, token: Token) -> bool {
        token.0 >= self.first_token && token.0 <= self.first_token + self.slots.len()
    }

    /// A handle other threads use to send commands and wake the loop.
    pub fn handle(&self) -> LoopHandle<S> {
        LoopHandle::new(self.sender.clone(), self.waker.clone())
    }

    /// The driver's limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// How many connections are open (in any phase).
    pub fn connection_count(&self) -> usize {
        self.connections
    }

    /// Buffer memory now held: by connections (read and write buffers,
    /// excluding session and TLS state) and by the pool of free read
    /// buffers. An idle connection holds none.
    pub fn buffer_memory(&self) -> BufferMemory {
        let connections = self
            .slots
            .iter()
            .map(|slot| match &slot.entry {
                Entry::Connection(conn) => conn.buffer_bytes(),
                _ => 0,
            })
            .sum();
        let connection_read_buffers = self
            .slots
            .iter()
            .filter(|slot| matches!(&slot.entry, Entry::Connection(c) if c.holds_read_buffer()))
            .count();
        BufferMemory {
            connections,
            connection_read_buffers,
            pooled: self.pool.free_bytes(),
            pooled_buffers: self.pool.free_count(),
        }
    }

    fn token(&self, index: usize) -> Token {
        Token(self.first_token + 1 + index)
    }

    fn allocate(&mut self, entry: Entry<S>) -> (usize, u32) {
        if let Some(index) = self.free.pop() {
            if let Some(slot) = self.slots.get_mut(index) {
                slot.entry = entry;
                return (index, slot.generation);
            }
        }
        self.slots.push(Slot {
            generation: 0,
            entry,
        });
        (self.slots.len() - 1, 0)
    }

    fn release(&mut self, index: usize) {
        if let Some(slot) = self.slots.get_mut(index) {
            slot.entry = Entry::Free;
            slot.generation = slot.generation.wrapping_add(1);
            self.free.push(index);
        }
        self.timers.set(index, None);
    }

    fn connection_id(&self, index: usize) -> ConnectionId {
        let generation = self.slots.get(index).map_or(0, |s| s.generation);
        ConnectionId {
            index: index as u32,
            generation,
        }
    }

    fn index_of(&self, id: ConnectionId) -> Option<usize> {
        let index = id.index as usize;
        let slot = self.slots.get(index)?;
        (slot.generation == id.generation && matches!(slot.entry, Entry::Connection(_)))
            .then_some(index)
    }

    fn push_event(&mut self, event: LoopEvent) {
        if self.events.len() >= MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    /// Moves the events recorded since the last call into `into`.
    pub fn take_events(&mut self, into: &mut Vec<LoopEvent>) {
        into.extend(self.events.drain(..));
    }

    /// Listens on a TCP address (port 0 picks one). Returns the listener and
    /// its actual local address.
    pub fn listen_tcp(
        &mut self,
        addr: SocketAddr,
        security: Security,
        factory: impl SessionFactory<S> + 'static,
    ) -> io::Result<(ListenerId, SocketAddr)> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        let id = self.add_listener(Listener::Tcp(listener), security, Box::new(factory), None)?;
        Ok((id, local))
    }

    /// Listens on a Unix domain socket path, which must not exist yet; the
    /// path is removed when the listener is closed.
    pub fn listen_unix(
        &mut self,
        path: impl AsRef<Path>,
        security: Security,
        factory: impl SessionFactory<S> + 'static,
    ) -> io::Result<ListenerId> {
        let path = path.as_ref();
        let listener = UnixListener::bind(path)?;
        self.add_listener(
            Listener::Unix(listener),
            security,
            Box::new(factory),
            Some(path.to_path_buf()),
        )
    }

    fn add_listener(
        &mut self,
        mut listener: Listener,
        security: Security,
        factory: Box<dyn SessionFactory<S>>,
        unix_path: Option<PathBuf>,
    ) -> io::Result<ListenerId> {
        let (index, generation) = self.allocate(Entry::Free);
        let token = self.token(index);
        if let Err(e) = listener.register(&self.registry, token, Interest::READABLE) {
            self.release(index);
            return Err(e);
        }
        if let Some(slot) = self.slots.get_mut(index) {
            slot.entry = Entry::Listener(Box::new(ListenerEntry {
                listener,
                factory,
                security,
                unix_path,
                paused: false,
            }));
        }
        Ok(ListenerId {
            index: index as u32,
            generation,
        })
    }

    /// Stops a listener; its connections go on.
    pub fn close_listener(&mut self, id: ListenerId) {
        let index = id.index as usize;
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if slot.generation != id.generation || !matches!(slot.entry, Entry::Listener(_)) {
            return;
        }
        if let Entry::Listener(mut entry) = std::mem::replace(&mut slot.entry, Entry::Free) {
            let _ = entry.listener.deregister(&self.registry);
            if let Some(path) = &entry.unix_path {
                let _ = std::fs::remove_file(path);
            }
        }
        self.release(index);
    }

    /// Opens a client connection. `factory` makes the session once the
    /// connection is set up (TCP connected, TLS verified); connect and TLS
    /// failures arrive later as [`LoopEvent::Failed`]. Host names are
    /// resolved here, blocking.
    pub fn connect(
        &mut self,
        target: &ConnectTarget,
        factory: impl FnOnce(&ConnectionInfo) -> Option<S> + 'static,
        now: Instant,
    ) -> Result<ConnectionId, NetError> {
        if self.shutdown_deadline.is_some() {
            return Err(NetError::ShuttingDown);
        }
        if self.connections >= self.limits.max_connections {
            return Err(NetError::TooManyConnections {
                limit: self.limits.max_connections,
            });
        }
        let (stream, peer_address, addr, remaining) = match &target.address {
            Address::Unix(path) => {
                let peer = PeerAddress::Unix(Some(path.clone()));
                let stream = UnixStream::connect(path)
                    .map_err(|e| Failure::Io("connect to", e).into_error(&peer.to_string()))?;
                (Stream::Unix(stream), peer, None, Vec::new())
            }
            _ => {
                let mut addrs = target.resolve()?.into_iter();
                let mut last_error = None;
                let mut connected = None;
                for addr in addrs.by_ref() {
                    match TcpStream::connect(addr) {
                        Ok(stream) => {
                            connected = Some((stream, addr));
                            break;
                        }
                        Err(e) => last_error = Some((addr, e)),
                    }
                }
                match (connected, last_error) {
                    (Some((stream, addr)), _) => (
                        Stream::Tcp(stream),
                        PeerAddress::Tcp(addr),
                        Some(addr),
                        addrs.collect(),
                    ),
                    (None, Some((addr, e))) => {
                        return Err(Failure::Io("connect to", e).into_error(&addr.to_string()))
                    }
                    (None, None) => {
                        return Err(NetError::NoAddress {
                            host: format!("{:?}", target.address),
                        })
                    }
                }
            }
        };
        let timeout = target
            .connect_timeout
            .unwrap_or(self.limits.connect_timeout);
        let mut conn = Conn::new(
            stream,
            peer_address,
            Role::Client,
            Phase::Connecting { addr, remaining },
        );
        conn.phase_deadline = now.checked_add(timeout);
        conn.setup_timeout = timeout;
        conn.client_factory = Some(Box::new(factory));
        #[cfg(feature = "tls")]
        if let Some(tls) = &target.tls {
            let client = rustls::ClientConnection::new(tls.config.clone(), tls.server_name.clone())
                .map_err(|error| NetError::Tls {
                    peer: conn.peer.clone(),
                    error,
                })?;
            conn.tls = Some(Box::new(rustls::Connection::Client(client)));
        }
        let (index, _) = self.allocate(Entry::Free);
        self.connections += 1;
        let id = self.connection_id(index);
        self.finish(index, Box::new(conn));
        Ok(id)
    }

    /// Handles one readiness event (its token must be [`owns`](Self::owns)ed).
    pub fn handle_event(&mut self, event: &Event, now: Instant) {
        let token = event.token().0;
        if token == self.first_token {
            self.handle_commands(now);
            return;
        }
        let Some(index) = token.checked_sub(self.first_token + 1) else {
            return;
        };
        match self.slots.get_mut(index).map(|s| &mut s.entry) {
            Some(Entry::Listener(_)) => self.accept(index, now),
            Some(Entry::Connection(conn)) => {
                if event.is_readable() || event.is_read_closed() || event.is_error() {
                    conn.readable = true;
                }
                if event.is_writable() || event.is_write_closed() || event.is_error() {
                    conn.writable = true;
                }
                self.service(index, now, |_, _, _| {});
            }
            _ => {}
        }
    }

    fn accept(&mut self, index: usize, now: Instant) {
        loop {
            if self.shutdown_deadline.is_some() {
                return;
            }
            let at_limit = self.connections >= self.limits.max_connections;
            let Some(Entry::Listener(entry)) = self.slots.get_mut(index).map(|s| &mut s.entry)
            else {
                return;
            };
            if at_limit {
                // Leave the rest in the kernel's backlog until a connection closes.
                entry.paused = true;
                return;
            }
            let (stream, peer) = match entry.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    entry.paused = false;
                    return;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    continue
                }
                // Out of descriptors or memory: the next incoming connection
                // raises a new event and accepting is retried then.
                Err(_) => return,
            };
            stream.set_nodelay();
            let mut conn = Conn::new(stream, peer, Role::Server, Phase::Sniffing);
            conn.listener = Some(index);
            conn.readable = true;
            conn.writable = true;
            conn.setup_timeout = self.limits.preface_timeout;
            match &entry.security {
                Security::Plaintext => {}
                #[cfg(feature = "tls")]
                Security::Tls(tls) => match rustls::ServerConnection::new(tls.config.clone()) {
                    Ok(server) => {
                        conn.tls = Some(Box::new(rustls::Connection::Server(server)));
                        conn.phase = Phase::Handshaking;
                        conn.setup_timeout = self.limits.tls_handshake_timeout;
                    }
                    Err(_) => continue,
                },
            }
            conn.phase_deadline = now.checked_add(conn.setup_timeout);
            let (new_index, _) = self.allocate(Entry::Free);
            self.connections += 1;
            self.finish(new_index, Box::new(conn));
            self.service(new_index, now, |_, _, _| {});
        }
    }

    /// Takes a connection out of its slot, applies `f`, drives it, makes
    /// its session if setup just finished, and puts it back (or frees it).
    fn service(
        &mut self,
        index: usize,
        now: Instant,
        f: impl FnOnce(&mut Conn<S>, &Limits, Instant),
    ) {
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        let Entry::Connection(mut conn) = std::mem::replace(&mut slot.entry, Entry::Free) else {
            return;
        };
        f(&mut conn, &self.limits, now);
        loop {
            conn.drive(now, &mut self.pool, &self.limits);
            if !matches!(conn.phase, Phase::NeedsSession) {
                break;
            }
            let info = self.connection_info(index, &mut conn);
            let session = match conn.listener {
                Some(listener) => match self.slots.get_mut(listener).map(|s| &mut s.entry) {
                    Some(Entry::Listener(entry)) => entry.factory.new_session(&info),
                    _ => None,
                },
                None => conn.client_factory.take().and_then(|make| make(&info)),
            };
            match session {
                Some(session) => {
                    conn.open(session);
                    let id = self.connection_id(index);
                    self.push_event(LoopEvent::Ready {
                        id,
                        role: conn.role,
                    });
                }
                None => {
                    conn.failure = Some(NetError::Refused {
                        peer: conn.peer.clone(),
                    });
                    conn.phase = Phase::Done;
                    conn.release_all(&mut self.pool);
                    break;
                }
            }
        }
        self.finish(index, conn);
    }

    fn connection_info(&self, index: usize, conn: &mut Conn<S>) -> ConnectionInfo {
        #[allow(unused_mut)]
        let mut info = ConnectionInfo {
            id: self.connection_id(index),
            role: conn.role,
            peer: conn.peer_address.clone(),
            tls: false,
            alpn: None,
            server_name: None,
            #[cfg(feature = "tls")]
            peer_certificates: Vec::new(),
            upgrade: conn.upgrade.take(),
        };
        #[cfg(feature = "tls")]
        if let Some(tls) = &conn.tls {
            info.tls = true;
            info.alpn = tls.alpn_protocol().map(<[u8]>::to_vec);
            if let rustls::Connection::Server(server) = &**tls {
                info.server_name = server.server_name().map(str::to_string);
            }
            info.peer_certificates = tls
                .peer_certificates()
                .map(|certs| certs.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default();
        }
        info
    }

    /// Puts a driven connection back: registration, timer, ready queue; or
    /// frees it when done.
    fn finish(&mut self, index: usize, mut conn: Box<Conn<S>>) {
        if !matches!(conn.phase, Phase::Done) {
            if let Err(e) = self.update_registration(index, &mut conn) {
                conn.fail(Failure::Io("register", e));
                conn.release_all(&mut self.pool);
            }
        }
        if matches!(conn.phase, Phase::Done) {
            if conn.registered.is_some() {
                let _ = conn.stream.deregister(&self.registry);
            }
            let id = self.connection_id(index);
            let event = match conn.failure.take() {
                Some(error) => LoopEvent::Failed { id, error },
                None => LoopEvent::Closed { id },
            };
            drop(conn);
            self.release(index);
            self.connections = self.connections.saturating_sub(1);
            self.push_event(event);
            self.resume_listeners();
            return;
        }
        self.timers.set(index, conn.deadline());
        if conn.more_to_read && !conn.queued {
            conn.queued = true;
            self.ready.push_back(index);
        }
        if let Some(slot) = self.slots.get_mut(index) {
            slot.entry = Entry::Connection(conn);
        }
    }

    fn update_registration(&self, index: usize, conn: &mut Conn<S>) -> io::Result<()> {
        let want = conn.interest();
        let token = self.token(index);
        match (conn.registered, want) {
            (None, Some(interest)) => conn.stream.register(&self.registry, token, interest)?,
            (Some(old), Some(interest)) if old != interest => {
                conn.stream.reregister(&self.registry, token, interest)?
            }
            (Some(_), None) => conn.stream.deregister(&self.registry)?,
            _ => {}
        }
        conn.registered = want;
        Ok(())
    }

    fn resume_listeners(&mut self) {
        for (index, slot) in self.slots.iter().enumerate() {
            if let Entry::Listener(entry) = &slot.entry {
                if entry.paused && !self.ready.contains(&index) {
                    self.ready.push_back(index);
                }
            }
        }
    }

    /// How long the caller may block in `poll` before the driver needs
    /// [`handle_timeouts`](Self::handle_timeouts); `None` means until an event.
    pub fn poll_timeout(&mut self, now: Instant) -> Option<Duration> {
        if !self.ready.is_empty() {
            return Some(Duration::ZERO);
        }
        let next = match (self.timers.next_deadline(), self.shutdown_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        next.map(|at| at.saturating_duration_since(now))
    }

    /// Fires expired timers, services connections that still had data to
    /// read, runs queued commands, and enforces the shutdown deadline.
    pub fn handle_timeouts(&mut self, now: Instant) {
        if self.shutdown_deadline.is_some_and(|d| d <= now) {
            self.abort_all(now);
        }
        while let Some(index) = self.timers.pop_expired(now) {
            self.service(index, now, |conn, limits, now| {
                if conn.phase_expired(now) {
                    expire_phase(conn, limits, now);
                } else if let Phase::Open(session) = &mut conn.phase {
                    if session.poll_timeout().is_some_and(|at| at <= now) {
                        session.handle_timeout(now);
                    }
                }
            });
        }
        for _ in 0..self.ready.len() {
            let Some(index) = self.ready.pop_front() else {
                break;
            };
            match self.slots.get_mut(index).map(|s| &mut s.entry) {
                Some(Entry::Listener(_)) => self.accept(index, now),
                Some(Entry::Connection(conn)) => {
                    conn.queued = false;
                    self.service(index, now, |_, _, _| {});
                }
                _ => {}
            }
        }
        self.handle_commands(now);
    }

    fn handle_commands(&mut self, now: Instant) {
        for _ in 0..self.limits.command_capacity.max(1) {
            match self.commands.try_recv() {
                Ok(Command::Session(id, f)) => {
                    self.with_session(id, now, f);
                }
                Ok(Command::Driver(f)) => f(self, now),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
    }

    /// Runs `f` on a connection's session (if it is open), then lets the
    /// connection act on what changed. Returns whether the session existed.
    pub fn with_session(
        &mut self,
        id: ConnectionId,
        now: Instant,
        f: impl FnOnce(&mut S, Instant),
    ) -> bool {
        let Some(index) = self.index_of(id) else {
            return false;
        };
        let mut found = false;
        self.service(index, now, |conn, _, now| {
            if let Phase::Open(session) = &mut conn.phase {
                found = true;
                f(session, now);
            }
        });
        found
    }

    /// Closes a connection: pending output is flushed (bounded by the linger
    /// time), then the socket is closed. The session is dropped.
    pub fn close(&mut self, id: ConnectionId, now: Instant) {
        if let Some(index) = self.index_of(id) {
            self.service(index, now, |conn, limits, now| {
                conn.begin_close(now, limits)
            });
        }
    }

    /// Begins a graceful shutdown: listeners close at once, sessions get
    /// [`Session::handle_shutdown`] and may finish until `deadline`, when
    /// every remaining connection is dropped.
    pub fn shutdown(&mut self, deadline: Instant, now: Instant) {
        let deadline = self.shutdown_deadline.map_or(deadline, |d| d.min(deadline));
        let first = self.shutdown_deadline.is_none();
        self.shutdown_deadline = Some(deadline);
        if !first {
            return;
        }
        for index in 0..self.slots.len() {
            let listener = match self.slots.get(index).map(|s| &s.entry) {
                Some(Entry::Listener(_)) => true,
                Some(Entry::Connection(_)) => false,
                _ => continue,
            };
            if listener {
                let id = ListenerId {
                    index: index as u32,
                    generation: self.slots.get(index).map_or(0, |s| s.generation),
                };
                self.close_listener(id);
                continue;
            }
            self.service(index, now, |conn, limits, now| match &mut conn.phase {
                Phase::Open(session) => session.handle_shutdown(now),
                Phase::Closing { .. } | Phase::Done => {}
                _ => conn.begin_close(now, limits),
            });
        }
    }

    /// Whether a shutdown began and every listener and connection is gone.
    pub fn is_finished(&self) -> bool {
        self.shutdown_deadline.is_some() && self.connections == 0
    }

    fn abort_all(&mut self, now: Instant) {
        for index in 0..self.slots.len() {
            if matches!(
                self.slots.get(index).map(|s| &s.entry),
                Some(Entry::Connection(_))
            ) {
                self.service(index, now, |conn, _, _| conn.phase = Phase::Done);
            }
        }
    }
}

/// A setup or closing phase ran out of time.
fn expire_phase<S: Session>(conn: &mut Conn<S>, limits: &Limits, now: Instant) {
    let peer = conn.peer.clone();
    let after = conn.setup_timeout;
    match conn.phase {
        Phase::Connecting { .. } => {
            conn.failure = Some(NetError::ConnectTimeout { peer, after });
            conn.phase = Phase::Done;
        }
        Phase::Handshaking => {
            conn.failure = Some(NetError::HandshakeTimeout { peer, after });
            conn.phase = Phase::Done;
        }
        // A client that never sent a preface: close without an answer.
        Phase::Sniffing => conn.begin_close(now, limits),
        _ => conn.phase = Phase::Done,
    }
    conn.phase_deadline = None;
    if matches!(conn.phase, Phase::Closing { .. }) {
        conn.phase_deadline = now.checked_add(limits.linger_timeout);
    }
}

impl<S> Drop for Driver<S> {
    fn drop(&mut self) {
        for slot in &self.slots {
            if let Entry::Listener(entry) = &slot.entry {
                if let Some(path) = &entry.unix_path {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
    }
}
