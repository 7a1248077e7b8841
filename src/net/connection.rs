//! One connection's socket-side state: setup phases, buffers, TLS, and the
//! rules that move bytes between the socket and the session.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::Interest;

use super::buffer::{BufferPool, ReadBuffer};
use super::error::NetError;
use super::limits::Limits;
use super::preface::{self, Preface};
use super::session::{ConnectionInfo, H2cUpgrade, PeerAddress, Role, Session};
use super::transport::Stream;

/// A read is only attempted into a tail at least this long (moving
/// unconsumed bytes down first if needed), so reads are never tiny.
const MIN_READ: usize = 4096;

/// Most `poll_transmit` calls that collect a closed session's last output.
const MAX_FINAL_TRANSMITS: usize = 1024;

/// Where a connection is in its life.
pub(crate) enum Phase<S> {
    /// A client's TCP connect in progress; the other addresses to try follow.
    Connecting {
        addr: Option<SocketAddr>,
        remaining: Vec<SocketAddr>,
    },
    /// TLS handshake in progress.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    Handshaking,
    /// Plaintext server: reading the client preface or an HTTP/1.1 request.
    Sniffing,
    /// Setup done; waiting for the driver to make the session.
    NeedsSession,
    /// The session runs.
    Open(S),
    /// Flushing the last bytes, then waiting for the peer's end of stream.
    Closing { write_shut: bool },
    /// Nothing left to do: the driver frees the slot.
    Done,
}

/// Why a connection ended abnormally, before the peer's name is attached.
#[derive(Debug)]
pub(crate) enum Failure {
    Io(&'static str, io::Error),
    #[cfg(feature = "tls")]
    Tls(rustls::Error),
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    ClosedDuringSetup,
}

impl Failure {
    pub(crate) fn into_error(self, peer: &str) -> NetError {
        let peer = peer.to_string();
        match self {
            Failure::Io(_, source) if source.kind() == io::ErrorKind::ConnectionRefused => {
                NetError::ConnectionRefused { peer }
            }
            Failure::Io(operation, source) => NetError::Io {
                operation,
                peer,
                source,
            },
            #[cfg(feature = "tls")]
            Failure::Tls(error) => NetError::Tls { peer, error },
            Failure::ClosedDuringSetup => NetError::ClosedDuringSetup { peer },
        }
    }
}

/// What a read attempt produced.
enum Fill {
    Data,
    WouldBlock,
    Full,
    Eof,
}

/// Best effort: writes what TLS queued after a failure (its alert tells the
/// peer why), without waiting for the socket.
#[cfg(feature = "tls")]
fn send_alert(tls: &mut rustls::Connection, stream: &mut Stream) {
    // Each call writes one queued record; the alert may follow others.
    for _ in 0..8 {
        if !tls.wants_write() || !matches!(tls.write_tls(stream), Ok(n) if n > 0) {
            return;
        }
    }
}

/// One connection.
pub(crate) struct Conn<S> {
    pub(crate) stream: Stream,
    /// The peer for messages ("127.0.0.1:50051", "unix:/run/x.sock").
    pub(crate) peer: String,
    pub(crate) role: Role,
    pub(crate) phase: Phase<S>,
    /// The listener slot that accepted this connection (its factory makes the session).
    pub(crate) listener: Option<usize>,
    /// TLS state, boxed: it is large and plaintext connections have none.
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<Box<rustls::Connection>>,
    input: Option<ReadBuffer>,
    output: Vec<u8>,
    written: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
    /// The socket reported end of stream.
    eof: bool,
    /// The deadline of the current setup or closing phase.
    pub(crate) phase_deadline: Option<Instant>,
    /// The interest currently registered, if any.
    pub(crate) registered: Option<Interest>,
    /// Set when the connection stopped reading with data still readable
    /// (fairness), so the driver services it again without an event.
    pub(crate) more_to_read: bool,
    pub(crate) upgrade: Option<H2cUpgrade>,
    /// Set when the end came from an error, reported once.
    pub(crate) failure: Option<NetError>,
    /// Whether the session exists and was reported ready.
    pub(crate) was_open: bool,
    /// The peer's address, for the session factory.
    pub(crate) peer_address: PeerAddress,
    /// The time allowed for the current setup phase, for error messages.
    pub(crate) setup_timeout: Duration,
    /// A client connection's session maker, used once setup completes.
    pub(crate) client_factory: Option<ClientFactory<S>>,
    /// Whether the connection waits in the driver's ready queue.
    pub(crate) queued: bool,
}

/// Makes a client connection's session once connected (and TLS verified).
pub(crate) type ClientFactory<S> = Box<dyn FnOnce(&ConnectionInfo) -> Option<S>>;

impl<S: Session> Conn<S> {
    pub(crate) fn new(
        stream: Stream,
        peer_address: PeerAddress,
        role: Role,
        phase: Phase<S>,
    ) -> Self {
        Conn {
            peer: peer_address.to_string(),
            peer_address,
            setup_timeout: Duration::ZERO,
            client_factory: None,
            queued: false,
            stream,
            role,
            phase,
            listener: None,
            #[cfg(feature = "tls")]
            tls: None,
            input: None,
            output: Vec::new(),
            written: 0,
            readable: false,
            writable: false,
            eof: false,
            phase_deadline: None,
            registered: None,
            more_to_read: false,
            upgrade: None,
            failure: None,
            was_open: false,
        }
    }

