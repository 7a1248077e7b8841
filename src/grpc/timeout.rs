//! `grpc-timeout` (PROTOCOL-HTTP2.md "Requests"): TimeoutValue, a positive
//! integer of at most 8 ASCII digits, followed by one TimeoutUnit letter.

use core::time::Duration;

use bytes::Bytes;

/// The largest TimeoutValue: "at most 8 digits".
pub const MAX_TIMEOUT_VALUE: u64 = 99_999_999;

/// The units, finest first: letter and length in nanoseconds.
const UNITS: [(u8, u64); 6] = [
    (b'n', 1),
    (b'u', 1_000),
    (b'm', 1_000_000),
    (b'S', 1_000_000_000),
    (b'M', 60 * 1_000_000_000),
    (b'H', 3_600 * 1_000_000_000),
];

/// Why a `grpc-timeout` value could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimeoutError {
    /// The value was empty or had no unit letter.
    #[error("grpc-timeout is empty or lacks a unit")]
    Empty,
    /// TimeoutValue was not 1 to 8 ASCII digits.
    #[error("grpc-timeout value must be 1 to 8 ASCII digits")]
    BadDigits,
    /// The unit was not one of H, M, S, m, u, n.
    #[error("grpc-timeout unit {0:#04x} is not one of H M S m u n")]
    BadUnit(u8),
}

/// Reads a `grpc-timeout` header value such as `1S` or `250m`.
///
/// Zero (`0n`) is accepted and means the deadline has already passed.
pub fn parse(value: &[u8]) -> Result<Duration, TimeoutError> {
    let (&unit, digits) = value.split_last().ok_or(TimeoutError::Empty)?;
    if digits.is_empty() {
        return Err(TimeoutError::Empty);
    }
    if digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(TimeoutError::BadDigits);
    }
    let nanos_per_unit = UNITS
        .iter()
        .find(|(letter, _)| *letter == unit)
        .map(|(_, nanos)| *nanos)
        .ok_or(TimeoutError::BadUnit(unit))?;
    let count = digits.iter().fold(0u64, |n, &d| {
        n.saturating_mul(10)
            .saturating_add(u64::from(d.saturating_sub(b'0')))
    });
    // At most 99_999_999 hours: about 3.6e23 ns, so compute in u128.
    let nanos = u128::from(count) * u128::from(nanos_per_unit);
    let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
    let sub = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
    Ok(Duration::new(secs, sub))
}

/// Formats `timeout` for `grpc-timeout`.
///
/// Uses the coarsest unit that represents it exactly in at most 8 digits
/// (`2H`, `1500m`); when no unit is exact within 8 digits, the finest unit
/// that fits, rounding up so the server never sees a shorter deadline than
/// the client's. Durations beyond `99999999H` are sent as `99999999H`.
pub fn format(timeout: Duration) -> Bytes {
    let nanos = timeout.as_nanos();
    let exact = UNITS.iter().rev().find(|(_, per)| {
        let per = u128::from(*per);
        nanos % per == 0 && nanos / per <= u128::from(MAX_TIMEOUT_VALUE)
    });
    let (unit, count) = match exact {
        Some((unit, per)) => (*unit, nanos / u128::from(*per)),
        None => UNITS
            .iter()
            .map(|(unit, per)| (*unit, nanos.div_ceil(u128::from(*per))))
            .find(|(_, count)| *count <= u128::from(MAX_TIMEOUT_VALUE))
            .unwrap_or((b'H', u128::from(MAX_TIMEOUT_VALUE))),
    };
    let mut text = count.to_string().into_bytes();
    text.push(unit);
    Bytes::from(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{quickcheck, TestResult};

    #[test]
    fn parse_every_unit() {
        assert_eq!(parse(b"2H"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse(b"3M"), Ok(Duration::from_secs(180)));
        assert_eq!(parse(b"1S"), Ok(Duration::from_secs(1)));
        assert_eq!(parse(b"250m"), Ok(Duration::from_millis(250)));
        assert_eq!(parse(b"7u"), Ok(Duration::from_micros(7)));
        assert_eq!(parse(b"99999999n"), Ok(Duration::from_nanos(99_999_999)));
        assert_eq!(parse(b"0n"), Ok(Duration::ZERO));
        assert_eq!(
            parse(b"99999999H"),
            Ok(Duration::from_secs(99_999_999 * 3600))
        );
    }

    #[test]
    fn parse_rejects() {
        assert_eq!(parse(b""), Err(TimeoutError::Empty));
        assert_eq!(parse(b"S"), Err(TimeoutError::Empty));
        assert_eq!(parse(b"123456789S"), Err(TimeoutError::BadDigits));
        assert_eq!(parse(b"-1S"), Err(TimeoutError::BadDigits));
        assert_eq!(parse(b"1 S"), Err(TimeoutError::BadDigits));
        assert_eq!(parse(b"10s"), Err(TimeoutError::BadUnit(b's')));
        assert_eq!(parse(b"10"), Err(TimeoutError::BadUnit(b'0')));
    }

    #[test]
    fn format_picks_coarsest_exact_unit() {
        assert_eq!(&format(Duration::from_secs(7200))[..], b"2H");
        assert_eq!(&format(Duration::from_secs(90))[..], b"90S");
        assert_eq!(&format(Duration::from_secs(120))[..], b"2M");
        assert_eq!(&format(Duration::from_millis(1500))[..], b"1500m");
        assert_eq!(&format(Duration::from_nanos(1))[..], b"1n");
        assert_eq!(&format(Duration::ZERO)[..], b"0H");
        // Exact in ns but 9 digits there; microseconds, rounded up.
        assert_eq!(&format(Duration::from_nanos(100_000_001))[..], b"100001u");
    }

    #[test]
    fn format_rounds_up_when_inexact() {
        // 123.456789123 s: 12 digits in ns, 9 in us: milliseconds, rounded up.
        assert_eq!(&format(Duration::new(123, 456_789_123))[..], b"123457m");
        // 1 s + 1 ns: 10 digits of ns, so round up to microseconds.
        assert_eq!(&format(Duration::new(1, 1))[..], b"1000001u");
        assert_eq!(&format(Duration::MAX)[..], b"99999999H");
    }

    quickcheck! {
        fn parse_format_parse(count: u32, unit_index: u8) -> TestResult {
            let count = u64::from(count) % (MAX_TIMEOUT_VALUE + 1);
            let (unit, _) = UNITS[usize::from(unit_index) % UNITS.len()];
            let text = format!("{count}{}", unit as char);
            let Ok(parsed) = parse(text.as_bytes()) else { return TestResult::failed() };
            TestResult::from_bool(parse(&format(parsed)) == Ok(parsed))
        }

        fn format_never_shortens(secs: u64, nanos: u32) -> bool {
            let timeout = Duration::new(secs % (MAX_TIMEOUT_VALUE * 3600), nanos % 1_000_000_000);
            let text = format(timeout);
            text.len() <= 9 && matches!(parse(&text), Ok(back) if back >= timeout)
        }

        fn parse_never_panics(value: Vec<u8>) -> bool {
            let _ = parse(&value);
            true
        }
    }
}
