//! Why a JSON text was rejected, and where.

use thiserror::Error as ThisError;

/// What was wrong with a JSON text (RFC 8259), without the position.
///
/// Small and `Copy`, so a fuzzer or a ProtoJSON parser pays no allocation
/// per rejected input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ThisError)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text ended where more was required (an empty document, an open
    /// array or object, a number cut short).
    #[error("unexpected end of input")]
    UnexpectedEnd,
    /// A string had no closing quote before the end of the text.
    #[error("unterminated string: expected a closing '\"'")]
    UnterminatedString,
    /// A value was required here but the text holds something else.
    #[error("expected a JSON value (object, array, string, number, true, false or null)")]
    ExpectedValue,
    /// A word that is not one of the three literals (RFC 8259 §3: they
    /// are lowercase `true`, `false` and `null`).
    #[error("invalid literal: expected 'true', 'false' or 'null'")]
    InvalidLiteral,
    /// `NaN`, `Infinity` or `-Infinity`: RFC 8259 §6 has no such numbers
    /// (ProtoJSON writes them as strings).
    #[error("NaN and Infinity are not JSON numbers")]
    NonFiniteNumber,
    /// RFC 8259 §6 grammar has no leading plus sign.
    #[error("a number must not start with '+'")]
    LeadingPlus,
    /// RFC 8259 §6: "Leading zeros are not allowed."
    #[error("a number must not have leading zeros")]
    LeadingZero,
    /// A '-' not followed by a digit.
    #[error("expected a digit after '-'")]
    MissingIntegerDigits,
    /// RFC 8259 §6: a decimal point "is followed by one or more digits".
    #[error("expected a digit after the decimal point")]
    MissingFractionDigits,
    /// An exponent marker not followed by one or more digits.
    #[error("expected a digit in the exponent")]
    MissingExponentDigits,
    /// RFC 8259 §7: U+0000 through U+001F must be escaped inside strings.
    #[error("control character in string: U+0000 to U+001F must be escaped")]
    ControlCharacterInString,
    /// A backslash followed by a character RFC 8259 §7 does not list.
    #[error("invalid escape in string: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u")]
    InvalidEscape,
    /// `\u` not followed by four hexadecimal digits.
    #[error("invalid \\u escape: expected four hex digits")]
    InvalidUnicodeEscape,
    /// A `\u` escape of a UTF-16 surrogate that is not half of a
    /// high-low pair (RFC 8259 §7): it names no Unicode scalar value.
    #[error("unpaired UTF-16 surrogate in \\u escape")]
    LoneSurrogate,
    /// After '{' or ',' in an object, a member name (a string) must follow.
    #[error("expected a string key for an object member")]
    ExpectedKey,
    /// RFC 8259 §4: a name is followed by a colon.
    #[error("expected ':' after object key")]
    ExpectedColon,
    /// After an object member comes ',' or '}'.
    #[error("expected ',' or '}}' after object member")]
    ExpectedCommaOrObjectEnd,
    /// After an array element comes ',' or ']'.
    #[error("expected ',' or ']' after array element")]
    ExpectedCommaOrArrayEnd,
    /// A ',' directly before '}' or ']' (RFC 8259 §4, §5 have none).
    #[error("trailing comma before the end of an array or object")]
    TrailingComma,
    /// `//` or `/*`: RFC 8259 has no comments.
    #[error("comments are not allowed in JSON")]
    Comment,
    /// RFC 8259 §2: a JSON text is one value with only whitespace around it.
    #[error("unexpected text after the JSON value")]
    TrailingCharacters,
    /// Arrays and objects nest deeper than [`Limits::max_depth`](super::Limits::max_depth).
    #[error("arrays and objects nest deeper than the limit of {max_depth}")]
    DepthLimitExceeded {
        /// The limit that was exceeded.
        max_depth: usize,
    },
    /// The bytes given to [`parse_bytes`](super::parse_bytes) are not UTF-8
    /// (RFC 8259 §8.1: JSON exchanged between systems must be UTF-8).
    #[error("input is not valid UTF-8")]
    InvalidUtf8,
    /// A byte order mark (U+FEFF) at the start: RFC 8259 §8.1 forbids
    /// sending one, and this reader takes the strict side of its "MAY ignore".
    #[error("a byte order mark is not allowed at the start of JSON text")]
    ByteOrderMark,
}

/// A rejected JSON text: what was wrong ([`ErrorKind`]) and where.
///
/// Displays as `line 3 column 7: expected ',' or '}' after object member`.
/// Lines and columns count from 1; a column counts characters (Unicode
/// scalar values), the offset counts bytes from the start of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ThisError)]
#[error("line {line} column {column}: {kind}")]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
    line: usize,
    column: usize,
}

impl Error {
    /// An error of `kind` at byte `offset` of `text`; the line and column
    /// are worked out from the text (only on failure, so parsing pays
    /// nothing for them).
    pub(crate) fn at(kind: ErrorKind, text: &[u8], offset: usize) -> Error {
        let before = text.get(..offset).unwrap_or(text);
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i.saturating_add(1));
        let line = before
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            .saturating_add(1);
        // Count characters, not bytes: every byte that does not continue a
        // UTF-8 sequence starts a character.
        let column = before
            .get(line_start..)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count()
            .saturating_add(1);
        Error {
            kind,
            offset,
            line,
            column,
        }
    }

    /// What was wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Byte offset of the offending input from the start of the text.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Line of the offending input, from 1 (lines end at LF).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Column of the offending input within its line, in characters, from 1.
    pub fn column(&self) -> usize {
        self.column
    }
}
