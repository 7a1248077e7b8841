//! tonic's side of the comparison: `bench.Echo` served the way
//! grpclite's `examples/echo_server.rs` serves it.
//!
//! ```text
//! tonic_echo --port 50052
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;

use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

/// Messages and service generated from `proto/bench.proto`.
pub mod bench {
    tonic::include_proto!("bench");
}

use bench::echo_server::{Echo, EchoServer};
use bench::{EchoRequest, EchoResponse, StreamRequest};

/// Largest `size` a `ServerStream` request may ask for, as in ours.
const MAX_STREAM_PAYLOAD: u32 = 1 << 20;

type ResponseStream = Pin<Box<dyn Stream<Item = Result<EchoResponse, Status>> + Send>>;

/// The echo handlers.
#[derive(Default)]
struct EchoService;

#[tonic::async_trait]
impl Echo for EchoService {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        Ok(Response::new(EchoResponse {
            payload: request.into_inner().payload,
        }))
    }

    type ServerStreamStream = ResponseStream;

    async fn server_stream(
        &self,
        request: Request<StreamRequest>,
    ) -> Result<Response<ResponseStream>, Status> {
        let StreamRequest { count, size } = request.into_inner();
        if size > MAX_STREAM_PAYLOAD {
            return Err(Status::invalid_argument("size too large"));
        }
        let payload = vec![0x5a; size as usize];
        let stream = tokio_stream::iter((0..count).map(move |_| {
            Ok(EchoResponse {
                payload: payload.clone(),
            })
        }));
        Ok(Response::new(Box::pin(stream)))
    }

    type BidiStream = ResponseStream;

    async fn bidi(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let stream = request
            .into_inner()
            .map(|r| r.map(|m| EchoResponse { payload: m.payload }));
        Ok(Response::new(Box::pin(stream)))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = 50052u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(value)) => port = value.parse()?,
            _ => return Err("usage: tonic_echo [--port N]".into()),
        }
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    tonic::transport::Server::builder()
        .add_service(EchoServer::new(EchoService))
        .serve(addr)
        .await?;
    Ok(())
}
