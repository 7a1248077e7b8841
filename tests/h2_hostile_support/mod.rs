//! A small HTTP/2 responder served by a real `net::EventLoop` on loopback,
//! the scripted hostile peer (`attack.py`, Python `h2`'s frame and HPACK
//! codecs on a raw socket), and curl as the well-behaved second client.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::h2::{Config, Connection, ConnectionError, Event, Role, StreamId};
use grpclite::hpack::Header;
use grpclite::net::{ConnectionInfo, EventLoop, Limits, Security, Session};

/// The body of a GET other than `/large`.
pub const BODY: &[u8] = b"hello from grpclite\n";
/// Size of the `/large` response: far more than any window or buffer.
pub const LARGE: usize = 64 << 20;
/// A `/large` response that makes no progress this long is reset (CANCEL):
/// the application's deadline, since the connection itself keeps a stalled
/// stream as long as the peer answers.
pub const STALL_TIMEOUT: Duration = Duration::from_millis(1500);

static ZEROS: [u8; 64 << 10] = [0; 64 << 10];

/// What the tests observe of one server connection.
#[derive(Debug, Default, Clone)]
pub struct ConnStats {
    /// The connection error we detected, if any.
    pub error: Option<ConnectionError>,
    /// Responses completed (headers and the whole body queued).
    pub responses: usize,
    /// Most octets of response body queued in the connection at once.
    pub max_queued_body: usize,
    /// Most octets `poll_transmit` appended in one call.
    pub max_transmit: usize,
    /// Whether the connection ever refused input (back-pressure).
    pub refused_input: bool,
    /// Streams we reset because they stalled.
    pub stalled_resets: usize,
    /// The driver dropped the session (the connection is gone).
    pub closed: bool,
}

struct Pending {
    left: usize,
    queued: usize,
    progress_at: Instant,
}

/// The responder: GET answers 200 with [`BODY`] (or [`LARGE`] zero octets
/// for `/large`), POST echoes the request body.
pub struct Responder {
    conn: Connection,
    stats: Arc<Mutex<ConnStats>>,
    methods: HashMap<StreamId, (Bytes, Bytes)>,
    bodies: HashMap<StreamId, Vec<u8>>,
    large: HashMap<StreamId, Pending>,
}

impl Responder {
    fn new(config: Config, stats: Arc<Mutex<ConnStats>>) -> Self {
        Responder {
            conn: Connection::new(Role::Server, config, Instant::now()),
            stats,
            methods: HashMap::new(),
            bodies: HashMap::new(),
            large: HashMap::new(),
        }
    }

    fn answer(&mut self, now: Instant) {
        while let Some(event) = self.conn.poll_event() {
            match event {
                Event::Headers {
                    stream,
                    fields,
                    end_stream,
                    trailers: false,
                } => {
                    let get = |name: &[u8]| {
                        fields
                            .iter()
                            .find(|h| &h.name[..] == name)
                            .map(|h| h.value.clone())
                            .unwrap_or_default()
                    };
                    self.methods
                        .insert(stream, (get(b":method"), get(b":path")));
                    if end_stream {
                        self.respond(stream, now);
                    }
                }
                Event::Headers {
                    stream,
                    end_stream: true,
                    ..
                } => self.respond(stream, now),
                Event::Data {
                    stream,
                    data,
                    end_stream,
                } => {
                    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
                    self.conn.release_capacity(stream, len);
                    let body = self.bodies.entry(stream).or_default();
                    if body.len() < 1 << 20 {
                        body.extend_from_slice(&data);
                    }
                    if end_stream {
                        self.respond(stream, now);
                    }
                }
                Event::StreamReset { stream, .. } => {
                    self.methods.remove(&stream);
                    self.bodies.remove(&stream);
                    self.large.remove(&stream);
                }
                Event::ConnectionError(e) => self.stats.lock().unwrap().error = Some(e),
                _ => {}
            }
        }
        self.feed_large(now);
    }

    fn respond(&mut self, stream: StreamId, now: Instant) {
        let (method, path) = self.methods.remove(&stream).unwrap_or_default();
        let body = self.bodies.remove(&stream).unwrap_or_default();
        let headers = [
            Header::new(":status", "200"),
            Header::new("content-type", "application/octet-stream"),
        ];
        if self.conn.send_headers(stream, &headers, false).is_err() {
            return;
        }
        if &method[..] == b"GET" && &path[..] == b"/large" {
            self.large.insert(
                stream,
                Pending {
                    left: LARGE,
                    queued: 0,
                    progress_at: now,
                },
            );
            return;
        }
        let body = if &method[..] == b"POST" {
            Bytes::from(body)
        } else {
            Bytes::from_static(BODY)
        };
        if self.conn.send_data(stream, body, true).is_ok() {
            self.stats.lock().unwrap().responses += 1;
        }
    }

