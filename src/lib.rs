//! # grpclite
//!
//! gRPC written from scratch: HPACK, HTTP/2, the Protobuf wire format and gRPC
//! calls, with a sans-IO core, a mio driver, and blocking and polling APIs.
//!
//! ## Layers
//!
//! Each layer is a module and imports only the layers below it. The sans-IO
//! layers take bytes and `now` in and give events and bytes out; only `net`
//! touches sockets, TLS or the clock.
//!
//! ```text
//!   api      Channel, Server, call handles (blocking and polling)
//!    |
//!   net      mio event loop, listeners, TLS (rustls), timers, h2c upgrade
//!    |
//!   grpc     length-prefixed messages, metadata, status, deadlines   (sans-IO)
//!    |   \
//!   h2    \  frames, streams, flow control, settings                 (sans-IO)
//!    |     \
//!   hpack  wire   header compression | Protobuf wire codec           (sans-IO)
//!                   \
//!   schema   .proto parser, descriptors, dynamic messages, ProtoJSON (uses wire, json)
//!   json     strict RFC 8259 reader and writer                        (leaf)
//! ```
//!
//! A request travels: socket readable -> `net` reads (TLS decrypts) ->
//! `h2::Connection` parses frames and HPACK-decodes headers -> `grpc` deframes
//! the message -> a handler runs -> the response goes back down the same path.

#![forbid(unsafe_code)]

pub mod api;
pub mod base64;
pub mod grpc;
pub mod h2;
pub mod hpack;
pub mod json;
pub mod net;
pub mod schema;
pub mod wire;
