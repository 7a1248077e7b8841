//! The gRPC interop client: the client test cases of
//! `interop-test-descriptions.md`, each with every assertion listed there,
//! on a blocking [`Channel`] with the generated `grpc.testing` types.
//!
//! ```text
//! interop_client --server_host H --server_port N --test_case NAME|all
//!                [--use_tls [--ca_file F] [--server_host_override NAME]
//!                 [--tls_client_cert_file C --tls_client_key_file K]]
//! ```
//!
//! Prints `PASS <case>` or `FAIL <case>: <reason>` per case and exits 1 if
//! any case failed. Flags take `--flag value` or `--flag=value`;
//! `--test_case` also takes a comma-separated list.
//!
//! Calls whose whole exchange fits [`Invoke`](grpclite::grpc::service::Invoke)
//! go through the generated `Client`; the cases that interleave sends and
//! receives, cancel, set a short deadline or read response metadata use the
//! channel's call handles.

use std::process::ExitCode;
use std::time::Duration;

use grpclite::api::{CallOptions, Channel};
use grpclite::grpc::{Code, Metadata, Status};
use grpclite::proto::grpc::testing::{
    test_service, unimplemented_service, EchoStatus, Empty, Payload, PayloadType,
    ResponseParameters, SimpleRequest, SimpleResponse, StreamingInputCallRequest,
    StreamingOutputCallRequest, StreamingOutputCallResponse,
};

/// No case should take long against a local server; a hung case fails instead.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// The metadata custom_metadata sends and expects echoed back.
const ECHO_INITIAL: (&str, &str) = ("x-grpc-test-echo-initial", "test_initial_metadata_value");
const ECHO_TRAILING: (&str, &[u8]) = ("x-grpc-test-echo-trailing-bin", &[0xab, 0xab, 0xab]);

/// server_streaming and ping_pong: the response sizes, in order.
const RESPONSE_SIZES: [i32; 4] = [31415, 9, 2653, 58979];
/// client_streaming and ping_pong: the request payload sizes, in order.
const REQUEST_SIZES: [i32; 4] = [27182, 8, 1828, 45904];

/// What a case has to call through.
struct Stubs {
    channel: Channel,
    test: test_service::Client<Channel>,
    unimplemented: unimplemented_service::Client<Channel>,
}

/// A case's verdict: `Err` carries the reason it failed.
type Outcome = Result<(), String>;

fn check(condition: bool, reason: impl FnOnce() -> String) -> Outcome {
    if condition {
        Ok(())
    } else {
        Err(reason())
    }
}

fn unexpected(status: Status) -> String {
    format!(
        "unexpected status {}: {}",
        status.code.name(),
        status.message
    )
}

fn zeros(size: i32) -> Option<Payload> {
    Some(Payload {
        body: vec![0; usize::try_from(size).unwrap_or(0)],
        ..Payload::default()
    })
}

/// The payload is COMPRESSABLE, `size` bytes, all zeros.
fn check_payload(payload: Option<&Payload>, size: i32, what: &str) -> Outcome {
    let Some(payload) = payload else {
        return Err(format!("{what}: no payload"));
    };
    check(payload.r#type == PayloadType::COMPRESSABLE, || {
        format!(
            "{what}: payload type {}, want COMPRESSABLE",
            payload.r#type.0
        )
    })?;
    check(
        usize::try_from(size).is_ok_and(|size| payload.body.len() == size),
        || {
            format!(
                "{what}: payload body is {} bytes, want {size}",
                payload.body.len()
            )
        },
    )?;
    check(payload.body.iter().all(|b| *b == 0), || {
        format!("{what}: payload body is not all zeros")
    })
}

fn check_code(status: &Status, want: Code, what: &str) -> Outcome {
    check(status.code == want, || {
        format!(
            "{what}: status {} ({:?}), want {}",
            status.code.name(),
            status.message,
            want.name()
        )
    })
}

fn options() -> CallOptions {
    CallOptions::timeout(CALL_TIMEOUT)
}

fn streaming_request(response_size: i32, request_size: i32) -> StreamingOutputCallRequest {
    StreamingOutputCallRequest {
        response_type: PayloadType::COMPRESSABLE,
        response_parameters: vec![ResponseParameters {
            size: response_size,
            ..ResponseParameters::default()
        }],
        payload: zeros(request_size),
        ..StreamingOutputCallRequest::default()
    }
}

