//! What handlers see and how they are registered: the [`Router`] maps a
//! `:path` to a [`MethodHandler`]; a handler gets a [`ServerContext`] and,
//! for streaming calls, a [`RequestStream`] and/or a [`ResponseSink`].
//!
//! Handlers are plain closures (or anything `Fn`), typed over
//! [`crate::wire::Message`] through [`Router::unary`],
//! [`Router::server_streaming`], [`Router::client_streaming`] and
//! [`Router::bidi`], or over raw bytes through [`Router::add`] and
//! [`Router::fallback`] (for proxies and mock servers). Generated service
//! code registers its methods through the same calls.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use super::call_channel::{CallChannel, Outgoing};
use crate::grpc::{CallKind, Code, Metadata, RequestHead, Status};
use crate::net::PeerAddress;
use crate::wire::Message;

/// One call as its handler sees it: who asked for what, until when, and
/// the metadata to answer with.
#[derive(Debug)]
pub struct ServerContext {
    head: RequestHead,
    peer: PeerAddress,
    deadline: Option<Instant>,
    trailers: Metadata,
    channel: Arc<CallChannel>,
}

impl ServerContext {
    pub(crate) fn new(
        head: RequestHead,
        peer: PeerAddress,
        deadline: Option<Instant>,
        channel: Arc<CallChannel>,
    ) -> Self {
        ServerContext {
            head,
            peer,
            deadline,
            trailers: Metadata::new(),
            channel,
        }
    }

    /// The request headers: service, method, authority, custom metadata.
    pub fn request(&self) -> &RequestHead {
        &self.head
    }

    /// The request's custom metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.head.metadata
    }

    /// The `:path`, `/Service/Method`.
    pub fn path(&self) -> String {
        self.head.path()
    }

    /// The client's address.
    pub fn peer(&self) -> &PeerAddress {
        &self.peer
    }

    /// The client's deadline (from `grpc-timeout`), if it set one. Past it
    /// the call ends with DEADLINE_EXCEEDED whatever the handler does.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Whether the call ended without the handler (client cancel, deadline,
    /// connection lost): a long handler should check and stop.
    pub fn is_cancelled(&self) -> bool {
        self.channel.lock().ended.is_some()
    }

    /// Sets the Response-Headers metadata; it goes out with the first
    /// response message, or before the trailers. Later calls replace it
    /// until the headers are out, then have no effect.
    pub fn set_response_headers(&mut self, metadata: Metadata) {
        self.channel.lock().response_headers = Some(metadata);
    }

    /// The trailing metadata sent with the status when the handler returns.
    pub fn trailers_mut(&mut self) -> &mut Metadata {
        &mut self.trailers
    }

    fn take_trailers(&mut self) -> Metadata {
        std::mem::take(&mut self.trailers)
    }
}

/// The request messages of a client-streaming or bidi call, raw.
#[derive(Debug)]
pub struct RequestStream {
    channel: Arc<CallChannel>,
}

impl RequestStream {
    /// The next request message; `None` once the client has finished
    /// sending; `Err` with the status that ended the call (e.g. CANCELLED).
    /// Blocks until one of these. Taking a message gives the client
    /// flow-control credit to send more.
    pub fn recv(&mut self) -> Option<Result<Bytes, Status>> {
        self.channel.next_request()
    }
}

/// The response messages of a server-streaming or bidi call, raw.
#[derive(Debug)]
pub struct ResponseSink {
    channel: Arc<CallChannel>,
}

impl ResponseSink {
    /// Sends one response message. Blocks while the client's flow-control
    /// window and the call's small send queue are full; fails with the
    /// status that ended the call.
    pub fn send(&mut self, message: Bytes) -> Result<(), Status> {
        self.channel.push_response(Outgoing::Message(message))
    }
}

/// Request messages decoded as `M`.
#[derive(Debug)]
pub struct Requests<M> {
    stream: RequestStream,
    message: PhantomData<fn() -> M>,
}

impl<M: Message + Default> Requests<M> {
    /// The next request message (see [`RequestStream::recv`]); a message
    /// that does not decode ends the stream with INTERNAL (statuscodes.md:
    /// "Error parsing request proto").
    pub fn recv(&mut self) -> Option<Result<M, Status>> {
        self.stream.recv().map(|result| result.and_then(decode))
    }
}

