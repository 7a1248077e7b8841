//! The gRPC server: a [`Router`] of handlers, a worker pool, and listeners
//! on an event loop.
//!
//! - Blocking: [`Server::serve`] runs the loop on the calling thread.
//! - In the background: [`Server::spawn`] runs it on a named thread and
//!   returns a [`ServerHandle`] with [`ServerHandle::shutdown`].
//! - Inside a caller's own mio loop: make a
//!   `net::Driver<ServerSession>` on the caller's `Registry`, call
//!   [`Server::listen`] on it, and drive it as `net::Driver` documents
//!   (`handle_event` for its tokens, `handle_timeouts` each turn). The
//!   driver's `LoopHandle` carries handler results back to the loop.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::server_session::{CallWaker, ServerSession};
use super::service::Router;
use super::worker_pool::WorkerPool;
use crate::grpc::CallLimits;
use crate::net::{
    ConnectionInfo, Driver, EventLoop, H2cUpgrade, Limits, LoopHandle, PeerAddress, Security,
};

/// Most worker threads the default configuration starts.
pub const MAX_DEFAULT_WORKERS: usize = 32;

/// Fewest worker threads the default configuration starts: a streaming
/// call holds its worker for its whole life, so even one core needs a few.
pub const MIN_DEFAULT_WORKERS: usize = 4;

/// Everything a server bounds, with safe defaults.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Worker threads that run handlers. Default: the number of CPUs,
    /// within [`MIN_DEFAULT_WORKERS`]..=[`MAX_DEFAULT_WORKERS`]. A
    /// streaming handler holds its worker until it returns.
    pub workers: usize,
    /// Calls that may wait for a free worker; past this, new calls get
    /// RESOURCE_EXHAUSTED. Default 256.
    pub handler_queue: usize,
    /// Octets of request messages a handler may leave unread before the
    /// client gets no more flow-control credit. Default 64 KiB (the HTTP/2
    /// stream window is on top of it).
    pub receive_buffer_per_call: usize,
    /// Octets of responses a handler may queue before `send` blocks.
    /// Default 64 KiB (HTTP/2's per-stream send buffer is on top of it).
    pub send_queue_per_call: usize,
    /// Most handlers running on threads of their own at once (see
    /// [`Router::on_own_thread`]); past it, such calls get
    /// RESOURCE_EXHAUSTED. Default 64.
    pub max_own_threads: usize,
    /// Octets of a refused non-gRPC request's body (405, 415) read and
    /// dropped while its answer waits for the body to end; past it, the
    /// answer goes at once, followed by RST_STREAM(NO_ERROR) (RFC 9113
    /// §8.1). Default 64 KiB.
    pub max_discarded_request_body: usize,
    /// Message size and metadata limits of each call.
    pub call_limits: CallLimits,
    /// The HTTP/2 connection's limits and timers.
    pub h2: crate::h2::Config,
    /// The event loop's limits (connections, buffers, handshake time).
    pub net: Limits,
}

impl Default for ServerConfig {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        ServerConfig {
            workers: cpus.clamp(MIN_DEFAULT_WORKERS, MAX_DEFAULT_WORKERS),
            handler_queue: 256,
            receive_buffer_per_call: 64 * 1024,
            send_queue_per_call: 64 * 1024,
            max_own_threads: 64,
            max_discarded_request_body: 64 * 1024,
            call_limits: CallLimits::default(),
            h2: crate::h2::Config::default(),
            net: Limits::default(),
        }
    }
}

/// What every connection of a server shares.
pub(crate) struct ServerShared {
    pub(crate) router: Router,
    pub(crate) config: ServerConfig,
    pub(crate) pool: WorkerPool,
    /// Handlers running on threads of their own now.
    pub(crate) own_threads: AtomicUsize,
}

/// A gRPC server: handlers, configuration and how connections are secured.
pub struct Server {
    shared: Arc<ServerShared>,
    security: Security,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("router", &self.shared.router)
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A plaintext server with the default configuration; starts the
    /// worker threads.
    pub fn new(router: Router) -> io::Result<Server> {
        Server::with_config(router, ServerConfig::default())
    }

