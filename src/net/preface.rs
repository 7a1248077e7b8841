//! The first bytes on a plaintext port: HTTP/2 with prior knowledge, an
//! HTTP/1.1 `Upgrade: h2c` request, or something we answer with an error.
//!
//! RFC 9113 §3.3: a client that knows the server speaks HTTP/2 starts with
//! the connection preface. RFC 7540 §3.2 (removed from RFC 9113 but still
//! sent by curl and nghttp): a client may instead send an HTTP/1.1 request
//! with `Upgrade: h2c` and one `HTTP2-Settings` header field; the server
//! answers `101 Switching Protocols` and continues in HTTP/2.
//!
//! Sans-IO: [`sniff`] looks at the bytes received so far and says what to do.
//!
//! For fuzzing, `sniff(bytes, max_head, max_fields)` must never panic, and:
//! `PriorKnowledge` exactly when the bytes start with [`CLIENT_PREFACE`];
//! `Upgrade` implies `head_len <= bytes.len()` and a settings payload whose
//! length is a multiple of 6; a decision other than `NeedMore` stays the
//! same when more bytes are appended.

use super::session::H2cUpgrade;

/// The HTTP/2 client connection preface (RFC 9113 §3.4).
pub const CLIENT_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The answer to an accepted upgrade (RFC 7540 §3.2). The server's first
/// HTTP/2 frame (its SETTINGS) follows it, written by the session.
pub const SWITCHING_PROTOCOLS: &[u8] =
    b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";

/// What the first bytes of a plaintext connection ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preface {
    /// Not enough bytes to decide yet.
    NeedMore,
    /// The bytes start with [`CLIENT_PREFACE`]: HTTP/2 with prior knowledge.
    /// All bytes, the preface included, belong to the session.
    PriorKnowledge,
    /// A valid `Upgrade: h2c` request whose head is the first `head_len`
    /// bytes; the bytes after it belong to the session (they start with the
    /// client preface, RFC 7540 §3.5).
    Upgrade {
        /// The request, for the session to treat as stream 1.
        request: H2cUpgrade,
        /// Length of the request head in the bytes given to [`sniff`].
        head_len: usize,
    },
    /// Anything else: answer with [`Rejection::response`] and close.
    Reject(Rejection),
}

/// Why a plaintext connection was refused, as an HTTP/1.1 error response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP status code, e.g. 505.
    pub status: u16,
    /// The reason phrase for the status line.
    pub reason: &'static str,
    /// A sentence for the response body saying what was wrong.
    pub message: &'static str,
}

impl Rejection {
    const fn new(status: u16, reason: &'static str, message: &'static str) -> Self {
        Rejection {
            status,
            reason,
            message,
        }
    }

    /// The whole HTTP/1.1 response: status line, `Connection: close`, and a
    /// plain-text body with the message.
    pub fn response(&self) -> Vec<u8> {
        let body = format!("{}\n", self.message);
        format!(
            "HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            self.status,
            self.reason,
            body.len(),
            body
        )
        .into_bytes()
    }
}

const HTTP2_REQUIRED: Rejection = Rejection::new(
    505,
    "HTTP Version Not Supported",
    "this server speaks HTTP/2 only: send the HTTP/2 connection preface (prior knowledge) or an HTTP/1.1 request with Upgrade: h2c",
);
const HEAD_TOO_LARGE: Rejection = Rejection::new(
    431,
    "Request Header Fields Too Large",
    "the HTTP/1.1 request head is larger than this server accepts",
);
const NOT_HTTP: Rejection = Rejection::new(
    400,
    "Bad Request",
    "the bytes received are neither the HTTP/2 connection preface nor an HTTP/1.1 request",
);
const SETTINGS_COUNT: Rejection = Rejection::new(
    400,
    "Bad Request",
    "an h2c upgrade needs exactly one HTTP2-Settings header field (RFC 7540 section 3.2.1)",
);
const SETTINGS_ENCODING: Rejection = Rejection::new(
    400,
    "Bad Request",
    "HTTP2-Settings is not base64url of a SETTINGS payload (a multiple of 6 octets, RFC 7540 section 3.2.1)",
);
const CONNECTION_OPTIONS: Rejection = Rejection::new(
    400,
    "Bad Request",
    "an h2c upgrade needs Connection: Upgrade, HTTP2-Settings (RFC 7540 section 3.2.1)",
);
const UPGRADE_BODY: Rejection = Rejection::new(
    400,
    "Bad Request",
    "an h2c upgrade request with a body is not supported: send the request without a body, or use prior knowledge",
);

