//! The limits an HPACK endpoint enforces, as named settings with safe defaults.

/// HTTP/2's initial SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2), and the most
/// our encoder ever uses whatever the peer allows (LIMITS.md): a bigger table
/// costs memory on both sides for little gain.
pub const DEFAULT_TABLE_SIZE: usize = 4096;

/// Default SETTINGS_MAX_HEADER_LIST_SIZE we enforce: 16 KiB (LIMITS.md).
pub const DEFAULT_MAX_HEADER_LIST_SIZE: usize = 16 * 1024;

/// Most continuation octets accepted in one integer (§5.1 lets a decoder set
/// this). Five carry 35 bits, more than any length or index we accept.
pub const MAX_INTEGER_CONTINUATION_OCTETS: usize = 5;

/// Settings of a [`super::Decoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderConfig {
    /// The SETTINGS_HEADER_TABLE_SIZE we advertise: the most the peer's size
    /// updates may ask for, and the table's size at the start (§4.2, §6.3).
    pub max_table_size: usize,
    /// The largest header list accepted, counted as in §4.1 (name + value +
    /// 32 per field). Beyond it no more fields are kept and the block fails
    /// with `HeaderListTooLarge`.
    pub max_header_list_size: usize,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        Self {
            max_table_size: DEFAULT_TABLE_SIZE,
            max_header_list_size: DEFAULT_MAX_HEADER_LIST_SIZE,
        }
    }
}

/// When the encoder Huffman-codes a string literal (§5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HuffmanPolicy {
    /// Only when the Huffman form is strictly shorter (the default).
    Shorter,
    /// Always, as the RFC 7541 Appendix C.4 and C.6 examples do.
    Always,
    /// Never: raw octets are easier to read in tests and captures.
    Never,
}

/// Which fields the encoder adds to the dynamic table (§6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexingPolicy {
    /// Index fields likely to repeat; send fields whose values churn
    /// (content-length, conditional validators, `:path` with a query,
    /// grpc-timeout...) and fields over 3/4 of the table as literals without
    /// indexing.
    Automatic,
    /// Index every field that is not sensitive, as the RFC 7541 Appendix C
    /// examples do.
    Always,
    /// Never add to the dynamic table (only static-table references).
    Never,
}

/// Settings of an [`super::Encoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderConfig {
    /// The largest dynamic table we use, whatever the peer allows; values
    /// above [`DEFAULT_TABLE_SIZE`] are treated as it (LIMITS.md).
    pub max_table_size: usize,
    /// When to Huffman-code string literals.
    pub huffman: HuffmanPolicy,
    /// Which fields to add to the dynamic table.
    pub indexing: IndexingPolicy,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        Self {
            max_table_size: DEFAULT_TABLE_SIZE,
            huffman: HuffmanPolicy::Shorter,
            indexing: IndexingPolicy::Automatic,
        }
    }
}
