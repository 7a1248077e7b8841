//! The driver over plaintext TCP and Unix sockets, with a line-echo session.

mod net_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use grpclite::net::{
    ConnectTarget, ConnectionInfo, EventLoop, Limits, LoopEvent, NetError, PeerAddress, Role,
    Security,
};
use net_support::{
    echo_client, echo_server, echo_server_with, received, turn_until, Echo, Seen, Sessions,
};

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn count_ready(events: &[LoopEvent], role: Role) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, LoopEvent::Ready { role: r, .. } if *r == role))
        .count()
}

#[test]
fn echo_over_loopback_tcp() {
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let sessions = Sessions::default();
    let (_, addr) = event_loop
        .driver()
        .listen_tcp(localhost(), Security::Plaintext, echo_server(&sessions))
        .unwrap();
    let (factory, client) = echo_client(b"hello\nworld\npartial");
    let id = event_loop
        .driver()
        .connect(&ConnectTarget::socket(addr), factory, Instant::now())
        .unwrap();
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the echo", |_| {
        received(&client) == "hello\nworld\n"
    });
    assert_eq!(count_ready(&events, Role::Client), 1);
    assert_eq!(count_ready(&events, Role::Server), 1);
    assert!(events
        .iter()
        .any(|e| matches!(e, LoopEvent::Ready { id: i, role: Role::Client } if *i == id)));
    let server = sessions.lock().unwrap()[0].clone();
    // The server consumed only complete lines; "partial" waits in its buffer.
    assert_eq!(received(&server), "hello\nworld\n");
    let info = server.lock().unwrap().info.clone().unwrap();
    assert_eq!(info.role, Role::Server);
    assert!(!info.tls);
    assert!(info.upgrade.is_none());
    let PeerAddress::Tcp(peer) = info.peer else {
        panic!("peer {:?}", info.peer)
    };
    assert_eq!(peer.ip(), addr.ip());
    let client_info = client.lock().unwrap().info.clone().unwrap();
    assert_eq!(client_info.peer, PeerAddress::Tcp(addr));
    assert_eq!(client_info.role, Role::Client);

    // Finishing the line completes the echo; "quit" closes the server side.
    assert!(event_loop
        .driver()
        .with_session(id, Instant::now(), |_, _| {}));
    let handle = event_loop.handle();
    handle.wake().unwrap();
    event_loop.driver().close(id, Instant::now());
    turn_until(&mut event_loop, &mut events, "both closed", |events| {
        events
            .iter()
            .filter(|e| matches!(e, LoopEvent::Closed { .. }))
            .count()
            == 2
    });
    assert_eq!(event_loop.driver().connection_count(), 0);
    assert!(server.lock().unwrap().peer_closed);
}