    /// Keeps each large response's send buffer topped up; resets one that
    /// made no progress for [`STALL_TIMEOUT`].
    fn feed_large(&mut self, now: Instant) {
        let mut done = Vec::new();
        let mut most = 0;
        for (&stream, p) in &mut self.large {
            let space = self.conn.send_buffer_space(stream);
            let limit = Config::default().max_send_buffer_per_stream as usize;
            let queued = limit.saturating_sub(space);
            if queued < p.queued || p.queued == 0 && p.left == LARGE {
                p.progress_at = now;
            }
            let n = space.min(p.left).min(ZEROS.len());
            if n > 0 {
                let end = n == p.left;
                if self
                    .conn
                    .send_data(stream, Bytes::from_static(&ZEROS[..n]), end)
                    .is_ok()
                {
                    p.left -= n;
                }
            }
            p.queued = limit.saturating_sub(self.conn.send_buffer_space(stream));
            most = most.max(p.queued);
            if p.left == 0 {
                done.push((stream, false));
            } else if now.duration_since(p.progress_at) >= STALL_TIMEOUT {
                done.push((stream, true));
            }
        }
        let mut stats = self.stats.lock().unwrap();
        stats.max_queued_body = stats.max_queued_body.max(most);
        for (stream, stalled) in done {
            self.large.remove(&stream);
            if stalled {
                let _ = self
                    .conn
                    .reset_stream(stream, grpclite::h2::ErrorCode::Cancel);
                stats.stalled_resets += 1;
            } else {
                stats.responses += 1;
            }
        }
    }
}

impl Session for Responder {
    fn handle_input(&mut self, data: &[u8], now: Instant) -> usize {
        let used = self.conn.handle_input(data, now);
        if used < data.len() && !self.conn.wants_read() && self.conn.error().is_none() {
            self.stats.lock().unwrap().refused_input = true;
        }
        self.answer(now);
        used
    }
    fn poll_transmit(&mut self, out: &mut Vec<u8>, now: Instant) {
        self.answer(now);
        let before = out.len();
        self.conn.poll_transmit(out, now);
        let mut stats = self.stats.lock().unwrap();
        stats.max_transmit = stats.max_transmit.max(out.len() - before);
    }
    fn poll_timeout(&self) -> Option<Instant> {
        let stall = self
            .large
            .values()
            .map(|p| p.progress_at + STALL_TIMEOUT)
            .min();
        match (self.conn.poll_timeout(), stall) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
    fn handle_timeout(&mut self, now: Instant) {
        if self.conn.poll_timeout().is_some_and(|t| t <= now) {
            self.conn.handle_timeout(now);
        }
        self.answer(now);
    }
    fn wants_read(&self) -> bool {
        let wants = self.conn.wants_read();
        if !wants && self.conn.error().is_none() {
            self.stats.lock().unwrap().refused_input = true;
        }
        wants
    }
    fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }
    fn handle_peer_closed(&mut self, now: Instant) {
        self.conn.handle_peer_closed(now);
        self.answer(now);
    }
    fn handle_shutdown(&mut self, now: Instant) {
        self.conn.shutdown(now);
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if let Ok(mut stats) = self.stats.lock() {
            stats.closed = true;
        }
    }
}

/// A responder server on its own event loop thread.
pub struct Server {
    /// The loopback port.
    pub port: u16,
    /// One entry per accepted connection, in order.
    pub connections: Arc<Mutex<Vec<Arc<Mutex<ConnStats>>>>>,
    /// Most octets the driver held in connection buffers at once.
    pub max_buffer_memory: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a plaintext server: every HTTP/2 limit and timer at its
    /// default, and a 1 s driver preface timeout so that the slowloris tests
    /// finish quickly.
    pub fn start() -> Server {
        Server::start_with(Security::Plaintext)
    }

