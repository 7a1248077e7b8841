//! A minimal HTTP/2 client: one request, then print the status, the header
//! fields, the body and any trailers.
//!
//! ```text
//! cargo run --example h2_client -- URL [--data BODY] [--cacert FILE]
//! ```
//!
//! `http://` URLs use HTTP/2 with prior knowledge (RFC 9113 §3.3);
//! `https://` URLs use TLS with ALPN `h2` (§3.2), trusting the public web
//! roots or only the CAs in `--cacert`. With `--data` the request is a POST
//! carrying BODY, otherwise a GET. The sans-IO `h2::Connection` does the
//! protocol; the `net` event loop owns the socket, TLS and the clock.

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::h2::{Config, Connection, Event, Role};
use grpclite::hpack::Header;
use grpclite::net::{ConnectTarget, ConnectionInfo, EventLoop, Limits, LoopEvent, Session};

/// How long the whole exchange may take.
const DEADLINE: Duration = Duration::from_secs(30);

/// What the command line asks for.
#[derive(Clone)]
struct Request {
    https: bool,
    host: String,
    port: u16,
    authority: String,
    path: String,
    data: Option<Vec<u8>>,
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    cacert: Option<String>,
}

/// Splits `scheme://authority/path` (RFC 3986 §3) into its parts.
fn parse_url(url: &str) -> Result<(bool, String, u16, String, String), String> {
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(format!(
            "{url}: only http:// and https:// URLs are supported"
        ));
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    // Strip userinfo, which HTTP/2's :authority must not carry (§8.3.1).
    let hostport = authority.rsplit('@').next().unwrap_or(authority);
    let default_port = if https { 443 } else { 80 };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| format!("{url}: unclosed '[' in the host"))?;
        match after.strip_prefix(':') {
            Some(port) => (host.to_string(), port),
            None => (host.to_string(), ""),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), port),
            None => (hostport.to_string(), ""),
        }
    };
    let port = if port.is_empty() {
        default_port
    } else {
        port.parse()
            .map_err(|_| format!("{url}: the port {port:?} is not a number up to 65535"))?
    };
    if host.is_empty() {
        return Err(format!("{url}: no host"));
    }
    Ok((https, host, port, hostport.to_string(), path))
}

fn parse_args() -> Result<Request, String> {
    let mut args = std::env::args().skip(1);
    let mut url = None;
    let mut data = None;
    let mut cacert = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data" => data = Some(args.next().ok_or("--data needs a BODY")?.into_bytes()),
            "--cacert" => cacert = Some(args.next().ok_or("--cacert needs a FILE")?),
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ if url.is_none() => url = Some(arg),
            _ => return Err(format!("unexpected argument {arg}")),
        }
    }
    let url = url.ok_or("usage: h2_client URL [--data BODY] [--cacert FILE]")?;
    let (https, host, port, authority, path) = parse_url(&url)?;
    Ok(Request {
        https,
        host,
        port,
        authority,
        path,
        data,
        cacert,
    })
}

/// The response as it arrives.
#[derive(Default)]
struct Response {
    headers: Vec<Header>,
    body: Vec<u8>,
    trailers: Vec<Header>,
    done: bool,
    error: Option<String>,
}

/// One request on one connection: a client `h2::Connection` as a `net::Session`.
struct Fetch {
    conn: Connection,
    response: Arc<Mutex<Response>>,
}

impl Fetch {
    fn new(request: &Request, response: Arc<Mutex<Response>>) -> Fetch {
        let now = Instant::now();
        let mut conn = Connection::new(Role::Client, Config::default(), now);
        let method = if request.data.is_some() {
            "POST"
        } else {
            "GET"
        };
        let mut fields = vec![
            Header::new(":method", method),
            Header::new(":scheme", if request.https { "https" } else { "http" }),
            Header::new(":authority", request.authority.clone()),
            Header::new(":path", request.path.clone()),
            Header::new("user-agent", "grpclite-h2-client"),
            Header::new("accept", "*/*"),
        ];
        if let Some(data) = &request.data {
            fields.push(Header::new("content-length", data.len().to_string()));
        }
        let opened = conn
            .open_stream(&fields, request.data.is_none())
            .map_err(|e| e.to_string())
            .and_then(|stream| match &request.data {
                Some(data) => conn
                    .send_data(stream, Bytes::from(data.clone()), true)
                    .map_err(|e| e.to_string()),
                None => Ok(()),
            });
        if let Err(e) = opened {
            response.lock().unwrap().error = Some(format!("cannot send the request: {e}"));
        }
        Fetch { conn, response }
    }

