//! The interop harness: runs an interop client against an interop server
//! (`--test_case=all`) and requires every case of
//! `/work/shared/spec/grpc/interop-test-descriptions.md` that the peers
//! implement to pass. Each test is one client -> server pair over one kind of
//! transport security, and prints a table `client -> server [security]: case
//! PASS/FAIL` (shown with `--nocapture`, and always when it fails).
//!
//! The peers are the grpcio (Python) and grpc-js (Node) ones under
//! `interop/`, and grpclite's `examples/interop_server.rs`; running the
//! foreign peers against each other shows they are faithful to the
//! descriptions before they judge grpclite. Server features no client case
//! reaches (HalfDuplexCall, `interval_us`, health, ...) are checked by
//! [`rust_server_features_beyond_the_client_cases`].
//!
//! Needs `.peers/venv` (grpcio) and `interop/node/node_modules` (grpc-js),
//! both made by `.ci/setup-peers`, plus `node` and `openssl`; without them
//! the tests fail.
//!
//! # Adding grpclite's own interop client
//!
//! Once `examples/interop_client.rs` exists (same flags and output as the
//! peers in `interop/`), add one line per pair at the bottom of this file,
//! for example:
//!
//! ```text
//! pair!(rust_to_python_plaintext, Rust, Python, Plaintext);
//! pair!(rust_to_rust_tls, Rust, Rust, Tls);
//! ```
//!
//! The harness runs `cargo build --examples` once before the first Rust
//! peer starts (quick when `cargo test` has built them already) and runs the
//! binaries from `target/debug/examples/`. What it passes them, always in
//! the `--flag=value` form:
//!
//! - server: `--port=N`, and for TLS `--use_tls=true --tls_cert_file=F
//!   --tls_key_file=F`, plus `--tls_client_ca_file=F` for mutual TLS. It is
//!   ready once 127.0.0.1:N accepts connections (no output is required).
//! - client: `--server_host=127.0.0.1 --server_port=N --test_case=all`, and
//!   for TLS `--use_tls=true --ca_file=F --server_host_override=foo.test.google.fr`,
//!   plus `--tls_client_cert_file=F --tls_client_key_file=F` for mutual TLS.
//!   It prints `PASS <case>` / `FAIL <case>: <reason>` lines for every case
//!   in [`CASES`] and exits 0 only if all passed.
//!
//! The certificates come from `interop/certs.sh`: PEM, ECDSA P-256 keys in
//! PKCS#8 (`BEGIN PRIVATE KEY`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The cases every client runs with `--test_case=all`, in its order.
const CASES: [&str; 14] = [
    "empty_unary",
    "large_unary",
    "client_streaming",
    "server_streaming",
    "ping_pong",
    "empty_stream",
    "cancel_after_begin",
    "cancel_after_first_response",
    "timeout_on_sleeping_server",
    "custom_metadata",
    "status_code_and_message",
    "special_status_message",
    "unimplemented_method",
    "unimplemented_service",
];

/// The name the test server certificate is issued for, which clients claim
/// to connect to (`--server_host_override`), as in the standard interop.
const SERVER_HOST_OVERRIDE: &str = "foo.test.google.fr";

/// How long a server may take to accept connections after it starts.
const SERVER_START_LIMIT: Duration = Duration::from_secs(20);

/// How long a client may take for all cases; every case's calls carry a
/// 10-second deadline of their own.
const CLIENT_RUN_LIMIT: Duration = Duration::from_secs(60);

/// An implementation of the interop client and server.
#[derive(Clone, Copy, Debug)]
enum Peer {
    /// `interop/python/`, on grpcio (the C core).
    Python,
    /// `interop/node/`, on grpc-js.
    Node,
    /// grpclite's own, `examples/interop_{client,server}.rs`.
    Rust,
}

/// The transport security of one run.
#[derive(Clone, Copy, Debug)]
enum Security {
    Plaintext,
    /// TLS with a server certificate from the test CA.
    Tls,
    /// TLS where the server also requires a client certificate from the CA.
    MutualTls,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::Python => "python",
            Peer::Node => "node",
            Peer::Rust => "rust",
        }
    }

    /// The command that runs this peer's `interop_server` or
    /// `interop_client`, before any flags.
    fn command(self, program: &str) -> Command {
        match self {
            Peer::Python => {
                let mut command = Command::new(python());
                command.arg(repo().join("interop/python").join(format!("{program}.py")));
                command
            }
            Peer::Node => {
                let mut command = Command::new(node());
                command.arg(repo().join("interop/node").join(format!("{program}.js")));
                command
            }
            Peer::Rust => Command::new(example(program)),
        }
    }
}

