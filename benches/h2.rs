//! HTTP/2 engine costs, printed as medians of repeated runs in one process:
//!
//! (a) bulk DATA on one stream, client `Connection` to server `Connection`
//!     over loopback TCP with a blocking pump per side, 1 MiB application
//!     writes, beside raw loopback TCP (64 KiB blocking writes between two
//!     threads) in the same run; the ratio is the engine's share (goal 80 %);
//! (b) frames decoded per second: `FrameReader` over a buffer of mixed
//!     frames, and `Connection::handle_input` of DATA and of requests
//!     (HEADERS + DATA);
//! (c) heap bytes per idle server `Connection` after the preface and the
//!     SETTINGS exchange, counted by a `#[global_allocator]` (goal 2 KiB).
//!
//!     cargo bench --bench h2

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::h2::frame::{Data, FrameReader, Headers, Ping, WindowUpdate, CONNECTION_PREFACE};
use grpclite::h2::{Config, Connection, Event, Role, StreamId};
use grpclite::hpack::Header;

/// Counts live heap bytes, so (c) can say what one connection holds.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const RUNS: usize = 5;
const BULK_TOTAL: usize = 256 << 20;
const WRITE_SIZE: usize = 1 << 20;
const RAW_WRITE: usize = 64 << 10;
const IDLE_CONNECTIONS: usize = 1000;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn mib_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / (1 << 20) as f64 / elapsed.as_secs_f64()
}

fn loopback_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    client.set_nodelay(true).unwrap();
    server.set_nodelay(true).unwrap();
    (client, server)
}

/// Raw loopback TCP: 64 KiB blocking writes, one reader thread.
fn raw_tcp() -> Duration {
    let (mut client, mut server) = loopback_pair();
    let reader = thread::spawn(move || {
        let mut buf = vec![0u8; RAW_WRITE];
        let mut got = 0;
        while got < BULK_TOTAL {
            match server.read(&mut buf).unwrap() {
                0 => break,
                n => got += n,
            }
        }
        got
    });
    let chunk = vec![7u8; RAW_WRITE];
    let start = Instant::now();
    let mut sent = 0;
    while sent < BULK_TOTAL {
        client.write_all(&chunk).unwrap();
        sent += chunk.len();
    }
    assert_eq!(reader.join().unwrap(), BULK_TOTAL);
    start.elapsed()
}

/// Writes everything `conn` has to send; returns how many octets.
fn flush(conn: &mut Connection, sock: &mut TcpStream, out: &mut Vec<u8>, now: Instant) -> usize {
    loop {
        let before = out.len();
        conn.poll_transmit(out, now);
        if out.len() == before {
            break;
        }
    }
    let n = out.len();
    if n > 0 {
        sock.write_all(out).unwrap();
        out.clear();
    }
    n
}

/// The server side of the bulk run: reads, releases capacity, counts DATA.
fn bulk_server(mut sock: TcpStream) -> usize {
    let mut conn = Connection::new(Role::Server, Config::default(), Instant::now());
    let mut buf = vec![0u8; 256 << 10];
    let mut out = Vec::new();
    let mut got = 0;
    loop {
        let now = Instant::now();
        flush(&mut conn, &mut sock, &mut out, now);
        let n = sock.read(&mut buf).unwrap();
        if n == 0 {
            return got;
        }
        let used = conn.handle_input(&buf[..n], now);
        assert_eq!(used, n);
        while let Some(event) = conn.poll_event() {
            match event {
                Event::Data {
                    stream,
                    data,
                    end_stream,
                } => {
                    got += data.len();
                    conn.release_capacity(stream, data.len() as u32);
                    if end_stream {
                        conn.send_headers(stream, &[Header::new(":status", "200")], true)
                            .unwrap();
                    }
                }
                Event::ConnectionError(e) => panic!("server: {e}"),
                _ => {}
            }
        }
    }
}

