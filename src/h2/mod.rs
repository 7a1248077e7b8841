//! HTTP/2 (RFC 9113): frames, and a sans-IO connection with streams and flow control.

pub mod flow_control;
pub mod stream_state;