    /// Gives the read buffer back when it holds nothing, and drops a large
    /// empty output buffer: an idle connection keeps no buffers.
    pub(crate) fn release_idle_buffers(&mut self, pool: &mut BufferPool, limits: &Limits) {
        if self.input.as_ref().is_some_and(ReadBuffer::is_empty) {
            if let Some(buffer) = self.input.take() {
                pool.give(buffer);
            }
        }
        if self.written >= self.output.len() {
            self.written = 0;
            self.output.clear();
            if self.output.capacity() > limits.idle_write_buffer {
                self.output = Vec::new();
            }
        }
    }

    /// Bytes of buffer memory this connection holds outside its session and TLS state.
    pub(crate) fn buffer_bytes(&self) -> usize {
        self.input.as_ref().map_or(0, ReadBuffer::capacity) + self.output.capacity()
    }

    /// Whether the connection holds a read buffer now.
    pub(crate) fn holds_read_buffer(&self) -> bool {
        self.input.is_some()
    }

    /// Gives back every buffer (the connection is going away).
    pub(crate) fn release_all(&mut self, pool: &mut BufferPool) {
        if let Some(mut buffer) = self.input.take() {
            buffer.consume(usize::MAX);
            pool.give(buffer);
        }
        self.output = Vec::new();
        self.written = 0;
    }

    fn unwritten(&self) -> usize {
        self.output.len().saturating_sub(self.written)
    }

    /// Whether bytes wait for the socket (ours or TLS records).
    pub(crate) fn has_pending_output(&self) -> bool {
        #[cfg(feature = "tls")]
        if self.tls.as_ref().is_some_and(|t| t.wants_write()) {
            return true;
        }
        self.unwritten() > 0
    }

