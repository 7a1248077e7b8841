//! What generated service code refers to: method descriptors and the
//! streaming handles a service implementation is given.
//!
//! The code generator (`crate::build`) emits, for each `service`, a module
//! with one [`Method`] constant per rpc, a `Server` trait with one method
//! per rpc, and a `Client<C>` whose typed methods go through any [`Invoke`].
//!
//! These are the seams the blocking API layer plugs into: on the server it
//! decodes requests into a [`RequestStream`] and forwards what a handler
//! sends to a [`ResponseSink`]; on the client its channel implements
//! [`Invoke`], one call of encoded messages in and out. Nothing here does I/O.

use super::call::CallKind;
use super::code::Code;
use super::metadata::Metadata;
use super::status::Status;
use crate::wire::Message;

/// One rpc of a service, as the wire sees it (PROTOCOL-HTTP2.md, `:path`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    /// The request path: `/package.Service/Method`.
    pub path: &'static str,
    /// How many messages flow each way.
    pub kind: CallKind,
    /// The fully qualified name of the request message.
    pub request_type: &'static str,
    /// The fully qualified name of the response message.
    pub response_type: &'static str,
}

/// The requests of a client-streaming or bidirectional call, in order.
///
/// Each item is a decoded request, or the status the call failed with (a
/// message that did not decode, a cancelled call); the iterator ends when the
/// client half-closes.
pub trait RequestStream<M>: Iterator<Item = Result<M, Status>> {}

impl<M, I: Iterator<Item = Result<M, Status>>> RequestStream<M> for I {}

/// Where a server-streaming or bidirectional handler sends its responses.
pub trait ResponseSink<M> {
    /// Sends one response; an error means the call is over (cancelled,
    /// past its deadline, or the connection closed) and the handler should
    /// return.
    fn send(&mut self, message: M) -> Result<(), Status>;
}

impl<M> ResponseSink<M> for Vec<M> {
    /// Collects the responses, for tests.
    fn send(&mut self, message: M) -> Result<(), Status> {
        self.push(message);
        Ok(())
    }
}

/// One call on a channel, with messages already encoded: what a generated
/// `Client` needs from the transport.
pub trait Invoke {
    /// Runs a call of `method`: sends `metadata`, then each of `requests` in
    /// order, then half-closes; hands each response message to `responses`
    /// as it arrives. Returns `Ok(())` when the call ends with status OK, the
    /// status otherwise.
    fn invoke(
        &self,
        method: &Method,
        metadata: &Metadata,
        requests: &mut dyn Iterator<Item = Vec<u8>>,
        responses: &mut dyn ResponseSink<Vec<u8>>,
    ) -> Result<(), Status>;
}

/// Forwards encoded responses to a typed sink, decoding each.
struct DecodingSink<'a, M> {
    into: &'a mut dyn ResponseSink<M>,
}

impl<M: Message + Default> ResponseSink<Vec<u8>> for DecodingSink<'_, M> {
    fn send(&mut self, message: Vec<u8>) -> Result<(), Status> {
        // statuscodes.md: "Error parsing response proto" is INTERNAL on the client.
        let decoded = M::decode(&message).map_err(|e| {
            Status::new(
                Code::Internal,
                format!("error parsing response message: {e}"),
            )
        })?;
        self.into.send(decoded)
    }
}

/// The one response of a unary or client-streaming call, or UNIMPLEMENTED
/// if the server sent another number (statuscodes.md, "Response cardinality
/// violation").
fn single_response<M>(mut responses: Vec<M>) -> Result<M, Status> {
    match responses.len() {
        1 => responses
            .pop()
            .ok_or_else(|| Status::new(Code::Internal, "response vanished")),
        n => Err(Status::new(
            Code::Unimplemented,
            format!("expected exactly one response message, got {n}"),
        )),
    }
}

/// A unary call: one request, one response.
pub fn unary<Req: Message, Resp: Message + Default>(
    channel: &(impl Invoke + ?Sized),
    method: &Method,
    request: &Req,
    metadata: &Metadata,
) -> Result<Resp, Status> {
    let mut responses: Vec<Resp> = Vec::new();
    channel.invoke(
        method,
        metadata,
        &mut std::iter::once(request.encode_to_vec()),
        &mut DecodingSink {
            into: &mut responses,
        },
    )?;
    single_response(responses)
}

