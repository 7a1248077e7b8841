//! Schemas without protoc: the `.proto` parser, descriptors, dynamic messages and code generation.
