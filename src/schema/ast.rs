//! The syntax tree of one `.proto` file, as written: names are not resolved
//! yet, and declarations keep their positions and comments.

use super::error::Span;

/// Comments attached to a declaration, as protoc records them in
/// `SourceCodeInfo.Location` (descriptor.proto): markers stripped, newlines kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comments {
    /// The comment directly above the declaration.
    pub leading: Option<String>,
    /// The comment after the declaration's `;` or `{`.
    pub trailing: Option<String>,
    /// Paragraphs above the leading comment, separated from it by blank lines.
    pub leading_detached: Vec<String>,
}

/// The `syntax` a file declares; a file without one is proto2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// `syntax = "proto2";` or no syntax statement.
    #[default]
    Proto2,
    /// `syntax = "proto3";`.
    Proto3,
}

impl Syntax {
    /// The name as written in the syntax statement and in descriptors.
    pub fn as_str(self) -> &'static str {
        match self {
            Syntax::Proto2 => "proto2",
            Syntax::Proto3 => "proto3",
        }
    }
}

/// One parsed `.proto` file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    /// The name it was loaded by (relative to an include path).
    pub name: String,
    /// Its syntax.
    pub syntax: Syntax,
    /// The syntax statement's place and comments, if there was one.
    pub syntax_decl: Option<(Span, Comments)>,
    /// `package a.b;`, if present.
    pub package: Option<Package>,
    /// Imports in declaration order.
    pub imports: Vec<Import>,
    /// File options in declaration order.
    pub options: Vec<OptionDecl>,
    /// Top-level messages.
    pub messages: Vec<Message>,
    /// Top-level enums.
    pub enums: Vec<Enum>,
    /// Services.
    pub services: Vec<Service>,
    /// Top-level `extend` blocks.
    pub extends: Vec<Extend>,
    /// Where every element is, in protoc's `SourceCodeInfo` form.
    pub locations: Vec<SourceLocation>,
}

/// One entry of protoc's `SourceCodeInfo`: an element's path (field numbers
/// and indexes from `FileDescriptorProto` down), where it is, and its comments
/// (descriptor.proto, `SourceCodeInfo.Location`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceLocation {
    /// The path; for an option, the path of its options message only, to
    /// which interpreting the option appends the option's own field path.
    pub path: Vec<i32>,
    /// `[start line, start column, end line, end column]`, 0-based, columns in
    /// bytes with tabs advancing to a multiple of 8, as protoc counts them.
    pub span: [i32; 4],
    /// The comments, for declarations.
    pub comments: Comments,
    /// This is an option's location, completed when the option is interpreted.
    pub is_option: bool,
}

/// `package a.b.c;`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Package {
    /// The dotted name.
    pub name: String,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// How an import makes the imported names visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// `import "x.proto";`: visible in this file only.
    Plain,
    /// `import public "x.proto";`: also visible to files importing this one.
    Public,
    /// `import weak "x.proto";`: visible, but the dependency may be absent at run time.
    Weak,
}

/// `import [public|weak] "path";`.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// The imported file name.
    pub path: String,
    /// Plain, public or weak.
    pub kind: ImportKind,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// One part of an option name: `java_package` or `(my.ext)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionNamePart {
    /// The name, without parentheses (an extension name may start with `.`).
    pub name: String,
    /// Written in parentheses: a custom option (an extension of the options message).
    pub is_extension: bool,
}

/// A constant as written in an option or default value.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    /// An identifier: `true`, `false`, `inf`, `nan` or an enum value name.
    Identifier(String),
    /// An integer, with its sign kept apart so `-0` and 2^64-1 both fit.
    Int {
        /// Written with a leading `-`.
        negative: bool,
        /// The absolute value.
        magnitude: u64,
    },
    /// A float literal (including `-inf`, `nan` when signed).
    Float(f64),
    /// A string literal after escapes (adjacent literals concatenated).
    String(Vec<u8>),
    /// A text-format message in braces: `{ a: 1 b { c: "x" } }`.
    Aggregate(TextMessage),
}

/// A text-format message body (the value of an aggregate option).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextMessage {
    /// Fields in the order written.
    pub fields: Vec<TextField>,
    /// The tokens between the braces joined by spaces, as protoc keeps them
    /// in `UninterpretedOption.aggregate_value`.
    pub text: String,
}

/// One `name: value` in a text-format message.
#[derive(Clone, Debug, PartialEq)]
pub struct TextField {
    /// `name`, `[ext.name]` or `[type.url/Name]`.
    pub name: String,
    /// The name was in brackets (an extension or an `Any` type URL).
    pub is_extension: bool,
    /// The value.
    pub value: TextValue,
}

