//! HTTP/2 against hostile peers over real sockets (RFC 9113 §10.5, the
//! 2019 "HTTP/2 denial of service" advisories CVE-2019-9511..9518, rapid
//! reset CVE-2023-44487, the CONTINUATION flood family CVE-2024-27316).
//!
//! A small responder session ([`h2_hostile_support::Responder`]) wrapping
//! `h2::Connection` in the server role is served by a real `net::EventLoop`
//! on loopback. A Python script (`attack.py`, frames and HPACK from the
//! `h2` package on a raw socket) plays the attacker. Each test checks the
//! exact GOAWAY or RST_STREAM the attacker receives, that the connection is
//! then closed, that memory stayed bounded, and that curl, a well-behaved
//! client connecting during and after the attack, is still served.
//!
//! Covered by name: CVE-2019-9512 (ping), 9513 (resource loop), 9514
//! (reset), 9515 (settings), 9516 (0-length headers), 9517 (internal data
//! buffering: zero window, and a peer that stops reading), 9518 (empty
//! frames). CVE-2019-9511 (data dribble: the peer opens its window a few
//! octets at a time) has no test of its own here: each tiny DATA frame we
//! send answers one WINDOW_UPDATE, and the WINDOW_UPDATE flood test shows
//! that updates without DATA are bounded.

mod h2_hostile_support;
#[cfg(feature = "tls")]
#[path = "net_support/pki.rs"]
#[allow(dead_code)]
mod pki;

use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::Ordering;
use std::time::Duration;

use grpclite::h2::ErrorCode;
use h2_hostile_support::{
    spawn_attack, well_behaved_get, ConnStats, Outcome, Server, LARGE, STALL_TIMEOUT,
};

const ENHANCE_YOUR_CALM: u32 = ErrorCode::EnhanceYourCalm.to_u32();
const PROTOCOL_ERROR: u32 = ErrorCode::ProtocolError.to_u32();
const CANCEL: u32 = ErrorCode::Cancel.to_u32();

/// Most octets the driver may hold in connection buffers: the write high
/// water mark (64 KiB) plus one `poll_transmit` (a 256 KiB DATA budget and
/// a frame), up to twice that as the output `Vec` grows by doubling, and a
/// 64 KiB read buffer. Without bounded buffering it grows by megabytes.
const BUFFER_BOUND: usize = 1 << 20;

/// Runs `attack` against a fresh server while curl fetches a page during
/// the attack, then checks the attacker's connection closed with a
/// connection error of `code`, memory stayed bounded, and curl is served
/// again afterwards.
fn attack_ending_in(attack: &str, code: ErrorCode) -> (Outcome, ConnStats, Server) {
    let server = Server::start();
    let child = spawn_attack(attack, server.port, &[]);
    // The attacker is connection 0; curl connects while it attacks.
    server.wait_for(0, |_| true);
    well_behaved_get(server.port);
    let outcome = Outcome::from_child(child);
    let stats = server.wait_for(0, |s| s.closed);
    assert_eq!(stats.error.map(|e| e.code), Some(code), "{stats:?}");
    assert!(
        outcome.has("closed"),
        "the attacker was disconnected: {outcome:?}"
    );
    assert_bounded(&server);
    well_behaved_get(server.port);
    (outcome, stats, server)
}

fn assert_bounded(server: &Server) {
    let held = server.max_buffer_memory.load(Ordering::Relaxed);
    assert!(held <= BUFFER_BOUND, "the driver held {held} octets");
    for stats in server.connections.lock().unwrap().iter() {
        let stats = stats.lock().unwrap();
        assert!(stats.max_transmit <= BUFFER_BOUND, "{stats:?}");
        let per_stream = grpclite::h2::Config::default().max_send_buffer_per_stream as usize;
        assert!(stats.max_queued_body <= per_stream, "{stats:?}");
    }
}

/// The one GOAWAY the attacker received, as (last stream id, code).
fn single_goaway(outcome: &Outcome) -> (u32, u32) {
    match outcome.goaways()[..] {
        [goaway] => goaway,
        ref other => panic!("expected one GOAWAY, got {other:?} in {outcome:?}"),
    }
}

