//! Generated message types and service descriptors for the protos grpclite
//! itself speaks: the interop test service (`grpc.testing`, from
//! `proto/grpc/testing/{empty,messages,test}.proto`) and health checking
//! (`grpc.health.v1`, from `proto/grpc/health/v1/health.proto`).
//!
//! `generated.rs` is the code generator's output, committed; the test
//! `tests/codegen_generated.rs` regenerates it and fails if it differs.
//!
//! ```
//! use grpclite::proto::grpc::health::v1::{health, HealthCheckRequest};
//! use grpclite::wire::Message;
//!
//! assert_eq!(health::CHECK.path, "/grpc.health.v1.Health/Check");
//! let request = HealthCheckRequest { service: "echo".into(), ..Default::default() };
//! assert_eq!(request.encode_to_vec(), b"\x0a\x04echo");
//! ```

mod generated;

pub use generated::grpc;