/// A text-format value.
#[derive(Clone, Debug, PartialEq)]
pub enum TextValue {
    /// A scalar constant.
    Scalar(Constant),
    /// A nested message.
    Message(TextMessage),
    /// `[v1, v2]`.
    List(Vec<TextValue>),
}

/// `option name = value;` or one `name = value` in `[...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct OptionDecl {
    /// The name parts, separated by `.` in the source.
    pub name: Vec<OptionNamePart>,
    /// The value.
    pub value: Constant,
    /// The whole option.
    pub span: Span,
    /// Where the value starts, for type errors.
    pub value_span: Span,
    /// Its comments (option statements only).
    pub comments: Comments,
    /// Its entries in [`File::locations`] (one, or one per range of an
    /// `extensions` statement); empty if the parser recorded none.
    pub location: Vec<usize>,
}

impl OptionDecl {
    /// The option name as written, e.g. `(my.opt).sub`.
    pub fn name_text(&self) -> String {
        let mut out = String::new();
        for (i, part) in self.name.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            if part.is_extension {
                out.push('(');
                out.push_str(&part.name);
                out.push(')');
            } else {
                out.push_str(&part.name);
            }
        }
        out
    }

    /// True if this is the plain (non-custom) option `name`.
    pub fn is_simple(&self, name: &str) -> bool {
        matches!(self.name.as_slice(), [p] if !p.is_extension && p.name == name)
    }
}

/// A field label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Label {
    /// `optional`.
    Optional,
    /// `required` (proto2 only).
    Required,
    /// `repeated`.
    Repeated,
}

/// The scalar value types (proto3.md "Scalar Value Types").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ScalarType {
    Double,
    Float,
    Int32,
    Int64,
    Uint32,
    Uint64,
    Sint32,
    Sint64,
    Fixed32,
    Fixed64,
    Sfixed32,
    Sfixed64,
    Bool,
    String,
    Bytes,
}

impl ScalarType {
    /// The type for a keyword, if it is a scalar type name.
    pub fn from_keyword(word: &str) -> Option<ScalarType> {
        use ScalarType::*;
        Some(match word {
            "double" => Double,
            "float" => Float,
            "int32" => Int32,
            "int64" => Int64,
            "uint32" => Uint32,
            "uint64" => Uint64,
            "sint32" => Sint32,
            "sint64" => Sint64,
            "fixed32" => Fixed32,
            "fixed64" => Fixed64,
            "sfixed32" => Sfixed32,
            "sfixed64" => Sfixed64,
            "bool" => Bool,
            "string" => String,
            "bytes" => Bytes,
            _ => return None,
        })
    }

    /// The keyword.
    pub fn keyword(self) -> &'static str {
        use ScalarType::*;
        match self {
            Double => "double",
            Float => "float",
            Int32 => "int32",
            Int64 => "int64",
            Uint32 => "uint32",
            Uint64 => "uint64",
            Sint32 => "sint32",
            Sint64 => "sint64",
            Fixed32 => "fixed32",
            Fixed64 => "fixed64",
            Sfixed32 => "sfixed32",
            Sfixed64 => "sfixed64",
            Bool => "bool",
            String => "string",
            Bytes => "bytes",
        }
    }

    /// Whether a repeated field of this type may be packed (all but
    /// length-delimited types; encoding.md "Packed Repeated Fields").
    pub fn is_packable(self) -> bool {
        !matches!(self, ScalarType::String | ScalarType::Bytes)
    }

    /// Whether it may be a map key (proto3.md "Maps": integral or string).
    pub fn is_map_key(self) -> bool {
        !matches!(
            self,
            ScalarType::Double | ScalarType::Float | ScalarType::Bytes
        )
    }
}

/// A field type as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRef {
    /// A scalar keyword.
    Scalar(ScalarType),
    /// A message or enum name, possibly dotted or starting with `.`.
    Named(String),
}

/// Which construct declared a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldShape {
    /// `[label] type name = n;`.
    Plain,
    /// `label group Name = n { ... }`: the body is the nested message at this index.
    Group(usize),
    /// `map<K, V> name = n;`: the generated `NameEntry` is the nested message at this index.
    Map {
        /// Key type (a scalar, checked later).
        key: TypeRef,
        /// Value type.
        value: TypeRef,
        /// Index of the synthesized entry message among the nested messages.
        entry: usize,
    },
}

