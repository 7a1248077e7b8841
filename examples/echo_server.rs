//! A gRPC server for `bench.Echo`, plus `grpc.health.v1.Health`.
//!
//! ```text
//! cargo run --example echo_server -- --port 50051
//! ```
//!
//! - `Unary(EchoRequest) -> EchoResponse`: the payload back. Request
//!   metadata whose key starts with `x-echo` comes back in the response
//!   headers and trailers; `x-delay-ms: N` makes the handler wait N ms
//!   first (it stops early if the call is cancelled).
//! - `ServerStream(StreamRequest) -> stream EchoResponse`: `count`
//!   responses of `size` bytes.
//! - `Bidi(stream EchoRequest) -> stream EchoResponse`: each payload back.
//!
//! The messages are written by hand (to be replaced by generated code):
//! `EchoRequest { bytes payload = 1; }`, `EchoResponse { bytes payload = 1; }`,
//! `StreamRequest { uint64 count = 1; uint32 size = 2; }`.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use grpclite::api::{HealthReporter, Router, Server, ServerContext};
use grpclite::grpc::{Metadata, Status};
use grpclite::wire::{field, DecodeError, Message, Reader, WireType};

/// `bench.EchoRequest` and `bench.EchoResponse`: one `bytes payload = 1`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Payload {
    /// The bytes echoed.
    pub payload: Vec<u8>,
}

impl Message for Payload {
    fn encode_raw(&self, buf: &mut Vec<u8>) {
        if !field::bytes::is_default(&self.payload) {
            field::bytes::encode(1, &self.payload, buf);
        }
    }
    fn encoded_len(&self) -> usize {
        if field::bytes::is_default(&self.payload) {
            0
        } else {
            field::bytes::encoded_len(1, &self.payload)
        }
    }
    fn merge_field(
        &mut self,
        number: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match number {
            1 => field::bytes::merge(wire_type, &mut self.payload, r),
            _ => r.skip_value(number, wire_type).map(|_| ()),
        }
    }
    fn clear(&mut self) {
        self.payload.clear();
    }
}

/// `bench.StreamRequest { uint64 count = 1; uint32 size = 2; }`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamRequest {
    /// How many responses to send.
    pub count: u64,
    /// The payload size of each.
    pub size: u32,
}

impl Message for StreamRequest {
    fn encode_raw(&self, buf: &mut Vec<u8>) {
        if self.count != 0 {
            field::uint64::encode(1, &self.count, buf);
        }
        if self.size != 0 {
            field::uint32::encode(2, &self.size, buf);
        }
    }
    fn encoded_len(&self) -> usize {
        let count = if self.count != 0 {
            field::uint64::encoded_len(1, &self.count)
        } else {
            0
        };
        let size = if self.size != 0 {
            field::uint32::encoded_len(2, &self.size)
        } else {
            0
        };
        count + size
    }
    fn merge_field(
        &mut self,
        number: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match number {
            1 => field::uint64::merge(wire_type, &mut self.count, r),
            2 => field::uint32::merge(wire_type, &mut self.size, r),
            _ => r.skip_value(number, wire_type).map(|_| ()),
        }
    }
    fn clear(&mut self) {
        *self = StreamRequest::default();
    }
}

/// Largest `size` a `ServerStream` request may ask for.
const MAX_STREAM_PAYLOAD: u32 = 1 << 20;

/// Request metadata with keys starting with `x-echo`.
fn echoed(ctx: &ServerContext) -> Metadata {
    let mut out = Metadata::new();
    for (key, value) in ctx.metadata().iter() {
        if key.starts_with("x-echo") {
            let _ = if key.ends_with("-bin") {
                out.append_bin(key, value.to_vec())
            } else {
                out.append(key, &String::from_utf8_lossy(value))
            };
        }
    }
    out
}

/// Waits `x-delay-ms` if asked, in slices, until the call is cancelled.
fn delay(ctx: &ServerContext) -> Result<(), Status> {
    let Some(ms) = ctx.metadata().get_str("x-delay-ms") else {
        return Ok(());
    };
    let ms = ms
        .parse::<u64>()
        .map_err(|_| Status::internal("x-delay-ms is not a number"))?;
    let until = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < until {
        if ctx.is_cancelled() {
            return Err(Status::cancelled("cancelled while waiting"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// The `bench.Echo` and health methods.
pub fn router() -> Router {
    let mut router = Router::new();
    router
        .unary("/bench.Echo/Unary", |ctx, request: Payload| {
            delay(ctx)?;
            let metadata = echoed(ctx);
            ctx.set_response_headers(metadata.clone());
            *ctx.trailers_mut() = metadata;
            Ok(request)
        })
        .server_streaming(
            "/bench.Echo/ServerStream",
            |_, request: StreamRequest, responses| {
                if request.size > MAX_STREAM_PAYLOAD {
                    return Err(Status::resource_exhausted("size is above 1 MiB"));
                }
                let response = Payload {
                    payload: vec![b'x'; request.size as usize],
                };
                for _ in 0..request.count {
                    responses.send(&response)?;
                }
                Ok(())
            },
        )
        .bidi("/bench.Echo/Bidi", |_, requests, responses| {
            while let Some(request) = requests.recv() {
                let request: Payload = request?;
                responses.send(&request)?;
            }
            Ok(())
        })
        .merge(HealthReporter::new().router());
    router
}

fn main() {
    let mut port = 50051u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(value)) => match value.parse() {
                Ok(p) => port = p,
                Err(_) => return eprintln!("--port takes a number, not {value:?}"),
            },
            _ => return eprintln!("usage: echo_server [--port N]"),
        }
    }
    let server = match Server::new(router()) {
        Ok(server) => server,
        Err(e) => return eprintln!("echo_server: {e}"),
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    println!("echo_server listening on {addr}");
    if let Err(e) = server.serve(addr) {
        eprintln!("echo_server: {e}");
    }
}
