//! Checks that a decoded field section is a well-formed HTTP/2 request,
//! response or trailer section (RFC 9113 §8.1-§8.3, §8.5), and that DATA
//! adds up to content-length (§8.1.1).
//!
//! Every failure is a [`MalformedMessage`]: a stream error of type
//! PROTOCOL_ERROR (§8.1.1), which resets the stream and keeps the
//! connection. The checks run on the (name, value) pairs HPACK decoded, in
//! order, without copying them.

use crate::h2::frame::StreamId;
use crate::h2::stream_state::ErrorScope;
use crate::h2::{ErrorCode, H2Error};

/// Why a request, response or trailer section is malformed (§8.1.1).
///
/// `field` is the position of the offending field in the section,
/// counting from 0, pseudo-header fields included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedMessage {
    /// A field with an empty name; a name is a token (RFC 9110 §5.1).
    #[error("field {field}: empty name")]
    EmptyFieldName {
        /// Position of the field.
        field: usize,
    },
    /// An uppercase letter in a field name (§8.2.1).
    #[error("field {field}: uppercase letter in the name (RFC 9113 §8.2.1)")]
    UppercaseFieldName {
        /// Position of the field.
        field: usize,
    },
    /// A name octet outside the token characters: controls, space,
    /// separators, a colon outside a pseudo-header's first octet,
    /// non-ASCII (§8.2.1, RFC 9110 §5.1).
    #[error("field {field}: octet 0x{octet:02x} not allowed in a name (RFC 9113 §8.2.1)")]
    InvalidFieldNameOctet {
        /// Position of the field.
        field: usize,
        /// The octet.
        octet: u8,
    },
    /// NUL, CR, LF or another control octet in a value (§8.2.1,
    /// RFC 9110 §5.5).
    #[error("field {field}: octet 0x{octet:02x} not allowed in a value (RFC 9113 §8.2.1)")]
    InvalidFieldValueOctet {
        /// Position of the field.
        field: usize,
        /// The octet.
        octet: u8,
    },
    /// A value that starts or ends with space or tab (§8.2.1).
    #[error("field {field}: value starts or ends with whitespace (RFC 9113 §8.2.1)")]
    FieldValueSurroundingWhitespace {
        /// Position of the field.
        field: usize,
    },
    /// connection, keep-alive, proxy-connection, transfer-encoding or
    /// upgrade (§8.2.2).
    #[error("field {field}: connection-specific field {name} (RFC 9113 §8.2.2)")]
    ConnectionSpecificField {
        /// Position of the field.
        field: usize,
        /// Which one.
        name: &'static str,
    },
    /// `te` with a value other than `trailers`, or outside a request
    /// (§8.2.2).
    #[error("field {field}: te is allowed only in requests, as \"trailers\" (RFC 9113 §8.2.2)")]
    InvalidTe {
        /// Position of the field.
        field: usize,
    },
    /// A pseudo-header field RFC 9113 does not define (§8.3).
    #[error("field {field}: unknown pseudo-header field (RFC 9113 §8.3)")]
    UnknownPseudoHeader {
        /// Position of the field.
        field: usize,
    },
    /// A request pseudo-header in a response or the reverse (§8.3).
    #[error("field {field}: pseudo-header {name} does not belong in this message (RFC 9113 §8.3)")]
    MisplacedPseudoHeader {
        /// Position of the field.
        field: usize,
        /// Which one.
        name: &'static str,
    },
    /// Any pseudo-header field in trailers (§8.1).
    #[error("field {field}: pseudo-header field in trailers (RFC 9113 §8.1)")]
    PseudoHeaderInTrailers {
        /// Position of the field.
        field: usize,
    },
    /// A pseudo-header field after a regular field (§8.3).
    #[error("field {field}: pseudo-header field after a regular field (RFC 9113 §8.3)")]
    PseudoHeaderAfterRegularField {
        /// Position of the field.
        field: usize,
    },
    /// The same pseudo-header field twice (§8.3).
    #[error("field {field}: repeated pseudo-header {name} (RFC 9113 §8.3)")]
    DuplicatePseudoHeader {
        /// Position of the second occurrence.
        field: usize,
        /// Which one.
        name: &'static str,
    },
    /// A mandatory pseudo-header field is absent (§8.3.1, §8.3.2, §8.5).
    #[error("missing pseudo-header {name} (RFC 9113 §8.3)")]
    MissingPseudoHeader {
        /// Which one.
        name: &'static str,
    },
    /// `:method` is empty or not a token (RFC 9110 §9.1).
    #[error(":method is not a token (RFC 9110 §9.1)")]
    InvalidMethod,
    /// `:path` is empty (§8.3.1).
    #[error(":path is empty (RFC 9113 §8.3.1)")]
    EmptyPath,
    /// An http or https `:path` that neither starts with `/` nor is `*`
    /// (§8.3.1).
    #[error(":path of an http(s) request must start with '/' (RFC 9113 §8.3.1)")]
    InvalidPath,
    /// `:path` `*` on a method other than OPTIONS (§8.3.1).
    #[error(":path '*' is only for OPTIONS (RFC 9113 §8.3.1)")]
    AsteriskPathWithoutOptions,
    /// A CONNECT request with `:scheme` or `:path` (§8.5).
    #[error("CONNECT request with {name} (RFC 9113 §8.5)")]
    ConnectWithPseudoHeader {
        /// `:scheme` or `:path`.
        name: &'static str,
    },
    /// `:authority` with userinfo (`user@host`) on an http(s) request
    /// (§8.3.1).
    #[error(":authority includes userinfo (RFC 9113 §8.3.1)")]
    AuthorityWithUserinfo,
    /// `host` that names another authority than `:authority` (§8.3.1).
    #[error("field {field}: host differs from :authority (RFC 9113 §8.3.1)")]
    HostAuthorityMismatch {
        /// Position of the host field.
        field: usize,
    },
    /// More than one `host` field (RFC 9110 §7.2).
    #[error("field {field}: repeated host (RFC 9110 §7.2)")]
    DuplicateHost {
        /// Position of the second host field.
        field: usize,
    },
    /// `:status` that is not three digits from 100 to 599 (RFC 9110 §15).
    #[error(":status is not a three-digit code from 100 to 599 (RFC 9110 §15)")]
    InvalidStatus,
    /// `:status` 101, which HTTP/2 does not support (§8.6).
    #[error(":status 101 is not supported in HTTP/2 (RFC 9113 §8.6)")]
    SwitchingProtocols,
    /// A content-length that is not a decimal number of octets.
    #[error("field {field}: content-length is not a number (RFC 9110 §8.6)")]
    InvalidContentLength {
        /// Position of the field.
        field: usize,
    },
    /// Two content-length fields that disagree.
    #[error("field {field}: content-length disagrees with an earlier one (RFC 9110 §8.6)")]
    ConflictingContentLength {
        /// Position of the second field.
        field: usize,
    },
    /// The DATA payloads do not add up to content-length (§8.1.1).
    #[error("content-length {declared} but {received} octets of DATA (RFC 9113 §8.1.1)")]
    ContentLengthMismatch {
        /// The content-length.
        declared: u64,
        /// The DATA octets seen so far (padding excluded).
        received: u64,
    },
    /// An informational (1xx) response with END_STREAM (§8.1).
    #[error("informational response with END_STREAM (RFC 9113 §8.1)")]
    InformationalEndStream,
}

