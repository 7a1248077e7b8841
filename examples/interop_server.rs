//! The standard gRPC interop server: `grpc.testing.TestService` as the
//! "Server" section of interop-test-descriptions.md describes it, plus
//! `grpc.health.v1.Health`, on grpclite's generated types.
//!
//! ```text
//! cargo run --example interop_server -- --port N [--use_tls --tls_cert_file C
//!     --tls_key_file K [--tls_client_ca_file CA]]
//! ```
//!
//! Flags take `--flag=value` or `--flag value`; `--use_tls` alone means true.
//! With `--tls_client_ca_file` clients must present a certificate from that
//! CA (mutual TLS). Once serving it prints `READY <port>`, as the peers in
//! `interop/` do, and runs until killed.
//!
//! Features: EmptyCall, UnaryCall, CacheableUnaryCall, StreamingOutputCall,
//! StreamingInputCall, FullDuplexCall, HalfDuplexCall, Echo Status, Echo
//! Metadata, `interval_us`, CompressedRequest (grpclite accepts only
//! uncompressed requests, so `expect_compressed` is always refused).
//! Responses are never compressed. UnimplementedCall answers UNIMPLEMENTED;
//! `grpc.testing.UnimplementedService` is not served.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use grpclite::api::{HealthReporter, Router, Server, ServerContext};
use grpclite::grpc::service::{RequestStream, ResponseSink};
use grpclite::grpc::{Code, Metadata, Status};
use grpclite::net::tls::{ClientAuth, ServerTls};
use grpclite::proto::grpc::testing::{
    test_service, BoolValue, EchoStatus, Empty, Payload, PayloadType, ResponseParameters,
    SimpleRequest, SimpleResponse, StreamingInputCallRequest, StreamingInputCallResponse,
    StreamingOutputCallRequest, StreamingOutputCallResponse,
};

/// Echo Metadata: this request key comes back in the initial metadata.
const ECHO_INITIAL_KEY: &str = "x-grpc-test-echo-initial";
/// Echo Metadata: this request key comes back in the trailers.
const ECHO_TRAILING_KEY: &str = "x-grpc-test-echo-trailing-bin";

/// Largest payload one response may ask for: the largest message grpclite
/// receives by default (4 MiB), less room for the response's own fields.
const MAX_RESPONSE_PAYLOAD: i32 = 4 * 1024 * 1024 - 64;

/// Longest `interval_us` honoured (10 s, the interop clients' deadline).
const MAX_INTERVAL: Duration = Duration::from_secs(10);

/// Requests a HalfDuplexCall buffers before it answers.
const MAX_HALF_DUPLEX_REQUESTS: usize = 1024;

/// How often a handler sleeping for `interval_us` checks whether its call
/// has ended (so a cancelled call frees its worker).
const CANCEL_POLL: Duration = Duration::from_millis(10);

/// `grpc.testing.TestService` for one call, the message logic; [`router`]
/// adds what the generated trait cannot express (echoed metadata).
struct TestService<'a> {
    /// Whether the call has ended (cancelled, past its deadline).
    call_ended: &'a (dyn Fn() -> bool + Sync),
}

/// A payload of `size` zero bytes. COMPRESSABLE is the only payload type;
/// UnaryCall: "If the server does not support the response_type, then it
/// should fail the RPC with INVALID_ARGUMENT".
fn zero_payload(response_type: PayloadType, size: i32) -> Result<Payload, Status> {
    if response_type != PayloadType::COMPRESSABLE {
        return Err(Status::new(
            Code::InvalidArgument,
            format!("unsupported response_type {}", response_type.0),
        ));
    }
    if !(0..=MAX_RESPONSE_PAYLOAD).contains(&size) {
        return Err(Status::new(
            Code::InvalidArgument,
            format!("response size {size} is outside 0..={MAX_RESPONSE_PAYLOAD}"),
        ));
    }
    Ok(Payload {
        r#type: response_type,
        body: vec![0; usize::try_from(size).unwrap_or(0)],
        ..Payload::default()
    })
}