/// Response messages encoded from `M`.
#[derive(Debug)]
pub struct Responses<M> {
    sink: ResponseSink,
    message: PhantomData<fn(M)>,
}

impl<M: Message> Responses<M> {
    /// Sends one response message (see [`ResponseSink::send`]).
    pub fn send(&mut self, message: &M) -> Result<(), Status> {
        self.sink.send(Bytes::from(message.encode_to_vec()))
    }
}

fn decode<M: Message + Default>(bytes: Bytes) -> Result<M, Status> {
    M::decode(&bytes).map_err(|e| Status::new(Code::Internal, format!("invalid request: {e}")))
}

/// A unary handler over raw bytes.
pub type RawUnary = dyn Fn(&mut ServerContext, Bytes) -> Result<Bytes, Status> + Send + Sync;
/// A server-streaming handler over raw bytes.
pub type RawServerStreaming =
    dyn Fn(&mut ServerContext, Bytes, &mut ResponseSink) -> Result<(), Status> + Send + Sync;
/// A client-streaming handler over raw bytes.
pub type RawClientStreaming =
    dyn Fn(&mut ServerContext, &mut RequestStream) -> Result<Bytes, Status> + Send + Sync;
/// A bidi handler over raw bytes (also the shape of [`Router::fallback`]).
pub type RawBidi = dyn Fn(&mut ServerContext, &mut RequestStream, &mut ResponseSink) -> Result<(), Status>
    + Send
    + Sync;

/// A method's handler, by call kind, over raw message bytes.
#[derive(Clone)]
pub enum MethodHandler {
    /// One request, one response.
    Unary {
        /// The handler.
        handler: Arc<RawUnary>,
        /// Run on the loop thread as soon as the request is complete,
        /// without a worker: for cheap handlers that never block.
        inline: bool,
    },
    /// One request, a stream of responses.
    ServerStreaming(Arc<RawServerStreaming>),
    /// A stream of requests, one response.
    ClientStreaming(Arc<RawClientStreaming>),
    /// Streams both ways.
    Bidi(Arc<RawBidi>),
}

impl std::fmt::Debug for MethodHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("MethodHandler").field(&self.kind()).finish()
    }
}

impl MethodHandler {
    /// The call kind, which decides how many messages each side may send.
    pub fn kind(&self) -> CallKind {
        match self {
            MethodHandler::Unary { .. } => CallKind::Unary,
            MethodHandler::ServerStreaming(_) => CallKind::ServerStreaming,
            MethodHandler::ClientStreaming(_) => CallKind::ClientStreaming,
            MethodHandler::Bidi(_) => CallKind::Bidi,
        }
    }

    /// Whether the handler runs on the loop thread.
    pub fn is_inline(&self) -> bool {
        matches!(self, MethodHandler::Unary { inline: true, .. })
    }

    /// Whether the handler starts only once the single request message is
    /// complete (else it starts with the request headers).
    pub(crate) fn waits_for_request(&self) -> bool {
        !self.kind().client_streams()
    }

    /// Runs a unary handler to its result (for inline handlers).
    pub(crate) fn run_unary(
        &self,
        ctx: &mut ServerContext,
        request: Bytes,
    ) -> Option<(Result<Bytes, Status>, Metadata)> {
        match self {
            MethodHandler::Unary { handler, .. } => {
                let result = handler(ctx, request);
                Some((result, ctx.take_trailers()))
            }
            _ => None,
        }
    }

    /// Runs the handler on the current (worker) thread, sending its
    /// responses and final status through the call's channel.
    pub(crate) fn run(&self, mut ctx: ServerContext, request: Option<Bytes>) {
        let channel = ctx.channel.clone();
        if channel.lock().ended.is_some() {
            // Cancelled (or past its deadline) while it waited for a worker.
            return;
        }
        let mut requests = RequestStream {
            channel: channel.clone(),
        };
        let mut sink = ResponseSink {
            channel: channel.clone(),
        };
        let request = request.unwrap_or_default();
        let result = match self {
            MethodHandler::Unary { handler, .. } => {
                handler(&mut ctx, request).and_then(|message| sink.send(message))
            }
            MethodHandler::ServerStreaming(handler) => handler(&mut ctx, request, &mut sink),
            MethodHandler::ClientStreaming(handler) => {
                handler(&mut ctx, &mut requests).and_then(|message| sink.send(message))
            }
            MethodHandler::Bidi(handler) => handler(&mut ctx, &mut requests, &mut sink),
        };
        let status = match result {
            Ok(()) => Status::ok(),
            Err(status) => status,
        };
        // Fails only if the call already ended; its status is out then.
        let _ = channel.push_response(Outgoing::Finish(status, ctx.take_trailers()));
    }
}

