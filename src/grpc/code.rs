//! gRPC status codes (statuscodes.md): one table gives each code its number,
//! canonical name and meaning.

use core::fmt;

/// Declares [`Code`] and its lookups from one table, so number, name and doc
/// cannot drift apart.
macro_rules! status_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $number:literal, $name:literal; )*) => {
        /// A gRPC status code, as carried in the `grpc-status` trailer.
        ///
        /// Numbers a peer sends that are not in this table are read as
        /// [`Code::Unknown`] (see [`Code::from_number`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant = $number, )*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: [Code; 17] = [$(Code::$variant),*];

            /// The code for a number received from a peer; numbers outside the
            /// table become [`Code::Unknown`].
            pub fn from_number(number: u32) -> Code {
                match number {
                    $( $number => Code::$variant, )*
                    _ => Code::Unknown,
                }
            }

            /// The canonical upper-case name, such as `DEADLINE_EXCEEDED`.
            pub fn name(self) -> &'static str {
                match self {
                    $( Code::$variant => $name, )*
                }
            }

            /// The code whose canonical name is `name` (exact, upper case).
            pub fn from_name(name: &str) -> Option<Code> {
                match name {
                    $( $name => Some(Code::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

status_codes! {
    /// Not an error; returned on success.
    Ok = 0, "OK";
    /// The operation was cancelled, typically by the caller.
    Cancelled = 1, "CANCELLED";
    /// Unknown error, including a status a peer sent that could not be parsed.
    Unknown = 2, "UNKNOWN";
    /// The client specified an invalid argument.
    InvalidArgument = 3, "INVALID_ARGUMENT";
    /// The deadline expired before the operation could complete.
    DeadlineExceeded = 4, "DEADLINE_EXCEEDED";
    /// Some requested entity was not found.
    NotFound = 5, "NOT_FOUND";
    /// The entity a client attempted to create already exists.
    AlreadyExists = 6, "ALREADY_EXISTS";
    /// The caller does not have permission to execute the operation.
    PermissionDenied = 7, "PERMISSION_DENIED";
    /// Some resource has been exhausted (quota, memory, a message size limit).
    ResourceExhausted = 8, "RESOURCE_EXHAUSTED";
    /// The system is not in a state required for the operation.
    FailedPrecondition = 9, "FAILED_PRECONDITION";
    /// The operation was aborted, typically because of a concurrency issue.
    Aborted = 10, "ABORTED";
    /// The operation was attempted past the valid range.
    OutOfRange = 11, "OUT_OF_RANGE";
    /// The operation is not implemented or supported (also: unknown method,
    /// unsupported compression, cardinality violations).
    Unimplemented = 12, "UNIMPLEMENTED";
    /// An invariant expected by the system is broken; a serious error.
    Internal = 13, "INTERNAL";
    /// The service is currently unavailable; retrying may succeed.
    Unavailable = 14, "UNAVAILABLE";
    /// Unrecoverable data loss or corruption.
    DataLoss = 15, "DATA_LOSS";
    /// The request lacks valid authentication credentials.
    Unauthenticated = 16, "UNAUTHENTICATED";
}

impl Code {
    /// The number sent in `grpc-status`.
    pub fn number(self) -> u32 {
        self as u32
    }

    /// Reads a `grpc-status` value: decimal ASCII digits without leading
    /// zeros (PROTOCOL-HTTP2.md "Responses"). `None` when it is not such a
    /// number; a well-formed number outside the table is [`Code::Unknown`].
    pub fn from_grpc_status(value: &[u8]) -> Option<Code> {
        let digits_ok = !value.is_empty()
            && value.len() <= 10
            && value.iter().all(u8::is_ascii_digit)
            && !(value.len() > 1 && value.first() == Some(&b'0'));
        if !digits_ok {
            return None;
        }
        // At most 10 digits: no overflow in u64.
        let number = value.iter().fold(0u64, |n, &digit| {
            n.saturating_mul(10)
                .saturating_add(u64::from(digit.saturating_sub(b'0')))
        });
        Some(u32::try_from(number).map_or(Code::Unknown, Code::from_number))
    }

    /// The `grpc-status` header value for this code.
    pub fn to_grpc_status(self) -> &'static [u8] {
        const DIGITS: [&[u8]; 17] = [
            b"0", b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8", b"9", b"10", b"11", b"12", b"13",
            b"14", b"15", b"16",
        ];
        DIGITS.get(self as usize).copied().unwrap_or(b"2")
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_numbers_and_names() {
        for (i, code) in Code::ALL.iter().enumerate() {
            assert_eq!(code.number() as usize, i);
            assert_eq!(Code::from_number(i as u32), *code);
            assert_eq!(Code::from_name(code.name()), Some(*code));
            assert_eq!(Code::from_grpc_status(code.to_grpc_status()), Some(*code));
        }
        assert_eq!(Code::DeadlineExceeded.name(), "DEADLINE_EXCEEDED");
        assert_eq!(Code::Unauthenticated.number(), 16);
        assert_eq!(Code::from_name("deadline_exceeded"), None);
    }

    #[test]
    fn unknown_numbers_become_unknown() {
        assert_eq!(Code::from_number(17), Code::Unknown);
        assert_eq!(Code::from_number(u32::MAX), Code::Unknown);
        assert_eq!(Code::from_grpc_status(b"17"), Some(Code::Unknown));
        assert_eq!(Code::from_grpc_status(b"9999999999"), Some(Code::Unknown));
    }

    #[test]
    fn malformed_grpc_status() {
        for bad in [
            &b""[..],
            b"01",
            b"-1",
            b" 0",
            b"0 ",
            b"1a",
            b"12345678901",
            b"+3",
        ] {
            assert_eq!(Code::from_grpc_status(bad), None, "{bad:?}");
        }
        assert_eq!(Code::from_grpc_status(b"0"), Some(Code::Ok));
        assert_eq!(Code::from_grpc_status(b"14"), Some(Code::Unavailable));
    }
}