/// CVE-2023-44487 (rapid reset): HEADERS then RST_STREAM(CANCEL) at once,
/// 5000 times. More than `max_pending_reset_streams` (20) streams reset
/// before the application saw them ends the connection long before the
/// 5000th stream.
#[test]
fn rapid_reset_cve_2023_44487_gets_enhance_your_calm() {
    let (outcome, _, _) = attack_ending_in("rapid_reset", ErrorCode::EnhanceYourCalm);
    let (last, code) = single_goaway(&outcome);
    assert_eq!(code, ENHANCE_YOUR_CALM);
    // The last stream id names a stream the attacker opened (odd) well
    // before the end of the attack; none was answered.
    assert!(last % 2 == 1 && last < 1000, "last stream id {last}");
    assert_eq!(outcome.value("rst_count"), 0);
}

/// CONTINUATION flood (CVE-2024-27316 family): a HEADERS without
/// END_HEADERS and then endless CONTINUATION frames. The 9th CONTINUATION
/// passes `max_continuation_frames` (8); the block never completed, so no
/// stream was processed and the last stream id is 0.
#[test]
fn continuation_flood_gets_enhance_your_calm() {
    let (outcome, _, _) = attack_ending_in("continuation_flood", ErrorCode::EnhanceYourCalm);
    assert_eq!(single_goaway(&outcome), (0, ENHANCE_YOUR_CALM));
    // The attacker's writes fail soon after the GOAWAY: far less than the
    // 10000 frames of ~110 octets it meant to send arrived.
    assert!(outcome.value("sent") < 1_000_000, "{outcome:?}");
}

/// HPACK bomb (CVE-2016-6581 style, RFC 7541 §7.3 and RFC 9113 §10.5.1):
/// a 4000-octet field inserted once, then a 16 KiB block of one-octet
/// references to it, 64 MB once decoded. The decoder keeps no field past
/// the advertised SETTINGS_MAX_HEADER_LIST_SIZE (memory stays bounded), and
/// a decoded size past `header_list_size_hard_limit` (64 KiB) ends the
/// connection with ENHANCE_YOUR_CALM; stream 1, answered before, is the
/// last processed.
#[test]
fn hpack_bomb_gets_enhance_your_calm_with_bounded_memory() {
    let (outcome, stats, _) = attack_ending_in("hpack_bomb", ErrorCode::EnhanceYourCalm);
    assert!(outcome.has("headers 1"), "the first request was answered");
    assert_eq!(single_goaway(&outcome), (1, ENHANCE_YOUR_CALM));
    assert_eq!(outcome.resets(), vec![]);
    assert_eq!(
        stats.error.map(|e| e.reason),
        Some("decoded field section larger than header_list_size_hard_limit")
    );
    assert_eq!(stats.responses, 1);
}

/// A field section of 20 KiB, above the 16 KiB SETTINGS_MAX_HEADER_LIST_SIZE
/// we advertise but below the hard limit: only that stream is refused
/// (RST_STREAM(PROTOCOL_ERROR), §10.5.1), and the next request on the same
/// connection is answered.
#[test]
fn oversized_header_list_resets_only_that_stream() {
    let server = Server::start();
    let outcome = Outcome::from_child(spawn_attack("oversized_header_list", server.port, &[]));
    assert_eq!(outcome.resets(), vec![(1, PROTOCOL_ERROR)]);
    assert!(outcome.has("headers 3"), "{outcome:?}");
    assert!(outcome.has("data 3 20"), "{outcome:?}");
    assert_eq!(outcome.goaways(), vec![]);
    let stats = server.wait_for(0, |s| s.closed);
    assert_eq!((stats.error, stats.responses), (None, 1));
    assert_bounded(&server);
    well_behaved_get(server.port);
}

