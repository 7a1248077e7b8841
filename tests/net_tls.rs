//! The driver with TLS: certificates made at test time by the `openssl` CLI.
#![cfg(feature = "tls")]

mod net_support;

use std::time::{Duration, Instant};

use grpclite::net::tls::{ClientAuth, ClientTls, ServerTls};
use grpclite::net::{
    ConnectTarget, ConnectionId, EventLoop, Limits, LoopEvent, NetError, Role, Security,
};
use net_support::pki::pki;
use net_support::{echo_client, echo_server, received, turn_until, Echo, Sessions};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{AlertDescription, CertificateError};

fn server_tls(client_auth: ClientAuth) -> Security {
    let pki = pki();
    Security::Tls(
        ServerTls::from_pem_files(pki.path("server.pem"), pki.path("server.key"), client_auth)
            .unwrap(),
    )
}

fn require_client_cert() -> ClientAuth {
    ClientAuth::Required {
        ca_pem: pki().read("ca.pem"),
    }
}

/// A loop with a TLS echo listener and one TLS client connected to it.
fn connect(
    security: Security,
    client: ClientTls,
    greeting: &[u8],
) -> (
    EventLoop<Echo>,
    Sessions,
    ConnectionId,
    std::sync::Arc<std::sync::Mutex<net_support::Seen>>,
) {
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let sessions = Sessions::default();
    let (_, addr) = event_loop
        .driver()
        .listen_tcp(
            "127.0.0.1:0".parse().unwrap(),
            security,
            echo_server(&sessions),
        )
        .unwrap();
    let (factory, seen) = echo_client(greeting);
    let target = ConnectTarget::socket(addr).with_tls(client);
    let id = event_loop
        .driver()
        .connect(&target, factory, Instant::now())
        .unwrap();
    (event_loop, sessions, id, seen)
}

fn failure_of(events: &[LoopEvent], id: ConnectionId) -> Option<&NetError> {
    events.iter().find_map(|e| match e {
        LoopEvent::Failed { id: i, error } if *i == id => Some(error),
        _ => None,
    })
}

fn any_server_failure(events: &[LoopEvent], client: ConnectionId) -> Option<&NetError> {
    events.iter().find_map(|e| match e {
        LoopEvent::Failed { id, error } if *id != client => Some(error),
        _ => None,
    })
}

#[test]
fn tls_echo_with_the_server_verified_by_name() {
    let client = ClientTls::builder()
        .ca_pem_file(pki().path("ca.pem"))
        .unwrap()
        .build("localhost")
        .unwrap();
    let (mut event_loop, sessions, _, seen) =
        connect(server_tls(ClientAuth::None), client, b"secret\n");
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the echo over TLS", |_| {
        received(&seen) == "secret\n"
    });
    let client_info = seen.lock().unwrap().info.clone().unwrap();
    assert!(client_info.tls);
    assert_eq!(client_info.alpn.as_deref(), Some(&b"h2"[..]));
    let server_cert = CertificateDer::from_pem_file(pki().path("server.pem")).unwrap();
    assert_eq!(client_info.peer_certificates, vec![server_cert]);

    let server = sessions.lock().unwrap()[0].clone();
    let server_info = server.lock().unwrap().info.clone().unwrap();
    assert_eq!(server_info.role, Role::Server);
    assert!(server_info.tls);
    assert_eq!(server_info.alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(server_info.server_name.as_deref(), Some("localhost"));
    assert!(server_info.peer_certificates.is_empty());
    assert!(server_info.upgrade.is_none());
}

#[test]
fn a_name_override_that_does_not_match_the_certificate_fails() {
    let client = ClientTls::builder()
        .ca_pem(pki().read("ca.pem"))
        .build("other.example")
        .unwrap();
    let (mut event_loop, _, id, seen) = connect(server_tls(ClientAuth::None), client, b"x\n");
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the failure", |e| {
        failure_of(e, id).is_some()
    });
    let error = failure_of(&events, id).unwrap();
    match error {
        NetError::Tls {
            error: rustls::Error::InvalidCertificate(e),
            ..
        } => assert!(
            matches!(
                e,
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ),
            "{e:?}"
        ),
        other => panic!("expected a certificate error, got {other:?}"),
    }
    assert!(
        error.to_string().contains("certificate not valid for name"),
        "{error}"
    );
    assert!(seen.lock().unwrap().info.is_none(), "no session on failure");
}