impl MalformedMessage {
    /// Always a stream error (§8.1.1).
    pub fn scope(&self) -> ErrorScope {
        ErrorScope::Stream
    }

    /// Always PROTOCOL_ERROR (§8.1.1).
    pub fn code(&self) -> ErrorCode {
        ErrorCode::ProtocolError
    }

    /// The stream error to send on `stream`.
    pub fn to_h2_error(&self, stream: StreamId) -> H2Error {
        H2Error::stream(stream, ErrorCode::ProtocolError, self.reason())
    }

    /// The rule broken, in a few words, without the details.
    pub fn reason(&self) -> &'static str {
        use MalformedMessage::*;
        match self {
            EmptyFieldName { .. } => "malformed: empty field name",
            UppercaseFieldName { .. } => "malformed: uppercase field name (RFC 9113 8.2.1)",
            InvalidFieldNameOctet { .. } => {
                "malformed: invalid octet in field name (RFC 9113 8.2.1)"
            }
            InvalidFieldValueOctet { .. } => {
                "malformed: invalid octet in field value (RFC 9113 8.2.1)"
            }
            FieldValueSurroundingWhitespace { .. } => {
                "malformed: whitespace around field value (RFC 9113 8.2.1)"
            }
            ConnectionSpecificField { .. } => {
                "malformed: connection-specific field (RFC 9113 8.2.2)"
            }
            InvalidTe { .. } => "malformed: te other than trailers (RFC 9113 8.2.2)",
            UnknownPseudoHeader { .. } => "malformed: unknown pseudo-header (RFC 9113 8.3)",
            MisplacedPseudoHeader { .. } => {
                "malformed: pseudo-header of the wrong message (RFC 9113 8.3)"
            }
            PseudoHeaderInTrailers { .. } => "malformed: pseudo-header in trailers (RFC 9113 8.1)",
            PseudoHeaderAfterRegularField { .. } => {
                "malformed: pseudo-header after a regular field (RFC 9113 8.3)"
            }
            DuplicatePseudoHeader { .. } => "malformed: repeated pseudo-header (RFC 9113 8.3)",
            MissingPseudoHeader { .. } => "malformed: missing pseudo-header (RFC 9113 8.3)",
            InvalidMethod => "malformed: :method is not a token",
            EmptyPath => "malformed: empty :path (RFC 9113 8.3.1)",
            InvalidPath => "malformed: :path does not start with '/' (RFC 9113 8.3.1)",
            AsteriskPathWithoutOptions => "malformed: :path '*' without OPTIONS (RFC 9113 8.3.1)",
            ConnectWithPseudoHeader { .. } => {
                "malformed: CONNECT with :scheme or :path (RFC 9113 8.5)"
            }
            AuthorityWithUserinfo => "malformed: userinfo in :authority (RFC 9113 8.3.1)",
            HostAuthorityMismatch { .. } => {
                "malformed: host differs from :authority (RFC 9113 8.3.1)"
            }
            DuplicateHost { .. } => "malformed: repeated host",
            InvalidStatus => "malformed: invalid :status",
            SwitchingProtocols => "malformed: :status 101 (RFC 9113 8.6)",
            InvalidContentLength { .. } => "malformed: invalid content-length",
            ConflictingContentLength { .. } => "malformed: conflicting content-length",
            ContentLengthMismatch { .. } => {
                "malformed: DATA does not match content-length (RFC 9113 8.1.1)"
            }
            InformationalEndStream => {
                "malformed: informational response ends the stream (RFC 9113 8.1)"
            }
        }
    }
}

