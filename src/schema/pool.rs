//! The resolved model of a set of `.proto` files: every type has its fully
//! qualified name, every type reference points at its definition, and the
//! checks protoc makes have passed.
//!
//! Descriptors live in flat tables and refer to each other by small copyable
//! ids ([`MessageId`], [`EnumId`], ...), so the later layers (descriptors,
//! dynamic messages, code generation) can walk the schema without lifetimes.
//! Names are stored without the leading `.`.

use std::collections::{HashMap, HashSet};

use super::ast::{Comments, Label, OptionDecl, ScalarType, SourceLocation, Syntax};
use super::error::{SchemaError, Span};
use super::source_tree::SourceTree;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(crate) usize);

        impl $name {
            /// The position of the item in its pool table.
            pub fn index(self) -> usize {
                self.0
            }
        }
    };
}

id_type!(
    /// A file in a [`Pool`].
    FileId
);
id_type!(
    /// A message type in a [`Pool`].
    MessageId
);
id_type!(
    /// An enum type in a [`Pool`].
    EnumId
);
id_type!(
    /// A service in a [`Pool`].
    ServiceId
);
id_type!(
    /// An extension field in a [`Pool`].
    ExtensionId
);

/// One loaded file.
#[derive(Clone, Debug, PartialEq)]
pub struct FileDescriptor {
    /// The import name.
    pub name: String,
    /// The package, empty if none.
    pub package: String,
    /// proto2 or proto3.
    pub syntax: Syntax,
    /// Imported file names, in declaration order.
    pub dependencies: Vec<String>,
    /// The dependencies, as ids, in the same order.
    pub dependency_ids: Vec<FileId>,
    /// Indexes into `dependencies` of the `import public` ones.
    pub public_dependencies: Vec<usize>,
    /// Indexes into `dependencies` of the `import weak` ones.
    pub weak_dependencies: Vec<usize>,
    /// Top-level messages in declaration order.
    pub messages: Vec<MessageId>,
    /// Top-level enums.
    pub enums: Vec<EnumId>,
    /// Services.
    pub services: Vec<ServiceId>,
    /// Top-level extensions.
    pub extensions: Vec<ExtensionId>,
    /// File options as written.
    pub options: Vec<OptionDecl>,
    /// The file's text, kept for diagnostics and source info.
    pub source: String,
    /// Where the syntax statement is and its comments.
    pub syntax_decl: Option<(Span, Comments)>,
    /// Where the package statement is and its comments.
    pub package_decl: Option<(Span, Comments)>,
    /// protoc's source info for the file (empty for a file built from a descriptor).
    pub locations: Vec<SourceLocation>,
    /// The descriptor the file was built from, if it came from one: written
    /// back out as it was, so options the pool does not model survive.
    pub descriptor: Option<Box<super::descriptor::FileDescriptorProto>>,
}

/// What a field holds (descriptor.proto `FieldDescriptorProto.Type`, with
/// references resolved).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// A scalar.
    Scalar(ScalarType),
    /// A message, length-delimited.
    Message(MessageId),
    /// A proto2 group: a message between START_GROUP and END_GROUP tags.
    Group(MessageId),
    /// An enum, encoded as an int32 varint.
    Enum(EnumId),
}

/// A field's default value (proto2 `[default = ...]`), checked against its type.
#[derive(Clone, Debug, PartialEq)]
pub enum DefaultValue {
    /// bool.
    Bool(bool),
    /// int32, sint32, sfixed32, int64, sint64, sfixed64.
    Signed(i64),
    /// uint32, fixed32, uint64, fixed64.
    Unsigned(u64),
    /// float and double (a float default is kept as written, widened).
    Float(f64),
    /// string.
    String(String),
    /// bytes.
    Bytes(Vec<u8>),
    /// An enum value, by name and number.
    Enum {
        /// The value's name.
        name: String,
        /// The value's number.
        number: i32,
    },
}

