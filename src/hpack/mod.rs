//! HPACK header compression (RFC 7541): a sans-IO encoder and decoder.
//!
//! A [`Decoder`] turns one complete header block (HEADERS plus any
//! CONTINUATION payloads, joined by the HTTP/2 layer) into a list of
//! [`Header`]s; an [`Encoder`] does the reverse. Each keeps a dynamic table
//! that must stay in step with the peer's, so one of each lives per
//! connection, and blocks are processed strictly in order.
//!
//! ```text
//!   h2 HEADERS+CONTINUATION payload --> Decoder::decode --> Vec<Header>
//!   Vec<Header> --> Encoder::encode --> payload for HEADERS+CONTINUATION
//! ```
//!
//! The HTTP/2 layer reports SETTINGS_HEADER_TABLE_SIZE changes with
//! [`Decoder::set_max_table_size`] (ours, once acknowledged) and
//! [`Encoder::set_max_table_size`] (the peer's, once we acknowledged it).
//! A [`DecodeError`] is a connection error (COMPRESSION_ERROR), except
//! [`DecodeError::HeaderListTooLarge`], after which the tables are still in
//! step and only the stream need be refused. Limits are named settings in
//! [`DecoderConfig`] and [`EncoderConfig`].
//!
//! The primitives ([`integer`], [`huffman`], [`static_table`],
//! [`dynamic_table`]) are public for fuzzing, benchmarks and readers of the
//! RFC. A fuzz target feeds arbitrary bytes to [`Decoder::decode`] (one
//! decoder across several blocks, to reach dynamic-table states); its oracle:
//! whatever decodes, re-encoded by an [`Encoder`] and decoded by a fresh
//! [`Decoder`], gives the same list. [`huffman::decode`] alone takes
//! arbitrary bytes too; whatever it accepts, [`huffman::encode`] turns back
//! into exactly the input (accepted padding is always the shortest).

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

#[cfg(test)]
mod tests {
    /// HPACK is sans-IO: no sockets, threads, clock or files (DESIGN.md).
    #[test]
    fn touches_no_io() {
        let sources = [
            include_str!("config.rs"),
            include_str!("decoder.rs"),
            include_str!("dynamic_table.rs"),
            include_str!("encoder.rs"),
            include_str!("error.rs"),
            include_str!("header.rs"),
            include_str!("huffman.rs"),
            include_str!("huffman_code.rs"),
            include_str!("integer.rs"),
            include_str!("static_table.rs"),
        ];
        let forbidden = [
            "std::net",
            "std::thread",
            "std::time",
            "std::fs",
            "mio::",
            "std::io",
        ];
        for source in sources {
            for word in forbidden {
                assert!(!source.contains(word), "{word}");
            }
        }
    }
}
