//! ProtoJSON conformance: the cases of `wire/json/cases.json` (schema in
//! `wire/json/*.proto`), and a cross-check of our printer against the real
//! protobuf implementation (`google.protobuf.json_format` in the peers'
//! Python venv) on the same messages and on the wire corpus.
//!
//! A case is `{name, message, input, output | error, options?}`: `input` is
//! parsed as `message`; with `output`, printing the result must give exactly
//! that compact text (and it must parse back to the same message); with
//! `error`, parsing must fail with a message starting with that text (the
//! JSON path, then the rule).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use grpclite::json;
use grpclite::schema::dynamic::DynamicMessage;
use grpclite::schema::protojson::{self, ParseOptions, PrintOptions};
use grpclite::schema::{DiskSourceTree, Pool};
use grpclite::wire::Message;
use quickcheck::{Arbitrary, Gen, QuickCheck};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const SCHEMAS: &[&str] = &[
    "conformance.proto",
    "conformance2.proto",
    "proto3_types.proto",
    "proto2_types.proto",
];

fn pool() -> Arc<Pool> {
    static POOL: std::sync::OnceLock<Arc<Pool>> = std::sync::OnceLock::new();
    Arc::clone(POOL.get_or_init(|| {
        let tree = DiskSourceTree::new([root().join("wire/json"), root().join("wire/protobuf")]);
        let mut pool = Pool::new();
        pool.load_all(&tree, SCHEMAS.iter().copied())
            .expect("conformance schemas load");
        // Types an Any in the cases may name.
        for wkt in [
            "google/protobuf/duration.proto",
            "google/protobuf/wrappers.proto",
            "google/protobuf/any.proto",
            "google/protobuf/empty.proto",
        ] {
            pool.load(&tree, wkt).expect("well-known type loads");
        }
        Arc::new(pool)
    }))
}

struct Case {
    name: String,
    message: String,
    input: String,
    output: Option<String>,
    error: Option<String>,
    parse: ParseOptions,
    print: PrintOptions,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("wire/json/cases.json")).expect("cases.json");
    let doc = json::parse(&text).expect("cases.json is JSON");
    let str_of = |v: &json::Value, k: &str| v.get(k).and_then(|s| s.as_str()).map(str::to_owned);
    doc.as_array()
        .expect("cases.json is an array")
        .iter()
        .map(|c| {
            let flag = |k: &str| {
                c.get("options")
                    .and_then(|o| o.get(k))
                    .and_then(|b| b.as_bool())
                    .unwrap_or(false)
            };
            Case {
                name: str_of(c, "name").expect("name"),
                message: str_of(c, "message").expect("message"),
                input: str_of(c, "input").expect("input"),
                output: str_of(c, "output"),
                error: str_of(c, "error"),
                parse: ParseOptions {
                    ignore_unknown_fields: flag("ignore_unknown_fields"),
                    ..ParseOptions::default()
                },
                print: PrintOptions {
                    always_print_fields_with_no_presence: flag("always_print"),
                    preserve_proto_field_names: flag("proto_names"),
                    enums_as_ints: flag("enums_as_ints"),
                    ..PrintOptions::default()
                },
            }
        })
        .collect()
}

