//! Response-Headers, Trailers and Trailers-Only (PROTOCOL-HTTP2.md
//! "Responses"): built by the server, read by the client.

use bytes::Bytes;

use super::code::Code;
use super::encoding::{parse_accept_encoding, MessageEncoding, ACCEPT_ENCODING};
use super::header::{field, list_size, HeaderList};
use super::metadata::{joined_values_overhead, Metadata};
use super::percent;
use super::status::Status;
use crate::base64;

/// The content type we send: gRPC with Protobuf messages (Appendix A).
pub const CONTENT_TYPE_PROTO: &str = "application/grpc+proto";

/// Whether a content-type is a gRPC one: "application/grpc" alone or
/// followed by "+subtype" or ";parameters" (PROTOCOL-HTTP2.md Content-Type).
pub fn is_grpc_content_type(value: &[u8]) -> bool {
    match value.strip_prefix(b"application/grpc") {
        Some(rest) => matches!(rest.first(), None | Some(b'+') | Some(b';')),
        None => false,
    }
}

/// The gRPC code for a response that carried no `grpc-status`, from its
/// HTTP status (http-grpc-status-mapping.md). Only for that case: a
/// `grpc-status`, when present, always wins.
pub fn code_for_http_status(status: u16) -> Code {
    match status {
        400 | 431 => Code::Internal,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 => Code::Unimplemented,
        429 | 502 | 503 | 504 => Code::Unavailable,
        // 200 too: a truly OK response would carry grpc-status.
        _ => Code::Unknown,
    }
}

/// What the server sends before its messages: Response-Headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// `content-type`; [`CONTENT_TYPE_PROTO`] by default.
    pub content_type: String,
    /// `grpc-encoding` of the messages that follow.
    pub encoding: MessageEncoding,
    /// `grpc-accept-encoding`: the codings the sender can decode.
    pub accept_encoding: Vec<String>,
    /// Custom initial metadata.
    pub metadata: Metadata,
}

impl Default for ResponseHead {
    fn default() -> ResponseHead {
        ResponseHead {
            content_type: CONTENT_TYPE_PROTO.to_owned(),
            encoding: MessageEncoding::Identity,
            accept_encoding: vec![ACCEPT_ENCODING.to_owned()],
            metadata: Metadata::new(),
        }
    }
}

impl ResponseHead {
    /// Response-Headers: `:status 200`, content-type, the codings, then
    /// custom metadata.
    pub fn to_headers(&self) -> HeaderList {
        let mut out = HeaderList::with_capacity(4 + self.metadata.len());
        self.push_head(&mut out);
        self.metadata.encode_into(&mut out);
        out
    }

    /// Trailers-Only: "HTTP-Status Content-Type Trailers" in one HEADERS
    /// frame with END_STREAM, for a call that ends before any message. The
    /// head's metadata and `trailing` are both sent.
    pub fn to_trailers_only(&self, status: &Status, trailing: &Metadata) -> HeaderList {
        let mut out = HeaderList::with_capacity(6 + self.metadata.len() + trailing.len());
        self.push_head(&mut out);
        push_status(&mut out, status);
        self.metadata.encode_into(&mut out);
        trailing.encode_into(&mut out);
        out
    }

    fn push_head(&self, out: &mut HeaderList) {
        out.push(field(":status", "200"));
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
    }
}

/// Appends grpc-status, grpc-message (when not empty) and
/// grpc-status-details-bin (when not empty).
fn push_status(out: &mut HeaderList, status: &Status) {
    out.push((
        Bytes::from_static(b"grpc-status"),
        Bytes::from_static(status.code.to_grpc_status()),
    ));
    if !status.message.is_empty() {
        out.push((
            Bytes::from_static(b"grpc-message"),
            percent::encode(&status.message),
        ));
    }
    if !status.details.is_empty() {
        out.push((
            Bytes::from_static(b"grpc-status-details-bin"),
            Bytes::from(base64::encode_unpadded(&status.details)),
        ));
    }
}