/// A field of a message, or an extension.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDescriptor {
    /// The field name.
    pub name: String,
    /// The fully qualified name (`pkg.Message.field`, or `pkg.ext` for a top-level extension).
    pub full_name: String,
    /// The field number.
    pub number: i32,
    /// The label (proto3 fields without one are `Optional`).
    pub label: Label,
    /// The type.
    pub ty: FieldType,
    /// For extensions: the extended message.
    pub extendee: Option<MessageId>,
    /// For extensions: the message the `extend` block is nested in, if any.
    pub extension_scope: Option<MessageId>,
    /// The index of the containing oneof in the message's `oneofs`.
    pub oneof_index: Option<usize>,
    /// A proto3 `optional` field (it sits in a synthetic oneof).
    pub proto3_optional: bool,
    /// The JSON name: `json_name` if given, else lowerCamelCase of the name.
    pub json_name: String,
    /// `json_name` was given explicitly.
    pub has_json_name_option: bool,
    /// The `default` option, checked against the type.
    pub default_value: Option<DefaultValue>,
    /// The `packed` option if given.
    pub packed: Option<bool>,
    /// The `deprecated` option.
    pub deprecated: bool,
    /// All options as written, except `default` and `json_name` (which are
    /// not options in descriptors).
    pub options: Vec<OptionDecl>,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

impl FieldDescriptor {
    /// Whether the field is repeated (maps included).
    pub fn is_repeated(&self) -> bool {
        self.label == Label::Repeated
    }

    /// Whether a repeated field is encoded packed: `packed` when given, else
    /// packed by default in proto3 (encoding.md "Packed Repeated Fields").
    pub fn is_packed(&self, syntax: Syntax) -> bool {
        let packable = match self.ty {
            FieldType::Scalar(s) => s.is_packable(),
            FieldType::Enum(_) => true,
            FieldType::Message(_) | FieldType::Group(_) => false,
        };
        self.is_repeated() && packable && self.packed.unwrap_or(syntax == Syntax::Proto3)
    }
}

/// A oneof.
#[derive(Clone, Debug, PartialEq)]
pub struct OneofDescriptor {
    /// Its name.
    pub name: String,
    /// Generated by protoc's rule for a proto3 `optional` field.
    pub synthetic: bool,
    /// Indexes of its fields in the message's `fields`.
    pub fields: Vec<usize>,
    /// Options as written.
    pub options: Vec<OptionDecl>,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// An inclusive range of field or enum numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberRange {
    /// First number in the range.
    pub start: i32,
    /// Last number in the range (inclusive).
    pub end: i32,
    /// Options (extension ranges only).
    pub options: Vec<OptionDecl>,
}

/// A message type.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageDescriptor {
    /// The short name.
    pub name: String,
    /// The fully qualified name.
    pub full_name: String,
    /// The file it is declared in.
    pub file: FileId,
    /// The enclosing message, if nested.
    pub parent: Option<MessageId>,
    /// Fields in declaration order.
    pub fields: Vec<FieldDescriptor>,
    /// Oneofs: declared ones first, then synthetic ones.
    pub oneofs: Vec<OneofDescriptor>,
    /// Nested messages (including group bodies and map entries).
    pub messages: Vec<MessageId>,
    /// Nested enums.
    pub enums: Vec<EnumId>,
    /// Extensions declared inside this message.
    pub extensions: Vec<ExtensionId>,
    /// Extension ranges.
    pub extension_ranges: Vec<NumberRange>,
    /// Reserved number ranges.
    pub reserved_ranges: Vec<NumberRange>,
    /// Reserved names.
    pub reserved_names: Vec<String>,
    /// Options as written.
    pub options: Vec<OptionDecl>,
    /// A synthesized `map<K, V>` entry.
    pub is_map_entry: bool,
    /// `option message_set_wire_format = true`.
    pub message_set_wire_format: bool,
    /// `option deprecated = true`.
    pub deprecated: bool,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