#[test]
fn a_server_certificate_from_another_ca_is_an_unknown_issuer() {
    let client = ClientTls::builder()
        .ca_pem(pki().read("other-ca.pem"))
        .build("localhost")
        .unwrap();
    let (mut event_loop, _, id, _) = connect(server_tls(ClientAuth::None), client, b"x\n");
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "both failures", |e| {
        failure_of(e, id).is_some() && any_server_failure(e, id).is_some()
    });
    let error = failure_of(&events, id).unwrap();
    assert!(
        matches!(
            error,
            NetError::Tls {
                error: rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "TLS with {} failed: invalid peer certificate: UnknownIssuer",
            match error {
                NetError::Tls { peer, .. } => peer.clone(),
                _ => unreachable!(),
            }
        )
    );
    // The server learns why from the client's alert.
    let server_error = any_server_failure(&events, id).unwrap();
    assert!(
        matches!(
            server_error,
            NetError::Tls {
                error: rustls::Error::AlertReceived(AlertDescription::UnknownCA),
                ..
            }
        ),
        "{server_error:?}"
    );
}

#[test]
fn mutual_tls_accepts_a_client_certificate_from_the_ca() {
    let pki = pki();
    let client = ClientTls::builder()
        .ca_pem(pki.read("ca.pem"))
        .client_identity_pem(pki.read("client.pem"), pki.read("client.key"))
        .build("localhost")
        .unwrap();
    let (mut event_loop, sessions, _, seen) =
        connect(server_tls(require_client_cert()), client, b"mutual\n");
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the echo over mTLS", |_| {
        received(&seen) == "mutual\n"
    });
    let server = sessions.lock().unwrap()[0].clone();
    let info = server.lock().unwrap().info.clone().unwrap();
    let client_cert = CertificateDer::from_pem_file(pki.path("client.pem")).unwrap();
    assert_eq!(info.peer_certificates, vec![client_cert]);
}

#[test]
fn mutual_tls_refuses_a_client_without_a_certificate() {
    let client = ClientTls::builder()
        .ca_pem(pki().read("ca.pem"))
        .build("localhost")
        .unwrap();
    let (mut event_loop, sessions, id, seen) =
        connect(server_tls(require_client_cert()), client, b"let me in\n");
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "both ends to give up", |e| {
        any_server_failure(e, id).is_some()
            && e.iter().any(|e| {
                matches!(e, LoopEvent::Failed { id: i, .. } | LoopEvent::Closed { id: i } if *i == id)
            })
    });
    let server_error = any_server_failure(&events, id).unwrap();
    assert!(
        matches!(
            server_error,
            NetError::Tls {
                error: rustls::Error::NoCertificatesPresented,
                ..
            }
        ),
        "{server_error:?}"
    );
    assert!(sessions.lock().unwrap().is_empty(), "no server session");
    assert_eq!(received(&seen), "", "nothing was echoed");
    // TLS 1.3: the client finishes its half of the handshake before the
    // server checks, then reads the server's alert.
    if let Some(error) = failure_of(&events, id) {
        assert!(
            matches!(
                error,
                NetError::Tls {
                    error: rustls::Error::AlertReceived(AlertDescription::CertificateRequired),
                    ..
                }
            ),
            "{error:?}"
        );
    }
}

#[test]
fn a_client_that_never_finishes_the_handshake_times_out() {
    let mut event_loop = EventLoop::<Echo>::new(Limits {
        tls_handshake_timeout: Duration::from_millis(200),
        ..Limits::default()
    })
    .unwrap();
    let sessions = Sessions::default();
    let (_, addr) = event_loop
        .driver()
        .listen_tcp(
            "127.0.0.1:0".parse().unwrap(),
            server_tls(ClientAuth::None),
            echo_server(&sessions),
        )
        .unwrap();
    let _silent = std::net::TcpStream::connect(addr).unwrap();
    let started = Instant::now();
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the timeout", |e| {
        !e.is_empty()
    });
    match &events[..] {
        [LoopEvent::Failed {
            error: NetError::HandshakeTimeout { after, .. },
            ..
        }] => assert_eq!(*after, Duration::from_millis(200)),
        other => panic!("expected a handshake timeout, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[test]
fn bad_pem_input_says_what_is_wrong() {
    let pki = pki();
    let err = ServerTls::from_pem_files(
        pki.path("missing.pem"),
        pki.path("server.key"),
        ClientAuth::None,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot load server certificate chain from "),
        "{err}"
    );
    let err = ServerTls::from_pem(&pki.read("server.pem"), b"", ClientAuth::None).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot load server private key: "),
        "{err}"
    );
    // A key that does not match the certificate.
    let err = ServerTls::from_pem(
        &pki.read("server.pem"),
        &pki.read("client.key"),
        ClientAuth::None,
    )
    .unwrap_err();
    assert!(matches!(err, NetError::TlsConfig(_)), "{err:?}");
}

#[test]
fn a_client_without_alpn_is_served_as_http2_with_prior_knowledge() {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(pki().path("ca.pem")).unwrap())
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    assert!(config.alpn_protocols.is_empty());
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let client = ClientTls::from_config(std::sync::Arc::new(config), name);
    let (mut event_loop, sessions, _, seen) =
        connect(server_tls(ClientAuth::None), client, b"no alpn\n");
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the echo", |_| {
        received(&seen) == "no alpn\n"
    });
    let server = sessions.lock().unwrap()[0].clone();
    let info = server.lock().unwrap().info.clone().unwrap();
    assert!(info.tls);
    assert_eq!(info.alpn, None);
}

