//! Writing JSON text (RFC 8259): a streaming [`Writer`], and [`Value`]s
//! written through it.

use std::fmt;

use thiserror::Error;

use super::number::Number;
use super::value::Value;

/// How the text is laid out; both forms hold the same values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// No whitespace at all: `{"a":[1,2]}`.
    #[default]
    Compact,
    /// One member or element per line, indented by two spaces, with a space
    /// after each colon; empty arrays and objects stay `[]` and `{}`.
    Pretty,
}

/// A call sequence on [`Writer`] that does not describe one JSON value.
///
/// These are mistakes of the calling code, never of peer data, so the
/// writer records the first one and reports it from [`Writer::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A value inside an object without a [`Writer::key`] before it.
    #[error("a value inside an object needs a key first")]
    ValueWithoutKey,
    /// [`Writer::key`] outside an object, or twice in a row.
    #[error("a key is only allowed inside an object, before its value")]
    MisplacedKey,
    /// An end that does not match the innermost open array or object, or
    /// an object ended right after a key.
    #[error("end_array/end_object does not match what is open")]
    UnbalancedEnd,
    /// NaN or an infinity: RFC 8259 §6 has no such numbers (ProtoJSON
    /// writes them as the strings "NaN", "Infinity", "-Infinity").
    #[error("NaN and Infinity are not JSON numbers")]
    NonFiniteNumber,
    /// A second value after the document's one top-level value (RFC 8259 §2).
    #[error("a JSON text holds exactly one top-level value")]
    SecondValue,
    /// [`Writer::finish`] before the value was complete.
    #[error(
        "the JSON value is incomplete: an array or object is still open, or nothing was written"
    )]
    Incomplete,
}

/// An array or object being written.
#[derive(Debug, Clone, Copy)]
struct Open {
    object: bool,
    members: usize,
    /// In an object: a key was written and its value comes next.
    after_key: bool,
}

/// Writes one JSON value piece by piece, without building a [`Value`]
/// tree: the ProtoJSON printer walks a message and calls these methods.
///
/// Every method returns the writer so calls chain; the first misuse is
/// kept (later calls then do nothing) and returned by [`Writer::finish`].
///
/// ```
/// use grpclite::json::{Style, Writer};
/// let mut w = Writer::new(Style::Compact);
/// w.begin_object().key("id").string("7").key("n").f64(0.5).end_object();
/// assert_eq!(w.finish().unwrap(), r#"{"id":"7","n":0.5}"#);
/// ```
#[derive(Debug, Clone)]
pub struct Writer {
    out: String,
    style: Style,
    open: Vec<Open>,
    wrote_root: bool,
    error: Option<WriteError>,
}

impl Writer {
    /// A writer producing text in `style`.
    pub fn new(style: Style) -> Writer {
        Writer {
            out: String::new(),
            style,
            open: Vec::new(),
            wrote_root: false,
            error: None,
        }
    }

    /// Opens an object; members follow as [`Writer::key`] then a value.
    pub fn begin_object(&mut self) -> &mut Self {
        self.begin(true)
    }

    /// Closes the innermost object.
    pub fn end_object(&mut self) -> &mut Self {
        self.end(true)
    }

    /// Opens an array; elements follow as values.
    pub fn begin_array(&mut self) -> &mut Self {
        self.begin(false)
    }

    /// Closes the innermost array.
    pub fn end_array(&mut self) -> &mut Self {
        self.end(false)
    }

    /// Writes a member name in the innermost object; its value comes next.
    pub fn key(&mut self, name: &str) -> &mut Self {
        if self.error.is_some() {
            return self;
        }
        let Some(open) = self.open.last_mut() else {
            return self.fail(WriteError::MisplacedKey);
        };
        if !open.object || open.after_key {
            return self.fail(WriteError::MisplacedKey);
        }
        let first = open.members == 0;
        open.members = open.members.saturating_add(1);
        open.after_key = true;
        self.separator(first);
        write_string(&mut self.out, name);
        self.out.push_str(match self.style {
            Style::Compact => ":",
            Style::Pretty => ": ",
        });
        self
    }

