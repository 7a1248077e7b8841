//! HTTP/2 (RFC 9113): frames, and a sans-IO connection with streams and flow control.
//!
//! - [`frame`]: the frame header, the ten frame types, and a streaming reader.
//! - [`ErrorCode`]: the error-code table (§7).
//! - [`settings`]: SETTINGS parameters as values (§6.5.2).
//! - [`connection`]: the sans-IO connection, client or server.
//! - [`config`]: the connection's named limits and timers, with defaults.
//! - [`stream_state`]: the stream state machine (§5.1).
//! - [`flow_control`]: send and receive windows, WINDOW_UPDATE policy (§5.2, §6.9).
//! - [`rate_limit`]: token buckets and capped counters against floods (§10.5).
//! - [`header_validation`]: well-formed requests, responses and trailers (§8.1-§8.3).

pub mod config;
pub mod connection;
mod error_code;
pub mod flow_control;
pub mod frame;
pub mod header_validation;
pub mod rate_limit;
pub mod settings;
pub mod stream_state;

pub use config::Config;
pub use connection::{Connection, Event, Initiator, Role, SendError};
pub use error_code::ErrorCode;
pub use frame::{ConnectionError, H2Error, StreamError, StreamId};
