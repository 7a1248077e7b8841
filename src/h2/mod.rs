//! HTTP/2 (RFC 9113): frames, and a sans-IO connection with streams and flow control.
//!
//! - [`frame`]: the frame header, the ten frame types, and a streaming reader.
//! - [`ErrorCode`]: the error-code table (§7).
//! - [`settings`]: SETTINGS parameters as values (§6.5.2).

mod error_code;
pub mod frame;
pub mod settings;

pub use error_code::ErrorCode;
pub use frame::{ConnectionError, H2Error, StreamError, StreamId};
