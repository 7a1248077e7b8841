//! [`Invoke`] on a blocking [`Channel`]: what lets the generated `Client`s
//! of `crate::proto` call through a channel.
//!
//! `Invoke` runs a whole call in one function: it sends every request,
//! half-closes, and hands each response to a sink. That fits unary,
//! client-streaming and server-streaming calls exactly. A bidirectional call
//! also works but cannot interleave: all requests are sent before the first
//! response is read, so a client that must wait for a reply before sending
//! (ping-pong) uses [`Channel::bidi`] instead. A call of exactly one
//! request sends it and half-closes in one step. The call's deadline is the
//! channel's default timeout; response metadata is not surfaced (use the
//! `Channel` methods, which return [`super::Response`], for it).

use bytes::Bytes;

use crate::grpc::service::{Invoke, Method, ResponseSink};
use crate::grpc::{CallKind, Code, Metadata, Status};

use super::{CallOptions, Channel};

impl Invoke for Channel {
    fn invoke(
        &self,
        method: &Method,
        metadata: &Metadata,
        requests: &mut dyn Iterator<Item = Vec<u8>>,
        responses: &mut dyn ResponseSink<Vec<u8>>,
    ) -> Result<(), Status> {
        let options = CallOptions {
            metadata: metadata.clone(),
            ..CallOptions::default()
        };
        let first = requests.next();
        let second = requests.next();
        let mut call = match (method.kind, first, second) {
            // One request goes out with the headers and END_STREAM in one
            // step, so a server that answers it at once (e.g. a
            // Trailers-Only error) never races our half-close.
            (_, Some(request), None) => self.raw_call(
                method.kind,
                method.path,
                Some(Bytes::from(request)),
                options,
            ),
            (CallKind::Unary | CallKind::ServerStreaming, None, _) => {
                return Err(Status::new(
                    Code::Internal,
                    "a unary or server-streaming call needs one request, got none",
                ))
            }
            (CallKind::Unary | CallKind::ServerStreaming, Some(_), Some(_)) => {
                return Err(Status::new(
                    Code::Internal,
                    "a unary or server-streaming call takes exactly one request, got more",
                ))
            }
            (CallKind::ClientStreaming | CallKind::Bidi, first, second) => {
                let mut call = self.raw_call(method.kind, method.path, None, options);
                for request in first.into_iter().chain(second).chain(requests) {
                    if call.send(Bytes::from(request)).is_err() {
                        // The call ended early; its status comes from `recv`.
                        break;
                    }
                }
                let _ = call.close_send();
                call
            }
        };
        while let Some(item) = call.recv() {
            if let Err(status) = responses.send(item?.to_vec()) {
                call.cancel();
                return Err(status);
            }
        }
        match call.status() {
            Some(status) if !status.is_ok() => Err(status.clone()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::api::{Router, Server, ServerHandle};
    use crate::proto::grpc::testing::{
        test_service, unimplemented_service, EchoStatus, Empty, Payload, ResponseParameters,
        SimpleRequest, SimpleResponse, StreamingInputCallRequest, StreamingInputCallResponse,
        StreamingOutputCallRequest, StreamingOutputCallResponse,
    };

    fn zeros(size: usize) -> Option<Payload> {
        Some(Payload {
            body: vec![0; size],
            ..Payload::default()
        })
    }

    fn body_len(payload: &Option<Payload>) -> usize {
        payload.as_ref().map_or(0, |p| p.body.len())
    }

    /// A server with the four kinds of TestService call: unary answers
    /// `response_size` zeros (and needs the `x-need` metadata), streaming
    /// output answers one message per `response_parameters`, streaming
    /// input sums the payload sizes, full duplex answers each request or
    /// ends with its `response_status` at once.
    fn server() -> (ServerHandle, Channel) {
        let mut router = Router::new();
        router.unary(
            test_service::UNARY_CALL.path,
            |ctx, request: SimpleRequest| {
                if ctx.metadata().get_str("x-need") != Some("yes") {
                    return Err(Status::new(Code::InvalidArgument, "x-need missing"));
                }
                Ok(SimpleResponse {
                    payload: zeros(usize::try_from(request.response_size).unwrap_or(0)),
                    ..SimpleResponse::default()
                })
            },
        );
        router.server_streaming(
            test_service::STREAMING_OUTPUT_CALL.path,
            |_ctx, request: StreamingOutputCallRequest, out| {
                for parameters in &request.response_parameters {
                    out.send(&StreamingOutputCallResponse {
                        payload: zeros(usize::try_from(parameters.size).unwrap_or(0)),
                        ..StreamingOutputCallResponse::default()
                    })?;
                }
                Ok(())
            },
        );
        router.client_streaming(
            test_service::STREAMING_INPUT_CALL.path,
            |_ctx, requests: &mut crate::api::Requests<StreamingInputCallRequest>| {
                let mut total = 0;
                while let Some(request) = requests.recv() {
                    total += body_len(&request?.payload);
                }
                Ok(StreamingInputCallResponse {
                    aggregated_payload_size: i32::try_from(total).unwrap_or(i32::MAX),
                    ..StreamingInputCallResponse::default()
                })
            },
        );
        router.bidi(
            test_service::FULL_DUPLEX_CALL.path,
            |_ctx,
             requests: &mut crate::api::Requests<StreamingOutputCallRequest>,
             out: &mut crate::api::Responses<StreamingOutputCallResponse>| {
                while let Some(request) = requests.recv() {
                    let request = request?;
                    if let Some(status) = request.response_status {
                        return Err(Status::new(
                            Code::from_number(u32::try_from(status.code).unwrap_or(2)),
                            status.message,
                        ));
                    }
                    for parameters in &request.response_parameters {
                        out.send(&StreamingOutputCallResponse {
                            payload: zeros(usize::try_from(parameters.size).unwrap_or(0)),
                            ..StreamingOutputCallResponse::default()
                        })?;
                    }
                }
                Ok(())
            },
        );
        let server = Server::new(router)
            .and_then(|s| s.spawn("127.0.0.1:0".parse().expect("address")))
            .expect("server starts");
        let channel = Channel::builder(format!("http://{}", server.local_addr()))
            .default_timeout(Duration::from_secs(10))
            .build()
            .expect("channel");
        (server, channel)
    }

    fn output_request(sizes: &[i32]) -> StreamingOutputCallRequest {
        StreamingOutputCallRequest {
            response_parameters: sizes
                .iter()
                .map(|size| ResponseParameters {
                    size: *size,
                    ..ResponseParameters::default()
                })
                .collect(),
            ..StreamingOutputCallRequest::default()
        }
    }

    #[test]
    fn generated_client_makes_every_kind_of_call() {
        let (_server, channel) = server();
        let client = test_service::Client { channel };

        // Unary, with metadata reaching the server.
        let mut metadata = Metadata::new();
        metadata.append("x-need", "yes").expect("metadata");
        let request = SimpleRequest {
            response_size: 7,
            ..SimpleRequest::default()
        };
        let response = client.unary_call(&request, &metadata).expect("unary");
        assert_eq!(body_len(&response.payload), 7);
        let refused = client.unary_call(&request, &Metadata::new());
        assert_eq!(refused.map_err(|s| s.code), Err(Code::InvalidArgument));

        // Server streaming: every response, in order.
        let mut responses: Vec<StreamingOutputCallResponse> = Vec::new();
        client
            .streaming_output_call(
                &output_request(&[3, 0, 5]),
                &Metadata::new(),
                &mut responses,
            )
            .expect("server streaming");
        let sizes: Vec<usize> = responses.iter().map(|r| body_len(&r.payload)).collect();
        assert_eq!(sizes, [3, 0, 5]);

        // Client streaming with none, one and several requests.
        for sizes in [&[][..], &[4][..], &[1, 20, 300][..]] {
            let mut requests = sizes.iter().map(|size| StreamingInputCallRequest {
                payload: zeros(*size),
                ..StreamingInputCallRequest::default()
            });
            let response = client
                .streaming_input_call(&mut requests, &Metadata::new())
                .expect("client streaming");
            let want: usize = sizes.iter().sum();
            assert_eq!(response.aggregated_payload_size, want as i32);
        }

        // Bidirectional with several requests, and with none.
        let mut requests = vec![output_request(&[1, 2]), output_request(&[3])].into_iter();
        let mut responses: Vec<StreamingOutputCallResponse> = Vec::new();
        client
            .full_duplex_call(&mut requests, &Metadata::new(), &mut responses)
            .expect("bidi");
        let sizes: Vec<usize> = responses.iter().map(|r| body_len(&r.payload)).collect();
        assert_eq!(sizes, [1, 2, 3]);
        let mut responses: Vec<StreamingOutputCallResponse> = Vec::new();
        client
            .full_duplex_call(&mut std::iter::empty(), &Metadata::new(), &mut responses)
            .expect("empty bidi");
        assert!(responses.is_empty());
    }

    #[test]
    fn error_statuses_come_back_exactly() {
        let (_server, channel) = server();
        let client = test_service::Client {
            channel: channel.clone(),
        };
        // A status the server ends a full-duplex call with at once.
        for _ in 0..20 {
            let mut requests = std::iter::once(StreamingOutputCallRequest {
                response_status: Some(EchoStatus {
                    code: 2,
                    message: "test status message".to_string(),
                    ..EchoStatus::default()
                }),
                ..StreamingOutputCallRequest::default()
            });
            let mut responses: Vec<StreamingOutputCallResponse> = Vec::new();
            let status = client
                .full_duplex_call(&mut requests, &Metadata::new(), &mut responses)
                .expect_err("the server fails the call");
            assert_eq!(
                (status.code, status.message.as_str()),
                (Code::Unknown, "test status message")
            );
        }
        let unimplemented = client.unimplemented_call(&Empty::default(), &Metadata::new());
        assert_eq!(unimplemented.map_err(|s| s.code), Err(Code::Unimplemented));
        let other = unimplemented_service::Client { channel };
        let unknown_service = other.unimplemented_call(&Empty::default(), &Metadata::new());
        assert_eq!(
            unknown_service.map_err(|s| s.code),
            Err(Code::Unimplemented)
        );
    }

    /// Refuses every response: the call must end with the sink's status.
    struct Refusing;

    impl ResponseSink<StreamingOutputCallResponse> for Refusing {
        fn send(&mut self, _message: StreamingOutputCallResponse) -> Result<(), Status> {
            Err(Status::new(Code::Aborted, "enough"))
        }
    }

    #[test]
    fn a_refusing_sink_ends_the_call_with_its_status() {
        let (_server, channel) = server();
        let client = test_service::Client { channel };
        let status = client
            .streaming_output_call(&output_request(&[1, 1, 1]), &Metadata::new(), &mut Refusing)
            .expect_err("the sink refused");
        assert_eq!(
            (status.code, status.message.as_str()),
            (Code::Aborted, "enough")
        );
    }

    #[test]
    fn a_unary_call_needs_exactly_one_request() {
        let (_server, channel) = server();
        let mut sink: Vec<Vec<u8>> = Vec::new();
        let none = channel.invoke(
            &test_service::UNARY_CALL,
            &Metadata::new(),
            &mut std::iter::empty(),
            &mut sink,
        );
        assert_eq!(none.map_err(|s| s.code), Err(Code::Internal));
        let two = channel.invoke(
            &test_service::UNARY_CALL,
            &Metadata::new(),
            &mut vec![Vec::new(), Vec::new()].into_iter(),
            &mut sink,
        );
        assert_eq!(two.map_err(|s| s.code), Err(Code::Internal));
        assert!(sink.is_empty());
    }
}
