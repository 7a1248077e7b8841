//! Schemas without protoc: the `.proto` parser, descriptors, dynamic messages and code generation.
//!
//! A schema goes through three steps:
//!
//! ```text
//!   SourceTree      finds file text by import name (disk, memory, built-ins)
//!      |
//!   parser          text -> ast::File (syntax tree with positions and comments)
//!      |
//!   Pool            files -> resolved model: fully qualified names, checked
//!                   numbers, types and defaults, lookups by full name
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
//! was expected, like protoc's but with more context.

pub mod ast;
mod build;
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
