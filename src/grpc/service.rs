//! What generated service code refers to: method descriptors and the
//! streaming handles a service implementation is given.
//!
//! The code generator (`crate::build`) emits, for each `service`, a module
//! with one [`Method`] constant per rpc and a trait with one method per rpc.
//! The blocking API layer will implement these shapes: it decodes requests
//! into a [`RequestStream`] and forwards what a handler sends to a
//! [`ResponseSink`]. Nothing here does I/O.

use super::call::CallKind;
use super::status::Status;

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
}
