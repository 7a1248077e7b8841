//! Comments attach to the declarations they document exactly as protoc 3.21
//! records them in `SourceCodeInfo` (expected values taken from
//! `protoc --include_source_info` on `proto/cases/comments.proto`).

use std::path::PathBuf;

use grpclite::schema::{ast::Comments, parse_file, DiskSourceTree, Pool};

fn c(leading: &str, trailing: &str, detached: &[&str]) -> Comments {
    Comments {
        leading: (!leading.is_empty()).then(|| leading.to_string()),
        trailing: (!trailing.is_empty()).then(|| trailing.to_string()),
        leading_detached: detached.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn comments_match_protoc() {
    let tree = DiskSourceTree::new([PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("proto/cases")]);
    let mut pool = Pool::new();
    let file = pool.load(&tree, "comments.proto").unwrap();
    let file = pool.file(file).unwrap();
    assert_eq!(
        file.syntax_decl.as_ref().unwrap().1,
        c(
            " syntax leading\n",
            " syntax trailing\n",
            &[" file detached\n"]
        )
    );
    assert_eq!(
        file.package_decl.as_ref().unwrap().1,
        c(
            " leading pkg ",
            " trailing pkg ",
            &[" detached 1\n", " detached 2\n still detached 2\n"]
        )
    );
    let m = pool.message(file.messages[0]).unwrap();
    assert_eq!(m.comments, c("", " M trailing\n", &[]));
    let expected = [
        c(" a leading\n", " a trailing\n", &[]),
        c("", "", &[" a trailing 2\n"]),
        c("", " c trailing next line\n", &[]),
        c(" d leading\n second line\n", "", &[" d detached\n"]),
        c("", " e trailing\n", &[]),
        c("", " end detached?\n", &[]),
    ];
    for (f, want) in m.fields.iter().zip(&expected) {
        assert_eq!(&f.comments, want, "field {}", f.name);
    }
    let e = pool.enumeration(file.enums[0]).unwrap();
    assert_eq!(e.comments, c("", " E trailing ", &[]));
    assert_eq!(e.values[0].comments, c("", "", &[]));
    assert_eq!(e.values[1].comments, c("", " hmm\n", &[]));
}

#[test]
fn comments_on_services_methods_oneofs_and_enum_values() {
    let src = "syntax = \"proto3\";\n\
        // The service.\n\
        service S {\n\
          // Says hello.\n\
          rpc Hello (M) returns (M); // after hello\n\
          /* Streams. */\n\
          rpc Stream (stream M) returns (stream M) { // opens\n\
            option deprecated = true;\n\
          }\n\
        }\n\
        message M {\n\
          // The choice.\n\
          oneof choice { // choice trailing\n\
            // x doc\n\
            string x = 1;\n\
          }\n\
        }\n\
        enum E {\n\
          // zero\n\
          ZERO = 0; // nothing\n\
        }\n";
    let f = parse_file("s.proto", src).unwrap();
    let s = &f.services[0];
    assert_eq!(s.comments, c(" The service.\n", "", &[]));
    assert_eq!(
        s.methods[0].comments,
        c(" Says hello.\n", " after hello\n", &[])
    );
    assert_eq!(s.methods[1].comments, c(" Streams. ", " opens\n", &[]));
    let m = &f.messages[0];
    assert_eq!(
        m.oneofs[0].comments,
        c(" The choice.\n", " choice trailing\n", &[])
    );
    assert_eq!(m.fields[0].comments, c(" x doc\n", "", &[]));
    assert_eq!(
        f.enums[0].values[0].comments,
        c(" zero\n", " nothing\n", &[])
    );
}
