//! The application API: a gRPC [`Server`] built from the public pieces of
//! `net` (the event loop) and `grpc` (the sans-IO calls).
//!
//! ```text
//!  net::EventLoop ── ServerSession (one per connection, loop thread)
//!                      h2::Connection ── grpc::ServerCall per stream
//!                              │  request messages   ▲ responses, status
//!                              ▼                     │ (LoopHandle wakes the loop)
//!                      WorkerPool: handlers registered in a Router
//! ```
//!
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

mod call_channel;
pub mod generated_service;
pub mod health;
pub mod server;
pub mod server_session;
pub mod service;
pub mod worker_pool;

pub use health::{HealthReporter, ServingStatus};
pub use server::{Server, ServerConfig, ServerHandle};
pub use server_session::{CallWaker, ServerSession};
pub use service::{
    Interceptor, MethodHandler, RequestStream, Requests, ResponseSink, Responses, Router,
    ServerContext,
};
pub use worker_pool::{PoolFull, WorkerPool};