/// Decides what the first bytes of a plaintext connection ask for.
///
/// `max_head` bounds the HTTP/1.1 request head and `max_fields` its header
/// field count. Call again with all bytes so far while it says `NeedMore`.
pub fn sniff(data: &[u8], max_head: usize, max_fields: usize) -> Preface {
    if data.len() < CLIENT_PREFACE.len() && CLIENT_PREFACE.starts_with(data) {
        return Preface::NeedMore;
    }
    if data.starts_with(CLIENT_PREFACE) {
        return Preface::PriorKnowledge;
    }
    let window = data.get(..max_head).unwrap_or(data);
    let mut fields = vec![httparse::EMPTY_HEADER; max_fields];
    let mut request = httparse::Request::new(&mut fields);
    match request.parse(window) {
        Ok(httparse::Status::Partial) if window.len() >= max_head => {
            Preface::Reject(HEAD_TOO_LARGE)
        }
        Ok(httparse::Status::Partial) => Preface::NeedMore,
        Ok(httparse::Status::Complete(head_len)) => match upgrade_request(&request) {
            Ok(request) => Preface::Upgrade { request, head_len },
            Err(rejection) => Preface::Reject(rejection),
        },
        Err(httparse::Error::TooManyHeaders) => Preface::Reject(HEAD_TOO_LARGE),
        Err(_) => Preface::Reject(NOT_HTTP),
    }
}

/// Whether a comma-separated field value lists `token` (case-insensitive).
fn lists_token(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|item| item.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

fn upgrade_request(request: &httparse::Request<'_, '_>) -> Result<H2cUpgrade, Rejection> {
    if request.version != Some(1) {
        return Err(HTTP2_REQUIRED);
    }
    let field = |name: &'static str| {
        request
            .headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    };
    if !field("upgrade").any(|v| lists_token(v, "h2c")) {
        return Err(HTTP2_REQUIRED);
    }
    let mut settings_fields = field("http2-settings");
    let (Some(settings), None) = (settings_fields.next(), settings_fields.next()) else {
        return Err(SETTINGS_COUNT);
    };
    // RFC 7540 §3.2.1: a client sending HTTP2-Settings MUST also send it as
    // a connection option; `Upgrade` must be one too (RFC 7230 §6.7).
    let connection = |token| field("connection").any(|v| lists_token(v, token));
    if !connection("upgrade") || !connection("http2-settings") {
        return Err(CONNECTION_OPTIONS);
    }
    // RFC 7540 §3.2: a body must be sent in full before HTTP/2 frames; gRPC
    // never needs one, so the driver does not buffer request bodies.
    let has_body = field("transfer-encoding").next().is_some()
        || field("content-length").any(|v| v.trim_ascii() != b"0");
    if has_body {
        return Err(UPGRADE_BODY);
    }
    let settings = decode_base64url(settings.trim_ascii()).ok_or(SETTINGS_ENCODING)?;
    if settings.len() % 6 != 0 {
        return Err(SETTINGS_ENCODING);
    }
    let hop_by_hop = ["connection", "upgrade", "http2-settings"];
    let headers = request
        .headers
        .iter()
        .filter(|h| !hop_by_hop.iter().any(|n| h.name.eq_ignore_ascii_case(n)))
        .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
        .collect();
    Ok(H2cUpgrade {
        method: request.method.unwrap_or_default().to_string(),
        path: request.path.unwrap_or_default().to_string(),
        headers,
        settings,
    })
}