fn large_request() -> SimpleRequest {
    SimpleRequest {
        response_type: PayloadType::COMPRESSABLE,
        response_size: 314159,
        payload: zeros(271828),
        ..SimpleRequest::default()
    }
}

fn empty_unary(stubs: &Stubs) -> Outcome {
    let response = stubs
        .test
        .empty_call(&Empty::default(), &Metadata::new())
        .map_err(unexpected)?;
    check(response == Empty::default(), || {
        format!("response is {response:?}, want an empty Empty")
    })
}

fn large_unary(stubs: &Stubs) -> Outcome {
    let response = stubs
        .test
        .unary_call(&large_request(), &Metadata::new())
        .map_err(unexpected)?;
    check_payload(response.payload.as_ref(), 314159, "response")
}

fn client_streaming(stubs: &Stubs) -> Outcome {
    let mut requests = REQUEST_SIZES.iter().map(|size| StreamingInputCallRequest {
        payload: zeros(*size),
        ..StreamingInputCallRequest::default()
    });
    let response = stubs
        .test
        .streaming_input_call(&mut requests, &Metadata::new())
        .map_err(unexpected)?;
    check(response.aggregated_payload_size == 74922, || {
        format!(
            "aggregated_payload_size {}, want 74922",
            response.aggregated_payload_size
        )
    })
}

fn server_streaming(stubs: &Stubs) -> Outcome {
    let request = StreamingOutputCallRequest {
        response_type: PayloadType::COMPRESSABLE,
        response_parameters: RESPONSE_SIZES
            .iter()
            .map(|size| ResponseParameters {
                size: *size,
                ..ResponseParameters::default()
            })
            .collect(),
        ..StreamingOutputCallRequest::default()
    };
    let mut responses: Vec<StreamingOutputCallResponse> = Vec::new();
    // `Ok` here means the call ended with status OK.
    stubs
        .test
        .streaming_output_call(&request, &Metadata::new(), &mut responses)
        .map_err(unexpected)?;
    check(responses.len() == 4, || {
        format!("{} responses, want 4", responses.len())
    })?;
    for (index, (response, size)) in responses.iter().zip(RESPONSE_SIZES).enumerate() {
        check_payload(
            response.payload.as_ref(),
            size,
            &format!("response {index}"),
        )?;
    }
    Ok(())
}

fn ping_pong(stubs: &Stubs) -> Outcome {
    let mut call = stubs
        .channel
        .bidi::<StreamingOutputCallRequest, StreamingOutputCallResponse>(
            test_service::FULL_DUPLEX_CALL.path,
            options(),
        );
    for (index, (response_size, request_size)) in
        RESPONSE_SIZES.into_iter().zip(REQUEST_SIZES).enumerate()
    {
        call.send(&streaming_request(response_size, request_size))
            .map_err(unexpected)?;
        let response = match call.recv() {
            Some(response) => response.map_err(unexpected)?,
            None => return Err(format!("stream ended after {index} responses, want 4")),
        };
        check_payload(
            response.payload.as_ref(),
            response_size,
            &format!("response {index}"),
        )?;
    }
    call.close_send().map_err(unexpected)?;
    let mut extra = 0;
    while let Some(response) = call.recv() {
        response.map_err(unexpected)?;
        extra += 1;
    }
    check(extra == 0, || {
        format!("{extra} responses after the fourth, want none")
    })?;
    call.finish().map_err(unexpected)?;
    Ok(())
}

fn empty_stream(stubs: &Stubs) -> Outcome {
    let mut responses: Vec<StreamingOutputCallResponse> = Vec::new();
    stubs
        .test
        .full_duplex_call(&mut std::iter::empty(), &Metadata::new(), &mut responses)
        .map_err(unexpected)?;
    check(responses.is_empty(), || {
        format!("{} responses, want none", responses.len())
    })
}