/// Echo Status: a non-zero `response_status` ends the call with its code
/// and message, and nothing further is processed.
fn echo_status(response_status: Option<&EchoStatus>) -> Result<(), Status> {
    match response_status {
        Some(echo) if echo.code != 0 => {
            let code = u32::try_from(echo.code).map_or(Code::Unknown, Code::from_number);
            Err(Status::new(code, echo.message.clone()))
        }
        _ => Ok(()),
    }
}

/// CompressedRequest: `expect_compressed` asks the server to check that the
/// request came compressed. grpclite refuses compressed requests before a
/// handler runs, so a request that reaches one was not: INVALID_ARGUMENT.
fn check_expect_compressed(expect_compressed: Option<&BoolValue>) -> Result<(), Status> {
    match expect_compressed {
        Some(BoolValue { value: true, .. }) => Err(Status::new(
            Code::InvalidArgument,
            "expected a compressed request, got an uncompressed one",
        )),
        _ => Ok(()),
    }
}

impl TestService<'_> {
    /// Sleeps `interval_us`, in slices, until the call ends.
    fn pause(&self, interval_us: i32) -> Result<(), Status> {
        let micros = u64::try_from(interval_us).unwrap_or(0);
        let until = std::time::Instant::now() + Duration::from_micros(micros).min(MAX_INTERVAL);
        loop {
            if (self.call_ended)() {
                return Err(Status::cancelled("the call ended"));
            }
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(CANCEL_POLL));
        }
    }

    /// One response per ResponseParameters, each after its `interval_us`
    /// (interop-test-descriptions.md, "Observe ResponseParameters.interval_us").
    fn stream_responses(
        &self,
        request: &StreamingOutputCallRequest,
        responses: &mut dyn ResponseSink<StreamingOutputCallResponse>,
    ) -> Result<(), Status> {
        for ResponseParameters {
            size, interval_us, ..
        } in &request.response_parameters
        {
            if *interval_us > 0 {
                self.pause(*interval_us)?;
            }
            responses.send(StreamingOutputCallResponse {
                payload: Some(zero_payload(request.response_type, *size)?),
                ..StreamingOutputCallResponse::default()
            })?;
        }
        Ok(())
    }
}

impl test_service::Server for TestService<'_> {
    fn empty_call(&self, _request: Empty, _metadata: &Metadata) -> Result<Empty, Status> {
        Ok(Empty::default())
    }

    fn unary_call(
        &self,
        request: SimpleRequest,
        _metadata: &Metadata,
    ) -> Result<SimpleResponse, Status> {
        check_expect_compressed(request.expect_compressed.as_ref())?;
        echo_status(request.response_status.as_ref())?;
        Ok(SimpleResponse {
            payload: Some(zero_payload(request.response_type, request.response_size)?),
            ..SimpleResponse::default()
        })
    }

    fn cacheable_unary_call(
        &self,
        _request: SimpleRequest,
        _metadata: &Metadata,
    ) -> Result<SimpleResponse, Status> {
        // "the payload set to current timestamp ... formatted as ASCII decimal".
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Ok(SimpleResponse {
            payload: Some(Payload {
                body: nanos.to_string().into_bytes(),
                ..Payload::default()
            }),
            ..SimpleResponse::default()
        })
    }

    fn streaming_output_call(
        &self,
        request: StreamingOutputCallRequest,
        _metadata: &Metadata,
        responses: &mut dyn ResponseSink<StreamingOutputCallResponse>,
    ) -> Result<(), Status> {
        echo_status(request.response_status.as_ref())?;
        self.stream_responses(&request, responses)
    }

    fn streaming_input_call(
        &self,
        requests: &mut dyn RequestStream<StreamingInputCallRequest>,
        _metadata: &Metadata,
    ) -> Result<StreamingInputCallResponse, Status> {
        let mut size: i32 = 0;
        for request in requests {
            let request = request?;
            check_expect_compressed(request.expect_compressed.as_ref())?;
            let body = request.payload.map_or(0, |p| p.body.len());
            size = i32::try_from(body)
                .ok()
                .and_then(|body| size.checked_add(body))
                .ok_or_else(|| Status::new(Code::OutOfRange, "aggregated size over 2^31-1"))?;
        }
        Ok(StreamingInputCallResponse {
            aggregated_payload_size: size,
            ..StreamingInputCallResponse::default()
        })
    }

    fn full_duplex_call(
        &self,
        requests: &mut dyn RequestStream<StreamingOutputCallRequest>,
        _metadata: &Metadata,
        responses: &mut dyn ResponseSink<StreamingOutputCallResponse>,
    ) -> Result<(), Status> {
        for request in requests {
            let request = request?;
            echo_status(request.response_status.as_ref())?;
            self.stream_responses(&request, responses)?;
        }
        Ok(())
    }

    fn half_duplex_call(
        &self,
        requests: &mut dyn RequestStream<StreamingOutputCallRequest>,
        _metadata: &Metadata,
        responses: &mut dyn ResponseSink<StreamingOutputCallResponse>,
    ) -> Result<(), Status> {
        // Buffers every request, then answers them in order after half-close.
        let mut buffered = Vec::new();
        for request in requests {
            if buffered.len() == MAX_HALF_DUPLEX_REQUESTS {
                return Err(Status::new(
                    Code::ResourceExhausted,
                    format!("more than {MAX_HALF_DUPLEX_REQUESTS} requests"),
                ));
            }
            buffered.push(request?);
        }
        for request in &buffered {
            echo_status(request.response_status.as_ref())?;
            self.stream_responses(request, responses)?;
        }
        Ok(())
    }

    fn unimplemented_call(&self, _request: Empty, _metadata: &Metadata) -> Result<Empty, Status> {
        Err(Status::new(
            Code::Unimplemented,
            "UnimplementedCall is not implemented, by design",
        ))
    }
}