/// The pseudo-header fields RFC 9113 defines (§8.3.1, §8.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PseudoHeader {
    Method,
    Scheme,
    Authority,
    Path,
    Status,
}

impl PseudoHeader {
    fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b":method" => Some(PseudoHeader::Method),
            b":scheme" => Some(PseudoHeader::Scheme),
            b":authority" => Some(PseudoHeader::Authority),
            b":path" => Some(PseudoHeader::Path),
            b":status" => Some(PseudoHeader::Status),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            PseudoHeader::Method => ":method",
            PseudoHeader::Scheme => ":scheme",
            PseudoHeader::Authority => ":authority",
            PseudoHeader::Path => ":path",
            PseudoHeader::Status => ":status",
        }
    }
}

/// The control data of a valid request (§8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// `:method`.
    pub method: &'a [u8],
    /// `:scheme`; absent only for CONNECT (§8.5).
    pub scheme: Option<&'a [u8]>,
    /// `:authority`; always present for CONNECT (§8.5).
    pub authority: Option<&'a [u8]>,
    /// `:path`; absent only for CONNECT (§8.5).
    pub path: Option<&'a [u8]>,
    /// The `content-length` field, if any.
    pub content_length: Option<u64>,
}

/// The control data of a valid response (§8.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    /// `:status`, from 100 to 599.
    pub status: u16,
    /// The `content-length` field, if any.
    pub content_length: Option<u64>,
}

impl Response {
    /// Whether this is an interim (1xx) response, to be followed by more
    /// HEADERS (§8.1).
    pub fn is_informational(&self) -> bool {
        (100..200).contains(&self.status)
    }

    /// Checks §8.1's framing rule for the HEADERS frame carrying this
    /// response: an informational response must not end the stream.
    pub fn check_end_stream(&self, end_stream: bool) -> Result<(), MalformedMessage> {
        if end_stream && self.is_informational() {
            return Err(MalformedMessage::InformationalEndStream);
        }
        Ok(())
    }
}

/// Which field section a regular field appears in; decides `te`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Request,
    Response,
    Trailers,
}

/// Whether `octet` is a token character (RFC 9110 §5.6.2) and so allowed
/// in a field name, lowercase letters only (§8.2.1).
fn is_name_octet(octet: u8) -> bool {
    matches!(octet,
        b'a'..=b'z' | b'0'..=b'9'
        | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.'
        | b'^' | b'_' | b'`' | b'|' | b'~')
}

/// Checks a field name's octets (§8.2.1); `name` excludes a pseudo-header's
/// leading colon.
fn check_name(field: usize, name: &[u8]) -> Result<(), MalformedMessage> {
    if name.is_empty() {
        return Err(MalformedMessage::EmptyFieldName { field });
    }
    match name.iter().copied().find(|&b| !is_name_octet(b)) {
        None => Ok(()),
        Some(b'A'..=b'Z') => Err(MalformedMessage::UppercaseFieldName { field }),
        Some(octet) => Err(MalformedMessage::InvalidFieldNameOctet { field, octet }),
    }
}

/// Checks a field value (§8.2.1): no NUL, CR, LF or other control octet
/// but tab (RFC 9110 §5.5), and no leading or trailing space or tab.
fn check_value(field: usize, value: &[u8]) -> Result<(), MalformedMessage> {
    if let Some(&octet) = value
        .iter()
        .find(|&&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        return Err(MalformedMessage::InvalidFieldValueOctet { field, octet });
    }
    let edge_whitespace = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    if edge_whitespace(value.first()) || edge_whitespace(value.last()) {
        return Err(MalformedMessage::FieldValueSurroundingWhitespace { field });
    }
    Ok(())
}

/// The connection-specific fields HTTP/2 forbids (§8.2.2).
const CONNECTION_SPECIFIC: [&str; 5] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
];

/// Checks one regular (non-pseudo) field: name, value, §8.2.2.
fn check_regular_field(
    field: usize,
    name: &[u8],
    value: &[u8],
    section: Section,
) -> Result<(), MalformedMessage> {
    check_name(field, name)?;
    check_value(field, value)?;
    if let Some(forbidden) = CONNECTION_SPECIFIC.iter().find(|n| n.as_bytes() == name) {
        return Err(MalformedMessage::ConnectionSpecificField {
            field,
            name: forbidden,
        });
    }
    // §8.2.2: te MAY be present in a request, only as "trailers".
    if name == b"te" && (section != Section::Request || value != b"trailers") {
        return Err(MalformedMessage::InvalidTe { field });
    }
    Ok(())
}

/// Parses a content-length value: one or more ASCII digits, no sign, no
/// list, within u64 (RFC 9110 §8.6).
fn parse_content_length(field: usize, value: &[u8]) -> Result<u64, MalformedMessage> {
    let invalid = MalformedMessage::InvalidContentLength { field };
    if value.is_empty() {
        return Err(invalid);
    }
    value.iter().try_fold(0u64, |acc, &b| {
        if !b.is_ascii_digit() {
            return Err(invalid);
        }
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(invalid)
    })
}

