//! Building the [`Pool`]: loading imports, declaring every name, resolving
//! type references with protobuf's scoping rules, and the checks protoc makes.
//!
//! Name resolution (proto3.md "Packages and Name Resolution"): a relative
//! name is searched from the innermost scope outward; only its first
//! component is matched while walking out, so once `foo` of `foo.Bar` is
//! found in a nearer scope, `Bar` must be inside that `foo` or the lookup
//! fails, as with protoc. Names from other files are visible only through
//! direct imports and the `import public` files they re-export.

use std::collections::{HashMap, HashSet};

use super::ast::{self, Constant, Label, ScalarType, Syntax, TypeRef};
use super::error::{Position, SchemaError, Span};
use super::parser::{parse_file, MAX_FIELD_NUMBER};
use super::pool::*;
use super::source_tree::SourceTree;

type Result<T> = std::result::Result<T, SchemaError>;

/// The field numbers protobuf keeps for itself (proto3.md "Assigning Field Numbers").
const RESERVED_FOR_IMPLEMENTATION: std::ops::RangeInclusive<i64> = 19000..=19999;

struct ImportSite<'a> {
    file: &'a str,
    source: &'a str,
    at: Position,
}

pub(crate) fn load(pool: &mut Pool, tree: &dyn SourceTree, name: &str) -> Result<FileId> {
    let mut stack = Vec::new();
    load_inner(pool, tree, name, &mut stack, None)
}

fn load_inner(
    pool: &mut Pool,
    tree: &dyn SourceTree,
    name: &str,
    stack: &mut Vec<String>,
    site: Option<ImportSite<'_>>,
) -> Result<FileId> {
    if let Some(id) = pool.file_by_name(name) {
        return Ok(id);
    }
    let error = |message: String| match &site {
        Some(s) => SchemaError::at(s.file, s.source, s.at, message),
        None => SchemaError::whole_file(name, message),
    };
    if let Some(first) = stack.iter().position(|s| s == name) {
        let mut chain: Vec<&str> = stack.iter().skip(first).map(String::as_str).collect();
        chain.push(name);
        return Err(error(format!(
            "file recursively imports itself: {}",
            chain.join(" -> ")
        )));
    }
    if stack.len() >= MAX_IMPORT_DEPTH {
        return Err(error(format!(
            "imports nest more than {MAX_IMPORT_DEPTH} files deep (MAX_IMPORT_DEPTH)"
        )));
    }
    let source = tree.open(name).map_err(|why| match &site {
        Some(_) => error(format!(
            "import \"{name}\" was not found or had errors: {why}"
        )),
        None => error(format!("file not found: {why}")),
    })?;
    let file = parse_file(name, &source)?;
    stack.push(name.to_string());
    for import in &file.imports {
        let site = ImportSite {
            file: name,
            source: &source,
            at: import.span.start,
        };
        load_inner(pool, tree, &import.path, stack, Some(site))?;
    }
    stack.pop();
    build_file(pool, &file, source)
}

/// Adds one parsed file whose imports are already in the pool. On error the
/// pool is left as it was.
pub(crate) fn build_file(pool: &mut Pool, file: &ast::File, source: String) -> Result<FileId> {
    let marks = (
        pool.files.len(),
        pool.messages.len(),
        pool.enums.len(),
        pool.services.len(),
        pool.extensions.len(),
    );
    let id = FileId(pool.files.len());
    let mut b = Builder {
        pool,
        file: id,
        name: file.name.clone(),
        source: source.clone(),
        syntax: file.syntax,
        defined: Vec::new(),
        packages: Vec::new(),
        pending_fields: Vec::new(),
        pending_methods: Vec::new(),
        visible: HashSet::new(),
        declaring_extension: false,
    };
    let built = b.build(file, source);
    let defined = std::mem::take(&mut b.defined);
    let packages = std::mem::take(&mut b.packages);
    // Options are checked by interpreting them, as protoc does when it
    // builds the file: an unknown option or a value of the wrong type fails.
    let checked =
        built.and_then(|()| super::convert::file_descriptor_proto(pool, id, false).map(|_| ()));
    match checked {
        Ok(()) => Ok(id),
        Err(e) => {
            for name in defined {
                pool.symbols.remove(&name);
            }
            for name in packages {
                if let Some(set) = pool.packages.get_mut(&name) {
                    set.remove(&id);
                    if set.is_empty() {
                        pool.packages.remove(&name);
                    }
                }
            }
            pool.file_ids.remove(&file.name);
            pool.files.truncate(marks.0);
            pool.messages.truncate(marks.1);
            pool.enums.truncate(marks.2);
            pool.services.truncate(marks.3);
            pool.extensions.truncate(marks.4);
            Err(e)
        }
    }
}

/// Where a field whose type is still a name lives.
#[derive(Clone, Copy)]
enum FieldSlot {
    Message(MessageId, usize),
    Extension(ExtensionId),
}

struct PendingField {
    slot: FieldSlot,
    ty: TypeRef,
    is_group: bool,
    /// The name relative names are resolved from (the field's full name).
    relative_to: String,
    type_span: Span,
    extendee: Option<(String, Span)>,
    default: Option<(Constant, Span)>,
}

struct PendingMethod {
    service: ServiceId,
    index: usize,
    input: (String, Span),
    output: (String, Span),
}

struct Builder<'p> {
    pool: &'p mut Pool,
    file: FileId,
    name: String,
    source: String,
    syntax: Syntax,
    /// Symbols this file added, removed again if the file fails.
    defined: Vec<String>,
    packages: Vec<String>,
    pending_fields: Vec<PendingField>,
    pending_methods: Vec<PendingMethod>,
    visible: HashSet<FileId>,
    /// Set while the fields of an `extend` block are declared.
    declaring_extension: bool,
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

/// `value` without the enum's name as a prefix, compared ignoring case and
/// underscores (`Foo` strips `FOO_BAR` to `BAR`); unchanged if that would
/// leave nothing.
fn strip_enum_prefix<'v>(enum_name: &str, value: &'v str) -> &'v str {
    let prefix: Vec<u8> = enum_name
        .bytes()
        .filter(|&b| b != b'_')
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let bytes = value.as_bytes();
    let (mut i, mut j) = (0, 0);
    while i < bytes.len() && j < prefix.len() {
        let b = bytes.get(i).copied().unwrap_or(0);
        i += 1;
        if b == b'_' {
            continue;
        }
        if Some(&b.to_ascii_lowercase()) != prefix.get(j) {
            return value;
        }
        j += 1;
    }
    if j < prefix.len() {
        return value;
    }
    while bytes.get(i) == Some(&b'_') {
        i += 1;
    }
    if i >= bytes.len() {
        return value;
    }
    value.get(i..).unwrap_or(value)
}