/// Trailers: Status, Status-Message, details, then custom trailing
/// metadata. Sent with END_STREAM; "Status must be sent in Trailers even if
/// the status code is OK".
pub fn trailers(status: &Status, metadata: &Metadata) -> HeaderList {
    let mut out = HeaderList::with_capacity(3 + metadata.len());
    push_status(&mut out, status);
    metadata.encode_into(&mut out);
    out
}

/// How a call ended as the client reads it: the status and the trailing
/// metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailers {
    /// The call's status, received or synthesized.
    pub status: Status,
    /// Custom trailing metadata.
    pub metadata: Metadata,
}

impl Trailers {
    /// Trailers made up locally: `status` and no metadata.
    pub fn local(status: Status) -> Trailers {
        Trailers {
            status,
            metadata: Metadata::new(),
        }
    }
}

/// What the first HEADERS of a response means to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseStart {
    /// An informational (1xx) response: skip it and wait for the real one
    /// (RFC 9113 §8.1).
    Informational,
    /// Response-Headers: messages and then Trailers follow.
    Headers(ResponseHead),
    /// The call is over: Trailers-Only, or a response that is not gRPC, with
    /// a status synthesized as PROTOCOL-HTTP2.md requires.
    Finished(Trailers),
}

/// The fields of a received header block that this layer reads.
#[derive(Default)]
struct ReceivedFields {
    http_status: Option<Option<u16>>,
    content_type: Option<Bytes>,
    encoding: Option<Bytes>,
    accept_encoding: Option<Bytes>,
    grpc_status: Option<Option<Code>>,
    grpc_message: Option<Bytes>,
    details: Option<Bytes>,
    metadata: Metadata,
    size: usize,
}

impl ReceivedFields {
    fn read<'a, I>(fields: I) -> ReceivedFields
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let mut out = ReceivedFields::default();
        for (name, value) in fields {
            out.size = out.size.saturating_add(list_size([(name, value)]));
            let bytes = || Some(Bytes::copy_from_slice(value));
            match name {
                b":status" => {
                    out.http_status = Some(parse_http_status(value));
                }
                b"content-type" => out.content_type = bytes(),
                b"grpc-encoding" => out.encoding = bytes(),
                b"grpc-accept-encoding" => out.accept_encoding = bytes(),
                b"grpc-status" => out.grpc_status = Some(Code::from_grpc_status(value)),
                b"grpc-message" => out.grpc_message = bytes(),
                b"grpc-status-details-bin" => out.details = bytes(),
                _ => {
                    out.size = out.size.saturating_add(joined_values_overhead(name, value));
                    out.metadata.receive(name, value);
                }
            }
        }
        out
    }

    /// The status these fields carry, when they have grpc-status.
    fn status(&self) -> Option<Status> {
        let code = self.grpc_status?;
        let Some(code) = code else {
            // "Error parsing returned status": UNKNOWN (statuscodes.md).
            return Some(Status::new(Code::Unknown, "malformed grpc-status"));
        };
        let message = self
            .grpc_message
            .as_deref()
            .map(percent::decode)
            .unwrap_or_default();
        let details = self
            .details
            .as_deref()
            .and_then(|text| base64::decode(text).ok())
            .map(Bytes::from)
            .unwrap_or_default();
        Some(Status::new(code, message).with_details(details))
    }

    fn too_large(&self, limit: usize, what: &str) -> Option<Status> {
        (self.size > limit).then(|| {
            Status::resource_exhausted(format!(
                "{what} of {} bytes exceeds the limit of {limit} bytes",
                self.size
            ))
        })
    }
}