/// Echo Metadata: sends back the echo keys, each with exactly the values
/// received (initial metadata now, trailers when the call ends), with
/// `headers` added to the initial metadata.
fn echo_metadata(ctx: &mut ServerContext, headers: &[(&str, &str)]) {
    let mut initial = Metadata::new();
    let mut trailing = Metadata::new();
    // The keys are well-formed (they arrived as metadata, or are constants),
    // so appending them cannot fail.
    for (key, value) in headers {
        let _ = initial.append(key, value);
    }
    for (key, value) in ctx.metadata().iter() {
        if key == ECHO_INITIAL_KEY {
            let _ = initial.append(key, &String::from_utf8_lossy(value));
        } else if key == ECHO_TRAILING_KEY {
            let _ = trailing.append_bin(key, value.to_vec());
        }
    }
    if !initial.is_empty() {
        ctx.set_response_headers(initial);
    }
    for (key, value) in trailing.iter() {
        let _ = ctx.trailers_mut().append_bin(key, value.to_vec());
    }
}

/// Every TestService rpc (UnimplementedCall included, answering
/// UNIMPLEMENTED) and the health service.
fn router() -> Router {
    use test_service::Server as _;
    let mut router = Router::new();
    router.unary(test_service::EMPTY_CALL.path, move |ctx, request| {
        echo_metadata(ctx, &[]);
        TestService {
            call_ended: &|| ctx.is_cancelled(),
        }
        .empty_call(request, ctx.metadata())
    });
    router.unary(test_service::UNARY_CALL.path, move |ctx, request| {
        echo_metadata(ctx, &[]);
        TestService {
            call_ended: &|| ctx.is_cancelled(),
        }
        .unary_call(request, ctx.metadata())
    });
    router.unary(
        test_service::CACHEABLE_UNARY_CALL.path,
        move |ctx, request| {
            // CacheableUnaryCall: "cache control headers such that the response
            // can be cached by proxies ... max-age to 60 seconds".
            echo_metadata(ctx, &[("cache-control", "max-age=60")]);
            TestService {
                call_ended: &|| ctx.is_cancelled(),
            }
            .cacheable_unary_call(request, ctx.metadata())
        },
    );
    router.server_streaming(
        test_service::STREAMING_OUTPUT_CALL.path,
        move |ctx, request, responses| {
            echo_metadata(ctx, &[]);
            TestService {
                call_ended: &|| ctx.is_cancelled(),
            }
            .streaming_output_call(request, ctx.metadata(), responses)
        },
    );
    router.client_streaming(
        test_service::STREAMING_INPUT_CALL.path,
        move |ctx, requests| {
            echo_metadata(ctx, &[]);
            TestService {
                call_ended: &|| ctx.is_cancelled(),
            }
            .streaming_input_call(requests, ctx.metadata())
        },
    );
    router.bidi(
        test_service::FULL_DUPLEX_CALL.path,
        move |ctx, requests, responses| {
            echo_metadata(ctx, &[]);
            TestService {
                call_ended: &|| ctx.is_cancelled(),
            }
            .full_duplex_call(requests, ctx.metadata(), responses)
        },
    );
    router.bidi(
        test_service::HALF_DUPLEX_CALL.path,
        move |ctx, requests, responses| {
            echo_metadata(ctx, &[]);
            TestService {
                call_ended: &|| ctx.is_cancelled(),
            }
            .half_duplex_call(requests, ctx.metadata(), responses)
        },
    );
    router.unary(
        test_service::UNIMPLEMENTED_CALL.path,
        move |ctx, request| {
            TestService {
                call_ended: &|| ctx.is_cancelled(),
            }
            .unimplemented_call(request, ctx.metadata())
        },
    );
    router.merge(HealthReporter::new().router());
    router
}

