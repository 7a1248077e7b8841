//! HTTP/2 (RFC 9113): frames, and a sans-IO connection with streams and flow control.
//!
//! - [`frame`]: the frame header, the ten frame types, and a streaming reader.
//! - [`ErrorCode`]: the error-code table (§7).
//! - [`settings`]: SETTINGS parameters as values (§6.5.2).
//! - [`stream_state`]: the §5.1 stream state table.
//! - [`connection`]: the sans-IO connection, client or server.
//! - [`flow_control`]: flow-control windows (§5.2, §6.9).

pub mod connection;
mod error_code;
pub mod flow_control;
pub mod frame;
pub mod settings;
pub mod stream_state;

pub use connection::{Connection, ConnectionConfig, Event, Initiator, Role, SendError};
pub use error_code::ErrorCode;
pub use frame::{ConnectionError, H2Error, StreamError, StreamId};
