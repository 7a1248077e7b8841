//! A plain HTTP/2 server on grpclite's own stack (no gRPC): GET answers
//! 200 with a short text, POST echoes the request body.
//!
//! ```text
//! cargo run --example h2_server -- --port 8080
//! cargo run --example h2_server -- --port 8443 --tls --cert server.pem --key server.key
//! curl --http2-prior-knowledge http://127.0.0.1:8080/
//! curl --http2-prior-knowledge --data-binary @file http://127.0.0.1:8080/
//! ```
//!
//! It drives an `h2::Connection` directly in its own `net::Session`.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Instant;

use bytes::Bytes;
use grpclite::h2::{self, Connection, Event, StreamId};
use grpclite::hpack::Header;
use grpclite::net::{ConnectionInfo, Driver, EventLoop, Limits, Security, Session};

/// What a GET gets.
pub const GREETING: &[u8] = b"hello from grpclite over HTTP/2\n";

/// Largest request body echoed; a larger one gets 413. The HTTP/2 send
/// buffer of a stream (400 KiB by default) must hold the whole echo.
pub const MAX_BODY: usize = 256 * 1024;

/// A request being received.
#[derive(Debug, Default)]
struct Request {
    method: Bytes,
    body: Vec<u8>,
    too_large: bool,
}

/// One HTTP/2 connection answering every request on its own.
#[derive(Debug)]
pub struct HttpSession {
    conn: Connection,
    requests: HashMap<StreamId, Request>,
}

impl HttpSession {
    /// A server-side session.
    pub fn new(now: Instant) -> Self {
        HttpSession {
            conn: Connection::new(h2::Role::Server, h2::Config::default(), now),
            requests: HashMap::new(),
        }
    }

    fn process_events(&mut self) {
        while let Some(event) = self.conn.poll_event() {
            match event {
                Event::Headers {
                    stream,
                    fields,
                    end_stream,
                    trailers,
                } => {
                    if !trailers {
                        let method = fields
                            .iter()
                            .find(|h| &h.name[..] == b":method")
                            .map(|h| h.value.clone())
                            .unwrap_or_default();
                        self.requests.insert(
                            stream,
                            Request {
                                method,
                                ..Request::default()
                            },
                        );
                    }
                    if end_stream {
                        self.respond(stream);
                    }
                }
                Event::Data {
                    stream,
                    data,
                    end_stream,
                } => {
                    // The body is consumed as it arrives (§5.2.2).
                    self.conn
                        .release_capacity(stream, u32::try_from(data.len()).unwrap_or(u32::MAX));
                    if let Some(request) = self.requests.get_mut(&stream) {
                        if request.body.len().saturating_add(data.len()) > MAX_BODY {
                            request.too_large = true;
                        } else {
                            request.body.extend_from_slice(&data);
                        }
                    }
                    if end_stream {
                        self.respond(stream);
                    }
                }
                Event::StreamReset { stream, .. } => {
                    self.requests.remove(&stream);
                }
                _ => {}
            }
        }
    }

    fn respond(&mut self, stream: StreamId) {
        let Some(request) = self.requests.remove(&stream) else {
            return;
        };
        let (status, content_type, body): (&str, &str, Bytes) = match &request.method[..] {
            _ if request.too_large => ("413", "text/plain", Bytes::from_static(b"too large\n")),
            b"GET" | b"HEAD" => ("200", "text/plain", Bytes::from_static(GREETING)),
            b"POST" => ("200", "application/octet-stream", Bytes::from(request.body)),
            _ => ("405", "text/plain", Bytes::from_static(b"GET or POST\n")),
        };
        let head = request.method[..] == *b"HEAD";
        let fields = [
            Header::new(":status", status),
            Header::new("content-type", content_type),
            Header::new("content-length", body.len().to_string()),
        ];
        if head || body.is_empty() {
            let _ = self.conn.send_headers(stream, &fields, true);
        } else if self.conn.send_headers(stream, &fields, false).is_ok() {
            let _ = self.conn.send_data(stream, body, true);
        }
    }
}

impl Session for HttpSession {
    fn handle_input(&mut self, data: &[u8], now: Instant) -> usize {
        let consumed = self.conn.handle_input(data, now);
        self.process_events();
        consumed
    }
    fn poll_transmit(&mut self, out: &mut Vec<u8>, now: Instant) {
        self.conn.poll_transmit(out, now);
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.conn.poll_timeout()
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.conn.handle_timeout(now);
        self.process_events();
    }
    fn wants_read(&self) -> bool {
        self.conn.wants_read()
    }
    fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }
    fn handle_peer_closed(&mut self, now: Instant) {
        self.conn.handle_peer_closed(now);
    }
    fn handle_shutdown(&mut self, now: Instant) {
        self.conn.shutdown(now);
    }
}

/// Listens on `addr` with `security`; returns the bound address.
pub fn listen(
    driver: &mut Driver<HttpSession>,
    addr: SocketAddr,
    security: Security,
) -> std::io::Result<SocketAddr> {
    let factory = |_: &ConnectionInfo| Some(HttpSession::new(Instant::now()));
    driver
        .listen_tcp(addr, security, factory)
        .map(|(_, local)| local)
}

fn usage() {
    eprintln!("usage: h2_server [--port N] [--tls --cert CERT.pem --key KEY.pem]");
}

fn main() {
    let mut port = 8080u16;
    let mut tls = false;
    let mut cert = None;
    let mut key = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tls" => tls = true,
            "--port" => match args.next().and_then(|p| p.parse().ok()) {
                Some(p) => port = p,
                None => return usage(),
            },
            "--cert" => cert = args.next(),
            "--key" => key = args.next(),
            _ => return usage(),
        }
    }
    let security = match (tls, cert, key) {
        (false, None, None) => Security::Plaintext,
        #[cfg(feature = "tls")]
        (true, Some(cert), Some(key)) => {
            match grpclite::net::tls::ServerTls::from_pem_files(cert, key, Default::default()) {
                Ok(config) => Security::Tls(config),
                Err(e) => return eprintln!("h2_server: {e}"),
            }
        }
        _ => return usage(),
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let result = EventLoop::new(Limits::default()).and_then(|mut event_loop| {
        let local = listen(event_loop.driver(), addr, security)?;
        println!("h2_server listening on {local}");
        event_loop.run()
    });
    if let Err(e) = result {
        eprintln!("h2_server: {e}");
    }
}
