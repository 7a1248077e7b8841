//! Every .proto of the corpus (gRPC's protos, the newest descriptor.proto, the
//! built-in well-known types) loads into a pool, with the expected contents.

use std::path::PathBuf;

use grpclite::schema::{
    ast::Syntax, well_known, DiskSourceTree, FieldType, MemorySourceTree, Pool,
};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("proto")
}

fn load(include: PathBuf, name: &str) -> Pool {
    let tree = DiskSourceTree::new([include]);
    let mut pool = Pool::new();
    if let Err(e) = pool.load(&tree, name) {
        panic!("{name} failed to load:\n{e}");
    }
    pool
}

#[test]
fn grpc_testing_protos_load() {
    let pool = load(corpus(), "grpc/testing/test.proto");
    let names: Vec<&str> = pool.files().map(|(_, f)| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "grpc/testing/empty.proto",
            "grpc/testing/messages.proto",
            "grpc/testing/test.proto"
        ]
    );
    let svc = pool.service_by_name("grpc.testing.TestService").unwrap();
    let svc = pool.service(svc).unwrap();
    let full_duplex = svc
        .methods
        .iter()
        .find(|m| m.name == "FullDuplexCall")
        .unwrap();
    assert!(full_duplex.client_streaming && full_duplex.server_streaming);
    assert_eq!(
        svc.method_path(full_duplex),
        "/grpc.testing.TestService/FullDuplexCall"
    );
    let input = pool.message(full_duplex.input).unwrap();
    assert_eq!(input.full_name, "grpc.testing.StreamingOutputCallRequest");
    let empty_call = svc.methods.iter().find(|m| m.name == "EmptyCall").unwrap();
    assert_eq!(
        pool.message(empty_call.input).unwrap().full_name,
        "grpc.testing.Empty"
    );
    // A field whose type is an enum from the same file.
    let simple = pool
        .message(pool.message_by_name("grpc.testing.SimpleRequest").unwrap())
        .unwrap();
    let rt = simple.field_by_name("response_type").unwrap();
    let FieldType::Enum(e) = rt.ty else {
        panic!("response_type is {:?}", rt.ty)
    };
    assert_eq!(
        pool.enumeration(e).unwrap().full_name,
        "grpc.testing.PayloadType"
    );
    assert_eq!(rt.json_name, "responseType");
}

#[test]
fn health_and_reflection_protos_load() {
    for (name, service) in [
        ("grpc/health/v1/health.proto", "grpc.health.v1.Health"),
        (
            "grpc/reflection/v1/reflection.proto",
            "grpc.reflection.v1.ServerReflection",
        ),
        (
            "grpc/reflection/v1alpha/reflection.proto",
            "grpc.reflection.v1alpha.ServerReflection",
        ),
    ] {
        let pool = load(corpus(), name);
        assert!(pool.service_by_name(service).is_some(), "{service} missing");
    }
    let pool = load(corpus(), "grpc/health/v1/health.proto");
    let status = pool
        .enum_by_name("grpc.health.v1.HealthCheckResponse.ServingStatus")
        .unwrap();
    let status = pool.enumeration(status).unwrap();
    let names: Vec<&str> = status.values.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]
    );
    assert_eq!(
        status.values[1].full_name,
        "grpc.health.v1.HealthCheckResponse.SERVING"
    );
}

#[test]
fn latest_descriptor_proto_loads() {
    let pool = load(
        corpus().join("descriptor-latest"),
        "google/protobuf/descriptor.proto",
    );
    let file = pool
        .file(
            pool.file_by_name("google/protobuf/descriptor.proto")
                .unwrap(),
        )
        .unwrap();
    assert_eq!(file.syntax, Syntax::Proto2);
    let fdp = pool
        .message(
            pool.message_by_name("google.protobuf.FieldDescriptorProto")
                .unwrap(),
        )
        .unwrap();
    let label = fdp.field_by_name("label").unwrap();
    assert_eq!(label.number, 4);
    assert!(matches!(label.ty, FieldType::Enum(_)));
    let opts = pool
        .message(
            pool.message_by_name("google.protobuf.FieldOptions")
                .unwrap(),
        )
        .unwrap();
    assert!(opts
        .extension_ranges
        .iter()
        .any(|r| r.start == 1000 && r.end == 536_870_911));
}

#[test]
fn every_well_known_type_loads_from_memory() {
    let tree = MemorySourceTree::new();
    let mut pool = Pool::new();
    for (name, _) in well_known::FILES {
        if let Err(e) = pool.load(&tree, name) {
            panic!("{name}:\n{e}");
        }
    }
    assert_eq!(pool.files().count(), well_known::FILES.len());
    for name in [
        "google.protobuf.Any",
        "google.protobuf.Api",
        "google.protobuf.Duration",
        "google.protobuf.Empty",
        "google.protobuf.FieldMask",
        "google.protobuf.SourceContext",
        "google.protobuf.Struct",
        "google.protobuf.Timestamp",
        "google.protobuf.Type",
        "google.protobuf.Int64Value",
        "google.protobuf.FileDescriptorSet",
    ] {
        assert!(pool.message_by_name(name).is_some(), "{name} missing");
    }
    // struct.proto: a map field and a oneof.
    let s = pool
        .message(pool.message_by_name("google.protobuf.Struct").unwrap())
        .unwrap();
    let fields = s.field_by_name("fields").unwrap();
    let FieldType::Message(entry) = fields.ty else {
        panic!()
    };
    let entry = pool.message(entry).unwrap();
    assert!(entry.is_map_entry);
    assert_eq!(entry.full_name, "google.protobuf.Struct.FieldsEntry");
    let v = pool
        .message(pool.message_by_name("google.protobuf.Value").unwrap())
        .unwrap();
    assert_eq!(v.oneofs[0].name, "kind");
    assert_eq!(v.oneofs[0].fields.len(), 6);
}

#[test]
fn disk_tree_falls_back_to_built_in_well_known_types() {
    let tree = DiskSourceTree::new([corpus()]);
    let mut pool = Pool::new();
    pool.load(&tree, "google/protobuf/timestamp.proto").unwrap();
    assert!(pool.message_by_name("google.protobuf.Timestamp").is_some());
}