#[test]
fn conformance_cases() {
    let pool = pool();
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let id = pool
            .message_by_name(&case.message)
            .unwrap_or_else(|| panic!("{}: no type {}", case.name, case.message));
        let parsed = protojson::parse(&pool, id, &case.input, &case.parse);
        match (&case.output, &case.error, parsed) {
            (Some(want), None, Ok(m)) => {
                let got = protojson::print(&m, &case.print);
                match got {
                    Ok(got) if got == *want => {
                        // The output reads back as the same message, and the
                        // message survives the binary form.
                        let back = protojson::parse(&pool, id, &got, &case.parse);
                        if back.as_ref() != Ok(&m) && case.print == PrintOptions::default() {
                            failures.push(format!("{}: re-parse gave {back:?}", case.name));
                        }
                        let bin = DynamicMessage::decode(Arc::clone(&pool), id, &m.encode_to_vec());
                        if bin.as_ref() != Ok(&m) {
                            failures.push(format!("{}: binary round trip {bin:?}", case.name));
                        }
                    }
                    other => failures.push(format!(
                        "{}: printed {other:?}\n    expected {want}",
                        case.name
                    )),
                }
            }
            (None, Some(want), Err(e)) => {
                let got = e.to_string();
                if !got.starts_with(want.as_str()) {
                    failures.push(format!(
                        "{}: error {got:?}\n    expected {want:?}",
                        case.name
                    ));
                }
            }
            (_, _, result) => failures.push(format!(
                "{}: parse gave {result:?}, expected output {:?} error {:?}",
                case.name, case.output, case.error
            )),
        }
    }
    println!(
        "{} ProtoJSON conformance cases, {} failed",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases.len() >= 100);
}

#[test]
fn arbitrary_text_never_panics_the_parser() {
    fn prop(text: String) -> bool {
        let pool = pool();
        let id = pool.message_by_name("conformance.Everything").unwrap();
        if let Ok(m) = protojson::parse(&pool, id, &text, &ParseOptions::default()) {
            round_trips(&pool, &m);
        }
        true
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(String) -> bool);
}

/// The fuzz oracle: a parsed message prints, and the print parses to an equal message.
fn round_trips(pool: &Arc<Pool>, m: &DynamicMessage) {
    // NaN in a Value, or a FieldMask path, may have no JSON form: printing
    // may fail, but must not panic.
    if let Ok(text) = protojson::print(m, &PrintOptions::default()) {
        let back = protojson::parse(pool, m.message_id(), &text, &ParseOptions::default());
        assert_eq!(back.as_ref(), Ok(m), "{text}");
    }
}

