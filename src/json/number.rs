//! A JSON number kept as its exact text (RFC 8259 §6).

use std::fmt;

use super::error::{Error, ErrorKind};

/// A JSON number, kept as the exact lexeme it was read from.
///
/// RFC 8259 §6 leaves the precision of numbers to implementations; keeping
/// the text means an int64 or uint64 like `18446744073709551615` survives
/// reading and writing unchanged, and converting to a Rust number happens
/// only when the caller says which type it wants.
///
/// Two numbers are equal when their lexemes are equal: `1.0` and `1` are
/// different `Number`s with the same value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    lexeme: String,
}

impl Number {
    /// Validates `text` against the RFC 8259 §6 number grammar and keeps it.
    ///
    /// ProtoJSON uses this for quoted numbers (`"1e2"` in an int64 field).
    /// The error offset counts bytes within `text`.
    pub fn from_lexeme(text: &str) -> Result<Number, Error> {
        let bytes = text.as_bytes();
        let end = scan(bytes, 0).map_err(|(kind, at)| Error::at(kind, bytes, at))?;
        if end != bytes.len() {
            return Err(Error::at(ErrorKind::TrailingCharacters, bytes, end));
        }
        Ok(Number {
            lexeme: text.to_owned(),
        })
    }

    /// Wraps a lexeme the reader already checked with [`scan`].
    pub(crate) fn from_checked(lexeme: &str) -> Number {
        Number {
            lexeme: lexeme.to_owned(),
        }
    }

    /// The shortest text that reads back as exactly `value`, or `None` for
    /// NaN and the infinities, which RFC 8259 §6 does not permit as numbers.
    ///
    /// Plain decimal between 1e-7 and 1e21 (`0.1`, `-2`, `1.5`), exponent
    /// form outside it (`1e300`, `5e-324`), so huge or tiny values stay short.
    pub fn from_f64(value: f64) -> Option<Number> {
        if !value.is_finite() {
            return None;
        }
        let magnitude = value.abs();
        let lexeme = if magnitude == 0.0 || (1e-7..1e21).contains(&magnitude) {
            format!("{value}")
        } else {
            format!("{value:e}")
        };
        Some(Number { lexeme })
    }

    /// The exact text of the number, as read or written.
    pub fn as_str(&self) -> &str {
        &self.lexeme
    }

    /// The number as a `u64` if its value is an integer in range.
    ///
    /// Exact, never rounded. Exponent and fraction forms count when the
    /// value is integral, as ProtoJSON requires for integer fields
    /// (`1e2` and `100.0` are 100, `1.50e1` is 15); `1.5`, `15e-1` and
    /// anything past `u64::MAX` give `None`. `-0` is 0.
    pub fn as_u64(&self) -> Option<u64> {
        match self.exact_integer()? {
            (false, magnitude) => Some(magnitude),
            (true, 0) => Some(0),
            (true, _) => None,
        }
    }

    /// The number as an `i64` if its value is an integer in range.
    ///
    /// Exact, with the same rules as [`Number::as_u64`].
    pub fn as_i64(&self) -> Option<i64> {
        let (negative, magnitude) = self.exact_integer()?;
        let magnitude = i128::from(magnitude);
        i64::try_from(if negative { -magnitude } else { magnitude }).ok()
    }

    /// The nearest `f64`, or `None` if the magnitude is too large for one.
    ///
    /// Rounds to nearest like any decimal-to-binary conversion; a value
    /// too small for an `f64` becomes zero.
    pub fn as_f64(&self) -> Option<f64> {
        // The JSON number grammar is a subset of what `f64::from_str` reads.
        self.lexeme.parse::<f64>().ok().filter(|v| v.is_finite())
    }