/// `FOO_BAR` -> `FooBar`.
fn enum_value_pascal_case(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut upper = true;
    for c in value.chars() {
        if c == '_' {
            upper = true;
        } else {
            out.push(if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            });
            upper = false;
        }
    }
    out
}

/// `letter { letter | decimalDigit | "_" }` (proto2-spec.md "Identifiers"),
/// also allowing a leading `_` as protoc does.
fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// protoc's default JSON name: `foo_bar` becomes `fooBar` (json.md).
pub fn json_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn bool_option(o: &ast::OptionDecl) -> std::result::Result<bool, String> {
    match &o.value {
        Constant::Identifier(v) if v == "true" => Ok(true),
        Constant::Identifier(v) if v == "false" => Ok(false),
        _ => Err(format!(
            "value must be `true` or `false` for boolean option \"{}\"",
            o.name_text()
        )),
    }
}

impl Builder<'_> {
    /// An error at `at`; a file built from a descriptor has no text, so
    /// its errors name the file only.
    fn err(&self, at: Position, message: impl Into<String>) -> SchemaError {
        if self.source.is_empty() {
            return SchemaError::whole_file(&self.name, message);
        }
        SchemaError::at(&self.name, &self.source, at, message)
    }

    fn build(&mut self, file: &ast::File, source: String) -> Result<()> {
        if self.pool.file_ids.contains_key(&file.name) {
            return Err(SchemaError::whole_file(
                &file.name,
                "a file of this name is already in the pool",
            ));
        }
        let mut dependency_ids = Vec::new();
        let mut public = Vec::new();
        let mut weak = Vec::new();
        for (i, import) in file.imports.iter().enumerate() {
            if file.imports.iter().take(i).any(|o| o.path == import.path) {
                return Err(self.err(
                    import.span.start,
                    format!("import \"{}\" is listed twice", import.path),
                ));
            }
            let Some(dep) = self.pool.file_by_name(&import.path) else {
                return Err(self.err(
                    import.span.start,
                    format!("import \"{}\" was not found or had errors", import.path),
                ));
            };
            dependency_ids.push(dep);
            match import.kind {
                ast::ImportKind::Public => public.push(i),
                ast::ImportKind::Weak => weak.push(i),
                ast::ImportKind::Plain => {}
            }
        }
        self.visible = self.visible_files(&dependency_ids);
        // descriptor.proto FileOptions.optimize_for: a full-runtime file
        // cannot import a LITE_RUNTIME one.
        let is_lite = |options: &[ast::OptionDecl]| {
            options.iter().any(|o| {
                o.is_simple("optimize_for")
                    && matches!(o.value, Constant::Identifier(ref v) if v == "LITE_RUNTIME")
            })
        };
        if !is_lite(&file.options) {
            for (import, dep) in file.imports.iter().zip(&dependency_ids) {
                if self.pool.file(*dep).is_some_and(|d| is_lite(&d.options)) {
                    return Err(self.err(
                        import.span.start,
                        format!(
                            "files that do not use optimize_for = LITE_RUNTIME cannot import files which do; this file is not lite, but it imports \"{}\", which is",
                            import.path
                        ),
                    ));
                }
            }
        }
        let package = file
            .package
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default();
        self.pool.files.push(FileDescriptor {
            name: file.name.clone(),
            package: package.clone(),
            syntax: file.syntax,
            dependencies: file.imports.iter().map(|i| i.path.clone()).collect(),
            dependency_ids,
            public_dependencies: public,
            weak_dependencies: weak,
            messages: Vec::new(),
            enums: Vec::new(),
            services: Vec::new(),
            extensions: Vec::new(),
            options: Vec::new(),
            source,
            syntax_decl: file.syntax_decl.clone(),
            package_decl: file.package.as_ref().map(|p| (p.span, p.comments.clone())),
            locations: file.locations.clone(),
            descriptor: None,
        });
        self.pool.file_ids.insert(file.name.clone(), self.file);
        if let Some(p) = &file.package {
            self.define_package(&p.name, p.span.start)?;
        }
        self.check_duplicate_options(&file.options)?;
        let mut messages = Vec::new();
        for m in &file.messages {
            messages.push(self.declare_message(m, &package, None)?);
        }
        let mut enums = Vec::new();
        for e in &file.enums {
            enums.push(self.declare_enum(e, &package, None)?);
        }
        let mut services = Vec::new();
        for s in &file.services {
            services.push(self.declare_service(s, &package)?);
        }
        let mut extensions = Vec::new();
        for e in &file.extends {
            extensions.extend(self.declare_extend(e, &package, None)?);
        }
        if let Some(f) = self.pool.files.get_mut(self.file.0) {
            f.messages = messages;
            f.enums = enums;
            f.services = services;
            f.extensions = extensions;
            f.options = file.options.clone();
        }
        self.resolve_fields()?;
        self.resolve_methods()?;
        self.validate()?;
        Ok(())
    }

    /// This file, its direct imports, and what those re-export with `import public`.
    fn visible_files(&self, deps: &[FileId]) -> HashSet<FileId> {
        let mut visible = HashSet::from([self.file]);
        let mut work: Vec<FileId> = deps.to_vec();
        while let Some(f) = work.pop() {
            if !visible.insert(f) {
                continue;
            }
            if let Some(fd) = self.pool.file(f) {
                for &p in &fd.public_dependencies {
                    if let Some(&d) = fd.dependency_ids.get(p) {
                        work.push(d);
                    }
                }
            }
        }
        visible
    }

    // ---- declaring names ----

    fn define_package(&mut self, package: &str, at: Position) -> Result<()> {
        let mut prefix = String::new();
        for part in package.split('.') {
            if !is_identifier(part) {
                return Err(self.err(at, format!("\"{package}\" is not a valid package name")));
            }
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(part);
            if let Some((_, other)) = self.pool.symbols.get(&prefix) {
                let other = self.file_name(*other);
                return Err(self.err(
                    at,
                    format!("\"{prefix}\" is already defined (as something other than a package) in file \"{other}\""),
                ));
            }
            let set = self.pool.packages.entry(prefix.clone()).or_default();
            if set.insert(self.file) {
                self.packages.push(prefix.clone());
            }
        }
        Ok(())
    }

    fn file_name(&self, id: FileId) -> String {
        self.pool
            .file(id)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    }

    fn define(&mut self, full_name: &str, symbol: Symbol, at: Position) -> Result<()> {
        let (scope, short) = full_name.rsplit_once('.').unwrap_or(("", full_name));
        // Text always gives identifiers; a descriptor may hold anything.
        if !is_identifier(short) {
            return Err(self.err(at, format!("\"{short}\" is not a valid identifier")));
        }
        if let Some((existing, other)) = self.pool.symbols.get(full_name) {
            let mut message = if *other == self.file {
                if scope.is_empty() {
                    format!("\"{short}\" is already defined")
                } else {
                    format!("\"{short}\" is already defined in \"{scope}\"")
                }
            } else {
                format!(
                    "\"{full_name}\" is already defined in file \"{}\"",
                    self.file_name(*other)
                )
            };
            if matches!(symbol, Symbol::EnumValue(..)) && matches!(existing, Symbol::EnumValue(..))
            {
                message.push_str(&format!(
                    "; note that enum values use C++ scoping rules: they are siblings of their type, not children of it, so \"{short}\" must be unique within \"{scope}\", not just within its enum"
                ));
            }
            return Err(self.err(at, message));
        }
        if self.pool.packages.contains_key(full_name) {
            return Err(self.err(
                at,
                format!("\"{full_name}\" is already defined as a package"),
            ));
        }
        self.pool
            .symbols
            .insert(full_name.to_string(), (symbol, self.file));
        self.defined.push(full_name.to_string());
        Ok(())
    }

    fn check_duplicate_options(&self, options: &[ast::OptionDecl]) -> Result<()> {
        for (i, o) in options.iter().enumerate() {
            // Standard options are singular except these repeated fields of
            // descriptor.proto's options messages, which may be set repeatedly.
            let repeated = o.is_simple("targets") || o.is_simple("edition_defaults");
            let simple = o.name.len() == 1 && o.name.iter().all(|p| !p.is_extension) && !repeated;
            if simple && options.iter().take(i).any(|p| p.name == o.name) {
                return Err(self.err(
                    o.span.start,
                    format!("option \"{}\" was already set", o.name_text()),
                ));
            }
        }
        Ok(())
    }

    /// What `max` means in a message's ranges: 2^29 - 1, or for a message
    /// set 2^31 - 2 (so the exclusive end descriptors store still fits an int32).
    fn max_number(&self, message_set: bool) -> i64 {
        if message_set {
            i64::from(i32::MAX) - 1
        } else {
            MAX_FIELD_NUMBER
        }
    }

    fn ranges(
        &self,
        ranges: &[ast::NumberRange],
        max: i64,
        what: &str,
        options: &[ast::OptionDecl],
    ) -> Result<Vec<NumberRange>> {
        let mut out = Vec::new();
        for r in ranges {
            let end = r.end.unwrap_or(max);
            if r.start <= 0 && what != "enum reserved" {
                return Err(self.err(
                    r.span.start,
                    format!("{what} numbers must be positive integers"),
                ));
            }
            if end < r.start {
                return Err(self.err(
                    r.span.start,
                    format!("{what} range end number must be greater than start number"),
                ));
            }
            // Reserved numbers past the field-number limit are harmless and
            // protoc accepts them; only the int32 descriptor form bounds them.
            let max = if what == "reserved" {
                i64::from(i32::MAX) - 1
            } else {
                max
            };
            if end > max {
                return Err(self.err(
                    r.span.start,
                    format!("{what} numbers cannot be greater than {max}"),
                ));
            }
            let (Ok(start), Ok(end)) = (i32::try_from(r.start), i32::try_from(end)) else {
                return Err(self.err(
                    r.span.start,
                    format!("{what} range does not fit in an int32"),
                ));
            };
            out.push(NumberRange {
                start,
                end,
                options: options.to_vec(),
            });
        }
        Ok(out)
    }

    fn declare_message(
        &mut self,
        m: &ast::Message,
        scope: &str,
        parent: Option<MessageId>,
    ) -> Result<MessageId> {
        let full_name = join(scope, &m.name);
        let id = MessageId(self.pool.messages.len());
        self.define(&full_name, Symbol::Message(id), m.name_span.start)?;
        self.check_duplicate_options(&m.options)?;
        let mut message_set = false;
        let mut deprecated = false;
        for o in &m.options {
            if o.is_simple("message_set_wire_format") {
                message_set = bool_option(o).map_err(|e| self.err(o.value_span.start, e))?;
                if message_set && self.syntax == Syntax::Proto3 {
                    return Err(
                        self.err(m.name_span.start, "MessageSet is not supported in proto3")
                    );
                }
            } else if o.is_simple("deprecated") {
                deprecated = bool_option(o).map_err(|e| self.err(o.value_span.start, e))?;
            } else if o.is_simple("map_entry") && !m.is_map_entry {
                return Err(self.err(
                    o.span.start,
                    "map_entry should not be set explicitly; use map<KeyType, ValueType> instead",
                ));
            }
        }
        let max = self.max_number(message_set);
        let mut extension_ranges = Vec::new();
        for r in &m.extension_ranges {
            extension_ranges.extend(self.ranges(&r.ranges, max, "extension", &r.options)?);
        }
        let mut reserved_ranges = Vec::new();
        let mut reserved_names = Vec::new();
        for r in &m.reserved {
            match r {
                ast::Reserved::Ranges(ranges, _, _) => {
                    reserved_ranges.extend(self.ranges(ranges, max, "reserved", &[])?)
                }
                ast::Reserved::Names(names, _, _) => {
                    for (n, span) in names {
                        if reserved_names.contains(n) {
                            return Err(self.err(
                                span.start,
                                format!("field name \"{n}\" is reserved multiple times"),
                            ));
                        }
                        reserved_names.push(n.clone());
                    }
                }
            }
        }
        self.pool.messages.push(MessageDescriptor {
            name: m.name.clone(),
            full_name: full_name.clone(),
            file: self.file,
            parent,
            fields: Vec::new(),
            oneofs: Vec::new(),
            messages: Vec::new(),
            enums: Vec::new(),
            extensions: Vec::new(),
            extension_ranges,
            reserved_ranges,
            reserved_names,
            options: m.options.clone(),
            is_map_entry: m.is_map_entry,
            message_set_wire_format: message_set,
            deprecated,
            span: m.span,
            comments: m.comments.clone(),
        });
        let mut nested = Vec::new();
        for n in &m.messages {
            nested.push(self.declare_message(n, &full_name, Some(id))?);
        }
        let mut enums = Vec::new();
        for e in &m.enums {
            enums.push(self.declare_enum(e, &full_name, Some(id))?);
        }
        let mut fields = Vec::new();
        for (i, f) in m.fields.iter().enumerate() {
            let field_name = join(&full_name, &f.name);
            self.define(&field_name, Symbol::Field(id, i), f.name_span.start)?;
            fields.push(self.make_field(f, field_name, FieldSlot::Message(id, i), None)?);
        }
        let mut oneofs = Vec::new();
        for (i, o) in m.oneofs.iter().enumerate() {
            self.define(
                &join(&full_name, &o.name),
                Symbol::Oneof(id, i),
                o.span.start,
            )?;
            self.check_duplicate_options(&o.options)?;
            oneofs.push(OneofDescriptor {
                name: o.name.clone(),
                synthetic: false,
                fields: (0..fields.len())
                    .filter(|&f| {
                        fields.get(f).and_then(|f: &FieldDescriptor| f.oneof_index) == Some(i)
                    })
                    .collect(),
                options: o.options.clone(),
                span: o.span,
                comments: o.comments.clone(),
            });
        }
        // A proto3 `optional` field gets a oneof of its own named `_field`
        // (prefixed with `X` until unique), appended after the real oneofs,
        // as protoc's parser does.
        let mut taken: HashSet<String> = fields.iter().map(|f| f.name.clone()).collect();
        taken.extend(oneofs.iter().map(|o| o.name.clone()));
        for (i, field) in fields.iter_mut().enumerate() {
            if !field.proto3_optional {
                continue;
            }
            let mut name = if field.name.starts_with('_') {
                field.name.clone()
            } else {
                format!("_{}", field.name)
            };
            while taken.contains(&name) {
                name.insert(0, 'X');
            }
            taken.insert(name.clone());
            field.oneof_index = Some(oneofs.len());
            oneofs.push(OneofDescriptor {
                name,
                synthetic: true,
                fields: vec![i],
                options: Vec::new(),
                span: field.span,
                comments: ast::Comments::default(),
            });
        }
        let mut extensions = Vec::new();
        for e in &m.extends {
            extensions.extend(self.declare_extend(e, &full_name, Some(id))?);
        }
        if let Some(md) = self.pool.messages.get_mut(id.0) {
            md.messages = nested;
            md.enums = enums;
            md.fields = fields;
            md.oneofs = oneofs;
            md.extensions = extensions;
        }
        Ok(id)
    }

    /// A field descriptor with its type still unresolved (set to a
    /// placeholder until `resolve_fields`).
    fn make_field(
        &mut self,
        f: &ast::Field,
        full_name: String,
        slot: FieldSlot,
        extendee: Option<(String, Span)>,
    ) -> Result<FieldDescriptor> {
        self.check_duplicate_options(&f.options)?;
        let mut default = None;
        let mut explicit_json = None;
        let mut packed = None;
        let mut deprecated = false;
        let mut options = Vec::new();
        for o in &f.options {
            if o.is_simple("default") {
                if self.syntax == Syntax::Proto3 {
                    return Err(self.err(
                        o.span.start,
                        "explicit default values are not allowed in proto3",
                    ));
                }
                default = Some((o.value.clone(), o.value_span));
                continue;
            }
            if o.is_simple("json_name") {
                if extendee.is_some() {
                    return Err(self.err(
                        o.span.start,
                        "option json_name is not allowed on extension fields",
                    ));
                }
                match &o.value {
                    Constant::String(s) => {
                        let s = String::from_utf8(s.clone()).map_err(|_| {
                            self.err(o.value_span.start, "json_name must be valid UTF-8")
                        })?;
                        explicit_json = Some(s);
                    }
                    _ => {
                        return Err(self.err(
                            o.value_span.start,
                            "value of option json_name must be a string",
                        ))
                    }
                }
                continue;
            }
            if o.is_simple("packed") {
                packed = Some(bool_option(o).map_err(|e| self.err(o.value_span.start, e))?);
            } else if o.is_simple("deprecated") {
                deprecated = bool_option(o).map_err(|e| self.err(o.value_span.start, e))?;
            }
            options.push(o.clone());
        }
        let is_group = matches!(f.shape, ast::FieldShape::Group(_));
        self.pending_fields.push(PendingField {
            slot,
            ty: f.ty.clone(),
            is_group,
            relative_to: full_name.clone(),
            type_span: f.type_span,
            extendee,
            default,
        });
        let number = i32::try_from(f.number).unwrap_or(i32::MAX);
        Ok(FieldDescriptor {
            name: f.name.clone(),
            full_name,
            number,
            label: f.label.unwrap_or(Label::Optional),
            ty: FieldType::Scalar(ScalarType::Int32),
            extendee: None,
            extension_scope: None,
            oneof_index: f.oneof,
            proto3_optional: self.syntax == Syntax::Proto3 && f.label == Some(Label::Optional),
            json_name: explicit_json.clone().unwrap_or_else(|| json_name(&f.name)),
            has_json_name_option: explicit_json.is_some(),
            default_value: None,
            packed,
            deprecated,
            options,
            span: f.span,
            comments: f.comments.clone(),
        })
        .and_then(|fd| self.check_number(f, fd))
    }

    /// Field numbers run from 1 to 2^29 - 1, except 19000..=19999 (proto3.md
    /// "Assigning Field Numbers").
    /// An extension may go higher: its number is checked against the
    /// extendee's extension ranges (a message set's reach 2^31 - 2).
    fn check_number(&self, f: &ast::Field, fd: FieldDescriptor) -> Result<FieldDescriptor> {
        if f.number <= 0 {
            return Err(self.err(
                f.number_span.start,
                "field numbers must be positive integers",
            ));
        }
        if f.number > MAX_FIELD_NUMBER && !self.declaring_extension {
            return Err(self.err(
                f.number_span.start,
                format!("field numbers cannot be greater than {MAX_FIELD_NUMBER}"),
            ));
        }
        if RESERVED_FOR_IMPLEMENTATION.contains(&f.number) {
            return Err(self.err(
                f.number_span.start,
                "field numbers 19000 through 19999 are reserved for the protocol buffer library implementation",
            ));
        }
        Ok(fd)
    }

    fn declare_enum(
        &mut self,
        e: &ast::Enum,
        scope: &str,
        parent: Option<MessageId>,
    ) -> Result<EnumId> {
        let full_name = join(scope, &e.name);
        let id = EnumId(self.pool.enums.len());
        self.define(&full_name, Symbol::Enum(id), e.name_span.start)?;
        self.check_duplicate_options(&e.options)?;
        let mut allow_alias = false;
        for o in &e.options {
            if o.is_simple("allow_alias") {
                allow_alias = bool_option(o).map_err(|m| self.err(o.value_span.start, m))?;
            }
        }
        let mut reserved_ranges = Vec::new();
        let mut reserved_names = Vec::new();
        for r in &e.reserved {
            match r {
                ast::Reserved::Ranges(ranges, _, _) => {
                    for r in ranges {
                        let end = r.end.unwrap_or(i64::from(i32::MAX));
                        if end < r.start {
                            return Err(self.err(
                                r.span.start,
                                "reserved range end number must be greater than start number",
                            ));
                        }
                        let (Ok(start), Ok(end)) = (i32::try_from(r.start), i32::try_from(end))
                        else {
                            return Err(self.err(
                                r.span.start,
                                "enum reserved range does not fit in an int32",
                            ));
                        };
                        reserved_ranges.push(NumberRange {
                            start,
                            end,
                            options: Vec::new(),
                        });
                    }
                }
                ast::Reserved::Names(names, _, _) => {
                    for (n, span) in names {
                        if reserved_names.contains(n) {
                            return Err(self.err(
                                span.start,
                                format!("enum value \"{n}\" is reserved multiple times"),
                            ));
                        }
                        reserved_names.push(n.clone());
                    }
                }
            }
        }
        let mut values = Vec::new();
        for (i, v) in e.values.iter().enumerate() {
            let value_name = join(scope, &v.name);
            self.define(&value_name, Symbol::EnumValue(id, i), v.span.start)?;
            self.check_duplicate_options(&v.options)?;
            values.push(EnumValueDescriptor {
                name: v.name.clone(),
                full_name: value_name,
                number: i32::try_from(v.number).unwrap_or(0),
                options: v.options.clone(),
                span: v.span,
                comments: v.comments.clone(),
            });
        }
        self.pool.enums.push(EnumDescriptor {
            name: e.name.clone(),
            full_name: full_name.clone(),
            file: self.file,
            parent,
            values,
            allow_alias,
            reserved_ranges,
            reserved_names,
            options: e.options.clone(),
            closed: self.syntax == Syntax::Proto2,
            span: e.span,
            comments: e.comments.clone(),
        });
        self.validate_enum(e, id)?;
        Ok(id)
    }

    fn validate_enum(&self, e: &ast::Enum, id: EnumId) -> Result<()> {
        let Some(ed) = self.pool.enumeration(id) else {
            return Ok(());
        };
        if self.syntax == Syntax::Proto3 {
            if let Some(first) = e.values.first() {
                if first.number != 0 {
                    return Err(self.err(
                        first.number_span.start,
                        "the first enum value must be zero in proto3",
                    ));
                }
            }
        }
        for (i, r) in ed.reserved_ranges.iter().enumerate() {
            if let Some(o) = ed
                .reserved_ranges
                .iter()
                .take(i)
                .find(|o| o.start <= r.end && r.start <= o.end)
            {
                return Err(self.err(
                    e.span.start,
                    format!(
                        "reserved range {} to {} overlaps with already-defined range {} to {} in \"{}\"",
                        r.start, r.end, o.start, o.end, ed.full_name
                    ),
                ));
            }
        }
        let mut aliased = false;
        for (i, v) in ed.values.iter().enumerate() {
            let span = e.values.get(i).map(|v| v.span.start).unwrap_or_default();
            if let Some(prev) = ed.values.iter().take(i).find(|p| p.number == v.number) {
                aliased = true;
                if !ed.allow_alias {
                    return Err(self.err(
                        span,
                        format!(
                            "\"{}\" uses the same enum value as \"{}\"; if this is intended, set 'option allow_alias = true;' on the enum",
                            v.full_name, prev.full_name
                        ),
                    ));
                }
            }
            if ed
                .reserved_ranges
                .iter()
                .any(|r| r.start <= v.number && v.number <= r.end)
            {
                return Err(self.err(
                    span,
                    format!(
                        "enum value \"{}\" uses reserved number {}",
                        v.name, v.number
                    ),
                ));
            }
            if ed.reserved_names.contains(&v.name) {
                return Err(self.err(span, format!("enum value \"{}\" is reserved", v.name)));
            }
        }
        if self.syntax == Syntax::Proto3 {
            // Code generators strip the enum's name from its values and
            // PascalCase them; proto3 refuses values that would then collide
            // (protoc's CheckEnumValueUniqueness; proto2 only warns).
            let mut seen: HashMap<String, &EnumValueDescriptor> = HashMap::new();
            for (i, v) in ed.values.iter().enumerate() {
                let key = enum_value_pascal_case(strip_enum_prefix(&ed.name, &v.name));
                if let Some(prev) = seen.get(&key) {
                    if prev.name != v.name && prev.number != v.number {
                        let span = e.values.get(i).map(|v| v.span.start).unwrap_or_default();
                        return Err(self.err(
                            span,
                            format!(
                                "enum value {} has the same name as {} if you ignore case and strip out the enum name prefix; give them the same number to make them aliases, or rename one",
                                v.name, prev.name
                            ),
                        ));
                    }
                    continue;
                }
                seen.insert(key, v);
            }
        }
        if ed.allow_alias && !aliased {
            return Err(self.err(
                e.span.start,
                format!(
                    "\"{}\" declares 'option allow_alias = true;' but no enum values share a number; remove the option",
                    ed.full_name
                ),
            ));
        }
        Ok(())
    }

    fn declare_service(&mut self, s: &ast::Service, scope: &str) -> Result<ServiceId> {
        let full_name = join(scope, &s.name);
        let id = ServiceId(self.pool.services.len());
        self.define(&full_name, Symbol::Service(id), s.span.start)?;
        self.check_duplicate_options(&s.options)?;
        let mut methods = Vec::new();
        for (i, m) in s.methods.iter().enumerate() {
            let method_name = join(&full_name, &m.name);
            self.define(&method_name, Symbol::Method(id, i), m.span.start)?;
            self.check_duplicate_options(&m.options)?;
            self.pending_methods.push(PendingMethod {
                service: id,
                index: i,
                input: (m.input.clone(), m.input_span),
                output: (m.output.clone(), m.output_span),
            });
            methods.push(MethodDescriptor {
                name: m.name.clone(),
                full_name: method_name,
                input: MessageId(usize::MAX),
                output: MessageId(usize::MAX),
                client_streaming: m.client_streaming,
                server_streaming: m.server_streaming,
                options: m.options.clone(),
                options_block: m.options_block,
                span: m.span,
                comments: m.comments.clone(),
            });
        }
        self.pool.services.push(ServiceDescriptor {
            name: s.name.clone(),
            full_name,
            file: self.file,
            methods,
            options: s.options.clone(),
            span: s.span,
            comments: s.comments.clone(),
        });
        Ok(id)
    }

    fn declare_extend(
        &mut self,
        e: &ast::Extend,
        scope: &str,
        in_message: Option<MessageId>,
    ) -> Result<Vec<ExtensionId>> {
        let mut ids = Vec::new();
        for f in &e.fields {
            let full_name = join(scope, &f.name);
            let id = ExtensionId(self.pool.extensions.len());
            self.define(&full_name, Symbol::Extension(id), f.name_span.start)?;
            if f.label == Some(Label::Required) {
                return Err(self.err(f.span.start, "extension fields cannot be required"));
            }
            self.declaring_extension = true;
            let made = self.make_field(
                f,
                full_name,
                FieldSlot::Extension(id),
                Some((e.extendee.clone(), e.extendee_span)),
            );
            self.declaring_extension = false;
            let mut fd = made?;
            fd.extension_scope = in_message;
            if let Some(p) = self.pending_fields.last_mut() {
                p.relative_to = fd.full_name.clone();
            }
            self.pool.extensions.push(fd);
            ids.push(id);
        }
        Ok(ids)
    }

    // ---- resolving names ----

    /// A symbol by full name, if this file can see it; otherwise records the
    /// file that defines it, for the "not imported" error.
    fn find_visible(&self, name: &str, hidden_in: &mut Option<(String, FileId)>) -> Option<Symbol> {
        if let Some((symbol, file)) = self.pool.symbols.get(name) {
            if self.visible.contains(file) {
                return Some(*symbol);
            }
            if hidden_in.is_none() {
                *hidden_in = Some((name.to_string(), *file));
            }
            return None;
        }
        let files = self.pool.packages.get(name)?;
        if files.iter().any(|f| self.visible.contains(f)) {
            return Some(Symbol::Package);
        }
        if hidden_in.is_none() {
            if let Some(f) = files.iter().min() {
                *hidden_in = Some((name.to_string(), *f));
            }
        }
        None
    }

    /// protoc's `LookupSymbol`: resolves `name` as seen from the element whose
    /// full name is `relative_to`.
    fn lookup(
        &self,
        name: &str,
        relative_to: &str,
        types_only: bool,
        at: Position,
    ) -> Result<Symbol> {
        let mut hidden_in = None;
        let mut resolved_to = None;
        let found = if let Some(absolute) = name.strip_prefix('.') {
            self.find_visible(absolute, &mut hidden_in)
        } else {
            let first = name.split('.').next().unwrap_or(name);
            let mut scope = relative_to.to_string();
            loop {
                let Some(dot) = scope.rfind('.') else {
                    break self.find_visible(name, &mut hidden_in);
                };
                scope.truncate(dot);
                let candidate = join(&scope, first);
                if let Some(symbol) = self.find_visible(&candidate, &mut hidden_in) {
                    if first.len() < name.len() {
                        if symbol.is_aggregate() {
                            let full = join(&scope, name);
                            let found = self.find_visible(&full, &mut hidden_in);
                            if found.is_none() {
                                resolved_to = Some(full);
                            }
                            break found;
                        }
                    } else if !types_only || symbol.is_type() {
                        break Some(symbol);
                    }
                }
            }
        };
        if let Some(symbol) = found {
            return Ok(symbol);
        }
        let message = if let Some((full, file)) = hidden_in {
            format!(
                "\"{full}\" seems to be defined in \"{}\", which is not imported by \"{}\"; to use it here, add the import",
                self.file_name(file),
                self.name
            )
        } else if let Some(full) = resolved_to {
            format!(
                "\"{name}\" is resolved to \"{full}\", which is not defined; the innermost scope is searched first in name resolution, so use a leading '.' (\".{name}\") to start from the outermost scope"
            )
        } else {
            format!("\"{name}\" is not defined")
        };
        Err(self.err(at, message))
    }

    fn resolve_fields(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending_fields);
        for p in &pending {
            let ty = match &p.ty {
                TypeRef::Scalar(s) => FieldType::Scalar(*s),
                TypeRef::Named(name) => {
                    match self.lookup(name, &p.relative_to, true, p.type_span.start)? {
                        Symbol::Message(m) if p.is_group => FieldType::Group(m),
                        Symbol::Message(m) => FieldType::Message(m),
                        Symbol::Enum(e) => FieldType::Enum(e),
                        _ => {
                            return Err(
                                self.err(p.type_span.start, format!("\"{name}\" is not a type"))
                            )
                        }
                    }
                }
            };
            let extendee = match &p.extendee {
                None => None,
                Some((name, span)) => match self.lookup(name, &p.relative_to, false, span.start)? {
                    Symbol::Message(m) => Some(m),
                    _ => {
                        return Err(
                            self.err(span.start, format!("\"{name}\" is not a message type"))
                        )
                    }
                },
            };
            let field = match p.slot {
                FieldSlot::Message(m, i) => self
                    .pool
                    .messages
                    .get_mut(m.0)
                    .and_then(|m| m.fields.get_mut(i)),
                FieldSlot::Extension(e) => self.pool.extensions.get_mut(e.0),
            };
            if let Some(field) = field {
                field.ty = ty;
                field.extendee = extendee;
            }
            if let Some((value, span)) = &p.default {
                let default = self.default_value(p.slot, value, *span)?;
                let field = match p.slot {
                    FieldSlot::Message(m, i) => self
                        .pool
                        .messages
                        .get_mut(m.0)
                        .and_then(|m| m.fields.get_mut(i)),
                    FieldSlot::Extension(e) => self.pool.extensions.get_mut(e.0),
                };
                if let Some(field) = field {
                    field.default_value = Some(default);
                }
            }
        }
        Ok(())
    }

    fn field(&self, slot: FieldSlot) -> Option<&FieldDescriptor> {
        match slot {
            FieldSlot::Message(m, i) => self.pool.message(m)?.fields.get(i),
            FieldSlot::Extension(e) => self.pool.extension(e),
        }
    }

    /// Checks a `default` against the field's type (proto2.md "Default Values").
    fn default_value(&self, slot: FieldSlot, value: &Constant, span: Span) -> Result<DefaultValue> {
        let Some(field) = self.field(slot) else {
            return Err(self.err(span.start, "internal: field missing"));
        };
        let at = span.start;
        let name = &field.name;
        if field.label == Label::Repeated {
            return Err(self.err(at, "repeated fields can't have default values"));
        }
        let int = |min: i128, max: i128, kind: &str| -> Result<i128> {
            let v = match value {
                Constant::Int {
                    negative,
                    magnitude,
                } => {
                    let m = i128::from(*magnitude);
                    if *negative {
                        -m
                    } else {
                        m
                    }
                }
                _ => {
                    return Err(self.err(
                        at,
                        format!("expected an integer default value for {kind} field \"{name}\""),
                    ))
                }
            };
            // protoc refuses the sign itself, so `-0` is refused too.
            let signed = matches!(value, Constant::Int { negative: true, .. });
            if signed && min == 0 {
                return Err(self.err(
                    at,
                    format!("unsigned field \"{name}\" can't have a negative default value"),
                ));
            }
            if v < min || v > max {
                return Err(self.err(
                    at,
                    format!("default value {v} is out of range for {kind} field \"{name}\""),
                ));
            }
            Ok(v)
        };
        use ScalarType as S;
        match field.ty {
            FieldType::Message(_) | FieldType::Group(_) => {
                Err(self.err(at, "messages can't have default values"))
            }
            FieldType::Enum(e) => {
                let Constant::Identifier(ident) = value else {
                    return Err(
                        self.err(at, "default value for an enum field must be an identifier")
                    );
                };
                let Some(ed) = self.pool.enumeration(e) else {
                    return Err(self.err(at, "internal: enum missing"));
                };
                match ed.value_by_name(ident) {
                    Some(v) => Ok(DefaultValue::Enum {
                        name: v.name.clone(),
                        number: v.number,
                    }),
                    None => Err(self.err(
                        at,
                        format!(
                            "enum type \"{}\" has no value named \"{ident}\"",
                            ed.full_name
                        ),
                    )),
                }
            }
            FieldType::Scalar(s) => match s {
                S::Int32 | S::Sint32 | S::Sfixed32 => {
                    int(i128::from(i32::MIN), i128::from(i32::MAX), s.keyword())
                        .map(|v| DefaultValue::Signed(v as i64))
                }
                S::Int64 | S::Sint64 | S::Sfixed64 => {
                    int(i128::from(i64::MIN), i128::from(i64::MAX), s.keyword())
                        .map(|v| DefaultValue::Signed(v as i64))
                }
                S::Uint32 | S::Fixed32 => int(0, i128::from(u32::MAX), s.keyword())
                    .map(|v| DefaultValue::Unsigned(v as u64)),
                S::Uint64 | S::Fixed64 => int(0, i128::from(u64::MAX), s.keyword())
                    .map(|v| DefaultValue::Unsigned(v as u64)),
                S::Float | S::Double => match value {
                    Constant::Float(f) => Ok(DefaultValue::Float(*f)),
                    Constant::Int {
                        negative,
                        magnitude,
                    } => {
                        let f = *magnitude as f64;
                        Ok(DefaultValue::Float(if *negative { -f } else { f }))
                    }
                    Constant::Identifier(i) if i == "inf" => Ok(DefaultValue::Float(f64::INFINITY)),
                    Constant::Identifier(i) if i == "nan" => Ok(DefaultValue::Float(f64::NAN)),
                    _ => Err(self.err(
                        at,
                        format!(
                            "expected a number as default value for {} field \"{name}\"",
                            s.keyword()
                        ),
                    )),
                },
                S::Bool => match value {
                    Constant::Identifier(i) if i == "true" => Ok(DefaultValue::Bool(true)),
                    Constant::Identifier(i) if i == "false" => Ok(DefaultValue::Bool(false)),
                    _ => Err(self.err(
                        at,
                        format!(
                            "expected `true` or `false` as default value for bool field \"{name}\""
                        ),
                    )),
                },
                S::String => match value {
                    Constant::String(b) => String::from_utf8(b.clone())
                        .map(DefaultValue::String)
                        .map_err(|_| {
                            self.err(
                                at,
                                format!(
                                    "default value for string field \"{name}\" is not valid UTF-8"
                                ),
                            )
                        }),
                    _ => Err(self.err(
                        at,
                        format!("expected a string as default value for string field \"{name}\""),
                    )),
                },
                S::Bytes => match value {
                    Constant::String(b) => Ok(DefaultValue::Bytes(b.clone())),
                    _ => Err(self.err(
                        at,
                        format!("expected a string as default value for bytes field \"{name}\""),
                    )),
                },
            },
        }
    }

    fn resolve_methods(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending_methods);
        for p in &pending {
            let relative_to = self
                .pool
                .service(p.service)
                .and_then(|s| s.methods.get(p.index))
                .map(|m| m.full_name.clone())
                .unwrap_or_default();
            let mut ends = [MessageId(usize::MAX); 2];
            for (slot, (name, span)) in ends.iter_mut().zip([&p.input, &p.output]) {
                *slot = match self.lookup(name, &relative_to, false, span.start)? {
                    Symbol::Message(m) => m,
                    _ => {
                        return Err(
                            self.err(span.start, format!("\"{name}\" is not a message type"))
                        )
                    }
                };
            }
            if let Some(m) = self
                .pool
                .services
                .get_mut(p.service.0)
                .and_then(|s| s.methods.get_mut(p.index))
            {
                m.input = ends[0];
                m.output = ends[1];
            }
        }
        Ok(())
    }

    // ---- checks that need resolved types ----

    fn validate(&self) -> Result<()> {
        // This file's messages are the last ones added.
        let own = self
            .pool
            .messages
            .iter()
            .enumerate()
            .rev()
            .take_while(|(_, m)| m.file == self.file);
        for (i, m) in own {
            self.validate_message(MessageId(i), m)?;
        }
        let mut seen: HashMap<(MessageId, i32), &FieldDescriptor> = HashMap::new();
        for (_, e) in self.pool.extensions() {
            if let Some(extendee) = e.extendee {
                if let Some(prev) = seen.insert((extendee, e.number), e) {
                    if self.pool.symbols.get(&e.full_name).map(|s| s.1) == Some(self.file) {
                        let target = self
                            .pool
                            .message(extendee)
                            .map(|m| m.full_name.as_str())
                            .unwrap_or("");
                        return Err(self.err(
                            e.span.start,
                            format!(
                                "extension number {} has already been used in \"{target}\" by extension \"{}\"",
                                e.number, prev.full_name
                            ),
                        ));
                    }
                }
            }
        }
        for (_, e) in self.pool.extensions() {
            if self.pool.symbols.get(&e.full_name).map(|s| s.1) == Some(self.file) {
                self.validate_extension(e)?;
            }
        }
        Ok(())
    }

    fn validate_extension(&self, e: &FieldDescriptor) -> Result<()> {
        let Some(target) = e.extendee.and_then(|m| self.pool.message(m)) else {
            return Ok(());
        };
        if !target
            .extension_ranges
            .iter()
            .any(|r| r.start <= e.number && e.number <= r.end)
        {
            return Err(self.err(
                e.span.start,
                format!(
                    "\"{}\" does not declare {} as an extension number",
                    target.full_name, e.number
                ),
            ));
        }
        // A message set holds each extension as a message (encoding.md has
        // no scalar form for its items).
        if target.message_set_wire_format
            && (e.label != Label::Optional || !matches!(e.ty, FieldType::Message(_)))
        {
            return Err(self.err(
                e.span.start,
                "extensions of message sets must be optional messages",
            ));
        }
        if self.syntax == Syntax::Proto3 {
            let is_options = target.full_name.starts_with("google.protobuf.")
                && target.full_name.ends_with("Options");
            if !is_options {
                return Err(self.err(
                    e.span.start,
                    "extensions in proto3 are only allowed for defining options",
                ));
            }
        }
        self.validate_field_options(e)
    }

    fn validate_field_options(&self, f: &FieldDescriptor) -> Result<()> {
        for o in &f.options {
            if o.is_simple("lazy")
                && matches!(o.value, Constant::Identifier(ref v) if v == "true")
                && !matches!(f.ty, FieldType::Message(_))
            {
                return Err(self.err(
                    f.span.start,
                    "[lazy = true] can only be specified for submessage fields",
                ));
            }
            // JSType chooses how a 64-bit integer appears in JavaScript.
            let is_64_bit = matches!(
                f.ty,
                FieldType::Scalar(
                    ScalarType::Int64
                        | ScalarType::Uint64
                        | ScalarType::Sint64
                        | ScalarType::Fixed64
                        | ScalarType::Sfixed64
                )
            );
            if o.is_simple("jstype") && !is_64_bit {
                return Err(self.err(
                    f.span.start,
                    "jstype is only allowed on int64, uint64, sint64, fixed64 or sfixed64 fields",
                ));
            }
        }
        if let Some(true) = f.packed {
            let packable = match f.ty {
                FieldType::Scalar(s) => s.is_packable(),
                FieldType::Enum(_) => true,
                _ => false,
            };
            if !f.is_repeated() || !packable {
                return Err(self.err(
                    f.span.start,
                    "[packed = true] can only be specified for repeated primitive fields",
                ));
            }
        }
        if let (Syntax::Proto3, FieldType::Enum(e)) = (self.syntax, f.ty) {
            if let Some(ed) = self.pool.enumeration(e) {
                if ed.closed {
                    return Err(self.err(
                        f.span.start,
                        format!(
                            "enum type \"{}\" is not a proto3 enum, but is used in \"{}\" which is in a proto3 file",
                            ed.full_name, f.full_name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_message(&self, _id: MessageId, m: &MessageDescriptor) -> Result<()> {
        if m.message_set_wire_format {
            if let Some(f) = m.fields.first() {
                return Err(self.err(
                    f.span.start,
                    "message sets cannot have fields, only extensions",
                ));
            }
        }
        for (i, f) in m.fields.iter().enumerate() {
            if let Some(prev) = m.fields.iter().take(i).find(|p| p.number == f.number) {
                return Err(self.err(
                    f.span.start,
                    format!(
                        "field number {} has already been used in \"{}\" by field \"{}\"",
                        f.number, m.full_name, prev.name
                    ),
                ));
            }
            if m.reserved_ranges
                .iter()
                .any(|r| r.start <= f.number && f.number <= r.end)
            {
                return Err(self.err(
                    f.span.start,
                    format!("field \"{}\" uses reserved number {}", f.name, f.number),
                ));
            }
            if m.reserved_names.contains(&f.name) {
                return Err(self.err(
                    f.span.start,
                    format!("field name \"{}\" is reserved", f.name),
                ));
            }
            if let Some(r) = m
                .extension_ranges
                .iter()
                .find(|r| r.start <= f.number && f.number <= r.end)
            {
                return Err(self.err(
                    f.span.start,
                    format!(
                        "extension range {} to {} includes field \"{}\" ({})",
                        r.start, r.end, f.name, f.number
                    ),
                ));
            }
            if f.number > MAX_FIELD_NUMBER as i32 && !m.message_set_wire_format {
                return Err(self.err(
                    f.span.start,
                    format!("field numbers cannot be greater than {MAX_FIELD_NUMBER}"),
                ));
            }
            self.validate_field_options(f)?;
            self.validate_map_field(f)?;
        }
        for (kind, ranges) in [
            ("extension", &m.extension_ranges),
            ("reserved", &m.reserved_ranges),
        ] {
            for (i, r) in ranges.iter().enumerate() {
                if let Some(o) = ranges
                    .iter()
                    .take(i)
                    .find(|o| o.start <= r.end && r.start <= o.end)
                {
                    return Err(self.err(
                        m.span.start,
                        format!(
                            "{kind} range {} to {} overlaps with already-defined range {} to {} in \"{}\"",
                            r.start, r.end, o.start, o.end, m.full_name
                        ),
                    ));
                }
            }
        }
        for r in &m.extension_ranges {
            if let Some(o) = m
                .reserved_ranges
                .iter()
                .find(|o| o.start <= r.end && r.start <= o.end)
            {
                return Err(self.err(
                    m.span.start,
                    format!(
                        "extension range {} to {} overlaps with reserved range {} to {} in \"{}\"",
                        r.start, r.end, o.start, o.end, m.full_name
                    ),
                ));
            }
        }
        if self.syntax == Syntax::Proto3 {
            // protoc's stricter form of the JSON name rule: names must stay
            // unique once lowercased with underscores removed.
            let mut seen: HashMap<String, &str> = HashMap::new();
            for f in &m.fields {
                let key: String = f
                    .name
                    .chars()
                    .filter(|c| *c != '_')
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                if let Some(prev) = seen.insert(key, &f.name) {
                    return Err(self.err(
                        f.span.start,
                        format!(
                            "the JSON camel-case name of field \"{}\" conflicts with field \"{prev}\"; this is not allowed in proto3",
                            f.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Map keys are integral or string types (proto3.md "Maps"); an enum or
    /// message named as key is refused here, scalars already by the parser.
    fn validate_map_field(&self, f: &FieldDescriptor) -> Result<()> {
        let FieldType::Message(entry) = f.ty else {
            return Ok(());
        };
        let Some(entry) = self.pool.message(entry) else {
            return Ok(());
        };
        if !entry.is_map_entry || !f.is_repeated() {
            return Ok(());
        }
        match entry.fields.first().map(|k| k.ty) {
            Some(FieldType::Enum(_)) => {
                Err(self.err(f.span.start, "key in map fields cannot be enum types"))
            }
            Some(FieldType::Message(_) | FieldType::Group(_)) => Err(self.err(
                f.span.start,
                "key in map fields cannot be float/double, bytes or message types",
            )),
            _ => Ok(()),
        }
    }
}
