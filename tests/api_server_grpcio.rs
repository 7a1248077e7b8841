//! Interop: a grpcio (C core) Python client calls our server running the
//! `echo_server` example's router: unary, server streaming, bidi,
//! metadata, deadline, cancellation, UNIMPLEMENTED, health, and a slow
//! handler next to a fast call.
//!
//! Needs the peers venv at `$CARGO_MANIFEST_DIR/.peers` (`.ci/setup-peers`,
//! or a symlink to an installed one); without it the tests fail.

#[allow(dead_code)]
#[path = "../examples/echo_server.rs"]
mod echo_server;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use grpclite::api::{
    HealthReporter, Requests, Router, Server, ServerConfig, ServerHandle, ServingStatus,
};
use grpclite::grpc::{Code, Status};

/// The client side of every scenario; prints one line per result.
const CLIENT: &str = r#"
import sys
import threading
import time

import grpc

port, scenario = sys.argv[1], sys.argv[2]
if scenario == "tls":
    with open(sys.argv[3], "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
    channel = grpc.secure_channel("localhost:%s" % port, credentials)
else:
    channel = grpc.insecure_channel("127.0.0.1:%s" % port)
grpc.channel_ready_future(channel).result(timeout=10)


def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def payload(data):
    return b"\x0a" + varint(len(data)) + data if data else b""


def method(name, kind="unary_unary"):
    return getattr(channel, kind)(name, request_serializer=None, response_deserializer=None)


unary = method("/bench.Echo/Unary")


def md(pairs):
    return ",".join("%s=%s" % (k, v.hex() if isinstance(v, bytes) else v) for k, v in pairs if k.startswith("x-"))


if scenario == "unary":
    print("unary", unary(payload(b"hello"), timeout=10).hex())
elif scenario == "metadata":
    response, call = unary.with_call(
        payload(b"m"), metadata=(("x-echo-a", "one"), ("x-echo-b-bin", b"\x00\x01"), ("x-other", "no")), timeout=10
    )
    print("initial", md(call.initial_metadata()))
    print("trailing", md(call.trailing_metadata()))
elif scenario == "server_stream":
    # StreamRequest { count = 3, size = 4 }
    responses = method("/bench.Echo/ServerStream", "unary_stream")(b"\x08\x03\x10\x04", timeout=10)
    print("stream", ",".join(r.hex() for r in responses))
elif scenario == "server_stream_large":
    # count = 40, size = 100000: 4 MB through flow control
    responses = method("/bench.Echo/ServerStream", "unary_stream")(b"\x08\x28\x10\xa0\x8d\x06", timeout=30)
    sizes = [len(r) for r in responses]
    print("large", len(sizes), sum(sizes))
elif scenario == "bidi":
    responses = method("/bench.Echo/Bidi", "stream_stream")(iter([payload(b"a"), payload(b"bb"), payload(b"ccc")]), timeout=10)
    print("bidi", ",".join(r.hex() for r in responses))
elif scenario == "bidi_large":
    chunk = payload(b"z" * 300000)
    responses = method("/bench.Echo/Bidi", "stream_stream")(iter([chunk] * 20), timeout=30)
    print("bidi_large", sum(1 for r in responses if r == chunk))
elif scenario == "deadline":
    start = time.time()
    try:
        unary(payload(b"x"), timeout=0.3, metadata=(("x-delay-ms", "3000"),))
        print("deadline no error")
    except grpc.RpcError as e:
        print("deadline", e.code().name, "fast" if time.time() - start < 2 else "slow")
elif scenario == "cancel":
    future = method("/test.Probe/Wait").future(b"", timeout=10)
    time.sleep(0.5)
    future.cancel()
    print("cancelled", future.cancelled())
    print("after", unary(payload(b"ok"), timeout=10).hex())
elif scenario == "unimplemented":
    for name in ("/bench.Echo/Nope", "/no.Such/Service"):
        try:
            method(name)(b"", timeout=10)
            print("no error")
        except grpc.RpcError as e:
            print("unimplemented", e.code().name)

    def silent():
        time.sleep(3)
        yield b""

    start = time.time()
    try:
        for _ in method("/no.Such/Stream", "stream_stream")(silent(), timeout=10):
            pass
        print("no error")
    except grpc.RpcError as e:
        print("unimplemented", e.code().name, "at once" if time.time() - start < 2 else "late")
elif scenario == "health":
    check = method("/grpc.health.v1.Health/Check")
    print("check", check(b"", timeout=10).hex())
    try:
        check(payload(b"nope"), timeout=10)
    except grpc.RpcError as e:
        print("unknown", e.code().name)
elif scenario == "slow_and_fast":
    slow = unary.future(payload(b"slow"), timeout=10, metadata=(("x-delay-ms", "2000"),))
    time.sleep(0.2)
    start = time.time()
    fast = unary(payload(b"fast"), timeout=10)
    elapsed = time.time() - start
    print("fast", fast.hex(), "quick" if elapsed < 1.0 else "stalled %.2f" % elapsed)
    print("slow", slow.result().hex(), "done" if slow.done() else "")
elif scenario == "drain":
    response = method("/test.Probe/Slow")(payload(b"drain"), timeout=10)
    print("drained", response.hex())
elif scenario == "saturated":
    slow = method("/test.Probe/Slow").future(payload(b"slow"), timeout=10)
    time.sleep(0.3)
    try:
        unary(payload(b"x"), timeout=10)
        print("no error")
    except grpc.RpcError as e:
        print("busy", e.code().name)
    print("slow", slow.result().hex())
elif scenario == "watch":
    responses = method("/grpc.health.v1.Health/Watch", "unary_stream")(payload(b"svc"), timeout=10)
    for _ in range(3):
        print("watch", next(responses).hex())
        sys.stdout.flush()
    responses.cancel()
elif scenario == "panic":
    for name in ("/test.Probe/Panic", "/test.Probe/PanicInline"):
        try:
            method(name)(b"", timeout=10)
            print("no error")
        except grpc.RpcError as e:
            print("panic", e.code().name, e.details())
    print("after", unary(payload(b"ok"), timeout=10).hex())
elif scenario == "slow_reader":
    start = time.time()
    pulled = []

    def requests():
        for i in range(60):
            pulled.append(time.time() - start)
            yield payload(b"r" * 100000)

    response = method("/test.Probe/SlowReader", "stream_unary")(requests(), timeout=20)
    early = sum(1 for t in pulled if t < 0.8)
    print("read", response.hex(), "early", early, file=sys.stderr)
    print("read", response.hex(), "bounded" if early < 30 else "unbounded %d" % early)
elif scenario == "slow_client":
    responses = method("/test.Probe/FastWriter", "unary_stream")(b"", timeout=20)
    time.sleep(1.0)
    print("received", sum(1 for r in responses))
elif scenario == "tls":
    print("tls", unary(payload(b"secret"), timeout=10).hex())
elif scenario == "fallback":
    bidi = method("/any.Service/AnyMethod", "stream_stream")
    print("fallback", ",".join(r.hex() for r in bidi(iter([b"\x01\x02", b"", b"\xff"]), timeout=10)))
elif scenario == "too_large":
    try:
        unary(payload(b"a" * 5000000), timeout=10)
        print("no error")
    except grpc.RpcError as e:
        print("too_large", e.code().name)
    print("after", unary(payload(b"ok"), timeout=10).hex())
elif scenario == "watch_many":
    watch = method("/grpc.health.v1.Health/Watch", "unary_stream")
    watches = [watch(b"", timeout=10) for _ in range(3)]
    print("watching", ",".join(next(w).hex() for w in watches))
    print("unary", unary(payload(b"w"), timeout=5).hex())
    for w in watches:
        w.cancel()
elif scenario == "interceptor":
    try:
        unary(payload(b"x"), timeout=10, metadata=(("x-deny", "yes"),))
    except grpc.RpcError as e:
        print("denied", e.code().name, e.details())
sys.stdout.flush()
"#;

fn python() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".peers/venv/bin/python3");
    assert!(
        path.exists(),
        "the peers venv is missing: {} (run .ci/setup-peers or link .peers)",
        path.display()
    );
    path
}

