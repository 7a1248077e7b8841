//! grpclite's `examples/echo_server` side by side with tonic's
//! (`src/bin/tonic_echo.rs`): unary req/s through h2load, streaming rates
//! through one tonic client for both servers, instructions per unary call
//! under callgrind, stripped binary size and RSS per idle connection.
//! Prints one table. See `benches/README.md`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio_stream::StreamExt;

/// Messages and client generated from `proto/bench.proto`.
pub mod bench {
    tonic::include_proto!("bench");
}

use bench::echo_client::EchoClient;
use bench::{EchoRequest, StreamRequest};

/// Port of grpclite's server.
const OURS_PORT: u16 = 50561;
/// Port of tonic's server.
const TONIC_PORT: u16 = 50562;
/// Port of a server run under callgrind.
const CALLGRIND_PORT: u16 = 50563;
/// Port of the raw TCP loopback measurement.
const RAW_PORT: u16 = 50564;

/// One server under test.
struct Server {
    name: &'static str,
    binary: PathBuf,
    port: u16,
}

/// A child process killed (by its pid) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn start(binary: &Path, port: u16, wrapper: &[&str], wait: Duration) -> Running {
    let mut cmd = if let Some((first, rest)) = wrapper.split_first() {
        let mut c = Command::new(first);
        c.args(rest).arg(binary);
        c
    } else {
        Command::new(binary)
    };
    let child = cmd
        .args(["--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let running = Running(child);
    let until = Instant::now() + wait;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < until,
            "{} did not listen on {port}",
            binary.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    running
}

/// The unary request body: the 5-octet gRPC prefix, then `EchoRequest`
/// with a 64-octet payload (field 1, length 64).
fn unary_body() -> Vec<u8> {
    let mut message = vec![0x0a, 64];
    message.extend_from_slice(&[0x5a; 64]);
    let mut body = vec![0, 0, 0, 0, message.len() as u8];
    body.extend_from_slice(&message);
    body
}

/// Runs h2load against `/bench.Echo/Unary` and returns req/s, after checking
/// that every request finished with status 200.
fn h2load(port: u16, body: &Path, n: u32, c: u32, m: u32) -> f64 {
    let out = Command::new("h2load")
        .args([
            "-n",
            &n.to_string(),
            "-c",
            &c.to_string(),
            "-m",
            &m.to_string(),
        ])
        .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
        .arg("-d")
        .arg(body)
        .arg(format!("http://127.0.0.1:{port}/bench.Echo/Unary"))
        .output()
        .expect("h2load is needed (Debian nghttp2-client)");
    let text = String::from_utf8_lossy(&out.stdout);
    let expect = format!("status codes: {n} 2xx");
    assert!(text.contains(&expect), "h2load: not all 200:\n{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("finished in"))
        .expect("h2load summary");
    // "finished in 1.23s, 12345.67 req/s, 1.2MB/s"
    let rate = line
        .split(", ")
        .nth(1)
        .and_then(|s| s.strip_suffix(" req/s"))
        .expect("req/s");
    rate.parse().expect("req/s number")
}

/// Total instructions executed by the server while h2load sends `n` unary
/// calls on one connection, under callgrind.
fn callgrind_instructions(binary: &Path, n: u32, body: &Path, dir: &Path) -> u64 {
    let out = dir.join(format!(
        "callgrind.{}.{n}",
        binary.file_name().unwrap().to_string_lossy()
    ));
    let out_arg = format!("--callgrind-out-file={}", out.display());
    let server = start(
        binary,
        CALLGRIND_PORT,
        &["valgrind", "--tool=callgrind", &out_arg],
        Duration::from_secs(60),
    );
    if n > 0 {
        h2load(CALLGRIND_PORT, body, n, 1, 1);
    }
    let pid = server.0.id().to_string();
    // SIGTERM (not SIGKILL) lets valgrind write its output before the
    // process ends; SIGINT may be ignored by a background job.
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let mut server = server;
    let _ = server.0.wait();
    let text = std::fs::read_to_string(&out).expect("callgrind output");
    let total = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("summary: ")
                .or_else(|| l.strip_prefix("totals: "))
        })
        .expect("callgrind summary");
    total.split_whitespace().next().unwrap().parse().unwrap()
}

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Opens an HTTP/2 connection and completes the preface and SETTINGS
/// exchange (RFC 9113 section 3.4): our preface and empty SETTINGS, the
/// server's SETTINGS read, our ACK sent.
fn idle_connection(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .unwrap();
    loop {
        let mut header = [0u8; 9];
        s.read_exact(&mut header).expect("server frame");
        let len =
            (usize::from(header[0]) << 16) | (usize::from(header[1]) << 8) | usize::from(header[2]);
        let mut payload = vec![0; len];
        s.read_exact(&mut payload).unwrap();
        if header[3] == 4 && header[4] & 1 == 0 {
            break;
        }
    }
    s.write_all(b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")
        .unwrap();
    s
}

/// KiB of server RSS per idle connection, over 1,000 connections.
fn rss_per_connection(pid: u32, port: u16) -> f64 {
    std::thread::sleep(Duration::from_millis(300));
    let before = vm_rss_kib(pid);
    let conns: Vec<TcpStream> = (0..1000).map(|_| idle_connection(port)).collect();
    std::thread::sleep(Duration::from_millis(500));
    let after = vm_rss_kib(pid);
    drop(conns);
    (after.saturating_sub(before)) as f64 / 1000.0
}

fn stripped_size(binary: &Path, dir: &Path) -> u64 {
    let out = dir.join(format!(
        "{}.stripped",
        binary.file_name().unwrap().to_string_lossy()
    ));
    let ok = Command::new("strip")
        .arg("-o")
        .arg(&out)
        .arg(binary)
        .status()
        .expect("strip");
    assert!(ok.success());
    std::fs::metadata(&out).unwrap().len()
}

async fn client(port: u16) -> EchoClient<tonic::transport::Channel> {
    EchoClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect")
        .max_decoding_message_size(8 << 20)
        .max_encoding_message_size(8 << 20)
}

/// One checked unary call: grpc-status 0 and the payload back.
async fn check_unary(port: u16) {
    let mut c = client(port).await;
    let reply = c
        .unary(EchoRequest {
            payload: vec![0x5a; 64],
        })
        .await
        .expect("unary call status 0");
    assert_eq!(reply.into_inner().payload, vec![0x5a; 64]);
}

/// Messages per second of `count` server-streamed responses of `size`.
async fn server_stream(port: u16, count: u64, size: u32) -> f64 {
    let mut c = client(port).await;
    let start = Instant::now();
    let mut stream = c
        .server_stream(StreamRequest { count, size })
        .await
        .expect("call")
        .into_inner();
    let mut got = 0u64;
    while let Some(m) = stream.next().await {
        assert_eq!(m.expect("message").payload.len(), size as usize);
        got += 1;
    }
    assert_eq!(got, count);
    count as f64 / start.elapsed().as_secs_f64()
}

/// Messages per second of `count` bidi echoes of `size`, sent as fast as the
/// flow control allows while the replies are read.
async fn bidi(port: u16, count: u64, size: usize) -> f64 {
    let mut c = client(port).await;
    let payload = vec![0x5a; size];
    let start = Instant::now();
    let requests = tokio_stream::iter((0..count).map(move |_| EchoRequest {
        payload: payload.clone(),
    }));
    let mut stream = c.bidi(requests).await.expect("call").into_inner();
    let mut got = 0u64;
    while let Some(m) = stream.next().await {
        assert_eq!(m.expect("message").payload.len(), size);
        got += 1;
    }
    assert_eq!(got, count);
    count as f64 / start.elapsed().as_secs_f64()
}

/// MB/s of raw loopback TCP: 2 GiB written in 1 MiB writes, read by a thread.
fn raw_tcp_mb_s() -> f64 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", RAW_PORT)).expect("bind");
    let total: usize = 2 << 30;
    let reader = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = vec![0; 1 << 20];
        let mut n = 0;
        while n < total {
            let r = s.read(&mut buf).unwrap();
            assert!(r > 0);
            n += r;
        }
    });
    let mut s = TcpStream::connect(("127.0.0.1", RAW_PORT)).unwrap();
    let chunk = vec![0x5a; 1 << 20];
    let start = Instant::now();
    for _ in 0..(total >> 20) {
        s.write_all(&chunk).unwrap();
    }
    reader.join().unwrap();
    total as f64 / 1e6 / start.elapsed().as_secs_f64()
}