    /// Sign and magnitude if the value is an integer that fits in a `u64`.
    fn exact_integer(&self) -> Option<(bool, u64)> {
        let text = self.lexeme.as_bytes();
        let (negative, text) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let (mantissa, exponent) = match text.iter().position(|&b| b == b'e' || b == b'E') {
            Some(i) => (
                text.get(..i).unwrap_or_default(),
                text.get(i.saturating_add(1)..).unwrap_or_default(),
            ),
            None => (text, &[][..]),
        };
        let (int, frac) = match mantissa.iter().position(|&b| b == b'.') {
            Some(i) => (
                mantissa.get(..i).unwrap_or_default(),
                mantissa.get(i.saturating_add(1)..).unwrap_or_default(),
            ),
            None => (mantissa, &[][..]),
        };
        // Saturating is exact enough: any exponent past i64 makes a nonzero
        // value far too large or too small for a u64 anyway.
        let exponent = match exponent.split_first() {
            Some((b'-', digits)) => -decimal_saturating(digits),
            Some((b'+', digits)) => decimal_saturating(digits),
            Some(_) => decimal_saturating(exponent),
            None => 0,
        };
        let digits = || int.iter().chain(frac.iter()).map(|&b| b.wrapping_sub(b'0'));
        let count = int.len().saturating_add(frac.len());
        let Some(first) = digits().position(|d| d != 0) else {
            return Some((negative, 0)); // zero, whatever the exponent
        };
        let trailing_zeros = digits().rev().position(|d| d != 0).unwrap_or(0);
        let last = count.saturating_sub(trailing_zeros).saturating_sub(1);
        // value = significant digits x 10^shift
        let shift = exponent
            .saturating_sub(i64::try_from(frac.len()).unwrap_or(i64::MAX))
            .saturating_add(i64::try_from(trailing_zeros).unwrap_or(i64::MAX));
        if shift < 0 {
            return None; // a nonzero digit after the decimal point
        }
        let significant = last.saturating_sub(first).saturating_add(1);
        // u64::MAX has 20 digits.
        if i64::try_from(significant).ok()?.saturating_add(shift) > 20 {
            return None;
        }
        let mut magnitude: u64 = 0;
        for d in digits().skip(first).take(significant) {
            magnitude = magnitude.checked_mul(10)?.checked_add(u64::from(d))?;
        }
        for _ in 0..shift {
            magnitude = magnitude.checked_mul(10)?;
        }
        Some((negative, magnitude))
    }
}

/// The value of a run of ASCII digits, saturating at `i64::MAX`.
fn decimal_saturating(digits: &[u8]) -> i64 {
    digits.iter().fold(0i64, |acc, &b| {
        acc.saturating_mul(10)
            .saturating_add(i64::from(b.wrapping_sub(b'0')))
    })
}

/// Scans an RFC 8259 §6 number starting at `start`; returns the end offset,
/// or the error and the offset where it was found.
///
/// ```text
/// number = [ minus ] int [ frac ] [ exp ]
/// int    = zero / ( digit1-9 *DIGIT )
/// frac   = decimal-point 1*DIGIT
/// exp    = e [ minus / plus ] 1*DIGIT
/// ```
pub(crate) fn scan(bytes: &[u8], start: usize) -> Result<usize, (ErrorKind, usize)> {
    let at = |i: usize| bytes.get(i).copied();
    let digits_from = |mut i: usize| {
        while at(i).is_some_and(|b| b.is_ascii_digit()) {
            i = i.saturating_add(1);
        }
        i
    };
    let mut i = start;
    if at(i) == Some(b'-') {
        i = i.saturating_add(1);
    }
    match at(i) {
        Some(b'0') => {
            i = i.saturating_add(1);
            if at(i).is_some_and(|b| b.is_ascii_digit()) {
                return Err((ErrorKind::LeadingZero, i.saturating_sub(1)));
            }
        }
        Some(b'1'..=b'9') => i = digits_from(i),
        Some(b'+') if i == start => return Err((ErrorKind::LeadingPlus, i)),
        None => return Err((ErrorKind::UnexpectedEnd, i)),
        Some(_) => return Err((ErrorKind::MissingIntegerDigits, i)),
    }
    if at(i) == Some(b'.') {
        i = i.saturating_add(1);
        let end = digits_from(i);
        if end == i {
            return Err((ErrorKind::MissingFractionDigits, i));
        }
        i = end;
    }
    if matches!(at(i), Some(b'e' | b'E')) {
        i = i.saturating_add(1);
        if matches!(at(i), Some(b'+' | b'-')) {
            i = i.saturating_add(1);
        }
        let end = digits_from(i);
        if end == i {
            return Err((ErrorKind::MissingExponentDigits, i));
        }
        i = end;
    }
    Ok(i)
}

