//! Conversions between a [`Pool`] and descriptors.
//!
//! [`file_descriptor_set`] writes what `protoc --descriptor_set_out` writes
//! for the same files (without source info): protoc's field order, every
//! field's `json_name`, its text for default values, and options
//! interpreted into their encoded form, custom options included.
//! [`Pool::add_file_descriptor_set`] reads a protoc-made set back.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::ast::{self, Constant, Label, ScalarType, Syntax, TextMessage, TextValue};
use super::descriptor::*;
use super::error::{Position, SchemaError, Span};
use super::pool::*;
use super::source_tree::MemorySourceTree;
use crate::wire::{encode_tag, varint, Message, UnknownFields, UnknownValue, WireType};

/// How deeply aggregate option values may nest when encoded (the parser
/// already bounds it; this guards descriptors built by hand).
const MAX_OPTION_DEPTH: usize = 100;

/// The built-in descriptor.proto, which defines the standard options.
fn builtin_descriptor_pool() -> Option<&'static Pool> {
    static POOL: OnceLock<Option<Pool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut pool = Pool::new();
        pool.load(&MemorySourceTree::new(), "google/protobuf/descriptor.proto")
            .ok()?;
        Some(pool)
    })
    .as_ref()
}

/// `FileDescriptorSet` of `files`, preceded by everything they import
/// (dependencies first, each file once) when `include_imports` is set, as
/// `protoc --include_imports` does; with `SourceCodeInfo` (positions and
/// comments) when `include_source_info` is set, as `--include_source_info`.
pub fn file_descriptor_set(
    pool: &Pool,
    files: &[FileId],
    include_imports: bool,
    include_source_info: bool,
) -> Result<FileDescriptorSet, SchemaError> {
    let mut order = Vec::new();
    for &f in files {
        if include_imports {
            add_with_imports(pool, f, &mut order, 0);
        } else if !order.contains(&f) {
            order.push(f);
        }
    }
    let mut set = FileDescriptorSet::default();
    for f in order {
        set.file
            .push(file_descriptor_proto(pool, f, include_source_info)?);
    }
    Ok(set)
}

fn add_with_imports(pool: &Pool, f: FileId, order: &mut Vec<FileId>, depth: usize) {
    if order.contains(&f) || depth > MAX_IMPORT_DEPTH {
        return;
    }
    if let Some(file) = pool.file(f) {
        for &d in &file.dependency_ids {
            add_with_imports(pool, d, order, depth + 1);
        }
    }
    order.push(f);
}

/// The `FileDescriptorProto` of one file of the pool, with its source info
/// if `include_source_info` is set and the file came from `.proto` text.
pub fn file_descriptor_proto(
    pool: &Pool,
    id: FileId,
    include_source_info: bool,
) -> Result<FileDescriptorProto, SchemaError> {
    let file = pool
        .file(id)
        .ok_or_else(|| SchemaError::whole_file("", "no such file in the pool"))?;
    if let Some(d) = &file.descriptor {
        let mut d = d.as_ref().clone();
        if !include_source_info {
            d.source_code_info = None;
        }
        return Ok(d);
    }
    let w = Writer {
        pool,
        file,
        option_paths: RefCell::new(HashMap::new()),
        repeated_counts: RefCell::new(HashMap::new()),
    };
    let mut out = FileDescriptorProto {
        name: Some(file.name.clone()),
        package: (!file.package.is_empty()).then(|| file.package.clone()),
        dependency: file.dependencies.clone(),
        public_dependency: file
            .public_dependencies
            .iter()
            .map(|&i| i32::try_from(i).unwrap_or(i32::MAX))
            .collect(),
        weak_dependency: file
            .weak_dependencies
            .iter()
            .map(|&i| i32::try_from(i).unwrap_or(i32::MAX))
            .collect(),
        // protoc 3.21 writes `syntax` only for proto3.
        syntax: (file.syntax == Syntax::Proto3).then(|| "proto3".to_string()),
        ..Default::default()
    };
    for &m in &file.messages {
        out.message_type.push(w.message(m)?);
    }
    for &e in &file.enums {
        out.enum_type.push(w.enumeration(e)?);
    }
    for &s in &file.services {
        out.service.push(w.service(s)?);
    }
    for &e in &file.extensions {
        if let Some(ext) = pool.extension(e) {
            out.extension.push(w.field(ext, true)?);
        }
    }
    out.options = w.options(
        &file.options,
        "FileOptions",
        &format!("{}.dummy", file.package),
    )?;
    if include_source_info && !file.locations.is_empty() {
        out.source_code_info = Some(w.source_code_info());
    }
    Ok(out)
}

struct Writer<'a> {
    pool: &'a Pool,
    file: &'a FileDescriptor,
    /// For each option location of the file: the field path the option
    /// resolved to, which completes the location's path.
    option_paths: RefCell<HashMap<usize, Vec<i32>>>,
    /// How many values each repeated option path has received so far.
    repeated_counts: RefCell<HashMap<Vec<i32>, i32>>,
}

fn label_number(label: Label) -> i32 {
    match label {
        Label::Optional => 1,
        Label::Required => 2,
        Label::Repeated => 3,
    }
}

/// descriptor.proto `FieldDescriptorProto.Type` numbers.
fn type_number(ty: FieldType) -> i32 {
    use ScalarType as S;
    match ty {
        FieldType::Scalar(s) => match s {
            S::Double => 1,
            S::Float => 2,
            S::Int64 => 3,
            S::Uint64 => 4,
            S::Int32 => 5,
            S::Fixed64 => 6,
            S::Fixed32 => 7,
            S::Bool => 8,
            S::String => 9,
            S::Bytes => 12,
            S::Uint32 => 13,
            S::Sfixed32 => 15,
            S::Sfixed64 => 16,
            S::Sint32 => 17,
            S::Sint64 => 18,
        },
        FieldType::Group(_) => 10,
        FieldType::Message(_) => 11,
        FieldType::Enum(_) => 14,
    }
}

fn scalar_of_type_number(n: i32) -> Option<ScalarType> {
    use ScalarType as S;
    Some(match n {
        1 => S::Double,
        2 => S::Float,
        3 => S::Int64,
        4 => S::Uint64,
        5 => S::Int32,
        6 => S::Fixed64,
        7 => S::Fixed32,
        8 => S::Bool,
        9 => S::String,
        12 => S::Bytes,
        13 => S::Uint32,
        15 => S::Sfixed32,
        16 => S::Sfixed64,
        17 => S::Sint32,
        18 => S::Sint64,
        _ => return None,
    })
}