/// Decodes the `HTTP2-Settings` value: base64url (RFC 4648 §5) with
/// padding omitted (RFC 7540 §3.2.1: a token68). Characters of the
/// standard alphabet are refused, since that grammar excludes them.
fn decode_base64url(text: &[u8]) -> Option<Vec<u8>> {
    if text.iter().any(|&b| b == b'+' || b == b'/') {
        return None;
    }
    crate::base64::decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    fn sniff_default(data: &[u8]) -> Preface {
        sniff(data, 8192, 64)
    }

    const UPGRADE: &[u8] = b"GET /index HTTP/1.1\r\nHost: example\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nAccept: */*\r\n\r\n";

    #[test]
    fn the_preface_and_its_prefixes() {
        assert_eq!(sniff_default(b""), Preface::NeedMore);
        assert_eq!(sniff_default(b"PRI * HTTP/2"), Preface::NeedMore);
        assert_eq!(sniff_default(CLIENT_PREFACE), Preface::PriorKnowledge);
        let mut more = CLIENT_PREFACE.to_vec();
        more.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
        assert_eq!(sniff_default(&more), Preface::PriorKnowledge);
    }

    #[test]
    fn an_upgrade_request_as_curl_sends_it() {
        let mut data = UPGRADE.to_vec();
        data.extend_from_slice(CLIENT_PREFACE);
        let Preface::Upgrade { request, head_len } = sniff_default(&data) else {
            panic!("not an upgrade: {:?}", sniff_default(&data));
        };
        assert_eq!(head_len, UPGRADE.len());
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/index");
        assert_eq!(
            request.headers,
            vec![
                ("host".to_string(), b"example".to_vec()),
                ("accept".to_string(), b"*/*".to_vec()),
            ]
        );
        // SETTINGS_MAX_CONCURRENT_STREAMS = 100, SETTINGS_INITIAL_WINDOW_SIZE = 65535.
        assert_eq!(
            request.settings,
            [0, 3, 0, 0, 0, 100, 0, 4, 0, 0, 0xff, 0xff]
        );
        // Any prefix of the head needs more bytes.
        for cut in 1..UPGRADE.len() - 1 {
            let got = sniff_default(&UPGRADE[..cut]);
            assert_eq!(got, Preface::NeedMore, "cut at {cut}");
        }
    }

    #[test]
    fn a_plain_get_is_told_http2_is_required() {
        let got = sniff_default(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(got, Preface::Reject(HTTP2_REQUIRED));
        let response = HTTP2_REQUIRED.response();
        let text = String::from_utf8(response).unwrap();
        assert!(text.starts_with("HTTP/1.1 505 HTTP Version Not Supported\r\n"));
        assert!(text.contains("\r\nConnection: close\r\n"));
        assert!(text.ends_with("HTTP/2 only: send the HTTP/2 connection preface (prior knowledge) or an HTTP/1.1 request with Upgrade: h2c\n"));
        assert_eq!(
            sniff_default(b"GET / HTTP/1.0\r\n\r\n"),
            Preface::Reject(HTTP2_REQUIRED)
        );
    }

    #[test]
    fn malformed_upgrades_are_refused_with_the_reason() {
        let replace = |from: &str, to: &str| {
            let text = std::str::from_utf8(UPGRADE).unwrap().replace(from, to);
            sniff_default(text.as_bytes())
        };
        assert_eq!(
            replace("HTTP2-Settings: AAMAAABkAAQAAP__\r\n", ""),
            Preface::Reject(SETTINGS_COUNT)
        );
        assert_eq!(
            replace("Accept", "HTTP2-Settings"),
            Preface::Reject(SETTINGS_COUNT)
        );
        assert_eq!(
            replace("AAMAAABkAAQAAP__", "AAMAAABkAAQAAP+/"),
            Preface::Reject(SETTINGS_ENCODING)
        );
        assert_eq!(
            replace("AAMAAABkAAQAAP__", "AAMAAA"),
            Preface::Reject(SETTINGS_ENCODING)
        );
        assert_eq!(
            replace("Upgrade, HTTP2-Settings", "Upgrade"),
            Preface::Reject(CONNECTION_OPTIONS)
        );
        assert_eq!(
            replace("Accept: */*", "Content-Length: 5"),
            Preface::Reject(UPGRADE_BODY)
        );
        assert_eq!(
            replace("Upgrade: h2c", "Upgrade: websocket"),
            Preface::Reject(HTTP2_REQUIRED)
        );
        assert_eq!(
            sniff_default(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
            Preface::Reject(NOT_HTTP)
        );
    }

    #[test]
    fn heads_past_the_limits_get_431() {
        let mut long = b"GET / HTTP/1.1\r\nX: ".to_vec();
        long.resize(200, b'a');
        assert_eq!(sniff(&long, 100, 64), Preface::Reject(HEAD_TOO_LARGE));
        let many = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assert_eq!(sniff(many, 8192, 2), Preface::Reject(HEAD_TOO_LARGE));
    }

    #[test]
    fn base64url_vectors() {
        // RFC 4648 §10 vectors, in the url-safe alphabet without padding.
        let vectors: [(&[u8], &[u8]); 7] = [
            (b"", b""),
            (b"Zg", b"f"),
            (b"Zm8", b"fo"),
            (b"Zm9v", b"foo"),
            (b"Zm9vYg==", b"foob"),
            (b"Zm9vYmE", b"fooba"),
            (b"Zm9vYmFy", b"foobar"),
        ];
        for (text, bytes) in vectors {
            assert_eq!(decode_base64url(text).as_deref(), Some(bytes));
        }
        assert_eq!(decode_base64url(b"_-8"), Some(vec![0xff, 0xef]));
        // Leftover bits are ignored, as crate::base64 documents.
        assert_eq!(decode_base64url(b"Zh"), Some(b"f".to_vec()));
        assert_eq!(decode_base64url(b"Z"), None);
        assert_eq!(decode_base64url(b"Zg=a"), None);
        assert_eq!(decode_base64url(b"Zm+v"), None);
    }

    quickcheck! {
        fn sniff_never_panics(data: Vec<u8>) -> bool {
            let _ = sniff(&data, 256, 8);
            true
        }

        fn decisions_stay_the_same_as_bytes_arrive(tail: Vec<u8>, cut: usize, valid: bool) -> bool {
            let mut data = if valid { UPGRADE.to_vec() } else { Vec::new() };
            data.extend_from_slice(&tail);
            let cut = cut % (data.len() + 1);
            match sniff(&data[..cut], 256, 8) {
                Preface::NeedMore => true,
                decided => sniff(&data, 256, 8) == decided,
            }
        }

        fn upgrade_settings_round_trip(entries: Vec<(u16, u32)>) -> bool {
            let mut payload = Vec::new();
            for (id, value) in &entries {
                payload.extend_from_slice(&id.to_be_bytes());
                payload.extend_from_slice(&value.to_be_bytes());
            }
            let encoded = encode_base64url(&payload);
            let head = format!(
                "POST /x HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: {encoded}\r\n\r\n"
            );
            match sniff(head.as_bytes(), 1 << 20, 16) {
                Preface::Upgrade { request, head_len } => {
                    request.settings == payload && head_len == head.len()
                }
                _ => false,
            }
        }
    }

    fn encode_base64url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let mut acc = 0u32;
            for (i, &b) in chunk.iter().enumerate() {
                acc |= (b as u32) << (16 - 8 * i);
            }
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((acc >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}
