//! The contract between the driver and a sans-IO protocol core.
//!
//! The driver owns the socket, TLS and the clock; a [`Session`] owns the
//! protocol state of one connection (an `h2::Connection`, a gRPC endpoint,
//! or a test protocol). The driver never looks inside the bytes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use super::driver::ConnectionId;

/// One connection's protocol state, driven by the event loop.
///
/// # Calling order
///
/// The driver calls, for each connection, whenever something happened to it
/// (socket readiness, a timer, a command from another thread):
///
/// 1. [`handle_input`](Session::handle_input) with the bytes read so far,
///    but only while [`wants_read`](Session::wants_read) is true. Bytes not
///    consumed are kept and offered again (followed by newer bytes) the next
///    time the session wants to read: that is the back-pressure signal. While
///    unconsumed bytes fill the read buffer, the driver stops reading the
///    socket, so the kernel's window closes and the peer is slowed.
/// 2. [`handle_timeout`](Session::handle_timeout) once `now` has reached
///    [`poll_timeout`](Session::poll_timeout).
/// 3. [`poll_transmit`](Session::poll_transmit) while the driver holds less
///    than [`Limits::write_high_water`](super::Limits::write_high_water) bytes
///    not yet accepted by the socket; the driver calls it again until it
///    appends nothing.
/// 4. [`is_closed`](Session::is_closed): once true, the driver writes what is
///    pending (bounded by the linger time) and closes the socket.
/// 5. [`poll_timeout`](Session::poll_timeout) last, to arm the timer.
///
/// [`handle_peer_closed`](Session::handle_peer_closed) is called once when the
/// socket reports end of stream or an error; the driver then writes what it
/// can and closes. [`handle_shutdown`](Session::handle_shutdown) is called
/// once when the loop begins a graceful shutdown.
///
/// A session is only ever touched by the loop thread; other threads reach it
/// through [`LoopHandle::send_to_session`](super::LoopHandle::send_to_session).
pub trait Session {
    /// Takes bytes read from the peer (already decrypted) and returns how
    /// many were consumed. Unconsumed bytes stay in the driver's read buffer
    /// and are offered again, with newer bytes after them: a session may
    /// leave an incomplete frame there, or refuse input to push back. The
    /// same bytes may be offered more than once; at most
    /// [`Limits::read_buffer_size`](super::Limits::read_buffer_size) bytes
    /// wait unconsumed, so a frame larger than that must be taken in parts.
    fn handle_input(&mut self, data: &[u8], now: Instant) -> usize;

    /// Appends bytes to send to `out`; appending nothing means "nothing to send now".
    fn poll_transmit(&mut self, out: &mut Vec<u8>, now: Instant);

    /// The next instant at which the session wants `handle_timeout`, if any.
    fn poll_timeout(&self) -> Option<Instant>;

    /// Called once `now` has reached the instant given by `poll_timeout`.
    fn handle_timeout(&mut self, now: Instant);

    /// Whether the session accepts input now; false stops reading the socket.
    fn wants_read(&self) -> bool;

    /// Whether the session is finished: the driver flushes pending output and
    /// closes the socket.
    fn is_closed(&self) -> bool;

    /// The peer closed the connection (end of stream) or the socket failed;
    /// no more input will come.
    fn handle_peer_closed(&mut self, now: Instant);

    /// The loop begins a graceful shutdown: the session should finish its
    /// work (e.g. send GOAWAY, RFC 9113 §6.8) and then report `is_closed`.
    /// Sessions still open at the shutdown deadline are dropped.
    fn handle_shutdown(&mut self, now: Instant) {
        let _ = now;
    }
}

/// A boxed session drives like the session inside, so one loop can hold
/// sessions of different kinds (`Driver<Box<dyn Session>>`).
impl<T: Session + ?Sized> Session for Box<T> {
    fn handle_input(&mut self, data: &[u8], now: Instant) -> usize {
        (**self).handle_input(data, now)
    }
    fn poll_transmit(&mut self, out: &mut Vec<u8>, now: Instant) {
        (**self).poll_transmit(out, now)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        (**self).poll_timeout()
    }
    fn handle_timeout(&mut self, now: Instant) {
        (**self).handle_timeout(now)
    }
    fn wants_read(&self) -> bool {
        (**self).wants_read()
    }
    fn is_closed(&self) -> bool {
        (**self).is_closed()
    }
    fn handle_peer_closed(&mut self, now: Instant) {
        (**self).handle_peer_closed(now)
    }
    fn handle_shutdown(&mut self, now: Instant) {
        (**self).handle_shutdown(now)
    }
}