impl Writer<'_> {
    /// The file's locations, options completed with the paths interpreting
    /// them gave (an option that was not interpreted is left out).
    fn source_code_info(&self) -> SourceCodeInfo {
        let paths = self.option_paths.borrow();
        let mut info = SourceCodeInfo::default();
        for (i, l) in self.file.locations.iter().enumerate() {
            let mut path = l.path.clone();
            if l.is_option {
                match paths.get(&i) {
                    Some(suffix) => path.extend_from_slice(suffix),
                    None => continue,
                }
            }
            let [sl, sc, el, ec] = l.span;
            let span = if sl == el {
                vec![sl, sc, ec]
            } else {
                vec![sl, sc, el, ec]
            };
            info.location.push(Location {
                path,
                span,
                leading_comments: l.comments.leading.clone(),
                trailing_comments: l.comments.trailing.clone(),
                leading_detached_comments: l.comments.leading_detached.clone(),
                unknown: UnknownFields::default(),
            });
        }
        info
    }

    fn err(&self, at: Position, message: impl Into<String>) -> SchemaError {
        if self.file.source.is_empty() {
            return SchemaError::whole_file(&self.file.name, message);
        }
        SchemaError::at(&self.file.name, &self.file.source, at, message)
    }

    fn message(&self, id: MessageId) -> Result<DescriptorProto, SchemaError> {
        let m = self
            .pool
            .message(id)
            .ok_or_else(|| SchemaError::whole_file(&self.file.name, "dangling message id"))?;
        let mut out = DescriptorProto {
            name: Some(m.name.clone()),
            reserved_name: m.reserved_names.clone(),
            ..Default::default()
        };
        for f in &m.fields {
            out.field.push(self.field(f, false)?);
        }
        for &n in &m.messages {
            out.nested_type.push(self.message(n)?);
        }
        for &e in &m.enums {
            out.enum_type.push(self.enumeration(e)?);
        }
        for r in &m.extension_ranges {
            out.extension_range.push(ExtensionRange {
                start: Some(r.start),
                end: Some(r.end.saturating_add(1)),
                options: self.options(&r.options, "ExtensionRangeOptions", &m.full_name)?,
                ..Default::default()
            });
        }
        for &e in &m.extensions {
            if let Some(ext) = self.pool.extension(e) {
                out.extension.push(self.field(ext, true)?);
            }
        }
        out.options = self.options(&m.options, "MessageOptions", &m.full_name)?;
        for o in &m.oneofs {
            out.oneof_decl.push(OneofDescriptorProto {
                name: Some(o.name.clone()),
                options: self.options(
                    &o.options,
                    "OneofOptions",
                    &format!("{}.{}", m.full_name, o.name),
                )?,
                ..Default::default()
            });
        }
        for r in &m.reserved_ranges {
            out.reserved_range.push(ReservedRange {
                start: Some(r.start),
                end: Some(r.end.saturating_add(1)),
                ..Default::default()
            });
        }
        Ok(out)
    }

    fn field(
        &self,
        f: &FieldDescriptor,
        is_extension: bool,
    ) -> Result<FieldDescriptorProto, SchemaError> {
        Ok(FieldDescriptorProto {
            name: Some(f.name.clone()),
            extendee: f
                .extendee
                .and_then(|m| self.pool.message(m))
                .map(|m| format!(".{}", m.full_name)),
            number: Some(f.number),
            label: Some(label_number(f.label)),
            r#type: Some(type_number(f.ty)),
            type_name: self.pool.type_name(f.ty),
            default_value: f
                .default_value
                .as_ref()
                .map(|d| default_value_text(d, f.ty == FieldType::Scalar(ScalarType::Float))),
            options: self.options(&f.options, "FieldOptions", &f.full_name)?,
            oneof_index: if is_extension {
                None
            } else {
                f.oneof_index.and_then(|i| i32::try_from(i).ok())
            },
            json_name: Some(f.json_name.clone()),
            proto3_optional: f.proto3_optional.then_some(true),
            unknown: UnknownFields::default(),
        })
    }

    fn enumeration(&self, id: EnumId) -> Result<EnumDescriptorProto, SchemaError> {
        let e = self
            .pool
            .enumeration(id)
            .ok_or_else(|| SchemaError::whole_file(&self.file.name, "dangling enum id"))?;
        let mut out = EnumDescriptorProto {
            name: Some(e.name.clone()),
            reserved_name: e.reserved_names.clone(),
            options: self.options(&e.options, "EnumOptions", &e.full_name)?,
            ..Default::default()
        };
        for v in &e.values {
            out.value.push(EnumValueDescriptorProto {
                name: Some(v.name.clone()),
                number: Some(v.number),
                options: self.options(&v.options, "EnumValueOptions", &v.full_name)?,
                ..Default::default()
            });
        }
        for r in &e.reserved_ranges {
            out.reserved_range.push(EnumReservedRange {
                start: Some(r.start),
                end: Some(r.end),
                ..Default::default()
            });
        }
        Ok(out)
    }

    fn service(&self, id: ServiceId) -> Result<ServiceDescriptorProto, SchemaError> {
        let s = self
            .pool
            .service(id)
            .ok_or_else(|| SchemaError::whole_file(&self.file.name, "dangling service id"))?;
        let mut out = ServiceDescriptorProto {
            name: Some(s.name.clone()),
            options: self.options(&s.options, "ServiceOptions", &s.full_name)?,
            ..Default::default()
        };
        for m in &s.methods {
            let name = |id: MessageId| self.pool.message(id).map(|m| format!(".{}", m.full_name));
            out.method.push(MethodDescriptorProto {
                name: Some(m.name.clone()),
                input_type: name(m.input),
                output_type: name(m.output),
                options: match self.options(&m.options, "MethodOptions", &m.full_name)? {
                    None if m.options_block => Some(Options::default()),
                    o => o,
                },
                client_streaming: m.client_streaming.then_some(true),
                server_streaming: m.server_streaming.then_some(true),
                ..Default::default()
            });
        }
        Ok(out)
    }

    // ---- options ----

    /// The schemas options are interpreted with: the pool's own
    /// descriptor.proto if it has one, else the built-in one.
    fn options_message(&self, short: &str) -> Option<(&Pool, MessageId)> {
        let full = format!("google.protobuf.{short}");
        if let Some(m) = self.pool.message_by_name(&full) {
            return Some((self.pool, m));
        }
        let builtin = builtin_descriptor_pool()?;
        builtin.message_by_name(&full).map(|m| (builtin, m))
    }

    /// Interprets `options` of the element whose full name is `scope` (for
    /// file options, `package.dummy`, as protoc does) as a `google.protobuf.<kind>`.
    fn options(
        &self,
        options: &[ast::OptionDecl],
        kind: &str,
        scope: &str,
    ) -> Result<Option<Options>, SchemaError> {
        if options.is_empty() {
            return Ok(None);
        }
        let Some((schema, message)) = self.options_message(kind) else {
            return Err(SchemaError::whole_file(
                &self.file.name,
                "descriptor.proto is not available",
            ));
        };
        // protoc knows the standard options as fields of its compiled-in
        // options messages: they come out in field-number order. Custom
        // options (and standard ones newer than protoc 3.21) are unknown
        // fields to it: one record per statement, in declaration order,
        // after the known ones.
        let mut standard = Vec::new();
        let mut custom = Vec::new();
        let mut assigned: Vec<Vec<(i32, bool)>> = Vec::new();
        for o in options {
            // "Known" means a field of protoc 3.21's own options message:
            // newer standard options are unknown fields to it too.
            let known = o
                .name
                .first()
                .is_some_and(|p| !p.is_extension && protoc_knows_option(kind, &p.name));
            let is_custom = !known;
            let out = if is_custom {
                &mut custom
            } else {
                &mut standard
            };
            let path = self
                .option(schema, message, o, scope, out)
                .map_err(|m| self.err(o.span.start, m))?;
            if assigned.iter().any(|p| paths_conflict(p, &path)) {
                return Err(self.err(
                    o.span.start,
                    format!("option \"{}\" was already set", o.name_text()),
                ));
            }
            assigned.push(path);
        }
        let fields = UnknownFields::decode(&standard)
            .map_err(|e| SchemaError::whole_file(&self.file.name, e.to_string()))?;
        let mut canonical = canonicalize(self.pool, schema, message, &fields, 0);
        canonical.extend_from_slice(&custom);
        let fields = UnknownFields::decode(&canonical)
            .map_err(|e| SchemaError::whole_file(&self.file.name, e.to_string()))?;
        Ok(Some(Options { fields }))
    }

    /// Appends the record of one option statement; gives the path of
    /// (field number, repeated) it set.
    fn option(
        &self,
        schema: &Pool,
        message: MessageId,
        o: &ast::OptionDecl,
        scope: &str,
        out: &mut Vec<u8>,
    ) -> Result<Vec<(i32, bool)>, String> {
        // Walk the name: each part but the last must name a message field.
        let mut path: Vec<(&Pool, &FieldDescriptor)> = Vec::new();
        let (mut pool, mut current) = (schema, message);
        for (i, part) in o.name.iter().enumerate() {
            let (p, f) = self.find_option_field(pool, current, part, scope)?;
            path.push((p, f));
            if i + 1 < o.name.len() {
                match f.ty {
                    FieldType::Message(m) | FieldType::Group(m) => {
                        pool = p;
                        current = m;
                    }
                    _ => {
                        return Err(format!(
                            "option \"{}\" is an atomic type, not a message",
                            o.name_text()
                        ))
                    }
                }
            }
        }
        let Some(&(last_pool, last)) = path.last() else {
            return Err("empty option name".to_string());
        };
        let mut record = Vec::new();
        self.value(last_pool, last, &o.value, &mut record, 0)
            .map_err(|m| format!("option \"{}\": {m}", o.name_text()))?;
        for &(_, f) in path.iter().rev().skip(1) {
            let mut outer = Vec::new();
            let number = f.number as u32;
            if matches!(f.ty, FieldType::Group(_)) {
                encode_tag(number, WireType::StartGroup, &mut outer);
                outer.extend_from_slice(&record);
                encode_tag(number, WireType::EndGroup, &mut outer);
            } else {
                encode_tag(number, WireType::Len, &mut outer);
                varint::encode(record.len() as u64, &mut outer);
                outer.extend_from_slice(&record);
            }
            record = outer;
        }
        out.extend_from_slice(&record);
        // protoc's source info names an option by the field numbers of its
        // name, plus the value's index when the field is repeated.
        let mut suffix: Vec<i32> = path.iter().map(|(_, f)| f.number).collect();
        for &loc in &o.location {
            let Some(base) = self.file.locations.get(loc).map(|l| l.path.clone()) else {
                continue;
            };
            let mut full = base;
            full.extend_from_slice(&suffix);
            let mut own = suffix.clone();
            if last.is_repeated() {
                let mut counts = self.repeated_counts.borrow_mut();
                let n = counts.entry(full).or_insert(0);
                own.push(*n);
                *n += 1;
            }
            self.option_paths.borrow_mut().insert(loc, own);
        }
        suffix.clear();
        Ok(path
            .iter()
            .map(|(_, f)| (f.number, f.is_repeated()))
            .collect())
    }

    /// A field of `message` by plain name, or an extension of it by `(name)`,
    /// resolved from the element `scope` as protoc resolves custom option names.
    fn find_option_field<'p>(
        &'p self,
        pool: &'p Pool,
        message: MessageId,
        part: &ast::OptionNamePart,
        scope: &str,
    ) -> Result<(&'p Pool, &'p FieldDescriptor), String> {
        let m = pool.message(message).ok_or("dangling options message")?;
        if !part.is_extension {
            return m
                .field_by_name(&part.name)
                .map(|f| (pool, f))
                .ok_or_else(|| {
                    format!(
                        "option \"{}\" unknown: \"{}\" has no such field",
                        part.name, m.full_name
                    )
                });
        }
        let extendee = &m.full_name;
        let not_found = || {
            format!(
                "option \"({})\" unknown: no such extension of \"{extendee}\" is visible",
                part.name
            )
        };
        // The first symbol found decides, whatever it is (protoc's LookupSymbol).
        let (full, symbol) = self.pool.resolve(&part.name, scope).ok_or_else(not_found)?;
        let Symbol::Extension(id) = symbol else {
            return Err(format!(
                "option field \"({})\" resolves to \"{full}\", which is not an extension of \"{extendee}\"",
                part.name
            ));
        };
        let ext = self.pool.extension(id).ok_or_else(not_found)?;
        let target = ext.extendee.and_then(|t| self.pool.message(t));
        if target.map(|t| &t.full_name) != Some(extendee) {
            return Err(format!("\"{full}\" is not an extension of \"{extendee}\""));
        }
        Ok((self.pool, ext))
    }

    /// Appends the record for field `f` holding `value`.
    fn value(
        &self,
        pool: &Pool,
        f: &FieldDescriptor,
        value: &Constant,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), String> {
        let number = f.number as u32;
        match f.ty {
            FieldType::Scalar(s) => encode_scalar(s, number, value, out),
            FieldType::Enum(e) => {
                let ed = pool.enumeration(e).ok_or("dangling enum")?;
                let number_value = match value {
                    Constant::Identifier(name) => {
                        ed.value_by_name(name).map(|v| v.number).ok_or_else(|| {
                            format!(
                                "enum type \"{}\" has no value named \"{name}\"",
                                ed.full_name
                            )
                        })?
                    }
                    _ => {
                        return Err(format!(
                            "expected an identifier of enum \"{}\"",
                            ed.full_name
                        ))
                    }
                };
                encode_tag(number, WireType::Varint, out);
                varint::encode(i64::from(number_value) as u64, out);
                Ok(())
            }
            FieldType::Message(m) | FieldType::Group(m) => {
                let Constant::Aggregate(text) = value else {
                    return Err(
                        "expected an aggregate value in braces for a message option".to_string()
                    );
                };
                let payload = self.text_message(pool, m, text, depth + 1)?;
                if matches!(f.ty, FieldType::Group(_)) {
                    encode_tag(number, WireType::StartGroup, out);
                    out.extend_from_slice(&payload);
                    encode_tag(number, WireType::EndGroup, out);
                } else {
                    encode_tag(number, WireType::Len, out);
                    varint::encode(payload.len() as u64, out);
                    out.extend_from_slice(&payload);
                }
                Ok(())
            }
        }
    }

    /// Encodes a text-format message against message `m`.
    fn text_message(
        &self,
        pool: &Pool,
        m: MessageId,
        text: &TextMessage,
        depth: usize,
    ) -> Result<Vec<u8>, String> {
        if depth > MAX_OPTION_DEPTH {
            return Err("aggregate value nests too deeply".to_string());
        }
        let md = pool.message(m).ok_or("dangling message")?;
        let mut out = Vec::new();
        for tf in &text.fields {
            if tf.is_extension && tf.name.contains('/') {
                // An expanded `google.protobuf.Any`: `[type.url/pkg.Msg] { ... }`
                // is `type_url` (1) and the message encoded as `value` (2).
                if md.full_name != "google.protobuf.Any" {
                    return Err(format!(
                        "[{}] is only allowed in a google.protobuf.Any",
                        tf.name
                    ));
                }
                let type_name = tf.name.rsplit('/').next().unwrap_or("");
                let inner = self.pool.message_by_name(type_name).ok_or_else(|| {
                    format!("unknown message type \"{type_name}\" in [{}]", tf.name)
                })?;
                let TextValue::Message(body) = &tf.value else {
                    return Err(format!("[{}] needs a message value in braces", tf.name));
                };
                let value = self.text_message(self.pool, inner, body, depth + 1)?;
                encode_tag(1, WireType::Len, &mut out);
                varint::encode(tf.name.len() as u64, &mut out);
                out.extend_from_slice(tf.name.as_bytes());
                encode_tag(2, WireType::Len, &mut out);
                varint::encode(value.len() as u64, &mut out);
                out.extend_from_slice(&value);
                continue;
            }
            let (fpool, f) = if tf.is_extension {
                let name = tf.name.strip_prefix('.').unwrap_or(&tf.name);
                let ext = self
                    .pool
                    .extension_by_name(name)
                    .and_then(|e| self.pool.extension(e))
                    .ok_or_else(|| format!("unknown extension [{}] in aggregate value", tf.name))?;
                (self.pool, ext)
            } else {
                let f = md
                    .field_by_name(&tf.name)
                    .or_else(|| md.field_by_name(&tf.name.to_ascii_lowercase()))
                    .ok_or_else(|| {
                        format!("\"{}\" has no field named \"{}\"", md.full_name, tf.name)
                    })?;
                (pool, f)
            };
            let items: Vec<&TextValue> = match &tf.value {
                TextValue::List(items) => items.iter().collect(),
                v => vec![v],
            };
            for item in items {
                match item {
                    TextValue::Scalar(c) => self.value(fpool, f, c, &mut out, depth)?,
                    TextValue::Message(tm) => {
                        let agg = Constant::Aggregate(tm.clone());
                        self.value(fpool, f, &agg, &mut out, depth)?
                    }
                    TextValue::List(_) => {
                        return Err("nested lists are not allowed in text format".to_string())
                    }
                }
            }
        }
        let fields = UnknownFields::decode(&out).map_err(|e| e.to_string())?;
        Ok(canonicalize(self.pool, pool, m, &fields, depth))
    }
}

