//! JSON reader oracle: arbitrary bytes never panic the reader; whatever parses
//! writes back to text that parses to the same value (compact and pretty).

use grpclite::json;

pub fn check(data: &[u8]) {
    let Ok(value) = json::parse_bytes(data) else {
        return;
    };
    for text in [json::to_string(&value), json::to_string_pretty(&value)] {
        let again = json::parse(&text).expect("our own output must parse");
        assert_eq!(value, again, "round trip changed the value");
    }
}
