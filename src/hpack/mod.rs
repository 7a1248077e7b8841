//! HPACK header compression (RFC 7541): a sans-IO encoder and decoder.
//!
//! A [`Decoder`] turns one complete header block (HEADERS plus any
//! CONTINUATION payloads, joined by the HTTP/2 layer) into a list of
//! [`Header`]s; an [`Encoder`] does the reverse. Each keeps a dynamic table
//! that must stay in step with the peer's, so one of each lives per
//! connection, and blocks are processed strictly in order.
//!
//! The HTTP/2 layer reports SETTINGS_HEADER_TABLE_SIZE changes with
//! [`Decoder::set_max_table_size`] (ours, once acknowledged) and
//! [`Encoder::set_max_table_size`] (the peer's, once we acknowledged it).
//! Limits are named settings in [`DecoderConfig`] and [`EncoderConfig`].
//!
//! The primitives ([`integer`], [`huffman`], [`static_table`]) are public for
//! fuzzing, benchmarks and readers of the RFC.

mod config;
mod decoder;
pub mod dynamic_table;
mod encoder;
mod error;
mod header;
pub mod huffman;
mod huffman_code;
pub mod integer;
pub mod static_table;

pub use config::{
    DecoderConfig, EncoderConfig, HuffmanPolicy, IndexingPolicy, DEFAULT_MAX_HEADER_LIST_SIZE,
    DEFAULT_TABLE_SIZE, MAX_INTEGER_CONTINUATION_OCTETS,
};
pub use decoder::Decoder;
pub use dynamic_table::DynamicTable;
pub use encoder::Encoder;
pub use error::{DecodeError, HuffmanError};
pub use header::{Header, ENTRY_OVERHEAD};

#[cfg(test)]
mod appendix_c;