    /// Reads once into the input buffer (through TLS if any).
    fn fill_input(&mut self, pool: &mut BufferPool) -> Result<Fill, Failure> {
        let buffer = self.input.get_or_insert_with(|| pool.take());
        let spare = buffer.spare(MIN_READ);
        if spare.is_empty() {
            return Ok(Fill::Full);
        }
        #[cfg(feature = "tls")]
        if let Some(tls) = self.tls.as_mut() {
            loop {
                match tls.reader().read(spare) {
                    Ok(0) => return Ok(Fill::Eof),
                    Ok(n) => {
                        buffer.fill(n);
                        return Ok(Fill::Data);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    // The peer closed without close_notify.
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Fill::Eof),
                    Err(e) => return Err(Failure::Io("read from", e)),
                }
                if self.eof {
                    return Ok(Fill::Eof);
                }
                if !self.readable {
                    return Ok(Fill::WouldBlock);
                }
                match tls.read_tls(&mut self.stream) {
                    Ok(0) => self.eof = true,
                    Ok(_) => {
                        if let Err(e) = tls.process_new_packets() {
                            send_alert(tls, &mut self.stream);
                            return Err(Failure::Tls(e));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.readable = false;
                        return Ok(Fill::WouldBlock);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Failure::Io("read from", e)),
                }
            }
        }
        if !self.readable {
            return Ok(Fill::WouldBlock);
        }
        loop {
            match self.stream.read(spare) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(Fill::Eof);
                }
                Ok(n) => {
                    buffer.fill(n);
                    return Ok(Fill::Data);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    return Ok(Fill::WouldBlock);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Failure::Io("read from", e)),
            }
        }
    }

    /// Writes pending output until done or the socket would block.
    /// Returns whether everything was written.
    fn flush(&mut self) -> Result<bool, Failure> {
        #[cfg(feature = "tls")]
        if let Some(tls) = self.tls.as_mut() {
            loop {
                let mut moved = 0;
                if let Some(rest) = self.output.get(self.written..) {
                    if !rest.is_empty() {
                        moved = tls
                            .writer()
                            .write(rest)
                            .map_err(|e| Failure::Io("write to", e))?;
                        self.written = self.written.saturating_add(moved);
                    }
                }
                if tls.wants_write() {
                    if !self.writable {
                        return Ok(false);
                    }
                    match tls.write_tls(&mut self.stream) {
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            self.writable = false;
                            return Ok(false);
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(Failure::Io("write to", e)),
                    }
                } else if self.output.len() <= self.written {
                    return Ok(true);
                } else if moved == 0 {
                    // rustls takes no plaintext before the handshake ends
                    // with a full buffer; wait for the socket.
                    return Ok(false);
                }
            }
        }
        while let Some(rest) = self.output.get(self.written..).filter(|r| !r.is_empty()) {
            if !self.writable {
                return Ok(false);
            }
            match self.stream.write(rest) {
                Ok(0) => {
                    return Err(Failure::Io(
                        "write to",
                        io::Error::from(io::ErrorKind::WriteZero),
                    ))
                }
                Ok(n) => self.written = self.written.saturating_add(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.writable = false;
                    return Ok(false);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Failure::Io("write to", e)),
            }
        }
        Ok(true)
    }

    /// Checks a client's non-blocking connect. `Ok(None)` means still in progress.
    fn check_connect(&mut self) -> Result<Option<()>, Failure> {
        if let Some(e) = self
            .stream
            .take_error()
            .map_err(|e| Failure::Io("connect to", e))?
        {
            return Err(Failure::Io("connect to", e));
        }
        match self.stream.peer_address() {
            Ok(_) => Ok(Some(())),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(None),
            Err(e) => Err(Failure::Io("connect to", e)),
        }
    }

    /// Replaces the socket with a connect to the next resolved address, if
    /// any is left; the driver registers the new socket.
    fn next_address(&mut self) -> Option<SocketAddr> {
        let Phase::Connecting { addr, remaining } = &mut self.phase else {
            return None;
        };
        while !remaining.is_empty() {
            let next = remaining.remove(0);
            if let Ok(stream) = mio::net::TcpStream::connect(next) {
                self.stream = Stream::Tcp(stream);
                self.registered = None;
                self.readable = false;
                self.writable = false;
                self.peer_address = PeerAddress::Tcp(next);
                self.peer = next.to_string();
                *addr = Some(next);
                return Some(next);
            }
        }
        None
    }

