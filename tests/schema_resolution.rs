//! Name resolution follows protobuf's scoping rules, as protoc applies them.

use grpclite::schema::{FieldType, MemorySourceTree, Pool};

fn pool_of(files: &[(&str, &str)]) -> Result<Pool, String> {
    let mut tree = MemorySourceTree::new();
    for (name, src) in files {
        tree.add(*name, *src);
    }
    let mut pool = Pool::new();
    pool.load(&tree, files[0].0).map_err(|e| e.short())?;
    Ok(pool)
}

/// The full name of the type of field `field` of message `message`.
fn type_of(pool: &Pool, message: &str, field: &str) -> String {
    let m = pool
        .message(pool.message_by_name(message).unwrap())
        .unwrap();
    let f = m.field_by_name(field).unwrap();
    pool.type_name(f.ty).unwrap()
}

#[test]
fn innermost_scope_is_searched_first() {
    let pool = pool_of(&[(
        "main.proto",
        "syntax = \"proto3\";\npackage a.b;\nmessage Foo {}\n\
         message M {\n  message Foo {}\n  Foo inner = 1;\n  .a.b.Foo outer = 2;\n  b.Foo via_package = 3;\n  M.Foo via_self = 4;\n}\n\
         message N { Foo f = 1; }\n",
    )])
    .unwrap();
    assert_eq!(type_of(&pool, "a.b.M", "inner"), ".a.b.M.Foo");
    assert_eq!(type_of(&pool, "a.b.M", "outer"), ".a.b.Foo");
    assert_eq!(type_of(&pool, "a.b.M", "via_package"), ".a.b.Foo");
    assert_eq!(type_of(&pool, "a.b.M", "via_self"), ".a.b.M.Foo");
    assert_eq!(type_of(&pool, "a.b.N", "f"), ".a.b.Foo");
}

#[test]
fn partial_name_fails_like_protoc_when_first_part_matches_nearer_scope() {
    let err = pool_of(&[(
        "main.proto",
        "syntax = \"proto3\";\npackage foo.bar;\nmessage Baz {}\nmessage M {\n  message foo {}\n  foo.bar.Baz x = 1;\n}\n",
    )])
    .unwrap_err();
    assert_eq!(
        err,
        "main.proto:6:3: \"foo.bar.Baz\" is resolved to \"foo.bar.M.foo.bar.Baz\", which is not defined; the innermost scope is searched first in name resolution, so use a leading '.' (\".foo.bar.Baz\") to start from the outermost scope"
    );
    // The leading dot makes it work.
    pool_of(&[(
        "main.proto",
        "syntax = \"proto3\";\npackage foo.bar;\nmessage Baz {}\nmessage M {\n  message foo {}\n  .foo.bar.Baz x = 1;\n}\n",
    )])
    .unwrap();
}

#[test]
fn a_non_type_with_the_name_is_skipped() {
    // The field `Foo` does not hide the message `Foo` from the type lookup.
    let pool = pool_of(&[(
        "main.proto",
        "syntax = \"proto3\";\nmessage Foo {}\nmessage M { Foo Foo = 1; }\n",
    )])
    .unwrap();
    assert_eq!(type_of(&pool, "M", "Foo"), ".Foo");
}

#[test]
fn imports_are_visible_only_directly_or_through_public() {
    let c = (
        "c.proto",
        "syntax = \"proto3\";\npackage c;\nmessage C {}\n",
    );
    let err = pool_of(&[
        (
            "a.proto",
            "syntax = \"proto3\";\nimport \"b.proto\";\nmessage A { c.C c = 1; }\n",
        ),
        ("b.proto", "syntax = \"proto3\";\nimport \"c.proto\";\n"),
        c,
    ])
    .unwrap_err();
    assert_eq!(
        err,
        "a.proto:3:13: \"c.C\" seems to be defined in \"c.proto\", which is not imported by \"a.proto\"; to use it here, add the import"
    );
    // `import public` re-exports, transitively.
    let pool = pool_of(&[
        (
            "a.proto",
            "syntax = \"proto3\";\nimport \"b.proto\";\nmessage A { c.C c = 1; }\n",
        ),
        (
            "b.proto",
            "syntax = \"proto3\";\nimport public \"b2.proto\";\n",
        ),
        (
            "b2.proto",
            "syntax = \"proto3\";\nimport public \"c.proto\";\n",
        ),
        c,
    ])
    .unwrap();
    assert_eq!(type_of(&pool, "A", "c"), ".c.C");
    let b = pool.file(pool.file_by_name("b.proto").unwrap()).unwrap();
    assert_eq!(b.public_dependencies, vec![0]);
}

#[test]
fn well_known_types_resolve_without_files_on_disk() {
    let pool = pool_of(&[(
        "main.proto",
        "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\nimport \"google/protobuf/any.proto\";\n\
         message M { google.protobuf.Timestamp at = 1; repeated google.protobuf.Any details = 2; }\n",
    )])
    .unwrap();
    assert_eq!(type_of(&pool, "M", "at"), ".google.protobuf.Timestamp");
    assert_eq!(type_of(&pool, "M", "details"), ".google.protobuf.Any");
}

#[test]
fn enum_values_are_siblings_of_their_enum() {
    let pool = pool_of(&[(
        "main.proto",
        "syntax = \"proto2\";\npackage p;\nmessage M {\n  enum Color { RED = 0; GREEN = 1; }\n  optional Color c = 1 [default = GREEN];\n}\n",
    )])
    .unwrap();
    let e = pool
        .enumeration(pool.enum_by_name("p.M.Color").unwrap())
        .unwrap();
    assert_eq!(e.values[1].full_name, "p.M.GREEN");
    assert!(pool.symbol("p.M.GREEN").is_some());
    assert!(pool.symbol("p.M.Color.GREEN").is_none());
    let m = pool.message(pool.message_by_name("p.M").unwrap()).unwrap();
    assert_eq!(
        m.fields[0].default_value,
        Some(grpclite::schema::DefaultValue::Enum {
            name: "GREEN".into(),
            number: 1
        })
    );
}

