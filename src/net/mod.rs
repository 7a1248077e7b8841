//! The driver: a mio event loop that owns sockets, TLS and timers and feeds
//! the sans-IO core through the [`Session`] trait.
//!
//! ```text
//!  Listener --accept--> Conn: [TLS handshake | preface / h2c Upgrade] --factory--> Session
//!  connect() ---------> Conn: [TCP connect] [TLS handshake]           --factory--> Session
//!
//!  socket --read--> read buffer (pooled, TLS-decrypted) --handle_input--> Session
//!  Session --poll_transmit--> output buffer --(TLS encrypt)--> socket
//!  Session::poll_timeout --> timer heap --> Poll timeout --> handle_timeout
//!  other threads --LoopHandle (bounded queue + Waker)--> Session / Driver
//! ```
//!
//! [`Driver`] works on any mio `Registry` (so it can join a caller's own
//! loop); [`EventLoop`] adds the `Poll` for the polling and blocking APIs.
//!
//! - Server: [`Driver::listen_tcp`] / [`Driver::listen_unix`] with a
//!   [`Security`] and a [`SessionFactory`]; run the loop with
//!   [`EventLoop::run`] or on a named thread with [`EventLoop::spawn`].
//! - Client: [`Driver::connect`] with a [`ConnectTarget`]; one loop holds
//!   any number of connections, reached with [`Driver::with_session`] on the
//!   loop thread or [`LoopHandle::send_to_session`] from others.
//! - Shutdown: [`Driver::shutdown`] or [`LoopHandle::shutdown`] closes the
//!   listeners, calls [`Session::handle_shutdown`], and drops whatever is
//!   still open at the deadline.
//!
//! Memory: a connection holds its read buffer only while unconsumed input
//! exists ([`Limits::read_buffer_size`], pooled) and its write buffer only
//! while output waits; what is left per idle connection is a few hundred
//! bytes of bookkeeping plus the session (and TLS state, if any).

mod buffer;
mod connect;
mod connection;
mod driver;
mod error;
mod event_loop;
mod handle;
mod limits;
pub mod preface;
mod session;
mod timers;
#[cfg(feature = "tls")]
pub mod tls;
mod transport;

pub use connect::{Address, ConnectTarget};
pub use driver::{BufferMemory, ConnectionId, Driver, ListenerId, LoopEvent, Security};
pub use error::NetError;
pub use event_loop::EventLoop;
pub use handle::{CommandError, DriverCommand, LoopHandle, SessionCommand};
pub use limits::Limits;
pub use session::{ConnectionInfo, H2cUpgrade, PeerAddress, Role, Session, SessionFactory};