impl MessageDescriptor {
    /// The field with this number, if any.
    pub fn field_by_number(&self, number: i32) -> Option<&FieldDescriptor> {
        self.fields.iter().find(|f| f.number == number)
    }

    /// The field with this name, if any.
    pub fn field_by_name(&self, name: &str) -> Option<&FieldDescriptor> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// An enum value.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumValueDescriptor {
    /// Its name.
    pub name: String,
    /// Its fully qualified name: a sibling of the enum, not a child (C++ scoping).
    pub full_name: String,
    /// Its number.
    pub number: i32,
    /// Options as written.
    pub options: Vec<OptionDecl>,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// An enum type.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDescriptor {
    /// The short name.
    pub name: String,
    /// The fully qualified name.
    pub full_name: String,
    /// The file it is declared in.
    pub file: FileId,
    /// The enclosing message, if nested.
    pub parent: Option<MessageId>,
    /// Values in declaration order.
    pub values: Vec<EnumValueDescriptor>,
    /// `option allow_alias = true`.
    pub allow_alias: bool,
    /// Reserved number ranges.
    pub reserved_ranges: Vec<NumberRange>,
    /// Reserved names.
    pub reserved_names: Vec<String>,
    /// Options as written.
    pub options: Vec<OptionDecl>,
    /// Declared in a proto2 file: unknown numbers are not kept in the field.
    pub closed: bool,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

impl EnumDescriptor {
    /// The first value with this number.
    pub fn value_by_number(&self, number: i32) -> Option<&EnumValueDescriptor> {
        self.values.iter().find(|v| v.number == number)
    }

    /// The value with this name.
    pub fn value_by_name(&self, name: &str) -> Option<&EnumValueDescriptor> {
        self.values.iter().find(|v| v.name == name)
    }
}

/// An rpc method.
#[derive(Clone, Debug, PartialEq)]
pub struct MethodDescriptor {
    /// Its name.
    pub name: String,
    /// `pkg.Service.Method`.
    pub full_name: String,
    /// The request message.
    pub input: MessageId,
    /// The response message.
    pub output: MessageId,
    /// `stream` on the request.
    pub client_streaming: bool,
    /// `stream` on the response.
    pub server_streaming: bool,
    /// Options as written.
    pub options: Vec<OptionDecl>,
    /// Declared with an options block (possibly empty).
    pub options_block: bool,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

/// A service.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceDescriptor {
    /// Its name.
    pub name: String,
    /// The fully qualified name.
    pub full_name: String,
    /// The file it is declared in.
    pub file: FileId,
    /// Methods in declaration order.
    pub methods: Vec<MethodDescriptor>,
    /// Options as written.
    pub options: Vec<OptionDecl>,
    /// Where it is declared.
    pub span: Span,
    /// Its comments.
    pub comments: Comments,
}

impl ServiceDescriptor {
    /// The gRPC path of `method`: `/pkg.Service/Method` (PROTOCOL-HTTP2.md, `:path`).
    pub fn method_path(&self, method: &MethodDescriptor) -> String {
        format!("/{}/{}", self.full_name, method.name)
    }
}

/// What a fully qualified name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Symbol {
    /// A package (or a prefix of one).
    Package,
    /// A message.
    Message(MessageId),
    /// A field of a message: the message and the field's index.
    Field(MessageId, usize),
    /// A oneof: the message and the oneof's index.
    Oneof(MessageId, usize),
    /// An enum.
    Enum(EnumId),
    /// An enum value: the enum and the value's index.
    EnumValue(EnumId, usize),
    /// A service.
    Service(ServiceId),
    /// A method: the service and the method's index.
    Method(ServiceId, usize),
    /// An extension.
    Extension(ExtensionId),
}

impl Symbol {
    /// Messages and enums: what a field type may name.
    pub fn is_type(self) -> bool {
        matches!(self, Symbol::Message(_) | Symbol::Enum(_))
    }

