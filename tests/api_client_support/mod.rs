//! Shared by the client API tests: a grpcio server in Python and a
//! hand-written `StringValue`-shaped message.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

use grpclite::wire::field::string;
use grpclite::wire::{DecodeError, Message, Reader, WireType};

/// `google.protobuf.StringValue`: `string value = 1;`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    pub value: String,
}

pub fn text(value: &str) -> Text {
    Text {
        value: value.to_string(),
    }
}

impl Message for Text {
    fn encode_raw(&self, buf: &mut Vec<u8>) {
        if !self.value.is_empty() {
            string::encode(1, &self.value, buf);
        }
    }

    fn encoded_len(&self) -> usize {
        if self.value.is_empty() {
            0
        } else {
            string::encoded_len(1, &self.value)
        }
    }

    fn merge_field(
        &mut self,
        field: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match field {
            1 => string::merge(wire_type, &mut self.value, r),
            _ => r.skip_value(field, wire_type).map(|_| ()),
        }
    }

    fn clear(&mut self) {
        self.value.clear();
    }
}

pub fn python() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".peers/venv/bin/python3");
    assert!(
        path.exists(),
        "peer missing: {} not found; run .ci/setup-peers (or link an installed .peers) first",
        path.display()
    );
    path
}

/// A running grpcio server; it exits when dropped (its stdin closes).
pub struct PyServer {
    pub port: u16,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl PyServer {
    pub fn start(args: &[&str]) -> PyServer {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/api_client_server.py");
        let mut child = Command::new(python())
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot start the grpcio server");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the server's port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the grpcio server did not start: {line:?}"));
        PyServer { port, child, stdin }
    }

    pub fn target(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