/// The command line.
#[derive(Debug, Default)]
struct Flags {
    port: u16,
    use_tls: bool,
    tls_cert_file: Option<String>,
    tls_key_file: Option<String>,
    tls_client_ca_file: Option<String>,
}

const USAGE: &str = "usage: interop_server --port N [--use_tls --tls_cert_file C \
                     --tls_key_file K [--tls_client_ca_file CA]]";

fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(format!("--use_tls takes true or false, not {other:?}")),
    }
}

fn parse_flags(args: impl IntoIterator<Item = String>) -> Result<Flags, String> {
    let mut flags = Flags::default();
    let mut port = None;
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (arg.clone(), None),
        };
        if name == "--use_tls" {
            flags.use_tls = match inline {
                Some(value) => parse_bool(&value)?,
                // A bare `--use_tls`, or `--use_tls true`.
                None => match args.peek().map(|next| parse_bool(next)) {
                    Some(Ok(value)) => {
                        args.next();
                        value
                    }
                    _ => true,
                },
            };
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => args.next().ok_or_else(|| format!("{name} needs a value"))?,
        };
        match name.as_str() {
            "--port" => {
                port = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--port takes a port number, not {value:?}"))?,
                )
            }
            "--tls_cert_file" => flags.tls_cert_file = Some(value),
            "--tls_key_file" => flags.tls_key_file = Some(value),
            "--tls_client_ca_file" => flags.tls_client_ca_file = Some(value),
            _ => return Err(format!("unknown flag {name}")),
        }
    }
    flags.port = port.ok_or("--port is required")?;
    Ok(flags)
}

