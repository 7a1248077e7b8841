//! RFC 7541 Appendix C examples, byte for byte, in both directions, with
//! the dynamic table checked after every step.

use super::*;

struct Step {
    section: &'static str,
    headers: &'static [(&'static str, &'static str)],
    wire: &'static str,
    /// Dynamic table after the step, newest first.
    table: &'static [(&'static str, &'static str)],
    table_size: usize,
}

/// Transcribed from the RFC text (C.2.1 to C.6.3).
const STEPS: &[Step] = &[
    Step {
        section: "C.2.1",
        headers: &[("custom-key", "custom-header")],
        wire: "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
        table: &[("custom-key", "custom-header")],
        table_size: 55,
    },
    Step {
        section: "C.2.2",
        headers: &[(":path", "/sample/path")],
        wire: "040c2f73616d706c652f70617468",
        table: &[],
        table_size: 0,
    },
    Step {
        section: "C.2.3",
        headers: &[("password", "secret")],
        wire: "100870617373776f726406736563726574",
        table: &[],
        table_size: 0,
    },
    Step {
        section: "C.2.4",
        headers: &[(":method", "GET")],
        wire: "82",
        table: &[],
        table_size: 0,
    },
    Step {
        section: "C.3.1",
        headers: &[(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
        wire: "828684410f7777772e6578616d706c652e636f6d",
        table: &[(":authority", "www.example.com")],
        table_size: 57,
    },
    Step {
        section: "C.3.2",
        headers: &[(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")],
        wire: "828684be58086e6f2d6361636865",
        table: &[("cache-control", "no-cache"), (":authority", "www.example.com")],
        table_size: 110,
    },
    Step {
        section: "C.3.3",
        headers: &[(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")],
        wire: "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
        table: &[("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")],
        table_size: 164,
    },
    Step {
        section: "C.4.1",
        headers: &[(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
        wire: "828684418cf1e3c2e5f23a6ba0ab90f4ff",
        table: &[(":authority", "www.example.com")],
        table_size: 57,
    },
    Step {
        section: "C.4.2",
        headers: &[(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")],
        wire: "828684be5886a8eb10649cbf",
        table: &[("cache-control", "no-cache"), (":authority", "www.example.com")],
        table_size: 110,
    },
    Step {
        section: "C.4.3",
        headers: &[(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")],
        wire: "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
        table: &[("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")],
        table_size: 164,
    },
    Step {
        section: "C.5.1",
        headers: &[(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")],
        wire: "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
        table: &[("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private"), (":status", "302")],
        table_size: 222,
    },
    Step {
        section: "C.5.2",
        headers: &[(":status", "307"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")],
        wire: "4803333037c1c0bf",
        table: &[(":status", "307"), ("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private")],
        table_size: 222,
    },
    Step {
        section: "C.5.3",
        headers: &[(":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"), ("location", "https://www.example.com"), ("content-encoding", "gzip"), ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")],
        wire: "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
        table: &[("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"), ("content-encoding", "gzip"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT")],
        table_size: 215,
    },
    Step {
        section: "C.6.1",
        headers: &[(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")],
        wire: "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
        table: &[("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private"), (":status", "302")],
        table_size: 222,
    },
    Step {
        section: "C.6.2",
        headers: &[(":status", "307"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")],
        wire: "4883640effc1c0bf",
        table: &[(":status", "307"), ("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private")],
        table_size: 222,
    },
    Step {
        section: "C.6.3",
        headers: &[(":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"), ("location", "https://www.example.com"), ("content-encoding", "gzip"), ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")],
        wire: "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
        table: &[("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"), ("content-encoding", "gzip"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT")],
        table_size: 215,
    },
];

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn steps(prefix: &str) -> Vec<&'static Step> {
    let steps: Vec<_> = STEPS
        .iter()
        .filter(|s| s.section.starts_with(prefix))
        .collect();
    assert!(!steps.is_empty(), "{prefix}");
    steps
}

fn table_contents(table: &DynamicTable) -> Vec<(String, String)> {
    table
        .iter()
        .map(|e| {
            (
                String::from_utf8(e.name.to_vec()).unwrap(),
                String::from_utf8(e.value.to_vec()).unwrap(),
            )
        })
        .collect()
}

fn expected_table(step: &Step) -> Vec<(String, String)> {
    step.table
        .iter()
        .map(|&(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Runs consecutive steps through one encoder and one decoder, both starting
/// from a table of `table_size` octets.
fn run(prefix: &str, table_size: usize, config: EncoderConfig, sensitive: bool) {
    let mut encoder = Encoder::with_initial_table_size(config, table_size);
    let mut decoder = Decoder::new(DecoderConfig {
        max_table_size: table_size,
        ..DecoderConfig::default()
    });
    for step in steps(prefix) {
        let headers: Vec<Header> = step
            .headers
            .iter()
            .map(|&(n, v)| Header {
                name: n.as_bytes().to_vec().into(),
                value: v.as_bytes().to_vec().into(),
                sensitive,
            })
            .collect();
        let mut wire = Vec::new();
        encoder.encode(&headers, &mut wire);
        assert_eq!(wire, hex(step.wire), "{} encoding", step.section);
        assert_eq!(
            table_contents(encoder.table()),
            expected_table(step),
            "{} encoder table",
            step.section
        );
        assert_eq!(encoder.table().size(), step.table_size, "{}", step.section);

        let mut decoded = Vec::new();
        decoder.decode(&hex(step.wire), &mut decoded).unwrap();
        assert_eq!(decoded, headers, "{} decoding", step.section);
        assert_eq!(
            table_contents(decoder.table()),
            expected_table(step),
            "{} decoder table",
            step.section
        );
        assert_eq!(decoder.table().size(), step.table_size, "{}", step.section);
    }
}

const INDEX_ALL_RAW: EncoderConfig = EncoderConfig {
    max_table_size: DEFAULT_TABLE_SIZE,
    huffman: HuffmanPolicy::Never,
    indexing: IndexingPolicy::Always,
};

const INDEX_ALL_HUFFMAN: EncoderConfig = EncoderConfig {
    huffman: HuffmanPolicy::Always,
    ..INDEX_ALL_RAW
};

#[test]
fn c2_1_literal_with_indexing() {
    run("C.2.1", 4096, INDEX_ALL_RAW, false);
}

#[test]
fn c2_2_literal_without_indexing() {
    let config = EncoderConfig {
        indexing: IndexingPolicy::Never,
        ..INDEX_ALL_RAW
    };
    run("C.2.2", 4096, config, false);
}

#[test]
fn c2_3_literal_never_indexed() {
    run("C.2.3", 4096, INDEX_ALL_RAW, true);
}

#[test]
fn c2_4_indexed() {
    run("C.2.4", 4096, INDEX_ALL_RAW, false);
}

#[test]
fn c3_requests_without_huffman() {
    run("C.3.", 4096, INDEX_ALL_RAW, false);
}

#[test]
fn c4_requests_with_huffman() {
    run("C.4.", 4096, INDEX_ALL_HUFFMAN, false);
}

#[test]
fn c5_responses_without_huffman() {
    run("C.5.", 256, INDEX_ALL_RAW, false);
}

#[test]
fn c6_responses_with_huffman() {
    run("C.6.", 256, INDEX_ALL_HUFFMAN, false);
}
