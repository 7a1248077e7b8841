//! Where a client connects to: a host name, a socket address or a Unix
//! socket, with optional TLS and a connect timeout.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use super::error::NetError;
#[cfg(feature = "tls")]
use super::tls::ClientTls;

/// The address part of a [`ConnectTarget`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A host name or IP literal and a port; names are resolved when
    /// connecting (a blocking system lookup: give an IP to avoid it).
    Host {
        /// The name or IP literal.
        host: String,
        /// The TCP port.
        port: u16,
    },
    /// A resolved socket address.
    Socket(SocketAddr),
    /// Resolved socket addresses, tried in order until one accepts (within
    /// one connect timeout).
    Sockets(Vec<SocketAddr>),
    /// A Unix domain socket path.
    Unix(PathBuf),
}

/// Everything a client needs to open one connection.
#[derive(Debug, Clone)]
pub struct ConnectTarget {
    /// Where to connect.
    pub address: Address,
    /// TLS settings; `None` for plaintext (HTTP/2 with prior knowledge).
    #[cfg(feature = "tls")]
    pub tls: Option<ClientTls>,
    /// Time allowed for the TCP connect; `None` uses
    /// [`Limits::connect_timeout`](super::Limits::connect_timeout).
    pub connect_timeout: Option<Duration>,
}

impl ConnectTarget {
    /// A plaintext target at `host:port`.
    pub fn host(host: impl Into<String>, port: u16) -> Self {
        Self::new(Address::Host {
            host: host.into(),
            port,
        })
    }

    /// A plaintext target at a resolved address.
    pub fn socket(addr: SocketAddr) -> Self {
        Self::new(Address::Socket(addr))
    }

    /// A plaintext target trying these addresses in order.
    pub fn sockets(addrs: Vec<SocketAddr>) -> Self {
        Self::new(Address::Sockets(addrs))
    }

    /// A plaintext target on a Unix domain socket.
    pub fn unix(path: impl Into<PathBuf>) -> Self {
        Self::new(Address::Unix(path.into()))
    }

    fn new(address: Address) -> Self {
        ConnectTarget {
            address,
            #[cfg(feature = "tls")]
            tls: None,
            connect_timeout: None,
        }
    }

    /// Protects the connection with TLS.
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, tls: ClientTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Sets the time allowed for the TCP connect.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The socket addresses to try, in order (blocking for host names).
    pub(crate) fn resolve(&self) -> Result<Vec<SocketAddr>, NetError> {
        match &self.address {
            Address::Host { host, port } => {
                let addrs: Vec<SocketAddr> = (host.as_str(), *port)
                    .to_socket_addrs()
                    .map_err(|source| NetError::Resolve {
                        host: host.clone(),
                        source,
                    })?
                    .collect();
                if addrs.is_empty() {
                    return Err(NetError::NoAddress { host: host.clone() });
                }
                Ok(addrs)
            }
            Address::Socket(addr) => Ok(vec![*addr]),
            Address::Sockets(addrs) if addrs.is_empty() => Err(NetError::NoAddress {
                host: "an empty address list".to_string(),
            }),
            Address::Sockets(addrs) => Ok(addrs.clone()),
            Address::Unix(_) => Ok(Vec::new()),
        }
    }
}
