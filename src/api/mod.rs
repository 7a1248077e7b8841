//! The application API: a gRPC [`Server`] and client [`Channel`]s (blocking
//! and polling), built only from the public pieces of `net` (the event loop)
//! and `grpc` (the sans-IO calls).
//!
//! ```text
//!  server                                          client
//!  net::EventLoop ── ServerSession (per connection)  Channel ── grpclite-io thread
//!                      h2::Connection                  └─ PollingChannel (no thread)
//!                      grpc::ServerCall per stream          ClientSession per connection
//!                              │ requests  ▲ responses        h2::Connection
//!                              ▼           │ (loop waker)     grpc::ClientCall per stream
//!                      WorkerPool: handlers in a Router
//! ```
//!
//! Server side:
//! - [`service`]: the handler side: [`Router`] (registration by path,
//!   typed over [`crate::wire::Message`] or raw bytes), [`ServerContext`],
//!   [`RequestStream`] / [`ResponseSink`] and their typed forms.
//! - [`server_session`]: the `net::Session` of one HTTP/2 connection; it
//!   also runs outside a `net` loop ([`Server::session`], a [`CallWaker`]),
//!   e.g. under a fuzzer or a test's in-memory pipe.
//! - [`worker_pool`]: the bounded pool handlers run on.
//! - [`server`]: [`ServerConfig`], [`Server`] and [`ServerHandle`].
//! - [`health`]: the standard `grpc.health.v1.Health` service.
//! - [`generated_service`]: a generated service's `Server` trait behind a
//!   [`Router`].
//!
//! Client side: [`Channel`] (blocking: one named I/O thread, calls from any
//! thread), [`PollingChannel`] (the caller drives it with `poll`, or from
//! its own mio loop), call handles ([`Call`], [`ServerStream`], [`RawCall`])
//! and [`CallOptions`]. The blocking calls are a thin loop over the polling
//! ones.

mod call;
mod call_channel;
mod channel;
mod client_config;
mod client_session;
pub mod generated_service;
pub mod health;
mod invoke;
pub mod server;
pub mod server_session;
pub mod service;
pub mod worker_pool;

pub use call::{Call, CallOptions, RawCall, Response, ServerStream};
pub use channel::{
    Channel, ChannelBuilder, ChannelError, PollingChannel, SendRefused, Target, IO_THREAD_NAME,
};
pub use client_config::{Backoff, ClientConfig, Interceptor as ClientInterceptor, Keepalive};
pub use client_session::{CallId, ClientSession};
pub use health::{HealthReporter, ServingStatus};
pub use server::{Server, ServerConfig, ServerHandle};
pub use server_session::{CallWaker, ServerSession};
pub use service::{
    Interceptor as ServerInterceptor, MethodHandler, RequestStream, Requests, ResponseSink,
    Responses, Router, ServerContext,
};
pub use worker_pool::{PoolFull, WorkerPool};