/// One stream carrying [`BULK_TOTAL`] octets in 1 MiB `send_data` calls.
fn h2_bulk() -> Duration {
    let (mut client, server) = loopback_pair();
    let server = thread::spawn(move || bulk_server(server));
    let start = Instant::now();
    // Room for four 1 MiB writes: the default 400 KiB send buffer per
    // stream refuses any single write larger than itself.
    let config = Config {
        max_send_buffer_per_stream: 4 * WRITE_SIZE as u32,
        ..Config::default()
    };
    let mut conn = Connection::new(Role::Client, config, start);
    let request = [
        Header::new(":method", "POST"),
        Header::new(":scheme", "http"),
        Header::new(":authority", "localhost"),
        Header::new(":path", "/bulk"),
    ];
    let stream = conn.open_stream(&request, false).unwrap();
    let chunk = Bytes::from(vec![7u8; WRITE_SIZE]);
    let mut buf = vec![0u8; 64 << 10];
    let mut out = Vec::new();
    let mut queued = 0;
    let mut done = false;
    while !done {
        let now = Instant::now();
        while queued < BULK_TOTAL && conn.send_buffer_space(stream) >= WRITE_SIZE {
            let last = queued + WRITE_SIZE >= BULK_TOTAL;
            conn.send_data(stream, chunk.clone(), last).unwrap();
            queued += WRITE_SIZE;
        }
        let wrote = flush(&mut conn, &mut client, &mut out, now) > 0;
        // Read when the windows are spent (or the response is due): the
        // WINDOW_UPDATEs the server sent meanwhile wait in the socket.
        if !wrote || queued >= BULK_TOTAL {
            let n = client.read(&mut buf).unwrap();
            assert!(n > 0, "the server closed early");
            conn.handle_input(&buf[..n], Instant::now());
            while let Some(event) = conn.poll_event() {
                match event {
                    Event::Headers { end_stream, .. } => done |= end_stream,
                    Event::ConnectionError(e) => panic!("client: {e}"),
                    _ => {}
                }
            }
        }
    }
    let elapsed = start.elapsed();
    drop(client);
    assert_eq!(server.join().unwrap(), BULK_TOTAL);
    elapsed
}

/// The client's preface, an empty SETTINGS and the ACK of the server's.
fn client_opening() -> Vec<u8> {
    let mut v = CONNECTION_PREFACE.to_vec();
    v.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&[0, 0, 0, 4, 1, 0, 0, 0, 0]);
    v
}

/// A request field block from the static table only (RFC 7541 Appendix A),
/// so it decodes the same however often it is sent: POST, http, /, and
/// :authority localhost as a literal without indexing.
fn request_block() -> Bytes {
    let mut block = vec![0x83, 0x86, 0x84, 0x01, 9];
    block.extend_from_slice(b"localhost");
    Bytes::from(block)
}

/// (b1) `FrameReader` over DATA (1 KiB), HEADERS, WINDOW_UPDATE and PING.
fn frame_reader() -> (usize, Duration) {
    let mut buf = Vec::new();
    let payload = Bytes::from(vec![1u8; 1024]);
    let mut frames = 0;
    for i in 0..10_000u32 {
        let id = StreamId::new(2 * i + 1);
        Headers::new(id, request_block(), false, true).encode(&mut buf);
        Data::new(id, payload.clone(), true).encode(&mut buf);
        WindowUpdate {
            stream_id: StreamId::CONNECTION,
            increment: 1024,
        }
        .encode(&mut buf);
        Ping {
            ack: false,
            payload: i.to_be_bytes().repeat(2).try_into().unwrap(),
        }
        .encode(&mut buf);
        frames += 4;
    }
    let start = Instant::now();
    let mut reader = FrameReader::new(16_384);
    let mut input = &buf[..];
    let mut read = 0;
    while let Some(frame) = reader.read(&mut input).unwrap() {
        black_box(frame);
        read += 1;
    }
    assert_eq!(read, frames);
    (frames, start.elapsed())
}

/// (b2) A server `Connection` taking 16 KiB DATA frames on one stream.
fn handle_data() -> (usize, Duration) {
    const FRAMES: usize = 16_384;
    let mut input = client_opening();
    let id = StreamId::new(1);
    Headers::new(id, request_block(), false, true).encode(&mut input);
    let payload = Bytes::from(vec![1u8; 16_384]);
    let mut data = Vec::new();
    for _ in 0..64 {
        Data::new(id, payload.clone(), false).encode(&mut data);
    }
    let now = Instant::now();
    let config = Config {
        bdp_probing: false,
        ..Config::default()
    };
    let mut conn = Connection::new(Role::Server, config, now);
    let mut out = Vec::new();
    conn.handle_input(&input, now);
    while conn.poll_event().is_some() {}
    let start = Instant::now();
    for _ in 0..FRAMES / 64 {
        assert_eq!(conn.handle_input(&data, now), data.len());
        while let Some(event) = conn.poll_event() {
            if let Event::Data { stream, data, .. } = event {
                conn.release_capacity(stream, data.len() as u32);
            }
        }
        conn.poll_transmit(&mut out, now);
        out.clear();
    }
    assert!(conn.error().is_none());
    (FRAMES, start.elapsed())
}

