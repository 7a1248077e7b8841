//! A table of broken schemas with the exact error (file:line:column and
//! message) each must give.

use grpclite::schema::{MemorySourceTree, Pool};

/// Loads `main.proto` from `files` and returns the one-line error.
fn error_of(files: &[(&str, &str)]) -> String {
    let mut tree = MemorySourceTree::new();
    for (name, src) in files {
        tree.add(*name, *src);
    }
    let mut pool = Pool::new();
    match pool.load(&tree, "main.proto") {
        Ok(_) => "no error".to_string(),
        Err(e) => e.short(),
    }
}

const P3: &str = "syntax = \"proto3\";\n";
const P2: &str = "syntax = \"proto2\";\n";

#[rustfmt::skip]
const CASES: &[(&str, &str)] = &[
    // --- lexical and syntax errors ---
    ("syntax = \"proto3\";\nmessage A {\n  int32 a = 1 }\n",
     "main.proto:3:15: expected `;` after field declaration, found `}`"),
    ("edition = \"2023\";\nmessage A {}\n",
     "main.proto:1:1: editions are not supported yet (edition \"2023\")"),
    ("syntax = \"proto4\";\n",
     "main.proto:1:10: unrecognized syntax \"proto4\": expected \"proto2\" or \"proto3\""),
    ("syntax = \"proto3\";\nmessage A {\n  int32 a = 1;\n",
     "main.proto:4:1: expected `}` to close message `A`, found end of file"),
    ("syntax = \"proto3\"\nmessage A {}\n",
     "main.proto:2:1: expected `;` after the syntax statement, found `message`"),
    ("syntax = \"proto3\";\nmessage A { int32 = 1; }\n",
     "main.proto:2:19: expected a field name after the type, found `=`"),
    ("syntax = \"proto3\";\nmessage A { int32 a 1; }\n",
     "main.proto:2:21: expected `=` after field name `a`, found `1`"),
    ("syntax = \"proto3\";\nmessage A { int32 a = 1 [deprecated = true; }\n",
     "main.proto:2:43: expected `]` or `,` after an option in `[...]`, found `;`"),
    ("syntax = \"proto3\";\nfoo bar;\n",
     "main.proto:2:1: expected a top-level declaration (`message`, `enum`, `service`, `extend`, `import`, `package` or `option`), found `foo`"),
    ("syntax = \"proto3\";\n/* never closed\nmessage A {}\n",
     "main.proto:2:1: block comment is not closed: expected `*/` before the end of the file"),
    ("syntax = \"proto3\";\noption java_package = \"abc\n;\n",
     "main.proto:2:23: string literal is not closed: expected a closing quote before the end of the line"),
    ("syntax = \"proto3\";\noption x = \"\\q\";\n",
     "main.proto:2:13: invalid escape sequence `\\q` in string literal"),
    ("syntax = \"proto3\";\nmessage A { int32 a = 99999999999999999999; }\n",
     "main.proto:2:23: integer literal `99999999999999999999` does not fit in 64 bits"),
    ("syntax = \"proto3\";\nmessage A { int32 a = 1; }\nsyntax = \"proto3\";\n",
     "main.proto:3:1: the syntax statement must be the first statement of the file"),
    ("syntax = \"proto3\";\npackage a;\npackage b;\n",
     "main.proto:3:1: a file may declare its package only once"),
    ("syntax = \"proto3\";\nmessage A { oneof o { } }\n",
     "main.proto:2:13: oneof `o` must have at least one field"),
    ("syntax = \"proto3\";\nenum E { }\n",
     "main.proto:2:1: enum `E` must have at least one value"),
    ("syntax = \"proto3\";\nservice S { rpc M (A) returns B; }\nmessage A {}\nmessage B {}\n",
     "main.proto:2:31: expected `(` after `returns`, found `B`"),
    // --- labels, groups, maps ---
    ("message A { int32 a = 1; }\n",
     "main.proto:1:13: expected a field label (`optional`, `required` or `repeated`) in a proto2 message, found `int32`"),
    ("syntax = \"proto3\";\nmessage A { required int32 a = 1; }\n",
     "main.proto:2:13: required fields are not allowed in proto3"),
    ("syntax = \"proto3\";\nmessage A { oneof o { optional int32 a = 1; } }\n",
     "main.proto:2:23: fields in oneofs must not have labels (`required`, `optional` or `repeated`)"),
    ("syntax = \"proto3\";\nmessage A { optional group G = 1 {} }\n",
     "main.proto:2:13: groups are not supported in proto3 syntax"),
    ("syntax = \"proto2\";\nmessage A { optional group g = 1 {} }\n",
     "main.proto:2:28: group names must start with a capital letter"),
    ("syntax = \"proto3\";\nmessage A { map<float, string> m = 1; }\n",
     "main.proto:2:17: `float` cannot be a map key: key types are integral types, bool or string"),
    ("syntax = \"proto3\";\nmessage A { repeated map<string, string> m = 1; }\n",
     "main.proto:2:13: map fields cannot have labels (`required`, `optional` or `repeated`)"),
    ("syntax = \"proto3\";\nenum E { Z = 0; }\nmessage A { map<E, string> m = 1; }\n",
     "main.proto:3:13: key in map fields cannot be enum types"),
    ("syntax = \"proto3\";\nmessage A { map<A, string> m = 1; }\n",
     "main.proto:2:13: key in map fields cannot be float/double, bytes or message types"),
    // --- numbers ---
    ("syntax = \"proto3\";\nmessage A { int32 a = 0; }\n",
     "main.proto:2:23: field numbers must be positive integers"),
    ("syntax = \"proto3\";\nmessage A { int32 a = 536870912; }\n",
     "main.proto:2:23: field numbers cannot be greater than 536870911"),
    ("syntax = \"proto3\";\nmessage A { int32 a = 19500; }\n",
     "main.proto:2:23: field numbers 19000 through 19999 are reserved for the protocol buffer library implementation"),
    ("syntax = \"proto3\";\nmessage A {\n  int32 a = 1;\n  int32 b = 1;\n}\n",
     "main.proto:4:3: field number 1 has already been used in \"A\" by field \"a\""),
    ("syntax = \"proto3\";\nmessage A {\n  reserved 2, 9 to 11;\n  int32 a = 10;\n}\n",
     "main.proto:4:3: field \"a\" uses reserved number 10"),
    ("syntax = \"proto3\";\nmessage A {\n  reserved \"a\";\n  int32 a = 1;\n}\n",
     "main.proto:4:3: field name \"a\" is reserved"),
    ("syntax = \"proto2\";\nmessage A {\n  extensions 10 to max;\n  optional int32 a = 100;\n}\n",
     "main.proto:4:3: extension range 10 to 536870911 includes field \"a\" (100)"),
    ("syntax = \"proto2\";\nmessage A {\n  extensions 10 to 5;\n}\n",
     "main.proto:3:14: extension range end number must be greater than start number"),
    ("syntax = \"proto2\";\nmessage A {\n  reserved 1 to 5, 3;\n}\n",
     "main.proto:2:1: reserved range 3 to 3 overlaps with already-defined range 1 to 5 in \"A\""),
    ("syntax = \"proto3\";\nmessage A { extensions 100 to 200; }\n",
     "main.proto:2:13: extension ranges are not allowed in proto3"),
    // --- names ---
    ("syntax = \"proto3\";\npackage p;\nmessage A {}\nmessage A {}\n",
     "main.proto:4:9: \"A\" is already defined in \"p\""),
    ("syntax = \"proto3\";\nmessage A {\n  int32 foo = 1;\n  message foo {}\n}\n",
     "main.proto:3:9: \"foo\" is already defined in \"A\""),
    ("syntax = \"proto3\";\nenum E { X = 0; }\nenum F { X = 0; }\n",
     "main.proto:3:10: \"X\" is already defined; note that enum values use C++ scoping rules: they are siblings of their type, not children of it, so \"X\" must be unique within \"\", not just within its enum"),
    ("syntax = \"proto3\";\nmessage A { B b = 1; }\n",
     "main.proto:2:13: \"B\" is not defined"),
    ("syntax = \"proto3\";\nmessage A { int32 x = 1; x y = 2; }\n",
     "main.proto:2:26: \"x\" is not defined"),
    ("syntax = \"proto3\";\nservice S { rpc M (E) returns (E); }\nenum E { Z = 0; }\n",
     "main.proto:2:20: \"E\" is not a message type"),
    // --- enums ---
    ("syntax = \"proto3\";\nenum E { A = 1; }\n",
     "main.proto:2:14: the first enum value must be zero in proto3"),
    ("syntax = \"proto3\";\nenum E {\n  A = 0;\n  B = 0;\n}\n",
     "main.proto:4:3: \"B\" uses the same enum value as \"A\"; if this is intended, set 'option allow_alias = true;' on the enum"),
    ("syntax = \"proto3\";\nenum E {\n  option allow_alias = true;\n  A = 0;\n  B = 1;\n}\n",
     "main.proto:2:1: \"E\" declares 'option allow_alias = true;' but no enum values share a number; remove the option"),
    ("syntax = \"proto3\";\nenum E {\n  reserved 1 to 3;\n  A = 0;\n  B = 2;\n}\n",
     "main.proto:5:3: enum value \"B\" uses reserved number 2"),
    ("syntax = \"proto3\";\nenum Foo {\n  FOO_UNKNOWN = 0;\n  UNKNOWN = 1;\n}\n",
     "main.proto:4:3: enum value UNKNOWN has the same name as FOO_UNKNOWN if you ignore case and strip out the enum name prefix; give them the same number to make them aliases, or rename one"),
    ("syntax = \"proto3\";\nenum E {\n  A = 0;\n  reserved 1 to max;\n  reserved 5;\n}\n",
     "main.proto:2:1: reserved range 5 to 5 overlaps with already-defined range 1 to 2147483647 in \"E\""),
    ("syntax = \"proto3\";\nenum E {\n  A = 0;\n  reserved \"B\", \"B\";\n}\n",
     "main.proto:4:17: enum value \"B\" is reserved multiple times"),
    // --- options and defaults ---
    ("syntax = \"proto3\";\nmessage A { int32 a = 1 [default = 5]; }\n",
     "main.proto:2:26: explicit default values are not allowed in proto3"),
    ("syntax = \"proto2\";\nmessage A { optional int32 a = 1 [default = \"x\"]; }\n",
     "main.proto:2:45: expected an integer default value for int32 field \"a\""),
    ("syntax = \"proto2\";\nmessage A { optional int32 a = 1 [default = 2147483648]; }\n",
     "main.proto:2:45: default value 2147483648 is out of range for int32 field \"a\""),
    ("syntax = \"proto2\";\nmessage A { optional uint32 a = 1 [default = -1]; }\n",
     "main.proto:2:46: unsigned field \"a\" can't have a negative default value"),
    ("syntax = \"proto2\";\nenum E { Z = 0; }\nmessage A { optional E a = 1 [default = Y]; }\n",
     "main.proto:3:41: enum type \"E\" has no value named \"Y\""),
    ("syntax = \"proto2\";\nmessage A { repeated int32 a = 1 [default = 1]; }\n",
     "main.proto:2:45: repeated fields can't have default values"),
    ("syntax = \"proto2\";\nmessage A { optional A a = 1 [default = 1]; }\n",
     "main.proto:2:41: messages can't have default values"),
    ("syntax = \"proto2\";\nmessage A { optional bool a = 1 [default = 1]; }\n",
     "main.proto:2:44: expected `true` or `false` as default value for bool field \"a\""),
    ("syntax = \"proto3\";\nmessage A { int32 a = 1 [packed = true]; }\n",
     "main.proto:2:13: [packed = true] can only be specified for repeated primitive fields"),
    ("syntax = \"proto3\";\nmessage A { repeated int32 a = 1 [packed = 1]; }\n",
     "main.proto:2:44: value must be `true` or `false` for boolean option \"packed\""),
    ("syntax = \"proto3\";\nmessage A { int32 a = 1 [deprecated = true, deprecated = false]; }\n",
     "main.proto:2:45: option \"deprecated\" was already set"),
    ("syntax = \"proto3\";\nmessage A { int32 foo_bar = 1; int32 fooBar = 2; }\n",
     "main.proto:2:32: the JSON camel-case name of field \"fooBar\" conflicts with field \"foo_bar\"; this is not allowed in proto3"),
    ("syntax = \"proto3\";\nmessage A { option map_entry = true; }\n",
     "main.proto:2:13: map_entry should not be set explicitly; use map<KeyType, ValueType> instead"),
    ("syntax = \"proto2\";\nmessage S {\n  option message_set_wire_format = true;\n  extensions 4 to max;\n  optional int32 a = 1;\n}\n",
     "main.proto:5:3: message sets cannot have fields, only extensions"),
    ("syntax = \"proto2\";\nmessage S {\n  option message_set_wire_format = true;\n  extensions 4 to max;\n}\nextend S { optional int32 a = 4; }\n",
     "main.proto:6:12: extensions of message sets must be optional messages"),
    ("syntax = \"proto3\";\nmessage M { option message_set_wire_format = true; }\n",
     "main.proto:2:9: MessageSet is not supported in proto3"),
    ("syntax = \"proto2\";\nmessage M { optional int32 a = 1 [lazy = true]; }\n",
     "main.proto:2:13: [lazy = true] can only be specified for submessage fields"),
    ("syntax = \"proto2\";\nmessage M { optional string a = 1 [jstype = JS_STRING]; }\n",
     "main.proto:2:13: jstype is only allowed on int64, uint64, sint64, fixed64 or sfixed64 fields"),
    // --- option interpretation ---
    ("syntax = \"proto3\";\noption java_pakage = \"x\";\n",
     "main.proto:2:1: option \"java_pakage\" unknown: \"google.protobuf.FileOptions\" has no such field"),
    ("syntax = \"proto3\";\noption java_package = 5;\n",
     "main.proto:2:1: option \"java_package\": expected a string"),
    ("syntax = \"proto3\";\noption optimize_for = FASTEST;\n",
     "main.proto:2:1: option \"optimize_for\": enum type \"google.protobuf.FileOptions.OptimizeMode\" has no value named \"FASTEST\""),
    ("syntax = \"proto3\";\nmessage A { int32 a = 1 [(nope) = 1]; }\n",
     "main.proto:2:26: option \"(nope)\" unknown: no such extension of \"google.protobuf.FieldOptions\" is visible"),
    ("syntax = \"proto2\";\nimport \"google/protobuf/descriptor.proto\";\n\
      message R { optional int32 a = 1; }\n\
      extend google.protobuf.MessageOptions { optional R r = 5000; }\n\
      message A {\n  option (r).a = 1;\n  option (r) = { a: 2 };\n}\n",
     "main.proto:7:3: option \"(r)\" was already set"),
    ("syntax = \"proto2\";\nimport \"google/protobuf/descriptor.proto\";\n\
      extend google.protobuf.FileOptions { optional int32 small = 5000; }\n\
      option (small) = 3000000000;\n",
     "main.proto:4:1: option \"(small)\": value 3000000000 is out of range"),
    ("syntax = \"proto2\";\nimport \"google/protobuf/descriptor.proto\";\n\
      message R { optional int32 a = 1; }\n\
      extend google.protobuf.FileOptions { optional R r = 5000; }\n\
      option (r) = { b: 1 };\n",
     "main.proto:5:1: option \"(r)\": \"R\" has no field named \"b\""),
    ("syntax = \"proto2\";\npackage p;\nimport \"google/protobuf/descriptor.proto\";\n\
      extend google.protobuf.FieldOptions { optional int32 tag = 5000; }\n\
      message M {\n  optional int32 tag = 1;\n  optional int32 b = 2 [(tag) = 1];\n}\n",
     "main.proto:7:25: option field \"(tag)\" resolves to \"p.M.tag\", which is not an extension of \"google.protobuf.FieldOptions\""),
    // --- extensions ---
    ("syntax = \"proto2\";\nmessage A { extensions 100 to 199; }\nextend A { optional int32 e = 5; }\n",
     "main.proto:3:12: \"A\" does not declare 5 as an extension number"),
    ("syntax = \"proto2\";\nmessage A { extensions 100 to 199; }\nextend A {\n  optional int32 e = 100;\n  optional int32 f = 100;\n}\n",
     "main.proto:5:3: extension number 100 has already been used in \"A\" by extension \"e\""),
    ("syntax = \"proto2\";\nmessage A { extensions 100 to 199; }\nextend A { required int32 e = 100; }\n",
     "main.proto:3:12: extension fields cannot be required"),
    ("syntax = \"proto2\";\nenum E { Z = 0; }\nextend E { optional int32 e = 100; }\n",
     "main.proto:3:8: \"E\" is not a message type"),
];