/// `:status` as a three-digit number.
fn parse_http_status(value: &[u8]) -> Option<u16> {
    match value {
        [a, b, c] if value.iter().all(u8::is_ascii_digit) => {
            Some(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => None,
    }
}

/// Reads the first HEADERS block of a response on the client.
///
/// `end_stream` says whether the block carried END_STREAM, which makes it
/// Trailers-Only. `metadata_limit` bounds the whole block (see
/// [`super::metadata::DEFAULT_METADATA_SOFT_LIMIT`]).
pub fn parse_response_headers<'a, I>(
    fields: I,
    end_stream: bool,
    metadata_limit: usize,
) -> ResponseStart
where
    I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
{
    let got = ReceivedFields::read(fields);
    let http_status = match got.http_status {
        Some(Some(status)) => status,
        _ => {
            return ResponseStart::Finished(Trailers::local(Status::internal(
                "response has a missing or malformed :status",
            )))
        }
    };
    if (100..200).contains(&http_status) {
        if end_stream {
            return ResponseStart::Finished(Trailers::local(Status::internal(format!(
                "informational HTTP status {http_status} with END_STREAM"
            ))));
        }
        return ResponseStart::Informational;
    }
    if let Some(status) = got.too_large(metadata_limit, "response header list") {
        return ResponseStart::Finished(Trailers::local(status));
    }
    if end_stream {
        // Trailers-Only, or a non-gRPC answer: "If grpc-status was provided,
        // it must be used" (http-grpc-status-mapping.md).
        let status = got.status().unwrap_or_else(|| {
            Status::new(
                code_for_http_status(http_status),
                format!("HTTP status {http_status} without grpc-status"),
            )
        });
        return ResponseStart::Finished(Trailers {
            status,
            metadata: got.metadata,
        });
    }
    if http_status != 200 {
        return ResponseStart::Finished(Trailers::local(Status::new(
            code_for_http_status(http_status),
            format!("unexpected HTTP status {http_status}"),
        )));
    }
    let content_type = got.content_type.as_deref().unwrap_or_default();
    if !is_grpc_content_type(content_type) {
        return ResponseStart::Finished(Trailers::local(Status::new(
            Code::Unknown,
            format!(
                "unexpected content-type {:?}",
                String::from_utf8_lossy(content_type)
            ),
        )));
    }
    ResponseStart::Headers(ResponseHead {
        content_type: String::from_utf8_lossy(content_type).into_owned(),
        encoding: MessageEncoding::from_header(got.encoding.as_deref()),
        accept_encoding: got
            .accept_encoding
            .as_deref()
            .map(parse_accept_encoding)
            .unwrap_or_default(),
        metadata: got.metadata,
    })
}

/// Reads the Trailers that end a response after Response-Headers.
///
/// Trailers without grpc-status, or with one that is not a number, give
/// UNKNOWN ("Error parsing returned status", statuscodes.md).
pub fn parse_trailers<'a, I>(fields: I, metadata_limit: usize) -> Trailers
where
    I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
{
    let got = ReceivedFields::read(fields);
    if let Some(status) = got.too_large(metadata_limit, "trailer list") {
        return Trailers::local(status);
    }
    let status = got
        .status()
        .unwrap_or_else(|| Status::new(Code::Unknown, "trailers without grpc-status"));
    Trailers {
        status,
        metadata: got.metadata,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::metadata::DEFAULT_METADATA_SOFT_LIMIT;

    fn pairs(list: &HeaderList) -> Vec<(&[u8], &[u8])> {
        list.iter().map(|(n, v)| (&n[..], &v[..])).collect()
    }

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

    const LIMIT: usize = DEFAULT_METADATA_SOFT_LIMIT;

    #[test]
    fn builds_response_headers() {
        let mut head = ResponseHead::default();
        head.metadata.append("x-id", "7").unwrap();
        assert_eq!(
            text(&head.to_headers()),
            owned(&[
                (":status", "200"),
                ("content-type", "application/grpc+proto"),
                ("grpc-accept-encoding", "identity"),
                ("x-id", "7"),
            ])
        );
    }

    #[test]
    fn builds_trailers() {
        let mut md = Metadata::new();
        md.append_bin("t-bin", Bytes::from_static(b"\x01")).unwrap();
        let status = Status::new(Code::NotFound, "no such user: caf\u{e9} 100%")
            .with_details(Bytes::from_static(b"\x08\x05"));
        assert_eq!(
            text(&trailers(&status, &md)),
            owned(&[
                ("grpc-status", "5"),
                ("grpc-message", "no such user: caf%C3%A9 100%25"),
                ("grpc-status-details-bin", "CAU"),
                ("t-bin", "AQ"),
            ])
        );
        assert_eq!(
            text(&trailers(&Status::ok(), &Metadata::new())),
            owned(&[("grpc-status", "0")])
        );
    }

    #[test]
    fn builds_trailers_only() {
        let list =
            ResponseHead::default().to_trailers_only(&Status::unimplemented("x"), &Metadata::new());
        assert_eq!(
            text(&list),
            owned(&[
                (":status", "200"),
                ("content-type", "application/grpc+proto"),
                ("grpc-accept-encoding", "identity"),
                ("grpc-status", "12"),
                ("grpc-message", "x"),
            ])
        );
    }

    #[test]
    fn trailers_round_trip() {
        let mut md = Metadata::new();
        md.append("k", "v").unwrap();
        md.append_bin("b-bin", Bytes::from_static(b"\xff\x00"))
            .unwrap();
        let status =
            Status::new(Code::Aborted, "r\u{e9}essayer").with_details(Bytes::from_static(b"dd"));
        let list = trailers(&status, &md);
        assert_eq!(
            parse_trailers(pairs(&list), LIMIT),
            Trailers {
                status,
                metadata: md
            }
        );
    }

    #[test]
    fn reads_response_headers() {
        let mut head = ResponseHead::default();
        head.metadata.append("x-id", "7").unwrap();
        head.encoding = MessageEncoding::Unsupported("gzip".into());
        head.accept_encoding = vec!["gzip".into(), "identity".into()];
        let list = head.to_headers();
        assert_eq!(
            parse_response_headers(pairs(&list), false, LIMIT),
            ResponseStart::Headers(head)
        );
    }

    #[test]
    fn reads_trailers_only() {
        let list = ResponseHead::default()
            .to_trailers_only(&Status::unimplemented("nope"), &Metadata::new());
        assert_eq!(
            parse_response_headers(pairs(&list), true, LIMIT),
            ResponseStart::Finished(Trailers::local(Status::unimplemented("nope")))
        );
    }

    #[test]
    fn informational_is_skipped() {
        let fields: [(&[u8], &[u8]); 1] = [(b":status", b"100")];
        assert_eq!(
            parse_response_headers(fields, false, LIMIT),
            ResponseStart::Informational
        );
        assert!(matches!(
            parse_response_headers(fields, true, LIMIT),
            ResponseStart::Finished(Trailers {
                status: Status {
                    code: Code::Internal,
                    ..
                },
                ..
            })
        ));
    }

    fn finished_code(fields: &[(&[u8], &[u8])], end_stream: bool) -> Code {
        match parse_response_headers(fields.iter().copied(), end_stream, LIMIT) {
            ResponseStart::Finished(t) => t.status.code,
            other => panic!("not finished: {other:?}"),
        }
    }

    #[test]
    fn http_status_mapping_without_grpc_status() {
        let table = [
            (b"400", Code::Internal),
            (b"401", Code::Unauthenticated),
            (b"403", Code::PermissionDenied),
            (b"404", Code::Unimplemented),
            (b"429", Code::Unavailable),
            (b"431", Code::Internal),
            (b"502", Code::Unavailable),
            (b"503", Code::Unavailable),
            (b"504", Code::Unavailable),
            (b"500", Code::Unknown),
            (b"200", Code::Unknown),
        ];
        for (http, code) in table {
            let fields: [(&[u8], &[u8]); 2] = [(b":status", http), (b"content-type", b"text/html")];
            assert_eq!(finished_code(&fields, true), code, "{http:?} end");
            if http != b"200" {
                assert_eq!(finished_code(&fields, false), code, "{http:?}");
            }
        }
        // A grpc-status, when present, wins over the HTTP status.
        let fields: [(&[u8], &[u8]); 2] = [(b":status", b"503"), (b"grpc-status", b"0")];
        assert_eq!(finished_code(&fields, true), Code::Ok);
    }

    #[test]
    fn malformed_responses() {
        let no_status: [(&[u8], &[u8]); 1] = [(b"content-type", b"application/grpc")];
        assert_eq!(finished_code(&no_status, false), Code::Internal);
        let bad_status: [(&[u8], &[u8]); 1] = [(b":status", b"2x0")];
        assert_eq!(finished_code(&bad_status, false), Code::Internal);
        let html: [(&[u8], &[u8]); 2] = [(b":status", b"200"), (b"content-type", b"text/html")];
        assert_eq!(finished_code(&html, false), Code::Unknown);
        let prefix_only: [(&[u8], &[u8]); 2] = [
            (b":status", b"200"),
            (b"content-type", b"application/grpcx"),
        ];
        assert_eq!(finished_code(&prefix_only, false), Code::Unknown);
        let bad_grpc_status: [(&[u8], &[u8]); 2] = [(b":status", b"200"), (b"grpc-status", b"OK")];
        assert_eq!(finished_code(&bad_grpc_status, true), Code::Unknown);
    }

    #[test]
    fn trailers_without_status_are_unknown() {
        let fields: [(&[u8], &[u8]); 1] = [(b"x", b"y")];
        let got = parse_trailers(fields, LIMIT);
        assert_eq!(
            got.status,
            Status::new(Code::Unknown, "trailers without grpc-status")
        );
        assert_eq!(got.metadata.get("x"), Some(&b"y"[..]));
    }

    #[test]
    fn lenient_message_and_details() {
        let fields: [(&[u8], &[u8]); 3] = [
            (b"grpc-status", b"13"),
            (b"grpc-message", b"50%"),
            (b"grpc-status-details-bin", b"!!"),
        ];
        assert_eq!(
            parse_trailers(fields, LIMIT).status,
            Status::internal("50%")
        );
    }

    #[test]
    fn joined_binary_values_count_as_fields_against_the_soft_limit() {
        // 60 raw octets, but 20 joined values: 20 * 32 more.
        let joined = b"AA,".repeat(20);
        let fields: [(&[u8], &[u8]); 2] = [(b"grpc-status", b"0"), (b"x-bin", &joined)];
        let got = parse_trailers(fields, 200);
        assert_eq!(got.status.code, Code::ResourceExhausted);
        assert_eq!(
            got.status.message,
            "trailer list of 781 bytes exceeds the limit of 200 bytes"
        );
    }

    #[test]
    fn metadata_soft_limit() {
        let big = vec![b'a'; 100];
        let fields: [(&[u8], &[u8]); 2] = [(b"grpc-status", b"0"), (b"x", &big)];
        let got = parse_trailers(fields, 100);
        assert_eq!(got.status.code, Code::ResourceExhausted);
        assert_eq!(
            got.status.message,
            "trailer list of 177 bytes exceeds the limit of 100 bytes"
        );
        let head: [(&[u8], &[u8]); 2] = [(b":status", b"200"), (b"x", &big)];
        assert_eq!(
            match parse_response_headers(head, false, 100) {
                ResponseStart::Finished(t) => t.status.code,
                _ => Code::Ok,
            },
            Code::ResourceExhausted
        );
    }

    #[test]
    fn grpc_content_types() {
        assert!(is_grpc_content_type(b"application/grpc"));
        assert!(is_grpc_content_type(b"application/grpc+proto"));
        assert!(is_grpc_content_type(b"application/grpc+json"));
        assert!(is_grpc_content_type(b"application/grpc;charset=utf-8"));
        assert!(!is_grpc_content_type(b"application/grpc-web"));
        assert!(!is_grpc_content_type(b"application/json"));
        assert!(!is_grpc_content_type(b""));
    }

    quickcheck::quickcheck! {
        fn response_parsers_never_panic(fields: Vec<(Vec<u8>, Vec<u8>)>, end_stream: bool, limit: u16) -> bool {
            let pairs = || fields.iter().map(|(n, v)| (&n[..], &v[..]));
            let _ = parse_response_headers(pairs(), end_stream, usize::from(limit));
            let _ = parse_trailers(pairs(), usize::from(limit));
            true
        }

        fn trailers_round_trip_any_status(code: u8, message: String, details: Vec<u8>) -> bool {
            let status = Status::new(Code::from_number(u32::from(code % 17)), message)
                .with_details(Bytes::from(details));
            let list = trailers(&status, &Metadata::new());
            parse_trailers(pairs(&list), usize::MAX).status == status
        }
    }
}
