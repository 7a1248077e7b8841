//! One unary call with the blocking `Channel`.
//!
//! ```text
//! cargo run --example unary_call -- http://127.0.0.1:50051 /pkg.Service/Method hello
//! ```
//!
//! The request and response are `google.protobuf.StringValue`-shaped
//! (`string value = 1`), written by hand here; generated code replaces that.

use std::time::Duration;

use grpclite::api::{CallOptions, Channel};
use grpclite::wire::field::string;
use grpclite::wire::{DecodeError, Message, Reader, WireType};

/// `string value = 1;`
#[derive(Debug, Default)]
struct Text {
    value: String,
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
        wt: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match field {
            1 => string::merge(wt, &mut self.value, r),
            _ => r.skip_value(field, wt).map(|_| ()),
        }
    }
    fn clear(&mut self) {
        self.value.clear();
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:50051".to_string());
    let path = args
        .next()
        .unwrap_or_else(|| "/grpclite.test.Client/Echo".to_string());
    let value = args.next().unwrap_or_else(|| "hello".to_string());

    let channel = match Channel::connect(&target) {
        Ok(channel) => channel,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let options = CallOptions::timeout(Duration::from_secs(5));
    match channel.unary::<Text, Text>(&path, &Text { value }, options) {
        Ok(response) => {
            println!("{}", response.message.value);
            for (key, value) in response.trailers.iter() {
                eprintln!("trailer {key}: {}", String::from_utf8_lossy(value));
            }
        }
        Err(status) => {
            eprintln!("{status}");
            std::process::exit(1);
        }
    }
}