impl Security {
    fn name(self) -> &'static str {
        match self {
            Security::Plaintext => "plaintext",
            Security::Tls => "tls",
            Security::MutualTls => "mtls",
        }
    }

    fn server_flags(self) -> Vec<String> {
        let file = |name: &str| certs().join(name).display().to_string();
        let mut flags = Vec::new();
        if !matches!(self, Security::Plaintext) {
            flags.push("--use_tls=true".to_string());
            flags.push(format!("--tls_cert_file={}", file("server.pem")));
            flags.push(format!("--tls_key_file={}", file("server.key")));
        }
        if matches!(self, Security::MutualTls) {
            flags.push(format!("--tls_client_ca_file={}", file("ca.pem")));
        }
        flags
    }

    fn client_flags(self) -> Vec<String> {
        let file = |name: &str| certs().join(name).display().to_string();
        let mut flags = Vec::new();
        if !matches!(self, Security::Plaintext) {
            flags.push("--use_tls=true".to_string());
            flags.push(format!("--ca_file={}", file("ca.pem")));
            flags.push(format!("--server_host_override={SERVER_HOST_OVERRIDE}"));
        }
        if matches!(self, Security::MutualTls) {
            flags.push(format!("--tls_client_cert_file={}", file("client.pem")));
            flags.push(format!("--tls_client_key_file={}", file("client.key")));
        }
        flags
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    let path = repo().join(".peers/venv/bin/python3");
    assert!(
        path.exists(),
        "peer missing: {} not found; run .ci/setup-peers (or link .peers to an installed peers folder)",
        path.display()
    );
    path
}

fn node() -> &'static str {
    let modules = repo().join("interop/node/node_modules/@grpc/grpc-js");
    assert!(
        modules.exists(),
        "peer missing: {} not found; run .ci/setup-peers (it runs npm ci in interop/node)",
        modules.display()
    );
    "node"
}

/// The path of a cargo example, built (or brought up to date) once per test
/// run so a stale binary never stands in for the current code.
fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "--examples", "--manifest-path"]);
        build.arg(repo().join("Cargo.toml"));
        // Not the variables cargo sets for this test (CARGO_PKG_NAME,
        // CARGO_MANIFEST_DIR, ...): ring's build script reruns when they
        // change, so inherited they would rebuild the TLS stack on every
        // run, and again on the next plain `cargo` command.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_MANIFEST_")
                || matches!(
                    name.as_ref(),
                    "CARGO_CRATE_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                        | "CARGO_TARGET_TMPDIR"
                        | "CARGO_RUSTC_CURRENT_DIR"
                )
            {
                build.env_remove(name.as_ref());
            }
        }
        // Build into the same profile directory as this test binary.
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build --examples");
        assert!(status.success(), "cargo build --examples failed");
    });
    // This binary is target/<profile>/deps/interop_peers-<hash>; `cargo
    // build` puts examples in target/<profile>/examples.
    let exe = std::env::current_exe().expect("the path of the test binary");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lies in target/<profile>/deps")
        .join("examples")
        .join(name);
    assert!(path.exists(), "example {} was not built", path.display());
    path
}

/// The test certificates, made once per test run by `interop/certs.sh`.
fn certs() -> &'static Path {
    static CERTS: OnceLock<PathBuf> = OnceLock::new();
    CERTS.get_or_init(|| {
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        remove_old_certs(&tmp);
        let dir = tmp.join(format!("interop-certs-{}", std::process::id()));
        let output = Command::new("bash")
            .arg(repo().join("interop/certs.sh"))
            .arg(&dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run interop/certs.sh: {e}"));
        assert!(
            output.status.success(),
            "interop/certs.sh failed (is openssl installed? see .ci/setup-peers): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        dir
    })
}

/// Removes the certificates of earlier runs (over an hour old, so a run
/// still going in parallel keeps its own).
fn remove_old_certs(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        if old
            && entry
                .file_name()
                .to_string_lossy()
                .starts_with("interop-certs-")
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A running server, killed when dropped; its output is kept for reports.
struct Server {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }
}

/// Collects a child's stream into `sink` on a thread of its own, so the child
/// never blocks on a full pipe.
fn collect(stream: impl Read + Send + 'static, sink: Arc<Mutex<String>>) -> JoinHandle<()> {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Ok(mut sink) = sink.lock() {
                sink.push_str(&line);
                sink.push('\n');
            }
        }
    })
}

