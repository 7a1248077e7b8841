//! Our FileDescriptorSet against protoc's, for the corpus: byte for byte,
//! and when not equal, the first difference of the decoded sets. Also: a
//! protoc-made set builds a pool equal in content to the one from text.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use grpclite::schema::convert::file_descriptor_set;
use grpclite::schema::descriptor::FileDescriptorSet;
use grpclite::schema::{well_known, DiskSourceTree, Pool};
use grpclite::wire::Message;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("proto")
}

/// A directory holding the built-in well-known types, for protoc's `-I`
/// (written once: tests run in parallel).
fn well_known_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("grpclite-wkt-{}", std::process::id()));
        for (name, text) in well_known::FILES {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        dir
    })
    .clone()
}

/// protoc's `--include_imports --descriptor_set_out` bytes for `file`.
/// With `--include_source_info` when `source_info` is set.
fn protoc_set(include: &Path, file: &str, source_info: bool) -> Vec<u8> {
    // Tests run in parallel: every call gets its own output file.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let out = std::env::temp_dir().join(format!("grpclite-fds-{}-{call}.pb", std::process::id()));
    let mut command = Command::new("protoc");
    if source_info {
        command.arg("--include_source_info");
    }
    let status = command
        .arg(format!("-I{}", include.display()))
        .arg(format!("-I{}", well_known_dir().display()))
        .arg("--include_imports")
        .arg(format!("--descriptor_set_out={}", out.display()))
        .arg(file)
        .status()
        .unwrap_or_else(|e| {
            panic!("protoc is required for this test (install protobuf-compiler 3.21): {e}")
        });
    assert!(status.success(), "protoc failed on {file}");
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    bytes
}

fn our_set(include: &Path, file: &str, source_info: bool) -> (Pool, Vec<u8>) {
    let mut pool = Pool::new();
    let id = pool
        .load(&DiskSourceTree::new([include.to_path_buf()]), file)
        .unwrap_or_else(|e| panic!("{e}"));
    let set =
        file_descriptor_set(&pool, &[id], true, source_info).unwrap_or_else(|e| panic!("{e}"));
    (pool, set.encode_to_vec())
}

/// The first line where the pretty-printed sets differ.
fn first_difference(ours: &FileDescriptorSet, theirs: &FileDescriptorSet) -> Option<String> {
    let a = format!("{ours:#?}");
    let b = format!("{theirs:#?}");
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    for i in 0..a.len().max(b.len()) {
        if a.get(i) != b.get(i) {
            let from = i.saturating_sub(8);
            let context = a.get(from..i).unwrap_or(&[]).join("\n");
            return Some(format!(
                "{context}\n  ours:   {}\n  protoc: {}",
                a.get(i).unwrap_or(&"<end>"),
                b.get(i).unwrap_or(&"<end>")
            ));
        }
    }
    None
}

fn compare(include: &Path, file: &str) {
    compare_with(include, file, false);
    compare_with(include, file, true);
}

fn compare_with(include: &Path, file: &str, source_info: bool) {
    let theirs = protoc_set(include, file, source_info);
    let (_, ours) = our_set(include, file, source_info);
    if ours == theirs {
        return;
    }
    if let Ok(dir) = std::env::var("GRPCLITE_DUMP_DIR") {
        let stem = format!("{}-{source_info}", file.replace('/', "_"));
        std::fs::write(format!("{dir}/{stem}.ours.pb"), &ours).unwrap();
        std::fs::write(format!("{dir}/{stem}.protoc.pb"), &theirs).unwrap();
    }
    let a = FileDescriptorSet::decode(&ours).unwrap();
    let b = FileDescriptorSet::decode(&theirs).unwrap();
    match first_difference(&a, &b) {
        Some(diff) => panic!("{file} (source info: {source_info}): our descriptor set differs from protoc's:\n{diff}"),
        None => panic!("{file}: same content, different bytes (field order?)"),
    }
}

#[test]
fn grpc_protos_match_protoc_byte_for_byte() {
    for file in [
        "grpc/testing/test.proto",
        "grpc/health/v1/health.proto",
        "grpc/reflection/v1/reflection.proto",
        "grpc/reflection/v1alpha/reflection.proto",
    ] {
        compare(&corpus(), file);
    }
}

#[test]
fn newer_descriptor_protos_match_protoc_byte_for_byte() {
    // Options protoc 3.21 does not know (editions features) come out as it
    // writes unknown fields: after the known ones, in declaration order.
    compare(
        &corpus().join("descriptor-latest"),
        "google/protobuf/descriptor.proto",
    );
    let tools = corpus().join("protobuf-tools");
    for file in [
        "google/protobuf/descriptor.proto",
        "google/protobuf/cpp_features.proto",
        "google/protobuf/java_features.proto",
        "google/protobuf/go_features.proto",
        "google/protobuf/compiler/plugin.proto",
    ] {
        compare(&tools, file);
    }
}