/// One row: what, ours, tonic's, the ratio, the goal.
fn row(what: &str, ours: f64, theirs: f64, unit: &str, goal: &str) {
    println!(
        "| {what} | {} {unit} | {} {unit} | {:.2}x | {goal} |",
        human(ours),
        human(theirs),
        ours / theirs
    );
}

fn human(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x >= 1e4 {
        format!("{:.1}k", x / 1e3)
    } else {
        format!("{x:.1}")
    }
}

fn main() {
    let root = root();
    let ok = Command::new("cargo")
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--example",
            "echo_server",
            "--no-default-features",
        ])
        .status()
        .expect("cargo");
    assert!(ok.success(), "building examples/echo_server failed");
    let servers = [
        Server {
            name: "grpclite",
            binary: root.join("target/release/examples/echo_server"),
            port: OURS_PORT,
        },
        Server {
            name: "tonic",
            binary: PathBuf::from(env!("CARGO_BIN_EXE_tonic_echo")),
            port: TONIC_PORT,
        },
    ];
    let dir = std::env::temp_dir().join(format!("grpclite-compare-grpc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body_path = dir.join("unary.bin");
    std::fs::write(&body_path, unary_body()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    let unary_shapes = [(1u32, 1u32, 20_000u32), (8, 64, 100_000), (64, 8, 100_000)];
    let mut results: Vec<Vec<f64>> = Vec::new();
    for server in &servers {
        eprintln!("measuring {}", server.name);
        let mut r = Vec::new();
        let running = start(&server.binary, server.port, &[], Duration::from_secs(10));
        // First, on a fresh process: memory freed by the calls below would
        // otherwise be reused by the connections and hide their cost.
        let rss = rss_per_connection(running.0.id(), server.port);
        rt.block_on(check_unary(server.port));
        for &(c, m, n) in &unary_shapes {
            r.push(h2load(server.port, &body_path, n, c, m));
        }
        r.push(rt.block_on(server_stream(server.port, 200_000, 1024)));
        r.push(rt.block_on(bidi(server.port, 100_000, 1024)));
        r.push(rt.block_on(server_stream(server.port, 2000, 1 << 20)) * 1.048576);
        r.push(rt.block_on(bidi(server.port, 1000, 1 << 20)) * 1.048576);
        r.push(rss);
        drop(running);
        let (few, many) = (1000u32, 5000u32);
        let a = callgrind_instructions(&server.binary, few, &body_path, &dir);
        let b = callgrind_instructions(&server.binary, many, &body_path, &dir);
        r.push(b.saturating_sub(a) as f64 / f64::from(many - few));
        r.push(stripped_size(&server.binary, &dir) as f64 / 1e3);
        results.push(r);
    }
    let raw = raw_tcp_mb_s();
    let (o, t) = (&results[0], &results[1]);
    println!();
    println!("| measurement | grpclite | tonic 0.14 | grpclite / tonic | goal |");
    println!("|---|---|---|---|---|");
    row(
        "unary, h2load c=1 m=1 (20k calls)",
        o[0],
        t[0],
        "req/s",
        ">= 1.5x",
    );
    row(
        "unary, h2load c=8 m=64 (100k calls)",
        o[1],
        t[1],
        "req/s",
        ">= 1.5x",
    );
    row(
        "unary, h2load c=64 m=8 (100k calls)",
        o[2],
        t[2],
        "req/s",
        ">= 1.5x",
    );
    row(
        "server streaming, 1 KiB (200k msgs)",
        o[3],
        t[3],
        "msg/s",
        ">= 1.5x",
    );
    row(
        "bidi echo, 1 KiB (100k msgs)",
        o[4],
        t[4],
        "msg/s",
        ">= 1.5x",
    );
    row(
        "server streaming, 1 MiB (2000 msgs)",
        o[5],
        t[5],
        "MB/s",
        &format!(
            ">= 80% of raw TCP {raw:.0} MB/s: {:.0}%",
            100.0 * o[5] / raw
        ),
    );
    row(
        "bidi echo, 1 MiB (1000 msgs)",
        o[6],
        t[6],
        "MB/s",
        &format!("raw TCP {raw:.0} MB/s: {:.0}%", 100.0 * o[6] / raw),
    );
    row(
        "server RSS per idle connection (1000)",
        o[7],
        t[7],
        "KiB",
        "<= 2 KiB",
    );
    row(
        "server instructions per unary call (callgrind)",
        o[8],
        t[8],
        "instr",
        "<= 0.5x",
    );
    row(
        "stripped server binary (ours without TLS)",
        o[9],
        t[9],
        "kB",
        "<= 750 kB",
    );
    eprintln!("callgrind profiles kept in {}", dir.display());
}