/// A check run on every call before its handler (e.g. authentication):
/// it sees the request headers and may refuse the call with a status.
/// It runs on the loop thread, so it must be quick and never block.
pub type Interceptor = dyn Fn(&RequestHead) -> Result<(), Status> + Send + Sync;

/// The methods a server answers, by `:path` (`/package.Service/Method`).
#[derive(Clone, Default)]
pub struct Router {
    methods: HashMap<String, MethodHandler>,
    fallback: Option<Arc<RawBidi>>,
    interceptors: Vec<Arc<Interceptor>>,
    /// Paths whose handlers run on a thread of their own.
    own_thread: HashSet<String>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("methods", &self.methods)
            .field("fallback", &self.fallback.is_some())
            .field("interceptors", &self.interceptors.len())
            .field("own_thread", &self.own_thread)
            .finish()
    }
}

impl Router {
    /// A router with no methods: every call gets UNIMPLEMENTED.
    pub fn new() -> Self {
        Router::default()
    }

    /// Registers a raw handler for `path` (`/package.Service/Method`),
    /// replacing any handler it had.
    pub fn add(&mut self, path: impl Into<String>, handler: MethodHandler) -> &mut Self {
        self.methods.insert(path.into(), handler);
        self
    }

    /// Registers a unary method, run on a worker.
    pub fn unary<Req, Resp, F>(&mut self, path: impl Into<String>, f: F) -> &mut Self
    where
        Req: Message + Default,
        Resp: Message,
        F: Fn(&mut ServerContext, Req) -> Result<Resp, Status> + Send + Sync + 'static,
    {
        self.add(path, typed_unary(f, false))
    }

    /// Registers a unary method run on the loop thread: for cheap handlers
    /// that never block (a blocking one stalls every connection of the loop).
    pub fn unary_inline<Req, Resp, F>(&mut self, path: impl Into<String>, f: F) -> &mut Self
    where
        Req: Message + Default,
        Resp: Message,
        F: Fn(&mut ServerContext, Req) -> Result<Resp, Status> + Send + Sync + 'static,
    {
        self.add(path, typed_unary(f, true))
    }

    /// Registers a server-streaming method.
    pub fn server_streaming<Req, Resp, F>(&mut self, path: impl Into<String>, f: F) -> &mut Self
    where
        Req: Message + Default,
        Resp: Message,
        F: Fn(&mut ServerContext, Req, &mut Responses<Resp>) -> Result<(), Status>
            + Send
            + Sync
            + 'static,
    {
        let handler = move |ctx: &mut ServerContext, request: Bytes, sink: &mut ResponseSink| {
            let request = decode(request)?;
            let mut responses = Responses {
                sink: ResponseSink {
                    channel: sink.channel.clone(),
                },
                message: PhantomData,
            };
            f(ctx, request, &mut responses)
        };
        self.add(path, MethodHandler::ServerStreaming(Arc::new(handler)))
    }

    /// Registers a client-streaming method.
    pub fn client_streaming<Req, Resp, F>(&mut self, path: impl Into<String>, f: F) -> &mut Self
    where
        Req: Message + Default,
        Resp: Message,
        F: Fn(&mut ServerContext, &mut Requests<Req>) -> Result<Resp, Status>
            + Send
            + Sync
            + 'static,
    {
        let handler = move |ctx: &mut ServerContext, stream: &mut RequestStream| {
            let mut requests = Requests {
                stream: RequestStream {
                    channel: stream.channel.clone(),
                },
                message: PhantomData,
            };
            f(ctx, &mut requests).map(|response| Bytes::from(response.encode_to_vec()))
        };
        self.add(path, MethodHandler::ClientStreaming(Arc::new(handler)))
    }