/// A port that was free a moment ago (the server binds it next).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// Starts `peer`'s server and waits until it accepts connections.
fn start_server(peer: Peer, security: Security) -> (Server, u16) {
    let port = free_port();
    let mut command = peer.command("interop_server");
    command
        .arg(format!("--port={port}"))
        .args(security.server_flags())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot start the {} server ({command:?}): {e}; run .ci/setup-peers",
            peer.name()
        )
    });
    let output = Arc::new(Mutex::new(String::new()));
    if let Some(stdout) = child.stdout.take() {
        collect(stdout, Arc::clone(&output));
    }
    if let Some(stderr) = child.stderr.take() {
        collect(stderr, Arc::clone(&output));
    }
    let server = Server { child, output };
    wait_until_listening(server, peer, port)
}

fn wait_until_listening(mut server: Server, peer: Peer, port: u16) -> (Server, u16) {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let start = Instant::now();
    loop {
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return (server, port);
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!(
                "the {} server exited ({status}) before listening on {port}:\n{}",
                peer.name(),
                server.output()
            );
        }
        if start.elapsed() > SERVER_START_LIMIT {
            panic!(
                "the {} server did not listen on {port} within {SERVER_START_LIMIT:?}:\n{}",
                peer.name(),
                server.output()
            );
        }
        thread::sleep(Duration::from_millis(25));
    }
}

/// What one client run reported.
struct ClientRun {
    success: bool,
    /// Case name -> None for PASS, Some(reason) for FAIL.
    results: BTreeMap<String, Option<String>>,
    stdout: String,
    stderr: String,
}

/// Runs `peer`'s client with every case against the server on `port`.
fn run_client(peer: Peer, security: Security, port: u16) -> ClientRun {
    let mut command = peer.command("interop_client");
    command
        .arg("--server_host=127.0.0.1")
        .arg(format!("--server_port={port}"))
        .arg("--test_case=all")
        .args(security.client_flags())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot start the {} client ({command:?}): {e}; run .ci/setup-peers",
            peer.name()
        )
    });
    let stdout = Arc::new(Mutex::new(String::new()));
    let stderr = Arc::new(Mutex::new(String::new()));
    let collectors = [
        child
            .stdout
            .take()
            .map(|out| collect(out, Arc::clone(&stdout))),
        child
            .stderr
            .take()
            .map(|err| collect(err, Arc::clone(&stderr))),
    ];
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the client") {
            break Some(status);
        }
        if start.elapsed() > CLIENT_RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    // The collectors finish once the client's pipes close (it has exited).
    for collector in collectors.into_iter().flatten() {
        let _ = collector.join();
    }
    let stdout = stdout.lock().map(|s| s.clone()).unwrap_or_default();
    let stderr = stderr.lock().map(|s| s.clone()).unwrap_or_default();
    ClientRun {
        success: status.is_some_and(|s| s.success()),
        results: parse_results(&stdout),
        stdout,
        stderr: match status {
            Some(_) => stderr,
            None => format!("{stderr}(killed after {CLIENT_RUN_LIMIT:?})\n"),
        },
    }
}

/// Reads the client's `PASS <case>` / `FAIL <case>: <reason>` lines.
fn parse_results(stdout: &str) -> BTreeMap<String, Option<String>> {
    let mut results = BTreeMap::new();
    for line in stdout.lines() {
        if let Some(case) = line.strip_prefix("PASS ") {
            results.insert(case.trim().to_string(), None);
        } else if let Some(rest) = line.strip_prefix("FAIL ") {
            let (case, reason) = rest.split_once(": ").unwrap_or((rest, "(no reason given)"));
            results.insert(case.trim().to_string(), Some(reason.to_string()));
        }
    }
    results
}