    /// Writes a string value, escaped as RFC 8259 §7 requires.
    pub fn string(&mut self, value: &str) -> &mut Self {
        if self.before_value() {
            write_string(&mut self.out, value);
        }
        self
    }

    /// Writes `null`.
    pub fn null(&mut self) -> &mut Self {
        self.raw("null")
    }

    /// Writes `true` or `false`.
    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.raw(if value { "true" } else { "false" })
    }

    /// Writes an unsigned integer as a JSON number, exactly.
    pub fn u64(&mut self, value: u64) -> &mut Self {
        if self.before_value() {
            use fmt::Write;
            let _ = write!(self.out, "{value}");
        }
        self
    }

    /// Writes a signed integer as a JSON number, exactly.
    pub fn i64(&mut self, value: i64) -> &mut Self {
        if self.before_value() {
            use fmt::Write;
            let _ = write!(self.out, "{value}");
        }
        self
    }

    /// Writes a finite float in the shortest form that reads back as the
    /// same `f64` (see [`Number::from_f64`]). NaN and the infinities are
    /// an error: the caller decides what to write instead.
    pub fn f64(&mut self, value: f64) -> &mut Self {
        match Number::from_f64(value) {
            Some(n) => self.raw(n.as_str()),
            None => self.fail(WriteError::NonFiniteNumber),
        }
    }

    /// Writes a number from its lexeme, unchanged.
    pub fn number(&mut self, value: &Number) -> &mut Self {
        self.raw(value.as_str())
    }

    /// Writes a whole [`Value`], nested values included.
    pub fn value(&mut self, value: &Value) -> &mut Self {
        match value {
            Value::Null => self.null(),
            Value::Bool(b) => self.bool(*b),
            Value::Number(n) => self.number(n),
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.begin_array();
                for item in items {
                    self.value(item);
                }
                self.end_array()
            }
            Value::Object(members) => {
                self.begin_object();
                for (name, member) in members {
                    self.key(name).value(member);
                }
                self.end_object()
            }
        }
    }

    /// The first misuse so far, if any.
    pub fn error(&self) -> Option<WriteError> {
        self.error
    }

    /// The finished text, or the first misuse; also an error if arrays or
    /// objects are still open or nothing was written.
    pub fn finish(self) -> Result<String, WriteError> {
        match self.error {
            Some(e) => Err(e),
            None if !self.wrote_root || !self.open.is_empty() => Err(WriteError::Incomplete),
            None => Ok(self.out),
        }
    }

    fn raw(&mut self, text: &str) -> &mut Self {
        if self.before_value() {
            self.out.push_str(text);
        }
        self
    }

    fn begin(&mut self, object: bool) -> &mut Self {
        if self.before_value() {
            self.out.push(if object { '{' } else { '[' });
            self.open.push(Open {
                object,
                members: 0,
                after_key: false,
            });
        }
        self
    }

    fn end(&mut self, object: bool) -> &mut Self {
        if self.error.is_some() {
            return self;
        }
        match self.open.last() {
            Some(open) if open.object == object && !open.after_key => {
                let members = open.members;
                self.open.pop();
                if members > 0 && self.style == Style::Pretty {
                    self.newline();
                }
                self.out.push(if object { '}' } else { ']' });
                self
            }
            _ => self.fail(WriteError::UnbalancedEnd),
        }
    }

    /// Checks that a value may come here and writes what goes before it.
    fn before_value(&mut self) -> bool {
        if self.error.is_some() {
            return false;
        }
        match self.open.last_mut() {
            None if self.wrote_root => {
                self.fail(WriteError::SecondValue);
                false
            }
            None => {
                self.wrote_root = true;
                true
            }
            Some(open) if open.object => {
                if open.after_key {
                    open.after_key = false;
                    true
                } else {
                    self.fail(WriteError::ValueWithoutKey);
                    false
                }
            }
            Some(open) => {
                let first = open.members == 0;
                open.members = open.members.saturating_add(1);
                self.separator(first);
                true
            }
        }
    }

    /// The comma (unless first) and, when pretty, the line break and
    /// indent before a member or element.
    fn separator(&mut self, first: bool) {
        if !first {
            self.out.push(',');
        }
        if self.style == Style::Pretty {
            self.newline();
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }

    fn fail(&mut self, error: WriteError) -> &mut Self {
        self.error.get_or_insert(error);
        self
    }
}