#[test]
fn echo_over_a_unix_socket() {
    let dir = std::env::temp_dir().join(format!("grpclite-net-unix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let sessions = Sessions::default();
    let listener = event_loop
        .driver()
        .listen_unix(&path, Security::Plaintext, echo_server(&sessions))
        .unwrap();
    let (factory, client) = echo_client(b"over unix\n");
    event_loop
        .driver()
        .connect(&ConnectTarget::unix(&path), factory, Instant::now())
        .unwrap();
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the echo", |_| {
        received(&client) == "over unix\n"
    });
    let info = client.lock().unwrap().info.clone().unwrap();
    assert_eq!(info.peer, PeerAddress::Unix(Some(path.clone())));
    event_loop.driver().close_listener(listener);
    assert!(
        !path.exists(),
        "the socket file is removed with the listener"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_port_gives_connection_refused() {
    let addr = {
        let listener = std::net::TcpListener::bind(localhost()).unwrap();
        listener.local_addr().unwrap()
    };
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let (factory, _) = echo_client(b"");
    let result = event_loop
        .driver()
        .connect(&ConnectTarget::socket(addr), factory, Instant::now());
    let error = match result {
        Err(error) => error,
        Ok(_) => {
            let mut events = Vec::new();
            turn_until(&mut event_loop, &mut events, "the failure", |e| {
                !e.is_empty()
            });
            match events.pop() {
                Some(LoopEvent::Failed { error, .. }) => error,
                other => panic!("expected a failure, got {other:?}"),
            }
        }
    };
    assert!(
        matches!(&error, NetError::ConnectionRefused { peer } if *peer == addr.to_string()),
        "{error:?}"
    );
    assert_eq!(error.to_string(), format!("connection to {addr} refused"));
}

#[test]
fn an_unknown_host_gives_a_resolve_error() {
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let (factory, _) = echo_client(b"");
    let target = ConnectTarget::host("no-such-host.invalid", 443);
    let Err(error) = event_loop
        .driver()
        .connect(&target, factory, Instant::now())
    else {
        panic!("resolved an .invalid name");
    };
    assert!(
        matches!(&error, NetError::Resolve { host, .. } if host == "no-such-host.invalid"),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .starts_with("cannot resolve no-such-host.invalid: "));
}

#[test]
fn a_connect_that_never_completes_times_out() {
    // A listener whose accept queue is full and that never accepts: Linux
    // drops further SYNs, so a connect neither completes nor fails.
    let listener = std::net::TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let _fillers: Vec<mio::net::TcpStream> = (0..600)
        .filter_map(|_| mio::net::TcpStream::connect(addr).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let (factory, _) = echo_client(b"");
    let target = ConnectTarget::socket(addr).with_connect_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let error = match event_loop.driver().connect(&target, factory, started) {
        Err(error) => error,
        Ok(_) => {
            let mut events = Vec::new();
            turn_until(&mut event_loop, &mut events, "the failure", |e| {
                !e.is_empty()
            });
            match events.pop() {
                Some(LoopEvent::Failed { error, .. }) => error,
                other => panic!("expected a failure, got {other:?}"),
            }
        }
    };
    let NetError::ConnectTimeout { peer, after } = &error else {
        panic!("expected a connect timeout, got {error:?}");
    };
    assert_eq!(*peer, addr.to_string());
    assert_eq!(*after, Duration::from_millis(200));
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(
        error.to_string(),
        format!("connect to {addr} timed out after 200ms")
    );
}

#[test]
fn a_session_timer_fires_handle_timeout() {
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let sessions = Sessions::default();
    let deadline = Arc::new(Mutex::new(None));
    let deadline_set = deadline.clone();
    let mut make = echo_server(&sessions);
    let (_, addr) = event_loop
        .driver()
        .listen_tcp(
            localhost(),
            Security::Plaintext,
            move |info: &ConnectionInfo| {
                let at = Instant::now() + Duration::from_millis(100);
                *deadline_set.lock().unwrap() = Some(at);
                make(info).map(|echo| echo.with_timer(at))
            },
        )
        .unwrap();
    let (factory, client) = echo_client(b"");
    event_loop
        .driver()
        .connect(&ConnectTarget::socket(addr), factory, Instant::now())
        .unwrap();
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the tick", |_| {
        received(&client) == "tick\n"
    });
    let at = deadline.lock().unwrap().unwrap();
    let fired = sessions.lock().unwrap()[0].lock().unwrap().timeouts.clone();
    assert_eq!(fired.len(), 1);
    assert!(fired[0] >= at, "fired before the deadline");
    assert!(fired[0] < at + Duration::from_secs(2), "fired far too late");
}

#[test]
fn many_connections_at_once() {
    const CLIENTS: usize = 200;
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let sessions = Sessions::default();
    let (_, addr) = event_loop
        .driver()
        .listen_tcp(localhost(), Security::Plaintext, echo_server(&sessions))
        .unwrap();
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let (factory, seen) = echo_client(format!("client {i}\n").as_bytes());
        event_loop
            .driver()
            .connect(&ConnectTarget::socket(addr), factory, Instant::now())
            .unwrap();
        clients.push(seen);
    }
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "every echo", |_| {
        clients
            .iter()
            .enumerate()
            .all(|(i, seen)| received(seen) == format!("client {i}\n"))
    });
    assert_eq!(event_loop.driver().connection_count(), 2 * CLIENTS);
    assert_eq!(sessions.lock().unwrap().len(), CLIENTS);
    // Idle connections hold no read buffer and at most a small write buffer.
    let memory = event_loop.driver().buffer_memory();
    let limits = Limits::default();
    assert_eq!(memory.connection_read_buffers, 0, "{memory:?}");
    assert!(
        memory.connections <= 2 * CLIENTS * limits.idle_write_buffer,
        "{memory:?}"
    );
    assert!(
        memory.pooled_buffers <= limits.pooled_read_buffers,
        "{memory:?}"
    );
}

