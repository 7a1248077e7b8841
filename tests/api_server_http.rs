//! Plain HTTP/2 clients against our servers: `curl --http2-prior-knowledge`
//! and `nghttp` against the `h2_server` example (GET, POST echo, TLS), and
//! against the gRPC server, which answers non-gRPC requests with an
//! ordinary HTTP status (405, 415), never a bare RST_STREAM.
//!
//! Needs `curl`, `nghttp` and `openssl` on the PATH; without them the
//! tests fail.

#[allow(dead_code)]
#[path = "../examples/h2_server.rs"]
mod h2_server;

#[allow(dead_code)]
#[path = "../examples/echo_server.rs"]
mod echo_server;

#[allow(dead_code)]
#[path = "net_support/pki.rs"]
mod pki;

use std::net::SocketAddr;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use grpclite::api::Server;
use grpclite::net::{EventLoop, Limits, LoopHandle, Security};

struct HttpServer {
    addr: SocketAddr,
    handle: LoopHandle<h2_server::HttpSession>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self
            .handle
            .shutdown(Instant::now() + Duration::from_millis(500));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn http_server(security: Security) -> HttpServer {
    let (tx, rx) = std::sync::mpsc::channel();
    let (handle, thread) = EventLoop::spawn("h2-server", Limits::default(), move |driver| {
        let addr = h2_server::listen(driver, SocketAddr::from(([127, 0, 0, 1], 0)), security)?;
        let _ = tx.send(addr);
        Ok(())
    })
    .unwrap();
    HttpServer {
        addr: rx.recv().unwrap(),
        handle,
        thread: Some(thread),
    }
}

fn tool(program: &str, args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("`{program}` is required for this test: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn curl_get_and_post_echo() {
    let server = http_server(Security::Plaintext);
    let url = format!("http://{}/", server.addr);
    let get = tool("curl", &["-sS", "--http2-prior-knowledge", &url]);
    assert_eq!(get.stdout, h2_server::GREETING);

    let body = "x".repeat(100_000) + "end";
    let post = tool(
        "curl",
        &[
            "-sS",
            "--http2-prior-knowledge",
            "--data-binary",
            &body,
            &url,
        ],
    );
    assert_eq!(String::from_utf8_lossy(&post.stdout), body);
}

#[test]
fn curl_post_too_large_gets_413() {
    let server = http_server(Security::Plaintext);
    let url = format!("http://{}/", server.addr);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("h2-big-{}", std::process::id()));
    std::fs::write(&file, vec![b'y'; h2_server::MAX_BODY + 1]).unwrap();
    let data = format!("@{}", file.display());
    let out = tool(
        "curl",
        &[
            "-sS",
            "--http2-prior-knowledge",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--data-binary",
            &data,
            &url,
        ],
    );
    let _ = std::fs::remove_file(&file);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "413");
}

#[test]
fn nghttp_get_and_post_echo() {
    let server = http_server(Security::Plaintext);
    let url = format!("http://{}/", server.addr);
    let get = tool("nghttp", &[&url]);
    assert_eq!(get.stdout, h2_server::GREETING);

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("h2-post-{}", std::process::id()));
    let body: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, &body).unwrap();
    let post = tool("nghttp", &["-d", &file.display().to_string(), &url]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(post.stdout, body);
}

#[test]
#[cfg(feature = "tls")]
fn curl_over_tls_with_alpn_h2() {
    let pki = pki::pki();
    let tls = grpclite::net::tls::ServerTls::from_pem_files(
        pki.path("server.pem"),
        pki.path("server.key"),
        Default::default(),
    )
    .unwrap();
    let server = http_server(Security::Tls(tls));
    let url = format!("https://localhost:{}/", server.addr.port());
    let resolve = format!("localhost:{}:127.0.0.1", server.addr.port());
    let ca = pki.path("ca.pem").display().to_string();
    let out = tool(
        "curl",
        &[
            "-sS",
            "--http2",
            "--cacert",
            &ca,
            "--resolve",
            &resolve,
            "-w",
            "%{http_version}",
            &url,
        ],
    );
    let mut expected = h2_server::GREETING.to_vec();
    expected.extend_from_slice(b"2");
    assert_eq!(out.stdout, expected);
}

#[test]
fn grpc_server_answers_plain_http_with_http_statuses() {
    let server = Server::new(echo_server::router())
        .unwrap()
        .spawn(SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap();
    let url = format!("http://{}/bench.Echo/Unary", server.local_addr());
    let status = |extra: &[&str]| {
        let mut args = vec![
            "-sS",
            "--http2-prior-knowledge",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ];
        args.extend_from_slice(extra);
        args.push(&url);
        String::from_utf8_lossy(&tool("curl", &args).stdout).into_owned()
    };
    // PROTOCOL-HTTP2.md: only POST; RFC 9110 §15.5.6: 405 with Allow.
    assert_eq!(status(&[]), "405");
    // "If Content-Type does not begin with application/grpc, gRPC servers
    // SHOULD respond with HTTP status of 415".
    assert_eq!(
        status(&["-H", "content-type: text/plain", "--data-binary", "hi"]),
        "415"
    );
    // The same through an HTTP/1.1 `Upgrade: h2c` (RFC 7540 §3.2).
    let upgraded = tool(
        "curl",
        &[
            "-sS",
            "--http2",
            "-o",
            "/dev/null",
            "-w",
            "%{http_version} %{http_code}",
            &url,
        ],
    );
    assert_eq!(String::from_utf8_lossy(&upgraded.stdout), "2 405");
    let headers = tool(
        "curl",
        &[
            "-sS",
            "--http2-prior-knowledge",
            "-D",
            "-",
            "-o",
            "/dev/null",
            &url,
        ],
    );
    let headers = String::from_utf8_lossy(&headers.stdout).to_lowercase();
    assert!(headers.contains("allow: post"), "{headers}");
    server.shutdown(Duration::from_secs(1)).unwrap();
}
