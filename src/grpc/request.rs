//! Request-Headers (PROTOCOL-HTTP2.md "Requests"): built by the client,
//! validated by the server.

use core::time::Duration;

use bytes::Bytes;

use super::code::Code;
use super::encoding::{parse_accept_encoding, MessageEncoding, ACCEPT_ENCODING};
use super::header::{field, list_size, HeaderList};
use super::metadata::{joined_values_overhead, Metadata};
use super::response::{is_grpc_content_type, ResponseHead, CONTENT_TYPE_PROTO};
use super::status::Status;
use super::timeout;

/// The user-agent we send, in the structure PROTOCOL-HTTP2.md recommends:
/// "grpc-" Language "-" Variant "/" Version.
pub const USER_AGENT: &str = concat!("grpc-rust-grpclite/", env!("CARGO_PKG_VERSION"));

/// `:scheme` of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// Cleartext HTTP/2 (h2c).
    #[default]
    Http,
    /// HTTP/2 over TLS.
    Https,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// The call definition and custom metadata of a request: what a client
/// sends and what a server learns from the request headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// `:scheme`.
    pub scheme: Scheme,
    /// `:authority`, the virtual host.
    pub authority: Option<String>,
    /// The fully qualified service, such as `grpc.health.v1.Health`.
    pub service: String,
    /// The method, such as `Check`.
    pub method: String,
    /// `grpc-timeout`; `None` means no deadline.
    pub timeout: Option<Duration>,
    /// `content-type`, `application/grpc` with an optional subtype.
    pub content_type: String,
    /// `grpc-encoding` of the request messages.
    pub encoding: MessageEncoding,
    /// `grpc-accept-encoding`: the codings the client can decode.
    pub accept_encoding: Vec<String>,
    /// `user-agent`.
    pub user_agent: Option<String>,
    /// Custom metadata.
    pub metadata: Metadata,
}

impl RequestHead {
    /// A request for `/service/method` with our defaults: Protobuf
    /// content-type, identity coding, no deadline, our user-agent.
    pub fn new(service: impl Into<String>, method: impl Into<String>) -> RequestHead {
        RequestHead {
            scheme: Scheme::Http,
            authority: None,
            service: service.into(),
            method: method.into(),
            timeout: None,
            content_type: CONTENT_TYPE_PROTO.to_owned(),
            encoding: MessageEncoding::Identity,
            accept_encoding: vec![ACCEPT_ENCODING.to_owned()],
            user_agent: Some(USER_AGENT.to_owned()),
            metadata: Metadata::new(),
        }
    }

    /// `:path`: "/" Service-Name "/" method name.
    pub fn path(&self) -> String {
        format!("/{}/{}", self.service, self.method)
    }

    /// Request-Headers in the order PROTOCOL-HTTP2.md asks: pseudo-headers,
    /// then Timeout "immediately after the reserved headers", then the rest
    /// of the Call-Definition, then Custom-Metadata.
    pub fn to_headers(&self) -> HeaderList {
        let mut out = HeaderList::with_capacity(10 + self.metadata.len());
        out.push(field(":method", "POST"));
        out.push(field(":scheme", self.scheme.as_str()));
        out.push((Bytes::from_static(b":path"), Bytes::from(self.path())));
        if let Some(authority) = &self.authority {
            out.push((
                Bytes::from_static(b":authority"),
                Bytes::from(authority.clone()),
            ));
        }
        if let Some(timeout) = self.timeout {
            out.push((
                Bytes::from_static(b"grpc-timeout"),
                timeout::format(timeout),
            ));
        }
        out.push(field("te", "trailers"));
        out.push((
            Bytes::from_static(b"content-type"),
            Bytes::from(self.content_type.clone()),
        ));
        if let MessageEncoding::Unsupported(name) = &self.encoding {
            out.push((
                Bytes::from_static(b"grpc-encoding"),
                Bytes::from(name.clone()),
            ));
        }
        if !self.accept_encoding.is_empty() {
            out.push((
                Bytes::from_static(b"grpc-accept-encoding"),
                Bytes::from(self.accept_encoding.join(",")),
            ));
        }
        if let Some(agent) = &self.user_agent {
            out.push((
                Bytes::from_static(b"user-agent"),
                Bytes::from(agent.clone()),
            ));
        }
        self.metadata.encode_into(&mut out);
        out
    }

