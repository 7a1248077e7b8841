//! A TCP relay that prints every HTTP/2 frame passing through it.
//!
//!     cargo run --example frame_trace -- --listen 127.0.0.1:50052 --upstream 127.0.0.1:50051 \
//!         [--proto echo.proto -I DIR]... [--record FILE]
//!     cargo run --example frame_trace -- --replay FILE [--proto ... -I DIR]
//!
//! Point a client at `--listen`; each connection is relayed to `--upstream`
//! and traced with `grpclite::trace` (header fields HPACK-decoded, gRPC
//! messages printed schema-less, or by field names for methods the `--proto`
//! files declare). Plaintext h2c with prior knowledge only: TLS or an
//! HTTP/1.1 Upgrade shows up as a preface error and is relayed untraced.
//!
//! `--record FILE` also writes each connection's bytes as a chunk log
//! (`grpclite::trace::recording`): FILE for the first connection, FILE.2,
//! FILE.3 ... for later ones. `--replay FILE` prints the trace of a chunk log
//! and exits; `wire/h2/` is made this way.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Mutex;

use grpclite::schema::{DiskSourceTree, Pool};
use grpclite::trace::{recording, trace_recording, Direction, TraceConfig, Tracer};

struct Args {
    listen: Option<String>,
    upstream: Option<String>,
    protos: Vec<String>,
    includes: Vec<String>,
    record: Option<String>,
    replay: Option<String>,
}

fn usage(problem: &str) -> ! {
    eprintln!("frame_trace: {problem}");
    eprintln!(
        "usage: frame_trace --listen ADDR --upstream ADDR [--proto FILE]... [-I DIR]... [--record FILE]\n       frame_trace --replay FILE [--proto FILE]... [-I DIR]..."
    );
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut args = Args {
        listen: None,
        upstream: None,
        protos: Vec::new(),
        includes: Vec::new(),
        record: None,
        replay: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--listen" => args.listen = Some(value()),
            "--upstream" => args.upstream = Some(value()),
            "--proto" => args.protos.push(value()),
            "-I" | "--proto_path" => args.includes.push(value()),
            "--record" => args.record = Some(value()),
            "--replay" => args.replay = Some(value()),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    args
}

fn load_pool(args: &Args) -> Option<Pool> {
    if args.protos.is_empty() {
        return None;
    }
    let tree = DiskSourceTree::new(if args.includes.is_empty() {
        vec![".".to_string()]
    } else {
        args.includes.clone()
    });
    let mut pool = Pool::new();
    for proto in &args.protos {
        if let Err(e) = pool.load(&tree, proto) {
            eprintln!("frame_trace: {}", e.render());
            std::process::exit(1);
        }
    }
    Some(pool)
}

fn new_tracer(pool: Option<&Pool>) -> Tracer<'_> {
    match pool {
        Some(pool) => Tracer::with_pool(TraceConfig::default(), pool),
        None => Tracer::new(TraceConfig::default()),
    }
}

fn main() {
    let args = parse_args();
    let pool = load_pool(&args);
    if let Some(path) = &args.replay {
        let log = std::fs::read(path).unwrap_or_else(|e| usage(&format!("reading {path}: {e}")));
        match trace_recording(&mut new_tracer(pool.as_ref()), &log) {
            Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
            Err(e) => usage(&format!("{path}: {e}")),
        }
        return;
    }
    let listen = args
        .listen
        .as_deref()
        .unwrap_or_else(|| usage("--listen is required"));
    let upstream = args
        .upstream
        .as_deref()
        .unwrap_or_else(|| usage("--upstream is required"));
    let listener =
        TcpListener::bind(listen).unwrap_or_else(|e| usage(&format!("binding {listen}: {e}")));
    eprintln!("frame_trace: relaying {listen} -> {upstream} (h2c only)");
    std::thread::scope(|scope| {
        for (n, client) in listener.incoming().enumerate() {
            let client = match client {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("frame_trace: accept: {e}");
                    continue;
                }
            };
            let server = match TcpStream::connect(upstream) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("frame_trace: connecting to {upstream}: {e}");
                    continue;
                }
            };
            let record = args.record.as_ref().map(|path| match n {
                0 => path.clone(),
                _ => format!("{path}.{}", n + 1),
            });
            let pool = pool.as_ref();
            scope.spawn(move || relay(n + 1, client, server, pool, record));
        }
    });
}

/// What both directions of one connection share.
struct Shared<'p> {
    tracer: Tracer<'p>,
    log: Vec<u8>,
}

fn relay(
    id: usize,
    client: TcpStream,
    server: TcpStream,
    pool: Option<&Pool>,
    record: Option<String>,
) {
    println!("[conn {id}] opened");
    let shared = Mutex::new(Shared {
        tracer: new_tracer(pool),
        log: Vec::new(),
    });
    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
        eprintln!("frame_trace: cannot clone sockets");
        return;
    };
    std::thread::scope(|scope| {
        let shared = &shared;
        scope.spawn(move || pump(id, Direction::ClientToServer, client, server2, shared));
        scope.spawn(move || pump(id, Direction::ServerToClient, server, client2, shared));
    });
    let Ok(shared) = shared.into_inner() else {
        return;
    };
    for line in shared.tracer.finish() {
        println!("[conn {id}] {line}");
    }
    println!("[conn {id}] closed");
    if let Some(path) = record {
        if let Err(e) = std::fs::write(&path, &shared.log) {
            eprintln!("frame_trace: writing {path}: {e}");
        }
    }
}

/// Copies one direction, tracing and logging each chunk before forwarding
/// it, so the log keeps cause before effect across the two directions.
fn pump(
    id: usize,
    direction: Direction,
    mut from: TcpStream,
    mut to: TcpStream,
    shared: &Mutex<Shared<'_>>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = buf.get(..n).unwrap_or_default();
        if let Ok(mut shared) = shared.lock() {
            recording::encode(direction, chunk, &mut shared.log);
            for line in shared.tracer.feed(direction, chunk) {
                println!("[conn {id}] {line}");
            }
        }
        if to.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}
