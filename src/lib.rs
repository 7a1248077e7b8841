//! # grpclite
//!
//! gRPC written from scratch: HPACK, HTTP/2, the Protobuf wire format and gRPC
//! calls, with a sans-IO core, a mio driver, and blocking and polling APIs.
//!
//! ## Layers
//!
//! Each layer is a module and imports only the layers below it. The sans-IO
//! layers take bytes and `now` in and give events and bytes out; only `net`
//! touches sockets, TLS or the clock, and only `api` starts threads (a
//! bounded, configurable worker pool; one named I/O thread for a blocking
//! client).
//!
//! ```text
//!   api     Server, Router, handlers, worker pool; Channel     threads the user sizes
//!    |  //!    |   net     mio event loop, sockets, TLS (rustls),        sockets, clock
//!    |           timers, h2c upgrade; drives any `Session`
//!    |
//!   h2      frames, stream states, flow control, connection    sans-IO
//!   hpack   header compression                                 sans-IO
//!   grpc    status, metadata, timeouts, message framing,       sans-IO (header lists
//!           client and server call state machines                       in, not h2 types)
//!   wire    Protobuf wire codec, the `Message` trait           sans-IO
//!   schema  .proto parser, descriptors, dynamic messages,      sans-IO (reads files
//!           ProtoJSON, code generator (uses wire, json)                 only when asked)
//!   json, base64   strict RFC 8259 JSON; RFC 4648 base64       leaves
//!
//!   trace   annotates an HTTP/2 connection frame by frame (uses h2, hpack, grpc, wire, schema)
//!   build   `compile_protos` for a user's build.rs; `proto`: our generated interop/health types
//! ```
//!
//! A unary call, server side: socket readable -> `net` reads (TLS decrypts)
//! -> `api`'s session feeds `h2::Connection`, which parses frames, checks
//! flow control and HPACK-decodes headers -> `grpc` validates the request
//! head and deframes the message -> a worker runs the handler -> its answer
//! comes back through the loop's waker -> `grpc` frames the message and
//! trailers -> `h2` encodes HEADERS/DATA/HEADERS within the peer's windows ->
//! `net` writes when the socket is writable.

#![forbid(unsafe_code)]

pub mod api;
pub mod base64;
pub mod build;
pub mod grpc;
pub mod h2;
pub mod hpack;
pub mod json;
pub mod net;
pub mod proto;
pub mod schema;
pub mod trace;
pub mod wire;