    /// Validates received Request-Headers on the server.
    ///
    /// Returns the request, or the answer to give instead (see
    /// [`Rejection`]). `te` is not required, to work behind proxies that
    /// drop it. `metadata_limit` bounds the whole header list (see
    /// [`super::metadata::DEFAULT_METADATA_SOFT_LIMIT`]).
    pub fn from_headers<'a, I>(fields: I, metadata_limit: usize) -> Result<RequestHead, Rejection>
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let mut method: Option<&[u8]> = None;
        let mut path: Option<&[u8]> = None;
        let mut scheme = Scheme::Http;
        let mut authority = None;
        let mut content_type: Option<&[u8]> = None;
        let mut grpc_timeout: Option<&[u8]> = None;
        let mut encoding: Option<&[u8]> = None;
        let mut accept_encoding = Vec::new();
        let mut user_agent = None;
        let mut metadata = Metadata::new();
        let mut size = 0usize;
        for (name, value) in fields {
            size = size.saturating_add(list_size([(name, value)]));
            match name {
                b":method" => method = Some(value),
                b":path" => path = Some(value),
                b":scheme" => {
                    if value == b"https" {
                        scheme = Scheme::Https;
                    }
                }
                b":authority" => authority = Some(String::from_utf8_lossy(value).into_owned()),
                b"content-type" => content_type = Some(value),
                b"grpc-timeout" => grpc_timeout = Some(value),
                b"grpc-encoding" => encoding = Some(value),
                b"grpc-accept-encoding" => accept_encoding = parse_accept_encoding(value),
                b"user-agent" => user_agent = Some(String::from_utf8_lossy(value).into_owned()),
                _ => {
                    size = size.saturating_add(joined_values_overhead(name, value));
                    metadata.receive(name, value);
                }
            }
        }
        if method != Some(b"POST") {
            return Err(Rejection::MethodNotAllowed);
        }
        // "If Content-Type does not begin with "application/grpc", gRPC
        // servers SHOULD respond with HTTP status of 415".
        let content_type = match content_type {
            Some(value) if is_grpc_content_type(value) => value,
            _ => return Err(Rejection::UnsupportedMediaType),
        };
        if size > metadata_limit {
            return Err(Rejection::Status(Status::resource_exhausted(format!(
                "request header list of {size} bytes exceeds the limit of {metadata_limit} bytes"
            ))));
        }
        let (service, method) = path.and_then(split_path).ok_or_else(|| {
            Rejection::Status(Status::unimplemented(format!(
                "malformed :path {:?}, expected /Service/Method",
                String::from_utf8_lossy(path.unwrap_or_default())
            )))
        })?;
        let timeout = match grpc_timeout.map(timeout::parse) {
            None => None,
            Some(Ok(timeout)) => Some(timeout),
            Some(Err(error)) => {
                return Err(Rejection::Status(Status::new(
                    Code::Internal,
                    format!("malformed grpc-timeout: {error}"),
                )))
            }
        };
        Ok(RequestHead {
            scheme,
            authority,
            service,
            method,
            timeout,
            content_type: String::from_utf8_lossy(content_type).into_owned(),
            encoding: MessageEncoding::from_header(encoding),
            accept_encoding,
            user_agent,
            metadata,
        })
    }
}

/// Splits `/Service/Method` into its two non-empty parts.
fn split_path(path: &[u8]) -> Option<(String, String)> {
    let rest = core::str::from_utf8(path).ok()?.strip_prefix('/')?;
    let (service, method) = rest.split_once('/')?;
    if service.is_empty() || method.is_empty() || method.contains('/') {
        return None;
    }
    Some((service.to_owned(), method.to_owned()))
}

/// Why a server refuses a request at its headers, and so what it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// `:method` was not POST: a plain HTTP 405, not a gRPC response.
    MethodNotAllowed,
    /// content-type was not `application/grpc...`: a plain HTTP 415, so
    /// that other HTTP/2 clients do not read a gRPC error as success.
    UnsupportedMediaType,
    /// A gRPC request the server will not run: a Trailers-Only response
    /// with this status.
    Status(Status),
}

