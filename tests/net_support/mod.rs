//! A line-echo test protocol implementing `Session`, and helpers to drive
//! an `EventLoop` until a condition holds.

#![allow(dead_code)]

#[cfg(feature = "tls")]
pub mod pki;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use grpclite::net::preface::CLIENT_PREFACE;
use grpclite::net::{ConnectionInfo, EventLoop, LoopEvent, Session};

/// What a test observes of one session.
#[derive(Debug, Default)]
pub struct Seen {
    /// Every byte the session consumed.
    pub received: Vec<u8>,
    pub info: Option<ConnectionInfo>,
    pub peer_closed: bool,
    pub timeouts: Vec<Instant>,
    pub shutdown: bool,
    /// While set, the session takes no input.
    pub paused: bool,
}

/// A line-echo session: a server echoes each complete line back (and only
/// consumes complete lines); a client sends `greeting` once. A line
/// `quit` closes the server session. While `paused`, the session takes no
/// input. `timer` asks for one `handle_timeout`, which sends `tick\n`.
pub struct Echo {
    pub seen: Arc<Mutex<Seen>>,
    echo: bool,
    outgoing: Vec<u8>,
    closed: bool,
    timer: Option<Instant>,
    /// On shutdown: say bye and close (true) or ignore it (false).
    pub polite: bool,
    /// How much of the client preface a server session still expects.
    preface_left: usize,
}

impl Echo {
    fn new(info: &ConnectionInfo, seen: Arc<Mutex<Seen>>, echo: bool, outgoing: &[u8]) -> Self {
        seen.lock().unwrap().info = Some(info.clone());
        Echo {
            seen,
            echo,
            outgoing: outgoing.to_vec(),
            closed: false,
            timer: None,
            polite: true,
            preface_left: if echo { CLIENT_PREFACE.len() } else { 0 },
        }
    }

    pub fn with_timer(mut self, at: Instant) -> Self {
        self.timer = Some(at);
        self
    }
}

impl Session for Echo {
    fn handle_input(&mut self, data: &[u8], _now: Instant) -> usize {
        if self.seen.lock().unwrap().paused {
            return 0;
        }
        // The server takes the HTTP/2 client preface first, without echoing it.
        if self.preface_left > 0 {
            let done = CLIENT_PREFACE.len() - self.preface_left;
            let n = self.preface_left.min(data.len());
            if data[..n] != CLIENT_PREFACE[done..done + n] {
                self.closed = true;
                return 0;
            }
            self.preface_left -= n;
            self.seen
                .lock()
                .unwrap()
                .received
                .extend_from_slice(&data[..n]);
            return n;
        }
        let consumed = if self.echo {
            match data.iter().rposition(|&b| b == b'\n') {
                Some(last) => last + 1,
                None => 0,
            }
        } else {
            data.len()
        };
        let lines = &data[..consumed];
        self.seen.lock().unwrap().received.extend_from_slice(lines);
        if self.echo {
            for line in lines.split_inclusive(|&b| b == b'\n') {
                if line == b"quit\n" {
                    self.closed = true;
                    break;
                }
                self.outgoing.extend_from_slice(line);
            }
        }
        consumed
    }

    fn poll_transmit(&mut self, out: &mut Vec<u8>, _now: Instant) {
        out.append(&mut self.outgoing);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.timer
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.timer = None;
        self.seen.lock().unwrap().timeouts.push(now);
        self.outgoing.extend_from_slice(b"tick\n");
    }

    fn wants_read(&self) -> bool {
        !self.seen.lock().unwrap().paused && !self.closed
    }

    fn is_closed(&self) -> bool {
        self.closed
    }

    fn handle_peer_closed(&mut self, _now: Instant) {
        self.seen.lock().unwrap().peer_closed = true;
        self.closed = true;
    }

    fn handle_shutdown(&mut self, _now: Instant) {
        self.seen.lock().unwrap().shutdown = true;
        if self.polite {
            self.outgoing.extend_from_slice(b"bye\n");
            self.closed = true;
        }
    }
}

/// Shared list where a server factory stores the `Seen` of each session it makes.
pub type Sessions = Arc<Mutex<Vec<Arc<Mutex<Seen>>>>>;

/// A server factory recording every session in `sessions`.
pub fn echo_server(sessions: &Sessions) -> impl FnMut(&ConnectionInfo) -> Option<Echo> + Send {
    echo_server_with(sessions, true)
}

/// A server factory whose sessions close on shutdown only if `polite`.
pub fn echo_server_with(
    sessions: &Sessions,
    polite: bool,
) -> impl FnMut(&ConnectionInfo) -> Option<Echo> + Send {
    let sessions = sessions.clone();
    move |info| {
        let seen = Arc::new(Mutex::new(Seen::default()));
        sessions.lock().unwrap().push(seen.clone());
        let mut echo = Echo::new(info, seen, true, b"");
        echo.polite = polite;
        Some(echo)
    }
}

/// A client factory that sends the HTTP/2 client preface and `greeting`, and what its session will see.
pub fn echo_client(
    greeting: &[u8],
) -> (
    impl FnOnce(&ConnectionInfo) -> Option<Echo> + Send + 'static,
    Arc<Mutex<Seen>>,
) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut greeting = greeting.to_vec();
    greeting.splice(0..0, CLIENT_PREFACE.iter().copied());
    let for_session = seen.clone();
    (
        move |info: &ConnectionInfo| Some(Echo::new(info, for_session, false, &greeting)),
        seen,
    )
}

/// Turns the loop until `done` says so, collecting events; panics after 10 s.
pub fn turn_until(
    event_loop: &mut EventLoop<Echo>,
    events: &mut Vec<LoopEvent>,
    what: &str,
    mut done: impl FnMut(&[LoopEvent]) -> bool,
) {
    let give_up = Instant::now() + Duration::from_secs(10);
    while !done(events) {
        assert!(
            Instant::now() < give_up,
            "timed out waiting for {what}; {} events, the last: {:?}",
            events.len(),
            events.last()
        );
        event_loop
            .poll(Some(Duration::from_millis(50)), events)
            .expect("poll");
    }
}

/// The received bytes of a session, as text.
/// A server's received bytes exclude the preface.
pub fn received(seen: &Arc<Mutex<Seen>>) -> String {
    let text = String::from_utf8_lossy(&seen.lock().unwrap().received).into_owned();
    let preface = std::str::from_utf8(CLIENT_PREFACE).unwrap();
    text.strip_prefix(preface)
        .map(str::to_string)
        .unwrap_or(text)
}
