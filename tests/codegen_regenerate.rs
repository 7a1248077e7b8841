//! The committed generated code under `tests/generated/` (and
//! `src/proto/generated.rs`) is what the generator produces today: it is
//! regenerated and compared, so it cannot drift, and it is rustfmt-clean.
//! `tests/codegen_generated.rs` compiles it (clippy `--all-targets` checks
//! it warning-free there).
//!
//! After changing the generator, run this test with `GRPCLITE_BLESS=1` to
//! rewrite the committed files, and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

use grpclite::build::Config;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Generated files: (committed path, include dir, protos).
fn targets() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    vec![
        (
            "tests/generated/corpus.rs",
            "wire/protobuf",
            vec![
                "proto3_types.proto",
                "proto2_types.proto",
                "unknown_fields.proto",
            ],
        ),
        (
            "tests/generated/cases.rs",
            "proto/cases",
            vec![
                "comments.proto",
                "features2.proto",
                "features3.proto",
                "options.proto",
            ],
        ),
        (
            "tests/generated/edge.rs",
            "tests/generated/proto",
            vec!["edge2.proto"],
        ),
        (
            "src/proto/generated.rs",
            "proto",
            vec!["grpc/testing/test.proto", "grpc/health/v1/health.proto"],
        ),
    ]
}

fn generate(include: &str, protos: &[&str], crate_internal: bool) -> String {
    let mut config = Config::new().include_path(root().join(include));
    if crate_internal {
        config = config.runtime_crate("crate");
    }
    config
        .compile_to_string(protos)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn committed_generated_code_is_what_the_generator_gives() {
    let bless = std::env::var_os("GRPCLITE_BLESS").is_some();
    for (path, include, protos) in targets() {
        let code = generate(include, &protos, path.starts_with("src/"));
        let file = root().join(path);
        if bless {
            std::fs::write(&file, &code).expect("write generated file");
            continue;
        }
        let committed = std::fs::read_to_string(&file).expect("read committed file");
        assert!(
            committed == code,
            "{path} differs from what the generator gives now; run with GRPCLITE_BLESS=1 and review the diff"
        );
    }
}

#[test]
fn generated_code_is_rustfmt_clean() {
    for (path, _, _) in targets() {
        let file = root().join(path);
        let output = Command::new("rustfmt")
            .args(["--edition", "2021", "--check"])
            .arg(&file)
            .output()
            .expect("rustfmt must be installed to check generated code");
        assert!(
            output.status.success(),
            "{path} is not rustfmt-clean:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn generation_is_deterministic_and_independent_of_rustfmt() {
    let (_, include, protos) = targets().remove(0);
    let a = Config::new()
        .include_path(root().join(include))
        .rustfmt(false)
        .compile_to_string(&protos)
        .unwrap();
    let b = Config::new()
        .include_path(root().join(include))
        .rustfmt(false)
        .compile_to_string(&protos)
        .unwrap();
    assert_eq!(a, b);
    assert!(a.contains("pub mod corpus3 {"));
    assert!(Path::new(&root().join("tests/generated")).is_dir());
}