/// Runs `client` against `server` over `security`, prints the per-case
/// table and fails unless every case passed.
fn run_pair(client: Peer, server: Peer, security: Security) {
    let (server_process, port) = start_server(server, security);
    let run = run_client(client, security, port);
    let pair = format!(
        "{} -> {} [{}]",
        client.name(),
        server.name(),
        security.name()
    );
    let mut failures = Vec::new();
    for case in CASES {
        let verdict = match run.results.get(case) {
            Some(None) => "PASS".to_string(),
            Some(Some(reason)) => format!("FAIL ({reason})"),
            None => "FAIL (not reported)".to_string(),
        };
        println!("{pair}: {case} {verdict}");
        if verdict != "PASS" {
            failures.push(case);
        }
    }
    let unknown: Vec<&String> = run
        .results
        .keys()
        .filter(|case| !CASES.contains(&case.as_str()))
        .collect();
    assert!(
        failures.is_empty() && unknown.is_empty() && run.success,
        "{pair}: failed cases {failures:?}, unexpected cases {unknown:?}, client exit ok: {}\n\
         --- client stdout ---\n{}--- client stderr ---\n{}--- server output ---\n{}",
        run.success,
        run.stdout,
        run.stderr,
        server_process.output()
    );
}

#[test]
fn results_parse_pass_and_fail_lines() {
    let results =
        parse_results("READY\nPASS empty_unary\nFAIL ping_pong: 3 responses: want 4\nFAIL odd\n");
    let expected: BTreeMap<String, Option<String>> = [
        ("empty_unary".to_string(), None),
        (
            "ping_pong".to_string(),
            Some("3 responses: want 4".to_string()),
        ),
        ("odd".to_string(), Some("(no reason given)".to_string())),
    ]
    .into_iter()
    .collect();
    assert_eq!(results, expected);
}

/// One test per client -> server pair and security.
macro_rules! pair {
    ($test:ident, $client:ident, $server:ident, $security:ident) => {
        #[test]
        fn $test() {
            run_pair(Peer::$client, Peer::$server, Security::$security);
        }
    };
}

pair!(python_to_python_plaintext, Python, Python, Plaintext);
pair!(python_to_python_tls, Python, Python, Tls);
pair!(node_to_node_plaintext, Node, Node, Plaintext);
pair!(node_to_node_tls, Node, Node, Tls);
pair!(python_to_node_plaintext, Python, Node, Plaintext);
pair!(python_to_node_tls, Python, Node, Tls);
pair!(node_to_python_plaintext, Node, Python, Plaintext);
pair!(node_to_python_tls, Node, Python, Tls);
pair!(node_to_python_mtls, Node, Python, MutualTls);
pair!(python_to_node_mtls, Python, Node, MutualTls);
pair!(python_to_rust_plaintext, Python, Rust, Plaintext);
pair!(python_to_rust_tls, Python, Rust, Tls);
pair!(node_to_rust_plaintext, Node, Rust, Plaintext);
pair!(node_to_rust_tls, Node, Rust, Tls);
pair!(python_to_rust_mtls, Python, Rust, MutualTls);

/// The server features the interop clients' cases do not reach, checked
/// with grpcio against the Rust server; each check prints `PASS <name>` and
/// the script stops at the first failure.
const RUST_SERVER_FEATURES: &str = r#"
import queue, sys, threading, time
import grpc
sys.path.insert(0, sys.argv[2])
import testing_protos
empty_pb2, messages_pb2, test_pb2, test_pb2_grpc = testing_protos.load()
M = messages_pb2
channel = grpc.insecure_channel("127.0.0.1:" + sys.argv[1])
stub = test_pb2_grpc.TestServiceStub(channel)

def params(*sizes, interval_us=0):
    return [M.ResponseParameters(size=s, interval_us=interval_us) for s in sizes]

def code_of(call):
    try:
        call()
    except grpc.RpcError as e:
        return e.code(), e.details()
    return grpc.StatusCode.OK, ""

# HalfDuplexCall: nothing comes back before the client half-closes.
release = threading.Event()
def requests():
    yield M.StreamingOutputCallRequest(response_parameters=params(1, 2))
    release.wait(5)
    yield M.StreamingOutputCallRequest(response_parameters=params(3))
got = queue.Queue()
call = stub.HalfDuplexCall(requests(), timeout=10)
threading.Thread(target=lambda: [got.put(len(r.payload.body)) for r in call], daemon=True).start()
time.sleep(0.3)
assert got.empty(), "HalfDuplexCall answered before the half-close"
release.set()
sizes = [got.get(timeout=5) for _ in range(3)]
assert sizes == [1, 2, 3], sizes
print("PASS half_duplex_after_half_close")

# interval_us: a sleep before each response, accumulating.
start = time.monotonic()
sizes = [len(r.payload.body) for r in stub.StreamingOutputCall(
    M.StreamingOutputCallRequest(response_parameters=params(4, 5, interval_us=150000)), timeout=10)]
elapsed = time.monotonic() - start
assert sizes == [4, 5] and elapsed >= 0.3, (sizes, elapsed)
print("PASS interval_us")