fn cancel_after_begin(stubs: &Stubs) -> Outcome {
    let mut call = stubs
        .channel
        .client_streaming::<StreamingInputCallRequest, grpclite::proto::grpc::testing::StreamingInputCallResponse>(
            test_service::STREAMING_INPUT_CALL.path,
            options(),
        );
    call.cancel();
    match call.close_and_recv() {
        Ok(response) => Err(format!(
            "the call succeeded after cancelling: {:?}",
            response.message
        )),
        Err(status) => check_code(&status, Code::Cancelled, "call"),
    }
}

fn cancel_after_first_response(stubs: &Stubs) -> Outcome {
    let mut call = stubs
        .channel
        .bidi::<StreamingOutputCallRequest, StreamingOutputCallResponse>(
            test_service::FULL_DUPLEX_CALL.path,
            options(),
        );
    call.send(&streaming_request(31415, 27182))
        .map_err(unexpected)?;
    let response = match call.recv() {
        Some(response) => response.map_err(unexpected)?,
        None => return Err("stream ended before the first response".to_string()),
    };
    check_payload(response.payload.as_ref(), 31415, "first response")?;
    call.cancel();
    match call.recv() {
        Some(Ok(_)) => Err("a response arrived after cancelling".to_string()),
        None => Err("the call ended OK after cancelling".to_string()),
        Some(Err(status)) => check_code(&status, Code::Cancelled, "call"),
    }
}

fn timeout_on_sleeping_server(stubs: &Stubs) -> Outcome {
    let mut call = stubs
        .channel
        .bidi::<StreamingOutputCallRequest, StreamingOutputCallResponse>(
            test_service::FULL_DUPLEX_CALL.path,
            CallOptions::timeout(Duration::from_millis(1)),
        );
    // The send may already find the call past its deadline; either way the
    // status comes from `recv`.
    let _ = call.send(&StreamingOutputCallRequest {
        payload: zeros(27182),
        ..StreamingOutputCallRequest::default()
    });
    loop {
        match call.recv() {
            Some(Ok(_)) => {}
            None => return Err("the call ended without an error".to_string()),
            Some(Err(status)) => return check_code(&status, Code::DeadlineExceeded, "call"),
        }
    }
}

/// The server echoed the initial value in the response headers and the
/// binary trailing value in the trailers.
fn check_echoed(headers: Option<&Metadata>, trailers: Option<&Metadata>, what: &str) -> Outcome {
    let initial = headers.and_then(|m| m.get(ECHO_INITIAL.0));
    check(initial == Some(ECHO_INITIAL.1.as_bytes()), || {
        format!(
            "{what}: initial metadata {:?} = {initial:?}, want {:?}",
            ECHO_INITIAL.0, ECHO_INITIAL.1
        )
    })?;
    let trailing = trailers.and_then(|m| m.get(ECHO_TRAILING.0));
    check(trailing == Some(ECHO_TRAILING.1), || {
        format!(
            "{what}: trailing metadata {:?} = {trailing:?}, want {:?}",
            ECHO_TRAILING.0, ECHO_TRAILING.1
        )
    })
}

fn echo_options() -> Result<CallOptions, String> {
    let mut options = options();
    options
        .metadata
        .append(ECHO_INITIAL.0, ECHO_INITIAL.1)
        .map_err(|e| format!("metadata {}: {e}", ECHO_INITIAL.0))?;
    options
        .metadata
        .append_bin(ECHO_TRAILING.0, ECHO_TRAILING.1.to_vec())
        .map_err(|e| format!("metadata {}: {e}", ECHO_TRAILING.0))?;
    Ok(options)
}

fn custom_metadata(stubs: &Stubs) -> Outcome {
    let response = stubs
        .channel
        .unary::<SimpleRequest, SimpleResponse>(
            test_service::UNARY_CALL.path,
            &large_request(),
            echo_options()?,
        )
        .map_err(unexpected)?;
    check_payload(
        response.message.payload.as_ref(),
        314159,
        "UnaryCall response",
    )?;
    check_echoed(
        Some(&response.headers),
        Some(&response.trailers),
        "UnaryCall",
    )?;

    let mut call = stubs
        .channel
        .bidi::<StreamingOutputCallRequest, StreamingOutputCallResponse>(
            test_service::FULL_DUPLEX_CALL.path,
            echo_options()?,
        );
    call.send(&streaming_request(314159, 271828))
        .map_err(unexpected)?;
    call.close_send().map_err(unexpected)?;
    let mut responses = Vec::new();
    while let Some(response) = call.recv() {
        responses.push(response.map_err(unexpected)?);
    }
    check(responses.len() == 1, || {
        format!("FullDuplexCall: {} responses, want 1", responses.len())
    })?;
    check_payload(
        responses.first().and_then(|r| r.payload.as_ref()),
        314159,
        "FullDuplexCall response",
    )?;
    call.finish().map_err(unexpected)?;
    check_echoed(call.headers(), call.trailers(), "FullDuplexCall")
}