/// (b3) A server `Connection` taking requests (HEADERS + 1 KiB DATA with
/// END_STREAM) and answering each with a HEADERS-only response.
fn handle_requests() -> (usize, Duration) {
    const REQUESTS: u32 = 20_000;
    let payload = Bytes::from(vec![1u8; 1024]);
    let mut input = Vec::new();
    for i in 0..REQUESTS {
        let id = StreamId::new(2 * i + 1);
        Headers::new(id, request_block(), false, true).encode(&mut input);
        Data::new(id, payload.clone(), true).encode(&mut input);
    }
    let now = Instant::now();
    let mut conn = Connection::new(Role::Server, Config::default(), now);
    conn.handle_input(&client_opening(), now);
    while conn.poll_event().is_some() {}
    let response = [Header::new(":status", "200")];
    let mut out = Vec::new();
    let start = Instant::now();
    let per_request = input.len() / REQUESTS as usize;
    for one in input.chunks(per_request * 50) {
        assert_eq!(conn.handle_input(one, now), one.len());
        while let Some(event) = conn.poll_event() {
            match event {
                Event::Data {
                    stream,
                    data,
                    end_stream,
                } => {
                    conn.release_capacity(stream, data.len() as u32);
                    if end_stream {
                        conn.send_headers(stream, &response, true).unwrap();
                    }
                }
                Event::ConnectionError(e) => panic!("{e}"),
                _ => {}
            }
        }
        conn.poll_transmit(&mut out, now);
        out.clear();
    }
    assert!(conn.error().is_none());
    (2 * REQUESTS as usize, start.elapsed())
}

/// (c) Heap bytes per idle server connection after the handshake, and the
/// same right after `Connection::new`.
fn idle_memory() -> (f64, f64) {
    let opening = client_opening();
    let now = Instant::now();
    // The connections live inline in this Vec, so it is counted too.
    let base = LIVE.load(Ordering::Relaxed);
    let mut conns = Vec::with_capacity(IDLE_CONNECTIONS);
    for _ in 0..IDLE_CONNECTIONS {
        conns.push(Connection::new(Role::Server, Config::default(), now));
    }
    let fresh = LIVE.load(Ordering::Relaxed);
    let mut out = Vec::new();
    for conn in &mut conns {
        conn.handle_input(&opening, now);
        while conn.poll_event().is_some() {}
        conn.poll_transmit(&mut out, now);
        out.clear();
    }
    let idle = LIVE.load(Ordering::Relaxed);
    black_box(&conns);
    let per = |bytes: isize| bytes as f64 / IDLE_CONNECTIONS as f64;
    (per(fresh - base), per(idle - base))
}

fn rate<F: FnMut() -> (usize, Duration)>(mut f: F) -> f64 {
    median(
        (0..RUNS)
            .map(|_| {
                let (n, t) = f();
                n as f64 / t.as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    println!("grpclite h2 bench: medians of {RUNS} runs");

    let mut raw = Vec::new();
    let mut h2 = Vec::new();
    for _ in 0..RUNS {
        raw.push(mib_per_s(BULK_TOTAL, raw_tcp()));
        h2.push(mib_per_s(BULK_TOTAL, h2_bulk()));
    }
    let (raw, h2) = (median(raw), median(h2));
    println!(
        "(a) bulk DATA, one stream, {} MiB in {} KiB writes over loopback TCP",
        BULK_TOTAL >> 20,
        WRITE_SIZE >> 10
    );
    println!("    raw TCP (64 KiB writes)   {raw:10.0} MiB/s");
    println!("    h2 Connection <-> Connection {h2:7.0} MiB/s");
    println!(
        "    ratio                     {:10.1} % (goal >= 80 %)",
        100.0 * h2 / raw
    );

    println!("(b) frames decoded per second");
    println!(
        "    FrameReader, mixed DATA 1 KiB/HEADERS/WINDOW_UPDATE/PING {:12.0} frames/s",
        rate(frame_reader)
    );
    println!(
        "    Connection::handle_input, 16 KiB DATA on one stream    {:12.0} frames/s",
        rate(handle_data)
    );
    println!(
        "    Connection::handle_input, requests HEADERS + 1 KiB DATA {:11.0} frames/s",
        rate(handle_requests)
    );

    let (fresh, idle) = idle_memory();
    println!("(c) heap per idle server connection ({IDLE_CONNECTIONS} connections)");
    println!(
        "    after Connection::new             {fresh:8.0} bytes (the struct itself: {} bytes)",
        std::mem::size_of::<Connection>()
    );
    println!("    after preface + SETTINGS exchange {idle:8.0} bytes (goal 2048)");
}
