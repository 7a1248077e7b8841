//! The blocking client `Channel` against a grpcio (C core) server: the four
//! kinds of call, metadata both ways, deadlines, cancellation, many threads.

mod api_client_support;

use std::time::{Duration, Instant};

use api_client_support::{text, PyServer, Text};
use grpclite::api::{CallOptions, Channel, ChannelBuilder};
use grpclite::grpc::Code;

const SVC: &str = "/grpclite.test.Client";

fn path(method: &str) -> String {
    format!("{SVC}/{method}")
}

#[test]
fn unary_with_metadata_both_ways() {
    let server = PyServer::start(&[]);
    let channel = Channel::connect(&server.target()).unwrap();
    let response = channel
        .unary::<Text, Text>(&path("Echo"), &text("hi"), CallOptions::default())
        .unwrap();
    assert_eq!(response.message, text("echo:hi"));
    assert_eq!(response.headers.get_str("x-header"), Some("h"));
    assert_eq!(response.trailers.get_str("x-trailer"), Some("t"));
    assert_eq!(response.trailers.get("x-raw-bin"), Some(&b"\x00\xff"[..]));

    // Request metadata from an interceptor (an auth token) and the user agent.
    let channel = ChannelBuilder::new(server.target())
        .user_agent("tester/1")
        .interceptor(|_, metadata| {
            metadata.append("authorization", "Bearer abc").unwrap();
            Ok(())
        })
        .build()
        .unwrap();
    let response = channel
        .unary::<Text, Text>(&path("Inspect"), &text(""), CallOptions::default())
        .unwrap();
    assert_eq!(response.message, text("token=Bearer abc agent=tester/1"));
}

#[test]
fn an_interceptor_can_fail_the_call() {
    let server = PyServer::start(&[]);
    let channel = ChannelBuilder::new(server.target())
        .interceptor(|path, _| {
            Err(grpclite::grpc::Status::new(
                Code::Unauthenticated,
                format!("no token for {path}"),
            ))
        })
        .build()
        .unwrap();
    let status = channel
        .unary::<Text, Text>(&path("Echo"), &text("hi"), CallOptions::default())
        .unwrap_err();
    assert_eq!(status.code, Code::Unauthenticated);
    assert_eq!(status.message, "no token for /grpclite.test.Client/Echo");
}

#[test]
fn error_status_from_the_server() {
    let server = PyServer::start(&[]);
    let channel = Channel::connect(&server.target()).unwrap();
    let status = channel
        .unary::<Text, Text>(&path("Fail"), &text(""), CallOptions::default())
        .unwrap_err();
    assert_eq!(status.code, Code::NotFound);
    assert_eq!(status.message, "no such thing");
    let status = channel
        .unary::<Text, Text>(&path("Nope"), &text(""), CallOptions::default())
        .unwrap_err();
    assert_eq!(status.code, Code::Unimplemented);
}

#[test]
fn server_streaming() {
    let server = PyServer::start(&[]);
    let channel = Channel::connect(&server.target()).unwrap();
    let mut stream =
        channel.server_streaming::<Text, Text>(&path("Count"), &text("5"), CallOptions::default());
    let got: Vec<String> = stream.by_ref().map(|r| r.unwrap().value).collect();
    assert_eq!(got, ["0", "1", "2", "3", "4"]);
    assert_eq!(
        stream.headers().unwrap().get_str("x-header"),
        Some("stream")
    );
    assert_eq!(stream.trailers().unwrap().get_str("x-count"), Some("5"));
    assert_eq!(stream.status().unwrap().code, Code::Ok);
}