/// The server ends a call with the status the request asks it to echo:
/// on UnaryCall, and on FullDuplexCall too when `both`.
fn check_echoed_status(stubs: &Stubs, code: i32, message: &str, both: bool) -> Outcome {
    let want = Code::from_number(u32::try_from(code).unwrap_or(u32::MAX));
    let status = Some(EchoStatus {
        code,
        message: message.to_string(),
        ..EchoStatus::default()
    });
    let request = SimpleRequest {
        response_status: status.clone(),
        ..SimpleRequest::default()
    };
    match stubs.test.unary_call(&request, &Metadata::new()) {
        Ok(_) => return Err(format!("UnaryCall succeeded, want status {code}")),
        Err(status) => {
            check_code(&status, want, "UnaryCall")?;
            check(status.message == message, || {
                format!("UnaryCall: message {:?}, want {message:?}", status.message)
            })?;
        }
    }
    if !both {
        return Ok(());
    }
    let mut requests = std::iter::once(StreamingOutputCallRequest {
        response_status: status,
        ..StreamingOutputCallRequest::default()
    });
    let mut responses: Vec<StreamingOutputCallResponse> = Vec::new();
    match stubs
        .test
        .full_duplex_call(&mut requests, &Metadata::new(), &mut responses)
    {
        Ok(()) => Err(format!(
            "FullDuplexCall ended OK after {} responses, want status {code}",
            responses.len()
        )),
        Err(status) => {
            check_code(&status, want, "FullDuplexCall")?;
            check(status.message == message, || {
                format!(
                    "FullDuplexCall: message {:?}, want {message:?}",
                    status.message
                )
            })
        }
    }
}

fn status_code_and_message(stubs: &Stubs) -> Outcome {
    check_echoed_status(stubs, 2, "test status message", true)
}

fn special_status_message(stubs: &Stubs) -> Outcome {
    let message = "\t\ntest with whitespace\r\nand Unicode BMP \u{263a} and non-BMP \u{1f608}\t\n";
    check_echoed_status(stubs, 2, message, false)
}

fn check_unimplemented(result: Result<Empty, Status>, what: &str) -> Outcome {
    match result {
        Ok(_) => Err(format!("{what} succeeded, want UNIMPLEMENTED")),
        Err(status) => check_code(&status, Code::Unimplemented, what),
    }
}

fn unimplemented_method(stubs: &Stubs) -> Outcome {
    check_unimplemented(
        stubs
            .test
            .unimplemented_call(&Empty::default(), &Metadata::new()),
        "TestService/UnimplementedCall",
    )
}

fn unimplemented_service(stubs: &Stubs) -> Outcome {
    check_unimplemented(
        stubs
            .unimplemented
            .unimplemented_call(&Empty::default(), &Metadata::new()),
        "UnimplementedService/UnimplementedCall",
    )
}

/// A case by name.
type Case = (&'static str, fn(&Stubs) -> Outcome);

/// Every case, in the order `all` runs them.
const CASES: [Case; 14] = [
    ("empty_unary", empty_unary),
    ("large_unary", large_unary),
    ("client_streaming", client_streaming),
    ("server_streaming", server_streaming),
    ("ping_pong", ping_pong),
    ("empty_stream", empty_stream),
    ("cancel_after_begin", cancel_after_begin),
    ("cancel_after_first_response", cancel_after_first_response),
    ("timeout_on_sleeping_server", timeout_on_sleeping_server),
    ("custom_metadata", custom_metadata),
    ("status_code_and_message", status_code_and_message),
    ("special_status_message", special_status_message),
    ("unimplemented_method", unimplemented_method),
    ("unimplemented_service", unimplemented_service),
];

/// The command line.
#[derive(Debug, Default)]
struct Args {
    server_host: String,
    server_port: u16,
    test_case: String,
    use_tls: bool,
    ca_file: Option<String>,
    server_host_override: Option<String>,
    tls_client_cert_file: Option<String>,
    tls_client_key_file: Option<String>,
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("not a boolean: {value:?}")),
    }
}

