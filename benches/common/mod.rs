//! What both benchmark targets share: the HPACK stories, the representative
//! Protobuf message, and the timing loop.
//!
//! Included with `#[path]` by `benches/codecs.rs` (grpclite alone) and by
//! `benches/compare/benches/compare.rs` (grpclite beside other crates), so
//! both measure exactly the same inputs the same way.

pub mod hpack;
pub mod order;
pub mod stories;
pub mod timing;
