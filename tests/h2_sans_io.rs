//! The h2 layer stays sans-IO (DESIGN.md): no sockets, threads, clock, or
//! event loop in `src/h2`, and no import of the layers above it.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/h2 is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn h2_touches_no_io_and_no_upper_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/h2");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 10, "src/h2 not found at {}", root.display());
    let forbidden = [
        "std::net",
        "std::thread",
        "std::fs",
        "std::io",
        "mio::",
        "Instant::now",
        "SystemTime",
        "crate::net",
        "crate::grpc",
        "crate::api",
        "unsafe ",
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        // Unit tests may use the clock to make instants; the code may not.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        if file.ends_with("frame/tests.rs") {
            continue;
        }
        for word in forbidden {
            assert!(
                !code.contains(word),
                "{} mentions `{word}`: h2 must stay sans-IO",
                file.display()
            );
        }
    }
}