fn parse_args(mut raw: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        server_host: "localhost".to_string(),
        test_case: "all".to_string(),
        ..Args::default()
    };
    let mut port = None;
    while let Some(arg) = raw.next() {
        let Some(flag) = arg.strip_prefix("--") else {
            return Err(format!("unexpected argument {arg:?}"));
        };
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (flag, None),
        };
        if name == "use_tls" {
            args.use_tls = match inline {
                Some(value) => parse_bool(&value)?,
                None => true,
            };
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => raw
                .next()
                .ok_or_else(|| format!("--{name} needs a value"))?,
        };
        match name {
            "server_host" => args.server_host = value,
            "server_port" => {
                port = Some(
                    value
                        .parse()
                        .map_err(|_| format!("bad --server_port {value:?}"))?,
                )
            }
            "test_case" => args.test_case = value,
            "ca_file" => args.ca_file = Some(value),
            "server_host_override" => args.server_host_override = Some(value),
            "tls_client_cert_file" => args.tls_client_cert_file = Some(value),
            "tls_client_key_file" => args.tls_client_key_file = Some(value),
            "use_test_ca" => {
                parse_bool(&value)?;
            }
            _ => return Err(format!("unknown flag --{name}")),
        }
    }
    args.server_port = port.ok_or("--server_port is required")?;
    if args.tls_client_cert_file.is_some() != args.tls_client_key_file.is_some() {
        return Err("--tls_client_cert_file and --tls_client_key_file go together".to_string());
    }
    Ok(args)
}

fn connect(args: &Args) -> Result<Channel, String> {
    let scheme = if args.use_tls { "https" } else { "http" };
    let mut builder = Channel::builder(format!(
        "{scheme}://{}:{}",
        args.server_host, args.server_port
    ))
    .default_timeout(CALL_TIMEOUT);
    if let Some(ca_file) = &args.ca_file {
        builder = builder.ca_file(ca_file);
    }
    if let Some(name) = &args.server_host_override {
        builder = builder.server_name_override(name);
    }
    if let (Some(cert), Some(key)) = (&args.tls_client_cert_file, &args.tls_client_key_file) {
        let cert = std::fs::read(cert).map_err(|e| format!("{cert}: {e}"))?;
        let key = std::fs::read(key).map_err(|e| format!("{key}: {e}"))?;
        builder = builder.client_identity_pem(cert, key);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the channel: {e}"))
}

/// One line per report: newlines and backslashes escaped, as the other
/// interop clients print them.
fn one_line(reason: &str) -> String {
    reason
        .replace('\\', "\\\\")
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(reason) => {
            eprintln!("interop_client: {reason}");
            return ExitCode::from(2);
        }
    };
    let selected: Vec<Case> = if args.test_case == "all" {
        CASES.to_vec()
    } else {
        let mut selected = Vec::new();
        for name in args.test_case.split(',') {
            match CASES.iter().find(|(case, _)| *case == name) {
                Some(case) => selected.push(*case),
                None => {
                    eprintln!("interop_client: unknown test case {name:?}");
                    return ExitCode::from(2);
                }
            }
        }
        selected
    };
    let channel = match connect(&args) {
        Ok(channel) => channel,
        Err(reason) => {
            eprintln!("interop_client: {reason}");
            return ExitCode::from(2);
        }
    };
    let stubs = Stubs {
        test: test_service::Client {
            channel: channel.clone(),
        },
        unimplemented: unimplemented_service::Client {
            channel: channel.clone(),
        },
        channel,
    };
    let mut failures = 0;
    for (name, case) in selected {
        match case(&stubs) {
            Ok(()) => println!("PASS {name}"),
            Err(reason) => {
                failures += 1;
                println!("FAIL {name}: {}", one_line(&reason));
            }
        }
    }
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