/// A server-streaming call: one request, responses handed to `responses`.
pub fn server_streaming<Req: Message, Resp: Message + Default>(
    channel: &(impl Invoke + ?Sized),
    method: &Method,
    request: &Req,
    metadata: &Metadata,
    responses: &mut dyn ResponseSink<Resp>,
) -> Result<(), Status> {
    channel.invoke(
        method,
        metadata,
        &mut std::iter::once(request.encode_to_vec()),
        &mut DecodingSink { into: responses },
    )
}

/// A client-streaming call: the requests in order, one response.
pub fn client_streaming<Req: Message, Resp: Message + Default>(
    channel: &(impl Invoke + ?Sized),
    method: &Method,
    requests: &mut dyn Iterator<Item = Req>,
    metadata: &Metadata,
) -> Result<Resp, Status> {
    let mut responses: Vec<Resp> = Vec::new();
    channel.invoke(
        method,
        metadata,
        &mut requests.map(|r| r.encode_to_vec()),
        &mut DecodingSink {
            into: &mut responses,
        },
    )?;
    single_response(responses)
}

/// A bidirectional call: requests in order, responses handed to `responses`.
pub fn bidi<Req: Message, Resp: Message + Default>(
    channel: &(impl Invoke + ?Sized),
    method: &Method,
    requests: &mut dyn Iterator<Item = Req>,
    metadata: &Metadata,
    responses: &mut dyn ResponseSink<Resp>,
) -> Result<(), Status> {
    channel.invoke(
        method,
        metadata,
        &mut requests.map(|r| r.encode_to_vec()),
        &mut DecodingSink { into: responses },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::Code;

    #[test]
    fn a_vec_collects_responses_and_an_iterator_is_a_request_stream() {
        let mut sink: Vec<u32> = Vec::new();
        sink.send(1).unwrap();
        sink.send(2).unwrap();
        assert_eq!(sink, [1, 2]);
        let requests = vec![Ok(1u32), Err(Status::new(Code::Cancelled, "gone"))];
        fn count(stream: &mut dyn RequestStream<u32>) -> usize {
            stream.count()
        }
        assert_eq!(count(&mut requests.into_iter()), 2);
    }

    use crate::wire::UnknownFields;

    /// Answers every call with the canned encoded responses.
    struct Canned(Vec<Vec<u8>>);

    impl Invoke for Canned {
        fn invoke(
            &self,
            _method: &Method,
            _metadata: &Metadata,
            requests: &mut dyn Iterator<Item = Vec<u8>>,
            responses: &mut dyn ResponseSink<Vec<u8>>,
        ) -> Result<(), Status> {
            assert!(requests.count() >= 1);
            for r in &self.0 {
                responses.send(r.clone())?;
            }
            Ok(())
        }
    }

    const M: Method = Method {
        path: "/p.S/M",
        kind: CallKind::Unary,
        request_type: "p.Req",
        response_type: "p.Resp",
    };

    #[test]
    fn unary_needs_exactly_one_well_formed_response() {
        let request = UnknownFields::default();
        let md = Metadata::new();
        let one: UnknownFields = unary(&Canned(vec![vec![0x08, 0x01]]), &M, &request, &md).unwrap();
        assert_eq!(one.as_bytes(), [0x08, 0x01]);
        let none = unary::<_, UnknownFields>(&Canned(vec![]), &M, &request, &md).unwrap_err();
        assert_eq!(none.code, Code::Unimplemented);
        let two = unary::<_, UnknownFields>(&Canned(vec![vec![], vec![]]), &M, &request, &md)
            .unwrap_err();
        assert_eq!(two.code, Code::Unimplemented);
        // A truncated varint does not parse.
        let bad =
            unary::<_, UnknownFields>(&Canned(vec![vec![0x08]]), &M, &request, &md).unwrap_err();
        assert_eq!(bad.code, Code::Internal);
    }

    #[test]
    fn streaming_responses_arrive_decoded_in_order() {
        let mut got: Vec<UnknownFields> = Vec::new();
        let canned = Canned(vec![vec![0x08, 0x01], vec![0x08, 0x02]]);
        bidi(
            &canned,
            &M,
            &mut vec![UnknownFields::default()].into_iter(),
            &Metadata::new(),
            &mut got,
        )
        .unwrap();
        let bytes: Vec<&[u8]> = got.iter().map(|m| m.as_bytes()).collect();
        assert_eq!(bytes, [[0x08, 0x01], [0x08, 0x02]]);
    }
}