/// CVE-2019-9515 (settings flood): 200000 SETTINGS frames from a peer that
/// does not read our ACKs. Every SETTINGS is acknowledged (§6.5.3 leaves no
/// choice), but at most `max_queued_control_frames` (1000) ACKs wait in the
/// connection: then it stops reading (back-pressure), and the driver holds
/// no more than its high-water mark.
#[test]
fn settings_flood_cve_2019_9515_is_met_with_back_pressure() {
    let server = Server::start();
    let child = spawn_attack("settings_flood", server.port, &[]);
    server.wait_for(0, |_| true);
    well_behaved_get(server.port);
    let outcome = Outcome::from_child(child);
    let stats = server.wait_for(0, |s| s.closed);
    assert!(stats.refused_input, "the connection pushed back: {stats:?}");
    assert_eq!(stats.error, None);
    // 1000 ACKs of 9 octets at most per transmit, and the frames (our
    // SETTINGS, a WINDOW_UPDATE) that may precede them.
    assert!(stats.max_transmit <= 9 * 1000 + 64, "{stats:?}");
    assert_eq!(outcome.goaways(), vec![]);
    assert_bounded(&server);
    well_behaved_get(server.port);
}

/// CVE-2019-9512 (ping flood) from a peer that never reads our ACKs. The
/// gRPC keepalive policy (no more than one PING per 5 min while calls are
/// open, 2 strikes) answers the third PING with
/// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"); no queue of ACKs builds up.
#[test]
fn ping_flood_cve_2019_9512_gets_enhance_your_calm() {
    let (outcome, stats, _) = attack_ending_in("ping_flood", ErrorCode::EnhanceYourCalm);
    assert_eq!(single_goaway(&outcome), (0, ENHANCE_YOUR_CALM));
    assert_eq!(stats.error.map(|e| e.reason), Some("too_many_pings"));
    assert!(stats.max_transmit < 1024, "{stats:?}");
}

/// CVE-2019-9518 (empty frames flood): DATA frames without payload and
/// without END_STREAM on an open stream. The 101st passes
/// `max_empty_data_frames` (100); stream 1 was opened, so it is the last.
#[test]
fn empty_data_flood_cve_2019_9518_gets_enhance_your_calm() {
    let (outcome, _, _) = attack_ending_in("empty_data_flood", ErrorCode::EnhanceYourCalm);
    assert_eq!(single_goaway(&outcome), (1, ENHANCE_YOUR_CALM));
}

/// A storm of one-octet WINDOW_UPDATE frames on the connection while we send
/// no DATA (§10.5; Envoy's limit of 10 per DATA frame sent).
#[test]
fn window_update_flood_gets_enhance_your_calm() {
    let (outcome, stats, _) = attack_ending_in("window_update_flood", ErrorCode::EnhanceYourCalm);
    assert_eq!(single_goaway(&outcome), (0, ENHANCE_YOUR_CALM));
    assert_eq!(stats.error.map(|e| e.reason), Some("WINDOW_UPDATE flood"));
}

/// CVE-2019-9514 (reset flood) and CVE-2025-8671 (MadeYouReset): requests
/// with an uppercase field name (§8.2.1) that each force RST_STREAM
/// (PROTOCOL_ERROR). After `max_local_resets` (1024) resets the connection
/// ends; the last stream id is the 1025th request (stream 2049).
#[test]
fn reset_flood_cve_2019_9514_gets_enhance_your_calm() {
    let (outcome, _, _) = attack_ending_in("reset_flood", ErrorCode::EnhanceYourCalm);
    assert_eq!(single_goaway(&outcome), (2049, ENHANCE_YOUR_CALM));
    assert_eq!(outcome.value("rst_count"), 1024);
    assert_eq!(outcome.resets()[0], (1, PROTOCOL_ERROR));
}

/// RST_STREAM flood on a stream that already ended: the inbound RST_STREAM
/// bucket (1000, refilled 33/s) runs dry.
#[test]
fn rst_stream_flood_gets_enhance_your_calm() {
    let (outcome, stats, _) = attack_ending_in("rst_stream_flood", ErrorCode::EnhanceYourCalm);
    assert_eq!(single_goaway(&outcome), (1, ENHANCE_YOUR_CALM));
    assert_eq!(stats.error.map(|e| e.reason), Some("RST_STREAM flood"));
    assert!(outcome.has("data 1 20"), "stream 1 was answered first");
}

