//! The well-known types, built in so `import "google/protobuf/timestamp.proto";`
//! works with no file on disk. These are protoc 3.21's copies, kept with their
//! licence headers (BSD-3-Clause, see `LICENSE` in this directory).

/// `(import name, source text)` for every built-in file.
pub const FILES: &[(&str, &str)] = &[
    (
        "google/protobuf/any.proto",
        include_str!("google/protobuf/any.proto"),
    ),
    (
        "google/protobuf/api.proto",
        include_str!("google/protobuf/api.proto"),
    ),
    (
        "google/protobuf/descriptor.proto",
        include_str!("google/protobuf/descriptor.proto"),
    ),
    (
        "google/protobuf/duration.proto",
        include_str!("google/protobuf/duration.proto"),
    ),
    (
        "google/protobuf/empty.proto",
        include_str!("google/protobuf/empty.proto"),
    ),
    (
        "google/protobuf/field_mask.proto",
        include_str!("google/protobuf/field_mask.proto"),
    ),
    (
        "google/protobuf/source_context.proto",
        include_str!("google/protobuf/source_context.proto"),
    ),
    (
        "google/protobuf/struct.proto",
        include_str!("google/protobuf/struct.proto"),
    ),
    (
        "google/protobuf/timestamp.proto",
        include_str!("google/protobuf/timestamp.proto"),
    ),
    (
        "google/protobuf/type.proto",
        include_str!("google/protobuf/type.proto"),
    ),
    (
        "google/protobuf/wrappers.proto",
        include_str!("google/protobuf/wrappers.proto"),
    ),
];

/// The source of built-in file `name`, if it is one.
pub fn source(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}