/// Appends `value` as a JSON string: quotes, `\"` and `\\`, the short
/// escapes for the usual control characters and `\u00XX` for the rest
/// (RFC 8259 §7 requires U+0000 to U+001F escaped); everything else,
/// non-ASCII included, is written as UTF-8.
fn write_string(out: &mut String, value: &str) {
    out.push('"');
    let mut rest = value;
    while let Some(at) = rest
        .bytes()
        .position(|b| b == b'"' || b == b'\\' || b < 0x20)
    {
        // `at` is on an ASCII byte, so always a character boundary.
        let Some((run, tail)) = rest.split_at_checked(at) else {
            break;
        };
        out.push_str(run);
        let mut chars = tail.chars();
        match chars.next() {
            Some('"') => out.push_str("\\\""),
            Some('\\') => out.push_str("\\\\"),
            Some('\n') => out.push_str("\\n"),
            Some('\r') => out.push_str("\\r"),
            Some('\t') => out.push_str("\\t"),
            Some('\u{8}') => out.push_str("\\b"),
            Some('\u{c}') => out.push_str("\\f"),
            Some(c) => {
                use fmt::Write;
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            None => {}
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out.push('"');
}

/// `value` as compact JSON text.
pub fn to_string(value: &Value) -> String {
    write_value(value, Style::Compact)
}

/// `value` as JSON text indented by two spaces.
pub fn to_string_pretty(value: &Value) -> String {
    write_value(value, Style::Pretty)
}

fn write_value(value: &Value, style: Style) -> String {
    let mut writer = Writer::new(style);
    writer.value(value);
    // A lone value is always one complete document; keep what was written
    // even if that ever changed.
    let Writer { out, .. } = writer;
    out
}

impl fmt::Display for Value {
    /// Compact JSON text; `{:#}` gives the pretty form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let style = if f.alternate() {
            Style::Pretty
        } else {
            Style::Compact
        };
        f.write_str(&write_value(self, style))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse, parse_bytes};
    use quickcheck::{quickcheck, Arbitrary, Gen};

    fn n(lexeme: &str) -> Value {
        Value::Number(Number::from_lexeme(lexeme).unwrap())
    }

    fn sample() -> Value {
        Value::Object(vec![
            ("a".into(), n("1")),
            (
                "b".into(),
                Value::Array(vec![Value::Bool(true), Value::Null, n("-2.5e10")]),
            ),
            ("c".into(), Value::Object(vec![])),
            ("d".into(), Value::Array(vec![])),
            ("e".into(), Value::Object(vec![("f".into(), "g".into())])),
        ])
    }

    #[test]
    fn compact() {
        let text = r#"{"a":1,"b":[true,null,-2.5e10],"c":{},"d":[],"e":{"f":"g"}}"#;
        assert_eq!(to_string(&sample()), text);
        assert_eq!(sample().to_string(), text);
    }

    #[test]
    fn pretty() {
        let text = "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null,\n    -2.5e10\n  ],\n  \"c\": {},\n  \"d\": [],\n  \"e\": {\n    \"f\": \"g\"\n  }\n}";
        assert_eq!(to_string_pretty(&sample()), text);
        assert_eq!(format!("{:#}", sample()), text);
        assert_eq!(to_string_pretty(&Value::Null), "null");
        assert_eq!(parse(text), Ok(sample()));
    }

    #[test]
    fn escapes_strings() {
        let cases = [
            ("plain", r#""plain""#),
            ("q\"b\\s/", r#""q\"b\\s/""#),
            ("\n\r\t\u{8}\u{c}", r#""\n\r\t\b\f""#),
            ("\0\u{1}\u{1f}", r#""\u0000\u0001\u001f""#),
            (
                "\u{7f}\u{e9}\u{2028}\u{1F600}",
                "\"\u{7f}\u{e9}\u{2028}\u{1F600}\"",
            ),
            ("", r#""""#),
        ];
        for (value, text) in cases {
            assert_eq!(to_string(&value.into()), text, "{value:?}");
        }
    }

    #[test]
    fn streams_numbers() {
        let mut w = Writer::new(Style::Compact);
        w.begin_array()
            .u64(u64::MAX)
            .i64(i64::MIN)
            .f64(0.1)
            .f64(-0.0)
            .f64(1e300)
            .f64(5e-324)
            .f64(1e21)
            .f64(123456.0)
            .f64(1e-7)
            .number(&Number::from_lexeme("1.50E+2").unwrap())
            .end_array();
        assert_eq!(
            w.finish(),
            Ok("[18446744073709551615,-9223372036854775808,0.1,-0,1e300,5e-324,1e21,123456,0.0000001,1.50E+2]".to_owned())
        );
    }

    #[test]
    fn records_first_misuse() {
        use WriteError::*;
        let run = |f: &dyn Fn(&mut Writer)| {
            let mut w = Writer::new(Style::Compact);
            f(&mut w);
            w.finish()
        };
        assert_eq!(
            run(&|w| {
                w.f64(f64::NAN);
            }),
            Err(NonFiniteNumber)
        );
        assert_eq!(
            run(&|w| {
                w.begin_array().f64(f64::NEG_INFINITY).end_array();
            }),
            Err(NonFiniteNumber)
        );
        assert_eq!(
            run(&|w| {
                w.begin_object().null();
            }),
            Err(ValueWithoutKey)
        );
        assert_eq!(
            run(&|w| {
                w.begin_array().key("a");
            }),
            Err(MisplacedKey)
        );
        assert_eq!(
            run(&|w| {
                w.key("a");
            }),
            Err(MisplacedKey)
        );
        assert_eq!(
            run(&|w| {
                w.begin_object().key("a").key("b");
            }),
            Err(MisplacedKey)
        );
        assert_eq!(
            run(&|w| {
                w.begin_object().key("a").end_object();
            }),
            Err(UnbalancedEnd)
        );
        assert_eq!(
            run(&|w| {
                w.begin_object().end_array();
            }),
            Err(UnbalancedEnd)
        );
        assert_eq!(
            run(&|w| {
                w.end_array();
            }),
            Err(UnbalancedEnd)
        );
        assert_eq!(
            run(&|w| {
                w.null().null();
            }),
            Err(SecondValue)
        );
        assert_eq!(
            run(&|w| {
                w.begin_array();
            }),
            Err(Incomplete)
        );
        assert_eq!(run(&|_| {}), Err(Incomplete));
        // Calls after the first misuse change nothing.
        let mut w = Writer::new(Style::Compact);
        w.begin_object().null().key("a").null().end_object();
        assert_eq!(w.error(), Some(ValueWithoutKey));
    }

    /// Random values for the round-trip property, a few levels deep.
    impl Arbitrary for Value {
        fn arbitrary(g: &mut Gen) -> Value {
            arbitrary_value(g, 4)
        }

        fn shrink(&self) -> Box<dyn Iterator<Item = Value>> {
            match self {
                Value::Array(items) => Box::new(items.shrink().map(Value::Array)),
                Value::Object(members) => Box::new(members.shrink().map(Value::Object)),
                Value::String(s) => Box::new(s.shrink().map(Value::String)),
                _ => Box::new(std::iter::empty()),
            }
        }
    }

    fn arbitrary_number(g: &mut Gen) -> Number {
        match u8::arbitrary(g) % 4 {
            0 => Number::from(u64::arbitrary(g)),
            1 => Number::from(i64::arbitrary(g)),
            2 => Number::from_f64(f64::arbitrary(g)).unwrap_or_else(|| Number::from(0u64)),
            _ => {
                // Any lexeme of the grammar: sign, int, fraction, exponent.
                let digits = |g: &mut Gen, first_nonzero: bool| {
                    let len = usize::arbitrary(g) % 5 + 1;
                    let mut s: String = (0..len)
                        .map(|_| char::from(b'0' + u8::arbitrary(g) % 10))
                        .collect();
                    if first_nonzero && s.starts_with('0') {
                        s = if len == 1 {
                            "0".into()
                        } else {
                            format!("1{}", &s[1..])
                        };
                    }
                    s
                };
                let mut text = String::new();
                if bool::arbitrary(g) {
                    text.push('-');
                }
                text += &digits(g, true);
                if bool::arbitrary(g) {
                    text += ".";
                    text += &digits(g, false);
                }
                if bool::arbitrary(g) {
                    text += g.choose(&["e", "E", "e+", "E-", "e-"]).unwrap();
                    text += &digits(g, false);
                }
                Number::from_lexeme(&text).unwrap()
            }
        }
    }

    fn arbitrary_value(g: &mut Gen, depth: usize) -> Value {
        let kinds = if depth == 0 { 4 } else { 6 };
        match u8::arbitrary(g) % kinds {
            0 => Value::Null,
            1 => Value::Bool(bool::arbitrary(g)),
            2 => Value::Number(arbitrary_number(g)),
            3 => Value::String(String::arbitrary(g)),
            4 => {
                let len = usize::arbitrary(g) % 5;
                Value::Array((0..len).map(|_| arbitrary_value(g, depth - 1)).collect())
            }
            _ => {
                let len = usize::arbitrary(g) % 5;
                Value::Object(
                    (0..len)
                        .map(|_| (String::arbitrary(g), arbitrary_value(g, depth - 1)))
                        .collect(),
                )
            }
        }
    }

    quickcheck! {
        fn round_trip_compact(value: Value) -> bool {
            parse(&to_string(&value)) == Ok(value)
        }

        fn round_trip_pretty(value: Value) -> bool {
            parse(&to_string_pretty(&value)) == Ok(value)
        }

        /// The fuzz oracle: whatever parses, writes and parses back equal.
        fn reader_never_panics_on_strings(text: String) -> bool {
            match parse(&text) {
                Ok(value) => parse(&to_string(&value)) == Ok(value),
                Err(_) => true,
            }
        }

        fn reader_never_panics_on_bytes(bytes: Vec<u8>) -> bool {
            match parse_bytes(&bytes) {
                Ok(value) => parse(&to_string(&value)) == Ok(value),
                Err(_) => true,
            }
        }

        /// Arbitrary strings rarely look like JSON; splicing JSON's own
        /// characters together reaches the reader's deeper states.
        fn reader_never_panics_on_json_soup(picks: Vec<u8>) -> bool {
            const SOUP: [&str; 24] = [
                "{", "}", "[", "]", ",", ":", " ", "\"", "\\", "\\u", "d83d", "DC00",
                "0", "-", "1", ".", "e", "+", "true", "null", "\"a\"", "\n", "/", "\u{e9}",
            ];
            let text: String = picks.iter().map(|&p| SOUP[usize::from(p) % SOUP.len()]).collect();
            match parse(&text) {
                Ok(value) => parse(&to_string(&value)) == Ok(value),
                Err(e) => e.offset() <= text.len(),
            }
        }
    }
}