    /// Registers a bidi-streaming method.
    pub fn bidi<Req, Resp, F>(&mut self, path: impl Into<String>, f: F) -> &mut Self
    where
        Req: Message + Default,
        Resp: Message,
        F: Fn(&mut ServerContext, &mut Requests<Req>, &mut Responses<Resp>) -> Result<(), Status>
            + Send
            + Sync
            + 'static,
    {
        let handler =
            move |ctx: &mut ServerContext, stream: &mut RequestStream, sink: &mut ResponseSink| {
                let mut requests = Requests {
                    stream: RequestStream {
                        channel: stream.channel.clone(),
                    },
                    message: PhantomData,
                };
                let mut responses = Responses {
                    sink: ResponseSink {
                        channel: sink.channel.clone(),
                    },
                    message: PhantomData,
                };
                f(ctx, &mut requests, &mut responses)
            };
        self.add(path, MethodHandler::Bidi(Arc::new(handler)))
    }

    /// Handles every path no method is registered for, as a bidi call
    /// over raw bytes (the method is in [`ServerContext::request`]): for
    /// proxies and mock servers. Without it such calls get UNIMPLEMENTED.
    pub fn fallback<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn(&mut ServerContext, &mut RequestStream, &mut ResponseSink) -> Result<(), Status>
            + Send
            + Sync
            + 'static,
    {
        self.fallback = Some(Arc::new(f));
        self
    }

    /// Adds an interceptor; interceptors run in the order added, before
    /// the handler, and the first refusal ends the call with its status.
    pub fn intercept<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn(&RequestHead) -> Result<(), Status> + Send + Sync + 'static,
    {
        self.interceptors.push(Arc::new(f));
        self
    }

    /// Merges another router's methods into this one (e.g. a standard
    /// service such as [`super::health`]); its fallback and interceptors
    /// are added when set.
    pub fn merge(&mut self, other: Router) -> &mut Self {
        self.methods.extend(other.methods);
        if other.fallback.is_some() {
            self.fallback = other.fallback;
        }
        self.interceptors.extend(other.interceptors);
        self.own_thread.extend(other.own_thread);
        self
    }

    /// Runs the handler of `path` on a thread of its own instead of a
    /// worker: for long-lived calls that mostly wait (such as a health
    /// `Watch`), which would otherwise each hold a worker. At most
    /// [`ServerConfig::max_own_threads`](super::ServerConfig::max_own_threads)
    /// run at once; past that, calls get RESOURCE_EXHAUSTED.
    pub fn on_own_thread(&mut self, path: impl Into<String>) -> &mut Self {
        self.own_thread.insert(path.into());
        self
    }

    /// Whether the handler of `path` runs on a thread of its own.
    pub fn runs_on_own_thread(&self, path: &str) -> bool {
        self.own_thread.contains(path)
    }

    /// The handler for `path`: the registered method, else the fallback.
    pub fn route(&self, path: &str) -> Option<MethodHandler> {
        self.methods
            .get(path)
            .cloned()
            .or_else(|| self.fallback.clone().map(MethodHandler::Bidi))
    }

    /// Runs the interceptors on a request.
    pub fn check(&self, head: &RequestHead) -> Result<(), Status> {
        self.interceptors.iter().try_for_each(|check| check(head))
    }
}

