//! Parse time for the whole `.proto` corpus: text to a resolved pool (lex,
//! parse, resolve names, interpret options), and the pool to descriptors
//! equal to protoc's. Prints medians of repeated runs.
//!
//!     cargo bench --bench schema

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use grpclite::schema::convert::file_descriptor_set;
use grpclite::schema::pool::Pool;
use grpclite::schema::source_tree::DiskSourceTree;
use grpclite::wire::Message;

/// One include root and the files loaded from it into one pool.
struct Corpus {
    root: &'static str,
    files: &'static [&'static str],
}

const CORPUS: &[Corpus] = &[
    Corpus {
        root: "proto",
        files: &[
            "grpc/testing/test.proto",
            "grpc/health/v1/health.proto",
            "grpc/reflection/v1/reflection.proto",
            "grpc/reflection/v1alpha/reflection.proto",
            // The built-in well-known types.
            "google/protobuf/any.proto",
            "google/protobuf/api.proto",
            "google/protobuf/descriptor.proto",
            "google/protobuf/duration.proto",
            "google/protobuf/empty.proto",
            "google/protobuf/field_mask.proto",
            "google/protobuf/source_context.proto",
            "google/protobuf/struct.proto",
            "google/protobuf/timestamp.proto",
            "google/protobuf/type.proto",
            "google/protobuf/wrappers.proto",
        ],
    },
    Corpus {
        root: "proto/cases",
        files: &[
            "any_option.proto",
            "comments.proto",
            "features2.proto",
            "features3.proto",
            "options.proto",
        ],
    },
    Corpus {
        root: "proto/descriptor-latest",
        files: &["google/protobuf/descriptor.proto"],
    },
    Corpus {
        root: "proto/protobuf-tools",
        files: &[
            "google/protobuf/compiler/plugin.proto",
            "google/protobuf/cpp_features.proto",
            "google/protobuf/java_features.proto",
            "google/protobuf/go_features.proto",
        ],
    },
    Corpus {
        root: "wire/protobuf",
        files: &[
            "proto2_types.proto",
            "proto3_types.proto",
            "unknown_fields.proto",
        ],
    },
];

const RUNS: usize = 31;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let trees: Vec<(DiskSourceTree, &Corpus)> = CORPUS
        .iter()
        .map(|c| (DiskSourceTree::new([manifest.join(c.root)]), c))
        .collect();

    // Warm up, count the work once, and check every file loads.
    let (files, descriptor_bytes) = load_all(&trees);
    let source_bytes: u64 = CORPUS
        .iter()
        .flat_map(|c| c.files.iter().map(move |f| manifest.join(c.root).join(f)))
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();

    let load = median(|| {
        black_box(load_all(&trees));
    });
    println!(
        "schema: {files} files ({source_bytes} bytes of .proto on disk, plus built-ins; \
         {descriptor_bytes} bytes of descriptors)"
    );
    println!(
        "  parse + resolve + descriptors: median {:>8.3} ms per corpus ({:.1} MB/s of .proto text on disk)",
        load.as_secs_f64() * 1e3,
        source_bytes as f64 / load.as_secs_f64() / 1e6
    );
}

/// Loads every corpus into fresh pools and converts them to descriptor sets.
fn load_all(trees: &[(DiskSourceTree, &Corpus)]) -> (usize, usize) {
    let mut files = 0;
    let mut bytes = 0;
    for (tree, corpus) in trees {
        let mut pool = Pool::new();
        let ids = pool
            .load_all(tree, corpus.files.iter().copied())
            .unwrap_or_else(|e| panic!("{}: {}", corpus.root, e.render()));
        let set = file_descriptor_set(&pool, &ids, true, true)
            .unwrap_or_else(|e| panic!("{}: {}", corpus.root, e.render()));
        files += ids.len();
        bytes += set.encode_to_vec().len();
    }
    (files, bytes)
}

fn median(mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}