#[test]
fn the_driver_joins_a_callers_own_poll() {
    use grpclite::net::Driver;
    use mio::{Events, Interest, Poll, Token};

    // The caller owns the Poll and a socket of its own under token 0; the
    // driver takes tokens from 100 up.
    let mut poll = Poll::new().unwrap();
    let mut own = mio::net::UdpSocket::bind(localhost()).unwrap();
    poll.registry()
        .register(&mut own, Token(0), Interest::READABLE)
        .unwrap();
    let mut driver = Driver::<Echo>::new(poll.registry(), 100, Limits::default()).unwrap();
    let sessions = Sessions::default();
    let (_, addr) = driver
        .listen_tcp(localhost(), Security::Plaintext, echo_server(&sessions))
        .unwrap();
    let (factory, client) = echo_client(b"shared poll\n");
    driver
        .connect(&ConnectTarget::socket(addr), factory, Instant::now())
        .unwrap();
    let sender = std::net::UdpSocket::bind(localhost()).unwrap();
    sender.send_to(b"ping", own.local_addr().unwrap()).unwrap();
    let mut events = Events::with_capacity(64);
    let mut own_events = 0;
    let give_up = Instant::now() + Duration::from_secs(10);
    while received(&client) != "shared poll\n" || own_events == 0 {
        assert!(Instant::now() < give_up, "timed out");
        let timeout = driver.poll_timeout(Instant::now());
        poll.poll(&mut events, timeout.or(Some(Duration::from_millis(50))))
            .unwrap();
        let now = Instant::now();
        for event in events.iter() {
            if driver.owns(event.token()) {
                driver.handle_event(event, now);
            } else {
                assert_eq!(event.token(), Token(0));
                own_events += 1;
            }
        }
        driver.handle_timeouts(now);
    }
    assert!(!driver.owns(Token(0)) && !driver.owns(Token(99)));
    driver.shutdown(Instant::now() + Duration::from_secs(1), Instant::now());
    let (factory, _) = echo_client(b"");
    let late = driver.connect(&ConnectTarget::socket(addr), factory, Instant::now());
    assert!(matches!(late, Err(NetError::ShuttingDown)), "{late:?}");
    let mut happened = Vec::new();
    driver.take_events(&mut happened);
    assert_eq!(count_ready(&happened, Role::Server), 1);
    assert_eq!(count_ready(&happened, Role::Client), 1);
}

type Server = (
    grpclite::net::LoopHandle<Echo>,
    std::thread::JoinHandle<std::io::Result<()>>,
    SocketAddr,
);

/// Starts a plaintext echo server on its own named loop thread.
fn spawn_server(limits: Limits, sessions: &Sessions) -> Server {
    spawn_server_with(limits, echo_server(sessions))
}

fn spawn_server_with(
    limits: Limits,
    factory: impl FnMut(&ConnectionInfo) -> Option<Echo> + Send + 'static,
) -> Server {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (handle, thread) = EventLoop::spawn("net-test-server", limits, move |driver| {
        let (_, addr) = driver.listen_tcp(localhost(), Security::Plaintext, factory)?;
        addr_tx.send(addr).unwrap();
        Ok(())
    })
    .unwrap();
    assert_eq!(thread.thread().name(), Some("net-test-server"));
    (handle, thread, addr_rx.recv().unwrap())
}

fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut all = Vec::new();
    stream
        .read_to_end(&mut all)
        .expect("read until the server closes");
    all
}

#[test]
fn h2c_upgrade_answers_101_and_hands_over_the_settings() {
    let sessions = Sessions::default();
    let (handle, thread, addr) = spawn_server(Limits::default(), &sessions);
    let mut stream = TcpStream::connect(addr).unwrap();
    // SETTINGS_MAX_CONCURRENT_STREAMS = 100, SETTINGS_INITIAL_WINDOW_SIZE = 65535.
    stream
        .write_all(
            b"GET /path?q=1 HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n\
              Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nUser-Agent: test\r\n\r\n\
              PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nquit\n",
        )
        .unwrap();
    let reply = read_to_close(&mut stream);
    let expected: &[u8] =
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    assert_eq!(
        String::from_utf8_lossy(&reply),
        String::from_utf8_lossy(expected)
    );
    let seen = sessions.lock().unwrap()[0].clone();
    let info = seen.lock().unwrap().info.clone().unwrap();
    let upgrade = info.upgrade.expect("the session learns of the upgrade");
    assert_eq!(upgrade.method, "GET");
    assert_eq!(upgrade.path, "/path?q=1");
    assert_eq!(
        upgrade.settings,
        [0, 3, 0, 0, 0, 100, 0, 4, 0, 0, 0xff, 0xff]
    );
    assert_eq!(
        upgrade.headers,
        vec![
            ("host".to_string(), b"localhost".to_vec()),
            ("user-agent".to_string(), b"test".to_vec()),
        ]
    );
    // The session got the bytes after the request head: the client preface.
    assert_eq!(
        String::from_utf8_lossy(&seen.lock().unwrap().received),
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nquit\n"
    );
    handle.shutdown(Instant::now()).unwrap();
    thread.join().unwrap().unwrap();
}

