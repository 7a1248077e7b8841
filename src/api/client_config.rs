//! How a channel connects and what each call carries by default.

use std::sync::Arc;
use std::time::Duration;

use crate::grpc::{Metadata, Status};

/// gRPC connection backoff (connection-backoff.md): the wait between failed
/// connection attempts grows from `initial` by `multiplier` up to `max`,
/// each wait spread by ±`jitter`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// First wait after a failed attempt (INITIAL_BACKOFF, 1 s).
    pub initial: Duration,
    /// Growth per failure (MULTIPLIER, 1.6).
    pub multiplier: f64,
    /// Spread of each wait, as a fraction (JITTER, 0.2).
    pub jitter: f64,
    /// Longest wait (MAX_BACKOFF, 120 s).
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            multiplier: 1.6,
            jitter: 0.2,
            max: Duration::from_secs(120),
        }
    }
}

impl Backoff {
    /// The wait after `failures` consecutive failed attempts (1 or more),
    /// before jitter.
    pub fn base_wait(&self, failures: u32) -> Duration {
        let mut wait = self.initial.as_secs_f64();
        for _ in 1..failures.min(64) {
            wait *= self.multiplier;
        }
        Duration::try_from_secs_f64(wait.min(self.max.as_secs_f64()).max(0.0)).unwrap_or(self.max)
    }

    /// The wait with jitter; `unit` is a number in [0, 1) the caller drew.
    pub fn wait(&self, failures: u32, unit: f64) -> Duration {
        let base = self.base_wait(failures).as_secs_f64();
        let spread = 1.0 + self.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        // A configuration of NaN or infinities must not panic: fall back to `max`.
        Duration::try_from_secs_f64((base * spread).max(0.0)).unwrap_or(self.max)
    }
}

/// A client interceptor: sees each call's path and metadata before the
/// call starts; may add metadata (an auth token) or fail the call.
pub type Interceptor = Arc<dyn Fn(&str, &mut Metadata) -> Result<(), Status> + Send + Sync>;

/// Client keepalive (keepalive.md): off unless configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Time without input after which a PING is sent (KEEPALIVE_TIME).
    pub time: Duration,
    /// Time the PING's answer may take before the connection is closed
    /// (KEEPALIVE_TIMEOUT, 20 s).
    pub timeout: Duration,
}

/// Settings of a channel; built by [`ChannelBuilder`](super::ChannelBuilder).
#[derive(Clone)]
pub struct ClientConfig {
    /// Time allowed to connect, TCP and TLS handshake each (it replaces
    /// `limits.tls_handshake_timeout`); default 20 s.
    pub connect_timeout: Duration,
    /// Deadline of calls that set none; `None`: no deadline.
    pub default_timeout: Option<Duration>,
    /// Keepalive pings; `None` (the default) sends none.
    pub keepalive: Option<Keepalive>,
    /// Largest response message accepted (default 4 MiB).
    pub max_receive_message_size: usize,
    /// Largest request message sent (default 4 GiB - 1, the framing limit).
    pub max_send_message_size: usize,
    /// Unread response bytes per call past which flow-control credit is
    /// withheld, so a slow reader slows the server (default 1 MiB).
    pub receive_buffer: usize,
    /// Request bytes per call queued ahead of HTTP/2 before `send` waits
    /// (default 256 KiB).
    pub send_buffer: usize,
    /// Events per call the blocking API buffers for its reader (default 64).
    pub call_queue: usize,
    /// Prefix of the `user-agent` header; our own name and version follow.
    pub user_agent: Option<String>,
    /// Reconnection backoff.
    pub backoff: Backoff,
    /// Interceptors, run in order on every call.
    pub interceptors: Vec<Interceptor>,
    /// HTTP/2 settings and limits for the connections.
    pub h2: crate::h2::Config,
    /// Driver limits (buffers, command queue).
    pub limits: crate::net::Limits,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("connect_timeout", &self.connect_timeout)
            .field("default_timeout", &self.default_timeout)
            .field("keepalive", &self.keepalive)
            .field("max_receive_message_size", &self.max_receive_message_size)
            .field("max_send_message_size", &self.max_send_message_size)
            .field("user_agent", &self.user_agent)
            .field("interceptors", &self.interceptors.len())
            .finish_non_exhaustive()
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(20),
            default_timeout: None,
            keepalive: None,
            max_receive_message_size: crate::grpc::framing::DEFAULT_MAX_RECEIVE_MESSAGE_SIZE,
            max_send_message_size: crate::grpc::framing::DEFAULT_MAX_SEND_MESSAGE_SIZE,
            receive_buffer: 1024 * 1024,
            send_buffer: 256 * 1024,
            call_queue: 64,
            user_agent: None,
            backoff: Backoff::default(),
            interceptors: Vec::new(),
            h2: crate::h2::Config::default(),
            limits: crate::net::Limits::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_connection_backoff_md() {
        let b = Backoff::default();
        assert_eq!(b.base_wait(1), Duration::from_secs(1));
        assert_eq!(b.base_wait(2), Duration::from_secs_f64(1.6));
        assert_eq!(b.base_wait(3), Duration::from_secs_f64(1.6 * 1.6));
        assert_eq!(b.base_wait(30), Duration::from_secs(120));
        assert_eq!(b.wait(1, 0.0), Duration::from_secs_f64(0.8));
        assert_eq!(b.wait(1, 1.0), Duration::from_secs_f64(1.2));
        assert_eq!(b.wait(1, 0.5), Duration::from_secs(1));
        let wild = Backoff {
            multiplier: f64::INFINITY,
            jitter: f64::MAX,
            ..Backoff::default()
        };
        assert_eq!(wild.wait(5, 1.0), Duration::from_secs(120));
        assert_eq!(wild.base_wait(5), Duration::from_secs(120));
    }
}