/// Folds one more content-length field into the value seen so far.
fn merge_content_length(
    seen: Option<u64>,
    field: usize,
    value: &[u8],
) -> Result<Option<u64>, MalformedMessage> {
    let parsed = parse_content_length(field, value)?;
    match seen {
        Some(earlier) if earlier != parsed => {
            Err(MalformedMessage::ConflictingContentLength { field })
        }
        _ => Ok(Some(parsed)),
    }
}

/// Splits a field section into its pseudo-header fields, which must come
/// first, each at most once (§8.3), and checks every regular field.
/// `pseudo` is called for each pseudo-header; `regular` for each regular
/// field after the generic checks.
fn walk_section<'a, I>(
    fields: I,
    section: Section,
    mut pseudo: impl FnMut(usize, PseudoHeader, &'a [u8]) -> Result<(), MalformedMessage>,
    mut regular: impl FnMut(usize, &'a [u8], &'a [u8]) -> Result<(), MalformedMessage>,
) -> Result<(), MalformedMessage>
where
    I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
{
    let mut seen_regular = false;
    // One bit per PseudoHeader.
    let mut seen_pseudo: u8 = 0;
    for (field, (name, value)) in fields.into_iter().enumerate() {
        if let Some(rest) = name.strip_prefix(b":") {
            if section == Section::Trailers {
                return Err(MalformedMessage::PseudoHeaderInTrailers { field });
            }
            if seen_regular {
                return Err(MalformedMessage::PseudoHeaderAfterRegularField { field });
            }
            check_name(field, rest)?;
            let which = PseudoHeader::from_name(name)
                .ok_or(MalformedMessage::UnknownPseudoHeader { field })?;
            let bit = 1u8 << (which as u8);
            if seen_pseudo & bit != 0 {
                return Err(MalformedMessage::DuplicatePseudoHeader {
                    field,
                    name: which.name(),
                });
            }
            seen_pseudo |= bit;
            check_value(field, value)?;
            pseudo(field, which, value)?;
        } else {
            seen_regular = true;
            check_regular_field(field, name, value, section)?;
            regular(field, name, value)?;
        }
    }
    Ok(())
}

/// Whether `method` is a token (RFC 9110 §9.1); methods are case-sensitive
/// and conventionally uppercase.
fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_name_octet(b.to_ascii_lowercase()))
}

