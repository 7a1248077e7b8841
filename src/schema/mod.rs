//! Schemas without protoc: the `.proto` parser, descriptors, dynamic messages and code generation.
//!
//! A schema goes through these steps:
//!
//! ```text
//!   SourceTree      finds file text by import name (disk, memory, built-in
//!      |            well-known types)
//!   parser          text -> ast::File: syntax tree with positions, comments
//!      |            and protoc's SourceCodeInfo locations
//!   Pool            files -> resolved model: fully qualified names, protoc's
//!      |            checks, options interpreted, lookups by full name
//!   convert         Pool <-> FileDescriptorSet (descriptor), equal to what
//!                   `protoc --include_imports [--include_source_info]` writes
//! ```
//!
//! ```
//! use grpclite::schema::{MemorySourceTree, Pool};
//!
//! let mut tree = MemorySourceTree::new();
//! tree.add("hello.proto", r#"
//!     syntax = "proto3";
//!     package hello;
//!     import "google/protobuf/timestamp.proto";
//!     message Greeting { string text = 1; google.protobuf.Timestamp at = 2; }
//! "#);
//! let mut pool = Pool::new();
//! pool.load(&tree, "hello.proto").unwrap();
//! let greeting = pool.message_by_name("hello.Greeting").unwrap();
//! assert_eq!(pool.message(greeting).unwrap().fields[1].json_name, "at");
//! ```
//!
//! Errors say where (`file:line:column`, with the line and a caret) and what
//! was expected. The parser and pool never panic on any input, and bound what
//! input can make them do: [`parser::MAX_SOURCE_LEN`],
//! [`parser::MAX_NESTING_DEPTH`], [`pool::MAX_IMPORT_DEPTH`].
//!
//! Fuzzing: [`parse_file`] takes any text; [`Pool::load`] with a
//! [`MemorySourceTree`] takes any set of files; `FileDescriptorSet::decode`
//! then [`Pool::add_file_descriptor_set`] takes any bytes. Oracles: a
//! decoded `FileDescriptorSet` re-encodes to bytes that decode to the same
//! value; a pool built from text, written with
//! [`convert::file_descriptor_set`], rebuilt from that set and written
//! again, gives the same bytes.

#![warn(missing_docs)]

pub mod ast;
mod build;
pub mod codegen;
pub mod convert;
pub mod descriptor;
pub mod dynamic;
pub mod error;
mod lexer;
pub mod parser;
pub mod pool;
pub mod protojson;
pub mod source_tree;
pub mod well_known;

pub use build::json_name;
pub use error::{Position, SchemaError, Span};
pub use parser::parse_file;
pub use pool::{
    DefaultValue, EnumDescriptor, EnumId, EnumValueDescriptor, ExtensionId, FieldDescriptor,
    FieldType, FileDescriptor, FileId, MessageDescriptor, MessageId, MethodDescriptor, NumberRange,
    OneofDescriptor, Pool, ServiceDescriptor, ServiceId, Symbol,
};
pub use source_tree::{DiskSourceTree, MemorySourceTree, SourceTree};