/// CVE-2019-9517 (internal data buffering) with a zero window: the peer
/// sets SETTINGS_INITIAL_WINDOW_SIZE to 0 and asks for 64 MiB. At most
/// `max_send_buffer_per_stream` (400 KiB) is ever queued; no DATA goes out;
/// the stalled stream is reset (CANCEL) by the application's stall timeout,
/// and the connection stays usable.
#[test]
fn zero_window_peer_cve_2019_9517_keeps_buffering_bounded() {
    let server = Server::start();
    let child = spawn_attack("zero_window", server.port, &[]);
    server.wait_for(0, |_| true);
    well_behaved_get(server.port);
    let outcome = Outcome::from_child(child);
    assert!(outcome.has("headers 1"), "{outcome:?}");
    assert!(
        !outcome.lines.iter().any(|l| l.starts_with("data 1")),
        "no DATA past a zero window: {outcome:?}"
    );
    assert_eq!(outcome.resets(), vec![(1, CANCEL)]);
    let stats = server.wait_for(0, |s| s.closed);
    assert_eq!((stats.error, stats.stalled_resets), (None, 1));
    assert!(
        stats.max_queued_body > 0,
        "the response was queued: {stats:?}"
    );
    assert!(LARGE > stats.max_queued_body * 100);
    assert_bounded(&server);
    well_behaved_get(server.port);
}

/// CVE-2019-9513 (resource loop): 30000 PRIORITY frames. We keep no
/// priority tree (RFC 9113 §5.3.2 deprecates the scheme), and each PRIORITY
/// is a "glitch": the bucket of 10000 (refilled 330/s) runs dry.
#[test]
fn priority_flood_cve_2019_9513_gets_enhance_your_calm() {
    let (outcome, _, _) = attack_ending_in("priority_flood", ErrorCode::EnhanceYourCalm);
    assert_eq!(single_goaway(&outcome), (0, ENHANCE_YOUR_CALM));
}

/// CVE-2019-9516 (0-length headers leak): 100 requests each inserting 50
/// fields with an empty name into the HPACK dynamic table. A field name must
/// not be empty (§8.2, a malformed request): each stream is reset with
/// PROTOCOL_ERROR, the table stays within its 4096 octets, and a valid
/// request afterwards is answered on the same connection.
#[test]
fn empty_field_names_cve_2019_9516_reset_the_stream() {
    let server = Server::start();
    let outcome = Outcome::run("empty_fields", server.port);
    assert_eq!(outcome.value("rst_count"), 100, "{outcome:?}");
    assert_eq!(outcome.resets()[0], (1, PROTOCOL_ERROR));
    assert!(outcome.has("headers 201"), "{outcome:?}");
    assert_eq!(outcome.goaways(), vec![]);
    let stats = server.wait_for(0, |s| s.closed);
    assert_eq!((stats.error, stats.responses), (None, 1));
    assert_bounded(&server);
    well_behaved_get(server.port);
}

/// Slowloris on the preface: connect and send nothing. The driver's
/// preface timeout (1 s here; LIMITS.md: 10 s) closes the connection
/// without a word and without making a session.
#[test]
fn silent_peer_hits_the_preface_timeout() {
    let server = Server::start();
    let child = spawn_attack("preface_timeout", server.port, &[]);
    std::thread::sleep(Duration::from_millis(300));
    well_behaved_get(server.port);
    let outcome = Outcome::from_child(child);
    assert!(
        outcome.has("closed") && outcome.has("received 0"),
        "{outcome:?}"
    );
    let elapsed = outcome.value("elapsed_ms");
    assert!((900..5000).contains(&elapsed), "closed after {elapsed} ms");
    // Only curl got a session.
    assert_eq!(server.connections.lock().unwrap().len(), 1);
}

/// Half of the preface and then nothing: the same timeout.
#[test]
fn partial_preface_hits_the_preface_timeout() {
    let server = Server::start();
    let outcome = Outcome::run("partial_preface", server.port);
    assert!(
        outcome.has("closed") && outcome.has("received 0"),
        "{outcome:?}"
    );
    let elapsed = outcome.value("elapsed_ms");
    assert!((900..5000).contains(&elapsed), "closed after {elapsed} ms");
    assert_eq!(server.connections.lock().unwrap().len(), 0);
    well_behaved_get(server.port);
}