#[test]
fn an_ip_address_name_is_checked_against_the_ip_san() {
    let client = ClientTls::builder()
        .ca_pem(pki().read("ca.pem"))
        .build("127.0.0.1")
        .unwrap();
    let (mut event_loop, _, _, seen) = connect(server_tls(ClientAuth::None), client, b"ip\n");
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the echo", |_| {
        received(&seen) == "ip\n"
    });
}

#[test]
fn tls_over_a_unix_socket() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("net-tls-unix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tls.sock");
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let sessions = Sessions::default();
    event_loop
        .driver()
        .listen_unix(&path, server_tls(ClientAuth::None), echo_server(&sessions))
        .unwrap();
    let client = ClientTls::builder()
        .ca_pem(pki().read("ca.pem"))
        .build("localhost")
        .unwrap();
    let (factory, seen) = echo_client(b"unix tls\n");
    event_loop
        .driver()
        .connect(
            &ConnectTarget::unix(&path).with_tls(client),
            factory,
            Instant::now(),
        )
        .unwrap();
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the echo", |_| {
        received(&seen) == "unix tls\n"
    });
    assert_eq!(
        seen.lock().unwrap().info.as_ref().unwrap().alpn.as_deref(),
        Some(&b"h2"[..])
    );
    drop(event_loop);
    assert!(!path.exists(), "the socket file is removed with the loop");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A blocking rustls client that queues `data` before the handshake, so
/// its first application data leaves in the same write as its Finished
/// (TLS 1.3, RFC 8446 §4.4.4), then reads until the server closes.
/// Returns what it read, or why reading failed.
fn early_data_client(addr: std::net::SocketAddr, data: &[u8]) -> Result<Vec<u8>, String> {
    let socket = std::net::TcpStream::connect(addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    tls_client(socket, data, &[])
}

/// Like [`early_data_client`], then writes `more` after the handshake
/// before it starts reading.
fn tls_client(
    socket: impl std::io::Read + std::io::Write,
    data: &[u8],
    more: &[u8],
) -> Result<Vec<u8>, String> {
    tls_client_paused(socket, data, more, Duration::ZERO)
}

/// Like [`early_data_client`] on `socket`, but waits `pause` before reading.
fn tls_client_after(
    socket: impl std::io::Read + std::io::Write,
    data: &[u8],
    pause: Duration,
) -> Result<Vec<u8>, String> {
    tls_client_paused(socket, data, &[], pause)
}

fn tls_client_paused(
    mut socket: impl std::io::Read + std::io::Write,
    data: &[u8],
    more: &[u8],
    pause: Duration,
) -> Result<Vec<u8>, String> {
    use std::io::{Read, Write};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(pki().path("ca.pem")).unwrap())
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    // Buffered until the handshake completes, then sent right after Finished.
    tls.writer().write_all(data).unwrap();
    while tls.is_handshaking() || tls.wants_write() {
        tls.complete_io(&mut socket).map_err(|e| e.to_string())?;
    }
    let mut stream = rustls::Stream::new(&mut tls, &mut socket);
    stream.write_all(more).map_err(|e| e.to_string())?;
    std::thread::sleep(pause);
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => Ok(received),
        Err(e) => Err(format!(
            "{e} after {:?}",
            String::from_utf8_lossy(&received)
        )),
    }
}