#[test]
fn prior_knowledge_goes_straight_to_the_session() {
    let sessions = Sessions::default();
    let (handle, thread, addr) = spawn_server(Limits::default(), &sessions);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\necho me\nquit\n")
        .unwrap();
    let reply = read_to_close(&mut stream);
    assert_eq!(reply, b"echo me\n");
    let seen = sessions.lock().unwrap()[0].clone();
    assert!(seen
        .lock()
        .unwrap()
        .info
        .as_ref()
        .unwrap()
        .upgrade
        .is_none());
    handle.shutdown(Instant::now()).unwrap();
    thread.join().unwrap().unwrap();
}

#[test]
fn a_plain_http1_get_gets_a_clear_error() {
    let sessions = Sessions::default();
    let (handle, thread, addr) = spawn_server(Limits::default(), &sessions);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let reply = String::from_utf8(read_to_close(&mut stream)).unwrap();
    let body = "this server speaks HTTP/2 only: send the HTTP/2 connection preface (prior knowledge) or an HTTP/1.1 request with Upgrade: h2c\n";
    assert_eq!(
        reply,
        format!(
            "HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    );
    assert!(
        sessions.lock().unwrap().is_empty(),
        "no session for HTTP/1.1"
    );
    handle.shutdown(Instant::now()).unwrap();
    thread.join().unwrap().unwrap();
}

#[test]
fn an_oversized_request_head_gets_431() {
    let sessions = Sessions::default();
    let limits = Limits {
        max_upgrade_request_size: 256,
        ..Limits::default()
    };
    let (handle, thread, addr) = spawn_server(limits, &sessions);
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut request = b"GET / HTTP/1.1\r\nX-Long: ".to_vec();
    request.resize(1000, b'a');
    stream.write_all(&request).unwrap();
    let reply = String::from_utf8(read_to_close(&mut stream)).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{reply}"
    );
    handle.shutdown(Instant::now()).unwrap();
    thread.join().unwrap().unwrap();
}

#[test]
fn a_silent_client_is_dropped_after_the_preface_timeout() {
    let sessions = Sessions::default();
    let limits = Limits {
        preface_timeout: Duration::from_millis(150),
        ..Limits::default()
    };
    let (handle, thread, addr) = spawn_server(limits, &sessions);
    let mut stream = TcpStream::connect(addr).unwrap();
    let started = Instant::now();
    assert_eq!(read_to_close(&mut stream), b"");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(140),
        "closed after {waited:?}"
    );
    assert!(waited < Duration::from_secs(5), "closed after {waited:?}");
    handle.shutdown(Instant::now()).unwrap();
    thread.join().unwrap().unwrap();
}

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Waits until the server made its first session.
fn first_session(sessions: &Sessions) -> Arc<Mutex<Seen>> {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(seen) = sessions.lock().unwrap().first() {
            return seen.clone();
        }
        assert!(Instant::now() < give_up, "no session was made");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_session_that_stops_consuming_stops_the_reads() {
    let sessions = Sessions::default();
    let limits = Limits {
        read_buffer_size: 16 * 1024,
        ..Limits::default()
    };
    let (handle, thread, addr) = spawn_server(limits, &sessions);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(PREFACE).unwrap();
    let seen = first_session(&sessions);
    seen.lock().unwrap().paused = true;

    // Write until the kernel buffers on both sides are full: the driver no
    // longer reads, so the writes must stop long before the cap.
    const CAP: usize = 64 << 20;
    let line = [
        b"0123456789abcdef".repeat(255),
        b"0123456789abcde\n".to_vec(),
    ]
    .concat();
    stream.set_nonblocking(true).unwrap();
    let mut written = 0;
    let mut stuck_since = None;
    while written < CAP {
        match stream.write(&line[written % line.len()..]) {
            Ok(n) => {
                written += n;
                stuck_since = None;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let since = *stuck_since.get_or_insert_with(Instant::now);
                if since.elapsed() > Duration::from_millis(300) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("write: {e}"),
        }
    }
    assert!(
        written < CAP,
        "the driver kept reading: {written} bytes accepted"
    );
    assert_eq!(
        seen.lock().unwrap().received,
        PREFACE,
        "a paused session got input"
    );

    // Resuming through the loop handle drains everything, in order.
    let id = seen.lock().unwrap().info.as_ref().unwrap().id;
    let resume = seen.clone();
    handle
        .send_to_session(id, move |_, _| resume.lock().unwrap().paused = false)
        .unwrap();
    // Finish the last line, then read the echo of all of it.
    let tail = line.len() - written % line.len();
    stream.set_nonblocking(false).unwrap();
    let mut reader = stream.try_clone().unwrap();
    let expected = written + if tail == line.len() { 0 } else { tail };
    let counter = std::thread::spawn(move || {
        reader
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut buf = vec![0; 1 << 16];
        let mut total = 0;
        while total < expected {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(e) => panic!("read after {total} bytes: {e}"),
            }
        }
        total
    });
    if tail != line.len() {
        stream.write_all(&line[written % line.len()..]).unwrap();
    }
    assert_eq!(counter.join().unwrap(), expected);
    assert_eq!(
        seen.lock().unwrap().received.len(),
        PREFACE.len() + expected
    );
    handle.shutdown(Instant::now()).unwrap();
    thread.join().unwrap().unwrap();
}

#[test]
fn graceful_shutdown_lets_sessions_finish_and_stops_accepting() {
    let sessions = Sessions::default();
    let (handle, thread, addr) = spawn_server(Limits::default(), &sessions);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(PREFACE).unwrap();
    stream.write_all(b"hi\n").unwrap();
    let mut hi = [0; 3];
    stream.read_exact(&mut hi).unwrap();
    assert_eq!(&hi, b"hi\n");
    handle
        .shutdown(Instant::now() + Duration::from_secs(5))
        .unwrap();
    // The session says goodbye and closes; the driver flushes it first.
    assert_eq!(read_to_close(&mut stream), b"bye\n");
    // Our end of stream ends the server's lingering close at once.
    let started = Instant::now();
    drop(stream);
    thread.join().unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(first_session(&sessions).lock().unwrap().shutdown);
    let refused = TcpStream::connect(addr).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    assert_eq!(
        handle.shutdown(Instant::now()).unwrap_err(),
        grpclite::net::CommandError::Stopped
    );
}

#[test]
fn shutdown_drops_sessions_still_open_at_the_deadline() {
    let sessions = Sessions::default();
    let (handle, thread, addr) =
        spawn_server_with(Limits::default(), echo_server_with(&sessions, false));
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(PREFACE).unwrap();
    let seen = first_session(&sessions);
    let started = Instant::now();
    handle
        .shutdown(started + Duration::from_millis(300))
        .unwrap();
    thread.join().unwrap().unwrap();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(290), "stopped after {took:?}");
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
    assert!(seen.lock().unwrap().shutdown);
    assert_eq!(read_to_close(&mut stream), b"");
}

