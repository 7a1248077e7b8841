//! Prints a Protobuf message without its schema, like `protoc --decode_raw`:
//! field numbers and values, with length-delimited values shown as nested
//! messages when they parse as one, else as strings or bytes.
//!
//!     cargo run --example decode_raw < wire/protobuf/nested3.bin

use std::io::Read;

use grpclite::wire::{Message, UnknownFields, UnknownValue, DEFAULT_MAX_DEPTH};

fn main() {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("decode_raw: reading standard input: {e}");
        std::process::exit(1);
    }
    match UnknownFields::decode(&input) {
        Ok(fields) => print_fields(&fields, 0),
        Err(e) => {
            eprintln!("decode_raw: not a Protobuf message: {e}");
            std::process::exit(1);
        }
    }
}

fn print_fields(fields: &UnknownFields, indent: usize) {
    let pad = "  ".repeat(indent);
    for field in fields.iter() {
        match field.value {
            UnknownValue::Varint(v) => println!("{pad}{}: {v}", field.field),
            UnknownValue::I32(v) => println!("{pad}{}: 0x{v:08x}", field.field),
            UnknownValue::I64(v) => println!("{pad}{}: 0x{v:016x}", field.field),
            UnknownValue::Group(body) | UnknownValue::Len(body) => {
                // Nested guesses stop at the wire codec's depth limit, so a
                // deeply nested input cannot exhaust the stack.
                let nested = (indent < DEFAULT_MAX_DEPTH as usize)
                    .then(|| UnknownFields::decode(body).ok())
                    .flatten()
                    .filter(|n| !n.is_empty());
                match (nested, std::str::from_utf8(body)) {
                    // Printable text reads better as a string even when it also parses.
                    (_, Ok(text)) if !text.chars().any(char::is_control) => {
                        println!("{pad}{}: {text:?}", field.field)
                    }
                    (Some(nested), _) => {
                        println!("{pad}{} {{", field.field);
                        print_fields(&nested, indent + 1);
                        println!("{pad}}}");
                    }
                    _ => println!(
                        "{pad}{}: {:?}",
                        field.field,
                        body.escape_ascii().to_string()
                    ),
                }
            }
        }
    }
}