# Echo Status on the second request of a FullDuplexCall, after one answer.
def duplex():
    yield M.StreamingOutputCallRequest(response_parameters=params(7))
    yield M.StreamingOutputCallRequest(response_status=M.EchoStatus(code=9, message="nine"))
answers = []
code = code_of(lambda: [answers.append(len(r.payload.body)) for r in stub.FullDuplexCall(duplex(), timeout=10)])
assert answers == [7] and code == (grpc.StatusCode.FAILED_PRECONDITION, "nine"), (answers, code)
print("PASS full_duplex_echo_status")

# Echo Metadata on a streaming call.
call = stub.StreamingOutputCall(M.StreamingOutputCallRequest(response_parameters=params(1)),
    metadata=[("x-grpc-test-echo-initial", "hi"), ("x-grpc-test-echo-trailing-bin", b"\x00\xff")], timeout=10)
assert [len(r.payload.body) for r in call] == [1]
assert ("x-grpc-test-echo-initial", "hi") in call.initial_metadata(), call.initial_metadata()
assert ("x-grpc-test-echo-trailing-bin", b"\x00\xff") in call.trailing_metadata(), call.trailing_metadata()
print("PASS streaming_echo_metadata")

# UnaryCall refusals: an unknown payload type, a compressed request expected.
code = code_of(lambda: stub.UnaryCall(M.SimpleRequest(response_type=5, response_size=1), timeout=10))
assert code[0] == grpc.StatusCode.INVALID_ARGUMENT, code
code = code_of(lambda: stub.UnaryCall(M.SimpleRequest(expect_compressed=M.BoolValue(value=True)), timeout=10))
assert code[0] == grpc.StatusCode.INVALID_ARGUMENT, code
print("PASS unary_refusals")

# CacheableUnaryCall: a different payload each time, cacheable for 60 s.
a, call = stub.CacheableUnaryCall.with_call(M.SimpleRequest(), timeout=10)
b = stub.CacheableUnaryCall(M.SimpleRequest(), timeout=10)
a, b = a.payload.body, b.payload.body
assert a != b and a.isdigit(), (a, b)
assert ("cache-control", "max-age=60") in call.initial_metadata(), call.initial_metadata()
print("PASS cacheable_unary")

# Health: the server as a whole is SERVING (08 01); an unknown service is NOT_FOUND.
check = channel.unary_unary("/grpc.health.v1.Health/Check")
assert check(b"", timeout=10) == b"\x08\x01"
code = code_of(lambda: check(b"\x0a\x04nope", timeout=10))
assert code[0] == grpc.StatusCode.NOT_FOUND, code
print("PASS health_check")

# The UnimplementedService is not served.
code = code_of(lambda: channel.unary_unary("/grpc.testing.UnimplementedService/UnimplementedCall")(b"", timeout=10))
assert code[0] == grpc.StatusCode.UNIMPLEMENTED, code
print("PASS unimplemented_service")
"#;

#[test]
fn rust_server_features_beyond_the_client_cases() {
    let (server, port) = start_server(Peer::Rust, Security::Plaintext);
    let output = Command::new(python())
        .arg("-c")
        .arg(RUST_SERVER_FEATURES)
        .arg(port.to_string())
        .arg(repo().join("interop/python"))
        .output()
        .expect("run the grpcio feature checks");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let passed: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("PASS "))
        .collect();
    assert!(
        output.status.success(),
        "passed {passed:?}, then:\n{}\n--- server output ---\n{}",
        String::from_utf8_lossy(&output.stderr),
        server.output()
    );
    assert_eq!(
        passed,
        [
            "half_duplex_after_half_close",
            "interval_us",
            "full_duplex_echo_status",
            "streaming_echo_metadata",
            "unary_refusals",
            "cacheable_unary",
            "health_check",
            "unimplemented_service",
        ]
    );
}

// grpclite's interop client (examples/interop_client.rs) against the peers.
pair!(rust_to_python_plaintext, Rust, Python, Plaintext);
pair!(rust_to_python_tls, Rust, Python, Tls);
pair!(rust_to_python_mtls, Rust, Python, MutualTls);
pair!(rust_to_node_plaintext, Rust, Node, Plaintext);
pair!(rust_to_node_tls, Rust, Node, Tls);
pair!(rust_to_rust_plaintext, Rust, Rust, Plaintext);
pair!(rust_to_rust_tls, Rust, Rust, Tls);