fn int_of(value: &Constant) -> Result<i128, String> {
    match value {
        Constant::Int {
            negative,
            magnitude,
        } => {
            let m = i128::from(*magnitude);
            Ok(if *negative { -m } else { m })
        }
        _ => Err("expected an integer".to_string()),
    }
}

fn in_range(v: i128, min: i128, max: i128) -> Result<i128, String> {
    if v < min || v > max {
        Err(format!("value {v} is out of range"))
    } else {
        Ok(v)
    }
}

fn float_of(value: &Constant) -> Result<f64, String> {
    match value {
        Constant::Float(f) => Ok(*f),
        Constant::Int {
            negative,
            magnitude,
        } => {
            let f = *magnitude as f64;
            Ok(if *negative { -f } else { f })
        }
        Constant::Identifier(i) if i == "inf" => Ok(f64::INFINITY),
        Constant::Identifier(i) if i == "nan" => Ok(f64::NAN),
        _ => Err("expected a number".to_string()),
    }
}

fn encode_scalar(
    s: ScalarType,
    number: u32,
    value: &Constant,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    use ScalarType as S;
    let i32r = (i128::from(i32::MIN), i128::from(i32::MAX));
    let i64r = (i128::from(i64::MIN), i128::from(i64::MAX));
    match s {
        S::Int32 | S::Int64 | S::Uint32 | S::Uint64 => {
            let (min, max) = match s {
                S::Int32 => i32r,
                S::Int64 => i64r,
                S::Uint32 => (0, i128::from(u32::MAX)),
                _ => (0, i128::from(u64::MAX)),
            };
            let v = in_range(int_of(value)?, min, max)?;
            encode_tag(number, WireType::Varint, out);
            // Negative int32/int64 values are sign-extended to 64 bits.
            varint::encode(if v < 0 { v as i64 as u64 } else { v as u64 }, out);
        }
        S::Sint32 => {
            let v = in_range(int_of(value)?, i32r.0, i32r.1)? as i32;
            encode_tag(number, WireType::Varint, out);
            varint::encode(u64::from(varint::zigzag_encode32(v)), out);
        }
        S::Sint64 => {
            let v = in_range(int_of(value)?, i64r.0, i64r.1)? as i64;
            encode_tag(number, WireType::Varint, out);
            varint::encode(varint::zigzag_encode64(v), out);
        }
        S::Fixed32 | S::Sfixed32 => {
            let (min, max) = if s == S::Fixed32 {
                (0, i128::from(u32::MAX))
            } else {
                i32r
            };
            let v = in_range(int_of(value)?, min, max)?;
            encode_tag(number, WireType::I32, out);
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        S::Fixed64 | S::Sfixed64 => {
            let (min, max) = if s == S::Fixed64 {
                (0, i128::from(u64::MAX))
            } else {
                i64r
            };
            let v = in_range(int_of(value)?, min, max)?;
            encode_tag(number, WireType::I64, out);
            out.extend_from_slice(&(v as u64).to_le_bytes());
        }
        S::Float => {
            encode_tag(number, WireType::I32, out);
            out.extend_from_slice(&(float_of(value)? as f32).to_le_bytes());
        }
        S::Double => {
            encode_tag(number, WireType::I64, out);
            out.extend_from_slice(&float_of(value)?.to_le_bytes());
        }
        S::Bool => {
            let b = match value {
                Constant::Identifier(i) if i == "true" => true,
                Constant::Identifier(i) if i == "false" => false,
                Constant::Int {
                    negative: false,
                    magnitude: 0,
                } => false,
                Constant::Int {
                    negative: false,
                    magnitude: 1,
                } => true,
                _ => return Err("value must be `true` or `false`".to_string()),
            };
            encode_tag(number, WireType::Varint, out);
            varint::encode(u64::from(b), out);
        }
        S::String | S::Bytes => {
            let Constant::String(bytes) = value else {
                return Err("expected a string".to_string());
            };
            if s == S::String && std::str::from_utf8(bytes).is_err() {
                return Err("string value is not valid UTF-8".to_string());
            }
            encode_tag(number, WireType::Len, out);
            varint::encode(bytes.len() as u64, out);
            out.extend_from_slice(bytes);
        }
    }
    Ok(())
}

/// The fields of protoc 3.21's compiled-in options messages (the built-in
/// descriptor.proto), which protoc writes in field-number order.
fn protoc_knows_option(kind: &str, name: &str) -> bool {
    let fields: &[&str] = match kind {
        "FileOptions" => &[
            "java_package",
            "java_outer_classname",
            "java_multiple_files",
            "java_generate_equals_and_hash",
            "java_string_check_utf8",
            "optimize_for",
            "go_package",
            "cc_generic_services",
            "java_generic_services",
            "py_generic_services",
            "php_generic_services",
            "deprecated",
            "cc_enable_arenas",
            "objc_class_prefix",
            "csharp_namespace",
            "swift_prefix",
            "php_class_prefix",
            "php_namespace",
            "php_metadata_namespace",
            "ruby_package",
        ],
        "MessageOptions" => &[
            "message_set_wire_format",
            "no_standard_descriptor_accessor",
            "deprecated",
            "map_entry",
        ],
        "FieldOptions" => &[
            "ctype",
            "packed",
            "jstype",
            "lazy",
            "unverified_lazy",
            "deprecated",
            "weak",
        ],
        "EnumOptions" => &["allow_alias", "deprecated"],
        "EnumValueOptions" | "ServiceOptions" => &["deprecated"],
        "MethodOptions" => &["deprecated", "idempotency_level"],
        _ => &[],
    };
    name == "uninterpreted_option" || fields.contains(&name)
}

/// Whether two option assignments set the same singular value: one path is
/// a prefix of the other (or equal) and no field along the shared part is
/// repeated (protoc: "Option ... was already set").
fn paths_conflict(a: &[(i32, bool)], b: &[(i32, bool)]) -> bool {
    let shared = a.iter().zip(b).take_while(|(x, y)| x.0 == y.0).count();
    if shared < a.len().min(b.len()) {
        return false;
    }
    !a.iter().take(shared).any(|(_, repeated)| *repeated)
}

/// Re-encodes `fields` of message `m` the way a parsed-then-serialized
/// message comes out: known fields in number order (extensions among them),
/// singular scalars last-one-wins, records of one singular message merged
/// into one, unknown fields last.
fn canonicalize(
    source: &Pool,
    schema: &Pool,
    m: MessageId,
    fields: &UnknownFields,
    depth: usize,
) -> Vec<u8> {
    let md = schema.message(m);
    let full_name = md.map(|m| m.full_name.as_str()).unwrap_or("");
    let lookup = |number: u32| -> Option<(&Pool, &FieldDescriptor)> {
        let n = i32::try_from(number).ok()?;
        if let Some(f) = md.and_then(|m| m.field_by_number(n)) {
            return Some((schema, f));
        }
        source
            .extensions()
            .map(|(_, e)| e)
            .find(|e| {
                e.number == n
                    && e.extendee
                        .and_then(|t| source.message(t))
                        .map(|t| t.full_name.as_str())
                        == Some(full_name)
            })
            .map(|e| (source, e))
    };
    let mut numbers: Vec<u32> = fields.iter().map(|f| f.field).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for number in numbers {
        let records: Vec<UnknownValue<'_>> = fields
            .iter()
            .filter(|f| f.field == number)
            .map(|f| f.value)
            .collect();
        let Some((fpool, f)) = lookup(number) else {
            for v in records {
                push_record(number, v, &mut unknown);
            }
            continue;
        };
        let sub = match f.ty {
            FieldType::Message(s) | FieldType::Group(s) if depth < MAX_OPTION_DEPTH => Some(s),
            _ => None,
        };
        match (f.is_repeated(), sub) {
            (false, Some(s)) => {
                let mut payload = Vec::new();
                for v in &records {
                    if let UnknownValue::Len(p) | UnknownValue::Group(p) = v {
                        payload.extend_from_slice(p);
                    }
                }
                let inner = UnknownFields::decode(&payload).unwrap_or_default();
                let canon = canonicalize(source, fpool, s, &inner, depth + 1);
                let kind = if matches!(f.ty, FieldType::Group(_)) {
                    UnknownValue::Group(&canon)
                } else {
                    UnknownValue::Len(&canon)
                };
                push_record(number, kind, &mut known);
            }
            (false, None) => {
                if let Some(v) = records.last() {
                    push_record(number, *v, &mut known);
                }
            }
            (true, Some(s)) => {
                for v in records {
                    if let UnknownValue::Len(p) | UnknownValue::Group(p) = v {
                        let inner = UnknownFields::decode(p).unwrap_or_default();
                        let canon = canonicalize(source, fpool, s, &inner, depth + 1);
                        let kind = if matches!(v, UnknownValue::Group(_)) {
                            UnknownValue::Group(&canon)
                        } else {
                            UnknownValue::Len(&canon)
                        };
                        push_record(number, kind, &mut known);
                    } else {
                        push_record(number, v, &mut known);
                    }
                }
            }
            (true, None) => {
                for v in records {
                    push_record(number, v, &mut known);
                }
            }
        }
    }
    known.extend_from_slice(&unknown);
    known
}

fn push_record(number: u32, value: UnknownValue<'_>, out: &mut Vec<u8>) {
    match value {
        UnknownValue::Varint(v) => {
            encode_tag(number, WireType::Varint, out);
            varint::encode(v, out);
        }
        UnknownValue::I64(v) => {
            encode_tag(number, WireType::I64, out);
            out.extend_from_slice(&v.to_le_bytes());
        }
        UnknownValue::I32(v) => {
            encode_tag(number, WireType::I32, out);
            out.extend_from_slice(&v.to_le_bytes());
        }
        UnknownValue::Len(p) => {
            encode_tag(number, WireType::Len, out);
            varint::encode(p.len() as u64, out);
            out.extend_from_slice(p);
        }
        UnknownValue::Group(p) => {
            encode_tag(number, WireType::StartGroup, out);
            out.extend_from_slice(p);
            encode_tag(number, WireType::EndGroup, out);
        }
    }
}

/// The text protoc writes in `FieldDescriptorProto.default_value`
/// (descriptor.proto: strings as is, bytes C-escaped, enums by value name).
/// `is_float` selects float precision (a `float` field's default is held as
/// an f32 by protoc and printed with `SimpleFtoa`).
pub fn default_value_text(value: &DefaultValue, is_float: bool) -> String {
    match value {
        DefaultValue::Float(f) if is_float => shortest_g_f32(*f as f32),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Signed(v) => v.to_string(),
        DefaultValue::Unsigned(v) => v.to_string(),
        DefaultValue::Float(f) => shortest_g(*f, 15, 17),
        DefaultValue::String(s) => s.clone(),
        DefaultValue::Bytes(b) => c_escape(b),
        DefaultValue::Enum { name, .. } => name.clone(),
    }
}

/// Formats like C's `%.{p}g`, trying precision `short` first and `long` when
/// that does not read back as the same value (protoc's `SimpleDtoa`).
fn shortest_g(v: f64, short: usize, long: usize) -> String {
    if v.is_nan() {
        return "nan".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let s = format_g(v, short);
    if s.parse::<f64>().ok() == Some(v) {
        s
    } else {
        format_g(v, long)
    }
}

/// protoc's `SimpleFtoa`: `%.6g` (FLT_DIG), or `%.9g` when that does not
/// read back as the same f32.
fn shortest_g_f32(v: f32) -> String {
    if !v.is_finite() {
        return shortest_g(f64::from(v), 6, 9);
    }
    let s = format_g(f64::from(v), 6);
    if s.parse::<f32>().ok() == Some(v) {
        s
    } else {
        format_g(f64::from(v), 9)
    }
}

/// C's `%.{precision}g` for a finite value.
fn format_g(v: f64, precision: usize) -> String {
    let precision = precision.max(1);
    let sci = format!("{:.*e}", precision - 1, v);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= precision as i64 {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (precision as i64 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{v:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// protoc's `CEscape`: printable ASCII as is, the usual escapes, other bytes
/// as three octal digits.
pub fn c_escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out
}

// ---- descriptors back into a pool ----

impl Pool {
    /// Adds every file of a `FileDescriptorSet` (dependencies must come
    /// first, as protoc writes them, or already be in the pool). Files
    /// already in the pool are skipped. The same checks as for `.proto` text apply.
    pub fn add_file_descriptor_set(
        &mut self,
        set: &FileDescriptorSet,
    ) -> Result<Vec<FileId>, SchemaError> {
        let mut ids = Vec::new();
        for f in &set.file {
            ids.push(self.add_file_descriptor_proto(f)?);
        }
        Ok(ids)
    }

    /// Adds one `FileDescriptorProto` whose dependencies are in the pool.
    pub fn add_file_descriptor_proto(
        &mut self,
        file: &FileDescriptorProto,
    ) -> Result<FileId, SchemaError> {
        let name = file.name.clone().unwrap_or_default();
        if let Some(id) = self.file_by_name(&name) {
            return Ok(id);
        }
        let mut ast = ast_of_file(file)?;
        if let Some(info) = &file.source_code_info {
            attach_comments(&mut ast, info);
        }
        let id = super::build::build_file(self, &ast, String::new())?;
        if let Some(f) = self.files.get_mut(id.0) {
            f.descriptor = Some(Box::new(file.clone()));
        }
        Ok(id)
    }
}

/// Gives the declarations of a syntax tree built from a descriptor the
/// comments its `SourceCodeInfo` holds, found by path.
fn attach_comments(file: &mut ast::File, info: &SourceCodeInfo) {
    let mut by_path: HashMap<&[i32], ast::Comments> = HashMap::new();
    for l in &info.location {
        let has_comments = l.leading_comments.is_some()
            || l.trailing_comments.is_some()
            || !l.leading_detached_comments.is_empty();
        if has_comments {
            by_path
                .entry(l.path.as_slice())
                .or_insert_with(|| ast::Comments {
                    leading: l.leading_comments.clone(),
                    trailing: l.trailing_comments.clone(),
                    leading_detached: l.leading_detached_comments.clone(),
                });
        }
    }
    let get = |path: &[i32]| by_path.get(path).cloned().unwrap_or_default();
    let at = |base: &[i32], more: &[i32]| {
        let mut p = base.to_vec();
        p.extend_from_slice(more);
        p
    };
    if let Some(p) = &mut file.package {
        p.comments = get(&[2]);
    }
    for (i, import) in file.imports.iter_mut().enumerate() {
        import.comments = get(&[3, index(i)]);
    }
    fn message(
        m: &mut ast::Message,
        path: &[i32],
        get: &dyn Fn(&[i32]) -> ast::Comments,
        depth: usize,
    ) {
        if depth > super::parser::MAX_NESTING_DEPTH {
            return;
        }
        m.comments = get(path);
        let at = |more: &[i32]| {
            let mut p = path.to_vec();
            p.extend_from_slice(more);
            p
        };
        for (i, f) in m.fields.iter_mut().enumerate() {
            f.comments = get(&at(&[2, index(i)]));
        }
        for (i, n) in m.messages.iter_mut().enumerate() {
            message(n, &at(&[3, index(i)]), get, depth + 1);
        }
        for (i, e) in m.enums.iter_mut().enumerate() {
            enumeration(e, &at(&[4, index(i)]), get);
        }
        for (i, e) in m.extends.iter_mut().enumerate() {
            for f in &mut e.fields {
                f.comments = get(&at(&[6, index(i)]));
            }
        }
        for (i, o) in m.oneofs.iter_mut().enumerate() {
            o.comments = get(&at(&[8, index(i)]));
        }
    }
    fn enumeration(e: &mut ast::Enum, path: &[i32], get: &dyn Fn(&[i32]) -> ast::Comments) {
        e.comments = get(path);
        for (i, v) in e.values.iter_mut().enumerate() {
            let mut p = path.to_vec();
            p.extend_from_slice(&[2, index(i)]);
            v.comments = get(&p);
        }
    }
    for (i, m) in file.messages.iter_mut().enumerate() {
        message(m, &[4, index(i)], &get, 0);
    }
    for (i, e) in file.enums.iter_mut().enumerate() {
        enumeration(e, &[5, index(i)], &get);
    }
    for (i, s) in file.services.iter_mut().enumerate() {
        s.comments = get(&[6, index(i)]);
        for (j, m) in s.methods.iter_mut().enumerate() {
            m.comments = get(&at(&[6, index(i)], &[2, index(j)]));
        }
    }
    for (i, e) in file.extends.iter_mut().enumerate() {
        for f in &mut e.fields {
            f.comments = get(&[7, index(i)]);
        }
    }
}

fn index(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

fn missing(file: &str, what: &str) -> SchemaError {
    SchemaError::whole_file(file, format!("descriptor has no {what}"))
}

/// Standard bool options a pool honours, by options message, recovered from
/// encoded options as option statements.
fn bool_options(options: &Option<Options>, names: &[(u32, &str)]) -> Vec<ast::OptionDecl> {
    let Some(o) = options else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|&(n, name)| {
            o.bool_field(n).map(|b| ast::OptionDecl {
                name: vec![ast::OptionNamePart {
                    name: name.to_string(),
                    is_extension: false,
                }],
                value: Constant::Identifier(b.to_string()),
                span: Span::default(),
                value_span: Span::default(),
                comments: ast::Comments::default(),
                location: Vec::new(),
            })
        })
        .collect()
}

fn ast_of_file(f: &FileDescriptorProto) -> Result<ast::File, SchemaError> {
    let name = f.name.clone().ok_or_else(|| missing("", "file name"))?;
    let syntax = match f.syntax.as_deref() {
        None | Some("") | Some("proto2") => Syntax::Proto2,
        Some("proto3") => Syntax::Proto3,
        Some(other) => {
            return Err(SchemaError::whole_file(
                &name,
                format!("unsupported syntax \"{other}\""),
            ));
        }
    };
    let mut imports = Vec::new();
    for (i, d) in f.dependency.iter().enumerate() {
        let i = i32::try_from(i).unwrap_or(i32::MAX);
        let kind = if f.public_dependency.contains(&i) {
            ast::ImportKind::Public
        } else if f.weak_dependency.contains(&i) {
            ast::ImportKind::Weak
        } else {
            ast::ImportKind::Plain
        };
        imports.push(ast::Import {
            path: d.clone(),
            kind,
            span: Span::default(),
            comments: ast::Comments::default(),
        });
    }
    let mut messages = Vec::new();
    for m in &f.message_type {
        messages.push(ast_of_message(&name, syntax, m, 0)?);
    }
    let mut extends = Vec::new();
    for e in &f.extension {
        extends.push(ast_of_extension(&name, syntax, e, &messages)?);
    }
    Ok(ast::File {
        name: name.clone(),
        syntax,
        syntax_decl: None,
        package: f
            .package
            .clone()
            .filter(|p| !p.is_empty())
            .map(|p| ast::Package {
                name: p,
                span: Span::default(),
                comments: ast::Comments::default(),
            }),
        imports,
        options: Vec::new(),
        messages,
        enums: f.enum_type.iter().map(ast_of_enum).collect(),
        services: f.service.iter().map(ast_of_service).collect(),
        extends,
        locations: Vec::new(),
    })
}

fn ast_of_field(
    file: &str,
    syntax: Syntax,
    f: &FieldDescriptorProto,
    scope_messages: &[ast::Message],
    synthetic: &[bool],
) -> Result<ast::Field, SchemaError> {
    let name = f.name.clone().ok_or_else(|| missing(file, "field name"))?;
    let label = match f.label {
        Some(2) => Label::Required,
        Some(3) => Label::Repeated,
        _ => Label::Optional,
    };
    let type_number = f.r#type.unwrap_or(0);
    let ty = match scalar_of_type_number(type_number) {
        Some(s) => ast::TypeRef::Scalar(s),
        None => ast::TypeRef::Named(
            f.type_name
                .clone()
                .ok_or_else(|| missing(file, &format!("type_name for field \"{name}\"")))?,
        ),
    };
    let shape = if type_number == 10 {
        // The group's body is the nested message named like the type.
        let short = f
            .type_name
            .as_deref()
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("");
        let index = scope_messages
            .iter()
            .position(|m| m.name == short)
            .ok_or_else(|| missing(file, &format!("group body for field \"{name}\"")))?;
        ast::FieldShape::Group(index)
    } else {
        ast::FieldShape::Plain
    };
    let oneof = f.oneof_index.and_then(|i| usize::try_from(i).ok());
    let in_synthetic = oneof
        .and_then(|i| synthetic.get(i))
        .copied()
        .unwrap_or(false);
    let ast_label = if syntax == Syntax::Proto3 && label == Label::Optional {
        (f.proto3_optional == Some(true)).then_some(Label::Optional)
    } else if oneof.is_some() && !in_synthetic {
        None
    } else {
        Some(label)
    };
    let mut options = bool_options(&f.options, &[(2, "packed"), (3, "deprecated")]);
    if let Some(d) = &f.default_value {
        options.push(default_option(file, d, &ty)?);
    }
    if let Some(j) = &f.json_name {
        if *j != super::build::json_name(&name) && f.extendee.is_none() {
            options.push(ast::OptionDecl {
                name: vec![ast::OptionNamePart {
                    name: "json_name".into(),
                    is_extension: false,
                }],
                value: Constant::String(j.clone().into_bytes()),
                span: Span::default(),
                value_span: Span::default(),
                comments: ast::Comments::default(),
                location: Vec::new(),
            });
        }
    }
    Ok(ast::Field {
        name,
        label: ast_label,
        ty,
        shape,
        number: i64::from(f.number.unwrap_or(0)),
        options,
        oneof: if in_synthetic { None } else { oneof },
        span: Span::default(),
        name_span: Span::default(),
        type_span: Span::default(),
        number_span: Span::default(),
        comments: ast::Comments::default(),
    })
}

/// The `default` option statement for protoc's default-value text.
fn default_option(
    file: &str,
    text: &str,
    ty: &ast::TypeRef,
) -> Result<ast::OptionDecl, SchemaError> {
    use ScalarType as S;
    let bad = || SchemaError::whole_file(file, format!("invalid default value text {text:?}"));
    let value = match ty {
        ast::TypeRef::Named(_) => Constant::Identifier(text.to_string()),
        ast::TypeRef::Scalar(S::String) => Constant::String(text.as_bytes().to_vec()),
        ast::TypeRef::Scalar(S::Bytes) => Constant::String(c_unescape(text).ok_or_else(bad)?),
        ast::TypeRef::Scalar(S::Bool) => Constant::Identifier(text.to_string()),
        ast::TypeRef::Scalar(S::Float | S::Double) => match text {
            "inf" => Constant::Float(f64::INFINITY),
            "-inf" => Constant::Float(f64::NEG_INFINITY),
            "nan" => Constant::Float(f64::NAN),
            _ => Constant::Float(text.parse().map_err(|_| bad())?),
        },
        ast::TypeRef::Scalar(_) => {
            let (negative, digits) = match text.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, text),
            };
            Constant::Int {
                negative,
                magnitude: digits.parse().map_err(|_| bad())?,
            }
        }
    };
    Ok(ast::OptionDecl {
        name: vec![ast::OptionNamePart {
            name: "default".into(),
            is_extension: false,
        }],
        value,
        span: Span::default(),
        value_span: Span::default(),
        comments: ast::Comments::default(),
        location: Vec::new(),
    })
}

/// Reverses [`c_escape`] (and accepts the other C escapes).
fn c_unescape(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let e = *bytes.get(i)?;
        i += 1;
        match e {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match bytes.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(u8::try_from(v).ok()?);
            }
            b'x' => {
                let mut v = 0u32;
                let mut n = 0;
                while let Some(d) = bytes.get(i).and_then(|d| char::from(*d).to_digit(16)) {
                    if n == 2 {
                        break;
                    }
                    v = v * 16 + d;
                    i += 1;
                    n += 1;
                }
                out.push(u8::try_from(v).ok()?);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

fn ast_of_message(
    file: &str,
    syntax: Syntax,
    m: &DescriptorProto,
    depth: usize,
) -> Result<ast::Message, SchemaError> {
    if depth > super::parser::MAX_NESTING_DEPTH {
        return Err(SchemaError::whole_file(file, "messages nest too deeply"));
    }
    let name = m
        .name
        .clone()
        .ok_or_else(|| missing(file, "message name"))?;
    let mut messages = Vec::new();
    for n in &m.nested_type {
        messages.push(ast_of_message(file, syntax, n, depth + 1)?);
    }
    // A oneof is synthetic when its only field is a proto3 `optional` one.
    let synthetic: Vec<bool> = (0..m.oneof_decl.len())
        .map(|i| {
            let i = i32::try_from(i).ok();
            let members: Vec<&FieldDescriptorProto> =
                m.field.iter().filter(|f| f.oneof_index == i).collect();
            members.len() == 1 && members.iter().all(|f| f.proto3_optional == Some(true))
        })
        .collect();
    let mut fields = Vec::new();
    for f in &m.field {
        fields.push(ast_of_field(file, syntax, f, &messages, &synthetic)?);
    }
    let oneofs = m
        .oneof_decl
        .iter()
        .zip(&synthetic)
        .filter(|(_, s)| !**s)
        .map(|(o, _)| ast::Oneof {
            name: o.name.clone().unwrap_or_default(),
            options: Vec::new(),
            span: Span::default(),
            comments: ast::Comments::default(),
        })
        .collect();
    let range = |start: Option<i32>, end: Option<i32>| ast::NumberRange {
        start: i64::from(start.unwrap_or(0)),
        end: Some(i64::from(end.unwrap_or(0)) - 1),
        span: Span::default(),
    };
    let mut reserved = Vec::new();
    if !m.reserved_range.is_empty() {
        reserved.push(ast::Reserved::Ranges(
            m.reserved_range
                .iter()
                .map(|r| range(r.start, r.end))
                .collect(),
            Span::default(),
            ast::Comments::default(),
        ));
    }
    if !m.reserved_name.is_empty() {
        reserved.push(ast::Reserved::Names(
            m.reserved_name
                .iter()
                .map(|n| (n.clone(), Span::default()))
                .collect(),
            Span::default(),
            ast::Comments::default(),
        ));
    }
    let mut extends = Vec::new();
    for e in &m.extension {
        extends.push(ast_of_extension(file, syntax, e, &messages)?);
    }
    let options = bool_options(
        &m.options,
        &[
            (1, "message_set_wire_format"),
            (3, "deprecated"),
            (7, "map_entry"),
        ],
    );
    let is_map_entry = m.options.as_ref().and_then(|o| o.bool_field(7)) == Some(true);
    Ok(ast::Message {
        name,
        fields,
        oneofs,
        messages,
        enums: m.enum_type.iter().map(ast_of_enum).collect(),
        extends,
        extension_ranges: m
            .extension_range
            .iter()
            .map(|r| ast::ExtensionRanges {
                ranges: vec![range(r.start, r.end)],
                options: Vec::new(),
                span: Span::default(),
                comments: ast::Comments::default(),
            })
            .collect(),
        reserved,
        options,
        is_map_entry,
        span: Span::default(),
        name_span: Span::default(),
        comments: ast::Comments::default(),
    })
}

fn ast_of_extension(
    file: &str,
    syntax: Syntax,
    f: &FieldDescriptorProto,
    scope_messages: &[ast::Message],
) -> Result<ast::Extend, SchemaError> {
    let extendee = f
        .extendee
        .clone()
        .ok_or_else(|| missing(file, "extendee"))?;
    Ok(ast::Extend {
        extendee,
        extendee_span: Span::default(),
        fields: vec![ast_of_field(file, syntax, f, scope_messages, &[])?],
        span: Span::default(),
        comments: ast::Comments::default(),
    })
}

fn ast_of_enum(e: &EnumDescriptorProto) -> ast::Enum {
    let mut reserved = Vec::new();
    if !e.reserved_range.is_empty() {
        reserved.push(ast::Reserved::Ranges(
            e.reserved_range
                .iter()
                .map(|r| ast::NumberRange {
                    start: i64::from(r.start.unwrap_or(0)),
                    end: Some(i64::from(r.end.unwrap_or(0))),
                    span: Span::default(),
                })
                .collect(),
            Span::default(),
            ast::Comments::default(),
        ));
    }
    if !e.reserved_name.is_empty() {
        reserved.push(ast::Reserved::Names(
            e.reserved_name
                .iter()
                .map(|n| (n.clone(), Span::default()))
                .collect(),
            Span::default(),
            ast::Comments::default(),
        ));
    }
    ast::Enum {
        name: e.name.clone().unwrap_or_default(),
        values: e
            .value
            .iter()
            .map(|v| ast::EnumValue {
                name: v.name.clone().unwrap_or_default(),
                number: i64::from(v.number.unwrap_or(0)),
                options: bool_options(&v.options, &[(1, "deprecated")]),
                span: Span::default(),
                number_span: Span::default(),
                comments: ast::Comments::default(),
            })
            .collect(),
        options: bool_options(&e.options, &[(2, "allow_alias"), (3, "deprecated")]),
        reserved,
        span: Span::default(),
        name_span: Span::default(),
        comments: ast::Comments::default(),
    }
}

fn ast_of_service(s: &ServiceDescriptorProto) -> ast::Service {
    ast::Service {
        name: s.name.clone().unwrap_or_default(),
        methods: s
            .method
            .iter()
            .map(|m| ast::Method {
                name: m.name.clone().unwrap_or_default(),
                input: m.input_type.clone().unwrap_or_default(),
                input_span: Span::default(),
                client_streaming: m.client_streaming == Some(true),
                output: m.output_type.clone().unwrap_or_default(),
                output_span: Span::default(),
                server_streaming: m.server_streaming == Some(true),
                options: bool_options(&m.options, &[(33, "deprecated")]),
                options_block: m.options.is_some(),
                span: Span::default(),
                comments: ast::Comments::default(),
            })
            .collect(),
        options: bool_options(&s.options, &[(33, "deprecated")]),
        span: Span::default(),
        comments: ast::Comments::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_defaults_like_protoc() {
        assert_eq!(shortest_g(1.5, 15, 17), "1.5");
        assert_eq!(shortest_g(1e10, 15, 17), "10000000000");
        assert_eq!(shortest_g(1e15, 15, 17), "1e+15");
        assert_eq!(shortest_g(0.1, 15, 17), "0.1");
        assert_eq!(shortest_g(1e-5, 15, 17), "1e-05");
        assert_eq!(shortest_g(-2.0, 15, 17), "-2");
        assert_eq!(shortest_g(f64::NEG_INFINITY, 15, 17), "-inf");
        assert_eq!(shortest_g_f32(3.402_823_5e38), "3.40282347e+38");
        assert_eq!(shortest_g_f32(1.1), "1.1");
        assert_eq!(c_escape(b"a\"\n\x01\xff"), "a\\\"\\n\\001\\377");
        assert_eq!(
            c_unescape("a\\\"\\n\\001\\377"),
            Some(b"a\"\n\x01\xff".to_vec())
        );
    }
}