#[test]
fn each_broken_schema_gives_its_error() {
    let mut failures = Vec::new();
    for (src, want) in CASES {
        let got = error_of(&[("main.proto", src)]);
        if got != *want {
            failures.push(format!("source:\n{src}\n  want: {want}\n  got:  {got}\n"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn import_errors() {
    assert_eq!(
        error_of(&[("main.proto", "syntax = \"proto3\";\nimport \"missing.proto\";\n")]),
        "main.proto:2:1: import \"missing.proto\" was not found or had errors: not found among the files given in memory"
    );
    assert_eq!(
        error_of(&[
            ("main.proto", "syntax = \"proto3\";\nimport \"b.proto\";\n"),
            ("b.proto", "syntax = \"proto3\";\nimport \"main.proto\";\n"),
        ]),
        "b.proto:2:1: file recursively imports itself: main.proto -> b.proto -> main.proto"
    );
    assert_eq!(
        error_of(&[
            (
                "main.proto",
                "syntax = \"proto3\";\nimport \"a.proto\";\nimport \"a.proto\";\n"
            ),
            ("a.proto", P3)
        ]),
        "main.proto:3:1: import \"a.proto\" is listed twice"
    );
    // An error inside an imported file is reported in that file.
    assert_eq!(
        error_of(&[
            ("main.proto", "syntax = \"proto3\";\nimport \"a.proto\";\n"),
            ("a.proto", "syntax = \"proto3\";\nmessage {}\n")
        ]),
        "a.proto:2:9: expected a message name after `message`, found `{`"
    );
    let _ = P2;
}

#[test]
fn full_runtime_file_cannot_import_lite_one() {
    assert_eq!(
        error_of(&[
            ("main.proto", "syntax = \"proto3\";\nimport \"lite.proto\";\n"),
            ("lite.proto", "syntax = \"proto3\";\noption optimize_for = LITE_RUNTIME;\n"),
        ]),
        "main.proto:2:1: files that do not use optimize_for = LITE_RUNTIME cannot import files which do; this file is not lite, but it imports \"lite.proto\", which is"
    );
    assert_eq!(
        error_of(&[
            ("main.proto", "syntax = \"proto3\";\noption optimize_for = LITE_RUNTIME;\nimport \"lite.proto\";\n"),
            ("lite.proto", "syntax = \"proto3\";\noption optimize_for = LITE_RUNTIME;\n"),
        ]),
        "no error"
    );
}

#[test]
fn duplicate_across_files() {
    assert_eq!(
        error_of(&[
            (
                "main.proto",
                "syntax = \"proto3\";\npackage p;\nimport \"a.proto\";\nmessage A {}\n"
            ),
            (
                "a.proto",
                "syntax = \"proto3\";\npackage p;\nmessage A {}\n"
            ),
        ]),
        "main.proto:4:9: \"p.A\" is already defined in file \"a.proto\""
    );
}

#[test]
fn rendered_error_shows_line_and_caret() {
    let mut tree = MemorySourceTree::new();
    tree.add(
        "main.proto",
        "syntax = \"proto3\";\nmessage A {\n  int32 a = 1 }\n",
    );
    let e = Pool::new().load(&tree, "main.proto").unwrap_err();
    assert_eq!(
        e.to_string(),
        "error: expected `;` after field declaration, found `}`\n --> main.proto:3:15\n  |\n3 |   int32 a = 1 }\n  |               ^"
    );
}

#[test]
fn failed_file_leaves_pool_unchanged() {
    let mut tree = MemorySourceTree::new();
    tree.add(
        "good.proto",
        "syntax = \"proto3\";\npackage g;\nmessage G {}\n",
    );
    tree.add(
        "bad.proto",
        "syntax = \"proto3\";\npackage b;\nmessage B { int32 a = 1; }\nmessage C { X x = 1; }\n",
    );
    tree.add(
        "fixed.proto",
        "syntax = \"proto3\";\npackage b;\nmessage B { int32 a = 1; }\n",
    );
    let mut pool = Pool::new();
    pool.load(&tree, "good.proto").unwrap();
    assert!(pool.load(&tree, "bad.proto").is_err());
    assert_eq!(pool.files().count(), 1);
    assert!(pool.message_by_name("b.B").is_none());
    assert!(pool.symbol("b").is_none());
    // The names the failed file declared are free again.
    pool.load(&tree, "fixed.proto").unwrap();
    assert!(pool.message_by_name("b.B").is_some());
}

#[test]
fn errors_in_descriptors_name_the_file() {
    use grpclite::schema::descriptor::{
        DescriptorProto, FieldDescriptorProto, FileDescriptorProto,
    };
    let file = FileDescriptorProto {
        name: Some("d.proto".into()),
        message_type: vec![DescriptorProto {
            name: Some("M".into()),
            field: vec![FieldDescriptorProto {
                name: Some("f".into()),
                number: Some(1),
                label: Some(1),
                r#type: Some(11),
                type_name: Some(".Missing".into()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let e = Pool::new().add_file_descriptor_proto(&file).unwrap_err();
    assert_eq!(e.short(), "d.proto: \".Missing\" is not defined");
}
