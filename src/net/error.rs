//! What can go wrong in the driver, said so a user can act on it.

use std::io;
use std::time::Duration;

/// A failure to set up or keep a connection, or to configure TLS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    /// The host name could not be turned into addresses.
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        /// The name as given.
        host: String,
        /// What the resolver said.
        source: io::Error,
    },
    /// The host name resolved to no address at all.
    #[error("{host} resolved to no address")]
    NoAddress {
        /// The name as given.
        host: String,
    },
    /// The peer actively refused the connection (nothing listens there).
    #[error("connection to {peer} refused")]
    ConnectionRefused {
        /// The address tried.
        peer: String,
    },
    /// The TCP connect did not complete in time.
    #[error("connect to {peer} timed out after {after:?}")]
    ConnectTimeout {
        /// The address tried.
        peer: String,
        /// The time allowed.
        after: Duration,
    },
    /// The TLS handshake did not complete in time.
    #[error("TLS handshake with {peer} timed out after {after:?}")]
    HandshakeTimeout {
        /// The other end.
        peer: String,
        /// The time allowed.
        after: Duration,
    },
    /// TLS failed, during the handshake or later; for certificate problems
    /// the error names the problem (unknown issuer, name mismatch, expired).
    #[cfg(feature = "tls")]
    #[error("TLS with {peer} failed: {error}")]
    Tls {
        /// The other end.
        peer: String,
        /// What TLS reported.
        error: rustls::Error,
    },
    /// A socket operation failed.
    #[error("{operation} {peer}: {source}")]
    Io {
        /// What the driver was doing, e.g. "connect to" or "read from".
        operation: &'static str,
        /// The other end or local address.
        peer: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// The connection ended before it was ready (during connect or the TLS handshake).
    #[error("{peer} closed the connection during setup")]
    ClosedDuringSetup {
        /// The other end.
        peer: String,
    },
    /// A certificate or key could not be read from PEM.
    #[error("cannot load {what}: {detail}")]
    Pem {
        /// Which input, e.g. "server certificate chain from /etc/x.pem".
        what: String,
        /// What was wrong with it.
        detail: String,
    },
    /// A TLS configuration was refused (bad key, empty CA, bad server name).
    #[error("invalid TLS configuration: {0}")]
    TlsConfig(String),
    /// The loop holds [`Limits::max_connections`](super::Limits::max_connections) already.
    #[error("too many connections (limit {limit})")]
    TooManyConnections {
        /// The limit reached.
        limit: usize,
    },
    /// The loop is shutting down and opens no new connections.
    #[error("the event loop is shutting down")]
    ShuttingDown,
    /// The session factory declined the connection.
    #[error("the session factory refused the connection from {peer}")]
    Refused {
        /// The other end.
        peer: String,
    },
}