    /// Things that contain other names, so a dotted name may continue through them.
    pub fn is_aggregate(self) -> bool {
        matches!(
            self,
            Symbol::Package | Symbol::Message(_) | Symbol::Enum(_) | Symbol::Service(_)
        )
    }

    /// How protoc describes the kind, for "already defined" errors.
    pub fn kind_name(self) -> &'static str {
        match self {
            Symbol::Package => "package",
            Symbol::Message(_) => "message",
            Symbol::Field(..) => "field",
            Symbol::Oneof(..) => "oneof",
            Symbol::Enum(_) => "enum",
            Symbol::EnumValue(..) => "enum value",
            Symbol::Service(_) => "service",
            Symbol::Method(..) => "method",
            Symbol::Extension(_) => "extension",
        }
    }
}

/// How deep a chain of imports may go before loading stops; a limit keeps a
/// hostile source tree from exhausting the stack.
pub const MAX_IMPORT_DEPTH: usize = 100;

/// A set of resolved files with lookups by full name. Files are added whole:
/// if a file fails to build, the pool is unchanged.
#[derive(Clone, Debug, Default)]
pub struct Pool {
    pub(crate) files: Vec<FileDescriptor>,
    pub(crate) messages: Vec<MessageDescriptor>,
    pub(crate) enums: Vec<EnumDescriptor>,
    pub(crate) services: Vec<ServiceDescriptor>,
    pub(crate) extensions: Vec<FieldDescriptor>,
    /// Every non-package symbol, with the file that defines it.
    pub(crate) symbols: HashMap<String, (Symbol, FileId)>,
    /// Every package name and prefix, with the files that declare it.
    pub(crate) packages: HashMap<String, HashSet<FileId>>,
    pub(crate) file_ids: HashMap<String, FileId>,
}

impl Pool {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads `name` and everything it imports from `tree`, returning the file's id.
    /// Files already in the pool are not loaded again.
    pub fn load(&mut self, tree: &dyn SourceTree, name: &str) -> Result<FileId, SchemaError> {
        super::build::load(self, tree, name)
    }

    /// Loads several files (like the file arguments of protoc).
    pub fn load_all<'n>(
        &mut self,
        tree: &dyn SourceTree,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<Vec<FileId>, SchemaError> {
        names.into_iter().map(|n| self.load(tree, n)).collect()
    }

