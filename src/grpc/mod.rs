//! gRPC over HTTP/2 (PROTOCOL-HTTP2.md), sans-IO: status codes, metadata,
//! timeouts, length-prefixed message framing, request and response headers,
//! and the client and server call state machines.
//!
//! This layer never sees a socket or a clock. Header blocks arrive as plain
//! `(name, value)` byte pairs and leave as a [`HeaderList`]; time arrives as
//! a `now: Instant` argument.
//!
//! ```text
//!  client                                            server
//!  RequestHead::to_headers ── HEADERS ──────────────> RequestHead::from_headers
//!  ClientCall::send_message ─ DATA (framing) ───────> ServerCall::handle_data
//!  ClientCall::handle_headers <─ HEADERS ──────────── ResponseHead (send_headers)
//!  ClientCall::handle_data  <─ DATA (framing) ─────── ServerCall::send_message
//!  ClientCall::handle_headers <─ HEADERS+END_STREAM ─ trailers (ServerCall::finish)
//! ```
//!
//! A driver owns one [`ClientCall`] or [`ServerCall`] per HTTP/2 stream:
//! it passes stream events to the `handle_*` methods, and after each one
//! drains `poll_action` (what to send: [`StreamAction`]) and `poll_event`
//! (what to tell the application), and arms a timer for `poll_timeout`.
//! A server first checks the request with [`RequestHead::from_headers`]
//! and answers a [`Rejection`] on its own.
//!
//! Modules, one concept each: [`code`] and [`status`] (the outcome of a
//! call), [`percent`] (`grpc-message`), [`timeout`] (`grpc-timeout`),
//! [`metadata`], [`encoding`] (`grpc-encoding`), [`framing`]
//! (Length-Prefixed-Message), [`request`] and [`response`] (header blocks),
//! [`reset`] (RST_STREAM codes), [`call`], [`client_call`], [`server_call`].

pub mod call;
pub mod client_call;
pub mod code;
pub mod encoding;
pub mod framing;
pub mod header;
pub mod metadata;
pub mod percent;
pub mod request;
pub mod reset;
pub mod response;
pub mod server_call;
pub mod service;
pub mod status;
pub mod timeout;

pub use call::{CallError, CallKind, CallLimits, StreamAction};
pub use client_call::{ClientCall, ClientEvent};
pub use code::Code;
pub use encoding::MessageEncoding;
pub use framing::{DeframeError, Deframer};
pub use header::HeaderList;
pub use metadata::{Metadata, MetadataError};
pub use request::{Rejection, RequestHead, Scheme};
pub use reset::ErrorCode;
pub use response::{ResponseHead, ResponseStart, Trailers};
pub use server_call::{ServerCall, ServerEvent};
pub use status::Status;

/// Which end of a call this endpoint is: some failures map to different
/// status codes on each side (statuscodes.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The end that starts calls.
    Client,
    /// The end that answers them.
    Server,
}