/// The TLS configuration the flags ask for, if any.
fn tls(flags: &Flags) -> Result<Option<ServerTls>, String> {
    if !flags.use_tls {
        return Ok(None);
    }
    let (Some(cert), Some(key)) = (&flags.tls_cert_file, &flags.tls_key_file) else {
        return Err("--use_tls needs --tls_cert_file and --tls_key_file".into());
    };
    let client_auth = match &flags.tls_client_ca_file {
        Some(ca) => ClientAuth::Required {
            ca_pem: std::fs::read(ca).map_err(|e| format!("cannot read {ca}: {e}"))?,
        },
        None => ClientAuth::None,
    };
    ServerTls::from_pem_files(cert, key, client_auth)
        .map(Some)
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let flags = match parse_flags(std::env::args().skip(1)) {
        Ok(flags) => flags,
        Err(e) => {
            eprintln!("interop_server: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let tls = match tls(&flags) {
        Ok(tls) => tls,
        Err(e) => {
            eprintln!("interop_server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut server = match Server::new(router()) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("interop_server: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(tls) = tls {
        server = server.tls(tls);
    }
    let handle = match server.spawn(SocketAddr::from((Ipv4Addr::UNSPECIFIED, flags.port))) {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("interop_server: cannot listen on port {}: {e}", flags.port);
            return ExitCode::FAILURE;
        }
    };
    println!("READY {}", handle.local_addr().port());
    // Serves until the process is killed; the handle keeps the server up.
    let _handle = handle;
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_in_both_forms() {
        let flags = parse_flags(args(&[
            "--port=5",
            "--use_tls",
            "--tls_cert_file",
            "c.pem",
            "--tls_key_file=k.pem",
        ]))
        .unwrap();
        assert_eq!(flags.port, 5);
        assert!(flags.use_tls);
        assert_eq!(flags.tls_cert_file.as_deref(), Some("c.pem"));
        assert_eq!(flags.tls_key_file.as_deref(), Some("k.pem"));
        assert!(
            !parse_flags(args(&["--port", "6", "--use_tls=false"]))
                .unwrap()
                .use_tls
        );
        assert!(
            parse_flags(args(&["--port", "6", "--use_tls", "true"]))
                .unwrap()
                .use_tls
        );
        assert_eq!(
            parse_flags(args(&["--use_tls"])).unwrap_err(),
            "--port is required"
        );
        assert_eq!(
            parse_flags(args(&["--port=1", "--bogus=2"])).unwrap_err(),
            "unknown flag --bogus"
        );
    }

    #[test]
    fn echo_status_and_payloads() {
        let status = echo_status(Some(&EchoStatus {
            code: 2,
            message: "bad".into(),
            ..EchoStatus::default()
        }))
        .unwrap_err();
        assert_eq!(
            (status.code, status.message.as_str()),
            (Code::Unknown, "bad")
        );
        assert!(echo_status(Some(&EchoStatus::default())).is_ok());
        assert_eq!(
            zero_payload(PayloadType::COMPRESSABLE, 3).unwrap().body,
            [0, 0, 0]
        );
        assert_eq!(
            zero_payload(PayloadType(7), 3).unwrap_err().code,
            Code::InvalidArgument
        );
        assert_eq!(
            zero_payload(PayloadType::COMPRESSABLE, -1)
                .unwrap_err()
                .code,
            Code::InvalidArgument
        );
    }

    #[test]
    fn a_call_that_ends_stops_its_interval() {
        use test_service::Server as _;
        let request = StreamingOutputCallRequest {
            response_parameters: vec![ResponseParameters {
                size: 1,
                interval_us: 5_000_000,
                ..ResponseParameters::default()
            }],
            ..StreamingOutputCallRequest::default()
        };
        let start = std::time::Instant::now();
        let mut sent: Vec<StreamingOutputCallResponse> = Vec::new();
        let status = TestService {
            call_ended: &|| true,
        }
        .streaming_output_call(request, &Metadata::new(), &mut sent)
        .unwrap_err();
        assert_eq!(status.code, Code::Cancelled);
        assert!(sent.is_empty());
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn streaming_calls_answer_each_parameter_in_order() {
        use test_service::Server as _;
        let request = StreamingOutputCallRequest {
            response_parameters: [1, 0, 2]
                .into_iter()
                .map(|size| ResponseParameters {
                    size,
                    ..ResponseParameters::default()
                })
                .collect(),
            ..StreamingOutputCallRequest::default()
        };
        let service = TestService {
            call_ended: &|| false,
        };
        let mut sent: Vec<StreamingOutputCallResponse> = Vec::new();
        service
            .half_duplex_call(
                &mut vec![Ok(request.clone()), Ok(request)].into_iter(),
                &Metadata::new(),
                &mut sent,
            )
            .unwrap();
        let sizes: Vec<usize> = sent
            .iter()
            .map(|r| r.payload.as_ref().map_or(99, |p| p.body.len()))
            .collect();
        assert_eq!(sizes, [1, 0, 2, 1, 0, 2]);
        let total = service
            .streaming_input_call(
                &mut [3usize, 0, 5].into_iter().map(|n| {
                    Ok(StreamingInputCallRequest {
                        payload: Some(Payload {
                            body: vec![1; n],
                            ..Payload::default()
                        }),
                        ..StreamingInputCallRequest::default()
                    })
                }),
                &Metadata::new(),
            )
            .unwrap();
        assert_eq!(total.aggregated_payload_size, 8);
    }
}