    /// A plaintext server with `config`; starts the worker threads.
    pub fn with_config(router: Router, config: ServerConfig) -> io::Result<Server> {
        config
            .h2
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let pool = WorkerPool::new("grpclite-worker", config.workers, config.handler_queue)?;
        Ok(Server {
            shared: Arc::new(ServerShared {
                router,
                config,
                pool,
                own_threads: AtomicUsize::new(0),
            }),
            security: Security::Plaintext,
        })
    }

    /// Serves TLS (ALPN `h2`) instead of plaintext.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::net::tls::ServerTls) -> Server {
        self.security = Security::Tls(tls);
        self
    }

    /// Listens on `addr` on a driver of the caller's loop; returns the
    /// bound address (port 0 picks one).
    pub fn listen(
        &self,
        driver: &mut Driver<ServerSession>,
        addr: SocketAddr,
    ) -> io::Result<SocketAddr> {
        let shared = self.shared.clone();
        let handle = driver.handle();
        let factory = move |info: &ConnectionInfo| session(info, &shared, &handle);
        let (_, local) = driver.listen_tcp(addr, self.security.clone(), factory)?;
        Ok(local)
    }

    /// A session for one connection outside a `net` loop (a test, a
    /// fuzzer, another driver): `waker` is how handler threads ask for
    /// [`ServerSession::handle_call_progress`]; `upgrade` is the request of
    /// an HTTP/1.1 `Upgrade: h2c`, if any. `None` refuses the connection.
    pub fn session(
        &self,
        peer: PeerAddress,
        upgrade: Option<&H2cUpgrade>,
        waker: CallWaker,
        now: Instant,
    ) -> Option<ServerSession> {
        ServerSession::new(self.shared.clone(), peer, upgrade, waker, now)
    }

    /// Listens on `addr` and serves on this thread until the loop is shut
    /// down (through a `LoopHandle`; use [`spawn`](Self::spawn) for a handle).
    pub fn serve(self, addr: SocketAddr) -> io::Result<()> {
        let mut event_loop = EventLoop::new(self.shared.config.net.clone())?;
        self.listen(event_loop.driver(), addr)?;
        event_loop.run()
    }

    /// Listens on `addr` and serves on a thread named `grpclite-server`.
    pub fn spawn(self, addr: SocketAddr) -> io::Result<ServerHandle> {
        let (local_tx, local_rx) = std::sync::mpsc::sync_channel(1);
        let limits = self.shared.config.net.clone();
        let (handle, thread) = EventLoop::spawn("grpclite-server", limits, move |driver| {
            let local = self.listen(driver, addr)?;
            let _ = local_tx.send(local);
            Ok(())
        })?;
        let local_addr = local_rx
            .recv()
            .map_err(|_| io::Error::other("the server thread ended during setup"))?;
        Ok(ServerHandle {
            local_addr,
            handle,
            thread: Some(thread),
        })
    }
}

fn session(
    info: &ConnectionInfo,
    shared: &Arc<ServerShared>,
    handle: &LoopHandle<ServerSession>,
) -> Option<ServerSession> {
    ServerSession::accepted(info, shared.clone(), handle.clone(), Instant::now())
}

/// A server running on its own thread.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    handle: LoopHandle<ServerSession>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The loop's handle, e.g. to run code on the loop thread.
    pub fn loop_handle(&self) -> &LoopHandle<ServerSession> {
        &self.handle
    }

    /// Graceful shutdown: stops accepting, sends GOAWAY (RFC 9113 §6.8),
    /// lets calls in progress finish for up to `grace`, then closes what
    /// is left, and waits for the loop thread to end.
    pub fn shutdown(mut self, grace: Duration) -> io::Result<()> {
        self.stop(grace)
    }

    fn stop(&mut self, grace: Duration) -> io::Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        let deadline = Instant::now()
            .checked_add(grace)
            .unwrap_or_else(Instant::now);
        // Fails only if the loop has already stopped.
        let _ = self.handle.shutdown(deadline);
        thread
            .join()
            .map_err(|_| io::Error::other("the server thread panicked"))?
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop(Duration::ZERO);
    }
}
