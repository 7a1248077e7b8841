//! The strict RFC 8259 reader: text in, one [`Value`] out.
//!
//! It walks the text with an explicit stack of open arrays and objects
//! instead of recursion, so no input can overflow the thread's stack; the
//! stack is bounded by [`Limits::max_depth`].

use super::error::{Error, ErrorKind};
use super::number::{self, Number};
use super::value::Value;

/// Default for [`Limits::max_depth`]: deep enough for any real message
/// (Protobuf itself stops at 100 levels), shallow enough that dropping or
/// comparing the tree recursively is safe on a small thread stack.
pub const DEFAULT_MAX_DEPTH: usize = 128;

/// Bounds on what the reader accepts; the size of the input is the caller's
/// to bound before handing it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How many arrays and objects may be open at once: `[]` is depth 1,
    /// `[[]]` depth 2. Default [`DEFAULT_MAX_DEPTH`]. Values far above the
    /// default risk the stack when the resulting tree is dropped or
    /// compared, which recurses once per level.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// Reads a whole JSON text (RFC 8259): exactly one value, with only
/// whitespace (space, tab, CR, LF) around it, under the default [`Limits`].
pub fn parse(text: &str) -> Result<Value, Error> {
    parse_with_limits(text, Limits::default())
}

/// [`parse`] with caller-chosen [`Limits`].
pub fn parse_with_limits(text: &str, limits: Limits) -> Result<Value, Error> {
    Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        limits,
    }
    .document()
}

/// Reads a JSON text from bytes that must be UTF-8 (RFC 8259 §8.1).
///
/// A leading byte order mark is rejected ([`ErrorKind::ByteOrderMark`]):
/// §8.1 forbids sending one and only allows, not requires, ignoring it, and
/// gRPC and ProtoJSON peers never send one.
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, Error> {
    parse_bytes_with_limits(bytes, Limits::default())
}

/// [`parse_bytes`] with caller-chosen [`Limits`].
pub fn parse_bytes_with_limits(bytes: &[u8], limits: Limits) -> Result<Value, Error> {
    if bytes.starts_with(BOM.as_bytes()) {
        return Err(Error::at(ErrorKind::ByteOrderMark, bytes, 0));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::at(ErrorKind::InvalidUtf8, bytes, e.valid_up_to()))?;
    parse_with_limits(text, limits)
}

const BOM: &str = "\u{FEFF}";

/// An array or object whose members are still being read.
enum Open {
    Array(Vec<Value>),
    /// Members so far, and the name of the member whose value is being read.
    Object(Vec<(String, Value)>, String),
}

/// What reading one value at the cursor gave.
enum Step {
    /// A complete value (a scalar or an empty container).
    Done(Value),
    /// A container was opened; its first element comes next.
    Opened(Open),
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    limits: Limits,
}