/// The echo router, plus probe methods (`Wait` waits until its call is
/// cancelled and reports what it saw; `Slow` reports that it started, then
/// answers its request after a second), and an interceptor refusing
/// `x-deny` calls.
fn server(probe: mpsc::Sender<Status>, config: ServerConfig) -> ServerHandle {
    let cancelled = Arc::new(Mutex::new(probe));
    let started = cancelled.clone();
    let writer = cancelled.clone();
    let mut router = echo_server::router();
    let mut probe = Router::new();
    probe
        .unary(
            "/test.Probe/Wait",
            move |ctx, _: echo_server::Payload| -> Result<echo_server::Payload, Status> {
                let start = Instant::now();
                while !ctx.is_cancelled() && start.elapsed() < Duration::from_secs(8) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                let seen = if ctx.is_cancelled() {
                    Status::cancelled("seen")
                } else {
                    Status::ok()
                };
                let _ = cancelled.lock().unwrap().send(seen);
                Err(Status::cancelled("gone"))
            },
        )
        .unary(
            "/test.Probe/Slow",
            move |_, request: echo_server::Payload| -> Result<echo_server::Payload, Status> {
                let _ = started.lock().unwrap().send(Status::ok());
                std::thread::sleep(Duration::from_secs(1));
                Ok(request)
            },
        )
        .unary(
            "/test.Probe/Panic",
            |_, _: echo_server::Payload| -> Result<echo_server::Payload, Status> {
                panic!("a handler bug")
            },
        )
        .unary_inline(
            "/test.Probe/PanicInline",
            |_, _: echo_server::Payload| -> Result<echo_server::Payload, Status> {
                panic!("an inline handler bug")
            },
        )
        .client_streaming(
            "/test.Probe/SlowReader",
            |_, requests: &mut Requests<echo_server::Payload>| {
                // Reads nothing for a second: the client must be held back.
                std::thread::sleep(Duration::from_secs(1));
                let mut count = 0u64;
                while let Some(request) = requests.recv() {
                    request?;
                    count += 1;
                }
                Ok(echo_server::StreamRequest { count, size: 0 })
            },
        )
        .server_streaming(
            "/test.Probe/FastWriter",
            move |_, _: echo_server::Payload, responses| {
                let response = echo_server::Payload {
                    payload: vec![b'w'; 100_000],
                };
                let start = Instant::now();
                let mut early = 0;
                for _ in 0..400 {
                    responses.send(&response)?;
                    if start.elapsed() < Duration::from_millis(800) {
                        early += 1;
                    }
                }
                let _ = writer
                    .lock()
                    .unwrap()
                    .send(Status::new(Code::Ok, format!("{early}")));
                Ok(())
            },
        )
        .intercept(|head| match head.metadata.get_str("x-deny") {
            Some(_) => Err(Status::new(Code::PermissionDenied, "denied by interceptor")),
            None => Ok(()),
        });
    router.merge(probe);
    Server::with_config(router, config)
        .unwrap()
        .spawn(SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap()
}

fn client(port: u16, scenario: &str) -> Child {
    client_with(port, scenario, &[])
}

fn client_with(port: u16, scenario: &str, extra: &[&str]) -> Child {
    Command::new(python())
        .args(["-c", CLIENT, &port.to_string(), scenario])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the grpcio client")
}

fn output(child: Child) -> String {
    let output = child.wait_with_output().expect("the grpcio client ran");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "client failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn run_with(scenario: &str, config: ServerConfig) -> (String, mpsc::Receiver<Status>) {
    let (tx, rx) = mpsc::channel();
    let server = server(tx, config);
    let stdout = output(client(server.local_addr().port(), scenario));
    server.shutdown(Duration::from_secs(2)).unwrap();
    (stdout, rx)
}

fn run(scenario: &str) -> (String, mpsc::Receiver<Status>) {
    run_with(scenario, ServerConfig::default())
}

#[allow(dead_code)]
#[path = "net_support/pki.rs"]
mod pki;

#[test]
#[cfg(feature = "tls")]
fn unary_over_tls() {
    let pki = pki::pki();
    let tls = grpclite::net::tls::ServerTls::from_pem_files(
        pki.path("server.pem"),
        pki.path("server.key"),
        Default::default(),
    )
    .unwrap();
    let server = Server::new(echo_server::router())
        .unwrap()
        .tls(tls)
        .spawn(SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap();
    let ca = pki.path("ca.pem").display().to_string();
    let child = client_with(server.local_addr().port(), "tls", &[&ca]);
    assert_eq!(output(child), "tls 0a06736563726574\n");
    server.shutdown(Duration::from_secs(2)).unwrap();
}

#[test]
fn the_fallback_takes_any_method_as_raw_bytes() {
    let mut router = Router::new();
    router.fallback(|ctx, requests, responses| {
        assert_eq!(ctx.path(), "/any.Service/AnyMethod");
        while let Some(message) = requests.recv() {
            let mut reversed = message?.to_vec();
            reversed.reverse();
            responses.send(reversed.into())?;
        }
        Ok(())
    });
    let server = Server::new(router)
        .unwrap()
        .spawn(SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap();
    let child = client(server.local_addr().port(), "fallback");
    assert_eq!(output(child), "fallback 0201,,ff\n");
    server.shutdown(Duration::from_secs(2)).unwrap();
}

#[test]
fn unary_echoes_the_payload() {
    let (out, _) = run("unary");
    assert_eq!(out, "unary 0a0568656c6c6f\n");
}

#[test]
fn metadata_comes_back_in_headers_and_trailers() {
    let (out, _) = run("metadata");
    assert_eq!(
        out,
        "initial x-echo-a=one,x-echo-b-bin=0001\ntrailing x-echo-a=one,x-echo-b-bin=0001\n"
    );
}

#[test]
fn server_streaming_sends_count_responses() {
    let (out, _) = run("server_stream");
    assert_eq!(out, "stream 0a0478787878,0a0478787878,0a0478787878\n");
}

#[test]
fn server_streaming_is_flow_controlled() {
    let (out, _) = run("server_stream_large");
    // Each response is 100000 bytes of payload plus a 4-byte field header.
    assert_eq!(out, format!("large 40 {}\n", 40 * 100_004));
}

#[test]
fn bidi_echoes_each_message() {
    let (out, _) = run("bidi");
    assert_eq!(out, "bidi 0a0161,0a026262,0a03636363\n");
}

#[test]
fn bidi_large_messages_pass_both_windows() {
    let (out, _) = run("bidi_large");
    assert_eq!(out, "bidi_large 20\n");
}

#[test]
fn deadline_ends_a_slow_call() {
    let (out, _) = run("deadline");
    assert_eq!(out, "deadline DEADLINE_EXCEEDED fast\n");
}

#[test]
fn client_cancel_reaches_the_handler() {
    let (out, seen) = run("cancel");
    assert_eq!(out, "cancelled True\nafter 0a026f6b\n");
    let status = seen.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(status.code, Code::Cancelled);
}

#[test]
fn unknown_methods_are_unimplemented() {
    let (out, _) = run("unimplemented");
    assert_eq!(
        out,
        "unimplemented UNIMPLEMENTED\nunimplemented UNIMPLEMENTED\nunimplemented UNIMPLEMENTED at once\n"
    );
}

#[test]
fn health_check() {
    let (out, _) = run("health");
    assert_eq!(out, "check 0801\nunknown NOT_FOUND\n");
}

#[test]
fn a_slow_handler_does_not_stall_a_fast_call() {
    let (out, _) = run("slow_and_fast");
    assert_eq!(out, "fast 0a0466617374 quick\nslow 0a04736c6f77 done\n");
}

#[test]
fn an_interceptor_refuses_with_its_status() {
    let (out, _) = run("interceptor");
    assert_eq!(out, "denied PERMISSION_DENIED denied by interceptor\n");
}

#[test]
fn shutdown_lets_calls_in_progress_finish() {
    let (tx, started) = mpsc::channel();
    let server = server(tx, ServerConfig::default());
    let child = client(server.local_addr().port(), "drain");
    started
        .recv_timeout(Duration::from_secs(10))
        .expect("the slow handler started");
    let begun = Instant::now();
    server.shutdown(Duration::from_secs(10)).unwrap();
    // The loop ended once the call had drained, well before the grace.
    assert!(
        begun.elapsed() < Duration::from_secs(5),
        "{:?}",
        begun.elapsed()
    );
    assert_eq!(output(child), "drained 0a05647261696e\n");
}

#[test]
fn a_full_pool_answers_resource_exhausted() {
    let config = ServerConfig {
        workers: 1,
        handler_queue: 0,
        ..ServerConfig::default()
    };
    let (out, _) = run_with("saturated", config);
    assert_eq!(out, "busy RESOURCE_EXHAUSTED\nslow 0a04736c6f77\n");
}

#[test]
fn health_watch_streams_status_changes() {
    let reporter = HealthReporter::new();
    let mut router = Router::new();
    router.merge(reporter.router());
    let server = Server::new(router)
        .unwrap()
        .spawn(SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap();
    let mut child = client(server.local_addr().port(), "watch");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || lines.next().expect("a watch line").expect("readable");
    // health-checking.md: an unknown service is SERVICE_UNKNOWN (3) to Watch.
    assert_eq!(next(), "watch 0803");
    reporter.set_status("svc", ServingStatus::Serving);
    assert_eq!(next(), "watch 0801");
    reporter.set_status("svc", ServingStatus::NotServing);
    assert_eq!(next(), "watch 0802");
    assert!(child.wait().unwrap().success());
    server.shutdown(Duration::from_secs(2)).unwrap();
}

#[test]
fn a_panicking_handler_fails_its_call_only() {
    let (out, _) = run("panic");
    assert_eq!(
        out,
        "panic INTERNAL the handler panicked\npanic INTERNAL the handler panicked\nafter 0a026f6b\n"
    );
}

#[test]
fn an_unread_request_stream_holds_the_client_back() {
    let (out, _) = run("slow_reader");
    // StreamRequest { count = 60 }; fewer than 30 of the 60 messages of
    // 100 kB left the client while the handler read nothing.
    assert_eq!(out, "read 083c bounded\n");
}

#[test]
fn a_client_not_reading_blocks_the_sending_handler() {
    let (out, probe) = run("slow_client");
    assert_eq!(out, "received 400\n");
    let early: u32 = probe.recv().unwrap().message.parse().unwrap();
    // The client's window (grpc core grows it to a few MB by BDP
    // probing), HTTP/2's send buffer and the call's send queue hold some of
    // the 100 kB messages (about 47 when measured); the rest wait in `send`.
    assert!(
        early < 100,
        "{early} of 400 sends returned before the client read"
    );
}

#[test]
fn a_request_past_the_message_limit_is_resource_exhausted() {
    // CallLimits::max_receive_message_size is 4 MiB by default.
    let (out, _) = run("too_large");
    assert_eq!(out, "too_large RESOURCE_EXHAUSTED\nafter 0a026f6b\n");
}

#[test]
fn a_server_inside_the_callers_own_loop() {
    // The caller owns the loop and turns it with `poll`; the server only
    // adds its listener to the loop's driver.
    let server = Server::new(echo_server::router()).unwrap();
    let mut event_loop = grpclite::net::EventLoop::new(grpclite::net::Limits::default()).unwrap();
    let addr = server
        .listen(event_loop.driver(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap();
    let child = client(addr.port(), "unary");
    let mut happened = Vec::new();
    let give_up = Instant::now() + Duration::from_secs(20);
    let mut child = Some(child);
    let mut out = None;
    while out.is_none() {
        assert!(Instant::now() < give_up, "the client did not finish");
        event_loop
            .poll(Some(Duration::from_millis(10)), &mut happened)
            .unwrap();
        if let Some(running) = child.as_mut() {
            if running.try_wait().unwrap().is_some() {
                out = child.take().map(output);
            }
        }
    }
    assert_eq!(out.unwrap(), "unary 0a0568656c6c6f\n");
    assert!(happened
        .iter()
        .any(|event| matches!(event, grpclite::net::LoopEvent::Ready { .. })));
}

#[test]
fn health_watches_do_not_hold_workers() {
    let config = ServerConfig {
        workers: 1,
        handler_queue: 0,
        ..ServerConfig::default()
    };
    let (out, _) = run_with("watch_many", config);
    assert_eq!(out, "watching 0801,0801,0801\nunary 0a0177\n");
}
