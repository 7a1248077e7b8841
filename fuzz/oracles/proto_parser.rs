//! `.proto` parser oracle: arbitrary text never panics the parser or the
//! pool; a file that loads converts to descriptors that build an equal pool,
//! which converts back to the same bytes (text -> descriptors -> pool ->
//! descriptors is lossless).

use grpclite::schema::convert::file_descriptor_set;
use grpclite::schema::pool::Pool;
use grpclite::schema::source_tree::MemorySourceTree;
use grpclite::wire::Message;

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = grpclite::schema::parse_file("fuzz.proto", text);
    let mut tree = MemorySourceTree::new();
    tree.add("fuzz.proto", text);
    let mut pool = Pool::new();
    let Ok(file) = pool.load(&tree, "fuzz.proto") else {
        return;
    };
    let set = file_descriptor_set(&pool, &[file], true, true).expect("a loaded file converts");
    let bytes = set.encode_to_vec();
    let mut rebuilt = Pool::new();
    let ids = rebuilt
        .add_file_descriptor_set(&set)
        .expect("our own descriptors build a pool");
    let last = *ids.last().expect("the set holds the file");
    let again =
        file_descriptor_set(&rebuilt, &[last], true, true).expect("a rebuilt file converts");
    assert_eq!(
        bytes,
        again.encode_to_vec(),
        "descriptors changed through a pool"
    );
}
