//! HTTP/2 (RFC 9113): frames, and a sans-IO connection with streams and flow control.
//!
//! - [`frame`]: the frame header, the ten frame types, and a streaming reader.
//! - [`ErrorCode`]: the error-code table (§7).
//! - [`settings`]: SETTINGS parameters as values (§6.5.2).
//! - [`stream_state`]: the §5.1 stream state table.
//! - [`flow_control`]: flow-control windows (§5.2, §6.9).

mod error_code;
pub mod flow_control;
pub mod frame;
pub mod settings;
pub mod stream_state;

pub use error_code::ErrorCode;
pub use frame::{ConnectionError, H2Error, StreamError, StreamId};