#[test]
fn well_known_types_match_protoc_byte_for_byte() {
    let dir = well_known_dir();
    for (name, _) in well_known::FILES {
        compare(&dir, name);
    }
}

#[test]
fn cases_match_protoc_byte_for_byte() {
    let dir = corpus().join("cases");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".proto") {
            compare(&dir, &name);
        }
    }
}

/// A protoc-made set builds a pool whose model equals the one built from
/// the text, and which writes the set back out unchanged.
fn check_built_from_protoc_set(include: &Path, file: &str) {
    for source_info in [false, true] {
        let theirs = protoc_set(include, file, source_info);
        let set = FileDescriptorSet::decode(&theirs).unwrap();
        let mut from_set = Pool::new();
        let ids = from_set
            .add_file_descriptor_set(&set)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let again = file_descriptor_set(&from_set, &ids, false, source_info).unwrap();
        assert!(
            again.encode_to_vec() == theirs,
            "{file}: set not written back unchanged"
        );
        let (text_pool, _) = our_set(include, file, false);
        for (_, m) in text_pool.messages() {
            let other = from_set.message_by_name(&m.full_name).expect(&m.full_name);
            let other = from_set.message(other).unwrap();
            assert_eq!(m.fields.len(), other.fields.len(), "{}", m.full_name);
            assert_eq!(m.is_map_entry, other.is_map_entry, "{}", m.full_name);
            for (a, b) in m.fields.iter().zip(&other.fields) {
                let key = |f: &grpclite::schema::FieldDescriptor| {
                    (
                        f.number,
                        f.name.clone(),
                        f.json_name.clone(),
                        f.label,
                        f.oneof_index,
                        f.proto3_optional,
                    )
                };
                assert_eq!(key(a), key(b), "{}", a.full_name);
                assert_eq!(
                    a.default_value.is_some(),
                    b.default_value.is_some(),
                    "{}",
                    a.full_name
                );
                assert_eq!(
                    text_pool.type_name(a.ty),
                    from_set.type_name(b.ty),
                    "{}",
                    a.full_name
                );
                assert_eq!(a.packed, b.packed, "{}", a.full_name);
            }
        }
        if source_info {
            // Comments come through the descriptor's source info.
            for (_, m) in text_pool.messages() {
                let other = from_set
                    .message(from_set.message_by_name(&m.full_name).unwrap())
                    .unwrap();
                assert_eq!(m.comments, other.comments, "{}", m.full_name);
                for (a, b) in m.fields.iter().zip(&other.fields) {
                    assert_eq!(a.comments, b.comments, "{}", a.full_name);
                }
            }
            for (_, sv) in text_pool.services() {
                let other = from_set
                    .service(from_set.service_by_name(&sv.full_name).unwrap())
                    .unwrap();
                assert_eq!(sv.comments, other.comments, "{}", sv.full_name);
                for (a, b) in sv.methods.iter().zip(&other.methods) {
                    assert_eq!(a.comments, b.comments, "{}", a.full_name);
                }
            }
            for (_, e) in text_pool.enums() {
                let other = from_set
                    .enumeration(from_set.enum_by_name(&e.full_name).unwrap())
                    .unwrap();
                assert_eq!(e.comments, other.comments, "{}", e.full_name);
                for (a, b) in e.values.iter().zip(&other.values) {
                    assert_eq!(a.comments, b.comments, "{}", a.full_name);
                }
            }
        }
        for (_, e) in text_pool.extensions() {
            let other = from_set
                .extension_by_name(&e.full_name)
                .expect(&e.full_name);
            let other = from_set.extension(other).unwrap();
            assert_eq!(
                (e.number, e.label),
                (other.number, other.label),
                "{}",
                e.full_name
            );
        }
    }
}

#[test]
fn protoc_descriptor_sets_build_equal_pools() {
    for file in [
        "grpc/testing/test.proto",
        "grpc/health/v1/health.proto",
        "grpc/reflection/v1/reflection.proto",
    ] {
        check_built_from_protoc_set(&corpus(), file);
    }
    let cases = corpus().join("cases");
    for file in ["features2.proto", "features3.proto", "options.proto"] {
        check_built_from_protoc_set(&cases, file);
    }
    let dir = well_known_dir();
    for (name, _) in well_known::FILES {
        check_built_from_protoc_set(&dir, name);
    }
}

#[test]
fn source_info_is_present_and_carries_comments() {
    let (_, ours) = our_set(&corpus(), "grpc/health/v1/health.proto", true);
    let set = FileDescriptorSet::decode(&ours).unwrap();
    let health = set.file.last().unwrap();
    let info = health.source_code_info.as_ref().expect("source info");
    // The root location spans the file; the Check method carries its comment.
    assert_eq!(info.location[0].path, Vec::<i32>::new());
    let check = info
        .location
        .iter()
        .find(|l| l.path == [6, 0, 2, 0])
        .expect("location of Health.Check");
    assert!(check
        .leading_comments
        .as_deref()
        .unwrap_or("")
        .contains("Clients should set a deadline when calling Check"));
}