/// A field (in a message, oneof or extend block).
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The field name (for a group, the lowercased group name, as protoc does).
    pub name: String,
    /// The label as written (`None` in proto3 without a label, and in oneofs).
    pub label: Option<Label>,
    /// The type as written (for a group or map, the nested message's name).
    pub ty: TypeRef,
    /// Plain, group or map.
    pub shape: FieldShape,
    /// The field number as written (range checked when the pool is built).
    pub number: i64,
    /// Options in `[...]`, including `default` and `json_name`.
    pub options: Vec<OptionDecl>,
    /// The index of the oneof holding it, in the message's `oneofs`.
    pub oneof: Option<usize>,
    /// The whole declaration.
    pub span: Span,
    /// Where the name is.
    pub name_span: Span,
    /// Where the type is.
    pub type_span: Span,
    /// Where the number is.
    pub number_span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// `oneof name { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Oneof {
    /// The oneof name.
    pub name: String,
    /// Its options.
    pub options: Vec<OptionDecl>,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// An inclusive range of numbers, `start to end` (`end` = `max` is resolved
/// by the pool builder to the context's maximum).
#[derive(Clone, Debug, PartialEq)]
pub struct NumberRange {
    /// First number.
    pub start: i64,
    /// Last number, `None` for `max`.
    pub end: Option<i64>,
    /// Where it is written.
    pub span: Span,
}

/// `extensions 100 to 199 [options];`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtensionRanges {
    /// The ranges of the statement.
    pub ranges: Vec<NumberRange>,
    /// Options in `[...]`, applying to every range of the statement.
    pub options: Vec<OptionDecl>,
    /// The statement.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// `reserved 2, 9 to 11;` or `reserved "foo", "bar";`.
#[derive(Clone, Debug, PartialEq)]
pub enum Reserved {
    /// Reserved numbers.
    Ranges(Vec<NumberRange>, Span, Comments),
    /// Reserved names, each with its place.
    Names(Vec<(String, Span)>, Span, Comments),
}

/// `message Name { ... }` (also the body of a group and a map entry).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Message {
    /// The message name.
    pub name: String,
    /// Fields in declaration order (including oneof members).
    pub fields: Vec<Field>,
    /// Oneofs in declaration order.
    pub oneofs: Vec<Oneof>,
    /// Nested messages, including group bodies and map entries.
    pub messages: Vec<Message>,
    /// Nested enums.
    pub enums: Vec<Enum>,
    /// Nested `extend` blocks.
    pub extends: Vec<Extend>,
    /// `extensions` statements.
    pub extension_ranges: Vec<ExtensionRanges>,
    /// `reserved` statements.
    pub reserved: Vec<Reserved>,
    /// Message options.
    pub options: Vec<OptionDecl>,
    /// Synthesized by the parser for a `map<K, V>` field.
    pub is_map_entry: bool,
    /// Where it is declared.
    pub span: Span,
    /// Where the name is.
    pub name_span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// `enum Name { ... }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Enum {
    /// The enum name.
    pub name: String,
    /// Values in declaration order.
    pub values: Vec<EnumValue>,
    /// Enum options.
    pub options: Vec<OptionDecl>,
    /// `reserved` statements.
    pub reserved: Vec<Reserved>,
    /// Where it is declared.
    pub span: Span,
    /// Where the name is.
    pub name_span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// `NAME = number [options];`.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumValue {
    /// The value name.
    pub name: String,
    /// The number (checked to fit an int32).
    pub number: i64,
    /// Options.
    pub options: Vec<OptionDecl>,
    /// Where it is declared.
    pub span: Span,
    /// Where the number is.
    pub number_span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// `extend Type { fields }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Extend {
    /// The extended message as written.
    pub extendee: String,
    /// Where the extendee name is.
    pub extendee_span: Span,
    /// The extension fields; a group's body goes to the enclosing scope's
    /// messages, as protoc does.
    pub fields: Vec<Field>,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// `service Name { rpcs }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// The service name.
    pub name: String,
    /// Methods in declaration order.
    pub methods: Vec<Method>,
    /// Service options.
    pub options: Vec<OptionDecl>,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// `rpc Name (stream In) returns (stream Out) { options }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Method {
    /// The method name.
    pub name: String,
    /// The request type as written.
    pub input: String,
    /// Where the request type is.
    pub input_span: Span,
    /// `stream` before the request type.
    pub client_streaming: bool,
    /// The response type as written.
    pub output: String,
    /// Where the response type is.
    pub output_span: Span,
    /// `stream` before the response type.
    pub server_streaming: bool,
    /// Method options.
    pub options: Vec<OptionDecl>,
    /// Declared with a `{ ... }` block (even an empty one), which gives the
    /// method an options message in its descriptor, as with protoc.
    pub options_block: bool,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}