#[test]
fn extensions_groups_and_synthetic_oneofs() {
    let pool = pool_of(&[(
        "main.proto",
        "syntax = \"proto2\";\npackage p;\nmessage Base { extensions 100 to max; }\n\
         message Holder {\n  extend Base { optional string note = 100; }\n}\n\
         extend Base { repeated group Item = 101 { optional int32 id = 1; } }\n",
    )])
    .unwrap();
    let note = pool
        .extension(pool.extension_by_name("p.Holder.note").unwrap())
        .unwrap();
    assert_eq!(note.extendee, pool.message_by_name("p.Base"));
    assert_eq!(note.extension_scope, pool.message_by_name("p.Holder"));
    let item = pool
        .extension(pool.extension_by_name("p.item").unwrap())
        .unwrap();
    assert_eq!(
        item.ty,
        FieldType::Group(pool.message_by_name("p.Item").unwrap())
    );

    // proto3 `optional` gets `_name`, prefixed with X while the name is taken.
    let pool = pool_of(&[(
        "main.proto",
        "syntax = \"proto3\";\nmessage M { optional int32 foo = 1; oneof _foo { int32 z = 2; } optional int32 bar = 3; }\n",
    )])
    .unwrap();
    let m = pool.message(pool.message_by_name("M").unwrap()).unwrap();
    let oneofs: Vec<(&str, bool)> = m
        .oneofs
        .iter()
        .map(|o| (o.name.as_str(), o.synthetic))
        .collect();
    assert_eq!(oneofs, [("_foo", false), ("X_foo", true), ("_bar", true)]);
    let indexes: Vec<Option<usize>> = m.fields.iter().map(|f| f.oneof_index).collect();
    assert_eq!(indexes, [Some(1), Some(0), Some(2)]);
    assert!(m.fields[0].proto3_optional && !m.fields[1].proto3_optional);
}

#[test]
fn method_types_resolve_from_the_service_scope() {
    let pool = pool_of(&[(
        "main.proto",
        "syntax = \"proto3\";\npackage p.q;\nmessage Req {}\nservice S { rpc Call (Req) returns (.p.q.Req); rpc Up (stream q.Req) returns (stream Req); }\n",
    )])
    .unwrap();
    let s = pool
        .service(pool.service_by_name("p.q.S").unwrap())
        .unwrap();
    let req = pool.message_by_name("p.q.Req").unwrap();
    assert!(s.methods.iter().all(|m| m.input == req && m.output == req));
    assert!(s.methods[1].client_streaming && s.methods[1].server_streaming);
}

#[test]
fn pool_resolve_follows_protoc_rules() {
    let pool = pool_of(&[(
        "main.proto",
        "syntax = \"proto3\";\npackage a.b;\nmessage Foo { message Bar {} }\nmessage M { message Foo {} int32 x = 1; }\n",
    )])
    .unwrap();
    let found = |name: &str, from: &str| pool.resolve(name, from).map(|(full, _)| full);
    assert_eq!(found("Foo", "a.b.M.x").as_deref(), Some("a.b.M.Foo"));
    assert_eq!(found("Foo", "a.b.M").as_deref(), Some("a.b.Foo"));
    assert_eq!(found(".a.b.Foo", "a.b.M.x").as_deref(), Some("a.b.Foo"));
    assert_eq!(found("Foo.Bar", "a.b.N").as_deref(), Some("a.b.Foo.Bar"));
    // `Foo` matches `a.b.M.Foo` first, which has no `Bar`: no fallback outward.
    assert_eq!(found("Foo.Bar", "a.b.M.x"), None);
    assert_eq!(found("b.Foo", "a.b.M.x").as_deref(), Some("a.b.Foo"));
    assert_eq!(found("x", "a.b.M.y").as_deref(), Some("a.b.M.x"));
}

#[test]
fn enum_values_that_differ_after_prefix_stripping_are_fine() {
    // PascalCase keeps these apart (BarBaz vs Barbaz); equal numbers make aliases.
    pool_of(&[(
        "main.proto",
        "syntax = \"proto3\";\nenum Foo { FOO_BAR_BAZ = 0; FOO_BARBAZ = 1; }\n\
         enum Bar { option allow_alias = true; BAR_A = 0; A = 0; bar_a_x = 1; }\n",
    )])
    .unwrap();
    // proto2 only warns (protoc), so it loads.
    pool_of(&[(
        "main.proto",
        "syntax = \"proto2\";\nenum Foo { FOO_UNKNOWN = 0; UNKNOWN = 1; }\n",
    )])
    .unwrap();
}

#[test]
fn reserved_numbers_and_names_protoc_accepts() {
    // Past the field-number limit, and names that are not identifiers, as protoc 3.21 allows.
    let pool = pool_of(&[(
        "main.proto",
        "syntax = \"proto2\";\nmessage M { reserved 536870912, 600000000 to 600000010; reserved \"a-b\"; }\n\
         message S { option message_set_wire_format = true; extensions 4 to max; }\n",
    )])
    .unwrap();
    let m = pool.message(pool.message_by_name("M").unwrap()).unwrap();
    assert_eq!(m.reserved_ranges[1].end, 600_000_010);
    assert_eq!(m.reserved_names, ["a-b"]);
    let s = pool.message(pool.message_by_name("S").unwrap()).unwrap();
    assert_eq!(s.extension_ranges[0].end, i32::MAX - 1);
}