    /// All files, in the order they were added (dependencies first).
    pub fn files(&self) -> impl Iterator<Item = (FileId, &FileDescriptor)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }

    /// A file by id.
    pub fn file(&self, id: FileId) -> Option<&FileDescriptor> {
        self.files.get(id.0)
    }

    /// A file by import name.
    pub fn file_by_name(&self, name: &str) -> Option<FileId> {
        self.file_ids.get(name).copied()
    }

    /// A message by id.
    pub fn message(&self, id: MessageId) -> Option<&MessageDescriptor> {
        self.messages.get(id.0)
    }

    /// An enum by id.
    pub fn enumeration(&self, id: EnumId) -> Option<&EnumDescriptor> {
        self.enums.get(id.0)
    }

    /// A service by id.
    pub fn service(&self, id: ServiceId) -> Option<&ServiceDescriptor> {
        self.services.get(id.0)
    }

    /// An extension by id.
    pub fn extension(&self, id: ExtensionId) -> Option<&FieldDescriptor> {
        self.extensions.get(id.0)
    }

    /// All messages (map entries and group bodies included).
    pub fn messages(&self) -> impl Iterator<Item = (MessageId, &MessageDescriptor)> {
        self.messages
            .iter()
            .enumerate()
            .map(|(i, m)| (MessageId(i), m))
    }

    /// All enums.
    pub fn enums(&self) -> impl Iterator<Item = (EnumId, &EnumDescriptor)> {
        self.enums.iter().enumerate().map(|(i, e)| (EnumId(i), e))
    }

    /// All services.
    pub fn services(&self) -> impl Iterator<Item = (ServiceId, &ServiceDescriptor)> {
        self.services
            .iter()
            .enumerate()
            .map(|(i, s)| (ServiceId(i), s))
    }

    /// All extensions.
    pub fn extensions(&self) -> impl Iterator<Item = (ExtensionId, &FieldDescriptor)> {
        self.extensions
            .iter()
            .enumerate()
            .map(|(i, e)| (ExtensionId(i), e))
    }

    /// What a fully qualified name (with or without a leading `.`) refers to.
    pub fn symbol(&self, full_name: &str) -> Option<Symbol> {
        let name = full_name.strip_prefix('.').unwrap_or(full_name);
        if let Some((s, _)) = self.symbols.get(name) {
            return Some(*s);
        }
        self.packages.contains_key(name).then_some(Symbol::Package)
    }

    /// Resolves `name` as written inside the element whose full name is
    /// `relative_to`, with protoc's rules (proto3.md "Packages and Name
    /// Resolution"): the innermost scope first, matching the first component
    /// only while walking outward; a leading `.` means fully qualified.
    /// Import visibility is not checked here (the pool builder checks it).
    /// Gives the full name found and what it is.
    pub fn resolve(&self, name: &str, relative_to: &str) -> Option<(String, Symbol)> {
        if let Some(absolute) = name.strip_prefix('.') {
            return self.symbol(absolute).map(|s| (absolute.to_string(), s));
        }
        let first = name.split('.').next().unwrap_or(name);
        let mut scope = relative_to.to_string();
        loop {
            let Some(dot) = scope.rfind('.') else {
                return self.symbol(name).map(|s| (name.to_string(), s));
            };
            scope.truncate(dot);
            let candidate = if scope.is_empty() {
                first.to_string()
            } else {
                format!("{scope}.{first}")
            };
            if let Some(symbol) = self.symbol(&candidate) {
                if first.len() < name.len() {
                    if symbol.is_aggregate() {
                        let full = if scope.is_empty() {
                            name.to_string()
                        } else {
                            format!("{scope}.{name}")
                        };
                        return self.symbol(&full).map(|s| (full, s));
                    }
                } else {
                    return Some((candidate, symbol));
                }
            }
        }
    }

    /// A message by fully qualified name.
    pub fn message_by_name(&self, full_name: &str) -> Option<MessageId> {
        match self.symbol(full_name)? {
            Symbol::Message(id) => Some(id),
            _ => None,
        }
    }

    /// An enum by fully qualified name.
    pub fn enum_by_name(&self, full_name: &str) -> Option<EnumId> {
        match self.symbol(full_name)? {
            Symbol::Enum(id) => Some(id),
            _ => None,
        }
    }

    /// A service by fully qualified name.
    pub fn service_by_name(&self, full_name: &str) -> Option<ServiceId> {
        match self.symbol(full_name)? {
            Symbol::Service(id) => Some(id),
            _ => None,
        }
    }

    /// An extension by fully qualified name.
    pub fn extension_by_name(&self, full_name: &str) -> Option<ExtensionId> {
        match self.symbol(full_name)? {
            Symbol::Extension(id) => Some(id),
            _ => None,
        }
    }

    /// The extensions of message `extendee`, in the order they were added.
    pub fn extensions_of(
        &self,
        extendee: MessageId,
    ) -> impl Iterator<Item = (ExtensionId, &FieldDescriptor)> {
        self.extensions()
            .filter(move |(_, e)| e.extendee == Some(extendee))
    }

    /// The type name of a field as descriptors write it: `.pkg.Type`, or
    /// `None` for scalars.
    pub fn type_name(&self, ty: FieldType) -> Option<String> {
        let name = match ty {
            FieldType::Scalar(_) => return None,
            FieldType::Message(m) | FieldType::Group(m) => &self.message(m)?.full_name,
            FieldType::Enum(e) => &self.enumeration(e)?.full_name,
        };
        Some(format!(".{name}"))
    }
}
