//! What can be wrong with a header block, in words a peer's bug report can use.

/// Why a Huffman-coded string literal was rejected (RFC 7541 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HuffmanError {
    /// The string contains the EOS symbol, which §5.2 says MUST be an error.
    #[error("Huffman string contains the EOS symbol")]
    EosInString,
    /// The string ends with more than 7 bits of padding (§5.2).
    #[error("Huffman padding is longer than 7 bits")]
    PaddingTooLong,
    /// The padding is not a prefix of the EOS code, i.e. not all ones (§5.2).
    #[error("Huffman padding is not the most significant bits of EOS")]
    PaddingNotEos,
}

/// Why a header block could not be decoded.
///
/// Every variant except [`DecodeError::HeaderListTooLarge`] leaves the two
/// dynamic tables out of step: HTTP/2 must treat it as a connection error of
/// type COMPRESSION_ERROR (RFC 9113 §4.3), and the decoder returns the same
/// error from then on. `HeaderListTooLarge` is raised only after the whole
/// block was processed, so the table is still in step and the caller may
/// refuse just the one stream (RFC 9113 §10.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The block ended in the middle of a representation; says which part.
    #[error("header block truncated inside {0}")]
    Truncated(&'static str),
    /// An integer used more continuation octets than we accept (§5.1 lets a
    /// decoder set this limit; see [`super::MAX_INTEGER_CONTINUATION_OCTETS`]).
    #[error("integer uses more than {max} continuation octets", max = super::MAX_INTEGER_CONTINUATION_OCTETS)]
    IntegerOverflow,
    /// An index names no entry: 0, or past the static plus dynamic table (§2.3.3).
    #[error(
        "index {index} is not in the header table (61 static + {dynamic_len} dynamic entries)"
    )]
    IndexOutOfRange {
        /// The index the peer sent.
        index: usize,
        /// How many entries the dynamic table held at the time.
        dynamic_len: usize,
    },
    /// A dynamic table size update asked for more than we advertised (§6.3).
    #[error("dynamic table size update to {requested} exceeds the advertised limit {limit}")]
    TableSizeAboveLimit {
        /// The size the peer asked for.
        requested: usize,
        /// Our SETTINGS_HEADER_TABLE_SIZE, acknowledged by the peer.
        limit: usize,
    },
    /// A dynamic table size update came after a header field (§4.2: only at
    /// the beginning of a block).
    #[error("dynamic table size update after a header field in the same block")]
    TableSizeUpdateNotAtStart,
    /// We lowered our limit below the table's size, and the next block did
    /// not begin with an update at or below it (§4.2).
    #[error("header block must begin with a dynamic table size update of at most {limit}")]
    TableSizeUpdateMissing {
        /// The smallest limit we advertised since the last block.
        limit: usize,
    },
    /// A Huffman-coded string literal was malformed.
    #[error("invalid Huffman string: {0}")]
    Huffman(#[from] HuffmanError),
    /// The decoded header list is larger than the configured maximum, counted
    /// as in §4.1 (name + value + 32 per field). The block was still fully
    /// processed, so the decoder remains usable.
    #[error("header list size {size} exceeds the limit {limit}")]
    HeaderListTooLarge {
        /// The size of the whole list the block carried.
        size: usize,
        /// The configured maximum.
        limit: usize,
    },
}

impl DecodeError {
    /// Whether the decoder is still usable, so HTTP/2 may refuse just the
    /// stream (RFC 9113 §10.5.1); otherwise the connection must end with
    /// COMPRESSION_ERROR (RFC 9113 §4.3).
    pub fn leaves_tables_in_step(&self) -> bool {
        matches!(self, DecodeError::HeaderListTooLarge { .. })
    }
}