/// An invalid preface (§3.4: a connection error of type PROTOCOL_ERROR, for
/// which "a GOAWAY frame MAY be omitted"). On a plaintext port the driver
/// looks at the first bytes before HTTP/2 starts: bytes that are not the
/// preface get an HTTP/1.1 error response and the connection closes. (Over
/// TLS, see `invalid_preface_over_tls_gets_protocol_error`.)
#[test]
fn invalid_preface_is_refused_and_closed() {
    let server = Server::start();
    let outcome = Outcome::run("invalid_preface", server.port);
    assert!(outcome.has("closed"), "{outcome:?}");
    assert_eq!(outcome.goaways(), vec![]);
    assert!(
        outcome
            .lines
            .iter()
            .any(|l| l.starts_with("http1 HTTP/1.1 4") || l.starts_with("http1 HTTP/1.1 5")),
        "an HTTP/1.1 error status: {outcome:?}"
    );
    assert_eq!(server.connections.lock().unwrap().len(), 0);
    well_behaved_get(server.port);
}

/// Over TLS (ALPN h2) the bytes after the handshake go straight to the
/// HTTP/2 connection: an invalid preface is a connection error of type
/// PROTOCOL_ERROR (§3.4), answered with GOAWAY(PROTOCOL_ERROR, last stream 0).
#[cfg(feature = "tls")]
#[test]
fn invalid_preface_over_tls_gets_protocol_error() {
    use grpclite::net::tls::{ClientAuth, ServerTls};
    use grpclite::net::Security;
    let pki = pki::pki();
    let tls = ServerTls::from_pem_files(
        pki.path("server.pem"),
        pki.path("server.key"),
        ClientAuth::None,
    )
    .unwrap();
    let server = Server::start_with(Security::Tls(tls));
    let ca = pki.path("ca.pem");
    let child = spawn_attack("invalid_preface_tls", server.port, &[ca.to_str().unwrap()]);
    let outcome = Outcome::from_child(child);
    assert!(outcome.has("alpn h2"), "{outcome:?}");
    assert_eq!(single_goaway(&outcome), (0, PROTOCOL_ERROR));
    assert!(outcome.has("closed"), "{outcome:?}");
    let stats = server.wait_for(0, |s| s.closed);
    assert_eq!(
        stats.error,
        Some(grpclite::h2::ConnectionError::new(
            ErrorCode::ProtocolError,
            "invalid connection preface"
        ))
    );
}

/// CVE-2019-9517 with open windows: 50 requests for 64 MiB each, and the
/// peer never reads. The socket fills, the driver stops asking for output
/// at its high-water mark, each stream holds at most 400 KiB; the server
/// keeps serving others meanwhile.
#[test]
fn peer_that_stops_reading_cve_2019_9517_keeps_memory_bounded() {
    let server = Server::start();
    let mut child = spawn_attack("stop_reading", server.port, &[]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "requested\n");
    // Let the socket buffers fill, then watch the driver while stalled.
    std::thread::sleep(Duration::from_millis(500));
    server.max_buffer_memory.store(0, Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(500));
    well_behaved_get(server.port);
    assert_bounded(&server);
    let stats = server.connection(0);
    assert!(!stats.closed && stats.error.is_none(), "{stats:?}");
    assert!(stats.max_queued_body > 0, "{stats:?}");
    // The stalled streams are reset by the application's stall timeout.
    let stats = server.wait_for(0, |s| s.stalled_resets == 50);
    assert_eq!(stats.responses, 0);
    assert!(STALL_TIMEOUT < Duration::from_secs(5));
    // Let the attacker go.
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    child.stdout = Some(stdout.into_inner());
    let outcome = Outcome::from_child(child);
    assert!(outcome.has("received 0"), "{outcome:?}");
    server.wait_for(0, |s| s.closed);
    well_behaved_get(server.port);
}
