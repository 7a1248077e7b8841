//! Driving a client channel from the caller's own mio loop.
//!
//! The channel registers its sockets (and a mio `Waker`) with the caller's
//! `Registry` under tokens from `FIRST_CHANNEL_TOKEN` up. Each turn the
//! caller forwards the events the channel `owns`, then calls
//! `handle_timeouts`, and sleeps no longer than `poll_timeout`.
//!
//! ```text
//! cargo run --example own_mio_loop -- http://127.0.0.1:50051 /pkg.Service/Method
//! ```

use std::time::Duration;

use bytes::Bytes;
use grpclite::api::{CallOptions, ChannelBuilder};
use grpclite::grpc::{CallKind, ClientEvent};
use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token};

/// The caller's own socket.
const OWN_SOCKET: Token = Token(0);
/// Tokens from here up belong to the channel.
const FIRST_CHANNEL_TOKEN: usize = 1;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let target = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:50051".to_string());
    let path = args
        .next()
        .unwrap_or_else(|| "/grpclite.test.Client/Echo".to_string());

    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(256);
    // Something of the caller's own on the same loop.
    let mut socket = UdpSocket::bind("127.0.0.1:0".parse().map_err(std::io::Error::other)?)?;
    poll.registry()
        .register(&mut socket, OWN_SOCKET, Interest::READABLE)?;

    let mut channel = ChannelBuilder::new(target)
        .build_on_registry(poll.registry(), FIRST_CHANNEL_TOKEN)
        .map_err(std::io::Error::other)?;
    let call = channel.start_unary(
        CallKind::Unary,
        &path,
        Bytes::new(),
        CallOptions::timeout(Duration::from_secs(5)),
    );

    loop {
        poll.poll(&mut events, channel.poll_timeout())?;
        for event in events.iter() {
            if channel.owns(event.token()) {
                channel.handle_event(event);
            } else if event.token() == OWN_SOCKET {
                let mut buf = [0; 1500];
                while let Ok((n, from)) = socket.recv_from(&mut buf) {
                    println!("own socket: {n} bytes from {from}");
                }
            }
        }
        channel.handle_timeouts();
        while let Some(event) = channel.try_recv(call) {
            match event {
                ClientEvent::Headers(_) => {}
                ClientEvent::Message(m) => println!("response: {} bytes", m.len()),
                ClientEvent::Finished(trailers) => {
                    println!("finished: {}", trailers.status);
                    return Ok(());
                }
            }
        }
    }
}
