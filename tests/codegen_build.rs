//! The build-script entry points (`compile_protos`, `Config`) and the
//! generated interop types (`grpclite::proto`) against grpcio's Python
//! protobuf runtime and its service shapes.

use std::path::{Path, PathBuf};
use std::process::Command;

use grpclite::build::{Config, Error};
use grpclite::grpc::service::{RequestStream, ResponseSink};
use grpclite::grpc::{CallKind, Code, Metadata, Status};
use grpclite::proto::grpc::health::v1 as health_v1;
use grpclite::proto::grpc::testing;
use grpclite::wire::Message;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory under the target dir for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

#[test]
fn config_compile_writes_the_output_file() {
    let out = scratch("codegen_out");
    Config::new()
        .out_dir(&out)
        .include_path(root().join("proto"))
        .compile(&["grpc/health/v1/health.proto"])
        .expect("compiles");
    let code = std::fs::read_to_string(out.join("protos.rs")).expect("protos.rs written");
    assert!(code.contains("pub mod grpc {"));
    assert!(code.contains("pub struct HealthCheckRequest {"));
    assert!(code.contains("\"/grpc.health.v1.Health/Watch\""));
    assert!(code.contains("use ::grpclite::wire;"));
    assert!(code.contains("impl wire::Message for HealthCheckResponse"));
}

#[test]
fn files_are_named_by_disk_path_under_an_include_dir_or_by_import_name() {
    let include = root().join("proto");
    let by_path = Config::new()
        .include_path(&include)
        .compile_to_string(&[include
            .join("grpc/health/v1/health.proto")
            .to_str()
            .unwrap()])
        .unwrap();
    let by_name = Config::new()
        .include_path(&include)
        .compile_to_string(&["grpc/health/v1/health.proto"])
        .unwrap();
    assert_eq!(by_path, by_name);
}

#[test]
fn services_can_be_left_out() {
    let code = Config::new()
        .include_path(root().join("proto"))
        .generate_services(false)
        .compile_to_string(&["grpc/health/v1/health.proto"])
        .unwrap();
    assert!(code.contains("pub struct HealthCheckRequest {"));
    assert!(!code.contains("pub trait Server"));
    assert!(!code.contains("SERVICE_NAME"));
}

