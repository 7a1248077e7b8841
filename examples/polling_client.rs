//! The polling API: no thread at all. The caller starts calls, turns the
//! loop with `poll`, and reads results by `CallId`.
//!
//! ```text
//! cargo run --example polling_client -- http://127.0.0.1:50051 /pkg.Service/Method
//! ```
//!
//! Sends ten unary calls at once (raw bytes: an empty message) and prints
//! how each ended.

use std::time::{Duration, Instant};

use bytes::Bytes;
use grpclite::api::{CallOptions, PollingChannel};
use grpclite::grpc::{CallKind, ClientEvent};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let target = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:50051".to_string());
    let path = args
        .next()
        .unwrap_or_else(|| "/grpclite.test.Client/Echo".to_string());

    let mut channel = PollingChannel::connect(&target).map_err(std::io::Error::other)?;
    let mut calls: Vec<_> = (0..10)
        .map(|_| {
            let options = CallOptions::timeout(Duration::from_secs(5));
            channel.start_unary(CallKind::Unary, &path, Bytes::new(), options)
        })
        .collect();

    let give_up = Instant::now() + Duration::from_secs(10);
    while !calls.is_empty() && Instant::now() < give_up {
        // One turn: network, timers, reconnects. Nothing blocks longer than this.
        channel.poll(Some(Duration::from_millis(100)))?;
        calls.retain(|&id| {
            while let Some(event) = channel.try_recv(id) {
                match event {
                    ClientEvent::Headers(_) => {}
                    ClientEvent::Message(m) => println!("{id:?}: {} byte response", m.len()),
                    ClientEvent::Finished(trailers) => {
                        println!("{id:?}: {}", trailers.status);
                        return false;
                    }
                }
            }
            true
        });
    }
    Ok(())
}