fn typed_unary<Req, Resp, F>(f: F, inline: bool) -> MethodHandler
where
    Req: Message + Default,
    Resp: Message,
    F: Fn(&mut ServerContext, Req) -> Result<Resp, Status> + Send + Sync + 'static,
{
    let handler = move |ctx: &mut ServerContext, request: Bytes| {
        let request = decode(request)?;
        f(ctx, request).map(|response| Bytes::from(response.encode_to_vec()))
    };
    MethodHandler::Unary {
        handler: Arc::new(handler),
        inline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{field, DecodeError, Reader, WireType};

    #[derive(Debug, Default, PartialEq)]
    struct Text(String);

    impl Message for Text {
        fn encode_raw(&self, buf: &mut Vec<u8>) {
            field::string::encode(1, &self.0, buf);
        }
        fn encoded_len(&self) -> usize {
            field::string::encoded_len(1, &self.0)
        }
        fn merge_field(
            &mut self,
            number: u32,
            wire_type: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match number {
                1 => field::string::merge(wire_type, &mut self.0, r),
                _ => r.skip_value(number, wire_type).map(|_| ()),
            }
        }
        fn clear(&mut self) {
            self.0.clear();
        }
    }

    fn context() -> (ServerContext, Arc<CallChannel>) {
        let channel = Arc::new(CallChannel::new(1024, Box::new(|| {})));
        let ctx = ServerContext::new(
            RequestHead::new("pkg.Svc", "Do"),
            PeerAddress::Unix(None),
            None,
            channel.clone(),
        );
        (ctx, channel)
    }

    fn outbox(channel: &CallChannel) -> Vec<String> {
        channel
            .lock()
            .outbox
            .iter()
            .map(|item| match item {
                Outgoing::Message(m) => format!("message {m:?}"),
                Outgoing::Finish(status, _) => format!("finish {:?}", status.code),
            })
            .collect()
    }

    #[test]
    fn typed_unary_decodes_and_encodes() {
        let mut router = Router::new();
        router.unary("/pkg.Svc/Do", |_, request: Text| {
            Ok(Text(request.0.to_uppercase()))
        });
        let handler = router.route("/pkg.Svc/Do").unwrap();
        assert_eq!(handler.kind(), CallKind::Unary);
        let (ctx, channel) = context();
        handler.run(ctx, Some(Bytes::from_static(b"\x0a\x02hi")));
        assert_eq!(outbox(&channel), ["message b\"\\n\\x02HI\"", "finish Ok"]);
    }

    #[test]
    fn undecodable_request_is_internal() {
        let mut router = Router::new();
        router.unary("/pkg.Svc/Do", |_, request: Text| Ok(request));
        let (ctx, channel) = context();
        router
            .route("/pkg.Svc/Do")
            .unwrap()
            .run(ctx, Some(Bytes::from_static(b"\x0a\x05hi")));
        assert_eq!(outbox(&channel), ["finish Internal"]);
    }

    #[test]
    fn a_call_ended_before_it_started_does_not_run() {
        let mut router = Router::new();
        router.unary("/pkg.Svc/Do", |_, _: Text| -> Result<Text, Status> {
            panic!("must not run")
        });
        let (ctx, channel) = context();
        channel.end(Status::cancelled("gone"));
        router.route("/pkg.Svc/Do").unwrap().run(ctx, None);
        assert!(outbox(&channel).is_empty());
    }

    #[test]
    fn unknown_path_uses_fallback_else_none() {
        let mut router = Router::new();
        assert!(router.route("/a.B/C").is_none());
        router.fallback(|_, _, _| Err(Status::new(Code::NotFound, "no")));
        assert_eq!(router.route("/a.B/C").unwrap().kind(), CallKind::Bidi);
    }

    #[test]
    fn interceptors_refuse_in_order() {
        let mut router = Router::new();
        router
            .intercept(|head| match head.metadata.get_str("authorization") {
                Some("Bearer ok") => Ok(()),
                _ => Err(Status::new(Code::Unauthenticated, "who are you")),
            })
            .intercept(|_| Err(Status::new(Code::PermissionDenied, "second")));
        let mut head = RequestHead::new("pkg.Svc", "Do");
        assert_eq!(router.check(&head).unwrap_err().code, Code::Unauthenticated);
        head.metadata.append("authorization", "Bearer ok").unwrap();
        assert_eq!(
            router.check(&head).unwrap_err().code,
            Code::PermissionDenied
        );
    }

    #[test]
    fn bidi_streams_until_end_of_requests() {
        let mut router = Router::new();
        router.bidi(
            "/pkg.Svc/Echo",
            |ctx, requests: &mut Requests<Text>, responses| {
                ctx.trailers_mut().append("x-count", "2").unwrap();
                while let Some(request) = requests.recv() {
                    responses.send(&request?)?;
                }
                Ok(())
            },
        );
        let (ctx, channel) = context();
        {
            let mut state = channel.lock();
            state.inbox.push_back(Bytes::from_static(b"\x0a\x01a"));
            state.inbox.push_back(Bytes::from_static(b"\x0a\x01b"));
            state.request_done = true;
        }
        router.route("/pkg.Svc/Echo").unwrap().run(ctx, None);
        let state = channel.lock();
        assert_eq!(state.outbox.len(), 3);
        match state.outbox.back() {
            Some(Outgoing::Finish(status, trailers)) => {
                assert!(status.is_ok());
                assert_eq!(trailers.get_str("x-count"), Some("2"));
            }
            other => panic!("{other:?}"),
        }
    }
}
