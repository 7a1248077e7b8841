//! The driver's limits: every bound on time and memory, with its default.

use std::time::Duration;

/// Bounds on what the driver spends per connection and in total.
///
/// The defaults follow the project's LIMITS.md where it names a value.
/// A duration too large to add to the clock means "no deadline".
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time allowed for the TLS handshake (LIMITS.md: 10 s, as Go).
    pub tls_handshake_timeout: Duration,
    /// Time allowed on a plaintext port for the client preface or the
    /// HTTP/1.1 upgrade request to arrive (LIMITS.md: 10 s).
    pub preface_timeout: Duration,
    /// Largest HTTP/1.1 request head (request line and header fields)
    /// accepted for an `Upgrade: h2c`; larger gets `431`.
    pub max_upgrade_request_size: usize,
    /// Most header fields in an HTTP/1.1 upgrade request.
    pub max_upgrade_header_fields: usize,
    /// Size of a connection's read buffer while data flows. The buffer is
    /// taken from a pool when bytes arrive and given back when the session
    /// has consumed them all, so an idle connection holds none.
    pub read_buffer_size: usize,
    /// Most read buffers kept in the pool for reuse.
    pub pooled_read_buffers: usize,
    /// The driver asks the session for more output only while fewer bytes
    /// than this wait for the socket.
    pub write_high_water: usize,
    /// An empty output buffer larger than this is given back to the allocator.
    pub idle_write_buffer: usize,
    /// Time to finish writing and wait for the peer's end of stream after we
    /// decide to close (a lingering close keeps a final error response from
    /// being lost to a TCP reset).
    pub linger_timeout: Duration,
    /// Default time allowed for a client's TCP connect.
    pub connect_timeout: Duration,
    /// Most connections (accepted and opened) one loop holds; accepting
    /// pauses at this number.
    pub max_connections: usize,
    /// Capacity of the queue of commands from other threads.
    pub command_capacity: usize,
    /// Most socket reads for one connection per loop turn before the others
    /// get their turn, so one busy connection cannot starve them.
    pub reads_per_turn: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            tls_handshake_timeout: Duration::from_secs(10),
            preface_timeout: Duration::from_secs(10),
            max_upgrade_request_size: 8 * 1024,
            max_upgrade_header_fields: 64,
            read_buffer_size: 64 * 1024,
            pooled_read_buffers: 16,
            write_high_water: 64 * 1024,
            idle_write_buffer: 1024,
            linger_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(20),
            max_connections: 10_000,
            command_capacity: 1024,
            reads_per_turn: 4,
        }
    }
}