impl Rejection {
    /// The header block to send, with END_STREAM, as the whole response.
    pub fn to_headers(&self) -> HeaderList {
        match self {
            // RFC 9110 §15.5.6: a 405 "MUST generate an Allow header field".
            Rejection::MethodNotAllowed => vec![field(":status", "405"), field("allow", "POST")],
            Rejection::UnsupportedMediaType => vec![field(":status", "415")],
            Rejection::Status(status) => {
                ResponseHead::default().to_trailers_only(status, &Metadata::new())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::metadata::DEFAULT_METADATA_SOFT_LIMIT;

    const LIMIT: usize = DEFAULT_METADATA_SOFT_LIMIT;

    fn text(list: &HeaderList) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect()
    }

    fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn sample() -> RequestHead {
        let mut head = RequestHead::new("google.pubsub.v2.PublisherService", "CreateTopic");
        head.authority = Some("pubsub.googleapis.com".into());
        head.timeout = Some(Duration::from_secs(1));
        head.metadata
            .append("authorization", "Bearer y235")
            .unwrap();
        head
    }

    #[test]
    fn builds_request_headers() {
        assert_eq!(
            text(&sample().to_headers()),
            owned(&[
                (":method", "POST"),
                (":scheme", "http"),
                (":path", "/google.pubsub.v2.PublisherService/CreateTopic"),
                (":authority", "pubsub.googleapis.com"),
                ("grpc-timeout", "1S"),
                ("te", "trailers"),
                ("content-type", "application/grpc+proto"),
                ("grpc-accept-encoding", "identity"),
                ("user-agent", USER_AGENT),
                ("authorization", "Bearer y235"),
            ])
        );
    }

    fn parse(list: &[(&[u8], &[u8])]) -> Result<RequestHead, Rejection> {
        RequestHead::from_headers(list.iter().copied(), LIMIT)
    }

    #[test]
    fn round_trip() {
        let mut head = sample();
        head.scheme = Scheme::Https;
        head.encoding = MessageEncoding::Unsupported("gzip".into());
        head.metadata
            .append_bin("trace-bin", Bytes::from_static(b"\x01\x02\x03\x04"))
            .unwrap();
        let list = head.to_headers();
        let pairs: Vec<(&[u8], &[u8])> = list.iter().map(|(n, v)| (&n[..], &v[..])).collect();
        assert_eq!(parse(&pairs), Ok(head));
    }

    const MINIMAL: [(&[u8], &[u8]); 3] = [
        (b":method", b"POST"),
        (b":path", b"/pkg.Svc/Do"),
        (b"content-type", b"application/grpc"),
    ];

    #[test]
    fn minimal_request_is_lenient() {
        let head = parse(&MINIMAL).unwrap();
        assert_eq!(head.service, "pkg.Svc");
        assert_eq!(head.method, "Do");
        assert_eq!(head.timeout, None);
        assert_eq!(head.content_type, "application/grpc");
        assert_eq!(head.encoding, MessageEncoding::Identity);
        assert!(head.accept_encoding.is_empty());
        assert_eq!(head.authority, None);
        assert!(head.metadata.is_empty());
    }

    fn with(replace: (&'static [u8], &'static [u8])) -> Vec<(&'static [u8], &'static [u8])> {
        let mut list: Vec<_> = MINIMAL
            .iter()
            .copied()
            .filter(|(n, _)| *n != replace.0)
            .collect();
        list.push(replace);
        list
    }

    #[test]
    fn joined_binary_values_count_against_the_metadata_limit() {
        // 900 raw octets, yet 300 values of 32 octets' overhead each.
        let joined = b"AA,".repeat(300);
        let mut list: Vec<(&[u8], &[u8])> = MINIMAL.to_vec();
        list.push((b"x-bin", &joined));
        match parse(&list) {
            Err(Rejection::Status(status)) => assert_eq!(status.code, Code::ResourceExhausted),
            other => panic!("{other:?}"),
        }
        let few = b"AA,".repeat(3);
        list.pop();
        list.push((b"x-bin", &few));
        assert_eq!(parse(&list).map(|h| h.metadata.len()), Ok(3));
    }

    #[test]
    fn wrong_method_is_405() {
        let rejection = parse(&with((b":method", b"GET"))).unwrap_err();
        assert_eq!(rejection, Rejection::MethodNotAllowed);
        assert_eq!(
            text(&rejection.to_headers()),
            owned(&[(":status", "405"), ("allow", "POST")])
        );
    }

    #[test]
    fn wrong_content_type_is_415() {
        for bad in [
            &b"application/json"[..],
            b"application/grpc-web",
            b"text/plain",
        ] {
            let rejection = parse(&with((b"content-type", bad))).unwrap_err();
            assert_eq!(rejection, Rejection::UnsupportedMediaType);
            assert_eq!(text(&rejection.to_headers()), owned(&[(":status", "415")]));
        }
        let missing: Vec<_> = MINIMAL.iter().copied().take(2).collect();
        assert_eq!(parse(&missing), Err(Rejection::UnsupportedMediaType));
    }

    #[test]
    fn bad_path_is_unimplemented() {
        for bad in [
            &b"/"[..],
            b"//M",
            b"/S/",
            b"/S",
            b"S/M",
            b"/a/b/c",
            b"",
            b"/S/\xffM",
        ] {
            match parse(&with((b":path", bad))) {
                Err(Rejection::Status(status)) => {
                    assert_eq!(status.code, Code::Unimplemented, "{bad:?}")
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        let rejection = parse(&with((b":path", b"/nope"))).unwrap_err();
        assert_eq!(
            text(&rejection.to_headers()),
            owned(&[
                (":status", "200"),
                ("content-type", "application/grpc+proto"),
                ("grpc-accept-encoding", "identity"),
                ("grpc-status", "12"),
                (
                    "grpc-message",
                    "malformed :path \"/nope\", expected /Service/Method"
                ),
            ])
        );
    }

    #[test]
    fn bad_timeout_is_internal() {
        match parse(&with((b"grpc-timeout", b"1s"))) {
            Err(Rejection::Status(status)) => {
                assert_eq!(status.code, Code::Internal);
                assert_eq!(
                    status.message,
                    "malformed grpc-timeout: grpc-timeout unit 0x73 is not one of H M S m u n"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse(&with((b"grpc-timeout", b"250m"))).map(|h| h.timeout),
            Ok(Some(Duration::from_millis(250)))
        );
    }

    #[test]
    fn oversized_headers_are_resource_exhausted() {
        let big = vec![b'v'; LIMIT];
        let mut list = MINIMAL.to_vec();
        list.push((b"x-big", &big));
        match parse(&list) {
            Err(Rejection::Status(status)) => assert_eq!(status.code, Code::ResourceExhausted),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reserved_fields_are_not_metadata() {
        let mut list = MINIMAL.to_vec();
        list.extend_from_slice(&[
            (&b"te"[..], &b"trailers"[..]),
            (b"grpc-previous-rpc-attempts", b"1"),
            (b"x-ok", b"yes"),
        ]);
        let head = parse(&list).unwrap();
        assert_eq!(
            head.metadata.iter().collect::<Vec<_>>(),
            [("x-ok", &b"yes"[..])]
        );
    }

    quickcheck::quickcheck! {
        fn from_headers_never_panics(fields: Vec<(Vec<u8>, Vec<u8>)>, limit: u16) -> bool {
            let _ = RequestHead::from_headers(fields.iter().map(|(n, v)| (&n[..], &v[..])), usize::from(limit));
            true
        }

        fn valid_paths_round_trip(service: String, method: String) -> quickcheck::TestResult {
            let head = RequestHead::new(service.clone(), method.clone());
            let list = head.to_headers();
            let parsed = RequestHead::from_headers(list.iter().map(|(n, v)| (&n[..], &v[..])), usize::MAX);
            let valid = !service.is_empty() && !method.is_empty() && !service.contains('/') && !method.contains('/');
            quickcheck::TestResult::from_bool(match parsed {
                Ok(got) => valid && got.service == service && got.method == method,
                Err(Rejection::Status(status)) => !valid && status.code == Code::Unimplemented,
                Err(_) => false,
            })
        }
    }
}