#[test]
fn mutated_case_inputs_never_panic_the_parser() {
    let pool = pool();
    let id = pool.message_by_name("conformance.Everything").unwrap();
    let mut checked = 0;
    for case in cases() {
        let bytes = case.input.as_bytes();
        for cut in 0..bytes.len() {
            for replacement in [&b""[..], b"1", b"\"", b"{", b"]", b"null", b"-1e99"] {
                let mut mutated = bytes[..cut].to_vec();
                mutated.extend_from_slice(replacement);
                mutated.extend_from_slice(&bytes[cut + 1..]);
                if let Ok(text) = String::from_utf8(mutated) {
                    if let Ok(m) = protojson::parse(&pool, id, &text, &ParseOptions::default()) {
                        round_trips(&pool, &m);
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000);
}

// ---------------------------------------------------------------------------
// Cross-check with protobuf's own json_format.

fn python() -> PathBuf {
    let path = root().join(".peers/venv/bin/python3");
    assert!(
        path.exists(),
        "peer missing: {} (run `ln -s /work/main/.peers .peers` in the worktree, or .ci/setup-peers)",
        path.display()
    );
    path
}

/// Prints each (type, binary, always-print flag) with
/// `json_format.MessageToJson`, one JSON text per line.
const PRINTER: &str = r#"
import sys
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
fds = descriptor_pb2.FileDescriptorSet.FromString(open(sys.argv[1], 'rb').read())
pool = descriptor_pool.DescriptorPool()
for f in fds.file:
    pool.Add(f)
for line in sys.stdin:
    name, hexbytes, always = line.split()
    cls = message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
    m = cls.FromString(bytes.fromhex(hexbytes if hexbytes != '-' else ''))
    try:
        print(json_format.MessageToJson(m, indent=None, descriptor_pool=pool,
                                        always_print_fields_with_no_presence=always == '1'))
    except Exception as e:
        print('ERROR ' + type(e).__name__ + ' ' + str(e).replace('\n', ' '))
"#;

/// Writes the schemas' FileDescriptorSet (imports included) with protoc
/// from grpcio-tools, to a file named after `tag` (tests run in parallel).
fn descriptor_set(python: &Path, tag: &str) -> PathBuf {
    let out = std::env::temp_dir().join(format!(
        "grpclite-protojson-{}-{tag}.pb",
        std::process::id()
    ));
    let status = Command::new(python)
        .args(["-m", "grpc_tools.protoc", "--include_imports"])
        .arg(format!("--descriptor_set_out={}", out.display()))
        .arg(format!("-I{}", root().join("wire/json").display()))
        .arg(format!("-I{}", root().join("wire/protobuf").display()))
        .args(SCHEMAS)
        .args([
            "google/protobuf/duration.proto",
            "google/protobuf/wrappers.proto",
            "google/protobuf/any.proto",
            "google/protobuf/empty.proto",
        ])
        .status()
        .expect("run grpc_tools.protoc");
    assert!(status.success(), "grpc_tools.protoc failed");
    out
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "-".into();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Objects sorted by key, numbers by their f64 value: what both printers
/// must agree on (member order and number spelling are free).
fn canonical(v: &json::Value) -> json::Value {
    match v {
        json::Value::Object(members) => {
            let mut members: Vec<(String, json::Value)> = members
                .iter()
                .map(|(k, v)| (k.clone(), canonical(v)))
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            json::Value::Object(members)
        }
        json::Value::Array(items) => json::Value::Array(items.iter().map(canonical).collect()),
        json::Value::Number(n) => match n.as_f64().and_then(json::Number::from_f64) {
            Some(n) => json::Value::Number(n),
            None => v.clone(),
        },
        other => other.clone(),
    }
}

/// Equal canonical values; two numbers are also the same when they are the
/// same `f32` (json_format prints float fields with fewer digits for
/// subnormals, `1.4013e-45` where we print the shortest `1e-45`).
fn same(a: &json::Value, b: &json::Value) -> bool {
    match (a, b) {
        (json::Value::Object(x), json::Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        (json::Value::Array(x), json::Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (json::Value::Number(x), json::Value::Number(y)) => {
            let (x, y) = (x.as_f64(), y.as_f64());
            x == y || x.map(|v| v as f32) == y.map(|v| v as f32)
        }
        _ => a == b,
    }
}

#[test]
fn printer_agrees_with_protobuf_json_format() {
    let python = python();
    let pool = pool();
    let descriptors = descriptor_set(&python, "print");

    // The conformance messages (as parsed by us) and the wire corpus.
    let mut messages: Vec<(String, DynamicMessage)> = Vec::new();
    for case in cases() {
        if case.output.is_none() {
            continue;
        }
        let id = pool.message_by_name(&case.message).unwrap();
        let m = protojson::parse(&pool, id, &case.input, &case.parse).unwrap();
        messages.push((case.name, m));
    }
    // Random documents with every well-known type.
    let everything = pool.message_by_name("conformance.Everything").unwrap();
    let mut g = Gen::new(12);
    for i in 0..100 {
        let doc = json::to_string(&random_document(&mut g, 2));
        let m = protojson::parse(&pool, everything, &doc, &ParseOptions::default()).unwrap();
        messages.push((format!("random document {i}: {doc}"), m));
    }
    let corpus = root().join("wire/protobuf");
    let samples = std::fs::read_to_string(corpus.join("samples.txt")).unwrap();
    for line in samples.lines().filter(|l| !l.starts_with('#')) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [name, _, message] = parts[..] else {
            continue;
        };
        let Some(id) = pool.message_by_name(message) else {
            continue;
        };
        let bytes = std::fs::read(corpus.join(format!("{name}.bin"))).unwrap();
        let m = DynamicMessage::decode(Arc::clone(&pool), id, &bytes).unwrap();
        messages.push((name.to_string(), m));
    }

    let mut child = Command::new(&python)
        .arg("-c")
        .arg(PRINTER)
        .arg(&descriptors)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the Python printer");
    // Each message is printed twice: by default, and with fields without
    // presence at their defaults. json_format's flag also prints unset
    // proto2 fields (json.md "JSON Options" calls that nonconformant), so
    // the second form is compared for proto3 messages only.
    let proto3 = |m: &DynamicMessage| {
        !m.descriptor().unwrap().full_name.starts_with("corpus2.")
            && !m
                .descriptor()
                .unwrap()
                .full_name
                .starts_with("conformance2.")
    };
    let mut jobs: Vec<(String, &DynamicMessage, bool)> = Vec::new();
    for (name, m) in &messages {
        jobs.push((name.clone(), m, false));
        if proto3(m) {
            jobs.push((format!("{name} (always print)"), m, true));
        }
    }
    let mut input = String::new();
    for (_, m, always) in &jobs {
        let name = &m.descriptor().unwrap().full_name;
        input.push_str(&format!(
            "{name} {} {}\n",
            hex(&m.encode_to_vec()),
            u8::from(*always)
        ));
    }
    // Written from another thread: the answers fill the stdout pipe while
    // the questions are still going in.
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().expect("write to the Python printer");
    let _ = std::fs::remove_file(&descriptors);
    assert!(output.status.success(), "Python printer failed");
    let lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), jobs.len());

    let mut failures = Vec::new();
    for ((name, m, always), theirs) in jobs.iter().zip(&lines) {
        let options = PrintOptions {
            always_print_fields_with_no_presence: *always,
            ..PrintOptions::default()
        };
        let ours = protojson::print(m, &options);
        match (ours, theirs.strip_prefix("ERROR ")) {
            (Ok(ours), None) => {
                let a = canonical(&json::parse(&ours).unwrap());
                let b = canonical(&json::parse(theirs).unwrap());
                if !same(&a, &b) {
                    failures.push(format!("{name}:\n    ours   {ours}\n    theirs {theirs}"));
                }
            }
            (Err(_), Some(_)) => {}
            (ours, _) => {
                failures.push(format!("{name}:\n    ours   {ours:?}\n    theirs {theirs}"))
            }
        }
    }
    println!(
        "{} messages printed like json_format.MessageToJson, {} differ",
        jobs.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Parses each case's input with `json_format.Parse`: one line per case,
/// `OK <hex of the binary>` or `ERR <message>`.
const PARSER: &str = r#"
import sys, json
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
fds = descriptor_pb2.FileDescriptorSet.FromString(open(sys.argv[1], 'rb').read())
pool = descriptor_pool.DescriptorPool()
for f in fds.file:
    pool.Add(f)
for c in json.load(open(sys.argv[2])):
    m = message_factory.GetMessageClass(pool.FindMessageTypeByName(c['message']))()
    ignore = c.get('options', {}).get('ignore_unknown_fields', False)
    try:
        json_format.Parse(c['input'], m, ignore_unknown_fields=ignore, descriptor_pool=pool)
        print('OK ' + (m.SerializePartialToString(deterministic=True).hex() or '-'))
    except Exception as e:
        print('ERR ' + str(e).replace('\n', ' '))
"#;

/// Cases where json_format and json.md disagree, and we follow json.md.
const PARSE_DIVERGENCES: &[(&str, &str)] = &[
    (
        "duplicate key: last wins",
        "json.md \"Duplicate values\": parsers should accept duplicates, the last wins; json_format rejects them",
    ),
    (
        "error path inside arrays",
        "json_format takes `true` as 1.0 for a double (a Python bool is an int); json.md has no such rule",
    ),
    (
        "not an object",
        "json_format accepts `[]` for a message; json.md maps messages to objects only",
    ),
];

#[test]
fn parser_agrees_with_protobuf_json_format() {
    let python = python();
    let pool = pool();
    let descriptors = descriptor_set(&python, "parse");
    let output = Command::new(&python)
        .arg("-c")
        .arg(PARSER)
        .arg(&descriptors)
        .arg(root().join("wire/json/cases.json"))
        .output()
        .expect("run the Python parser");
    let _ = std::fs::remove_file(&descriptors);
    assert!(
        output.status.success(),
        "Python parser failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let cases = cases();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), cases.len());
    let mut failures = Vec::new();
    let mut agreed = 0;
    for (case, theirs) in cases.iter().zip(lines) {
        if PARSE_DIVERGENCES.iter().any(|(name, _)| *name == case.name) {
            continue;
        }
        let id = pool.message_by_name(&case.message).unwrap();
        let ours = protojson::parse(&pool, id, &case.input, &case.parse);
        match (ours, theirs.strip_prefix("OK ")) {
            (Ok(ours), Some(hexbytes)) => {
                let bytes: Vec<u8> = if hexbytes == "-" {
                    Vec::new()
                } else {
                    (0..hexbytes.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&hexbytes[i..i + 2], 16).unwrap())
                        .collect()
                };
                let theirs = DynamicMessage::decode(Arc::clone(&pool), id, &bytes).unwrap();
                if theirs == ours {
                    agreed += 1;
                } else {
                    failures.push(format!(
                        "{}:\n    ours   {ours:?}\n    theirs {theirs:?}",
                        case.name
                    ));
                }
            }
            (Err(_), None) => agreed += 1,
            (ours, _) => failures.push(format!(
                "{}:\n    ours   {ours:?}\n    theirs {theirs}",
                case.name
            )),
        }
    }
    println!(
        "{agreed} cases parsed like json_format.Parse, {} known divergences, {} differ",
        PARSE_DIVERGENCES.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------
// Random valid documents, well-known types included.

/// A random JSON value for `google.protobuf.Value` and `Struct`.
fn random_json(g: &mut Gen, depth: u32) -> json::Value {
    let pick = u8::arbitrary(g) % if depth == 0 { 4 } else { 6 };
    match pick {
        0 => json::Value::Null,
        1 => json::Value::Bool(bool::arbitrary(g)),
        2 => {
            let v = f64::arbitrary(g);
            json::Value::Number(json::Number::from_f64(v).unwrap_or_else(|| 7u64.into()))
        }
        3 => json::Value::String(String::arbitrary(g)),
        4 => json::Value::Array(
            (0..u8::arbitrary(g) % 3)
                .map(|_| random_json(g, depth - 1))
                .collect(),
        ),
        _ => json::Value::Object(
            (0..u8::arbitrary(g) % 3)
                .map(|i| (format!("k{i}"), random_json(g, depth - 1)))
                .collect(),
        ),
    }
}

/// An integer as a JSON number or a string, as ProtoJSON parsers accept both.
fn number_or_string(g: &mut Gen, text: String) -> json::Value {
    if bool::arbitrary(g) {
        json::Value::String(text)
    } else {
        json::Value::Number(json::Number::from_lexeme(&text).unwrap())
    }
}

fn random_timestamp(g: &mut Gen) -> String {
    let year = 1 + u32::arbitrary(g) % 9999;
    let month = 1 + u32::arbitrary(g) % 12;
    let day = 1 + u32::arbitrary(g) % 28;
    let (h, m, s) = (
        u32::arbitrary(g) % 24,
        u32::arbitrary(g) % 60,
        u32::arbitrary(g) % 60,
    );
    let digits = usize::arbitrary(g) % 10;
    let fraction: String = (0..digits)
        .map(|_| char::from(b'0' + u8::arbitrary(g) % 10))
        .collect();
    let dot = if digits > 0 { "." } else { "" };
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{dot}{fraction}Z")
}

fn random_duration(g: &mut Gen) -> String {
    let seconds = u64::arbitrary(g) % 315_576_000_001;
    let nanos = u32::arbitrary(g) % 1_000_000_000;
    let sign = if bool::arbitrary(g) { "-" } else { "" };
    format!("{sign}{seconds}.{nanos:09}s")
}

/// A random document for `conformance.Everything` that must parse.
fn random_document(g: &mut Gen, depth: u32) -> json::Value {
    let mut members: Vec<(String, json::Value)> = Vec::new();
    let mut add = |g: &mut Gen, key: &str, value: json::Value| {
        if bool::arbitrary(g) {
            members.push((key.to_string(), value));
        }
    };
    let i32_text = i32::arbitrary(g).to_string();
    let v = number_or_string(g, i32_text);
    add(g, "i32", v);
    let i64_text = i64::arbitrary(g).to_string();
    let v = number_or_string(g, i64_text);
    add(g, "i64", v);
    let u64_text = u64::arbitrary(g).to_string();
    let v = number_or_string(g, u64_text);
    add(g, "fx64", v);
    let f = f32::arbitrary(g);
    let v = if f.is_finite() {
        json::Value::Number(json::Number::from_lexeme(&format!("{f:e}")).unwrap())
    } else {
        json::Value::String("-Infinity".into())
    };
    add(g, "flt", v);
    let v = json::Value::String(String::arbitrary(g));
    add(g, "str", v);
    let v = json::Value::String(grpclite::base64::encode(&Vec::<u8>::arbitrary(g)));
    add(g, "byt", v);
    let v = json::Value::String(g.choose(&["KIND_A", "KIND_B"]).unwrap().to_string());
    add(g, "kind", v);
    let v = json::Value::String(random_timestamp(g));
    add(g, "ts", v);
    let v = json::Value::String(random_duration(g));
    add(g, "dur", v);
    let v = random_json(g, 3);
    add(g, "val", v);
    let v = json::Value::Object(vec![("a".into(), random_json(g, 2))]);
    add(g, "st", v);
    let v = json::Value::String("fooBar,x.yZ".into());
    add(g, "fm", v);
    let u64_text = u64::arbitrary(g).to_string();
    let v = number_or_string(g, u64_text);
    add(g, "wU64", v);
    let v = json::Value::Object(vec![
        (
            "@type".into(),
            "type.googleapis.com/google.protobuf.Duration".into(),
        ),
        ("value".into(), random_duration(g).into()),
    ]);
    add(g, "any", v);
    let v = json::Value::Object(vec![(
        "k".into(),
        json::Value::from(i64::from(i32::arbitrary(g))),
    )]);
    add(g, "mStr", v);
    if depth > 0 {
        let v = random_document(g, depth - 1);
        add(g, "child", v);
        let v = json::Value::Array(vec![random_document(g, depth - 1)]);
        add(g, "rChild", v);
        let inner = random_document(g, depth - 1);
        let mut any = vec![(
            "@type".to_string(),
            json::Value::from("type.googleapis.com/conformance.Everything"),
        )];
        if let json::Value::Object(m) = inner {
            any.extend(m);
        }
        // A second "any" member replaces the first (json.md "Duplicate values").
        let v = json::Value::Object(any);
        add(g, "any", v);
        let v = random_document(g, depth - 1);
        add(g, "oneChild", v);
    }
    json::Value::Object(members)
}

#[test]
fn random_documents_parse_print_and_parse_back() {
    fn prop(seed: u64) -> bool {
        let pool = pool();
        let id = pool.message_by_name("conformance.Everything").unwrap();
        let mut g = Gen::new(((seed % 30) + 1) as usize);
        let doc = json::to_string(&random_document(&mut g, 2));
        let m = protojson::parse(&pool, id, &doc, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{e}\n{doc}"));
        let text =
            protojson::print(&m, &PrintOptions::default()).unwrap_or_else(|e| panic!("{e}\n{doc}"));
        let back = protojson::parse(&pool, id, &text, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, m, "{text}");
        assert_eq!(
            protojson::print(&back, &PrintOptions::default()).as_ref(),
            Ok(&text)
        );
        true
    }
    QuickCheck::new()
        .tests(300)
        .quickcheck(prop as fn(u64) -> bool);
}