#[test]
fn server_streaming_through_a_slow_reader() {
    // 3000 messages of 1 KiB-ish: more than the receive buffer, so credit
    // is withheld until the reader catches up, and nothing is lost.
    let server = PyServer::start(&[]);
    let channel = ChannelBuilder::new(server.target()).build().unwrap();
    let stream = channel.server_streaming::<Text, Text>(
        &path("Count"),
        &text("3000"),
        CallOptions::default(),
    );
    let mut expected = 0;
    for item in stream {
        assert_eq!(item.unwrap().value, expected.to_string());
        expected += 1;
        if expected % 500 == 0 {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    assert_eq!(expected, 3000);
}

#[test]
fn client_streaming() {
    let server = PyServer::start(&[]);
    let channel = Channel::connect(&server.target()).unwrap();
    let mut call = channel.client_streaming::<Text, Text>(&path("Join"), CallOptions::default());
    for word in ["a", "b", "c"] {
        call.send(&text(word)).unwrap();
    }
    let response = call.close_and_recv().unwrap();
    assert_eq!(response.message, text("a,b,c"));
}

#[test]
fn bidi_streaming() {
    let server = PyServer::start(&[]);
    let channel = Channel::connect(&server.target()).unwrap();
    let mut call = channel.bidi::<Text, Text>(&path("Shout"), CallOptions::default());
    for word in ["one", "two", "three"] {
        call.send(&text(word)).unwrap();
        assert_eq!(call.recv().unwrap().unwrap(), text(&word.to_uppercase()));
    }
    call.close_send().unwrap();
    assert!(call.recv().is_none());
    assert!(call.finish().is_ok());
}

#[test]
fn deadline_exceeded() {
    let server = PyServer::start(&[]);
    let channel = Channel::connect(&server.target()).unwrap();
    let start = Instant::now();
    let status = channel
        .unary::<Text, Text>(
            &path("Slow"),
            &text(""),
            CallOptions::timeout(Duration::from_millis(300)),
        )
        .unwrap_err();
    assert_eq!(status.code, Code::DeadlineExceeded, "{status}");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "{took:?}"
    );
    // The channel's default deadline applies too.
    let channel = ChannelBuilder::new(server.target())
        .default_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let status = channel
        .unary::<Text, Text>(&path("Slow"), &text(""), CallOptions::default())
        .unwrap_err();
    assert_eq!(status.code, Code::DeadlineExceeded);
    // And the connection goes on working.
    let ok = channel.unary::<Text, Text>(&path("Echo"), &text("x"), CallOptions::default());
    assert_eq!(ok.unwrap().message, text("echo:x"));
}

#[test]
fn cancellation() {
    let server = PyServer::start(&[]);
    let channel = Channel::connect(&server.target()).unwrap();
    let mut stream =
        channel.server_streaming::<Text, Text>(&path("Forever"), &text(""), CallOptions::default());
    assert_eq!(stream.next().unwrap().unwrap(), text("0"));
    assert_eq!(stream.next().unwrap().unwrap(), text("1"));
    stream.cancel();
    // Messages already received may come first; then CANCELLED.
    let end = stream.by_ref().find_map(|item| item.err()).unwrap();
    assert_eq!(end.code, Code::Cancelled);
    assert!(stream.next().is_none());
    let ok = channel.unary::<Text, Text>(&path("Echo"), &text("after"), CallOptions::default());
    assert_eq!(ok.unwrap().message, text("echo:after"));
}

#[test]
fn receive_size_limit() {
    let server = PyServer::start(&[]);
    let channel = ChannelBuilder::new(server.target())
        .max_receive_message_size(1000)
        .build()
        .unwrap();
    let status = channel
        .unary::<Text, Text>(&path("Big"), &text("2000"), CallOptions::default())
        .unwrap_err();
    assert_eq!(status.code, Code::ResourceExhausted, "{status}");
    let ok = channel.unary::<Text, Text>(&path("Big"), &text("500"), CallOptions::default());
    assert_eq!(ok.unwrap().message.value.len(), 500);
    // The default (4 MiB) takes a 3 MiB message.
    let channel = Channel::connect(&server.target()).unwrap();
    let ok = channel.unary::<Text, Text>(&path("Big"), &text("3000000"), CallOptions::default());
    assert_eq!(ok.unwrap().message.value.len(), 3_000_000);
}

#[test]
fn many_threads_share_one_channel() {
    let server = PyServer::start(&[]);
    let channel = Channel::connect(&server.target()).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let channel = channel.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let word = format!("{t}-{i}");
                    let response = channel
                        .unary::<Text, Text>(&path("Echo"), &text(&word), CallOptions::default())
                        .unwrap();
                    assert_eq!(response.message.value, format!("echo:{word}"));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn send_reports_why_the_call_ended() {
    let server = PyServer::start(&[]);
    let channel = Channel::connect(&server.target()).unwrap();
    let mut call = channel.client_streaming::<Text, Text>(
        &path("Total"),
        CallOptions::timeout(Duration::from_millis(200)),
    );
    let start = Instant::now();
    let status = loop {
        match call.send(&text("tick")) {
            Ok(()) => std::thread::sleep(Duration::from_millis(20)),
            Err(status) => break status,
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "send never failed"
        );
    };
    assert_eq!(status.code, Code::DeadlineExceeded, "{status}");
    assert_eq!(call.finish().unwrap_err().code, Code::DeadlineExceeded);

    let mut call = channel.bidi::<Text, Text>(&path("Shout"), CallOptions::default());
    call.send(&text("a")).unwrap();
    call.close_send().unwrap();
    let refused = call.send(&text("b")).unwrap_err();
    assert_eq!(refused.code, Code::Internal);
    assert_eq!(
        refused.message,
        "cannot send: this side has already finished sending"
    );
    assert_eq!(call.recv().unwrap().unwrap(), text("A"));
    assert!(call.recv().is_none());
}