    /// Like [`Server::start`] with this security (e.g. TLS).
    pub fn start_with(security: Security) -> Server {
        let limits = Limits {
            preface_timeout: Duration::from_secs(1),
            ..Limits::default()
        };
        let connections: Arc<Mutex<Vec<Arc<Mutex<ConnStats>>>>> = Arc::default();
        let all = connections.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let max_buffer_memory = Arc::new(AtomicUsize::new(0));
        let (stop2, max2) = (stop.clone(), max_buffer_memory.clone());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut event_loop: EventLoop<Responder> = EventLoop::new(limits).unwrap();
            let (_, addr) = event_loop
                .driver()
                .listen_tcp(
                    "127.0.0.1:0".parse().unwrap(),
                    security,
                    move |_: &ConnectionInfo| {
                        let stats = Arc::new(Mutex::new(ConnStats::default()));
                        all.lock().unwrap().push(stats.clone());
                        Some(Responder::new(Config::default(), stats))
                    },
                )
                .unwrap();
            addr_tx.send(addr).unwrap();
            let mut happened = Vec::new();
            while !stop2.load(Ordering::Relaxed) {
                event_loop
                    .poll(Some(Duration::from_millis(10)), &mut happened)
                    .unwrap();
                happened.clear();
                let held = event_loop.driver().buffer_memory().connections;
                max2.fetch_max(held, Ordering::Relaxed);
            }
        });
        let addr: std::net::SocketAddr = addr_rx.recv().unwrap();
        Server {
            port: addr.port(),
            connections,
            max_buffer_memory,
            stop,
            thread: Some(thread),
        }
    }

    /// The stats of the `index`th accepted connection.
    pub fn connection(&self, index: usize) -> ConnStats {
        let all = self.connections.lock().unwrap();
        let stats = all
            .get(index)
            .unwrap_or_else(|| panic!("no connection {index}; {} accepted", all.len()));
        let copy = stats.lock().unwrap().clone();
        copy
    }

    /// Waits until `what` holds for connection `index` (or fails after 10 s).
    pub fn wait_for(&self, index: usize, what: impl Fn(&ConnStats) -> bool) -> ConnStats {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            if self.connections.lock().unwrap().len() > index {
                let stats = self.connection(index);
                if what(&stats) {
                    return stats;
                }
            }
            assert!(
                Instant::now() < end,
                "timed out waiting on connection {index}: {:?}",
                self.connections
                    .lock()
                    .unwrap()
                    .get(index)
                    .map(|s| s.lock().unwrap().clone())
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".peers/venv/bin/python3");
    assert!(
        python.exists(),
        "the Python venv with `h2` is required at {} (run `ln -s /work/main/.peers .peers` or .ci/setup-peers)",
        python.display()
    );
    python
}

/// Starts `attack.py ATTACK PORT [ARGS]` with piped stdin and stdout.
pub fn spawn_attack(attack: &str, port: u16, args: &[&str]) -> Child {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/h2_hostile_support/attack.py");
    Command::new(python())
        .arg(script)
        .arg(attack)
        .arg(port.to_string())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the Python venv runs")
}

/// What the attacker saw, one fact a line (see attack.py).
#[derive(Debug)]
pub struct Outcome {
    pub lines: Vec<String>,
}

impl Outcome {
    pub fn from_child(child: Child) -> Outcome {
        let output = child.wait_with_output().expect("attack.py runs");
        assert!(output.status.success(), "attack.py failed: {output:?}");
        let text = String::from_utf8(output.stdout).unwrap();
        Outcome {
            lines: text.lines().map(str::to_owned).collect(),
        }
    }

    /// Runs an attack to the end.
    pub fn run(attack: &str, port: u16) -> Outcome {
        Outcome::from_child(spawn_attack(attack, port, &[]))
    }

    /// Every `goaway LAST CODE` as (last stream id, error code).
    pub fn goaways(&self) -> Vec<(u32, u32)> {
        self.numbers("goaway")
            .into_iter()
            .map(|v| (v[0], v[1]))
            .collect()
    }

    /// The first `rst STREAM CODE` lines as (stream, code).
    pub fn resets(&self) -> Vec<(u32, u32)> {
        self.numbers("rst")
            .into_iter()
            .map(|v| (v[0], v[1]))
            .collect()
    }

    /// The number after `key`, e.g. `sent`.
    pub fn value(&self, key: &str) -> u64 {
        let prefix = format!("{key} ");
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {key} in {:?}", self.lines))
            .parse()
            .unwrap()
    }

    /// Whether a line is exactly `fact`.
    pub fn has(&self, fact: &str) -> bool {
        self.lines.iter().any(|l| l == fact)
    }

    fn numbers(&self, key: &str) -> Vec<Vec<u32>> {
        let prefix = format!("{key} ");
        self.lines
            .iter()
            .filter_map(|l| l.strip_prefix(&prefix))
            .map(|rest| rest.split(' ').map(|n| n.parse().unwrap()).collect())
            .collect()
    }
}

/// A well-behaved client: curl with prior knowledge GETs `/` and must get
/// [`BODY`].
pub fn well_behaved_get(port: u16) {
    let output = Command::new("curl")
        .args(["-sS", "--http2-prior-knowledge", "-m", "10"])
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .expect("curl is required for the hostile-peer tests");
    assert!(output.status.success(), "curl failed: {output:?}");
    assert_eq!(output.stdout, BODY, "the well-behaved client is served");
}