#[test]
fn schema_errors_come_back_as_rustc_style_diagnostics() {
    let dir = scratch("codegen_bad");
    std::fs::write(
        dir.join("bad.proto"),
        "syntax = \"proto3\";\nmessage A {\n  strin name = 1;\n}\n",
    )
    .unwrap();
    let err = Config::new()
        .include_path(&dir)
        .compile_to_string(&["bad.proto"])
        .unwrap_err();
    assert!(matches!(err, Error::Schema(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("error: "), "{text}");
    assert!(text.contains("--> bad.proto:3:3"), "{text}");
    assert!(text.contains("3 |   strin name = 1;"), "{text}");

    let missing = Config::new()
        .include_path(&dir)
        .compile_to_string(&["absent.proto"])
        .unwrap_err();
    assert!(missing.to_string().contains("absent.proto"), "{missing}");
}

#[test]
fn method_descriptors_name_the_paths_and_kinds() {
    use testing::test_service;
    assert_eq!(test_service::SERVICE_NAME, "grpc.testing.TestService");
    assert_eq!(test_service::METHODS.len(), 8);
    assert_eq!(
        test_service::FULL_DUPLEX_CALL.path,
        "/grpc.testing.TestService/FullDuplexCall"
    );
    assert_eq!(test_service::FULL_DUPLEX_CALL.kind, CallKind::Bidi);
    assert_eq!(
        test_service::STREAMING_INPUT_CALL.kind,
        CallKind::ClientStreaming
    );
    assert_eq!(
        test_service::STREAMING_OUTPUT_CALL.request_type,
        "grpc.testing.StreamingOutputCallRequest"
    );
    assert_eq!(health_v1::health::WATCH.kind, CallKind::ServerStreaming);
}

/// A health service written against the generated trait.
struct Health;

impl health_v1::health::Server for Health {
    fn check(
        &self,
        request: health_v1::HealthCheckRequest,
        _metadata: &Metadata,
    ) -> Result<health_v1::HealthCheckResponse, Status> {
        use health_v1::health_check_response::ServingStatus;
        match request.service.as_str() {
            "" => Ok(health_v1::HealthCheckResponse {
                status: ServingStatus::SERVING,
                ..Default::default()
            }),
            _ => Err(Status::new(Code::NotFound, "unknown service")),
        }
    }

    fn list(
        &self,
        _request: health_v1::HealthListRequest,
        _metadata: &Metadata,
    ) -> Result<health_v1::HealthListResponse, Status> {
        Ok(health_v1::HealthListResponse::default())
    }

    fn watch(
        &self,
        request: health_v1::HealthCheckRequest,
        metadata: &Metadata,
        responses: &mut dyn ResponseSink<health_v1::HealthCheckResponse>,
    ) -> Result<(), Status> {
        responses.send(self.check(request, metadata)?)?;
        Ok(())
    }
}

fn sum_sizes(
    requests: &mut dyn RequestStream<testing::StreamingInputCallRequest>,
) -> Result<i32, Status> {
    let mut total = 0;
    for request in requests {
        total += request?.payload.map_or(0, |p| p.body.len() as i32);
    }
    Ok(total)
}

#[test]
fn a_service_implements_the_generated_trait() {
    use health_v1::health::Server;
    let metadata = Metadata::new();
    let ok = Health
        .check(health_v1::HealthCheckRequest::default(), &metadata)
        .unwrap();
    assert_eq!(ok.encode_to_vec(), [0x08, 0x01]);
    let err = Health
        .check(
            health_v1::HealthCheckRequest {
                service: "x".into(),
                ..Default::default()
            },
            &metadata,
        )
        .unwrap_err();
    assert_eq!(err.code, Code::NotFound);
    let mut sent = Vec::new();
    Health
        .watch(Default::default(), &metadata, &mut sent)
        .unwrap();
    assert_eq!(sent, [ok]);

    let payload = |n: usize| testing::StreamingInputCallRequest {
        payload: Some(testing::Payload {
            body: vec![0; n],
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut requests = vec![Ok(payload(3)), Ok(payload(4))].into_iter();
    assert_eq!(sum_sizes(&mut requests), Ok(7));
}

/// A loopback channel: runs calls on a `Health` server in the same thread.
struct Loopback<S>(S);

impl<S: health_v1::health::Server> grpclite::grpc::service::Invoke for Loopback<S> {
    fn invoke(
        &self,
        method: &grpclite::grpc::service::Method,
        metadata: &Metadata,
        requests: &mut dyn Iterator<Item = Vec<u8>>,
        responses: &mut dyn ResponseSink<Vec<u8>>,
    ) -> Result<(), Status> {
        let decode = |bytes: Option<Vec<u8>>| {
            health_v1::HealthCheckRequest::decode(&bytes.unwrap_or_default())
                .map_err(|e| Status::new(Code::Internal, e.to_string()))
        };
        match method.path {
            p if p == health_v1::health::CHECK.path => {
                let response = self.0.check(decode(requests.next())?, metadata)?;
                responses.send(response.encode_to_vec())
            }
            p if p == health_v1::health::WATCH.path => {
                let mut typed = Vec::new();
                self.0
                    .watch(decode(requests.next())?, metadata, &mut typed)?;
                for r in typed {
                    responses.send(r.encode_to_vec())?;
                }
                Ok(())
            }
            _ => Err(Status::new(Code::Unimplemented, method.path)),
        }
    }
}

#[test]
fn a_generated_client_calls_a_generated_server_through_invoke() {
    use health_v1::health::Client;
    use health_v1::health_check_response::ServingStatus;
    let client = Client {
        channel: Loopback(Health),
    };
    let metadata = Metadata::new();
    let response = client
        .check(&health_v1::HealthCheckRequest::default(), &metadata)
        .unwrap();
    assert_eq!(response.status, ServingStatus::SERVING);
    let err = client
        .check(
            &health_v1::HealthCheckRequest {
                service: "nope".into(),
                ..Default::default()
            },
            &metadata,
        )
        .unwrap_err();
    assert_eq!(err.code, Code::NotFound);
    let mut watched = Vec::new();
    client
        .watch(&Default::default(), &metadata, &mut watched)
        .unwrap();
    assert_eq!(watched, [response]);
    let unimplemented = client.list(&Default::default(), &metadata).unwrap_err();
    assert_eq!(unimplemented.code, Code::Unimplemented);
}

/// Encodes a `SimpleRequest` with the Python protobuf runtime (from
/// protoc-generated `messages_pb2`) and returns the bytes.
fn python_simple_request() -> Vec<u8> {
    let python = root().join(".peers/venv/bin/python3");
    assert!(
        python.exists(),
        "missing peer {}: run `ln -s /work/main/.peers .peers` (or .ci/setup-peers)",
        python.display()
    );
    // Compiled as a top-level `messages.proto`: a `grpc.testing` Python
    // package would clash with grpcio's own `grpc` package.
    let out = scratch("codegen_python");
    std::fs::copy(
        root().join("proto/grpc/testing/messages.proto"),
        out.join("messages.proto"),
    )
    .expect("copy messages.proto");
    let status = Command::new(&python)
        .args(["-m", "grpc_tools.protoc"])
        .arg(format!("-I{}", out.display()))
        .arg(format!("--python_out={}", out.display()))
        .arg("messages.proto")
        .status()
        .expect("run grpc_tools.protoc");
    assert!(status.success(), "grpc_tools.protoc failed");
    let script = r#"
import sys
import messages_pb2 as m
r = m.SimpleRequest()
r.response_type = m.COMPRESSABLE
r.response_size = 314159
r.payload.body = b"\x00" * 5
r.fill_username = True
r.response_compressed.value = True
r.response_status.code = 2
r.response_status.message = "caf\u00e9"
r.orca_per_query_report.cpu_utilization = 0.5
r.orca_per_query_report.request_cost["q"] = 1.25
sys.stdout.write(r.SerializeToString().hex())
"#;
    let output = Command::new(&python)
        .arg("-c")
        .arg(script)
        .env("PYTHONPATH", &out)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let hex = String::from_utf8(output.stdout).unwrap();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn generated_interop_messages_match_the_python_protobuf_runtime() {
    let expected = python_simple_request();
    let request = testing::SimpleRequest {
        response_type: testing::PayloadType::COMPRESSABLE,
        response_size: 314159,
        payload: Some(testing::Payload {
            body: vec![0; 5],
            ..Default::default()
        }),
        fill_username: true,
        response_compressed: Some(testing::BoolValue {
            value: true,
            ..Default::default()
        }),
        response_status: Some(testing::EchoStatus {
            code: 2,
            message: "caf\u{e9}".into(),
            ..Default::default()
        }),
        orca_per_query_report: Some(testing::TestOrcaReport {
            cpu_utilization: 0.5,
            request_cost: [("q".to_string(), 1.25)].into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(request.encode_to_vec(), expected);
    assert_eq!(testing::SimpleRequest::decode(&expected), Ok(request));
}

#[test]
fn committed_protos_exist_where_the_crate_expects_them() {
    for p in [
        "proto/grpc/testing/test.proto",
        "proto/grpc/health/v1/health.proto",
    ] {
        assert!(Path::new(&root().join(p)).is_file(), "{p}");
    }
}
