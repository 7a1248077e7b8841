//! ProtoJSON oracle over the conformance schema (`wire/json/conformance.proto`,
//! which uses every field kind and every well-known type): arbitrary text
//! never panics the parser; whatever parses prints (unless it holds a value
//! JSON cannot express) and parses back to the same message.

use std::sync::{Arc, OnceLock};

use grpclite::schema::pool::{MessageId, Pool};
use grpclite::schema::protojson::{self, ParseOptions, PrintOptions};
use grpclite::schema::source_tree::MemorySourceTree;

fn schema() -> &'static (Arc<Pool>, MessageId) {
    static SCHEMA: OnceLock<(Arc<Pool>, MessageId)> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut tree = MemorySourceTree::new();
        tree.add(
            "conformance.proto",
            include_str!("../../wire/json/conformance.proto"),
        );
        let mut pool = Pool::new();
        pool.load(&tree, "conformance.proto")
            .expect("the conformance schema loads");
        let id = pool
            .message_by_name("conformance.Everything")
            .expect("the schema has Everything");
        (Arc::new(pool), id)
    })
}

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pool, id) = schema();
    let Ok(message) = protojson::parse(pool, *id, text, &ParseOptions::default()) else {
        return;
    };
    let Ok(printed) = protojson::print(&message, &PrintOptions::default()) else {
        return;
    };
    let again = protojson::parse(pool, *id, &printed, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("our own output must parse: {e}\n{printed}"));
    assert_eq!(message, again, "round trip changed the message:\n{printed}");
}