impl fmt::Display for Number {
    /// Writes the lexeme unchanged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lexeme)
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Number {
        Number {
            lexeme: value.to_string(),
        }
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Number {
        Number {
            lexeme: value.to_string(),
        }
    }
}

impl From<u32> for Number {
    fn from(value: u32) -> Number {
        Number::from(u64::from(value))
    }
}

impl From<i32> for Number {
    fn from(value: i32) -> Number {
        Number::from(i64::from(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    fn number(lexeme: &str) -> Number {
        Number::from_lexeme(lexeme).unwrap()
    }

    #[test]
    fn exact_unsigned() {
        let cases: &[(&str, Option<u64>)] = &[
            ("0", Some(0)),
            ("-0", Some(0)),
            ("-0.0e5", Some(0)),
            ("0e99999999999999999999999", Some(0)),
            ("7", Some(7)),
            ("1e2", Some(100)),
            ("1E+2", Some(100)),
            ("100.0", Some(100)),
            ("1.50e1", Some(15)),
            ("100e-2", Some(1)),
            ("1000e-3", Some(1)),
            ("18446744073709551615", Some(u64::MAX)),
            ("1.8446744073709551615e19", Some(u64::MAX)),
            ("184467440737095516150e-1", Some(u64::MAX)),
            ("1e19", Some(10_000_000_000_000_000_000)),
            (
                "123456789012345678900000000000e-10",
                Some(12_345_678_901_234_567_890),
            ),
            ("123456789012345678901234567890e-10", None),
            ("0.000000000000000000000000000001e30", Some(1)),
            ("18446744073709551616", None),
            ("2e19", None),
            ("1e20", None),
            ("1e99999999999999999999999", None),
            ("1.5", None),
            ("15e-1", None),
            ("10e-2", None),
            ("1e-99999999999999999999999", None),
            ("0.5", None),
            ("-1", None),
            ("-1e2", None),
        ];
        for &(lexeme, want) in cases {
            assert_eq!(number(lexeme).as_u64(), want, "{lexeme}");
        }
    }

    #[test]
    fn exact_signed() {
        let cases: &[(&str, Option<i64>)] = &[
            ("0", Some(0)),
            ("-0", Some(0)),
            ("-1", Some(-1)),
            ("-1e2", Some(-100)),
            ("-2.50e1", Some(-25)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("-9.223372036854775808e18", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("-9223372036854775809", None),
            ("18446744073709551615", None),
            ("-1.5", None),
        ];
        for &(lexeme, want) in cases {
            assert_eq!(number(lexeme).as_i64(), want, "{lexeme}");
        }
    }

    #[test]
    fn nearest_float() {
        let cases: &[(&str, Option<f64>)] = &[
            ("0.1", Some(0.1)),
            ("-2.5e-3", Some(-0.0025)),
            ("18446744073709551615", Some(18446744073709551615.0)),
            ("1.7976931348623157e308", Some(f64::MAX)),
            ("1e-400", Some(0.0)),
            ("1e400", None),
            ("-1e400", None),
        ];
        for &(lexeme, want) in cases {
            assert_eq!(number(lexeme).as_f64(), want, "{lexeme}");
        }
        assert!(number("-0")
            .as_f64()
            .is_some_and(|v| v == 0.0 && v.is_sign_negative()));
    }

    #[test]
    fn lexeme_is_kept_and_checked() {
        assert_eq!(number("1.50E+2").as_str(), "1.50E+2");
        assert_eq!(number("1.50E+2").to_string(), "1.50E+2");
        assert_ne!(number("1.0"), number("1"));
        use ErrorKind::*;
        let cases: &[(&str, ErrorKind, usize)] = &[
            ("", UnexpectedEnd, 0),
            (" 1", MissingIntegerDigits, 0),
            ("1 ", TrailingCharacters, 1),
            ("01", LeadingZero, 0),
            ("+1", LeadingPlus, 0),
            ("1.", MissingFractionDigits, 2),
            ("1e", MissingExponentDigits, 2),
            ("NaN", MissingIntegerDigits, 0),
            ("0x1", TrailingCharacters, 1),
            ("--1", MissingIntegerDigits, 1),
        ];
        for &(text, kind, offset) in cases {
            let e = Number::from_lexeme(text).unwrap_err();
            assert_eq!((e.kind(), e.offset()), (kind, offset), "{text:?}");
        }
    }

    #[test]
    fn from_integers_and_floats() {
        assert_eq!(Number::from(u64::MAX).as_str(), "18446744073709551615");
        assert_eq!(Number::from(i64::MIN).as_str(), "-9223372036854775808");
        assert_eq!(Number::from(-5i32).as_str(), "-5");
        assert_eq!(Number::from(5u32).as_str(), "5");
        let floats: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (0.1, "0.1"),
            (-1.5, "-1.5"),
            (1e20, "100000000000000000000"),
            (1e21, "1e21"),
            (1e-7, "0.0000001"),
            (1e-8, "1e-8"),
            (f64::MAX, "1.7976931348623157e308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
        ];
        for &(value, lexeme) in floats {
            assert_eq!(
                Number::from_f64(value).map(|n| n.lexeme),
                Some(lexeme.into())
            );
        }
        assert_eq!(Number::from_f64(f64::NAN), None);
        assert_eq!(Number::from_f64(f64::INFINITY), None);
        assert_eq!(Number::from_f64(f64::NEG_INFINITY), None);
    }

    quickcheck! {
        fn u64_round_trips(value: u64) -> bool {
            Number::from(value).as_u64() == Some(value)
                && Number::from_lexeme(&format!("{value}.000e0")).ok().and_then(|n| n.as_u64()) == Some(value)
        }

        fn i64_round_trips(value: i64) -> bool {
            Number::from(value).as_i64() == Some(value)
        }

        fn scaled_integers_are_exact(value: u32, zeros: u8) -> bool {
            // value x 10^zeros written as "value" + zeros x "0" and as "valueEzeros".
            let zeros = usize::from(zeros % 12);
            let plain = format!("{value}{}", "0".repeat(zeros));
            let want = plain.parse::<u64>().ok();
            let exp = Number::from_lexeme(&format!("{value}e{zeros}")).ok().and_then(|n| n.as_u64());
            let frac = Number::from_lexeme(&format!("{value}.{}e{}", "0".repeat(zeros + 1), zeros))
                .ok()
                .and_then(|n| n.as_u64());
            exp == want && frac == want
        }

        fn f64_round_trips(value: f64) -> bool {
            match Number::from_f64(value) {
                Some(n) => n.as_f64().map(f64::to_bits) == Some(value.to_bits())
                    && Number::from_lexeme(n.as_str()).is_ok(),
                None => !value.is_finite(),
            }
        }

        fn from_lexeme_never_panics(text: String) -> bool {
            match Number::from_lexeme(&text) {
                Ok(n) => {
                    let _ = (n.as_u64(), n.as_i64(), n.as_f64());
                    true
                }
                Err(e) => e.offset() <= text.len(),
            }
        }
    }
}