/// Makes the session for a new connection once the driver knows who the peer is.
///
/// Called on the loop thread after the TCP accept (or connect), the TLS
/// handshake and, on a plaintext port, the look at the first bytes.
/// Returning `None` refuses the connection, which is then closed.
pub trait SessionFactory<S> {
    /// Builds the session for the connection described by `info`.
    fn new_session(&mut self, info: &ConnectionInfo) -> Option<S>;
}

impl<S, F> SessionFactory<S> for F
where
    F: FnMut(&ConnectionInfo) -> Option<S>,
{
    fn new_session(&mut self, info: &ConnectionInfo) -> Option<S> {
        self(info)
    }
}

/// The address of the other end of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerAddress {
    /// A TCP peer.
    Tcp(SocketAddr),
    /// A Unix domain socket peer; the path is `None` for unnamed sockets
    /// (a client socket is usually unnamed).
    Unix(Option<PathBuf>),
}

impl std::fmt::Display for PeerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeerAddress::Tcp(addr) => write!(f, "{addr}"),
            PeerAddress::Unix(Some(path)) => write!(f, "unix:{}", path.display()),
            PeerAddress::Unix(None) => f.write_str("unix:(unnamed)"),
        }
    }
}

/// Which side of the connection this process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The connection was accepted on a listener.
    Server,
    /// The connection was opened by `connect`.
    Client,
}

/// What the driver learnt about a connection before making its session.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// The connection's handle, e.g. to route a finished handler's response
    /// back through [`LoopHandle::send_to_session`](super::LoopHandle::send_to_session).
    pub id: ConnectionId,
    /// Whether we accepted or opened the connection.
    pub role: Role,
    /// The other end.
    pub peer: PeerAddress,
    /// Whether the bytes are protected by TLS.
    pub tls: bool,
    /// The protocol chosen by TLS ALPN (RFC 7301), e.g. `b"h2"`; `None`
    /// without TLS or when the peer offered none.
    pub alpn: Option<Vec<u8>>,
    /// The server name the client asked for (TLS SNI); server side only.
    pub server_name: Option<String>,
    /// The peer's certificate chain (DER, end entity first) when TLS
    /// verified one: the server's, or a client's under mutual TLS.
    #[cfg(feature = "tls")]
    pub peer_certificates: Vec<rustls::pki_types::CertificateDer<'static>>,
    /// Set when the client reached HTTP/2 through an HTTP/1.1 `Upgrade: h2c`
    /// request (RFC 7540 §3.2); the request becomes stream 1.
    pub upgrade: Option<H2cUpgrade>,
}

/// An HTTP/1.1 request that asked to switch to HTTP/2 (RFC 7540 §3.2).
///
/// The driver has already answered `101 Switching Protocols`. The HTTP/2
/// layer treats the request as stream 1, half-closed (remote), and applies
/// `settings` as if the client had sent them in a SETTINGS frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H2cUpgrade {
    /// The request method, e.g. `GET` or `POST`.
    pub method: String,
    /// The request target, e.g. `/helloworld.Greeter/SayHello`.
    pub path: String,
    /// The request header fields in order, names lowercased, excluding the
    /// hop-by-hop fields that only concern the upgrade (`Connection`,
    /// `Upgrade`, `HTTP2-Settings`).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The decoded `HTTP2-Settings` value: the payload of a SETTINGS frame
    /// (RFC 7540 §3.2.1), a sequence of 6-octet (identifier, value) entries.
    pub settings: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes at most 3 bytes per call and closes after the peer does.
    #[derive(Default)]
    struct Sip {
        peer_closed: bool,
    }

    impl Session for Sip {
        fn handle_input(&mut self, data: &[u8], _: Instant) -> usize {
            data.len().min(3)
        }
        fn poll_transmit(&mut self, out: &mut Vec<u8>, _: Instant) {
            out.extend_from_slice(b"sip");
        }
        fn poll_timeout(&self) -> Option<Instant> {
            None
        }
        fn handle_timeout(&mut self, _: Instant) {}
        fn wants_read(&self) -> bool {
            !self.peer_closed
        }
        fn is_closed(&self) -> bool {
            self.peer_closed
        }
        fn handle_peer_closed(&mut self, _: Instant) {
            self.peer_closed = true;
        }
    }

    #[test]
    fn a_boxed_session_delegates() {
        let now = Instant::now();
        let mut session: Box<dyn Session> = Box::new(Sip::default());
        assert_eq!(session.handle_input(b"hello", now), 3);
        let mut out = Vec::new();
        session.poll_transmit(&mut out, now);
        assert_eq!(out, b"sip");
        assert!(session.wants_read() && !session.is_closed());
        session.handle_shutdown(now);
        session.handle_peer_closed(now);
        assert!(!session.wants_read() && session.is_closed());
    }
}