    /// Drives the TLS handshake as far as the socket allows.
    /// Returns whether it is complete.
    #[cfg(feature = "tls")]
    fn handshake(&mut self) -> Result<bool, Failure> {
        let Some(tls) = self.tls.as_mut() else {
            return Ok(true);
        };
        loop {
            let mut progressed = false;
            while tls.wants_write() && self.writable {
                match tls.write_tls(&mut self.stream) {
                    Ok(_) => progressed = true,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Failure::Io("write to", e)),
                }
            }
            if !tls.is_handshaking() {
                return Ok(true);
            }
            if tls.wants_read() && self.readable {
                match tls.read_tls(&mut self.stream) {
                    Ok(0) => return Err(Failure::ClosedDuringSetup),
                    Ok(_) => {
                        progressed = true;
                        if let Err(e) = tls.process_new_packets() {
                            send_alert(tls, &mut self.stream);
                            return Err(Failure::Tls(e));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.readable = false,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => progressed = true,
                    Err(e) => return Err(Failure::Io("read from", e)),
                }
            }
            if !progressed {
                return Ok(!tls.is_handshaking());
            }
        }
    }

    /// Starts closing: no more session work; flush, then linger.
    pub(crate) fn begin_close(&mut self, now: Instant, limits: &Limits) {
        if matches!(self.phase, Phase::Closing { .. } | Phase::Done) {
            return;
        }
        self.phase = Phase::Closing { write_shut: false };
        self.phase_deadline = now.checked_add(limits.linger_timeout);
    }

    /// Ends the connection with an error.
    pub(crate) fn fail(&mut self, failure: Failure) {
        if self.failure.is_none() {
            self.failure = Some(failure.into_error(&self.peer));
        }
        if let Phase::Open(session) = &mut self.phase {
            if !self.eof {
                session.handle_peer_closed(Instant::now());
            }
        }
        self.phase = Phase::Done;
    }

    /// Does all the work the socket and session allow now. Returns when
    /// it needs an event, a timer, or (in `NeedsSession`) a session.
    pub(crate) fn drive(&mut self, now: Instant, pool: &mut BufferPool, limits: &Limits) {
        self.more_to_read = false;
        if let Err(failure) = self.drive_phases(now, pool, limits) {
            self.fail(failure);
        }
        if matches!(self.phase, Phase::Done) {
            self.release_all(pool);
        } else {
            self.release_idle_buffers(pool, limits);
        }
    }

    fn drive_phases(
        &mut self,
        now: Instant,
        pool: &mut BufferPool,
        limits: &Limits,
    ) -> Result<(), Failure> {
        loop {
            match &mut self.phase {
                Phase::Connecting { .. } => {
                    if !self.writable && !self.readable {
                        return Ok(());
                    }
                    let checked = match self.check_connect() {
                        Err(failure) => match self.next_address() {
                            Some(_) => continue,
                            None => return Err(failure),
                        },
                        Ok(checked) => checked,
                    };
                    if checked.is_none() {
                        self.writable = false;
                        self.readable = false;
                        return Ok(());
                    }
                    self.stream.set_nodelay();
                    self.phase_deadline = None;
                    #[cfg(feature = "tls")]
                    if self.tls.is_some() {
                        self.phase = Phase::Handshaking;
                        self.phase_deadline = now.checked_add(limits.tls_handshake_timeout);
                        self.setup_timeout = limits.tls_handshake_timeout;
                        continue;
                    }
                    self.phase = Phase::NeedsSession;
                }
                Phase::Handshaking => {
                    #[cfg(feature = "tls")]
                    if !self.handshake()? {
                        return Ok(());
                    }
                    self.phase_deadline = None;
                    self.phase = Phase::NeedsSession;
                }
                Phase::Sniffing => {
                    if !self.sniff(pool, limits)? {
                        return Ok(());
                    }
                    if matches!(self.phase, Phase::Closing { .. }) {
                        self.phase_deadline = now.checked_add(limits.linger_timeout);
                    }
                }
                Phase::NeedsSession | Phase::Done => return Ok(()),
                Phase::Open(_) => return self.drive_session(now, pool, limits),
                Phase::Closing { .. } => return self.drive_closing(pool),
            }
        }
    }

    /// Reads until the first bytes say what the client wants. Returns
    /// whether the phase changed.
    fn sniff(&mut self, pool: &mut BufferPool, limits: &Limits) -> Result<bool, Failure> {
        loop {
            let fill = self.fill_input(pool)?;
            let data = self.input.as_ref().map(ReadBuffer::filled).unwrap_or(&[]);
            match preface::sniff(
                data,
                limits.max_upgrade_request_size,
                limits.max_upgrade_header_fields,
            ) {
                Preface::NeedMore => match fill {
                    Fill::Data => continue,
                    Fill::WouldBlock => return Ok(false),
                    Fill::Eof | Fill::Full => {
                        // Closed (or impossible to decide) before a request: nothing to answer.
                        self.phase = Phase::Closing { write_shut: false };
                        self.phase_deadline = None;
                        return Ok(true);
                    }
                },
                Preface::PriorKnowledge => {
                    self.phase = Phase::NeedsSession;
                }
                Preface::Upgrade { request, head_len } => {
                    if let Some(input) = self.input.as_mut() {
                        input.consume(head_len);
                    }
                    self.output.extend_from_slice(preface::SWITCHING_PROTOCOLS);
                    self.upgrade = Some(request);
                    self.phase = Phase::NeedsSession;
                }
                Preface::Reject(rejection) => {
                    self.output.extend_from_slice(&rejection.response());
                    self.phase = Phase::Closing { write_shut: false };
                }
            }
            self.phase_deadline = None;
            return Ok(true);
        }
    }

    fn drive_session(
        &mut self,
        now: Instant,
        pool: &mut BufferPool,
        limits: &Limits,
    ) -> Result<(), Failure> {
        let mut reads = 0;
        loop {
            let Phase::Open(session) = &mut self.phase else {
                return Ok(());
            };
            let mut progress = false;
            // Bytes left over from before are offered first (back-pressure).
            if session.wants_read() {
                if let Some(input) = self.input.as_mut().filter(|i| !i.is_empty()) {
                    let offered = input.filled().len();
                    let consumed = session.handle_input(input.filled(), now).min(offered);
                    input.consume(consumed);
                    progress |= consumed > 0;
                }
            }
            if session.wants_read() && !self.eof {
                if reads < limits.reads_per_turn {
                    match self.fill_input(pool)? {
                        Fill::Data => {
                            reads += 1;
                            progress = true;
                        }
                        Fill::Eof => {
                            self.eof = true;
                            if let Phase::Open(session) = &mut self.phase {
                                session.handle_peer_closed(now);
                            }
                            progress = true;
                        }
                        Fill::WouldBlock | Fill::Full => {}
                    }
                } else if self.readable {
                    self.more_to_read = true;
                }
            }
            let Phase::Open(session) = &mut self.phase else {
                return Ok(());
            };
            while self.output.len().saturating_sub(self.written) < limits.write_high_water {
                // Drop what the socket already took before appending more:
                // otherwise a peer that keeps the socket nearly full (never
                // letting it drain to empty) makes the buffer grow by all
                // that is ever written. Moves less than the high-water mark.
                if self.written > 0 {
                    self.output.drain(..self.written.min(self.output.len()));
                    self.written = 0;
                }
                let before = self.output.len();
                session.poll_transmit(&mut self.output, now);
                if self.output.len() == before {
                    break;
                }
                progress = true;
            }
            let closed = session.is_closed() || self.eof;
            if closed {
                // The session is about to be dropped: take all it still has
                // to say (it already holds those bytes, so this adds no
                // memory); bounded in case a session never runs dry.
                for _ in 0..MAX_FINAL_TRANSMITS {
                    let before = self.output.len();
                    session.poll_transmit(&mut self.output, now);
                    if self.output.len() == before {
                        break;
                    }
                }
            }
            self.flush()?;
            if closed {
                self.begin_close(now, limits);
                return self.drive_closing(pool);
            }
            if !progress {
                return Ok(());
            }
        }
    }

    fn drive_closing(&mut self, pool: &mut BufferPool) -> Result<(), Failure> {
        if !self.flush()? {
            return Ok(());
        }
        if matches!(self.phase, Phase::Closing { write_shut: false }) {
            // close_notify only once all output went through TLS: the peer
            // ignores whatever follows it (RFC 8446 §6.1), and output larger
            // than what TLS buffers is still partly ours until now.
            #[cfg(feature = "tls")]
            if let Some(tls) = self.tls.as_mut() {
                // Queues the alert once; later calls do nothing.
                tls.send_close_notify();
                if !self.flush()? {
                    return Ok(());
                }
            }
            // TLS has nothing more to say: the linger below drops what
            // arrives unread, and a bad record there must not end it (or
            // make TLS answer with an alert after its close_notify).
            #[cfg(feature = "tls")]
            {
                self.tls = None;
            }
            self.phase = Phase::Closing { write_shut: true };
            self.stream.shutdown_write();
        }
        if self.eof {
            self.phase = Phase::Done;
            return Ok(());
        }
        // Lingering close: read and drop until the peer's end of stream, so
        // unread input does not make the kernel reset the connection and
        // destroy a final response before the peer reads it.
        loop {
            let fill = self.fill_input(pool);
            if let Some(input) = self.input.as_mut() {
                input.consume(usize::MAX);
            }
            match fill {
                Ok(Fill::Data) | Ok(Fill::Full) => {}
                Ok(Fill::WouldBlock) => return Ok(()),
                Ok(Fill::Eof) | Err(_) => {
                    self.phase = Phase::Done;
                    return Ok(());
                }
            }
        }
    }

    /// The mio interest this connection needs now, if any.
    pub(crate) fn interest(&self) -> Option<Interest> {
        let (read, write) = match &self.phase {
            Phase::Connecting { .. } => (true, true),
            #[cfg(feature = "tls")]
            Phase::Handshaking => (
                self.tls.as_ref().is_some_and(|t| t.wants_read()),
                self.has_pending_output(),
            ),
            #[cfg(not(feature = "tls"))]
            Phase::Handshaking => (false, false),
            Phase::Sniffing => (true, false),
            Phase::NeedsSession | Phase::Done => (false, false),
            Phase::Open(session) => (session.wants_read() && !self.eof, self.has_pending_output()),
            Phase::Closing { write_shut } => (*write_shut, self.has_pending_output()),
        };
        match (read, write) {
            (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        }
    }

    /// The next instant this connection needs attention without an event.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let session = match &self.phase {
            Phase::Open(session) => session.poll_timeout(),
            _ => None,
        };
        match (session, self.phase_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the phase deadline has passed.
    pub(crate) fn phase_expired(&self, now: Instant) -> bool {
        self.phase_deadline.is_some_and(|d| d <= now)
    }

    /// Sets the session; the bytes read so far are offered to it first.
    pub(crate) fn open(&mut self, session: S) {
        self.phase = Phase::Open(session);
        self.was_open = true;
        self.readable = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;

    impl Session for Nothing {
        fn handle_input(&mut self, _: &[u8], _: Instant) -> usize {
            0
        }
        fn poll_transmit(&mut self, _: &mut Vec<u8>, _: Instant) {}
        fn poll_timeout(&self) -> Option<Instant> {
            None
        }
        fn handle_timeout(&mut self, _: Instant) {}
        fn wants_read(&self) -> bool {
            true
        }
        fn is_closed(&self) -> bool {
            false
        }
        fn handle_peer_closed(&mut self, _: Instant) {}
    }

    #[test]
    fn an_idle_connection_is_small() {
        // The memory goal is 2 KiB per idle connection, session and TLS
        // state aside; the driver's own part must stay well under it.
        let size = std::mem::size_of::<Conn<Nothing>>();
        eprintln!("Conn is {size} bytes");
        assert!(size <= 512, "Conn is {size} bytes");
    }
}
