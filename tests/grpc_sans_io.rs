//! The grpc layer is sans-IO: outside its tests it names no socket, event
//! loop, thread or clock reading (DESIGN.md). Time only arrives as `now`.

use std::fs;
use std::path::PathBuf;

#[test]
fn grpc_layer_does_no_io() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/grpc");
    let forbidden = [
        "std::net",
        "mio",
        "std::thread",
        "Instant::now",
        "SystemTime",
        "std::fs",
        "std::io",
        "unsafe",
        "crate::h2",
        "crate::hpack",
    ];
    let mut checked = 0;
    for entry in fs::read_dir(&dir).expect("src/grpc missing") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        // Unit tests may read the clock; the code above them may not.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for word in forbidden {
            assert!(
                !code.contains(word),
                "{} mentions `{word}` outside its tests",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} files checked");
}