#[test]
fn the_command_queue_is_bounded_and_reports_a_stopped_loop() {
    use grpclite::net::CommandError;

    let mut event_loop = EventLoop::<Echo>::new(Limits {
        command_capacity: 2,
        ..Limits::default()
    })
    .unwrap();
    let handle = event_loop.handle();
    let ran = Arc::new(Mutex::new(0));
    for _ in 0..2 {
        let ran = ran.clone();
        handle
            .try_run_on_loop(move |_, _| *ran.lock().unwrap() += 1)
            .unwrap();
    }
    assert_eq!(
        handle.try_run_on_loop(|_, _| {}).unwrap_err(),
        CommandError::Full
    );
    let mut events = Vec::new();
    event_loop
        .poll(Some(Duration::from_millis(100)), &mut events)
        .unwrap();
    assert_eq!(*ran.lock().unwrap(), 2, "the waker ran the queued commands");
    drop(event_loop);
    assert_eq!(
        handle.try_run_on_loop(|_, _| {}).unwrap_err(),
        CommandError::Stopped
    );
}

#[test]
fn a_host_name_is_resolved_and_each_address_tried() {
    // The server listens on IPv4 only; if "localhost" resolves to ::1
    // first, that attempt is refused and the next address is tried.
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let sessions = Sessions::default();
    let (_, addr) = event_loop
        .driver()
        .listen_tcp(localhost(), Security::Plaintext, echo_server(&sessions))
        .unwrap();
    let (factory, client) = echo_client(b"by name\n");
    event_loop
        .driver()
        .connect(
            &ConnectTarget::host("localhost", addr.port()),
            factory,
            Instant::now(),
        )
        .unwrap();
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the echo", |_| {
        received(&client) == "by name\n"
    });
    let info = client.lock().unwrap().info.clone().unwrap();
    assert_eq!(info.peer, PeerAddress::Tcp(addr));
}