impl Reader<'_> {
    fn document(mut self) -> Result<Value, Error> {
        if self.text.starts_with(BOM) {
            return Err(self.error(ErrorKind::ByteOrderMark));
        }
        let mut open: Vec<Open> = Vec::new();
        self.skip_whitespace();
        let root = 'value: loop {
            let mut value = match self.value(open.len())? {
                Step::Done(value) => value,
                Step::Opened(container) => {
                    open.push(container);
                    continue 'value;
                }
            };
            // Hand the finished value to the innermost open container; when
            // that closes, it becomes the finished value for its parent.
            loop {
                self.skip_whitespace();
                match open.last_mut() {
                    None => break 'value value,
                    Some(Open::Array(items)) => {
                        items.push(value);
                        match self.peek() {
                            Some(b',') => {
                                self.pos = self.pos.saturating_add(1);
                                self.skip_whitespace();
                                if self.peek() == Some(b']') {
                                    return Err(self.error(ErrorKind::TrailingComma));
                                }
                                continue 'value;
                            }
                            Some(b']') => {
                                self.pos = self.pos.saturating_add(1);
                                value = match open.pop() {
                                    Some(Open::Array(items)) => Value::Array(items),
                                    _ => Value::Null, // unreachable: last was an array
                                };
                            }
                            _ => return Err(self.unexpected(ErrorKind::ExpectedCommaOrArrayEnd)),
                        }
                    }
                    Some(Open::Object(members, key)) => {
                        members.push((std::mem::take(key), value));
                        match self.peek() {
                            Some(b',') => {
                                self.pos = self.pos.saturating_add(1);
                                self.skip_whitespace();
                                if self.peek() == Some(b'}') {
                                    return Err(self.error(ErrorKind::TrailingComma));
                                }
                                *key = self.member_name()?;
                                continue 'value;
                            }
                            Some(b'}') => {
                                self.pos = self.pos.saturating_add(1);
                                value = match open.pop() {
                                    Some(Open::Object(members, _)) => Value::Object(members),
                                    _ => Value::Null, // unreachable: last was an object
                                };
                            }
                            _ => return Err(self.unexpected(ErrorKind::ExpectedCommaOrObjectEnd)),
                        }
                    }
                }
            }
        };
        // RFC 8259 §2: JSON-text = ws value ws
        if self.pos < self.bytes.len() {
            return Err(self.unexpected(ErrorKind::TrailingCharacters));
        }
        Ok(root)
    }

    /// Reads the value at the cursor; `depth` containers are open around it.
    fn value(&mut self, depth: usize) -> Result<Step, Error> {
        match self.peek() {
            Some(b'{') => {
                self.open_container(depth)?;
                if self.peek() == Some(b'}') {
                    self.pos = self.pos.saturating_add(1);
                    return Ok(Step::Done(Value::Object(Vec::new())));
                }
                let key = self.member_name()?;
                Ok(Step::Opened(Open::Object(Vec::new(), key)))
            }
            Some(b'[') => {
                self.open_container(depth)?;
                if self.peek() == Some(b']') {
                    self.pos = self.pos.saturating_add(1);
                    return Ok(Step::Done(Value::Array(Vec::new())));
                }
                Ok(Step::Opened(Open::Array(Vec::new())))
            }
            Some(b'"') => Ok(Step::Done(Value::String(self.string()?))),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => {
                if self.rest().starts_with(b"-Infinity") {
                    return Err(self.error(ErrorKind::NonFiniteNumber));
                }
                let start = self.pos;
                let end = number::scan(self.bytes, start).map_err(|(kind, at)| {
                    self.pos = at;
                    self.error(kind)
                })?;
                self.pos = end;
                let lexeme = self.text.get(start..end).unwrap_or_default();
                Ok(Step::Done(Value::Number(Number::from_checked(lexeme))))
            }
            Some(b'+') => Err(self.error(ErrorKind::LeadingPlus)),
            Some(b'N' | b'I')
                if self.rest().starts_with(b"NaN") || self.rest().starts_with(b"Infinity") =>
            {
                Err(self.error(ErrorKind::NonFiniteNumber))
            }
            Some(b'T' | b'F') => Err(self.error(ErrorKind::InvalidLiteral)),
            _ => Err(self.unexpected(ErrorKind::ExpectedValue)),
        }
    }

    /// Steps over '[' or '{' if one more level fits under the limit, and
    /// over the whitespace after it.
    fn open_container(&mut self, depth: usize) -> Result<(), Error> {
        if depth >= self.limits.max_depth {
            return Err(self.error(ErrorKind::DepthLimitExceeded {
                max_depth: self.limits.max_depth,
            }));
        }
        self.pos = self.pos.saturating_add(1);
        self.skip_whitespace();
        Ok(())
    }

    /// Reads `"name" :` and the whitespace after it (RFC 8259 §4).
    fn member_name(&mut self) -> Result<String, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected(ErrorKind::ExpectedKey));
        }
        let name = self.string()?;
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.unexpected(ErrorKind::ExpectedColon));
        }
        self.pos = self.pos.saturating_add(1);
        self.skip_whitespace();
        Ok(name)
    }

    /// Reads `true`, `false` or `null` (RFC 8259 §3: lowercase only).
    fn literal(&mut self, word: &str, value: Value) -> Result<Step, Error> {
        if !self.rest().starts_with(word.as_bytes()) {
            return Err(self.error(ErrorKind::InvalidLiteral));
        }
        self.pos = self.pos.saturating_add(word.len());
        // `truex` or `nullnull` is one bad word, not a literal and junk.
        if self.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
            return Err(self.error(ErrorKind::InvalidLiteral));
        }
        Ok(Step::Done(value))
    }

    /// Reads a string with the cursor on its opening quote (RFC 8259 §7).
    fn string(&mut self) -> Result<String, Error> {
        self.pos = self.pos.saturating_add(1);
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control
            // character at once; the input is already UTF-8, and these
            // ASCII bytes never fall inside a multi-byte character.
            let start = self.pos;
            let run = self
                .rest()
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            let Some(run) = run else {
                self.pos = self.bytes.len();
                return Err(self.error(ErrorKind::UnterminatedString));
            };
            self.pos = start.saturating_add(run);
            out.push_str(self.text.get(start..self.pos).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.pos = self.pos.saturating_add(1);
                    return Ok(out);
                }
                Some(b'\\') => out.push(self.escape()?),
                _ => return Err(self.error(ErrorKind::ControlCharacterInString)),
            }
        }
    }

    /// Reads one escape with the cursor on its backslash (RFC 8259 §7).
    fn escape(&mut self) -> Result<char, Error> {
        let start = self.pos;
        let unescaped = match self.bytes.get(start.saturating_add(1)).copied() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(),
            None => {
                self.pos = self.bytes.len();
                return Err(self.error(ErrorKind::UnterminatedString));
            }
            Some(_) => return Err(self.error(ErrorKind::InvalidEscape)),
        };
        self.pos = start.saturating_add(2);
        Ok(unescaped)
    }

    /// Reads `\uXXXX`, or a `\uXXXX\uXXXX` surrogate pair, into one
    /// character. RFC 8259 §7 writes a character outside the Basic
    /// Multilingual Plane as a UTF-16 surrogate pair; a lone surrogate
    /// names no character and cannot be held in a Rust string.
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let start = self.pos;
        let high = self.hex4(start.saturating_add(2))?;
        let after = start.saturating_add(6);
        let code = match high {
            0xD800..=0xDBFF => {
                let low = if self.bytes.get(after..after.saturating_add(2)) == Some(&b"\\u"[..]) {
                    self.hex4(after.saturating_add(2))?
                } else {
                    0
                };
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.error(ErrorKind::LoneSurrogate));
                }
                self.pos = after.saturating_add(6);
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error(ErrorKind::LoneSurrogate)),
            _ => {
                self.pos = after;
                high
            }
        };
        char::from_u32(code).ok_or_else(|| self.error(ErrorKind::LoneSurrogate))
    }

    /// The four hex digits at `at`, or an error placed on the escape.
    fn hex4(&self, at: usize) -> Result<u32, Error> {
        let digits = self.bytes.get(at..at.saturating_add(4));
        let value = digits.and_then(|d| {
            d.iter().try_fold(0u32, |acc, &b| {
                Some(acc.checked_mul(16)? | char::from(b).to_digit(16)?)
            })
        });
        value.ok_or_else(|| self.error(ErrorKind::InvalidUnicodeEscape))
    }

    /// RFC 8259 §2: whitespace is space, tab, LF and CR, nothing else.
    fn skip_whitespace(&mut self) {
        let skipped = self
            .rest()
            .iter()
            .position(|&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(self.rest().len());
        self.pos = self.pos.saturating_add(skipped);
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn rest(&self) -> &[u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    fn error(&self, kind: ErrorKind) -> Error {
        Error::at(kind, self.bytes, self.pos)
    }

    /// `kind`, unless the cursor is at the end or on a comment, which are
    /// the likelier explanations.
    fn unexpected(&self, kind: ErrorKind) -> Error {
        match self.peek() {
            None => self.error(ErrorKind::UnexpectedEnd),
            Some(b'/')
                if matches!(
                    self.bytes.get(self.pos.saturating_add(1)),
                    Some(b'/' | b'*')
                ) =>
            {
                self.error(ErrorKind::Comment)
            }
            Some(_) => self.error(kind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(lexeme: &str) -> Value {
        Value::Number(Number::from_checked(lexeme))
    }

    fn s(text: &str) -> Value {
        Value::String(text.to_owned())
    }

    /// `y_` cases: documents that must parse, and to what.
    #[test]
    fn accepts() {
        let cases: Vec<(&str, Value)> = vec![
            ("y_null", Value::Null),
            ("y_true", Value::Bool(true)),
            ("y_false", Value::Bool(false)),
            ("y_zero", num("0")),
            ("y_negative_zero", num("-0")),
            ("y_int", num("123")),
            ("y_fraction", num("-1.5")),
            ("y_exponent", num("1e2")),
            ("y_exponent_upper_plus", num("1E+2")),
            ("y_exponent_minus", num("0.5e-10")),
            ("y_huge_int", num("123456789012345678901234567890")),
            ("y_string", s("abc")),
            ("y_empty_string", s("")),
            ("y_object_empty", Value::Object(vec![])),
            ("y_array_empty", Value::Array(vec![])),
        ];
        let texts = [
            "null",
            "true",
            "false",
            "0",
            "-0",
            "123",
            "-1.5",
            "1e2",
            "1E+2",
            "0.5e-10",
            "123456789012345678901234567890",
            "\"abc\"",
            "\"\"",
            "{}",
            "[]",
        ];
        for ((name, want), text) in cases.into_iter().zip(texts) {
            assert_eq!(parse(text), Ok(want), "{name}: {text}");
        }
    }

    #[test]
    fn accepts_whitespace_around_and_between() {
        let text = " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\"\n:\tnull }\r\n ";
        let want = Value::Object(vec![
            ("a".into(), Value::Array(vec![num("1"), num("2")])),
            ("b".into(), Value::Null),
        ]);
        assert_eq!(parse(text), Ok(want));
    }

    #[test]
    fn accepts_nested_mixed() {
        let text = r#"[{"a":{"b":[[],{}]},"c":"d"},[true,[false,[null]]]]"#;
        let want = Value::Array(vec![
            Value::Object(vec![
                (
                    "a".into(),
                    Value::Object(vec![(
                        "b".into(),
                        Value::Array(vec![Value::Array(vec![]), Value::Object(vec![])]),
                    )]),
                ),
                ("c".into(), s("d")),
            ]),
            Value::Array(vec![
                Value::Bool(true),
                Value::Array(vec![Value::Bool(false), Value::Array(vec![Value::Null])]),
            ]),
        ]);
        assert_eq!(parse(text), Ok(want));
    }

    #[test]
    fn unescapes_strings() {
        let cases = [
            (r#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{c}\n\r\t"),
            (r#""\u0041\u00e9\u20AC""#, "A\u{e9}\u{20ac}"),
            (r#""\u0000""#, "\0"),
            (r#""\uD834\uDD1E""#, "\u{1D11E}"),
            (r#""\ud83d\ude00x""#, "\u{1F600}x"),
            (r#""\uDBFF\uDFFF""#, "\u{10FFFF}"),
            ("\"h\u{e9}llo \u{1F600}\"", "h\u{e9}llo \u{1F600}"),
            ("\"\u{7f}\u{2028}\"", "\u{7f}\u{2028}"),
            (r#""a\nb\\c""#, "a\nb\\c"),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Ok(s(want)), "{text}");
        }
    }

    #[test]
    fn keeps_duplicate_keys_in_order() {
        let doc = parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(
            doc.as_object()
                .map(|m| m.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>()),
            Some(vec!["a", "b", "a"])
        );
        assert_eq!(doc.duplicate_key(), Some("a"));
        assert_eq!(doc.get("a").and_then(Value::as_u64), Some(3));
        assert_eq!(parse(r#"{"a":1,"b":2}"#).unwrap().duplicate_key(), None);
    }

    /// `n_` cases: documents that must be rejected, with the exact error
    /// kind and byte offset.
    #[test]
    fn rejects() {
        use ErrorKind::*;
        let cases: &[(&str, &str, ErrorKind, usize)] = &[
            ("n_empty", "", UnexpectedEnd, 0),
            ("n_only_whitespace", " \n ", UnexpectedEnd, 3),
            ("n_trailing_comma_array", "[1,]", TrailingComma, 3),
            ("n_trailing_comma_object", r#"{"a":1,}"#, TrailingComma, 7),
            ("n_leading_comma", "[,1]", ExpectedValue, 1),
            ("n_double_comma", "[1,,2]", ExpectedValue, 3),
            ("n_missing_comma", "[1 2]", ExpectedCommaOrArrayEnd, 3),
            ("n_missing_colon", r#"{"a" 1}"#, ExpectedColon, 5),
            ("n_missing_value", r#"{"a":}"#, ExpectedValue, 5),
            (
                "n_object_missing_comma",
                r#"{"a":1 "b":2}"#,
                ExpectedCommaOrObjectEnd,
                7,
            ),
            ("n_unquoted_key", "{a:1}", ExpectedKey, 1),
            ("n_single_quotes", "['a']", ExpectedValue, 1),
            ("n_number_key", "{1:1}", ExpectedKey, 1),
            ("n_unclosed_array", "[1", UnexpectedEnd, 2),
            ("n_unclosed_object", r#"{"a":1"#, UnexpectedEnd, 6),
            ("n_unclosed_string", r#""abc"#, UnterminatedString, 4),
            ("n_unclosed_escape", r#""\"#, UnterminatedString, 2),
            ("n_close_mismatch", "[1}", ExpectedCommaOrArrayEnd, 2),
            ("n_two_values", "1 2", TrailingCharacters, 2),
            ("n_two_objects", "{}{}", TrailingCharacters, 2),
            ("n_extra_close", "[]]", TrailingCharacters, 2),
            ("n_leading_zero", "01", LeadingZero, 0),
            ("n_negative_leading_zero", "-012", LeadingZero, 1),
            ("n_plus", "+1", LeadingPlus, 0),
            ("n_minus_alone", "-", UnexpectedEnd, 1),
            ("n_minus_letter", "-a", MissingIntegerDigits, 1),
            ("n_dot_first", ".5", ExpectedValue, 0),
            ("n_dot_last", "1.", MissingFractionDigits, 2),
            ("n_dot_exponent", "1.e5", MissingFractionDigits, 2),
            ("n_exponent_empty", "1e", MissingExponentDigits, 2),
            ("n_exponent_sign_only", "1e+", MissingExponentDigits, 3),
            ("n_hex", "0x10", TrailingCharacters, 1),
            ("n_nan", "NaN", NonFiniteNumber, 0),
            ("n_infinity", "Infinity", NonFiniteNumber, 0),
            ("n_minus_infinity", "-Infinity", NonFiniteNumber, 0),
            ("n_nan_in_array", "[1,NaN]", NonFiniteNumber, 3),
            ("n_true_capital", "True", InvalidLiteral, 0),
            ("n_tru", "tru", InvalidLiteral, 0),
            ("n_nul", "[nul]", InvalidLiteral, 1),
            ("n_truex", "truex", InvalidLiteral, 4),
            ("n_undefined", "undefined", ExpectedValue, 0),
            ("n_line_comment", "[1 // x\n]", Comment, 3),
            ("n_block_comment", "/* x */ 1", Comment, 0),
            ("n_comment_after", "1 /* x */", Comment, 2),
            ("n_control_tab", "\"a\tb\"", ControlCharacterInString, 2),
            ("n_control_newline", "\"a\nb\"", ControlCharacterInString, 2),
            ("n_control_nul", "\"\0\"", ControlCharacterInString, 1),
            ("n_bad_escape", r#""\x41""#, InvalidEscape, 1),
            ("n_escape_apostrophe", r#""\'""#, InvalidEscape, 1),
            ("n_short_unicode", r#""\u12""#, InvalidUnicodeEscape, 1),
            ("n_bad_hex", r#""\u12G4""#, InvalidUnicodeEscape, 1),
            ("n_lone_high", r#""\uD800""#, LoneSurrogate, 1),
            (
                "n_lone_high_then_text",
                r#""\uD800abcdef""#,
                LoneSurrogate,
                1,
            ),
            ("n_high_then_bmp", r#""\uD800\u0041""#, LoneSurrogate, 1),
            ("n_high_high", r#""\uD800\uD800""#, LoneSurrogate, 1),
            ("n_lone_low", r#""\uDC00""#, LoneSurrogate, 1),
            (
                "n_high_then_bad_hex",
                r#""\uD800\uZZZZ""#,
                InvalidUnicodeEscape,
                1,
            ),
            ("n_form_feed_space", "\u{c}1", ExpectedValue, 0),
            ("n_nbsp_space", "\u{a0}1", ExpectedValue, 0),
            ("n_vertical_tab", "[\u{b}]", ExpectedValue, 1),
            ("n_bom", "\u{feff}1", ByteOrderMark, 0),
            ("n_nested_unclosed", "[[[", UnexpectedEnd, 3),
        ];
        for &(name, text, kind, offset) in cases {
            match parse(text) {
                Err(e) => assert_eq!((e.kind(), e.offset()), (kind, offset), "{name}: {text:?}"),
                Ok(v) => panic!("{name}: {text:?} parsed as {v:?}"),
            }
        }
    }

    #[test]
    fn error_names_line_and_column() {
        let e = parse("{\n  \"a\": 1,\n  \"b\": 2 \"c\"\n}").unwrap_err();
        assert_eq!((e.line(), e.column(), e.offset()), (3, 10, 21));
        assert_eq!(
            e.to_string(),
            "line 3 column 10: expected ',' or '}' after object member"
        );
        // Columns count characters, not bytes.
        let e = parse("[\"\u{e9}\u{e9}\", x]").unwrap_err();
        assert_eq!((e.line(), e.column(), e.offset()), (1, 8, 9));
    }

    #[test]
    fn depth_limit() {
        let nested = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert!(parse(&nested(DEFAULT_MAX_DEPTH)).is_ok());
        let e = parse(&nested(DEFAULT_MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(
            (e.kind(), e.offset()),
            (
                ErrorKind::DepthLimitExceeded {
                    max_depth: DEFAULT_MAX_DEPTH
                },
                DEFAULT_MAX_DEPTH
            )
        );
        let objects = |n: usize| "{\"a\":".repeat(n) + "1" + &"}".repeat(n);
        let limits = Limits { max_depth: 3 };
        assert!(parse_with_limits(&objects(3), limits).is_ok());
        assert_eq!(
            parse_with_limits(&objects(4), limits).map_err(|e| e.kind()),
            Err(ErrorKind::DepthLimitExceeded { max_depth: 3 })
        );
        assert_eq!(
            parse_with_limits("[]", Limits { max_depth: 0 }).map_err(|e| e.kind()),
            Err(ErrorKind::DepthLimitExceeded { max_depth: 0 })
        );
        assert_eq!(
            parse_with_limits("1", Limits { max_depth: 0 }),
            Ok(num("1"))
        );
        // Far past the limit: rejected without touching the stack.
        let e = parse(&"[".repeat(1_000_000)).unwrap_err();
        assert_eq!(e.offset(), DEFAULT_MAX_DEPTH);
    }

    #[test]
    fn parse_bytes_checks_utf8_and_bom() {
        assert_eq!(
            parse_bytes(b"[\"\xc3\xa9\"]"),
            Ok(Value::Array(vec![s("\u{e9}")]))
        );
        let e = parse_bytes(b"[\"ab\xff\"]").unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ErrorKind::InvalidUtf8, 4));
        let e = parse_bytes(b"\"\xed\xa0\x80\"").unwrap_err(); // encoded surrogate
        assert_eq!((e.kind(), e.offset()), (ErrorKind::InvalidUtf8, 1));
        let e = parse_bytes(b"\xef\xbb\xbf{}").unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ErrorKind::ByteOrderMark, 0));
    }
}