/// The client's first application data, arriving with its Finished, is
/// answered (it waits in TLS, not in the socket, so no readable event will
/// come for it), and the last answer before the server closes arrives
/// before its close_notify.
#[test]
fn first_data_sent_with_the_finished_message_is_answered_before_the_close() {
    for round in 0..20 {
        let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
        let sessions = Sessions::default();
        let (_, addr) = event_loop
            .driver()
            .listen_tcp(
                "127.0.0.1:0".parse().unwrap(),
                server_tls(ClientAuth::None),
                echo_server(&sessions),
            )
            .unwrap();
        let mut data = grpclite::net::preface::CLIENT_PREFACE.to_vec();
        data.extend_from_slice(b"hello\nquit\n");
        let client = std::thread::spawn(move || early_data_client(addr, &data));
        let mut events = Vec::new();
        turn_until(&mut event_loop, &mut events, "the server's close", |e| {
            e.iter().any(|e| matches!(e, LoopEvent::Closed { .. }))
        });
        let reply = client.join().unwrap();
        assert_eq!(
            reply.as_deref().map(String::from_utf8_lossy),
            Ok("hello\n".into()),
            "round {round}; events {events:?}"
        );
        assert_eq!(received(&sessions.lock().unwrap()[0]), "hello\nquit\n");
    }
}

/// A last answer larger than what TLS buffers, to a client that reads only
/// once it is done writing, arrives whole: the close_notify goes out only
/// after every byte of it was encrypted, never in the middle (data after
/// close_notify is ignored, RFC 8446 §6.1).
#[test]
fn a_large_last_answer_arrives_whole_before_the_close_notify() {
    // A Unix socket: its small kernel buffers leave most of the answer
    // waiting in the driver when the session closes.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("net-tls-last-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tls.sock");
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let sessions = Sessions::default();
    event_loop
        .driver()
        .listen_unix(&path, server_tls(ClientAuth::None), echo_server(&sessions))
        .unwrap();
    let line = [b"x".repeat(1023), b"\n".to_vec()].concat();
    let lines = line.repeat(4 * 1024);
    let mut more = lines.clone();
    more.extend_from_slice(b"quit\n");
    let socket = std::os::unix::net::UnixStream::connect(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let client = std::thread::spawn(move || {
        tls_client(socket, grpclite::net::preface::CLIENT_PREFACE, &more)
    });
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the server's close", |e| {
        e.iter()
            .any(|e| matches!(e, LoopEvent::Closed { .. } | LoopEvent::Failed { .. }))
    });
    let reply = client.join().unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(reply.len(), lines.len(), "events {events:?}");
    assert!(reply == lines);
}

/// Bytes that are not TLS, arriving while the server lingers after its
/// last answer, are drained: they reach neither TLS (which would answer a
/// bad record with a fatal alert after its close_notify, a debug assertion
/// in rustls) nor end the linger with input unread. The answer arrives.
#[test]
fn garbage_during_the_lingering_close_does_not_reset_the_answer() {
    use std::io::Write;
    let mut event_loop = EventLoop::<Echo>::new(Limits::default()).unwrap();
    let sessions = Sessions::default();
    let (_, addr) = event_loop
        .driver()
        .listen_tcp(
            "127.0.0.1:0".parse().unwrap(),
            server_tls(ClientAuth::None),
            echo_server(&sessions),
        )
        .unwrap();
    let mut data = grpclite::net::preface::CLIENT_PREFACE.to_vec();
    data.extend_from_slice(b"hello\nquit\n");
    let client = std::thread::spawn(move || {
        let socket = std::net::TcpStream::connect(addr).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut garbage = socket.try_clone().unwrap();
        // Sent after the TLS records, so read while the server lingers;
        // write errors (the server gone) are what the test is about.
        let spam = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            for _ in 0..64 {
                if garbage.write_all(&[0xAB; 16 * 1024]).is_err() {
                    break;
                }
            }
        });
        let reply = tls_client_after(socket, &data, Duration::from_millis(400));
        let _ = spam.join();
        reply
    });
    let mut events = Vec::new();
    turn_until(&mut event_loop, &mut events, "the server's close", |e| {
        e.iter()
            .any(|e| matches!(e, LoopEvent::Closed { .. } | LoopEvent::Failed { .. }))
    });
    let reply = client.join().unwrap();
    assert_eq!(
        reply.as_deref().map(String::from_utf8_lossy),
        Ok("hello\n".into()),
        "events {events:?}"
    );
}
