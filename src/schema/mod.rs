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
//! Errors say where (`file:line:column`, with the line and a caret) and what
//! was expected, like protoc's but with more context.

pub mod ast;
pub mod error;
mod lexer;
pub mod parser;

pub use error::{Position, SchemaError, Span};
pub use parser::parse_file;