    fn take_events(&mut self) {
        let mut response = self.response.lock().unwrap();
        while let Some(event) = self.conn.poll_event() {
            match event {
                Event::Headers {
                    fields,
                    end_stream,
                    trailers,
                    ..
                } => {
                    let informational = fields
                        .iter()
                        .any(|h| &h.name[..] == b":status" && h.value.starts_with(b"1"));
                    if trailers {
                        response.trailers = fields;
                    } else if !informational {
                        response.headers = fields;
                    }
                    response.done |= end_stream;
                }
                Event::Data {
                    stream,
                    data,
                    end_stream,
                } => {
                    response.body.extend_from_slice(&data);
                    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
                    self.conn.release_capacity(stream, len);
                    response.done |= end_stream;
                }
                Event::StreamReset { code, .. } => {
                    response.error = Some(format!("the stream was reset: {code}"));
                }
                Event::GoAway { code, .. } if !response.done => {
                    response.error = Some(format!("the server sent GOAWAY: {code}"));
                }
                Event::ConnectionError(e) => response.error = Some(e.to_string()),
                _ => {}
            }
        }
    }

    fn finished(&self) -> bool {
        let response = self.response.lock().unwrap();
        response.done || response.error.is_some()
    }
}

impl Session for Fetch {
    fn handle_input(&mut self, data: &[u8], now: Instant) -> usize {
        let used = self.conn.handle_input(data, now);
        self.take_events();
        used
    }
    fn poll_transmit(&mut self, out: &mut Vec<u8>, now: Instant) {
        self.take_events();
        self.conn.poll_transmit(out, now);
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.conn.poll_timeout()
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.conn.handle_timeout(now);
        self.take_events();
    }
    fn wants_read(&self) -> bool {
        self.conn.wants_read()
    }
    fn is_closed(&self) -> bool {
        self.conn.is_closed() || self.finished()
    }
    fn handle_peer_closed(&mut self, now: Instant) {
        self.conn.handle_peer_closed(now);
        self.take_events();
        let mut response = self.response.lock().unwrap();
        if !response.done && response.error.is_none() {
            response.error = Some("the server closed the connection early".into());
        }
    }
    fn handle_shutdown(&mut self, now: Instant) {
        self.conn.shutdown(now);
    }
}

fn target(request: &Request) -> Result<ConnectTarget, String> {
    let target = ConnectTarget::host(request.host.clone(), request.port);
    if !request.https {
        return Ok(target);
    }
    #[cfg(feature = "tls")]
    {
        let mut builder = grpclite::net::tls::ClientTls::builder();
        if let Some(file) = &request.cacert {
            builder = builder.ca_pem_file(file).map_err(|e| e.to_string())?;
        }
        let tls = builder.build(&request.host).map_err(|e| e.to_string())?;
        Ok(target.with_tls(tls))
    }
    #[cfg(not(feature = "tls"))]
    Err("https:// needs the `tls` feature".into())
}

fn fetch(request: &Request) -> Result<Response, String> {
    let mut event_loop: EventLoop<Fetch> =
        EventLoop::new(Limits::default()).map_err(|e| e.to_string())?;
    let response = Arc::new(Mutex::new(Response::default()));
    let shared = response.clone();
    let made = {
        let request = request.clone();
        move |info: &ConnectionInfo| {
            if request.https && info.alpn.as_deref() != Some(b"h2") {
                shared.lock().unwrap().error =
                    Some("the server did not agree to HTTP/2 (ALPN h2)".into());
                return None;
            }
            Some(Fetch::new(&request, shared))
        }
    };
    let target = target(request)?;
    event_loop
        .driver()
        .connect(&target, made, Instant::now())
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + DEADLINE;
    let mut happened = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("no complete response within {DEADLINE:?}"));
        }
        event_loop
            .poll(Some(left), &mut happened)
            .map_err(|e| e.to_string())?;
        for event in happened.drain(..) {
            match event {
                LoopEvent::Failed { error, .. } => return Err(error.to_string()),
                LoopEvent::Closed { .. } => {
                    let mut response = response.lock().unwrap();
                    if let Some(error) = response.error.take() {
                        return Err(error);
                    }
                    if !response.done {
                        return Err("the connection closed before the response ended".into());
                    }
                    return Ok(std::mem::take(&mut *response));
                }
                LoopEvent::Ready { .. } => {}
            }
        }
    }
}

fn main() -> ExitCode {
    let request = match parse_args() {
        Ok(request) => request,
        Err(e) => {
            eprintln!("h2_client: {e}");
            return ExitCode::from(2);
        }
    };
    let response = match fetch(&request) {
        Ok(response) => response,
        Err(e) => {
            eprintln!("h2_client: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let print = |out: &mut std::io::StdoutLock, fields: &[Header]| {
        for h in fields {
            let _ = out.write_all(&h.name);
            let _ = out.write_all(b": ");
            let _ = out.write_all(&h.value);
            let _ = out.write_all(b"\n");
        }
    };
    print(&mut out, &response.headers);
    let _ = out.write_all(b"\n");
    let _ = out.write_all(&response.body);
    if !response.trailers.is_empty() {
        let _ = out.write_all(b"\n");
        print(&mut out, &response.trailers);
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}