/// Validates a request's field section (§8.2, §8.3, §8.3.1, §8.5) and
/// returns its control data.
pub fn validate_request<'a, I>(fields: I) -> Result<Request<'a>, MalformedMessage>
where
    I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
{
    let mut method = None;
    let mut scheme = None;
    let mut authority = None;
    let mut path = None;
    let mut host: Option<(usize, &'a [u8])> = None;
    let mut content_length = None;
    walk_section(
        fields,
        Section::Request,
        |field, which, value| {
            match which {
                PseudoHeader::Method => method = Some(value),
                PseudoHeader::Scheme => scheme = Some(value),
                PseudoHeader::Authority => authority = Some(value),
                PseudoHeader::Path => path = Some(value),
                PseudoHeader::Status => {
                    return Err(MalformedMessage::MisplacedPseudoHeader {
                        field,
                        name: which.name(),
                    })
                }
            }
            Ok(())
        },
        |field, name, value| {
            match name {
                b"host" if host.is_some() => return Err(MalformedMessage::DuplicateHost { field }),
                b"host" => host = Some((field, value)),
                b"content-length" => {
                    content_length = merge_content_length(content_length, field, value)?
                }
                _ => {}
            }
            Ok(())
        },
    )?;

    let method = method.ok_or(MalformedMessage::MissingPseudoHeader { name: ":method" })?;
    if !is_token(method) {
        return Err(MalformedMessage::InvalidMethod);
    }
    if method == b"CONNECT" {
        // §8.5: :scheme and :path omitted, :authority the tunnel's target.
        if scheme.is_some() {
            return Err(MalformedMessage::ConnectWithPseudoHeader { name: ":scheme" });
        }
        if path.is_some() {
            return Err(MalformedMessage::ConnectWithPseudoHeader { name: ":path" });
        }
        if authority.is_none() {
            return Err(MalformedMessage::MissingPseudoHeader { name: ":authority" });
        }
    } else {
        let scheme_value =
            scheme.ok_or(MalformedMessage::MissingPseudoHeader { name: ":scheme" })?;
        let path_value = path.ok_or(MalformedMessage::MissingPseudoHeader { name: ":path" })?;
        if path_value.is_empty() {
            return Err(MalformedMessage::EmptyPath);
        }
        if path_value == b"*" {
            if method != b"OPTIONS" {
                return Err(MalformedMessage::AsteriskPathWithoutOptions);
            }
        } else if is_http_scheme(scheme_value) && !path_value.starts_with(b"/") {
            return Err(MalformedMessage::InvalidPath);
        }
        // §8.3.1: no deprecated userinfo for http or https.
        if is_http_scheme(scheme_value) && authority.is_some_and(|a| a.contains(&b'@')) {
            return Err(MalformedMessage::AuthorityWithUserinfo);
        }
    }
    // §8.3.1: a host naming another entity than :authority is malformed.
    // Both name the same authority; host names compare case-insensitively.
    if let (Some(authority), Some((field, host))) = (authority, host) {
        if !authority.eq_ignore_ascii_case(host) {
            return Err(MalformedMessage::HostAuthorityMismatch { field });
        }
    }
    Ok(Request {
        method,
        scheme,
        authority,
        path,
        content_length,
    })
}

fn is_http_scheme(scheme: &[u8]) -> bool {
    scheme == b"http" || scheme == b"https"
}

/// Validates a response's field section (§8.2, §8.3, §8.3.2, §8.6) and
/// returns its control data. Check the HEADERS frame's END_STREAM with
/// [`Response::check_end_stream`].
pub fn validate_response<'a, I>(fields: I) -> Result<Response, MalformedMessage>
where
    I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
{
    let mut status = None;
    let mut content_length = None;
    walk_section(
        fields,
        Section::Response,
        |field, which, value| match which {
            PseudoHeader::Status => {
                status = Some(value);
                Ok(())
            }
            _ => Err(MalformedMessage::MisplacedPseudoHeader {
                field,
                name: which.name(),
            }),
        },
        |field, name, value| {
            if name == b"content-length" {
                content_length = merge_content_length(content_length, field, value)?;
            }
            Ok(())
        },
    )?;
    let status = status.ok_or(MalformedMessage::MissingPseudoHeader { name: ":status" })?;
    let status = parse_status(status)?;
    if status == 101 {
        return Err(MalformedMessage::SwitchingProtocols);
    }
    Ok(Response {
        status,
        content_length,
    })
}

/// Parses `:status`: exactly three digits, 100 to 599 (RFC 9110 §15).
fn parse_status(value: &[u8]) -> Result<u16, MalformedMessage> {
    match *value {
        [a @ b'1'..=b'5', b @ b'0'..=b'9', c @ b'0'..=b'9'] => {
            Ok(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => Err(MalformedMessage::InvalidStatus),
    }
}

/// Validates a trailer section: regular fields only (§8.1, §8.2).
pub fn validate_trailers<'a, I>(fields: I) -> Result<(), MalformedMessage>
where
    I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
{
    walk_section(
        fields,
        Section::Trailers,
        |_, _, _| Ok(()),
        |_, _, _| Ok(()),
    )
}

/// Checks that the DATA of one message adds up to its content-length
/// (§8.1.1).
///
/// Feed it each DATA payload's length without padding, then call
/// [`ContentLengthTracker::end_stream`] on END_STREAM (on DATA or on
/// trailers). Excess is reported as soon as it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentLengthTracker {
    declared: Option<u64>,
    received: u64,
}

impl ContentLengthTracker {
    /// Tracks a message that declared `content_length` (or none).
    pub fn new(content_length: Option<u64>) -> Self {
        ContentLengthTracker {
            declared: content_length,
            received: 0,
        }
    }

    /// Tracks a response to a request with `request_method`. Responses to
    /// HEAD, and 1xx, 204 and 304 responses, have no content whatever
    /// content-length says (§8.1.1); a 2xx answer to CONNECT opens a
    /// tunnel with no length (§8.5).
    pub fn for_response(response: &Response, request_method: &[u8]) -> Self {
        let status = response.status;
        let declared = if request_method == b"CONNECT" && (200..300).contains(&status) {
            None
        } else if request_method == b"HEAD"
            || response.is_informational()
            || status == 204
            || status == 304
        {
            Some(0)
        } else {
            response.content_length
        };
        Self::new(declared)
    }

    /// Octets of DATA seen so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Counts a DATA payload of `len` octets, padding excluded.
    pub fn on_data(&mut self, len: u32) -> Result<(), MalformedMessage> {
        self.received = self.received.saturating_add(u64::from(len));
        match self.declared {
            Some(declared) if self.received > declared => {
                Err(MalformedMessage::ContentLengthMismatch {
                    declared,
                    received: self.received,
                })
            }
            _ => Ok(()),
        }
    }

    /// The message ended: the DATA must add up to content-length exactly.
    pub fn end_stream(&self) -> Result<(), MalformedMessage> {
        match self.declared {
            Some(declared) if self.received != declared => {
                Err(MalformedMessage::ContentLengthMismatch {
                    declared,
                    received: self.received,
                })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Fields = Vec<(&'static [u8], &'static [u8])>;

    fn get_request() -> Fields {
        vec![
            (b":method", b"GET"),
            (b":scheme", b"https"),
            (b":authority", b"example.com"),
            (b":path", b"/index.html"),
            (b"accept", b"*/*"),
        ]
    }

    fn request(fields: &Fields) -> Result<Request<'static>, MalformedMessage> {
        validate_request(fields.iter().copied())
    }

    fn with(mut fields: Fields, extra: &[(&'static [u8], &'static [u8])]) -> Fields {
        fields.extend_from_slice(extra);
        fields
    }

    #[test]
    fn a_plain_request_yields_its_control_data() {
        let fields = with(get_request(), &[(b"content-length", b"0")]);
        assert_eq!(
            request(&fields),
            Ok(Request {
                method: b"GET",
                scheme: Some(b"https"),
                authority: Some(b"example.com"),
                path: Some(b"/index.html"),
                content_length: Some(0),
            })
        );
    }

    #[test]
    fn a_grpc_request_passes() {
        let fields: Fields = vec![
            (b":method", b"POST"),
            (b":scheme", b"http"),
            (b":path", b"/helloworld.Greeter/SayHello"),
            (b":authority", b"localhost:50051"),
            (b"content-type", b"application/grpc"),
            (b"te", b"trailers"),
            (b"grpc-timeout", b"1S"),
            (b"user-agent", b"grpc-c/1.0 (linux; chttp2)"),
        ];
        assert!(request(&fields).is_ok());
    }

    #[test]
    fn names_must_be_lowercase_tokens() {
        let f = with(get_request(), &[(b"Accept", b"x")]);
        assert_eq!(
            request(&f),
            Err(MalformedMessage::UppercaseFieldName { field: 5 })
        );
        let f = with(get_request(), &[(b"a b", b"x")]);
        assert_eq!(
            request(&f),
            Err(MalformedMessage::InvalidFieldNameOctet {
                field: 5,
                octet: b' '
            })
        );
        let f = with(get_request(), &[(b"a:b", b"x")]);
        assert_eq!(
            request(&f),
            Err(MalformedMessage::InvalidFieldNameOctet {
                field: 5,
                octet: b':'
            })
        );
        let f = with(get_request(), &[(b"caf\xc3\xa9", b"x")]);
        assert_eq!(
            request(&f),
            Err(MalformedMessage::InvalidFieldNameOctet {
                field: 5,
                octet: 0xc3
            })
        );
        let f = with(get_request(), &[(b"", b"x")]);
        assert_eq!(
            request(&f),
            Err(MalformedMessage::EmptyFieldName { field: 5 })
        );
        let mut f = get_request();
        f[0].0 = b":Method";
        assert_eq!(
            request(&f),
            Err(MalformedMessage::UppercaseFieldName { field: 0 })
        );
    }

    #[test]
    fn values_reject_nul_cr_lf_controls_and_edge_whitespace() {
        for (value, octet) in [
            (&b"a\0b"[..], 0u8),
            (b"a\rb", b'\r'),
            (b"a\nb", b'\n'),
            (b"\x01", 1),
            (b"a\x7f", 0x7f),
        ] {
            let f = with(get_request(), &[(b"x", value)]);
            assert_eq!(
                validate_request(f.iter().copied()),
                Err(MalformedMessage::InvalidFieldValueOctet { field: 5, octet }),
                "{value:?}"
            );
        }
        for value in [&b" a"[..], b"a ", b"\ta", b"a\t", b" "] {
            let f = with(get_request(), &[(b"x", value)]);
            assert_eq!(
                validate_request(f.iter().copied()),
                Err(MalformedMessage::FieldValueSurroundingWhitespace { field: 5 })
            );
        }
        // Inner whitespace, obs-text and the empty value are fine.
        for value in [&b"a b\tc"[..], b"\xff\x80", b""] {
            let f = with(get_request(), &[(b"x", value)]);
            assert!(validate_request(f.iter().copied()).is_ok(), "{value:?}");
        }
        let mut f = get_request();
        f[3].1 = b"/a\r\nb";
        assert_eq!(
            request(&f),
            Err(MalformedMessage::InvalidFieldValueOctet {
                field: 3,
                octet: b'\r'
            })
        );
    }

    #[test]
    fn connection_specific_fields_are_malformed() {
        for name in CONNECTION_SPECIFIC {
            let f = with(get_request(), &[(name.as_bytes(), b"x")]);
            assert_eq!(
                validate_request(f.iter().copied()),
                Err(MalformedMessage::ConnectionSpecificField { field: 5, name })
            );
        }
        let f = with(get_request(), &[(b"te", b"gzip")]);
        assert_eq!(request(&f), Err(MalformedMessage::InvalidTe { field: 5 }));
        let f = with(get_request(), &[(b"te", b"trailers")]);
        assert!(request(&f).is_ok());
        let resp: Fields = vec![(b":status", b"200"), (b"te", b"trailers")];
        assert_eq!(
            validate_response(resp.iter().copied()),
            Err(MalformedMessage::InvalidTe { field: 1 })
        );
    }

    #[test]
    fn pseudo_headers_are_defined_first_once_and_in_context() {
        let f = with(get_request(), &[(b":protocol", b"websocket")]);
        assert_eq!(
            request(&f),
            Err(MalformedMessage::PseudoHeaderAfterRegularField { field: 5 })
        );
        let mut f = get_request();
        f.insert(0, (b":protocol", b"websocket"));
        assert_eq!(
            request(&f),
            Err(MalformedMessage::UnknownPseudoHeader { field: 0 })
        );
        let mut f = get_request();
        f.insert(1, (b":status", b"200"));
        assert_eq!(
            request(&f),
            Err(MalformedMessage::MisplacedPseudoHeader {
                field: 1,
                name: ":status"
            })
        );
        let mut f = get_request();
        f.insert(2, (b":path", b"/other"));
        assert_eq!(
            request(&f),
            Err(MalformedMessage::DuplicatePseudoHeader {
                field: 4,
                name: ":path"
            })
        );
        let resp: Fields = vec![(b":status", b"200"), (b":path", b"/")];
        assert_eq!(
            validate_response(resp.iter().copied()),
            Err(MalformedMessage::MisplacedPseudoHeader {
                field: 1,
                name: ":path"
            })
        );
        let f: Fields = vec![(b":", b"x")];
        assert_eq!(
            request(&f),
            Err(MalformedMessage::EmptyFieldName { field: 0 })
        );
    }

    #[test]
    fn requests_need_method_scheme_path() {
        for (missing, name) in [(0, ":method"), (1, ":scheme"), (3, ":path")] {
            let mut f = get_request();
            f.remove(missing);
            assert_eq!(
                request(&f),
                Err(MalformedMessage::MissingPseudoHeader { name })
            );
        }
        let mut f = get_request();
        f[3].1 = b"";
        assert_eq!(request(&f), Err(MalformedMessage::EmptyPath));
        let mut f = get_request();
        f[3].1 = b"index.html";
        assert_eq!(request(&f), Err(MalformedMessage::InvalidPath));
        let mut f = get_request();
        f[3].1 = b"*";
        assert_eq!(
            request(&f),
            Err(MalformedMessage::AsteriskPathWithoutOptions)
        );
        f[0].1 = b"OPTIONS";
        assert!(request(&f).is_ok());
        let mut f = get_request();
        f[0].1 = b"G T";
        assert_eq!(request(&f), Err(MalformedMessage::InvalidMethod));
        f[0].1 = b"";
        assert_eq!(request(&f), Err(MalformedMessage::InvalidMethod));
        // Non-http schemes may carry other path forms.
        let mut f = get_request();
        f[1].1 = b"urn";
        f[3].1 = b"isbn:123";
        assert!(request(&f).is_ok());
    }

    #[test]
    fn connect_takes_authority_only() {
        let ok: Fields = vec![(b":method", b"CONNECT"), (b":authority", b"host:443")];
        assert_eq!(
            request(&ok),
            Ok(Request {
                method: b"CONNECT",
                scheme: None,
                authority: Some(b"host:443"),
                path: None,
                content_length: None
            })
        );
        let f: Fields = vec![(b":method", b"CONNECT")];
        assert_eq!(
            request(&f),
            Err(MalformedMessage::MissingPseudoHeader { name: ":authority" })
        );
        let f = with(ok.clone(), &[]);
        let mut f2 = f.clone();
        f2.insert(1, (b":scheme", b"https"));
        assert_eq!(
            request(&f2),
            Err(MalformedMessage::ConnectWithPseudoHeader { name: ":scheme" })
        );
        let mut f3 = f;
        f3.insert(1, (b":path", b"/"));
        assert_eq!(
            request(&f3),
            Err(MalformedMessage::ConnectWithPseudoHeader { name: ":path" })
        );
    }

    #[test]
    fn authority_userinfo_and_host_consistency() {
        let mut f = get_request();
        f[2].1 = b"user@example.com";
        assert_eq!(request(&f), Err(MalformedMessage::AuthorityWithUserinfo));
        let f = with(get_request(), &[(b"host", b"Example.COM")]);
        assert!(request(&f).is_ok());
        let f = with(get_request(), &[(b"host", b"evil.com")]);
        assert_eq!(
            request(&f),
            Err(MalformedMessage::HostAuthorityMismatch { field: 5 })
        );
        let f = with(
            get_request(),
            &[(b"host", b"example.com"), (b"host", b"example.com")],
        );
        assert_eq!(
            request(&f),
            Err(MalformedMessage::DuplicateHost { field: 6 })
        );
        // host alone, without :authority, is allowed.
        let mut f = with(get_request(), &[(b"host", b"example.com")]);
        f.remove(2);
        assert_eq!(request(&f).map(|r| r.authority), Ok(None));
    }

    #[test]
    fn content_length_parses_and_must_agree() {
        let f = with(
            get_request(),
            &[(b"content-length", b"42"), (b"content-length", b"42")],
        );
        assert_eq!(request(&f).map(|r| r.content_length), Ok(Some(42)));
        let f = with(
            get_request(),
            &[(b"content-length", b"42"), (b"content-length", b"43")],
        );
        assert_eq!(
            request(&f),
            Err(MalformedMessage::ConflictingContentLength { field: 6 })
        );
        for bad in [
            &b""[..],
            b"-1",
            b"+1",
            b"1,1",
            b"0x10",
            b"1 2",
            b"18446744073709551616",
        ] {
            let f = with(get_request(), &[(b"content-length", bad)]);
            assert_eq!(
                validate_request(f.iter().copied()),
                Err(MalformedMessage::InvalidContentLength { field: 5 }),
                "{bad:?}"
            );
        }
        let f = with(
            get_request(),
            &[(b"content-length", b"18446744073709551615")],
        );
        assert_eq!(request(&f).map(|r| r.content_length), Ok(Some(u64::MAX)));
    }

    #[test]
    fn responses_need_a_three_digit_status() {
        let ok: Fields = vec![(b":status", b"200"), (b"content-length", b"5")];
        assert_eq!(
            validate_response(ok.iter().copied()),
            Ok(Response {
                status: 200,
                content_length: Some(5)
            })
        );
        for bad in [&b"20"[..], b"2000", b"abc", b"099", b"600", b"+20", b""] {
            let f: Fields = vec![(b":status", bad)];
            assert_eq!(
                validate_response(f.iter().copied()),
                Err(MalformedMessage::InvalidStatus),
                "{bad:?}"
            );
        }
        let f: Fields = vec![(b":status", b"101")];
        assert_eq!(
            validate_response(f.iter().copied()),
            Err(MalformedMessage::SwitchingProtocols)
        );
        let f: Fields = vec![(b"content-type", b"application/grpc")];
        assert_eq!(
            validate_response(f.iter().copied()),
            Err(MalformedMessage::MissingPseudoHeader { name: ":status" })
        );
        let f: Fields = vec![(b":status", b"100")];
        let interim = validate_response(f.iter().copied()).unwrap();
        assert!(interim.is_informational());
        assert_eq!(interim.check_end_stream(false), Ok(()));
        assert_eq!(
            interim.check_end_stream(true),
            Err(MalformedMessage::InformationalEndStream)
        );
        let f: Fields = vec![(b":status", b"599")];
        assert_eq!(
            validate_response(f.iter().copied()).map(|r| r.status),
            Ok(599)
        );
    }

    #[test]
    fn trailers_carry_no_pseudo_headers() {
        let ok: Fields = vec![(b"grpc-status", b"0"), (b"grpc-message", b"")];
        assert_eq!(validate_trailers(ok.iter().copied()), Ok(()));
        let f: Fields = vec![(b"grpc-status", b"0"), (b":status", b"200")];
        assert_eq!(
            validate_trailers(f.iter().copied()),
            Err(MalformedMessage::PseudoHeaderInTrailers { field: 1 })
        );
        let f: Fields = vec![(b"Grpc-Status", b"0")];
        assert_eq!(
            validate_trailers(f.iter().copied()),
            Err(MalformedMessage::UppercaseFieldName { field: 0 })
        );
        let f: Fields = vec![(b"transfer-encoding", b"chunked")];
        assert_eq!(
            validate_trailers(f.iter().copied()),
            Err(MalformedMessage::ConnectionSpecificField {
                field: 0,
                name: "transfer-encoding"
            })
        );
    }

    #[test]
    fn content_length_tracker_checks_the_sum_of_data() {
        let mut t = ContentLengthTracker::new(Some(10));
        t.on_data(4).unwrap();
        assert_eq!(
            t.end_stream(),
            Err(MalformedMessage::ContentLengthMismatch {
                declared: 10,
                received: 4
            })
        );
        t.on_data(6).unwrap();
        assert_eq!(t.end_stream(), Ok(()));
        assert_eq!(
            t.on_data(1),
            Err(MalformedMessage::ContentLengthMismatch {
                declared: 10,
                received: 11
            })
        );
        let mut none = ContentLengthTracker::new(None);
        none.on_data(u32::MAX).unwrap();
        assert_eq!(none.end_stream(), Ok(()));
        assert_eq!(none.received(), u64::from(u32::MAX));
    }

    #[test]
    fn no_content_responses_expect_no_data() {
        let with_length = |status| Response {
            status,
            content_length: Some(100),
        };
        let head = ContentLengthTracker::for_response(&with_length(200), b"HEAD");
        assert_eq!(head.end_stream(), Ok(()));
        for status in [204, 304] {
            let mut t = ContentLengthTracker::for_response(&with_length(status), b"GET");
            assert_eq!(t.end_stream(), Ok(()));
            assert!(t.on_data(1).is_err());
        }
        let get = ContentLengthTracker::for_response(&with_length(200), b"GET");
        assert!(get.end_stream().is_err());
        let mut tunnel = ContentLengthTracker::for_response(&with_length(200), b"CONNECT");
        tunnel.on_data(1000).unwrap();
        assert_eq!(tunnel.end_stream(), Ok(()));
    }

    #[test]
    fn malformed_is_a_stream_protocol_error() {
        let e = MalformedMessage::InvalidStatus;
        assert_eq!(
            (e.scope(), e.code()),
            (ErrorScope::Stream, ErrorCode::ProtocolError)
        );
        assert!(matches!(
            e.to_h2_error(StreamId::new(7)),
            H2Error::Stream(s) if s.stream == StreamId::new(7)
                && s.code == ErrorCode::ProtocolError
                && s.reason == "malformed: invalid :status"
        ));
    }

    fn pairs(raw: &[(Vec<u8>, Vec<u8>)]) -> impl Iterator<Item = (&[u8], &[u8])> {
        raw.iter().map(|(n, v)| (n.as_slice(), v.as_slice()))
    }

    quickcheck::quickcheck! {
        /// Arbitrary fields never panic any validator.
        fn validators_never_panic(raw: Vec<(Vec<u8>, Vec<u8>)>) -> bool {
            let _ = validate_request(pairs(&raw));
            let _ = validate_response(pairs(&raw));
            let _ = validate_trailers(pairs(&raw));
            true
        }

        /// A valid request with any extra well-formed regular field stays
        /// valid, and its control data is what was sent.
        fn valid_requests_round_trip(path_tail: String, name_seed: Vec<u8>, value: String) -> bool {
            let path: String = std::iter::once('/')
                .chain(path_tail.chars().filter(|c| c.is_ascii_graphic()))
                .collect();
            let name: Vec<u8> = name_seed.iter().map(|b| b"abcxyz-_019"[usize::from(*b) % 11]).collect();
            let name = if name.is_empty() || name == b"te" { b"x-extra".to_vec() } else { name };
            let value = value.replace(|c: char| c.is_control(), "");
            let value = value.trim_matches(|c: char| c == ' ' || c == '\t').to_string();
            let raw = vec![
                (b":method".to_vec(), b"POST".to_vec()),
                (b":scheme".to_vec(), b"http".to_vec()),
                (b":path".to_vec(), path.clone().into_bytes()),
                (name.clone(), value.clone().into_bytes()),
            ];
            let skip = CONNECTION_SPECIFIC.iter().any(|n| n.as_bytes() == name.as_slice())
                || name == b"host" || name == b"content-length";
            match validate_request(pairs(&raw)) {
                Ok(r) => r.path == Some(path.as_bytes()) && r.method == b"POST" && r.authority.is_none(),
                Err(_) => skip,
            }
        }
    }
}
