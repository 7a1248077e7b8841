//! The README's server, unary call and streaming call, compiled and run
//! against each other so the snippets cannot drift from the API.

use std::time::Duration;

use grpclite::api::{CallOptions, Channel, Router, Server};
use grpclite::grpc::Status;
use grpclite::proto::grpc::testing::{
    Payload, ResponseParameters, SimpleRequest, SimpleResponse, StreamingOutputCallRequest,
    StreamingOutputCallResponse,
};

#[test]
fn readme_server_unary_and_streaming_calls() -> Result<(), Box<dyn std::error::Error>> {
    // --- README: a server ---
    let mut router = Router::new();
    router.unary(
        "/grpc.testing.TestService/UnaryCall",
        |_ctx, req: SimpleRequest| {
            let body = vec![0; req.response_size.max(0) as usize];
            Ok::<_, Status>(SimpleResponse {
                payload: Some(Payload {
                    body,
                    ..Default::default()
                }),
                ..Default::default()
            })
        },
    );
    router.server_streaming(
        "/grpc.testing.TestService/StreamingOutputCall",
        |_ctx, req: StreamingOutputCallRequest, out| {
            for p in &req.response_parameters {
                let body = vec![0; p.size.max(0) as usize];
                out.send(&StreamingOutputCallResponse {
                    payload: Some(Payload {
                        body,
                        ..Default::default()
                    }),
                    ..Default::default()
                })?;
            }
            Ok(())
        },
    );
    let server = Server::new(router)?.spawn("127.0.0.1:0".parse()?)?;
    // --- end ---
    let target = format!("http://{}", server.local_addr());

    // --- README: a unary call ---
    let channel = Channel::connect(&target)?;
    let request = SimpleRequest {
        response_size: 10,
        ..Default::default()
    };
    let response = channel.unary::<_, SimpleResponse>(
        "/grpc.testing.TestService/UnaryCall",
        &request,
        CallOptions::timeout(Duration::from_secs(5)),
    )?;
    assert_eq!(response.message.payload.map(|p| p.body.len()), Some(10));
    // --- end ---

    // --- README: a streaming call ---
    let request = StreamingOutputCallRequest {
        response_parameters: [1, 2, 3]
            .map(|size| ResponseParameters {
                size,
                ..Default::default()
            })
            .to_vec(),
        ..Default::default()
    };
    let stream = channel.server_streaming::<_, StreamingOutputCallResponse>(
        "/grpc.testing.TestService/StreamingOutputCall",
        &request,
        CallOptions::default(),
    );
    let sizes: Vec<usize> = stream
        .map(|reply| reply.map(|r| r.payload.map_or(0, |p| p.body.len())))
        .collect::<Result<_, Status>>()?;
    assert_eq!(sizes, [1, 2, 3]);
    // --- end ---

    server
        .shutdown(Duration::from_secs(1))
        .expect("the server shuts down cleanly");
    Ok(())
}