#[test]
fn a_refused_address_falls_through_to_the_next() {
    let closed = {
        let listener = std::net::TcpListener::bind(localhost()).unwrap();
        listener.local_addr().unwrap()
    };
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let sessions = Sessions::default();
    let (_, addr) = event_loop
        .driver()
        .listen_tcp(localhost(), Security::Plaintext, echo_server(&sessions))
        .unwrap();
    let (factory, client) = echo_client(b"second try\n");
    event_loop
        .driver()
        .connect(
            &ConnectTarget::sockets(vec![closed, addr]),
            factory,
            Instant::now(),
        )
        .unwrap();
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the echo", |_| {
        received(&client) == "second try\n"
    });
    let info = client.lock().unwrap().info.clone().unwrap();
    assert_eq!(info.peer, PeerAddress::Tcp(addr));
    assert!(!events.iter().any(|e| matches!(e, LoopEvent::Failed { .. })));
}

#[test]
fn accepting_pauses_at_the_connection_limit_and_resumes() {
    let sessions = Sessions::default();
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let (handle, thread, addr) = spawn_server(limits, &sessions);
    let mut clients: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
    for (i, client) in clients.iter_mut().enumerate() {
        client.write_all(PREFACE).unwrap();
        client.write_all(format!("{i}\n").as_bytes()).unwrap();
        client
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
    }
    let mut answer = [0; 2];
    clients[0].read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"0\n");
    clients[1].read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"1\n");
    let waiting = clients[2].read(&mut answer).unwrap_err();
    assert_eq!(waiting.kind(), std::io::ErrorKind::WouldBlock, "{waiting}");
    assert_eq!(sessions.lock().unwrap().len(), 2);
    // One leaves: the third is accepted and served.
    clients[0].write_all(b"quit\n").unwrap();
    let mut first = clients.remove(0);
    assert_eq!(read_to_close(&mut first), b"");
    drop(first);
    clients[1]
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    clients[1].read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"2\n");
    handle.shutdown(Instant::now()).unwrap();
    thread.join().unwrap().unwrap();
}

#[test]
fn unconsumed_input_is_bounded_by_the_read_buffer() {
    // The echo session only takes whole lines; a line longer than the read
    // buffer fills it, and then the driver stops reading.
    let sessions = Sessions::default();
    let limits = Limits {
        read_buffer_size: 16 * 1024,
        ..Limits::default()
    };
    let (handle, thread, addr) = spawn_server(limits, &sessions);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(PREFACE).unwrap();
    let seen = first_session(&sessions);
    stream.set_nonblocking(true).unwrap();
    let chunk = vec![b'a'; 1 << 16];
    let mut written = 0usize;
    let mut stuck_since = None;
    while written < 64 << 20 {
        match stream.write(&chunk) {
            Ok(n) => {
                written += n;
                stuck_since = None;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let since = *stuck_since.get_or_insert_with(Instant::now);
                if since.elapsed() > Duration::from_millis(300) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("write: {e}"),
        }
    }
    assert!(written < 64 << 20, "the driver kept reading");
    let (tx, rx) = std::sync::mpsc::channel();
    handle
        .run_on_loop(move |driver, _| tx.send(driver.buffer_memory()).unwrap())
        .unwrap();
    let memory = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(memory.connection_read_buffers, 1, "{memory:?}");
    assert!(
        memory.connections <= 16 * 1024 + 32 + Limits::default().idle_write_buffer,
        "{memory:?}"
    );
    assert_eq!(seen.lock().unwrap().received, PREFACE);
    handle.shutdown(Instant::now()).unwrap();
    thread.join().unwrap().unwrap();
}
