//! The driver against a real peer: curl (HTTP/1.1 Upgrade: h2c, TLS with ALPN).

mod net_support;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use grpclite::net::{EventLoop, Limits, LoopHandle, Security};
use net_support::{echo_server, Echo, Seen, Sessions};

fn spawn_server(
    security: Security,
    sessions: &Sessions,
) -> (
    LoopHandle<Echo>,
    std::thread::JoinHandle<std::io::Result<()>>,
    SocketAddr,
) {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let factory = echo_server(sessions);
    let (handle, thread) = EventLoop::spawn("net-peer-server", Limits::default(), move |d| {
        let (_, addr) = d.listen_tcp("127.0.0.1:0".parse().unwrap(), security, factory)?;
        addr_tx.send(addr).unwrap();
        Ok(())
    })
    .unwrap();
    (handle, thread, addr_rx.recv().unwrap())
}

fn curl(args: &[&str]) -> Child {
    Command::new("curl")
        .args(["-sS", "--max-time", "10", "-o", "/dev/null"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("curl is required for the peer tests (see .ci/setup-peers): {e}")
        })
}

fn first_session(sessions: &Sessions) -> Arc<Mutex<Seen>> {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(seen) = sessions.lock().unwrap().first() {
            return seen.clone();
        }
        assert!(Instant::now() < give_up, "curl never got a session");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits for the session to have consumed at least `n` bytes.
fn wait_received(seen: &Arc<Mutex<Seen>>, n: usize) {
    let give_up = Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().received.len() < n {
        assert!(Instant::now() < give_up, "the session got too little input");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn curl_upgrades_to_h2c() {
    let sessions = Sessions::default();
    let (handle, thread, addr) = spawn_server(Security::Plaintext, &sessions);
    let url = format!("http://{addr}/greet?name=x");
    let mut child = curl(&["--http2", &url]);
    let seen = first_session(&sessions);
    // After the 101, curl sends the client preface (RFC 7540 §3.5).
    wait_received(&seen, 24);
    let info = seen.lock().unwrap().info.clone().unwrap();
    let upgrade = info.upgrade.expect("curl --http2 asks for Upgrade: h2c");
    assert_eq!(upgrade.method, "GET");
    assert_eq!(upgrade.path, "/greet?name=x");
    assert!(
        !upgrade.settings.is_empty() && upgrade.settings.len() % 6 == 0,
        "settings payload {:?}",
        upgrade.settings
    );
    assert!(upgrade.headers.iter().any(|(name, _)| name == "host"));
    assert!(!upgrade
        .headers
        .iter()
        .any(|(name, _)| name == "http2-settings" || name == "upgrade"));
    assert_eq!(
        &seen.lock().unwrap().received[..24],
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    );
    handle.shutdown(Instant::now()).unwrap();
    thread.join().unwrap().unwrap();
    let _ = child.wait();
}

#[cfg(feature = "tls")]
mod tls {
    use super::*;
    use grpclite::net::tls::{ClientAuth, ServerTls};
    use net_support::pki::pki;

    fn server_tls() -> Security {
        let pki = pki();
        Security::Tls(
            ServerTls::from_pem_files(
                pki.path("server.pem"),
                pki.path("server.key"),
                ClientAuth::None,
            )
            .unwrap(),
        )
    }

    #[test]
    fn curl_negotiates_h2_over_tls() {
        let sessions = Sessions::default();
        let (handle, thread, addr) = spawn_server(server_tls(), &sessions);
        let resolve = format!("localhost:{}:127.0.0.1", addr.port());
        let url = format!("https://localhost:{}/", addr.port());
        let ca = pki().path("ca.pem");
        let mut child = curl(&[
            "--http2",
            "--cacert",
            ca.to_str().unwrap(),
            "--resolve",
            &resolve,
            &url,
        ]);
        let seen = first_session(&sessions);
        wait_received(&seen, 24);
        let info = seen.lock().unwrap().info.clone().unwrap();
        assert!(info.tls);
        assert_eq!(info.alpn.as_deref(), Some(&b"h2"[..]));
        assert_eq!(info.server_name.as_deref(), Some("localhost"));
        assert!(info.upgrade.is_none());
        handle.shutdown(Instant::now()).unwrap();
        thread.join().unwrap().unwrap();
        let _ = child.wait();
    }

    #[test]
    fn a_client_offering_only_http1_over_tls_is_refused() {
        let sessions = Sessions::default();
        let (handle, thread, addr) = spawn_server(server_tls(), &sessions);
        let resolve = format!("localhost:{}:127.0.0.1", addr.port());
        let url = format!("https://localhost:{}/", addr.port());
        let ca = pki().path("ca.pem");
        let child = curl(&[
            "--http1.1",
            "--cacert",
            ca.to_str().unwrap(),
            "--resolve",
            &resolve,
            &url,
        ]);
        let output = child.wait_with_output().unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        // RFC 7301 §3.2: no_application_protocol.
        assert!(
            stderr.contains("no application protocol"),
            "curl said: {stderr}"
        );
        assert!(sessions.lock().unwrap().is_empty());
        handle.shutdown(Instant::now()).unwrap();
        thread.join().unwrap().unwrap();
    }
}
