//! A small strict JSON (RFC 8259) reader and writer, used by ProtoJSON and
//! the test vectors.
//!
//! Strict means: only the six kinds of value, no comments, no trailing
//! commas, no leading zeros or `+`, no NaN or Infinity, no unescaped
//! control characters, no lone surrogates, exactly one value per document.
//! Numbers keep their exact text ([`Number`]) so 64-bit integers survive;
//! objects keep duplicate names in order ([`Value::duplicate_key`]).
//!
//! ```
//! use grpclite::json;
//! let doc = json::parse(r#"{"id": 18446744073709551615, "tags": ["a"]}"#).unwrap();
//! assert_eq!(doc.get("id").and_then(|v| v.as_u64()), Some(u64::MAX));
//! ```

mod error;
mod number;
mod reader;
mod value;
mod writer;

pub use error::{Error, ErrorKind};
pub use number::Number;
pub use reader::{
    parse, parse_bytes, parse_bytes_with_limits, parse_with_limits, Limits, DEFAULT_MAX_DEPTH,
};
pub use value::Value;
pub use writer::{to_string, to_string_pretty, Style, WriteError, Writer};
